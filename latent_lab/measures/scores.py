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

from latent_lab.measures.collapse import code_collapse
from latent_lab.models.catalog import ASSETS_DIR
from vae_core import (
    code_gaussian,
    digit_judge,
    draw_codes,
    evaluate_model,
    judge_images,
    likelihood_bounds,
    precision_recall,
    temperature_curve,
)
from vae_core.evaluation import OffDataTest

EVALUATION_PATH = ASSETS_DIR / "evaluation.json"
# The temperatures of the gallery's curves (its slider runs from 0 to 3).
CURVE_TEMPERATURES = tuple(float(t) for t in np.round(np.arange(0.0, 3.01, 0.25), 2))
# Samples per temperature for the curves: enough for the class shares, fast for a new model.
CURVE_SAMPLES = 500
# How the gallery may sample each kind of model (vae_core.metrics.SAMPLERS): a VAE from its prior;
# an autoencoder, which has none, fairly from a Gaussian fitted to its own codes, or from N(0, I)
# as the post does. The report key of each sampler's curves.
SAMPLERS_BY_KIND = {"vae": ("prior",), "ae": ("fitted", "prior")}
CURVE_KEYS = {"prior": "temperature_curve", "fitted": "temperature_curve_fitted"}
# Posterior draws per image for a quick held-out -ELBO of a freshly trained model.
QUICK_DRAWS = 100
# Cells per side of the grid that shades where a latent map decodes off the data.
HOLES_GRID = 40


def evaluate(model, X_train, X_test, *, seed: int = 0, n_draws: int | None = None) -> dict:
    """The full evaluation of a model (``vae_core.evaluate_model``) plus the gallery's curves.

    About 0.3 s for an autoencoder and 3-7 s for a 2-D VAE (the exact likelihood dominates).
    """
    report = evaluate_model(model, X_train, X_test, seed=seed, n_draws=n_draws)
    for sampler in SAMPLERS_BY_KIND[model.kind]:
        report[CURVE_KEYS[sampler]] = curve(model, X_train, X_test, sampler, seed)
    return report


def curve(model, X_train, X_test, sampler: str = "prior", seed: int = 0) -> dict:
    """The gallery's curves of a model: its samples' scores at every temperature, as lists of floats."""
    result = temperature_curve(model, X_train, X_test, CURVE_TEMPERATURES, n_samples=CURVE_SAMPLES,
                               seed=seed, sampler=sampler)
    return {key: [float(v) for v in values] for key, values in result.items()}


def draw(model, n: int, temperature: float, seed: int, sampler: str = "prior", X_train=None):
    """The gallery's ``n`` samples: codes from N(0, T² I), or from the model's fitted Gaussian (needs ``X_train``).

    Both use the same noise for one seed (``model.sample``'s), so switching sampler moves the same draws.

    Returns
    -------
    images : ndarray of shape (n, input_dim)
    Z : ndarray of shape (n, latent_dim)
    """
    if sampler == "prior":
        return model.sample(n, temperature=temperature, random_state=seed)
    eps = np.random.default_rng(seed).standard_normal((n, model.latent_dim))
    Z = draw_codes(eps, temperature, code_gaussian(model, X_train))
    return model.decode(Z), Z


def sample_scores(images, X_train) -> dict:
    """What the digit judge sees in a set of samples: quality, diversity, Fréchet to the training digits,
    and precision and recall (``vae_core.precision_recall``, judge features)."""
    judge = digit_judge()
    scores = judge_images(images, reference=X_train, judge=judge)
    return {**scores, **precision_recall(judge.features(X_train), judge.features(images))}


def quick_scores(model, X_test, seed: int = 0) -> dict:
    """What the training page shows of a new model at once: held-out -ELBO and active units.

    ``neg_elbo`` averages ``QUICK_DRAWS`` posterior draws per image (a fraction of a second);
    ``active_units`` counts the dimensions that are not collapsed and ``collapse`` is the
    :class:`~latent_lab.measures.collapse.CodeCollapse` both come from (one rule for the metric
    and the warning). An autoencoder has none of them: all None.
    """
    if model.kind != "vae":
        return {"neg_elbo": None, "neg_elbo_se": None, "active_units": None, "collapse": None}
    bounds = likelihood_bounds(model, X_test, ks=(1,), n_draws=QUICK_DRAWS, seed=seed)
    collapse = code_collapse(model, X_test)
    return {"neg_elbo": bounds["neg_elbo"], "neg_elbo_se": bounds["neg_elbo_se"],
            "active_units": collapse.active_units, "collapse": collapse}


@functools.cache
def shipped_evaluations() -> dict[str, dict]:
    """The evaluation of every shipped model, by asset name (``make assets`` writes them)."""
    if not EVALUATION_PATH.exists():
        return {}
    return json.loads(EVALUATION_PATH.read_text())


def holes(model, X_train, X_test, square, n: int = HOLES_GRID) -> dict:
    """Where a 2-D latent map decodes off the data: an ``n`` × ``n`` grid over ``square``.

    A cell is off the data when the image decoded at its centre fails ``vae_core.OffDataTest``:
    it lies farther from every training image than 99% of held-out digits lie from theirs, pixel
    by pixel or by ink profile (so a blur is off the data too).

    Returns
    -------
    dict with ``mask`` (n rows from the top, n columns from the left; 1 = off the data),
    ``share`` (the fraction of cells off the data) and ``threshold`` (the pixel distance).
    """
    x0, x1, y0, y1 = square
    xs = x0 + (np.arange(n) + 0.5) / n * (x1 - x0)
    ys = y1 - (np.arange(n) + 0.5) / n * (y1 - y0)  # top row first
    Z = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)  # (n * n, 2), row-major from the top
    test = OffDataTest(X_train, X_test)
    off = test.off(model.decode(Z)).reshape(n, n)
    return {"mask": off.astype(int).tolist(), "share": float(off.mean()), "threshold": test.pixel_threshold_}
