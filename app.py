import streamlit as st

from latent_lab.drawing import landing, ui

ui.page(
    "Latent Lab",
    "An autoencoder (AE) squeezes each 8×8 digit through a code of two numbers and learns to "
    "draw it again; a variational autoencoder (VAE) also keeps its codes near a standard "
    "Gaussian, so that any point decodes to a digit. **Start here: move the pointer over either "
    "map** (each dot is one digit's code) and both decoders draw the point under your hand. "
    "The app grew from the blog post *Autoencoders & VAEs from Scratch: How Neural Networks "
    "Learn to Compress and Imagine*, which explains AEs and VAEs from scratch in NumPy.",
)

landing.explorer()

st.subheader("Then follow the pages in order")
for path, label, icon, blurb in ui.PAGES[1:]:
    st.page_link(path, label=label, icon=icon)
    st.caption(blurb)
