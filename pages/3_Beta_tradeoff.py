from functools import partial

import numpy as np
import streamlit as st

from latent_lab.drawing import beta_views, exports, figures, ui
from latent_lab.images.dataset import active, digits, one_per_class
from latent_lab.measures import claims, collapse, scores, seeds
from latent_lab.models import cache
from latent_lab.models.catalog import SWEEP_BETAS, SWEEP_WARMUP_EPOCHS, sweep_name
from latent_lab.state import page_state

ui.page(
    "The β tradeoff",
    "β scales the VAE's KL term, the price of codes that stray from a standard Gaussian. Two "
    "numbers describe every model, in **nats** (natural-log units, 1 nat ≈ 1.44 bits) per image: "
    "the **rate**, the KL, how much the code tells about the image, and the **distortion**, the "
    "reconstruction error, how much the decoder still gets wrong. Small β buys a low distortion "
    "with a high rate; large β squeezes the rate towards zero, and at some point the code says "
    "nothing at all (posterior collapse). Each β below is a VAE trained in advance with the same "
    "settings; the warm-up toggle switches to the models whose β was ramped up from 0 over the "
    f"first {SWEEP_WARMUP_EPOCHS} epochs. Every figure is measured on held-out digits.",
)

if not active(st.session_state).is_digits:
    st.info(f"You are working on {active(st.session_state).name}; this page measures the models shipped "
            "with the app, trained on the 8×8 digits.")
controls = st.columns([3, 1])
beta = page_state.widget(controls[0].select_slider, "β", options=list(SWEEP_BETAS),
                    format_func="{:g}".format, key="beta_beta")
warmup = page_state.widget(controls[1].toggle, f"KL warm-up ({SWEEP_WARMUP_EPOCHS} epochs)",
                      key="beta_warmup")

model = cache.sweep_model(beta, warmup)
reports = scores.shipped_evaluations()
report = reports[sweep_name(beta, warmup)]
by_seed = seeds.shipped()  # every seed of the sweep: what the claims below are decided on
state = collapse.of_kl(report["kl_per_dim"])
split, X_all, y_all = digits()

# The images first, right under the slider (on a phone too).
examples = one_per_class(split.y_test)
originals = split.X_test[examples]
samples, _ = model.sample(20, random_state=0)
left, right = st.columns([3, 2])
with left:
    recon = np.vstack([originals, model.reconstruct(originals)])
    ui.plot(figures.image_grid_figure(recon, 10, row_labels=["held-out", f"β = {beta:g}"],
                                      title="Reconstructions"), key="beta_recon_chart")
    ui.plot(figures.image_grid_figure(samples, 10, title="Random generations (the same 20 draws "
                                      "of N(0, I) for every β)"), key="beta_samples_chart")
    st.download_button("Download these images (.png)", partial(exports.images_png, np.vstack([recon, samples]), 10),
                       file_name=f"beta{beta:g}.png", mime="image/png", key="beta_png_button",
                       on_click="ignore")
with right:
    codes = model.encode(X_all)
    ui.plot(figures.latent_map_figure(codes, y_all, title=f"β = {beta:g}: the latent space",
                                      height=420), key="beta_map_chart")

rate, floor = report["kl"], report["bce_floor"]
metrics = st.columns(5)
metrics[0].metric("rate: KL (nats)", f"{rate:.2f}", help="How much the code tells about the image.")
metrics[1].metric("distortion: BCE (nats)", f"{report['recon_sampled']:.1f}",
                  help=f"Reconstruction error; the data's own entropy, {floor:.2f} nats, is the "
                       "lowest any binary cross-entropy can reach on these digits (they are not "
                       "black and white).")
metrics[2].metric("exact −log p(x) (nats)", f"{report['exact_nll']:.2f}",
                  help="The held-out likelihood itself, by quadrature over the 2-D latent space.")
metrics[3].metric("active latent units", f"{state.active_units} of {state.latent_dim}",
                  help=f"The rule: {collapse.RULE}.")
sample = next(s for s in report["samples"] if s["temperature"] == 1.0)
metrics[4].metric("digits in samples", f"{sample['classes_covered']} of 10",
                  help=f"The digit judge at T = 1: quality {sample['quality']:.2f}, diversity "
                       f"{sample['class_entropy']:.2f} nats.")

if state.whole:
    st.warning(f"**Posterior collapse at β = {beta:g}.** Every latent dimension's held-out KL is below "
               f"{collapse.DIM_COLLAPSE_NATS:g} nats ({rate:.2f} in all): every digit gets nearly the same "
               "code, so the decoder ignores z and draws one average blur.")
    ui.claim(claims.collapse_is_the_optimum(by_seed, beta))
elif state.collapsed:
    st.warning(state.warning())
else:
    st.success(f"β = {beta:g} keeps {rate:.2f} nats of information about each digit in its code, "
               f"in {state.active_units} active units: no collapse.")

beta_views.sweep_charts(reports, beta, warmup, floor)

st.subheader("What β does to each dimension of the code")
st.caption("One column per β of the sweep; each row sweeps one latent dimension over ±2 of the prior "
           "N(0, 1), the other at the training codes' mean, decoded in your browser (point or drag along "
           "a row). A row marked *off* is a collapsed dimension: it draws the same image all along. "
           "Higgins et al. (2017) read β > 1 as pressure on each dimension to carry less, and one thing each.")
beta_views.sweep_traversals(warmup)

st.caption(f"The claims below are decided over {len(by_seed['seeds'])} training seeds of every model of the "
           "sweep (the images and figures above are seed 0's).")
for claim in (claims.lower_beta_sharpens_reconstructions(by_seed),
              claims.lower_beta_can_win_on_likelihood(by_seed),
              claims.warmup_prevents_collapse(by_seed)):
    ui.claim(claim)
