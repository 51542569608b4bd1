"""The page skeleton and small widgets every page shares."""

from __future__ import annotations

import time

import streamlit as st

from latent_lab import catalog, model_cache, state, training_session
from latent_lab.data import digits_dataset

# Every page of the app: (file, title, icon, one-line summary). The sidebar links and the landing
# page's list come from here, and each page's title is its link's label.
PAGES = (
    ("app.py", "Home", ":material/home:", ""),
    ("pages/1_Training_dynamics.py", "Training dynamics", ":material/show_chart:",
     "Train an AE or a VAE and watch the losses and the latent space evolve, epoch by epoch."),
    ("pages/2_Latent_space.py", "Latent space: AE vs VAE", ":material/scatter_plot:",
     "Click anywhere in the two latent maps to decode that point with both models."),
    ("pages/3_Beta_tradeoff.py", "The β tradeoff", ":material/tune:",
     "Reconstruction against regularisation, and where the posterior collapses."),
    ("pages/4_Interpolation.py", "Interpolation", ":material/timeline:",
     "Morph one digit into another along straight and spherical paths."),
    ("pages/5_Generation_gallery.py", "Generation gallery", ":material/grid_view:",
     "Sample new digits at any temperature, from the VAE or the autoencoder."),
    ("pages/6_Claims.py", "Claims", ":material/fact_check:",
     "Every claim of the post and of this app, next to what the models measure."),
)

def page(title: str, explanation: str) -> None:
    """The start of every page: config, page state, navigation, title and one paragraph.

    The page state (:mod:`latent_lab.state`) is read from the URL on a session's first run; a
    link whose settings could not all be used says so here, above everything else.
    """
    tab_title = title if title == "Latent Lab" else f"{title} · Latent Lab"
    st.set_page_config(page_title=tab_title, page_icon="🔢", layout="wide")
    problems = state.begin_run()
    _follow_training()
    problems += _models_from_link()
    _models_to_link()
    navigation()
    if problems:
        # The lines quote what the link said: escaped, so a link cannot inject Markdown.
        st.warning("Some settings in this link could not be used; the page shows the rest.\n\n"
                   + "\n".join(f"- {plain(line)}" for line in problems), icon=":material/link_off:")
    st.title(title)
    st.markdown(explanation)


def _follow_training() -> None:
    """Every page run keeps the session's training job alive and picks up its result."""
    job = st.session_state.get("train_job")
    if job is not None:
        job.seen()
    note = training_session.collect(st.session_state)
    if note:
        st.session_state.train_note = note


def _models_from_link() -> list[str]:
    """On a session's first run, ask for the models its link names; return what can't be used.

    A model travels by its recipe: the receiving server trains it (once: it is cached, or
    shipped), the training page's model in a background job, the exploring pages' models when
    they are first shown (``latent_lab.explore``).
    """
    if st.session_state.get("_links_applied"):
        return []
    st.session_state["_links_applied"] = True
    problems = []
    view = state.get("train_view")
    if view is not None and "train_model" not in st.session_state:
        try:
            config = training_session.config_of(view)
        except ValueError as err:
            problems.append(f"“train_view”: {err}; showing the shipped default.")
            state.put("train_view", None)
        else:
            st.session_state.train_model = model_cache.get_model(catalog.shipped_configs()["vae_default"])
            st.session_state.train_source = "shipped default"
            cached = model_cache.get_model(config) if model_cache.is_cached(config) else None
            training_session.start(st.session_state, model_cache.trainer(), config, cached=cached,
                                   note="from the link")
    pending = {}
    for kind in ("ae", "vae"):
        recipe = state.get(f"explore_{kind}")
        if recipe is None:
            continue
        try:
            config = training_session.config_of(recipe)
            if config["kind"] != kind or config["latent_dim"] != 2:
                raise ValueError(f"expected a 2-D {kind.upper()}")
        except ValueError as err:
            problems.append(f"“explore_{kind}”: {err}.")
            state.put(f"explore_{kind}", None)
        else:
            pending[kind] = config
    st.session_state["explore_pending"] = pending
    return problems


def active_dataset_of(dataset):
    return dataset if dataset is not None else digits_dataset()


def _models_to_link() -> None:
    """Keep the link's model recipes in step with the session's models (None: nothing to say)."""
    job = st.session_state.get("train_job")
    if job is not None and job.active and job.cacheable:
        state.put("train_view", training_session.recipe_of(job.config))
    elif "train_model" in st.session_state:
        model = st.session_state.train_model
        own = st.session_state.train_source != "shipped default"
        on_digits = active_dataset_of(st.session_state.get("train_dataset")).is_digits
        shareable = own and on_digits and not st.session_state.train_source.startswith("uploaded")
        state.put("train_view", training_session.recipe_of({"kind": model.kind, **model.get_params()})
                  if shareable else None)
    own_2d = st.session_state.get("user_models_2d", {})
    for kind in ("ae", "vae"):
        entry = own_2d.get(kind)
        if entry is not None:
            model = entry["model"]
            # Only the digits travel with a link: a model of an upload, or from a file, does not.
            recipe = (None if entry["source"].startswith("uploaded") or not entry["dataset"].is_digits else
                      training_session.recipe_of({"kind": model.kind, **model.get_params()}))
            state.put(f"explore_{kind}", recipe)


def plain(text: str) -> str:
    """``text`` escaped for Streamlit Markdown, so it shows as typed (file names, link values).

    CommonMark lets a backslash escape any ASCII punctuation; that also defuses links, images,
    HTML, LaTeX (``$``) and Streamlit's ``:colour[...]`` and ``:icon:`` directives.
    """
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in str(text))


_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def navigation() -> None:
    """Links to every page at the top of the sidebar, labelled with the pages' titles.

    Streamlit's own navigation names the landing page after its file ("app"), so the config
    hides it (``client.showSidebarNavigation = false``) and every page draws this one instead.
    """
    params = state.link_params()
    with st.sidebar:
        for path, label, icon, _ in PAGES:
            st.page_link(path, label=label, icon=icon, query_params=params)
        st.divider()


def progress_callback(bar, min_interval: float = 0.1):
    """A ``fit`` callback that moves ``bar`` (an ``st.progress``) at most every ``min_interval`` s."""
    last = [0.0]

    def update(info: dict) -> None:
        now = time.perf_counter()
        final = info["epoch"] == info["epochs"]
        if not final and now - last[0] < min_interval:
            return
        last[0] = now
        text = f"epoch {info['epoch']}/{info['epochs']} · train loss {info['train_loss']:.4g}"
        if info.get("val_loss") is not None:
            text += f" · held-out loss {info['val_loss']:.4g}"
        if info.get("beta") is not None:
            text += f" · β {info['beta']:.3g}"
        bar.progress(info["epoch"] / info["epochs"], text=text)

    return update


# No Plotly toolbar: on a phone it covers the charts' titles, and these charts need none of its
# tools (a drag still zooms, a double click resets).
PLOT_CONFIG = {"displayModeBar": False}


def plot(fig, key: str | None = None, **kwargs):
    """Draw a Plotly figure across the container width."""
    return st.plotly_chart(fig, key=key, width="stretch", config=PLOT_CONFIG, **kwargs)


VERDICT_BADGES = {"holds": ":green-badge[holds]", "does not hold": ":red-badge[does not hold]",
                  "depends": ":orange-badge[depends]"}


def claim(item, *, container=None) -> None:
    """One measured claim: its verdict as a badge, the claim, and the figures behind the verdict."""
    where = container or st
    where.markdown(f"{VERDICT_BADGES[item.verdict]} **{item.source.capitalize()} says:** "
                   f"{item.text}  \n{item.measured}")
