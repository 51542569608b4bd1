"""How the training page draws a model: live while it trains (or while its run is replayed at a
human pace, ``latent_lab.models.replay``), then its figures and charts.

The figures block (held-out loss, −ELBO, active units, BCE floor) and the collapse warning are
drawn together by :func:`model_figures` (``latent_lab.measures.collapse`` says what collapsed
means).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from latent_lab.drawing import exports, figures, figures_once, snapshots, ui
from latent_lab.measures import collapse, scores
from latent_lab.models import replay, training
from latent_lab.models.cache import bounded, content_key, model_key
from latent_lab.models.catalog import config_of, describe
from latent_lab.models.replay import Replay
from latent_lab.state import page_state
from vae_core import model_to_bytes

PACE_HELP = ("How fast the charts show a training. A run trains at full speed, then its record (the losses "
             "of every epoch, the held-out codes at 30 snapshots) is replayed at this pace; *as it trains* "
             "shows it live instead, however fast it goes.")


def watch(run, dataset, session, trainer) -> None:
    """What is training (a job) or replayed (a :class:`Replay`) on ``dataset``, and its :func:`live` view.

    A replay's Stop puts the model of the epoch reached on view (``training.stop_replay``).
    """
    labels = training.held_out_colours(dataset)
    if isinstance(run, Replay):
        st.markdown(f"**Replaying:** {describe(run.config)}, at {run.pace:g} epochs per second "
                    f"(it trained in {run.model.seconds_:.1f} s).")
        live(run, labels, partial(training.stop_replay, session, trainer), partial(training.skip_replay, session),
             key=f"{model_key(run.model)}:{content_key(labels)}")
    else:
        st.markdown(f"**Training:** {describe(run.config)}")
        live(run, labels, run.stop)


@st.fragment(run_every=0.3)
def live(run, labels, stop, skip=None, key: str | None = None) -> None:
    """A training job's (or a replay's) progress, its Stop (and a replay's To the end) and its
    charts, redrawn while it runs; the page reruns when it ends. ``key`` names a replay's model
    and labels, for :func:`live_figures`."""
    run.seen()
    progress = run.progress()
    if not run.active:
        st.rerun(scope="app")
    replayed = skip is not None
    cols = st.columns([4, 1, 1] if replayed else [4, 1])
    cols[0].progress(progress.epoch / max(progress.epochs, 1), text=training.progress_text(progress, run.status))
    cols[1].button("Stop", on_click=stop, key="train_stop_button", type="primary", width="stretch",
                   help=("Show the model of the epoch reached (the run's first epochs, trained again)."
                         if replayed else "End after this epoch and keep the model trained so far."))
    if replayed:
        cols[2].button("To the end", on_click=skip, key="train_skip_button", width="stretch",
                       help="Stop watching and show the model trained to the last epoch.")
    loss, codes = live_figures(run, progress, labels, key)
    if codes is not None:  # the map first: its forming is the lesson
        ui.plot(codes, key="train_live_map_chart")
    if loss is not None:
        ui.plot(loss, key="train_live_loss_chart")


def live_figures(run, progress, labels, key: str | None = None) -> tuple:
    """The loss curves and the held-out map to draw now (either may be None).

    A job's: the history so far, and the codes it published last on their own axes. A replay's:
    the run's record up to its latest snapshot, and that snapshot on the axes of the whole run
    (the map forms in a fixed frame); built once per model and snapshot and shared, since a
    class replays the same runs (the figures cost tens of ms each, a replay redraws them 30
    times).
    """
    if isinstance(run, Replay):
        if progress.snapshot is None:
            return None, None
        return _replay_figures(key, progress.snapshot, run.model, labels)
    loss = figures.loss_curves_figure(progress.history, run.config["kind"]) if progress.history.get("epoch") else None
    if progress.codes is None:
        return loss, None
    codes = figures.project_2d(progress.codes[None])[0]
    return loss, figures.latent_snapshot_figure(codes, labels, progress.epoch, *figures.axis_range(codes))


@bounded(max_entries=256, max_mb=24)
def _replay_figures(key: str, snapshot: int, _model, _labels) -> tuple:
    """A replay's figures at snapshot ``snapshot`` of ``_model`` (``key``: the model and labels)."""
    epoch = int(_model.snapshot_epochs_[snapshot])
    history = replay.history_until(_model.history_, epoch)
    loss = figures.loss_curves_figure(history, _model.kind) if history.get("epoch") else None
    points, y_title = snapshot_points(_model, _labels)
    return loss, figures.latent_snapshot_figure(points[snapshot], _labels, epoch, *figures.axis_range(*points),
                                                y_title=y_title)


def showing(model, source: str, dataset) -> None:
    """The caption over a trained model: its config, where it came from (as typed), its time and data."""
    on = "" if dataset.is_digits else f", on {dataset.name}"
    st.caption(f"Showing: {describe(config_of(model))} ({ui.plain(source)}; trained in {model.seconds_:.1f} s{on}).")


def model_figures(model, quick: dict) -> None:
    """The figures of a trained ``model`` (``quick``: ``per_model.quick_scores``) and its collapse warning."""
    history = model.history_
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
                          help=f"One rule on every page: {collapse.RULE}.")
        metrics[3].metric("BCE floor (nats)", f"{quick['bce_floor']:.2f}",
                          help="The held-out digits' own entropy: no reconstruction BCE goes lower, "
                               "because the digits are not black and white.")
    # The warning and the metric above read one measurement (``quick["collapse"]``), so they agree.
    warning = quick["collapse"].warning() if quick.get("collapse") is not None else None
    if warning:
        st.warning(warning + " See the KL per dimension chart.")


def model_charts(model, floor: float | None) -> None:
    """The loss curves (with the BCE ``floor``), the β schedule and the KL per latent dimension."""
    ui.plot(figures.loss_curves_figure(model.history_, model.kind, floor=floor), key="train_loss_chart")
    left, right = st.columns(2)
    with left:
        ui.plot(figures.beta_schedule_figure(model.history_), key="train_beta_chart")
    with right:
        ui.plot(figures.kl_per_dim_figure(model.history_), key="train_kl_chart")


def downloads(model) -> None:
    """Buttons that download the model (``.npz``) and its history (``.csv``)."""
    left, right, _ = st.columns([3, 3, 4])  # wide enough for the labels at 1280 px
    # The files are made when a button is pressed, not on every run; pressing one reruns nothing.
    left.download_button("Download this model (.npz)", partial(model_to_bytes, model), file_name="model.npz",
                         mime="application/octet-stream", key="train_download_button", on_click="ignore")
    right.download_button("Download its history (.csv)", partial(exports.history_csv, model.history_),
                          file_name="history.csv", mime="text/csv", key="train_history_button", on_click="ignore")


def snapshot_points(model, labels) -> tuple[np.ndarray, str]:
    """The held-out codes at every snapshot as points to draw, (n_snap, n_test, 2), and the y axis' title.

    2-D codes as they are, more dimensions on their main (PCA) axes, one dimension as a strip
    chart with a row per digit.
    """
    if model.latent_dim == 1:
        return figures.strip_1d(model.latent_snapshots_, labels), "digit (a 1-D code: one row per digit)"
    return figures.project_2d(model.latent_snapshots_), "z₂"


@st.fragment
def _scrubber(points, view, labels, y_title) -> None:
    # A fragment: moving the slider redraws this chart only, not the whole page. The last
    # snapshot is the setting's default: a link names an epoch only when it is another one.
    epoch = page_state.widget(st.select_slider, "Epoch", options=list(view.epochs), value=view.epoch,
                              shown_default=view.epochs[-1], key="train_snapshot",
                              help="Slide through the snapshots taken during training (0 = before).")
    ui.plot(figures.latent_snapshot_figure(points[view.epochs.index(epoch)], labels, epoch,
                                           *figures.axis_range(*points), y_title=y_title),
            key="train_snapshot_chart")


def snapshot_views(session, model, key: str, dataset) -> None:
    """The held-out codes at the model's snapshots: a slider through them, and their animation.

    What is drawn is bounded and coloured by ``snapshots.drawn_snapshots`` (any file the engine
    writes: with or without held-out codes, any latent size); a link's epoch holds for the first
    model shown (``training.snapshot_choice``), every other model opens on its last snapshot.
    """
    drawn = snapshots.drawn_snapshots(model, dataset)
    view, other_model = training.snapshot_choice(session, key, drawn.epochs, page_state.get("train_snapshot"))
    if other_model:
        page_state.put("train_snapshot", None)
    if drawn.note:
        st.caption(drawn.note)
    if view is None:
        return
    if model.latent_dim > 2:
        st.caption(f"The {model.latent_dim}-D codes are drawn on the two main (PCA) axes of the final snapshot.")
    scrub, animate = st.tabs(["Scrub", "Animate"])
    with scrub:
        _scrubber(drawn.points, view, drawn.labels, drawn.y_title)
    with animate:
        ui.plot(figures_once.animation_figure(drawn.points, view.epochs, drawn.labels, drawn.y_title),
                key="train_anim_chart")
