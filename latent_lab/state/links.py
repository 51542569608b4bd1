"""What a link holds besides settings: the models on view, by their recipes.

A model travels by its recipe (``latent_lab.state.settings.RECIPE``): on a session's first run
the models a link names are asked for (trained once, cached, or shipped); on every run the
link's recipes are kept in step with the session's models. Models of an upload, or loaded from
a file, do not travel by link: their data is not in it.
"""

from __future__ import annotations

import streamlit as st

from latent_lab.images.dataset import digits_dataset
from latent_lab.models import cache, catalog, training
from latent_lab.state import page_state


def follow_training() -> None:
    """Every page run keeps the session's training job alive and picks up its result."""
    job = st.session_state.get("train_job")
    if job is not None:
        job.seen()
    note = training.collect(st.session_state)
    if note:
        st.session_state.train_note = note


def models_from_link() -> list[str]:
    """On a session's first run, ask for the models its link names; return what can't be used.

    A model travels by its recipe: the receiving server trains it (once: it is cached, or
    shipped), the training page's model in a background job, the exploring pages' models when
    they are first shown (``latent_lab.models.explored``).
    """
    if st.session_state.get("_links_applied"):
        return []
    st.session_state["_links_applied"] = True
    problems = []
    view = page_state.get("train_view")
    if view is not None and "train_model" not in st.session_state:
        try:
            config = training.config_from_recipe(view)
        except ValueError as err:
            problems.append(f"“train_view”: {err}; showing the shipped default.")
            page_state.put("train_view", None)
        else:
            training.ensure_model(st.session_state)  # on view until the link's model is trained
            training.train(st.session_state, cache.trainer(), config, digits_dataset(), note="from the link")
    pending = {}
    for kind in ("ae", "vae"):
        recipe = page_state.get(f"explore_{kind}")
        if recipe is None:
            continue
        try:
            config = training.config_from_recipe(recipe)
            if config["kind"] != kind or config["latent_dim"] != 2:
                raise ValueError(f"expected a 2-D {kind.upper()}")
        except ValueError as err:
            problems.append(f"“explore_{kind}”: {err}.")
            page_state.put(f"explore_{kind}", None)
        else:
            pending[kind] = config
    st.session_state["explore_pending"] = pending
    return problems


def models_to_link() -> None:
    """Keep the link's model recipes in step with the session's models (None: nothing to say)."""
    job = st.session_state.get("train_job")
    if job is not None and job.active and job.cacheable:
        page_state.put("train_view", training.recipe_of(job.config))
    elif "train_model" in st.session_state:
        model = st.session_state.train_model
        own = st.session_state.train_source != "shipped default"
        on_digits = (st.session_state.get("train_dataset") or digits_dataset()).is_digits
        shareable = own and on_digits and not st.session_state.train_source.startswith("uploaded")
        page_state.put("train_view", training.recipe_of(catalog.config_of(model)) if shareable else None)
    own_2d = st.session_state.get("user_models_2d", {})
    for kind in ("ae", "vae"):
        entry = own_2d.get(kind)
        if entry is not None:
            model = entry["model"]
            # Only the digits travel with a link: a model of an upload, or from a file, does not.
            recipe = (None if entry["source"].startswith("uploaded") or not entry["dataset"].is_digits else
                      training.recipe_of(catalog.config_of(model)))
            page_state.put(f"explore_{kind}", recipe)


