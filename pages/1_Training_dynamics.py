from functools import partial

import numpy as np
import streamlit as st

from latent_lab.drawing import exports, figures, figures_once, ui
from latent_lab.images.dataset import active, digits_dataset, from_images
from latent_lab.images.uploads import DataFileError, DataLimits, parse_upload
from latent_lab.measures import per_model, scores
from latent_lab.measures.collapse import DIM_COLLAPSE_NATS, collapsed_dims
from latent_lab.models import cache, catalog, jobs
from latent_lab.models import training as session
from latent_lab.models.limits import LIMITS, check_training
from latent_lab.state import page_state
from latent_lab.state.settings import KIND_LABELS, OPTIMIZER_NAMES, RECIPE_LABELS
from vae_core import ModelFileError, model_to_bytes

# What an upload of images may be here (the hosted limits).
UPLOAD_LIMITS = DataLimits(max_bytes=LIMITS.max_upload_mb * 2**20, max_rows=LIMITS.max_rows,
                           max_side=LIMITS.max_side)

ui.page(
    "Training dynamics",
    "Pick an autoencoder (AE) or a variational autoencoder (VAE), set how it is trained and press "
    "**Train**: the charts redraw as it learns, on the training digits and on held-out digits it "
    "never sees, in nats (natural-log units) for a VAE. **Stop** keeps what was trained, "
    "**Continue** adds epochs, **Step** trains one at a time. The *blog* recipe is the post's "
    "per-sample loop (about a minute for the VAE).",
)

trainer = cache.trainer()
dataset = active(st.session_state)  # what the form trains on: the digits, or an upload


def _recipe_defaults() -> None:
    """Fill the form with the chosen recipe's settings for the chosen model."""
    for name, value in session.recipe_values(st.session_state.train_kind,
                                             st.session_state.train_recipe).items():
        page_state.put(f"train_{name}", value)


def _train(config: dict, data=None, **kwargs) -> None:
    data = data or active(st.session_state)
    cached = cache.get_model(config, dataset=data) if cache.is_cached(config, data) else None
    session.start(st.session_state, trainer, config, cached=cached, dataset=data, **kwargs)


def _submit() -> None:
    session.submit(st.session_state, st.session_state.train_kind, st.session_state.train_recipe)
    request = session.take_request(st.session_state)
    if request is not None:
        _train(request)


def _more(epochs: int) -> None:
    """Train the model on view ``epochs`` epochs more (Continue, or Step with 1)."""
    model = st.session_state.train_model
    config = {"kind": model.kind, **model.get_params(), "epochs": model.epochs + epochs}
    data = st.session_state.get("train_dataset") or digits_dataset()  # what the model trained on
    if not limits_ok(config, data):
        return
    if getattr(model, "_run", None) is not None:
        # Trained in this process: continue exactly, as one longer run would have.
        _train(config, data, base=model, extra_epochs=epochs, note="continued")
    elif st.session_state.train_source.startswith("uploaded"):
        # No optimizer state in a file: continue from its weights, not reproducible by config.
        _train(config, data, base=model, extra_epochs=epochs, cacheable=False,
               note=f"{st.session_state.train_source}, {epochs} more epochs")
    else:
        _train(config, data, note="continued")  # a shipped model: the longer run, from the start


def limits_ok(config: dict, data) -> bool:
    """Whether ``config`` fits the hosted limits; if not, the page says why."""
    try:
        check_training(config, len(data.split.X_train))
    except ValueError as err:
        session.fail(st.session_state, f"Not trained: {err} The current model is kept.")
        return False
    return True


def _upload() -> None:
    upload = st.session_state.get("train_upload")
    if upload is None:
        return
    try:
        model = cache.load_uploaded(upload.getvalue(), dataset)
    except ModelFileError as err:
        session.fail(st.session_state, f"Could not load {upload.name}: {err} The current model is kept.")
        return
    session.show(st.session_state, model, f"uploaded file {upload.name}")


if "train_model" not in st.session_state:
    st.session_state.train_model = cache.get_model(catalog.shipped_configs()["vae_default"])
    st.session_state.train_source = "shipped default"
if ended := session.collect(st.session_state):  # a fast job may end within the run that started it
    st.session_state.train_note = ended
job = st.session_state.get("train_job")
busy = job is not None and job.active

# While a model trains the settings fold away, so its live charts sit right under the title.
def _upload_data() -> None:
    files = st.session_state.get("train_data_upload") or []
    if not files:
        return
    try:
        images = parse_upload([(f.name, f.getvalue()) for f in files], UPLOAD_LIMITS)
    except DataFileError as err:
        session.fail(st.session_state, f"Could not use that data: {err} Nothing was changed.")
        return
    st.session_state.dataset = from_images(images)
    st.session_state.train_error = None
    st.session_state.train_note = (f"Loaded {st.session_state.dataset.name} ({images.source}). Press "
                                   "Train to train a model on them; the exploring pages use them too.")


def _use_digits() -> None:
    st.session_state.pop("dataset", None)


with st.expander("Model and training settings", expanded=not busy):
    top = st.columns([2, 3, 2])
    kind = page_state.widget(top[0].radio, "Model", list(KIND_LABELS), format_func=KIND_LABELS.get,
                        key="train_kind", on_change=_recipe_defaults, disabled=busy, horizontal=True)
    page_state.widget(top[1].radio, "Recipe", list(RECIPE_LABELS), format_func=RECIPE_LABELS.get,
                 key="train_recipe", on_change=_recipe_defaults, disabled=busy, horizontal=True)
    with top[2].popover("Load a saved model (.npz)", width="stretch"):
        st.file_uploader("Model file", type=["npz"], key="train_upload", on_change=_upload,
                         disabled=busy)
    with top[2].popover(f"Data: {dataset.name}", width="stretch"):
        st.markdown("Train on your own square images (up to "
                    f"{LIMITS.max_side}×{LIMITS.max_side}, {LIMITS.max_rows:,} of them, "
                    f"{LIMITS.max_upload_mb} MB): a CSV with one image per row (and an optional "
                    "`label` column), a `.npy`/`.npz` array, or a set of PNG files "
                    "(`7_001.png` gives the label 7). Pixels are scaled to [0, 1].")
        st.file_uploader("Images", type=["csv", "npz", "npy", "png"], accept_multiple_files=True,
                         key="train_data_upload", on_change=_upload_data, disabled=busy)
        if not dataset.is_digits:
            st.button("Back to the 8×8 digits", on_click=_use_digits, key="train_digits_button",
                      disabled=busy)
    with st.form("train_form", border=False):
        # No bounds in the boxes themselves: a browser refuses an out-of-range number silently,
        # so every value is checked on submit and a bad one is named on the page.
        vae = kind == "vae"
        cols = st.columns(5)
        page_state.widget(cols[0].number_input, "Latent size", step=1, key="train_latent_dim", disabled=busy)
        page_state.widget(cols[1].number_input, "Hidden size (0 = linear)", step=8, key="train_hidden_size",
                     disabled=busy)
        page_state.widget(cols[2].number_input, "β (KL weight)", step=0.25, key="train_beta",
                     disabled=busy or not vae)
        page_state.widget(cols[3].number_input, "KL warm-up (epochs)", step=10, key="train_kl_warmup",
                     disabled=busy or not vae)
        page_state.widget(cols[4].number_input, "Epochs", step=10, key="train_epochs", disabled=busy)
        cols = st.columns(5)
        page_state.widget(cols[0].number_input, "Batch size", step=1, key="train_batch_size", disabled=busy)
        page_state.widget(cols[1].selectbox, "Optimizer", OPTIMIZER_NAMES, key="train_optimizer",
                     disabled=busy)
        page_state.widget(cols[2].number_input, "Learning rate", step=0.001, format="%.4f",
                     key="train_learning_rate", disabled=busy)
        page_state.widget(cols[3].number_input, "Seed", step=1, key="train_seed", disabled=busy)
        with cols[4]:
            st.write("")  # aligns the button with the boxes
            st.form_submit_button("Train", type="primary", on_click=_submit, disabled=busy,
                                  key="train_submit_button", width="stretch")
    cols = st.columns([1, 1, 1, 2])
    more = page_state.widget(cols[0].number_input, "More epochs", min_value=1, max_value=1000,
                        key="train_more", disabled=busy)
    with cols[1]:
        st.write("")
        st.button(f"Continue +{more}", on_click=_more, args=(more,), disabled=busy,
                  key="train_continue_button", width="stretch",
                  help="Train the model on view further, from its current weights.")
    with cols[2]:
        st.write("")
        st.button("Step: 1 epoch", on_click=_more, args=(1,), disabled=busy,
                  key="train_step_button", width="stretch",
                  help="Train the model on view for exactly one more epoch.")

if st.session_state.get("train_error"):
    st.error(ui.plain(st.session_state.train_error))  # it may quote a file's name
if note := st.session_state.pop("train_note", None):
    st.info(note)  # what became of a training that ended, here or while on another page

def held_out_colours(data) -> np.ndarray:
    """The held-out images' labels as colours (one colour without labels)."""
    return (data.colour_labels(data.split.y_test) if data.labelled else
            np.zeros(len(data.split.X_test), dtype=np.int64))


shown_data = st.session_state.get("train_dataset") or digits_dataset()
labels = held_out_colours(shown_data)


@st.fragment(run_every=0.3)
def live(job, labels) -> None:
    """The job's charts, redrawn while it trains; the whole page reruns when it ends."""
    job.seen()
    progress = job.progress()
    if not job.active:
        st.rerun(scope="app")
    left, right = st.columns([4, 1])
    text = ("waiting for a free trainer (others are training)…" if job.status == jobs.QUEUED else
            f"epoch {progress.epoch}/{progress.epochs} · {progress.seconds:.1f} s")
    if progress.history.get("train_loss"):
        text += f" · train loss {progress.history['train_loss'][-1]:.4g}"
        if progress.history.get("val_loss"):
            text += f" · held-out {progress.history['val_loss'][-1]:.4g}"
    left.progress(progress.epoch / max(progress.epochs, 1), text=text)
    right.button("Stop", on_click=job.stop, key="train_stop_button", type="primary", width="stretch",
                 help="End after this epoch and keep the model trained so far.")
    if progress.history.get("epoch"):
        ui.plot(figures.loss_curves_figure(progress.history, job.config["kind"]), key="train_live_loss_chart")
    if progress.codes is not None:
        codes = figures.project_2d(progress.codes[None])[0]
        x_range, y_range = figures.axis_range(codes)
        ui.plot(figures.latent_snapshot_figure(codes, labels, progress.epoch, x_range, y_range),
                key="train_live_map_chart")


if busy:
    st.markdown(f"**Training:** {catalog.describe(job.config)}")
    live(job, held_out_colours(st.session_state.get("train_job_dataset") or digits_dataset()))
    st.stop()

model = st.session_state.train_model
config = {"kind": model.kind, **model.get_params()}
history = model.history_
st.caption(f"Showing: {catalog.describe(config)} ({ui.plain(st.session_state.train_source)}; "
           f"trained in {model.seconds_:.1f} s"
           + ("" if shown_data.is_digits else f", on {shown_data.name}") + ").")
quick = per_model.quick_scores(id(model), shown_data.token, model, shown_data)
metrics = st.columns(4)
if history.get("val_loss"):
    unit = "MSE per pixel" if model.kind == "ae" else "nats"
    metrics[0].metric(f"held-out loss ({unit})", f"{history['val_loss'][-1]:.4g}",
                      help="The last epoch's held-out loss (a VAE's: one posterior draw per image).")
if quick["neg_elbo"] is not None:
    metrics[1].metric("held-out −ELBO (nats)", f"{quick['neg_elbo']:.2f}",
                      help=f"Averaged over {scores.QUICK_DRAWS} posterior draws per image "
                           f"(± {quick['neg_elbo_se']:.2f}).")
    metrics[2].metric("active latent units", f"{quick['active_units']} of {model.latent_dim}",
                      help="Dimensions whose code varies across images (Burda et al.: variance > 0.01).")
    metrics[3].metric("BCE floor (nats)", f"{quick['bce_floor']:.2f}",
                      help="The held-out digits' own entropy: no reconstruction BCE goes lower, "
                           "because the digits are not black and white.")
dead = collapsed_dims(model)
if dead:
    names = ", ".join(f"z{d + 1}" for d in dead)
    st.warning(f"Posterior collapse: latent dimension(s) {names} ended with a held-out KL below "
               f"{DIM_COLLAPSE_NATS} nats, so they carry almost no information about the "
               "digit; the decoder ignores them (see the KL per dimension chart).")
downloads = st.columns([1, 1, 3])
# The files are made when a button is pressed, not on every run; pressing one reruns nothing.
downloads[0].download_button("Download this model (.npz)", partial(model_to_bytes, model), file_name="model.npz",
                             mime="application/octet-stream", key="train_download_button", on_click="ignore")
downloads[1].download_button("Download its history (.csv)", partial(exports.history_csv, history),
                             file_name="history.csv", mime="text/csv", key="train_history_button",
                             on_click="ignore")

ui.plot(figures.loss_curves_figure(history, model.kind, floor=quick["bce_floor"]), key="train_loss_chart")
left, right = st.columns(2)
with left:
    ui.plot(figures.beta_schedule_figure(history), key="train_beta_chart")
with right:
    ui.plot(figures.kl_per_dim_figure(history), key="train_kl_chart")

st.subheader("The held-out codes during training")
one_d = model.latent_dim == 1
# (n_snap, n_test, 2): 2-D codes as they are, more dimensions on their main axes, one dimension
# as a strip chart with a row per digit.
snapshots = (figures.strip_1d(model.latent_snapshots_, labels) if one_d else
             figures.project_2d(model.latent_snapshots_))
y_title = "digit (a 1-D code: one row per digit)" if one_d else "z₂"
# Each new model opens on its final snapshot: the learned latent space, not the random start.
last_shown = st.session_state.get("train_snapshot_model")
if last_shown is not None and last_shown != id(model):
    page_state.put("train_snapshot", None)
st.session_state.train_snapshot_model = id(model)
view = session.snapshot_view(model.snapshot_epochs_, page_state.get("train_snapshot"))
if model.latent_dim > 2:
    st.caption(f"The {model.latent_dim}-D codes are drawn on the two main (PCA) axes of the "
               "final snapshot.")


@st.fragment
def scrubber(snapshots, view, labels):
    # A fragment: moving the slider redraws this chart only, not the whole page.
    epoch = page_state.widget(st.select_slider, "Epoch", options=list(view.epochs), value=view.epoch,
                         key="train_snapshot",
                         help="Slide through the snapshots taken during training (0 = before).")
    if epoch == view.epochs[-1]:
        page_state.current().reset("train_snapshot")  # the last one is what a link shows anyway
    x_range, y_range = figures.axis_range(*snapshots)
    ui.plot(figures.latent_snapshot_figure(snapshots[view.epochs.index(epoch)], labels, epoch,
                                           x_range, y_range, y_title=y_title), key="train_snapshot_chart")


if view is None:
    st.info("This model file has no latent snapshots to show.")
else:
    scrub, animate = st.tabs(["Scrub", "Animate"])
    with scrub:
        scrubber(snapshots, view, labels)
    with animate:
        ui.plot(figures_once.animation_figure(snapshots, view.epochs, labels, y_title), key="train_anim_chart")
