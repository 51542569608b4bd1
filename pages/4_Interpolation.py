from functools import partial

import numpy as np
import streamlit as st

from latent_lab.drawing import exports, figures, image_picker, ui
from latent_lab.images.dataset import one_per_class
from latent_lab.models.explored import explored_models
from latent_lab.state import page_state
from latent_lab.state.settings import INTERP_MODES, N_PICKS
from vae_core import lerp, slerp

ui.page(
    "Interpolation",
    "Pick two digits, or draw them. Both models encode them to two points in latent space, and "
    "we decode the points along a path between them: a straight line (linear) or an arc that "
    "keeps the code's length typical of the prior (spherical). If the latent space is smooth, "
    "one digit morphs into the other through plausible shapes. The paths are drawn on each "
    "model's latent map.",
)

explored = explored_models()
data = explored.dataset
split = data.split
n_test = len(split.X_test)
# Without labels there are no classes to pick from.
modes = INTERP_MODES if data.labelled else tuple(m for m in INTERP_MODES if m != "by class")


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


controls = st.columns([3, 2])
mode = page_state.widget(controls[0].radio, "Choose the two images", modes, key="interp_mode",
                    horizontal=True)
steps = page_state.widget(controls[1].slider, "Steps", 3, 15, key="interp_steps")

ends = st.columns(2)
if mode == "by class":
    chosen = []
    for column, end, label in zip(ends, "ab", ("From digit", "To digit"), strict=True):
        with column:
            classes = [int(c) for c in np.unique(split.y_test)]
            digit = page_state.widget(st.selectbox, label, classes, key=f"interp_class_{end}")
            examples = np.flatnonzero(split.y_test == digit)[:N_PICKS]
            pick = min(page_state.get(f"interp_pick_{end}"), len(examples) - 1)
            image_picker.pick_image(split.X_test[examples], pick, key=f"interp_thumbs_{end}",
                               on_pick=_picker(end),
                               titles=[f"held-out #{i}" for i in examples])
            chosen.append(examples[pick])
    a, b = chosen
elif mode == "by index":
    a = page_state.widget(ends[0].number_input, "From held-out #", 0, n_test - 1, key="interp_index_a")
    b = page_state.widget(ends[1].number_input, "To held-out #", 0, n_test - 1, key="interp_index_b")
elif mode == "at random":
    ends[0].button("New random pair", on_click=_reroll, key="interp_reroll_button")
    rng = np.random.default_rng(page_state.get("interp_seed"))
    a, b = rng.choice(n_test, size=2, replace=False)
    ends[1].caption(f"pair #{page_state.get('interp_seed')}")

if mode == "drawn by you":
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
    pair = np.asarray(pair)
    names = ("your first drawing", "your second drawing")
else:
    pair = split.X_test[[a, b]]  # (2, side²)
    names = tuple(f"held-out #{i}" + ("" if split.y_test is None else f" (a {split.y_test[i]})")
                  for i in (a, b))

if np.array_equal(pair[0], pair[1]):
    st.warning("Both ends are the same image, so every step decodes the same point. Pick another "
               "example or another digit for one end.")
st.markdown(f"From {names[0]} to {names[1]}.")

rows, labels, paths = [], [], {}
for name, model in zip(explored.names, (explored.ae, explored.vae), strict=True):
    z0, z1 = model.encode(pair)
    for kind, path_fn, color in (("linear", lerp, "#111111"), ("spherical", slerp, "#d62728")):
        path = path_fn(z0, z1, steps)  # (steps, latent)
        rows.append(model.decode(path))
        labels.append(f"{name} {kind}")
        paths.setdefault(name, []).append((kind, path, color))
left, right = st.columns([1, 6])
with left:
    ui.plot(figures.image_grid_figure(pair, 1, row_labels=["from", "to"], cell_px=56),
            key="interp_ends_chart")
with right:
    ui.plot(figures.image_grid_figure(np.vstack(rows), steps, row_labels=labels,
                                      col_labels=[f"{t:.2f}" for t in np.linspace(0, 1, steps)]),
            key="interp_strips_chart")
    st.download_button("Download these paths (.png)", partial(exports.images_png, np.vstack(rows), steps),
                       file_name="interpolation.png", mime="image/png", key="interp_png_button",
                       on_click="ignore")

X_all, colours = data.X_all, data.colour_labels()
columns = st.columns(2)
for column, kind, name in zip(columns, ("ae", "vae"), explored.names, strict=True):
    codes = explored.model(kind).encode(X_all)
    x_range, y_range = figures.axis_range(codes, *(p for _, p, _ in paths[name]))
    with column:
        ui.plot(figures.latent_map_figure(codes, colours, title=f"{name} latent space",
                                          x_range=x_range, y_range=y_range, paths=paths[name]),
                key=f"interp_{kind}_map_chart")
