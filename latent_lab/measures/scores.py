"""What the pages say about the models, measured: evaluations, curves, holes in a latent map.

Every sentence a page states about how the models behave is backed by a figure from here,
computed with ``vae_core``'s metrics on the models in view. The shipped models' evaluations are
computed once by ``make assets`` and shipped in ``assets/evaluation.json``; a session's own
model is evaluated when it is first looked at (``latent_lab.models.cache`` caches that).
"""

from __future__ import annotations

import functools
import json

import numpy as np

from latent_lab.models.catalog import ASSETS_DIR
from vae_core import (
    active_units,
    evaluate_model,
    likelihood_bounds,
    nearest_training_digit,
    off_manifold_threshold,
    temperature_curve,
)

EVALUATION_PATH = ASSETS_DIR / "evaluation.json"
# The temperatures of the gallery's curves (its slider runs from 0 to 3).
CURVE_TEMPERATURES = tuple(float(t) for t in np.round(np.arange(0.0, 3.01, 0.25), 2))
# Samples per temperature for the curves: enough for the class shares, fast for a new model.
CURVE_SAMPLES = 500
# Posterior draws per image for a quick held-out -ELBO of a freshly trained model.
QUICK_DRAWS = 100
# Cells per side of the grid that shades where a latent map decodes off the data.
HOLES_GRID = 40


def evaluate(model, X_train, X_test, *, seed: int = 0, n_draws: int | None = None) -> dict:
    """The full evaluation of a model (``vae_core.evaluate_model``) plus the gallery's curves.

    About 0.3 s for an autoencoder and 3-7 s for a 2-D VAE (the exact likelihood dominates).
    """
    report = evaluate_model(model, X_train, X_test, seed=seed, n_draws=n_draws)
    curve = temperature_curve(model, X_train, X_test, CURVE_TEMPERATURES, n_samples=CURVE_SAMPLES,
                              seed=seed)
    report["temperature_curve"] = {key: [float(v) for v in values] for key, values in curve.items()}
    return report


def quick_scores(model, X_test, seed: int = 0) -> dict:
    """What the training page shows of a new model at once: held-out -ELBO and active units.

    ``neg_elbo`` averages ``QUICK_DRAWS`` posterior draws per image (a fraction of a second);
    ``active_units`` counts dimensions whose posterior mean varies across images (Burda et al.).
    An autoencoder has neither: both are None.
    """
    if model.kind != "vae":
        return {"neg_elbo": None, "neg_elbo_se": None, "active_units": None}
    bounds = likelihood_bounds(model, X_test, ks=(1,), n_draws=QUICK_DRAWS, seed=seed)
    return {"neg_elbo": bounds["neg_elbo"], "neg_elbo_se": bounds["neg_elbo_se"],
            "active_units": active_units(model, X_test)[0]}


@functools.cache
def shipped_evaluations() -> dict[str, dict]:
    """The evaluation of every shipped model, by asset name (``make assets`` writes them)."""
    if not EVALUATION_PATH.exists():
        return {}
    return json.loads(EVALUATION_PATH.read_text())


def holes(model, X_train, X_test, square, n: int = HOLES_GRID) -> dict:
    """Where a 2-D latent map decodes off the data: an ``n`` × ``n`` grid over ``square``.

    A cell is off the data when the image decoded at its centre lies farther from every training
    image than 99% of held-out digits lie from theirs.

    Returns
    -------
    dict with ``mask`` (n rows from the top, n columns from the left; 1 = off the data),
    ``share`` (the fraction of cells off the data) and ``threshold``.
    """
    x0, x1, y0, y1 = square
    xs = x0 + (np.arange(n) + 0.5) / n * (x1 - x0)
    ys = y1 - (np.arange(n) + 0.5) / n * (y1 - y0)  # top row first
    Z = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # (n * n, 2), row-major from the top
    threshold = off_manifold_threshold(X_train, X_test)
    _, distance = nearest_training_digit(model, Z, X_train)
    off = (distance > threshold).reshape(n, n)
    return {"mask": off.astype(int).tolist(), "share": float(off.mean()), "threshold": threshold}
