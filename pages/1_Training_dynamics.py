import streamlit as st

from latent_lab import catalog, figures, model_cache, state, ui
from latent_lab import training_session as session
from latent_lab.collapse import DIM_COLLAPSE_NATS, collapsed_dims
from latent_lab.data import digits
from latent_lab.settings import KIND_LABELS, OPTIMIZER_NAMES, RECIPE_LABELS
from vae_core import ModelFileError, TrainingDivergedError, model_to_bytes

ui.page(
    "Training dynamics",
    "Watch a network learn to squeeze 64 pixels through a tiny bottleneck. Pick an autoencoder "
    "(AE) or a variational autoencoder (VAE), set its size and how it is trained, and press "
    "**Train**. The charts show how the reconstruction error and the KL term (how far the VAE's "
    "codes stray from a standard Gaussian) fall epoch by epoch on the training digits and on "
    "held-out digits it never trains on, and how the 2-D codes of the held-out digits move from a "
    "random blob into clusters. The *blog* recipe is the post's per-sample loop (about a minute "
    "for the VAE): run it and watch its latent code collapse onto the prior, the KL falling to "
    "about zero, where the fast recipe keeps a few nats.",
)


def _recipe_defaults() -> None:
    """Fill the form with the chosen recipe's settings for the chosen model."""
    for name, value in session.recipe_values(st.session_state.train_kind,
                                             st.session_state.train_recipe).items():
        state.put(f"train_{name}", value)


def _submit() -> None:
    session.submit(st.session_state, st.session_state.train_kind, st.session_state.train_recipe)


def _upload() -> None:
    upload = st.session_state.get("train_upload")
    if upload is None:
        return
    try:
        model = model_cache.load_uploaded(upload.getvalue())
    except ModelFileError as err:
        session.fail(st.session_state, f"Could not load {upload.name}: {err} The current model is kept.")
        return
    session.show(st.session_state, model, f"uploaded file {upload.name}")


if "train_model" not in st.session_state:
    st.session_state.train_model = model_cache.get_model(catalog.shipped_configs()["vae_default"])
    st.session_state.train_source = "shipped default"
request = session.take_request(st.session_state)
busy = request is not None

with st.sidebar:
    kind = state.widget(st.radio, "Model", list(KIND_LABELS), format_func=KIND_LABELS.get,
                        key="train_kind", on_change=_recipe_defaults, disabled=busy,
                        horizontal=True)
    state.widget(st.radio, "Recipe", list(RECIPE_LABELS), format_func=RECIPE_LABELS.get,
                 key="train_recipe", on_change=_recipe_defaults, disabled=busy)
    with st.form("train_form", border=False):
        # No bounds in the boxes themselves: a browser refuses an out-of-range number silently,
        # so every value is checked on submit and a bad one is named on the page.
        vae = kind == "vae"
        state.widget(st.number_input, "Latent size", step=1, key="train_latent_dim", disabled=busy)
        state.widget(st.number_input, "Hidden size (0 = linear)", step=8, key="train_hidden_size",
                     disabled=busy)
        state.widget(st.number_input, "β (KL weight)", step=0.25, key="train_beta",
                     disabled=busy or not vae)
        state.widget(st.number_input, "KL warm-up (epochs)", step=10, key="train_kl_warmup",
                     disabled=busy or not vae)
        state.widget(st.number_input, "Epochs", step=10, key="train_epochs", disabled=busy)
        state.widget(st.number_input, "Batch size", step=1, key="train_batch_size", disabled=busy)
        state.widget(st.selectbox, "Optimizer", OPTIMIZER_NAMES, key="train_optimizer",
                     disabled=busy)
        state.widget(st.number_input, "Learning rate", step=0.001, format="%.4f",
                     key="train_learning_rate", disabled=busy)
        state.widget(st.number_input, "Seed", step=1, key="train_seed", disabled=busy)
        st.form_submit_button("Train", type="primary", on_click=_submit, disabled=busy,
                              key="train_submit_button")
    with st.expander("Load a saved model (.npz)"):
        st.file_uploader("Model file", type=["npz"], key="train_upload", on_change=_upload,
                         disabled=busy)

status = st.container()
if st.session_state.get("train_error"):
    status.error(ui.plain(st.session_state.train_error))  # it may quote a file's name

model = st.session_state.train_model
config = {"kind": model.kind, **model.get_params()}
history = model.history_
st.caption(f"Showing: {ui.describe(config)} ({ui.plain(st.session_state.train_source)}; "
           f"trained in {model.seconds_:.1f} s).")
dead = collapsed_dims(model)
if dead:
    names = ", ".join(f"z{d + 1}" for d in dead)
    st.warning(f"Posterior collapse: latent dimension(s) {names} ended with a held-out KL below "
               f"{DIM_COLLAPSE_NATS} nats, so they carry almost no information about the "
               "digit; the decoder ignores them (see the KL per dimension chart).")
st.download_button("Download this model (.npz)", model_to_bytes(model), file_name="model.npz",
                   mime="application/octet-stream", disabled=busy, key="train_download_button")

ui.plot(figures.loss_curves_figure(history, model.kind), key="train_loss_chart")
left, right = st.columns(2)
with left:
    ui.plot(figures.beta_schedule_figure(history), key="train_beta_chart")
with right:
    ui.plot(figures.kl_per_dim_figure(history), key="train_kl_chart")

st.subheader("The held-out codes during training")
snapshots = figures.project_2d(model.latent_snapshots_)  # (n_snap, n_test, 2)
labels = digits()[0].y_test
# Each new model opens on its final snapshot: the learned latent space, not the random start.
last_shown = st.session_state.get("train_snapshot_model")
if last_shown is not None and last_shown != id(model):
    state.put("train_snapshot", None)
st.session_state.train_snapshot_model = id(model)
view = session.snapshot_view(model.snapshot_epochs_, state.get("train_snapshot"))
if model.latent_dim > 2:
    st.caption(f"The {model.latent_dim}-D codes are drawn on the two main (PCA) axes of the "
               "final snapshot.")


@st.fragment
def scrubber(snapshots, view, labels, busy):
    # A fragment: moving the slider redraws this chart only, not the whole page.
    epoch = state.widget(st.select_slider, "Epoch", options=list(view.epochs), value=view.epoch,
                         key="train_snapshot", disabled=busy,
                         help="Slide through the snapshots taken during training (0 = before).")
    x_range, y_range = figures.axis_range(*snapshots)
    ui.plot(figures.latent_snapshot_figure(snapshots[view.epochs.index(epoch)], labels, epoch,
                                           x_range, y_range), key="train_snapshot_chart")


if view is None:
    st.info("This model file has no latent snapshots to show.")
else:
    scrub, animate = st.tabs(["Scrub", "Animate"])
    with scrub:
        scrubber(snapshots, view, labels, busy)
    with animate:
        ui.plot(figures.latent_animation_figure(snapshots, list(view.epochs), labels),
                key="train_anim_chart")

if busy:
    # Train last, after every widget above is drawn disabled, so nothing on the page can
    # interrupt the run by accident.
    with status:
        st.caption("Every control is locked while this trains; leaving the page stops training.")
        bar = st.progress(0.0, text="starting…")
        if model_cache.is_cached(request):
            bar.progress(1.0, text="This configuration is cached: no training needed.")
        try:
            trained = model_cache.get_model(request, progress=ui.progress_callback(bar))
        except TrainingDivergedError as err:
            session.fail(st.session_state, f"{err} The previous model is kept.")
        else:
            session.show(st.session_state, trained, "trained on request",
                         note=f"trained on request, {ui.describe(request)}")
    st.rerun()
