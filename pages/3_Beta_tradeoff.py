import numpy as np
import streamlit as st

from latent_lab import figures, model_cache, state, ui
from latent_lab.catalog import SWEEP_BETAS, SWEEP_WARMUP_EPOCHS
from latent_lab.collapse import COLLAPSE_NATS
from latent_lab.data import digits, one_per_class

ui.page(
    "The β tradeoff",
    "β scales the VAE's KL term, the penalty for codes that stray from a standard Gaussian. "
    "Small β lets the encoder keep more detail, so reconstructions are sharp but the latent "
    "space grows gaps and random samples get worse; large β squeezes the codes onto the prior, "
    "so samples are smooth but blurry, and at some point the encoder stops telling digits apart "
    "at all (posterior collapse: the held-out KL drops to about zero). Each β below is a VAE "
    "trained in advance with the same settings; the KL warm-up toggle switches to the models "
    f"whose β was ramped up from 0 over the first {SWEEP_WARMUP_EPOCHS} epochs.",
)

controls = st.columns([3, 1])
beta = state.widget(controls[0].select_slider, "β", options=list(SWEEP_BETAS),
                    format_func="{:g}".format, key="beta_beta")
warmup = state.widget(controls[1].toggle, f"KL warm-up ({SWEEP_WARMUP_EPOCHS} epochs)",
                      key="beta_warmup")

model = model_cache.sweep_model(beta, warmup)
points = model_cache.sweep_points()
chosen = next(p for p in points if p["beta"] == beta and p["warmup"] == warmup)

metrics = st.columns(3)
metrics[0].metric("held-out KL (rate)", f"{chosen['kl']:.2f} nats")
metrics[1].metric("held-out reconstruction BCE", f"{chosen['recon']:.1f} nats")
collapsed = [p for p in points if p["kl"] < COLLAPSE_NATS]
if chosen["kl"] < COLLAPSE_NATS:
    st.warning(
        f"**Posterior collapse at β = {beta:g}.** The held-out KL is {chosen['kl']:.2f} nats "
        f"(below {COLLAPSE_NATS}): the encoder gives every digit nearly the same code, so "
        "the decoder ignores z and draws one average blur. Reconstructions and samples below "
        "all look alike."
    )
else:
    st.success(f"β = {beta:g} keeps {chosen['kl']:.2f} nats of information about each digit "
               "in its code: no collapse.")
summary = ", ".join(f"β = {p['beta']:g} ({'with' if p['warmup'] else 'without'} warm-up)"
                    for p in collapsed)
metrics[2].metric("collapsed models in the sweep", len(collapsed), help=summary or None)

split = digits()[0]
examples = one_per_class(split.y_test)
originals = split.X_test[examples]
left, right = st.columns(2)
with left:
    st.subheader("Reconstructions")
    ui.plot(figures.image_grid_figure(np.vstack([originals, model.reconstruct(originals)]), 10,
                                      row_labels=["held-out", f"β = {beta:g}"]),
            key="beta_recon_chart")
    st.subheader("Random generations")
    samples, _ = model.sample(20, random_state=0)
    ui.plot(figures.image_grid_figure(samples, 10), key="beta_samples_chart")
    st.caption("Decoded from the same 20 draws of N(0, I) for every β.")
with right:
    ui.plot(figures.rate_distortion_figure(points, beta, warmup,
                                                 COLLAPSE_NATS), key="beta_rd_chart")
    st.caption("Each point is one model of the sweep. Moving right spends more nats on the "
               "code (rate) to buy a lower reconstruction error (distortion).")
