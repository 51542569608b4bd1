import streamlit as st

from latent_lab import figures, models, specs, ui
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

FORM_KEYS = ("latent_dim", "hidden_size", "beta", "kl_warmup", "epochs", "batch_size",
             "optimizer", "learning_rate", "seed")
KIND_LABELS = {"vae": "VAE", "ae": "Autoencoder"}
RECIPE_LABELS = {"fast": "fast (Adam, mini-batches)", "blog": "blog (per-sample SGD, slow)"}


def _recipe_defaults() -> None:
    """Fill the form with the chosen recipe's settings for the chosen model."""
    cfg = specs.model_config(st.session_state.train_kind, st.session_state.train_recipe)
    st.session_state.update({
        "train_epochs": cfg["epochs"], "train_batch_size": cfg["batch_size"],
        "train_optimizer": cfg["optimizer"], "train_learning_rate": float(cfg["learning_rate"]),
    })


def _submit() -> None:
    values = {name: st.session_state[f"train_{name}"] for name in FORM_KEYS}
    try:
        config = specs.training_config(st.session_state.train_kind, st.session_state.train_recipe,
                                       **values)
    except ValueError as err:
        st.session_state.train_error = f"Not trained: {err} The current model is kept."
        return
    st.session_state.train_error = None
    st.session_state.train_request = config


def _upload() -> None:
    upload = st.session_state.get("train_upload")
    if upload is None:
        return
    try:
        model = models.load_uploaded(upload.getvalue())
    except ModelFileError as err:
        st.session_state.train_error = f"Could not load {upload.name}: {err} The current model is kept."
        return
    st.session_state.train_error = None
    st.session_state.train_model = model
    st.session_state.train_source = f"uploaded file {upload.name}"
    ui.remember_model(model, st.session_state.train_source)


default = specs.shipped_configs()["vae_default"]
ui.set_defaults({
    "train_kind": "vae", "train_recipe": "fast", "train_latent_dim": 2, "train_hidden_size": 32,
    "train_beta": 1.0, "train_kl_warmup": 0, "train_epochs": default["epochs"],
    "train_batch_size": default["batch_size"], "train_optimizer": default["optimizer"],
    "train_learning_rate": float(default["learning_rate"]), "train_seed": 0,
})
if "train_model" not in st.session_state:
    st.session_state.train_model = models.get_model(default)
    st.session_state.train_source = "shipped default"

# A pending request is taken off the queue before training, so a run that is interrupted (the
# user leaves the page) does not restart training by surprise later.
request = st.session_state.pop("train_request", None)
busy = request is not None

with st.sidebar:
    st.radio("Model", list(KIND_LABELS), format_func=KIND_LABELS.get, key="train_kind",
             on_change=_recipe_defaults, disabled=busy, horizontal=True)
    st.radio("Recipe", list(RECIPE_LABELS), format_func=RECIPE_LABELS.get, key="train_recipe",
             on_change=_recipe_defaults, disabled=busy)
    with st.form("train_form", border=False):
        vae = st.session_state.train_kind == "vae"
        st.number_input("Latent size", 1, 16, step=1, key="train_latent_dim", disabled=busy)
        st.number_input("Hidden size (0 = linear)", 0, 256, step=8, key="train_hidden_size",
                        disabled=busy)
        st.number_input("β (KL weight)", 0.0, 16.0, step=0.25, key="train_beta",
                        disabled=busy or not vae)
        st.number_input("KL warm-up (epochs)", 0, 1000, step=10, key="train_kl_warmup",
                        disabled=busy or not vae)
        st.number_input("Epochs", 1, 1000, step=10, key="train_epochs", disabled=busy)
        st.number_input("Batch size", 1, 1437, step=1, key="train_batch_size", disabled=busy)
        st.selectbox("Optimizer", ["adam", "sgd"], key="train_optimizer", disabled=busy)
        st.number_input("Learning rate", 1e-5, 1.0, step=0.001, format="%.4f",
                        key="train_learning_rate", disabled=busy)
        st.number_input("Seed", 0, 2**31 - 1, step=1, key="train_seed", disabled=busy)
        st.form_submit_button("Train", type="primary", on_click=_submit, disabled=busy,
                              key="train_submit_button")
    with st.expander("Load a saved model (.npz)"):
        st.file_uploader("Model file", type=["npz"], key="train_upload", on_change=_upload,
                         disabled=busy)

status = st.container()
if st.session_state.get("train_error"):
    status.error(st.session_state.train_error)

model = st.session_state.train_model
config = {"kind": model.kind, **model.get_params()}
history = model.history_
st.caption(f"Showing: {ui.describe(config)} ({st.session_state.train_source}; "
           f"trained in {model.seconds_:.1f} s).")
dead = specs.collapsed_dims(model)
if dead:
    names = ", ".join(f"z{d + 1}" for d in dead)
    st.warning(f"Posterior collapse: latent dimension(s) {names} ended with a held-out KL below "
               f"{specs.DIM_COLLAPSE_NATS} nats, so they carry almost no information about the "
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
epochs = [int(e) for e in model.snapshot_epochs_]
labels = specs.digits()[0].y_test
# Each model opens on its final snapshot: the learned latent space, not the random start.
if st.session_state.get("train_snapshot_model") != id(model):
    st.session_state.train_snapshot_model = id(model)
    st.session_state.train_snapshot = len(epochs) - 1
if model.latent_dim > 2:
    st.caption(f"The {model.latent_dim}-D codes are drawn on the two main (PCA) axes of the "
               "final snapshot.")


@st.fragment
def scrubber(snapshots, epochs, labels, busy):
    # A fragment: moving the slider redraws this chart only, not the whole page.
    st.session_state.train_snapshot = min(st.session_state.train_snapshot, len(epochs) - 1)
    index = st.slider("Snapshot", 0, len(epochs) - 1, key="train_snapshot", disabled=busy,
                      help="Slide through the snapshots taken during training (0 = before).")
    x_range, y_range = figures.axis_range(*snapshots)
    ui.plot(figures.latent_snapshot_figure(snapshots[index], labels, epochs[index], x_range,
                                           y_range), key="train_snapshot_chart")


if not epochs:
    st.info("This model file has no latent snapshots to show.")
else:
    scrub, animate = st.tabs(["Scrub", "Animate"])
    with scrub:
        scrubber(snapshots, epochs, labels, busy)
    with animate:
        ui.plot(figures.latent_animation_figure(snapshots, epochs, labels),
                key="train_anim_chart")

if busy:
    # Train last, after every widget above is drawn disabled, so nothing on the page can
    # interrupt the run by accident.
    with status:
        st.caption("Every control is locked while this trains; leaving the page stops training.")
        bar = st.progress(0.0, text="starting…")
        if models.is_cached(request):
            bar.progress(1.0, text="This configuration is cached: no training needed.")
        try:
            trained = models.get_model(request, progress=ui.progress_callback(bar))
        except TrainingDivergedError as err:
            st.session_state.train_error = f"{err} The previous model is kept."
        else:
            st.session_state.train_model = trained
            st.session_state.train_source = "trained on request"
            ui.remember_model(trained, f"trained on request, {ui.describe(request)}")
    st.rerun()
