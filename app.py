import streamlit as st

from latent_lab import figures, models, ui

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

st.page_link("pages/1_Training_dynamics.py", label="Training dynamics", icon="📉",
             help="Train an AE or a VAE and watch the losses and the latent space evolve.")
st.page_link("pages/2_Latent_space.py", label="Latent space: AE vs VAE", icon="🗺️",
             help="Click anywhere in the latent maps to decode that point.")
st.page_link("pages/3_Beta_tradeoff.py", label="The β tradeoff", icon="⚖️",
             help="Reconstruction against regularisation, and posterior collapse.")
st.page_link("pages/4_Interpolation.py", label="Interpolation", icon="↔️",
             help="Morph one digit into another through latent space.")
st.page_link("pages/5_Generation_gallery.py", label="Generation gallery", icon="🎲",
             help="Sample new digits at any temperature.")

_, vae = models.default_models()
samples, _ = vae.sample(12, random_state=0)
ui.plot(figures.image_grid_figure(samples, 12, title="Twelve digits no one wrote: VAE samples"),
        key="home_samples_chart")
