"""Training at a human pace: the replay's clock and frames (time injected), and the engine property
that lets Stop during a replay show the model of the epoch reached."""

import numpy as np
import pytest

from latent_lab.images.dataset import digits_dataset
from latent_lab.models import replay
from latent_lab.models.catalog import build_model, config_of, model_config


def fit(kind="vae", callback=None, **params):
    split = digits_dataset().split
    return build_model(model_config(kind, **params)).fit(split.X_train, split.X_test, callback=callback)


@pytest.fixture(scope="module")
def run():
    """A VAE of 40 epochs with a KL warm-up: the run a replay shows."""
    return fit(epochs=40, kl_warmup=10, batch_size=64, random_state=13)


# ----------------------------------------------------------------------------- the engine
@pytest.mark.parametrize(("kind", "params"), [
    ("vae", {"kl_warmup": 10, "batch_size": 64}),  # the warm-up ramps β over epochs 1-10
    ("ae", {"batch_size": 50}),  # the last batch of every epoch is smaller
    ("vae", {"optimizer": "sgd", "learning_rate": 0.05, "batch_size": 100}),  # momentum state
])
def test_a_run_of_k_epochs_is_the_first_k_epochs_of_a_longer_run(kind, params):
    # Stop at epoch k of a replay shows the model of the same config with epochs=k: it must be the
    # model the replay showed at k. So the epochs a run is given must change nothing before them:
    # not the initial weights, the batches (the random stream), the noise, the β schedule, the
    # optimizer's state, nor the latent snapshots (encoding draws nothing from the stream).
    k, n = 7, 19  # with 5 snapshots each: at epochs 0, 2, 4, 5, 7 and 0, 5, 10, 14, 19
    at_k = {}

    def keep(info):
        if info["epoch"] == k:
            at_k["weights"] = info["model"].flat_params_.copy()

    longer = fit(kind, callback=keep, epochs=n, random_state=5, n_snapshots=5, **params)
    short = fit(kind, epochs=k, random_state=5, n_snapshots=5, **params)
    np.testing.assert_allclose(short.flat_params_, at_k["weights"], rtol=1e-12, atol=1e-12)
    for key, values in short.history_.items():
        if key != "seconds":
            np.testing.assert_allclose(np.asarray(values, dtype=float),
                                       np.asarray(longer.history_[key][:k], dtype=float),
                                       rtol=1e-12, atol=1e-12, err_msg=key)
    # The snapshot both runs take at epoch 5 holds the same codes.
    assert list(short.snapshot_epochs_) == [0, 2, 4, 5, 7] and list(longer.snapshot_epochs_) == [0, 5, 10, 14, 19]
    np.testing.assert_allclose(short.latent_snapshots_[3], longer.latent_snapshots_[1], rtol=1e-12, atol=1e-12)
    assert config_of(short) == {**config_of(longer), "epochs": k}


# ----------------------------------------------------------------------------- the clock
def test_the_replay_advances_at_its_pace_from_its_first_epoch_and_stops_at_the_last(run):
    r = replay.Replay(run, first=0, pace=10, started=100.0)
    assert [r.epoch_at(t) for t in (99.0, 100.0, 100.09, 100.1, 100.55, 102.0, 103.99, 104.0, 500.0)] == \
        [0, 0, 0, 1, 5, 20, 39, 40, 40]
    assert not r.ended(103.99) and r.ended(104.0)
    later = replay.Replay(run, first=25, pace=30, started=0.0)  # a continuation: epochs 26-40 are new
    assert later.epoch_at(0.0) == 25 and later.epoch_at(0.5) == 40 and later.ended(0.5)
    assert replay.Replay(run, first=99, pace=10, started=0.0).first == 40  # never past the run


def test_a_frame_shows_the_losses_so_far_and_the_latest_snapshot(run):
    r = replay.Replay(run, first=0, pace=10, started=0.0)
    epochs = [int(e) for e in run.snapshot_epochs_]
    frame = r.frame(1.75)  # epoch 17
    assert frame.status == replay.REPLAYING and (frame.epoch, frame.epochs) == (17, 40)
    assert frame.history["epoch"] == list(range(1, 18))
    assert frame.history["val_loss"] == run.history_["val_loss"][:17]
    assert frame.history["train_kl_per_dim"] == run.history_["train_kl_per_dim"][:17]
    for epoch in range(41):  # the map on view: the latest snapshot, never one still to come
        shown = r.frame(epoch / 10 + 0.01)
        assert shown.snapshot_epoch == max(e for e in epochs if e <= epoch) == epochs[shown.snapshot]
    assert set(range(41)) - set(epochs), "some epochs have no snapshot of their own"
    start = r.frame(0.0)
    assert start.epoch == 0 and start.history["epoch"] == [] and start.snapshot_epoch == 0
    end = r.frame(60.0)
    assert end.status == replay.ENDED and end.history == run.history_ and end.snapshot == len(epochs) - 1


def test_a_watched_run_at_the_default_pace_draws_many_distinct_maps():
    # The page redraws every 0.3 s; at 30 epochs per second the default run (300 epochs, 30
    # snapshots) lasts 10 s and its map changes on most redraws.
    model = build_model(model_config("vae"))
    model.epochs = 300
    model.snapshot_epochs_ = replay_snapshots = np.unique(np.linspace(0, 300, 30).round().astype(int))
    model.history_ = {"epoch": list(range(1, 301))}
    r = replay.Replay(model, first=0, pace=30, started=0.0)
    ticks = np.arange(0, 10.3, 0.3)
    shown = [r.frame(t).snapshot_epoch for t in ticks]
    assert len(set(shown)) >= 25 and shown[-1] == replay_snapshots[-1] and shown == sorted(shown)


def test_a_new_pace_goes_on_from_the_epoch_reached_and_stop_freezes_it(run):
    r = replay.Replay(run, first=0, pace=10, started=0.0)
    faster = r.repaced(100, 1.5)  # epoch 15, then 100 epochs per second
    assert faster.epoch_at(1.5) == 15 and faster.epoch_at(1.6) == 25 and faster.epoch_at(1.75) == 40
    assert r.stop(2.0) == 20 and r.epoch_at(9.0) == 20 and r.ended(2.0)
    assert r.stop(3.0) == 20  # stopped once
    skipped = replay.Replay(run, first=0, pace=10, started=0.0)
    skipped.skip()
    assert skipped.ended(0.0) and skipped.frame(0.0).epoch == 40


@pytest.mark.parametrize(("first", "last", "pace", "seconds", "replayed"), [
    (0, 300, 30, None, True),  # trained earlier (cached, shipped): nobody saw it form
    (0, 300, 30, 0.5, True),  # trained in half a second
    (0, 300, 30, 12.0, False),  # trained slower than the pace: watched live
    (0, 300, 0, None, False),  # "as it trains"
    (299, 300, 30, None, False),  # a Step: one epoch, nothing to watch
    (100, 102, 30, None, True),
])
def test_what_is_worth_replaying(first, last, pace, seconds, replayed):
    assert replay.worth_replaying(first, last, pace, seconds) is replayed
