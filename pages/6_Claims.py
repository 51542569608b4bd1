from functools import partial

import pandas as pd
import streamlit as st

from latent_lab.drawing import ui
from latent_lab.images.dataset import active, digits
from latent_lab.measures import claims, per_model, scores
from latent_lab.models import cache
from latent_lab.models.explored import Explored, explored_models

ui.page(
    "Claims",
    "The post, and the text of this app, make claims about how autoencoders and VAEs behave. "
    "Each one is checked here against figures measured on the models in view, held-out digits "
    "only, and given a verdict computed from those figures. Likelihoods are in **nats** (natural "
    "logarithms: 1 nat ≈ 1.44 bits) per image. A digit judge, a logistic regression trained on "
    "the training digits, scores generated images: *quality* is how sure it is of what it sees, "
    "*diversity* the entropy of the classes it sees. An image is *off the data* when it lies "
    "farther from every training digit than 99% of held-out digits do.",
)

if not active(st.session_state).is_digits:
    st.info(f"You are working on {active(st.session_state).name}; this page measures the models shipped "
            "with the app, trained on the 8×8 digits.")
explored = (explored_models() if active(st.session_state).is_digits else
            Explored(*cache.default_models(), ("default", "default"), ("AE", "VAE")))
reports = scores.shipped_evaluations()
ae = per_model.evaluation("ae", explored.tokens[0], explored.ae)
vae = per_model.evaluation("vae", explored.tokens[1], explored.vae)
X_test = digits()[0].X_test
names = explored.names
if explored.is_own("ae") or explored.is_own("vae"):
    st.caption(f"Measured on {names[0]} and {names[1]}; the β sweep, the linear AE and the post's "
               "recipe are the shipped models.")

rows = [
    claims.post_printed_loss(reports["ae_blog"], 0.0081, "autoencoder, trained with the post's own "
                             "recipe,", "MSE per pixel", "blog_ae"),
    claims.post_printed_loss(reports["vae_blog"], 24.8, "VAE, trained with the post's own recipe,",
                             "nats", "blog_vae"),
    claims.post_printed_loss(vae, 24.8, f"{names[1]} (this app's fast recipe)", "nats", "fast_vae"),
    claims.linear_ae_is_pca(reports["linear_ae_vs_pca"]),
    claims.elbo_bounds_the_likelihood(vae),
    claims.kl_rises_then_settles(explored.vae.history_),
    claims.ae_gaps_decode_to_garbage(ae, vae),
    claims.ae_draws_land_in_the_wilderness(ae),
    claims.ae_samples_are_less_diverse(ae, vae),
    claims.low_temperature_is_safe(vae, names[1]),
    claims.lower_beta_sharpens_reconstructions(reports),
    claims.warmup_prevents_collapse(reports),
    *(c for beta in (4.0, 8.0) if (c := claims.collapse_is_the_optimum(reports, beta))),
    claims.lower_beta_can_win_on_likelihood(reports),
    claims.reported_loss_is_one_draw(vae, float(explored.vae.evaluate(X_test)["loss"])),
]
counts = pd.Series([row.verdict for row in rows]).value_counts()
st.markdown(" · ".join(f"{ui.VERDICT_BADGES[v]} {counts.get(v, 0)}"
                       for v in ("holds", "does not hold", "depends")))
for row in rows:
    with st.container(border=True):
        ui.claim(row)
table = pd.DataFrame([row.as_row() for row in rows])
st.download_button("Download the claims (.csv)", partial(table.to_csv, index=False),
                   file_name="latent_lab_claims.csv", mime="text/csv", key="claims_csv_button",
                   on_click="ignore")
