"""Latent traversals: one row per latent dimension, each decoding a sweep of that dimension.

Every row starts from one code, the *anchor* (the mean of the training images' codes, or one
image's code), and sweeps one dimension across a range while the others stay where they are:
±k standard deviations of the codes around their mean (where the model puts its images), or ±k
of the prior N(0, 1) (where a VAE is asked to put them). A dimension the decoder ignores draws
the same image all along its row. Higgins et al. (2017) read what β > 1 does to a code off such
rows: each dimension of a β-VAE tends to change one thing about the image.

A Streamlit custom component, like the latent explorer: the decoders travel as weights
(:func:`latent_lab.drawing.latent_explorer.decoder_spec`) and run in the page (``web/decoder.js``,
shared with the explorer, and ``web/traversals.js``). Dragging along a row moves that dimension
of the code and redraws every row within a frame, with no round trip to the server.
``tests/e2e/test_traversals.py`` checks the page's images against ``model.decode``.

:func:`traversal_data` builds what the component draws for one or several models (drawn side by
side) and is tested without a browser; :func:`traversals` mounts it.
"""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

from latent_lab.drawing.component_files import read_asset
from latent_lab.drawing.latent_explorer import decoder_spec, with_decoder
from latent_lab.measures.collapse import code_collapse

# Where a row's sweep reaches: ±k standard deviations of the codes, or ±k of the prior.
RANGES = {"codes": "±k σ of the codes", "prior": "±k of the prior N(0, 1)"}
# Images per row: odd, so the middle one decodes the centre of the range.
N_STEPS = 9


def sweep_range(codes: np.ndarray, mode: str, k: float) -> tuple[np.ndarray, np.ndarray]:
    """Per dimension, the ends ``(lo, hi)`` of its sweep, each of shape (latent_dim,).

    ``"codes"``: mean ± k·std of ``codes`` (n_points, latent_dim); ``"prior"``: ±k, the prior
    N(0, I) having mean 0 and standard deviation 1 in every dimension.
    """
    if mode not in RANGES:
        raise ValueError(f"unknown sweep range {mode!r}; expected one of {sorted(RANGES)}")
    codes = np.asarray(codes, dtype=float)
    if mode == "prior":
        ones = np.ones(codes.shape[1])
        return -k * ones, k * ones
    mean, std = codes.mean(axis=0), codes.std(axis=0)
    return mean - k * std, mean + k * std


def sweep_values(lo: np.ndarray, hi: np.ndarray, steps: int = N_STEPS) -> np.ndarray:
    """``steps`` evenly spaced values from ``lo`` to ``hi`` per dimension: (latent_dim, steps)."""
    t = np.linspace(0.0, 1.0, steps)  # (steps,)
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    return lo[:, None] + t[None, :] * (hi - lo)[:, None]


def traversal_codes(anchor: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The codes a traversal decodes: row d, step j is ``anchor`` with dimension d set to
    ``values[d, j]``. Returns (latent_dim, steps, latent_dim)."""
    anchor = np.asarray(anchor, dtype=float)
    values = np.asarray(values, dtype=float)  # (latent_dim, steps)
    dim, steps = values.shape
    Z = np.broadcast_to(anchor, (dim, steps, dim)).copy()
    Z[np.arange(dim), :, np.arange(dim)] = values
    return Z


def traversal_images(model, anchor: np.ndarray, values: np.ndarray) -> np.ndarray:
    """What the rows show, decoded in NumPy: (latent_dim, steps, n_pixels)."""
    Z = traversal_codes(anchor, values)
    dim, steps, _ = Z.shape
    return model.decode(Z.reshape(dim * steps, dim)).reshape(dim, steps, -1)


def traversal_data(models, dataset, *, anchor_image=None, mode: str = "codes", k: float = 2.0,
                   steps: int = N_STEPS, traversal_id: str = "traversals") -> dict:
    """Everything the component draws, as JSON.

    Parameters
    ----------
    models : sequence of (name, model)
        Drawn side by side, in this order (e.g. one per β); any latent size each.
    dataset : latent_lab.images.dataset.Dataset
        Its training images' codes give each model's mean code and spread; its held-out images
        say which of a VAE's dimensions are collapsed (held-out KL, ``measures.collapse``).
    anchor_image : array of shape (n_pixels,), optional
        The image whose code the rows start from; the mean code of the training images if None.
    mode, k : the sweep range (:data:`RANGES`) and its reach.
    steps : int
        Images per row.
    """
    split = dataset.split
    data = {"id": traversal_id, "side": dataset.side, "steps": int(steps), "k": float(k), "mode": mode,
            "anchor": "mean" if anchor_image is None else "image", "models": []}
    for i, (name, model) in enumerate(models):
        # (n_train, latent): an AE's code, a VAE's posterior mean; their statistics in float64
        codes = np.asarray(model.encode(split.X_train), dtype=float)
        lo, hi = sweep_range(codes, mode, k)
        anchor = (codes.mean(axis=0) if anchor_image is None else
                  np.asarray(model.encode(np.asarray(anchor_image, dtype=float).reshape(1, -1))[0], dtype=float))
        collapse = code_collapse(model, split.X_test)
        data["models"].append({
            "id": f"m{i}", "name": str(name), "decoder": decoder_spec(model),
            "anchor": anchor.tolist(), "lo": lo.tolist(), "hi": hi.tolist(),
            "spread": codes.std(axis=0).tolist(),
            "kl": None if collapse is None else list(collapse.kl_per_dim),
            "collapsed": [] if collapse is None else collapse.collapsed,
        })
    return data


@functools.cache
def _component():
    return st.components.v2.component("latent_lab.traversals", css=read_asset("traversals.css"),
                                      js=with_decoder("traversals.js"))


def traversals(data: dict, *, key: str):
    """Mount the traversals of :func:`traversal_data` (inside a one-element list, as the explorer's)."""
    return _component()(key=key, data=[data])
