"""What is measured on a model in view, computed once per model and shared by every session.

The shipped models' figures come from ``assets/evaluation.json``; a session's own model is
measured when a page first looks at it, and later calls are cache hits. Every cache is bounded
by entries and bytes (``latent_lab.models.cache.bounded``).
"""

from __future__ import annotations

import vae_core
from latent_lab.images.dataset import Dataset, digits, digits_dataset
from latent_lab.measures import scores
from latent_lab.models.cache import bounded
from vae_core.evaluation import OffDataTest

# Which shipped model a "default" token stands for, by kind.
DEFAULT_STEMS = {"ae": "ae_default", "vae": "vae_default"}


def evaluation(kind: str, token: str, model) -> dict:
    """The evaluation of a model in view: shipped, or computed once for a session's own model.

    A session's own VAE takes a few seconds (its exact likelihood dominates); pages say so with a
    spinner the first time and every later call is a cache hit.
    """
    if token == "default":
        return scores.shipped_evaluations()[DEFAULT_STEMS[kind]]
    return _own_evaluation(token, model)


@bounded(max_entries=16, max_mb=8, show_spinner="Measuring your model (a few seconds, once)…")
def _own_evaluation(token: str, _model) -> dict:
    split = digits()[0]
    return scores.evaluate(_model, split.X_train, split.X_test)


@bounded(max_entries=8, max_mb=1)
def off_data_thresholds(data_token: str, _dataset: Dataset) -> tuple[float, float]:
    """The dataset's off-the-data distances (pixel, ink profile), from its held-out images: once."""
    split = _dataset.split
    test = OffDataTest(split.X_train, split.X_test)
    return test.pixel_threshold_, test.profile_threshold_


@bounded(max_entries=32, max_mb=16)
def holes(token: str, square: tuple, _model, _dataset: Dataset | None = None) -> dict:
    """Where the model's latent map (over ``square``) decodes off the data; see scores.holes."""
    split = (_dataset or digits_dataset()).split
    return scores.holes(_model, split.X_train, split.X_test, square)


def temperature_curve(kind: str, token: str, model, sampler: str = "prior") -> dict:
    """The gallery's curves for a model in view, drawn by ``sampler``: shipped, or computed once (a second)."""
    if token == "default":
        return scores.shipped_evaluations()[DEFAULT_STEMS[kind]][scores.CURVE_KEYS[sampler]]
    return _own_curve(token, sampler, model)


@bounded(max_entries=16, max_mb=4, show_spinner="Judging samples at every temperature (once)…")
def _own_curve(token: str, sampler: str, _model) -> dict:
    split = digits()[0]
    return scores.curve(_model, split.X_train, split.X_test, sampler)


@bounded(max_entries=8, max_mb=1)
def frechet_band(n: int) -> dict:
    """What ``n`` real held-out digits score on the Fréchet distance to the training digits (200 draws)."""
    split = digits()[0]
    return vae_core.frechet_band(split.X_test, split.X_train, n)


@bounded(max_entries=32, max_mb=4)
def quick_scores(model_key: str, data_token: str, _model, _dataset: Dataset) -> dict:
    """The training page's figures of the model on view (scores.quick_scores).

    Once per model content (``models.cache.model_key``) and dataset.
    """
    X_test = _dataset.split.X_test
    return {**scores.quick_scores(_model, X_test), "bce_floor": vae_core.bce_floor(X_test)}
