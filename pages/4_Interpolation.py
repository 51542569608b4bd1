from functools import partial

import numpy as np
import streamlit as st

from latent_lab.drawing import exports, figures, interpolation, traversals, ui
from latent_lab.models.explored import explored_models
from latent_lab.state import page_state
from latent_lab.state.settings import INTERP_MODES

ui.page(
    "Interpolation",
    "Pick two digits, or draw them. Both models encode them to two points in latent space, and "
    "we decode the points along a path between them: a straight line (linear) or an arc that "
    "keeps the code's length typical of the prior (spherical). If the latent space is smooth, "
    "one digit morphs into the other through plausible shapes. The paths are drawn on each "
    "model's latent map. Below, the **traversals** sweep one dimension of a code at a time.",
)

# Paths and traversals need no 2-D map: the session's latest models, whatever their latent size.
explored = explored_models(any_latent=True)
data = explored.dataset
models = list(zip(explored.names, (explored.ae, explored.vae), strict=True))
# Without labels there are no classes to pick from.
modes = INTERP_MODES if data.labelled else tuple(m for m in INTERP_MODES if m != "by class")

controls = st.columns([3, 2])
mode = page_state.widget(controls[0].radio, "Choose the two images", modes, key="interp_mode",
                         horizontal=True)
steps = page_state.widget(controls[1].slider, "Steps", 3, 15, key="interp_steps")
pair, names = interpolation.choose_ends(data, mode)  # (2, side²)

if np.array_equal(pair[0], pair[1]):
    st.warning("Both ends are the same image, so every step decodes the same point. Pick another "
               "example or another digit for one end.")
st.markdown(f"From {names[0]} to {names[1]}.")

rows, labels, paths = interpolation.interpolate(models, pair, steps)
left, right = st.columns([1, 6])
with left:
    ui.plot(figures.image_grid_figure(pair, 1, row_labels=["from", "to"], cell_px=56),
            key="interp_ends_chart")
with right:
    ui.plot(figures.image_grid_figure(rows, steps, row_labels=labels,
                                      col_labels=[f"{t:.2f}" for t in np.linspace(0, 1, steps)]),
            key="interp_strips_chart")
    st.download_button("Download these paths (.png)", partial(exports.images_png, rows, steps),
                       file_name="interpolation.png", mime="image/png", key="interp_png_button",
                       on_click="ignore")

columns = st.columns(2)
for column, kind, (name, model) in zip(columns, ("ae", "vae"), models, strict=True):
    with column:
        ui.plot(interpolation.path_map(model, name, data, paths[name]), key=f"interp_{kind}_map_chart")

st.subheader("Latent traversals: one dimension at a time")
st.markdown(
    "Each row decodes one dimension of a code swept from −k to +k, while every other dimension "
    "stays where the code has it. A row that changes the digit's shape is a dimension the decoder "
    "uses; a row of one image repeated is one it ignores (*off*: a VAE dimension whose held-out KL "
    "shows it carries nothing). Point at a row to decode the value under the pointer; **drag along "
    "it** to move that dimension, and every other row redraws from the new code."
)
ANCHORS = {"mean": "the mean code", "from": "the “from” image's code", "to": "the “to” image's code"}
controls = st.columns([3, 2, 4])
sweep = page_state.widget(controls[0].radio, "Sweep each dimension over", list(traversals.RANGES),
                          format_func=traversals.RANGES.get, key="interp_trav_range",
                          help="The codes' own spread (where the model puts the images), or the "
                               "prior's (where a VAE is asked to put them).")
k = page_state.widget(controls[1].slider, "k", 0.5, 4.0, step=0.5, key="interp_trav_k",
                      help="How far each row reaches: from −k to +k.")
anchor = page_state.widget(controls[2].radio, "The other dimensions stay at", list(ANCHORS),
                           format_func=ANCHORS.get, key="interp_trav_anchor", horizontal=True)
image = {"mean": None, "from": pair[0], "to": pair[1]}[anchor]
traversals.traversals(traversals.traversal_data(models, data, anchor_image=image, mode=sweep, k=k),
                      key="interp_traversals")
