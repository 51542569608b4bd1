"""The landing page's moving part: both shipped models' latent maps, decoded under the hand.

The first thing a visitor meets must arrive fast (a hosted copy that slept starts cold for every
class that opens the link), so this needs no more than the two shipped models and the digits'
pixels: no training split, no scikit-learn, no Plotly. Until a hand touches a map, the point
under decode wanders over the VAE map by itself, so the first screen moves.
"""

from __future__ import annotations

import streamlit as st

from latent_lab.drawing import latent_explorer
from latent_lab.models import cache
from latent_lab.models.catalog import KINDS
from vae_core import load_digits_unit


@st.cache_resource(show_spinner=False)
def explorer_data() -> dict:
    """What the landing page's explorer draws, built once per process and shared (read-only)."""
    X_all, y_all = load_digits_unit()
    maps = []
    for kind, model in zip(("ae", "vae"), cache.default_models(), strict=True):
        name = KINDS[kind].short
        maps.append((kind, name, f"{name} latent space", model.encode(X_all), model))
    return latent_explorer.explorer_data(maps, y_all, explorer_id="home", compact=True, tour="vae")


def explorer() -> None:
    """Mount the landing page's latent explorer."""
    latent_explorer.latent_explorer(explorer_data(), key="home_explorer")
