import streamlit as st

from latent_lab.drawing import figures, ui
from latent_lab.models import cache

ui.page(
    "Latent Lab",
    "An autoencoder squeezes each 8×8 digit image through a bottleneck of just two numbers and "
    "learns to rebuild the image from them. A variational autoencoder (VAE) does the same but "
    "is trained to keep those codes close to a standard Gaussian, which turns it from a "
    "compressor into a generator: any point you pick decodes to a plausible digit. Both are "
    "written from scratch in NumPy and trained on scikit-learn's 1,797 handwritten digits. "
    "Explore them on the pages below; every page opens on models that ship with the app, so "
    "nothing has to train before you can look.",
)

for path, label, icon, blurb in ui.PAGES[1:]:
    st.page_link(path, label=label, icon=icon)
    st.caption(blurb)

_, vae = cache.default_models()
samples, _ = vae.sample(12, random_state=0)
ui.plot(figures.image_grid_figure(samples, 12, title="Twelve digits no one wrote: VAE samples"),
        key="home_samples_chart")
