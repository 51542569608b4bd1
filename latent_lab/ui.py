"""The page skeleton and small widgets every page shares."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import streamlit as st

from latent_lab import models, specs

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
     "Sample new digits at any temperature, from the VAE or the autoencoder's wilderness."),
)

# Widget keys start with their page's prefix. Keys ending in one of the suffixes below belong to
# widgets whose value Streamlit refuses to have set (buttons, uploads, chart selections).
# Widgets shared by several pages start with "explore_".
PAGE_PREFIXES = ("train_", "latent_", "beta_", "interp_", "gen_", "explore_")
UNSETTABLE_SUFFIXES = ("_button", "_upload", "_chart")


def keep_widget_state() -> None:
    """Keep every page's widget values when the user visits another page.

    Streamlit forgets a widget's value once a run does not draw it; writing the value back as
    plain session state before any widget is drawn keeps it (Streamlit's documented workaround).
    """
    for key in list(st.session_state.keys()):
        if key.startswith(PAGE_PREFIXES) and not key.endswith(UNSETTABLE_SUFFIXES):
            st.session_state[key] = st.session_state[key]


def set_defaults(values: dict) -> None:
    """Seed widget values once per session; widgets then take them from session state."""
    for key, value in values.items():
        st.session_state.setdefault(key, value)


def page(title: str, explanation: str) -> None:
    """The start of every page: config, kept widget state, navigation, title and one paragraph."""
    tab_title = title if title == "Latent Lab" else f"{title} · Latent Lab"
    st.set_page_config(page_title=tab_title, page_icon="🔢", layout="wide")
    keep_widget_state()
    navigation()
    st.title(title)
    st.markdown(explanation)


def navigation() -> None:
    """Links to every page at the top of the sidebar, labelled with the pages' titles.

    Streamlit's own navigation names the landing page after its file ("app"), so the config
    hides it (``client.showSidebarNavigation = false``) and every page draws this one instead.
    """
    with st.sidebar:
        for path, label, icon, _ in PAGES:
            st.page_link(path, label=label, icon=icon)
        st.divider()


EXPLORE_OPTIONS = {"default": "shipped defaults", "trained": "my trained models"}


@dataclass(frozen=True)
class Explored:
    """The autoencoder and VAE a page explores, with a cache key and a display name for each."""

    ae: object
    vae: object
    tokens: tuple[str, str]  # (AE, VAE): "default", or the id of a session's own model
    names: tuple[str, str]  # (AE, VAE): "AE" / "VAE", or "Your AE" / "Your VAE"

    def model(self, kind: str):
        return self.ae if kind == "ae" else self.vae

    def is_own(self, kind: str) -> bool:
        """Whether the model of ``kind`` is the session's own rather than a shipped default."""
        return self.tokens[kind == "vae"] != "default"


def remember_model(model, source: str) -> None:
    """Record a model this session trained or loaded, for the pages that explore models."""
    entry = {"model": model, "source": source, "token": uuid.uuid4().hex}
    st.session_state.setdefault("user_models_latest", {})[model.kind] = entry
    if model.latent_dim == 2:
        st.session_state.setdefault("user_models_2d", {})[model.kind] = entry


def explored_models() -> Explored:
    """The sidebar choice "Models to explore" and the models it picks.

    "my trained models" takes the session's most recent trained or loaded AE and VAE with a
    2-D latent space, and the shipped default of a kind it has none of; a note under the page's
    introduction says which model is which, and why a default stands in.
    """
    st.session_state.setdefault("explore_models", "default")
    st.sidebar.radio("Models to explore", list(EXPLORE_OPTIONS), format_func=EXPLORE_OPTIONS.get,
                     key="explore_models",
                     help="Models you train or load on the Training dynamics page can be "
                          "explored here too; each needs a 2-D latent space.")
    default_ae, default_vae = models.default_models()
    if st.session_state.explore_models == "default":
        return Explored(default_ae, default_vae, ("default", "default"), ("AE", "VAE"))
    chosen, notes = specs.choose_explored(st.session_state.get("user_models_latest", {}),
                                          st.session_state.get("user_models_2d", {}))
    text = "\n".join(f"- {note}" for note in notes)
    if any("can't be drawn" in note for note in notes):
        st.warning(text)
    else:
        st.info(text)
    picked = []
    for kind, default, name in (("ae", default_ae, "AE"), ("vae", default_vae, "VAE")):
        entry = chosen[kind]
        picked.append((default, "default", name) if entry is None else
                      (entry["model"], entry["token"], f"Your {name}"))
    (ae, ae_token, ae_name), (vae, vae_token, vae_name) = picked
    return Explored(ae, vae, (ae_token, vae_token), (ae_name, vae_name))


def describe(config: dict) -> str:
    """A one-line summary of a model config."""
    kind = config["kind"].upper()
    parts = [
        kind, f"latent {config['latent_dim']}", f"hidden {list(config['hidden_sizes'])}",
        f"{config['epochs']} epochs", f"{config['optimizer']} lr {config['learning_rate']:g}",
        f"batch {config['batch_size']}", f"seed {config['random_state']}",
    ]
    if config["kind"] == "vae":
        parts[1:1] = [f"β {config['beta']:g}", f"warm-up {config['kl_warmup']} epochs"]
    return " · ".join(parts)


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


def plot(fig, key: str | None = None, **kwargs):
    """Draw a Plotly figure across the container width."""
    return st.plotly_chart(fig, key=key, width="stretch", **kwargs)
