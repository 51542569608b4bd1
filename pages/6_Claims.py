from functools import partial

import pandas as pd
import streamlit as st

from latent_lab.drawing import ui
from latent_lab.images.dataset import active, digits
from latent_lab.measures import claims, per_model, seeds
from latent_lab.models import cache
from latent_lab.models.catalog import config_of
from latent_lab.models.explored import Explored, explored_models

ui.page(
    "Claims",
    f"*The post* on these pages is **{claims.POST['title']}**, {claims.POST['what']}. It, and the text of "
    "this app, make claims about how autoencoders and VAEs behave. Each one is checked here against "
    "figures measured on held-out digits, and given a verdict computed from those figures: a claim that "
    "compares models or settings is decided over several training seeds, and it *holds* or *does not "
    "hold* only when the 95 % interval over seeds lies clear of its threshold; otherwise it *depends*. "
    "Likelihoods are in **nats** (natural logarithms: 1 nat ≈ 1.44 bits) per image. A digit judge, a "
    "logistic regression trained on the training digits, scores generated images: *quality* is how sure "
    "it is of what it sees, *precision* how many samples look like some real digit to it, *diversity* "
    "the entropy of the classes it sees. An image is *off the data* when it lies farther from every "
    "training digit than 99% of held-out digits do, pixel by pixel or by its ink (its pixel values "
    "sorted: what a blur changes).",
)

if not active(st.session_state).is_digits:
    st.info(f"You are working on {active(st.session_state).name}; this page measures the models shipped "
            "with the app, trained on the 8×8 digits.")
explored = (explored_models() if active(st.session_state).is_digits else
            Explored(*cache.default_models(), ("default", "default"), ("AE", "VAE")))
sweep = seeds.shipped()
ae = per_model.evaluation("ae", explored.tokens[0], explored.ae)
vae = per_model.evaluation("vae", explored.tokens[1], explored.vae)
X_test = digits()[0].X_test
names = explored.names
st.caption(f"Comparisons are decided over seeds {', '.join(map(str, sweep['seeds']))} of the shipped models "
           f"(n = {len(sweep['seeds'])} per setting); the cards about one model measure {names[0]} and "
           f"{names[1]}, the models in view.")

own = claims.own_printed_loss(vae, config_of(explored.vae), names[1]) if explored.is_own("vae") else None
sections = claims.all_claims(sweep, ae, vae, explored.vae.history_, float(explored.vae.evaluate(X_test)["loss"]),
                             names[1], own)
rows = [row for section in sections.values() for row in section]
counts = pd.Series([row.verdict for row in rows]).value_counts()
st.markdown(" · ".join(f"{ui.VERDICT_BADGES[v]} {counts.get(v, 0)}"
                       for v in ("holds", "does not hold", "depends")))
if explored.is_own("vae") and own is None:
    st.caption(f"{names[1]} is not a model like the post's (a VAE with β = 1, a 2-D code and 32 hidden units): "
               "the post's printed figures are not claims about it.")
for title, section in sections.items():
    st.subheader(title)
    for row in section:
        with st.container(border=True):
            ui.claim(row)
table = pd.DataFrame([row.as_row() for row in rows])
st.download_button("Download the claims (.csv)", partial(table.to_csv, index=False),
                   file_name="latent_lab_claims.csv", mime="text/csv", key="claims_csv_button",
                   on_click="ignore")
