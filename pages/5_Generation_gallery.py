import numpy as np
import streamlit as st

from latent_lab import explore, exports, figures, state, ui
from latent_lab.catalog import KINDS
from latent_lab.data import digits
from latent_lab.settings import GALLERY_SIZES, KIND_LABELS

ui.page(
    "Generation gallery",
    "New digits from thin air: draw random codes z from a Gaussian N(0, T²·I) and decode them. "
    "The temperature T scales the draws: low T stays near the centre of the latent space and "
    "gives safe, average-looking digits; high T reaches further out for more variety and more "
    "noise. The VAE was trained to make this work. The autoencoder was not: its codes never "
    "followed a Gaussian, so most draws land in the empty wilderness between its clusters. "
    "The map below shows where the draws fall among the codes of real digits.",
)

explored = explore.explored_models()


def _reseed() -> None:
    state.put("gen_seed", state.get("gen_seed") + 1)


controls = st.columns([1, 2, 2, 1])
kind = state.widget(controls[0].radio, "Model", list(KIND_LABELS), format_func=KIND_LABELS.get,
                    key="gen_kind")
temperature = state.widget(controls[1].slider, "Temperature T", 0.0, 3.0, step=0.1,
                           key="gen_temperature")
n = state.widget(controls[2].select_slider, "Samples", options=list(GALLERY_SIZES), key="gen_n")
controls[3].button("Reseed", on_click=_reseed, key="gen_reseed_button", type="primary")

model = explored.model(kind)
label = f"Your {KINDS[kind].noun}" if explored.is_own(kind) else KIND_LABELS[kind]
seed = state.get("gen_seed")
images, Z = model.sample(n, temperature=temperature, random_state=seed)  # (n, 64), (n, 2)
st.caption(f"{label} · {n} draws of N(0, {temperature:g}²·I) · seed {seed}")

left, right = st.columns([3, 2])
with left:
    n_cols = int(np.ceil(np.sqrt(n)))
    ui.plot(figures.image_grid_figure(images, n_cols, cell_px=max(40, 520 // n_cols)),
            key="gen_gallery_chart")
    st.download_button("Download these samples (.png)", exports.images_png(images, n_cols),
                       file_name=f"samples_T{temperature:g}_seed{seed}.png", mime="image/png",
                       key="gen_png_button")
with right:
    _, X_all, y_all = digits()
    codes = model.encode(X_all)
    x_range, y_range = figures.axis_range(codes, Z)
    ui.plot(figures.latent_map_figure(codes, y_all, title=f"{label}: where the "
                                      "draws fall", x_range=x_range, y_range=y_range,
                                      extra_points=("draws", Z)), key="gen_map_chart")
