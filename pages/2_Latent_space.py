import streamlit as st

from latent_lab.drawing import figures, figures_once, latent_explorer, ui
from latent_lab.measures import claims, per_model
from latent_lab.models.explored import Explored, explored_models
from latent_lab.state import page_state

ui.page(
    "Latent space: AE vs VAE",
    "Each dot is one image (the 1,797 digits, unless you train on your own), placed where the "
    "encoder puts its 2-D code and coloured by the digit it shows (the models never saw the "
    "labels). **Move the pointer over either map** and both decoders turn the point under it "
    "into an image, next to the training image it lies nearest to (close: a memory; far: "
    "something new). Click to pin a point. Click a dot on the VAE map to see that image's "
    "posterior: the cloud of codes the VAE samples from while it trains.",
)

explored = explored_models()
controls = st.columns([3, 2, 3])
manifold = page_state.widget(controls[0].toggle, "Show the decoded manifold", key="latent_manifold")
manifold_n = page_state.widget(controls[1].slider, "Manifold grid size", 6, 20, key="latent_manifold_n",
                          disabled=not manifold)
holes = page_state.widget(controls[2].toggle, "Shade where decodings leave the data", key="latent_holes",
                     help="Red cells decode to an image farther from every training digit than 99% "
                          "of held-out digits lie from theirs, pixel by pixel or by ink profile (its "
                          "pixel values sorted: a blur has greys no digit has). The note under a "
                          "decoded image uses the same test.")


def _take_pin() -> None:
    """Keep the point the user pinned; a dot clicked on the VAE map also picks its digit."""
    pin = latent_explorer.read_pin(st.session_state.latent_explorer.pin, len(explored.dataset.X_all))
    if pin is None:
        return
    try:
        page_state.put("latent_z", pin["z"])
    except ValueError:
        return  # too far out to be a point of any map
    page_state.put("latent_z_from", pin["map"].upper())
    if pin["map"] == "vae" and pin["index"] is not None:
        page_state.put("latent_digit", pin["index"])


def _new_draws() -> None:
    page_state.put("latent_draw_seed", page_state.get("latent_draw_seed") + 1)


@st.fragment
def explore_latent_space(explored: Explored, manifold_n: int, holes: bool) -> None:
    # A fragment: a click reruns the explorer and what depends on the pinned point only.
    data = explored.dataset
    X_all, y_all = data.X_all, data.y_all
    digit = ui.data_index("latent_digit", len(X_all), "images")  # a link may name one beyond them
    posterior = None
    if digit is not None:
        posterior = latent_explorer.posterior_view(explored.vae, X_all[digit], page_state.get("latent_draw_seed"))
    view = {**figures_once.explorer_data(explored.tokens, explored.names, data.token,
                                        (explored.ae, explored.vae), data),
            "pinned": page_state.get("latent_z"), "pinned_map": page_state.get("latent_z_from").lower(),
            "manifold": manifold_n, "posterior": posterior, "legend": latent_explorer.class_legend(data)}
    if holes:  # the cached maps are shared: add to copies
        view["maps"] = [{**m, "holes": per_model.holes(token, tuple(m["range"]), model, data)}
                        for m, token, model in zip(view["maps"], explored.tokens,
                                                   (explored.ae, explored.vae), strict=True)]
    latent_explorer.latent_explorer(view, key="latent_explorer", on_pin=_take_pin)
    if holes:
        shares = [m["holes"]["share"] for m in view["maps"]]
        said = (f"Off the data: {shares[0]:.0%} of the {explored.names[0]} map and {shares[1]:.0%} "
                f"of the {explored.names[1]} map as drawn")
        if data.is_digits:
            ae_report = per_model.evaluation("ae", explored.tokens[0], explored.ae)
            vae_report = per_model.evaluation("vae", explored.tokens[1], explored.vae)
            st.caption(f"{said}; measured over each model's training codes, "
                       f"{ae_report['off_manifold']['data_grid']:.0%} and "
                       f"{vae_report['off_manifold']['data_grid']:.0%}.")
            ui.claim(claims.ae_gaps_decode_to_garbage(ae_report, vae_report))
        else:
            st.caption(f"{said}.")

    st.subheader("The reparameterization trick, visible")
    left, right = st.columns([1, 3])
    with left:
        digit = page_state.widget(st.number_input, "Image # (or click a dot on the VAE map)", min_value=0,
                             max_value=len(X_all) - 1, step=1, key="latent_digit", value=digit,
                             placeholder="none picked")
        st.button("New draws", on_click=_new_draws, key="latent_draws_button",
                  disabled=digit is None)
    with right:
        if digit is None:
            st.caption("Pick a digit to see its posterior q(z|x) = N(μ, σ²) on the VAE map: the "
                       "±1σ and ±2σ ellipses, and draws z = μ + σ·ε with ε ~ N(0, I).")
            return
        post = latent_explorer.posterior_view(explored.vae, X_all[digit], page_state.get("latent_draw_seed"))
        images = [X_all[digit], explored.vae.decode([post["mu"]])[0],
                  *explored.vae.decode(post["draws"])]
        labels = ["the image", "decode(μ)", *(f"draw {k + 1}" for k in range(len(post["draws"])))]
        ui.plot(figures.image_grid_figure(images, len(images), col_labels=labels, cell_px=64),
                key="latent_posterior_chart")
        mu, sigma = post["mu"], post["sigma"]
        which = f"Image #{digit}" + ("" if y_all is None else f" (a {y_all[digit]})")
        st.caption(
            f"{which}: the VAE's encoder says μ = ({mu[0]:.2f}, {mu[1]:.2f}) "
            f"and σ = ({sigma[0]:.2f}, {sigma[1]:.2f}). Training never decodes μ itself: it decodes "
            "a draw z = μ + σ·ε, so every point of the magenta cloud on the VAE map must decode to this "
            "image, which is what fills the space between clusters. The autoencoder has no σ: it "
            "decodes its code exactly, and nothing asks the points around it to mean anything."
        )


explore_latent_space(explored, manifold_n if manifold else 0, holes)
