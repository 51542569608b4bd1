from functools import partial

import numpy as np
import streamlit as st

from latent_lab.drawing import exports, figures, ui
from latent_lab.measures import claims, per_model, scores
from latent_lab.models.catalog import KINDS
from latent_lab.models.explored import explored_models
from latent_lab.state import page_state
from latent_lab.state.settings import GALLERY_SIZES, KIND_LABELS
from vae_core import judge_images

ui.page(
    "Generation gallery",
    "New digits from thin air: draw random codes z from a Gaussian N(0, T²·I) and decode them. "
    "The temperature T scales the draws: T = 0 decodes the centre of the latent space, larger T "
    "reaches further out. The VAE was trained so that codes drawn from N(0, I) decode to digits; "
    "the autoencoder was not. A *digit judge* (a logistic regression trained on the training "
    "digits) rates every sample: **quality** is how sure it is of the digit it sees, "
    "**diversity** the entropy of the digits it sees (in nats, natural-log units; ln 10 ≈ 2.30 "
    "means all ten alike), and the **Fréchet distance** how far the samples' features lie from "
    "real digits'. The map shows where the draws fall among the codes of real digits.",
)

explored = explored_models()


def _reseed() -> None:
    page_state.put("gen_seed", page_state.get("gen_seed") + 1)


controls = st.columns([1, 2, 2, 1])
kind = page_state.widget(controls[0].radio, "Model", list(KIND_LABELS), format_func=KIND_LABELS.get,
                    key="gen_kind")
temperature = page_state.widget(controls[1].slider, "Temperature T", 0.0, 3.0, step=0.1,
                           key="gen_temperature")
n = page_state.widget(controls[2].select_slider, "Samples", options=list(GALLERY_SIZES), key="gen_n")
controls[3].button("Reseed", on_click=_reseed, key="gen_reseed_button", type="primary")

model = explored.model(kind)
token = explored.tokens[kind == "vae"]
data = explored.dataset
label = f"Your {KINDS[kind].noun}" if explored.is_own(kind) else KIND_LABELS[kind]
seed = page_state.get("gen_seed")
images, Z = model.sample(n, temperature=temperature, random_state=seed)  # (n, side²), (n, 2)
# The digit judge knows the 8×8 digits only: other images are shown without its scores.
now = judge_images(images, reference=data.split.X_train) if data.is_digits else None
st.caption(f"{label} · {n} draws of N(0, {temperature:g}²·I) · seed {seed}" + (
    f" · the judge: quality {now['quality']:.2f}, {now['classes_covered']} kinds of digit, "
    f"diversity {now['class_entropy']:.2f} nats" if now else ""))

left, right = st.columns([3, 2])
with left:
    n_cols = int(np.ceil(np.sqrt(n)))
    ui.plot(figures.image_grid_figure(images, n_cols, cell_px=max(40, 520 // n_cols)),
            key="gen_gallery_chart")
    st.download_button("Download these samples (.png)", partial(exports.images_png, images, n_cols),
                       file_name=f"samples_T{temperature:g}_seed{seed}.png", mime="image/png",
                       key="gen_png_button", on_click="ignore")
with right:
    codes = model.encode(data.X_all)
    x_range, y_range = figures.axis_range(codes, Z)
    ui.plot(figures.latent_map_figure(codes, data.colour_labels(), title=f"{label}: where the "
                                      "draws fall", x_range=x_range, y_range=y_range,
                                      extra_points=("draws", Z)), key="gen_map_chart")

if not data.is_digits:
    st.info(f"The digit judge behind this page's measurements knows only the 8×8 digits, not "
            f"{data.name}: the samples are shown without its scores.")
    st.stop()
st.subheader("What temperature does, measured")
curve = per_model.temperature_curve(kind, token, model)
# How the judge rates real held-out digits: the same for every model.
real = scores.shipped_evaluations()["vae_default"]["real_digits"]
ui.plot(figures.temperature_curves_figure(curve, temperature, real=real, current=now),
        key="gen_curves_chart")
temps = curve["temperature"]
best = {key: temps[int(np.argmax(curve[key]))] for key in ("quality", "class_entropy")}
closest = temps[int(np.argmin(curve["frechet"]))]
st.markdown(
    f"For this {KINDS[kind].noun if not explored.is_own(kind) else 'model'}, the judge is least sure of its samples at "
    f"T = {temps[int(np.argmin(curve['quality']))]:g} and surest at T = {best['quality']:g}; their "
    f"diversity peaks at T = {best['class_entropy']:g} ({max(curve['class_entropy']):.2f} nats); "
    f"they look most like real digits (lowest Fréchet distance, "
    f"{min(curve['frechet']):.0f}) at T = {closest:g}. At T = 0 every draw is the centre of the "
    "latent space: one image, judged with the confidence of a blend."
)
ui.claim(claims.low_temperature_is_safe({"temperature_curve": curve}, label))
if kind == "ae":
    ae_report = per_model.evaluation("ae", token, model)
    ui.claim(claims.ae_draws_land_in_the_wilderness(ae_report))
