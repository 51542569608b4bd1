from functools import partial

import numpy as np
import streamlit as st

from latent_lab.drawing import exports, figures, ui
from latent_lab.measures import claims, per_model, scores, seeds
from latent_lab.models.catalog import KINDS
from latent_lab.models.explored import explored_models
from latent_lab.state import page_state
from latent_lab.state.settings import GALLERY_SIZES, KIND_LABELS

ui.page(
    "Generation gallery",
    "New digits from thin air: draw random codes z and decode them. The VAE draws from its prior, "
    "a Gaussian N(0, T²·I): the temperature T scales the draws, T = 0 decodes the centre of the "
    "latent space, larger T reaches further out. The autoencoder has no prior, so by default it draws "
    "from a Gaussian fitted to its own training codes, N(m, T²·C) (Ghosh et al., 2020); N(0, T²·I), "
    "as the post samples it, stays an option. A *digit judge* (a logistic regression trained on the "
    "training digits) rates every sample: **quality** is how sure it is of the digit it sees, "
    "**precision** the share of samples that look like some real digit to it and **recall** the "
    "share of real digits the samples come close to (Kynkäänniemi et al., 2019), **diversity** the "
    "entropy of the digits it sees (in nats; ln 10 ≈ 2.30 means all ten alike), and the **Fréchet "
    "distance** how far the samples' features lie from real digits'. The map shows where the draws fall.",
)

explored = explored_models(any_latent=True)  # sampling needs no 2-D map
SAMPLER_LABELS = {"fitted": "a Gaussian fitted to its codes", "prior": "N(0, T²·I), as the post does"}


def _reseed() -> None:
    page_state.put("gen_seed", page_state.get("gen_seed") + 1)


controls = st.columns([1, 2, 2, 1])
kind = page_state.widget(controls[0].radio, "Model", list(KIND_LABELS), format_func=KIND_LABELS.get,
                    key="gen_kind")
temperature = page_state.widget(controls[1].slider, "Temperature T", 0.0, 3.0, step=0.1,
                           key="gen_temperature")
n = page_state.widget(controls[2].select_slider, "Samples", options=list(GALLERY_SIZES), key="gen_n")
controls[3].button("Reseed", on_click=_reseed, key="gen_reseed_button", type="primary")
sampler = "prior"
if kind == "ae":
    sampler = page_state.widget(st.radio, "Sample the autoencoder from", list(SAMPLER_LABELS),
                                format_func=SAMPLER_LABELS.get, horizontal=True, key="gen_ae_sampler")

model = explored.model(kind)
token = explored.tokens[kind == "vae"]
data = explored.dataset
label = f"Your {KINDS[kind].noun}" if explored.is_own(kind) else KIND_LABELS[kind]
seed = page_state.get("gen_seed")
images, Z = scores.draw(model, n, temperature, seed, sampler, data.split.X_train)  # (n, side²), (n, latent)
# The digit judge knows the 8×8 digits only: other images are shown without its scores.
now = scores.sample_scores(images, data.split.X_train) if data.is_digits else None
drawn = f"N(0, {temperature:g}²·I)" if sampler == "prior" else f"its fitted Gaussian at T = {temperature:g}"
st.caption(f"{label} · {n} draws of {drawn} · seed {seed}" + (
    f" · the judge: quality {now['quality']:.2f}, precision {now['precision']:.2f}, {now['classes_covered']} "
    f"kinds of digit, diversity {now['class_entropy']:.2f} nats" if now else ""))

left, right = st.columns([3, 2])
with left:
    n_cols = int(np.ceil(np.sqrt(n)))
    ui.plot(figures.image_grid_figure(images, n_cols, cell_px=max(40, 520 // n_cols)),
            key="gen_gallery_chart")
    st.download_button("Download these samples (.png)", partial(exports.images_png, images, n_cols),
                       file_name=f"samples_T{temperature:g}_seed{seed}.png", mime="image/png",
                       key="gen_png_button", on_click="ignore")
with right:
    # Codes of more than two dimensions are drawn on their two main axes, and the draws with them.
    codes, (Z,), axis_titles = figures.project_codes(model.encode(data.X_all), Z)
    x_range, y_range = figures.axis_range(codes, Z)
    ui.plot(figures.latent_map_figure(codes, data.colour_labels(), title=f"{label}: where the "
                                      "draws fall", x_range=x_range, y_range=y_range, axis_titles=axis_titles,
                                      extra_points=("draws", Z)), key="gen_map_chart")

if not data.is_digits:
    st.info(f"The digit judge behind this page's measurements knows only the 8×8 digits, not "
            f"{data.name}: the samples are shown without its scores.")
    st.stop()
st.subheader("What temperature does, measured")
curve = per_model.temperature_curve(kind, token, model, sampler)
# How the judge rates real held-out digits (the same for every model), and what n of them score.
real = scores.shipped_evaluations()["vae_default"]["real_digits"]
band = per_model.frechet_band(n)
ui.plot(figures.temperature_curves_figure(curve, temperature, real=real, current=now, band=band),
        key="gen_curves_chart")
temps = curve["temperature"]
at = {key: temps[int(np.argmax(curve[key]))] for key in ("quality", "precision", "class_entropy")}
st.markdown(
    f"For this {KINDS[kind].noun if not explored.is_own(kind) else 'model'}, the judge is least sure of its "
    f"samples at T = {temps[int(np.argmin(curve['quality']))]:g} and surest at T = {at['quality']:g}; their "
    f"precision peaks at T = {at['precision']:g} ({max(curve['precision']):.2f}) and their diversity at "
    f"T = {at['class_entropy']:g} ({max(curve['class_entropy']):.2f} nats); their Fréchet distance is lowest, "
    f"{min(curve['frechet']):.0f}, at T = {temps[int(np.argmin(curve['frechet']))]:g} (360 samples, "
    f"against {real['frechet']:.1f} for the 360 held-out digits). At T = 0 every draw decodes the same point: "
    f"precision {curve['precision'][0]:.2f}, recall {curve['recall'][0]:.2f}, {curve['off_manifold'][0]:.0%} off "
    "the data.")
st.caption(f"The Fréchet distance of a few samples is mostly their own noise: {n} real held-out digits alone "
           f"score {band['median']:.0f} ({band['low']:.0f}–{band['high']:.0f}, 5–95 % over {band['draws']} "
           f"draws), the green bar; the {n} samples on view score {now['frechet']:.0f}.")
# The claims are decided over the shipped models' training seeds, whichever model is on view.
if kind == "vae":
    ui.claim(claims.low_temperature_is_safe(seeds.shipped()))
else:
    ui.claim(claims.ae_samples_are_less_diverse(seeds.shipped()))
    ui.claim(claims.ae_draws_land_in_the_wilderness(per_model.evaluation("ae", token, model)))
