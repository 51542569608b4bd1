"""The interpolation page's parts: its two ends, the paths between their codes, and their maps.

:func:`choose_ends` draws the controls that pick the two images (by class, by index, at random,
or drawn on a pad); :func:`interpolate` decodes the paths between their codes; :func:`path_map`
draws the paths over a model's codes, of any latent size (longer codes on their two main axes).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from latent_lab.drawing import figures, image_picker, ui
from latent_lab.images.dataset import Dataset, one_per_class
from latent_lab.state import page_state
from latent_lab.state.settings import N_PICKS
from vae_core import lerp, slerp

PATHS = {"linear": lerp, "spherical": slerp}


def end_classes(classes, a, b) -> tuple:
    """The two classes the ends open on: the kept ``a`` and ``b`` where the data has them.

    A class the data lacks (the digits' 3 → 7 in an upload of three classes) is replaced by one it
    has, other than the other end's, so the page never opens on the same image at both ends.
    """
    classes = list(classes)
    if a in classes and b in classes:
        return a, b
    if a in classes:
        return a, next((c for c in reversed(classes) if c != a), a)
    if b in classes:
        return next((c for c in classes if c != b), b), b
    return classes[0], classes[-1]


def _reroll() -> None:
    page_state.put("interp_seed", page_state.get("interp_seed") + 1)


def _picker(end: str):
    def take() -> None:
        pick = st.session_state[f"interp_thumbs_{end}"].pick
        if isinstance(pick, int) and not isinstance(pick, bool) and 0 <= pick < N_PICKS:
            page_state.put(f"interp_pick_{end}", pick)
    return take


def _drawing(end: str):
    def take() -> None:
        try:
            page_state.put(f"interp_draw_{end}", st.session_state[f"interp_pad_{end}"].pixels)
        except ValueError:
            pass  # not a drawing this pad makes
    return take


def choose_ends(data: Dataset, mode: str) -> tuple[np.ndarray, tuple[str, str]]:
    """The controls that pick the two images in ``mode``, in two columns; the images (2, side²)
    and how to name them."""
    split, n_test = data.split, len(data.split.X_test)
    ends = st.columns(2)
    if mode == "by class":
        classes = [int(c) for c in np.unique(split.y_test)]
        opened = end_classes(classes, page_state.get("interp_class_a"), page_state.get("interp_class_b"))
        chosen, what = [], "digit" if data.is_digits else "class"
        for column, end, label, first in zip(ends, "ab", (f"From {what}", f"To {what}"), opened, strict=True):
            with column:
                # A kept class the data lacks shows as ``first``; choosing that keeps the setting as it was.
                kept = page_state.get(f"interp_class_{end}") in classes
                digit = page_state.widget(st.selectbox, label, classes, key=f"interp_class_{end}", value=first,
                                          **({} if kept else {"shown_default": first}))
                examples = np.flatnonzero(split.y_test == digit)[:N_PICKS]
                pick = min(page_state.get(f"interp_pick_{end}"), len(examples) - 1)
                image_picker.pick_image(split.X_test[examples], pick, key=f"interp_thumbs_{end}",
                                        on_pick=_picker(end), titles=[f"held-out #{i}" for i in examples])
                chosen.append(examples[pick])
        a, b = chosen
    elif mode == "by index":
        for end in "ab":  # a link may name an image beyond the held-out images on view
            ui.data_index(f"interp_index_{end}", n_test, "held-out images")
        a = page_state.widget(ends[0].number_input, "From held-out #", 0, n_test - 1, key="interp_index_a")
        b = page_state.widget(ends[1].number_input, "To held-out #", 0, n_test - 1, key="interp_index_b")
    elif mode == "at random":
        ends[0].button("New random pair", on_click=_reroll, key="interp_reroll_button")
        rng = np.random.default_rng(page_state.get("interp_seed"))
        a, b = rng.choice(n_test, size=2, replace=False)
        ends[1].caption(f"pair #{page_state.get('interp_seed')}")
    else:  # drawn by you
        # Until something is drawn, each pad starts from a held-out image (a 3 and a 7 of the digits).
        starts = one_per_class(split.y_test)[[3, 7]] if data.is_digits else (0, 1)
        pair = []
        for column, end, label, start in zip(ends, "ab", ("From", "To"), starts, strict=True):
            drawn = page_state.get(f"interp_draw_{end}")
            if drawn is None or len(drawn) != data.n_pixels:  # nothing drawn yet, or for another size
                drawn = image_picker.pixels_to_text(split.X_test[start])
            with column:
                st.markdown(f"**{label}:** drag on the pad to draw.")
                image_picker.draw_pad(drawn, data.side, key=f"interp_pad_{end}", on_change=_drawing(end))
            pair.append(image_picker.text_to_pixels(drawn))
        return np.asarray(pair), ("your first drawing", "your second drawing")
    names = tuple(f"held-out #{i}" + ("" if split.y_test is None else f" (a {split.y_test[i]})")
                  for i in (a, b))
    return split.X_test[[a, b]], names  # (2, side²)


def interpolate(models, pair: np.ndarray, steps: int):
    """Decode linear and spherical paths between the codes of ``pair`` under each ``(name, model)``.

    Returns the decoded rows (one per model and path, stacked: (rows · steps, side²)), their
    labels, and per model name its paths as :func:`figures.latent_map_figure` draws them.
    """
    rows, labels, paths = [], [], {}
    for name, model in models:
        z0, z1 = model.encode(pair)
        for kind, path_fn in PATHS.items():
            path = path_fn(z0, z1, steps)  # (steps, latent)
            rows.append(model.decode(path))
            labels.append(f"{name} {kind}")
            paths.setdefault(name, []).append((kind, path, figures.PATH_COLORS[kind]))
    return np.vstack(rows), labels, paths


def path_map(model, name: str, data: Dataset, paths):
    """The paths over ``model``'s codes of every image; codes longer than 2 on their two main axes."""
    codes, projected, titles = figures.project_codes(model.encode(data.X_all), *(p for _, p, _ in paths))
    paths = [(kind, p, color) for (kind, _, color), p in zip(paths, projected, strict=True)]
    x_range, y_range = figures.axis_range(codes, *projected)
    legend = [str(c) for c in np.unique(data.y_all)] if data.labelled else None
    where = "" if titles == figures.Z_TITLES else f", on its {model.latent_dim}-D code's two main axes"
    return figures.latent_map_figure(codes, data.colour_labels(), title=f"{name} latent space{where}",
                                     x_range=x_range, y_range=y_range, paths=paths,
                                     class_names=legend, axis_titles=titles)
