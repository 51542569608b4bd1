"""What is measured on a model in view, computed once per model and shared by every session.

The shipped models' figures come from ``assets/evaluation.json``; a session's own model is
measured when a page first looks at it, and later calls are cache hits. Every cache is bounded.
"""

from __future__ import annotations

import streamlit as st

import vae_core
from latent_lab.images.dataset import Dataset, digits, digits_dataset
from latent_lab.measures import scores

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


@st.cache_resource(max_entries=16, show_spinner="Measuring your model (a few seconds, once)…")
def _own_evaluation(token: str, _model) -> dict:
    split = digits()[0]
    return scores.evaluate(_model, split.X_train, split.X_test)


@st.cache_resource(max_entries=32, show_spinner=False)
def holes(token: str, square: tuple, _model, _dataset: Dataset | None = None) -> dict:
    """Where the model's latent map (over ``square``) decodes off the data; see scores.holes."""
    split = (_dataset or digits_dataset()).split
    return scores.holes(_model, split.X_train, split.X_test, square)


def temperature_curve(kind: str, token: str, model) -> dict:
    """The gallery's curves for a model in view: shipped, or computed once (about a second)."""
    if token == "default":
        return scores.shipped_evaluations()[DEFAULT_STEMS[kind]]["temperature_curve"]
    return _own_curve(token, model)


@st.cache_resource(max_entries=16, show_spinner="Judging samples at every temperature (once)…")
def _own_curve(token: str, _model) -> dict:
    split = digits()[0]
    result = vae_core.temperature_curve(_model, split.X_train, split.X_test,
                                        scores.CURVE_TEMPERATURES, n_samples=scores.CURVE_SAMPLES)
    return {key: [float(v) for v in values] for key, values in result.items()}


@st.cache_resource(max_entries=32, show_spinner=False)
def quick_scores(model_id: int, data_token: str, _model, _dataset: Dataset) -> dict:
    """The training page's figures of the model on view (scores.quick_scores), once per model."""
    X_test = _dataset.split.X_test
    return {**scores.quick_scores(_model, X_test), "bce_floor": vae_core.bce_floor(X_test)}
