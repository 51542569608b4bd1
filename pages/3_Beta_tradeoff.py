from functools import partial

import numpy as np
import streamlit as st

from latent_lab.drawing import exports, figures, ui
from latent_lab.images.dataset import active, digits, one_per_class
from latent_lab.measures import claims, scores
from latent_lab.measures.collapse import COLLAPSE_NATS
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
metrics[3].metric("active latent units", f"{report['active_units']} of 2",
                  help="Dimensions whose code varies across images (Burda et al.: variance > 0.01).")
sample = next(s for s in report["samples"] if s["temperature"] == 1.0)
metrics[4].metric("digits in samples", f"{sample['classes_covered']} of 10",
                  help=f"The digit judge at T = 1: quality {sample['quality']:.2f}, diversity "
                       f"{sample['class_entropy']:.2f} nats.")

if rate < COLLAPSE_NATS:
    st.warning(f"**Posterior collapse at β = {beta:g}.** The held-out KL is {rate:.2f} nats (below "
               f"{COLLAPSE_NATS}) and {report['active_units']} latent units are active: every digit "
               "gets nearly the same code, so the decoder ignores z and draws one average blur.")
    optimum = claims.collapse_is_the_optimum(reports, beta)
    if optimum is not None:
        ui.claim(optimum)
else:
    st.success(f"β = {beta:g} keeps {rate:.2f} nats of information about each digit in its code, "
               f"in {report['active_units']} active units: no collapse.")

sweep = [(b, reports[sweep_name(b, warmup)]) for b in SWEEP_BETAS]
points = [{"beta": b, "warmup": w, "kl": r["kl"], "recon": r["recon_sampled"]}
          for w in (False, True) for b, r in ((b, reports[sweep_name(b, w)]) for b in SWEEP_BETAS)]
chart_left, chart_right = st.columns(2)
with chart_left:
    ui.plot(figures.rate_distortion_figure(points, beta, warmup, COLLAPSE_NATS, floor=floor,
                                           iso_elbo=(25.0, 30.0, 40.0, 50.0)),
            key="beta_rd_chart")
    st.caption("Each point is one model of the sweep. Along a grey line the rate plus the "
               "distortion, the negative ELBO, is the same: moving down and to the right trades "
               "one nat of reconstruction for one nat of code.")
with chart_right:
    betas = [b for b, _ in sweep if b > 0]  # β = 0's posteriors are too narrow for its bounds to mean much
    ui.plot(figures.by_beta_figure(
        betas, {"−ELBO": [r["neg_elbo"] for b, r in sweep if b > 0],
                "IWAE-1000": [r["iwae"]["1000"] for b, r in sweep if b > 0],
                "exact −log p(x)": [r["exact_nll"] for b, r in sweep if b > 0]},
        beta, title="Held-out likelihood by β (lower is better)", y_title="nats per image"),
        key="beta_likelihood_chart")
    ui.plot(figures.by_beta_figure(
        [b for b, _ in sweep],
        {"quality": [next(s for s in r["samples"] if s["temperature"] == 1.0)["quality"] for _, r in sweep],
         "diversity / ln 10": [next(s for s in r["samples"] if s["temperature"] == 1.0)["class_entropy"]
                               / np.log(10) for _, r in sweep]},
        beta, title="Samples at T = 1, as the digit judge sees them", y_title="share", height=280),
        key="beta_judge_chart")

for claim in (claims.lower_beta_sharpens_reconstructions(reports),
              claims.lower_beta_can_win_on_likelihood(reports),
              claims.warmup_prevents_collapse(reports)):
    ui.claim(claim)
