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
from latent_lab.drawing.figures import DIGIT_COLORS
from latent_lab.drawing.image_picker import pixels_to_text

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


@functools.cache
def _train_payload(key: str, images_bytes: bytes, shape: tuple, labels: tuple, threshold: float):
    images = np.frombuffer(images_bytes, dtype=np.float64).reshape(shape)
    return {"key": key, "images": pixels_to_text(images), "labels": list(labels), "threshold": threshold}


def explorer_data(maps, labels, *, explorer_id: str = "latent", pinned=None, manifold: int = 0,
                  posterior: dict | None = None, train=None) -> dict:
    """Everything the component draws, as JSON.

    Parameters
    ----------
    maps : sequence of (id, name, title, codes, model)
        One entry per map: ``codes`` of shape (n_points, 2) and the fitted 2-D ``model`` whose
        decoder runs in the browser.
    labels : array of shape (n_points,)
        Digit classes, for the dots' colours.
    pinned : (x, y) or None
        The pinned point, marked on every map.
    manifold : int
        0, or the side of the decoded-manifold grid drawn under the dots.
    posterior : dict, optional
        ``{"map", "mu", "sigma", "draws"}`` of one digit's VAE posterior.
    train : (X_train, y_train, threshold), optional
        Training images for "nearest training digit", and the distance beyond which a decoded
        image is off the data.
    """
    side = math.isqrt(maps[0][4].input_dim)
    data = {
        "id": explorer_id,
        "side": side,
        "labels": [int(v) for v in np.asarray(labels)],
        "colors": list(DIGIT_COLORS),
        "pinned": None if pinned is None else [float(pinned[0]), float(pinned[1])],
        "manifold": int(manifold),
        "posterior": posterior,
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
        X_train, y_train, threshold = train
        X_train = np.ascontiguousarray(X_train, dtype=np.float64)
        key = f"{X_train.shape}-{hash(X_train.tobytes())}"
        data["train"] = _train_payload(key, X_train.tobytes(), X_train.shape,
                                       tuple(int(v) for v in y_train), float(threshold))
    return data


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


@functools.cache
def _component():
    return st.components.v2.component("latent_lab.latent_explorer",
                                      css=read_asset("latent_explorer.css"),
                                      js=read_asset("latent_explorer.js"))


def latent_explorer(data: dict, *, key: str, on_pin=None):
    """Mount the explorer; ``on_pin`` runs when the user pins a point (read it from ``result.pin``)."""
    return _component()(key=key, data=data, on_pin_change=on_pin or (lambda: None))
