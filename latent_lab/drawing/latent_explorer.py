"""The latent explorer: both latent maps, with the images decoded under the pointer, in the browser.

A Streamlit custom component (components v2: inline HTML, CSS and JavaScript, no build step, no
network). The decoders are tiny, so the browser runs them from the weights sent here and redraws
both decoded images on every pointer move, with no round trip to the server; a click pins a
point and sends it back (the trigger value ``pin``). ``tests/e2e`` checks the browser's decoder
against ``model.decode``.

:func:`explorer_data` builds what the component draws and is tested without a browser;
:func:`latent_explorer` mounts it.
"""

from __future__ import annotations

import base64
import functools
import math

import numpy as np
import streamlit as st

from latent_lab.drawing.component_files import read_asset
from latent_lab.drawing.figures import DIGIT_COLORS, POSTERIOR_COLOR
from latent_lab.drawing.image_picker import pixels_to_text
from latent_lab.models.cache import BoundedCache, content_key

# How far the maps reach beyond the codes they show, as a share of the codes' span.
MAP_PAD = 0.08
# How many posterior draws z = mu + sigma * eps the reparameterization view shows.
N_DRAWS = 8


def _floats(values) -> str:
    """A float array as base64 of its little-endian float32 bytes (what the browser reads)."""
    return base64.b64encode(np.ascontiguousarray(values, dtype="<f4").tobytes()).decode("ascii")


def decoder_spec(model) -> dict:
    """A model's decoder as the browser runs it: its dense layers in order and its output.

    Every dense layer computes ``x @ W + b``; ReLU follows every layer but the last, which is
    followed by the model's output function (``sigmoid`` or ``clip``). ``W`` is sent row-major
    with shape ``(n_in, n_out)``.
    """
    layers = [layer for layer in model.decoder_ if "W" in layer.params]
    return {
        "layers": [{"W": _floats(layer.params["W"].ravel()), "b": _floats(layer.params["b"]),
                    "n_in": int(layer.params["W"].shape[0]), "n_out": int(layer.params["W"].shape[1])}
                   for layer in layers],
        "output": model.output,
    }


def square_range(codes: np.ndarray, pad: float = MAP_PAD) -> list[float]:
    """``[x0, x1, y0, y1]`` around 2-D codes, with the same span on both axes.

    One scale on both axes keeps distances honest and the manifold's tiles square.
    """
    codes = np.asarray(codes, dtype=float)[:, :2]
    lo, hi = codes.min(axis=0), codes.max(axis=0)
    center = (lo + hi) / 2
    half = max(float(np.max(hi - lo)), 1e-6) * (0.5 + pad)
    return [float(center[0] - half), float(center[0] + half),
            float(center[1] - half), float(center[1] + half)]


# The training images as the browser reads them, by content: one per dataset, shared by every
# pair of models drawn on it (a few MB for the largest upload).
_TRAIN_PAYLOADS = BoundedCache("explorer training images", max_entries=8, max_bytes=32 * 2**20)


def _train_payload(X_train: np.ndarray, labels: np.ndarray, thresholds: tuple[float, float],
                   dataset: str | None = None) -> dict:
    pixel, profile = (float(t) for t in thresholds)
    key = content_key(X_train, labels, np.array([pixel, profile]))
    return _TRAIN_PAYLOADS.get_or_make(key, lambda: {
        "key": key, "images": pixels_to_text(X_train), "labels": [int(v) for v in labels],
        "thresholds": {"pixel": pixel, "profile": profile}}, dataset=dataset)


def explorer_data(maps, labels, *, explorer_id: str = "latent", pinned=None, pinned_map: str | None = None,
                  manifold: int = 0, posterior: dict | None = None, train=None, compact: bool = False,
                  tour: str | None = None, legend: list | None = None, dataset: str | None = None) -> dict:
    """Everything the component draws, as JSON.

    Parameters
    ----------
    maps : sequence of (id, name, title, codes, model)
        One entry per map: ``codes`` of shape (n_points, 2) and the fitted 2-D ``model`` whose
        decoder runs in the browser.
    labels : array of shape (n_points,)
        Digit classes, for the dots' colours.
    legend : list of (name, colour), optional
        The legend under the maps (:func:`class_legend` names an upload's classes); by default
        one entry per colour index in ``labels``, named by the index (the digits).
    pinned : (x, y) or None
        The pinned point, marked on every map.
    pinned_map : "ae", "vae" or None
        The map the point was pinned on; the others mark the same z as a mirror.
    manifold : int
        0, or the side of the decoded-manifold grid drawn under the dots.
    posterior : dict, optional
        ``{"map", "mu", "sigma", "draws"}`` of one digit's VAE posterior.
    train : (X_train, y_train, (pixel, profile)), optional
        Training images for "nearest training digit", and the two distances of the off-the-data
        test (``vae_core.evaluation.OffDataTest``'s thresholds) that the browser applies to every
        decoded image, as the server's shading does.
    compact : bool
        Smaller maps (the landing page).
    tour : map id or None
        A map whose decoded point wanders by itself until a hand touches a map (the landing
        page: the first screen moves). Off for a browser that asks for reduced motion.
    dataset : str, optional
        The token of the dataset the training images are of: the server keeps what it sends of
        them only while a session holds that dataset.
    """
    side = math.isqrt(maps[0][4].input_dim)
    data = {
        "id": explorer_id,
        "side": side,
        "labels": [int(v) for v in np.asarray(labels)],
        "colors": list(DIGIT_COLORS),
        "legend": ([[str(d), DIGIT_COLORS[d]] for d in np.unique(labels) if 0 <= d < len(DIGIT_COLORS)]
                   if legend is None else [[str(name), color] for name, color in legend]),
        "pinned": None if pinned is None else [float(pinned[0]), float(pinned[1])],
        "pinned_map": pinned_map,
        "manifold": int(manifold),
        "posterior": posterior,
        "posterior_color": POSTERIOR_COLOR,
        "compact": bool(compact),
        "tour": tour,
        "maps": [],
        "train": None,
    }
    for map_id, name, title, codes, model in maps:
        codes = np.asarray(codes, dtype=float)
        data["maps"].append({
            "id": map_id, "name": name, "title": title,
            "x": np.round(codes[:, 0], 4).tolist(), "y": np.round(codes[:, 1], 4).tolist(),
            "range": square_range(codes), "decoder": decoder_spec(model),
        })
    if train is not None:
        X_train, y_train, thresholds = train
        data["train"] = _train_payload(np.asarray(X_train), np.asarray(y_train, dtype=np.int64),
                                       thresholds, dataset)
    return data


def class_legend(dataset) -> list[tuple[str, str]]:
    """``(name, colour)`` of every class of ``dataset`` as its maps colour them; none without labels
    or when every class is drawn in one colour (more classes than colours)."""
    if not dataset.labelled:
        return []
    classes = np.unique(dataset.y_all)
    colours = dataset.colour_labels(classes)
    if len(np.unique(colours)) < len(classes):
        return []
    return [(str(c), DIGIT_COLORS[i]) for c, i in zip(classes, colours, strict=True)]


def read_pin(pin, n_points: int) -> dict | None:
    """The point a ``pin`` trigger from the browser names, checked; None if it names none.

    Returns ``{"z": (x, y), "map": "ae" | "vae", "index": int | None}``; ``index`` is the digit
    whose dot was clicked. Anything else a client could send (wrong types, NaN, huge numbers,
    an unknown map, an index out of range) is refused.
    """
    if not isinstance(pin, dict) or pin.get("map") not in ("ae", "vae"):
        return None
    x, y = pin.get("x"), pin.get("y")
    if not all(isinstance(c, (int, float)) and not isinstance(c, bool) and math.isfinite(c)
               for c in (x, y)):
        return None
    index = pin.get("index")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n_points:
        index = None
    return {"z": (float(x), float(y)), "map": pin["map"], "index": index}


def posterior_view(vae, x: np.ndarray, seed: int, n_draws: int = N_DRAWS) -> dict:
    """One image's posterior under ``vae`` and ``n_draws`` reparameterized draws from it.

    Returns ``{"map": "vae", "mu", "sigma", "draws"}`` with ``draws[k] = mu + sigma * eps_k``,
    ``eps_k ~ N(0, I)`` seeded by ``seed``.
    """
    mu, log_var = vae.encode_distribution(np.asarray(x, dtype=float).reshape(1, -1))
    mu, sigma = mu[0].astype(float), np.exp(0.5 * log_var[0].astype(float))
    eps = np.random.default_rng(seed).standard_normal((n_draws, mu.size))  # (n_draws, latent)
    draws = mu + sigma * eps
    return {"map": "vae", "mu": mu.tolist(), "sigma": sigma.tolist(), "draws": draws.tolist()}


def with_decoder(script: str) -> str:
    """A component's script (``web/<script>``) after the decoder it shares (``web/decoder.js``)."""
    return read_asset("decoder.js") + "\n" + read_asset(script)


@functools.cache
def _component():
    return st.components.v2.component("latent_lab.latent_explorer",
                                      css=read_asset("latent_explorer.css"),
                                      js=with_decoder("latent_explorer.js"))


def latent_explorer(data: dict, *, key: str, on_pin=None):
    """Mount the explorer; ``on_pin`` runs when the user pins a point (read it from ``result.pin``).

    ``data`` goes inside a one-element list: Streamlit looks for dataframes among a dict's values,
    and that look imports pandas and pyarrow (about 0.3 s on the landing page's cold start); a
    list is sent as plain JSON.
    """
    return _component()(key=key, data=[data], on_pin_change=on_pin or (lambda: None))
