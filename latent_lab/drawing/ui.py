"""The page skeleton and small widgets every page shares."""

from __future__ import annotations

import functools

import streamlit as st

from latent_lab.drawing import glossary
from latent_lab.drawing.component_files import read_asset
from latent_lab.state import links, page_state, sessions

# Every page of the app: (file, title, icon, one-line summary). The sidebar links and the landing
# page's list come from here, and each page's title is its link's label.
PAGES = (
    ("app.py", "Home", ":material/home:", ""),
    ("pages/1_Training_dynamics.py", "Training dynamics", ":material/show_chart:",
     "Train an AE or a VAE and watch the losses and the latent space evolve, epoch by epoch."),
    ("pages/2_Latent_space.py", "Latent space: AE vs VAE", ":material/scatter_plot:",
     "Click anywhere in the two latent maps to decode that point with both models."),
    ("pages/3_Beta_tradeoff.py", "The β tradeoff", ":material/tune:",
     "Reconstruction against regularisation, where the posterior collapses, and what β does to each dimension."),
    ("pages/4_Interpolation.py", "Interpolation", ":material/timeline:",
     "Morph one digit into another along straight and spherical paths; sweep one dimension at a time."),
    ("pages/5_Generation_gallery.py", "Generation gallery", ":material/grid_view:",
     "Sample new digits at any temperature, from the VAE or the autoencoder."),
    ("pages/6_Claims.py", "Claims", ":material/fact_check:",
     "Every claim of the post and of this app, next to what the models measure."),
)

def page(title: str, explanation: str) -> None:
    """The start of every page: config, page state, navigation, title and one paragraph.

    The page state (:mod:`latent_lab.state.page_state`) is read from the URL on a session's first run; a
    link whose settings could not all be used says so here, above everything else.
    """
    tab_title = title if title == "Latent Lab" else f"{title} · Latent Lab"
    st.set_page_config(page_title=tab_title, page_icon="🔢", layout="wide")
    problems = page_state.begin_run()
    lost = sessions.lost_session()
    sessions.on_run()
    links.follow_training()
    problems += links.models_from_link()
    links.models_to_link()
    navigation()
    with st.sidebar:
        sessions.reconnect_watch()  # reruns the page when the tab reconnects after a restart
    if lost is not None:
        st.warning(sessions.lost_session_notice(lost), icon=":material/restart_alt:")
    if problems:
        # The lines quote what the link said: escaped, so a link cannot inject Markdown.
        st.warning("Some settings in this link could not be used; the page shows the rest.\n\n"
                   + "\n".join(f"- {plain(line)}" for line in problems), icon=":material/link_off:")
    st.title(title)
    st.markdown(explanation)


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
    hides it (``client.showSidebarNavigation = false``) and every page draws this one instead;
    on a phone, a tap on one of these links closes the sidebar as Streamlit's own does
    (``web/phone_nav.js``).
    """
    params = page_state.link_params()
    with st.sidebar:
        for path, label, icon, _ in PAGES:
            st.page_link(path, label=label, icon=icon, query_params=params)
        _phone_nav()(key="phone_nav", data=None)
        with st.expander("Glossary: what the numbers mean", icon=":material/menu_book:"):
            st.markdown(glossary.markdown())
        st.divider()


def data_index(key: str, n: int, what: str) -> int | None:
    """The kept index ``key`` if it names one of the ``n`` items the page has, else its default.

    A link (or a setting kept from other data: an upload with fewer images) may name an index
    beyond the data on view; its widget would refuse it. It falls back to the setting's default,
    with a notice naming what was asked for.
    """
    value = page_state.get(key)
    if value is None or 0 <= value < n:
        return value
    default = page_state.current().settings[key].default
    fallback = None if default is None else min(default, n - 1)
    page_state.put(key, fallback)
    st.info(f"#{value} is beyond the {n:,} {what} on view: showing "
            + ("none" if fallback is None else f"#{fallback}") + " instead.",
            icon=":material/link_off:")
    return fallback


# No Plotly toolbar: on a phone it covers the charts' titles, and these charts need none of its
# tools (a drag still zooms, a double click resets).
PLOT_CONFIG = {"displayModeBar": False}


def plot(fig, key: str | None = None, **kwargs):
    """Draw a Plotly figure across the container width."""
    return st.plotly_chart(fig, key=key, width="stretch", config=PLOT_CONFIG, **kwargs)


VERDICT_BADGES = {"holds": ":green-badge[holds]", "does not hold": ":red-badge[does not hold]",
                  "depends": ":orange-badge[depends]"}


def claim(item, *, container=None) -> None:
    """One measured claim: its verdict as a badge, the claim, the figures behind the verdict and its rule."""
    where = container or st
    where.markdown(f"{VERDICT_BADGES[item.verdict]} **{item.source.capitalize()} says:** "
                   f"{item.text}  \n{item.measured}" + (f"  \n*Rule:* {item.rule}" if item.rule else ""))


@functools.cache
def _phone_nav():
    return st.components.v2.component("latent_lab.phone_nav", js=read_asset("phone_nav.js"))
