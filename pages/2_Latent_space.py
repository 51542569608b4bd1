import numpy as np
import streamlit as st

from latent_lab import explore, figures, model_cache, state, ui

ui.page(
    "Latent space: AE vs VAE",
    "Each dot is one of the 1,797 digit images, placed where the encoder puts its 2-D code and "
    "coloured by the digit it shows (the models never saw these labels). **Click anywhere** on "
    "either map, on a dot or in the empty space between clusters, and both decoders turn that "
    "point back into an 8×8 image. The autoencoder's map has gaps that decode to smudges; the "
    "VAE, pulled towards a standard Gaussian, decodes something digit-like almost everywhere. "
    "Switch on the decoded manifold to see a grid of decodings laid over the same axes.",
)

def _take_click(name: str) -> None:
    """Decode the point of a new selection on a map, read before the map is redrawn.

    Each map keeps its own last selection, so a selection is taken only when it is new: an old
    one on the other map must not undo the latest click.
    """
    seen_key = f"latent_{name.lower()}_seen"
    chart_state = st.session_state.get(f"latent_{name.lower()}_chart")
    points = chart_state["selection"]["points"] if chart_state else []
    if not points:
        st.session_state[seen_key] = None
        return
    z = (float(points[0]["x"]), float(points[0]["y"]))
    if st.session_state.get(seen_key) != z:
        st.session_state[seen_key] = z
        state.put("latent_z", z)
        state.put("latent_z_from", name)


explored = explore.explored_models()
controls = st.columns([1, 1, 2])
manifold = state.widget(controls[0].toggle, "Show the decoded manifold", key="latent_manifold")
manifold_n = state.widget(controls[1].slider, "Manifold grid size", 6, 20, key="latent_manifold_n",
                          disabled=not manifold)


@st.fragment
def explorer(explored: explore.Explored, manifold: bool, manifold_n: int) -> None:
    # A fragment: a click on a map reruns the maps and the decoded images, not the whole page.
    for name in ("AE", "VAE"):
        _take_click(name)
    maps = model_cache.latent_maps(manifold, manifold_n, explored.tokens, explored.names,
                              _models=(explored.ae, explored.vae))
    map_columns = st.columns(2)
    for column, name, fig in zip(map_columns, ("AE", "VAE"), maps, strict=True):
        with column:
            ui.plot(fig, key=f"latent_{name.lower()}_chart", on_select="rerun",
                    selection_mode="points")

    pinned = state.get("latent_z")
    z = np.asarray(pinned if pinned is not None else (0.0, 0.0), dtype=float)
    source = state.get("latent_z_from")
    st.subheader(f"Decoding z = ({z[0]:.2f}, {z[1]:.2f})")
    st.caption(f"Clicked on the {source} map." if source else
               "Nothing clicked yet: showing the origin. Click anywhere on a map.")
    ae_column, vae_column, text_column = st.columns([1, 1, 2])
    for column, kind, name in zip((ae_column, vae_column), ("ae", "vae"), explored.names,
                                  strict=True):
        with column:
            ui.plot(figures.image_grid_figure(explored.model(kind).decode(z[None, :]), 1,
                                              title=f"{name} decodes", cell_px=200),
                    key=f"latent_{kind}_image_chart")
    with text_column:
        st.markdown(
            "**Why they differ.** The same coordinates mean different things to the two "
            "decoders: the VAE was trained on noisy codes around N(0, I), so every nearby point "
            "decodes to a digit; the autoencoder only ever decoded the exact codes of training "
            "images."
        )


explorer(explored, manifold, manifold_n)
