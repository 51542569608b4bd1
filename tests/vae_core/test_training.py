"""Training behaviour: quality against the blog and PCA, determinism, divergence, schedules."""

import numpy as np
import pytest
from threadpoolctl import ThreadpoolController, threadpool_limits

from vae_core import VAE, Autoencoder, TrainingDivergedError, make_model, pca_reconstruction_mse
from vae_core.layers import Dense
from vae_core.optimizers import OPTIMIZERS, SGD, Adam, make_optimizer
from vae_core.threads import BLAS_THREADS
from vae_core.training import HISTORY_KEYS


@pytest.fixture(scope="module")
def fast_vae(digits):
    return make_model("vae").fit(digits.X_train, digits.X_test)


@pytest.fixture(scope="module")
def fast_ae(digits):
    return make_model("ae").fit(digits.X_train, digits.X_test)


def test_fast_vae_beats_the_blogs_printed_loss_without_collapsing(fast_vae, digits):
    train, test = fast_vae.evaluate(digits.X_train), fast_vae.evaluate(digits.X_test)
    assert train["loss"] <= 24.8  # the post's printed final loss (epoch 250)
    assert test["loss"] <= 25.5
    assert test["kl"] > 1.0  # the latent code carries information: no posterior collapse
    assert min(test["kl_per_dim"]) > 0.3  # ...in both latent dimensions
    assert fast_vae.history_["train_loss"][-1] <= 24.8


def test_fast_autoencoder_beats_two_component_pca(fast_ae, digits):
    pca = pca_reconstruction_mse(digits.X_train, digits.X_test, n_components=2)
    held_out = fast_ae.evaluate(digits.X_test)["loss"]
    assert held_out < pca
    assert held_out < 0.045


def test_losses_fall_during_training(fast_vae, fast_ae):
    for model in (fast_vae, fast_ae):
        history = model.history_
        assert history["val_loss"][-1] < 0.8 * history["val_loss"][0]
        assert history["train_loss"][-1] < history["train_loss"][0]


def test_history_has_one_entry_per_epoch(fast_vae):
    history = fast_vae.history_
    assert set(history) == set(HISTORY_KEYS)
    for key in HISTORY_KEYS:
        assert len(history[key]) == fast_vae.epochs, key
    np.testing.assert_allclose(np.sum(history["val_kl_per_dim"], axis=1), history["val_kl"])
    np.testing.assert_allclose(np.array(history["train_recon"]) + history["train_kl"], history["train_loss"])
    assert np.all(np.diff(history["seconds"]) > 0)


def test_latent_snapshots_track_training(fast_vae, digits):
    epochs, snapshots = fast_vae.snapshot_epochs_, fast_vae.latent_snapshots_
    assert epochs[0] == 0 and epochs[-1] == fast_vae.epochs
    assert snapshots.shape == (len(epochs), digits.X_test.shape[0], 2)
    np.testing.assert_array_equal(snapshots[-1], fast_vae.encode(digits.X_test))
    assert not np.allclose(snapshots[0], snapshots[-1])


def test_training_and_inference_run_blas_on_the_same_threads(digits, monkeypatch):
    # Whatever the pool's size before (two threads here, as on any multi-core machine), every
    # matrix product of the engine runs on BLAS_THREADS, in fit and after it.
    blas = ThreadpoolController().select(user_api="blas")
    seen, phase = {}, ["fit"]
    real_forward = Dense.forward

    def forward(layer, x):
        seen.setdefault(phase[0], set()).update(info["num_threads"] for info in blas.info())
        return real_forward(layer, x)

    monkeypatch.setattr(Dense, "forward", forward)
    with threadpool_limits(limits=2, user_api="blas"):
        model = make_model("vae", epochs=2, n_snapshots=2).fit(digits.X_train, digits.X_test)
        phase[0] = "inference"
        model.encode(digits.X_test)
        model.decode(np.zeros((1, 2)))
        model.evaluate(digits.X_test)
        model.sample(3)
        model.reconstruct(digits.X_test[:3])
    assert seen == {"fit": {BLAS_THREADS}, "inference": {BLAS_THREADS}}


def test_same_seed_and_config_give_bitwise_identical_weights_and_history(digits):
    runs = [make_model("vae", epochs=15, random_state=4).fit(digits.X_train, digits.X_test) for _ in range(2)]
    np.testing.assert_array_equal(runs[0].flat_params_, runs[1].flat_params_)
    for key in HISTORY_KEYS:
        if key != "seconds":
            assert runs[0].history_[key] == runs[1].history_[key], key
    np.testing.assert_array_equal(runs[0].latent_snapshots_, runs[1].latent_snapshots_)
    other = make_model("vae", epochs=15, random_state=5).fit(digits.X_train, digits.X_test)
    assert not np.array_equal(other.flat_params_, runs[0].flat_params_)


def test_kl_warmup_ramps_beta_linearly_from_zero(digits):
    model = make_model("vae", beta=2.0, kl_warmup=4, epochs=6).fit(digits.X_train, digits.X_test)
    assert model.history_["beta"] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.0]
    assert [VAE(beta=1.0, kl_warmup=0).beta_at(e) for e in (1, 50)] == [1.0, 1.0]
    assert [Autoencoder().beta_at(e) for e in (1, 50)] == [0.0, 0.0]  # no KL term, no KL weight


def test_beta_zero_lets_kl_grow_and_large_beta_collapses_it(digits):
    free = make_model("vae", beta=0.0, epochs=60).fit(digits.X_train, digits.X_test)
    squeezed = make_model("vae", beta=8.0, epochs=60).fit(digits.X_train, digits.X_test)
    assert free.history_["val_kl"][-1] > 3 * squeezed.history_["val_kl"][-1]
    assert squeezed.history_["val_kl"][-1] < 1.0


def test_callback_reports_every_epoch(digits):
    seen = []
    make_model("vae", epochs=3).fit(digits.X_train, digits.X_test, callback=seen.append)
    assert [info["epoch"] for info in seen] == [1, 2, 3]
    assert set(seen[0]) == {"epoch", "epochs", "train_loss", "val_loss", "beta", "history", "model"}
    assert all(np.isfinite(info["val_loss"]) for info in seen)


@pytest.mark.parametrize(
    ("recipe", "overrides"),
    [
        ("blog", {"learning_rate": 3.0}),  # 1000x the post's 0.003, per-sample SGD
        ("fast", {"optimizer": "sgd", "learning_rate": 5.0, "batch_size": 16}),
    ],
    ids=["blog", "fast"],
)
def test_a_learning_rate_far_too_large_diverges_at_once_and_keeps_the_initial_weights(digits, recipe, overrides):
    model = make_model("vae", recipe, epochs=50, **overrides)
    with pytest.raises(TrainingDivergedError, match="diverged in epoch 1: the loss became NaN") as info:
        model.fit(digits.X_train, digits.X_test)
    assert "weights of epoch 0" in str(info.value) and "learning rate" in str(info.value)
    assert info.value.result.history is model.history_
    assert model.history_["epoch"] == [] and model.history_["val_loss"] == []
    np.testing.assert_array_equal(model.snapshot_epochs_, [0])
    assert np.all(np.isfinite(model.flat_params_))
    # The weights are the initial ones again: they encode exactly as the snapshot before training.
    np.testing.assert_array_equal(model.encode(digits.X_test), model.latent_snapshots_[0])


def test_an_exploding_objective_stops_training_and_keeps_the_last_sane_epoch(digits):
    # Three sane epochs, then the output bias is knocked to +1000 (every pixel predicted white
    # with certainty): epoch 4's loss stays finite but runs to thousands of nats, far past
    # DIVERGENCE_FACTOR times the best epoch.
    model = make_model("vae", epochs=10, n_snapshots=11)

    def knock_off_course(info):
        if info["epoch"] == 3:
            model.layers_["dec2"].params["b"][:] = 1000.0

    with pytest.raises(TrainingDivergedError, match="diverged in epoch 4: the training objective exploded") as info:
        model.fit(digits.X_train, digits.X_test, callback=knock_off_course)
    assert "weights of epoch 3" in str(info.value)
    assert model.history_["epoch"] == [1, 2, 3]
    np.testing.assert_array_equal(model.snapshot_epochs_, [0, 1, 2, 3])
    # Back to the weights of epoch 3 (before the knock): its snapshot and its held-out score.
    np.testing.assert_array_equal(model.encode(digits.X_test), model.latent_snapshots_[-1])
    assert model.evaluate(digits.X_test)["loss"] == model.history_["val_loss"][-1]


def test_held_out_data_is_scored_and_snapshotted_but_never_trained_on(digits):
    # Two different sets of the same size, so swapping them cannot hide behind a shape.
    X_train, X_val = digits.X_train[:700], digits.X_train[700:1400]
    model = make_model("vae", epochs=5).fit(X_train, X_val)
    scores = model.evaluate(X_val)
    assert model.history_["val_loss"][-1] == scores["loss"]
    assert model.history_["val_kl_per_dim"][-1] == scores["kl_per_dim"]
    np.testing.assert_array_equal(model.latent_snapshots_[-1], model.encode(X_val))
    # Another held-out set changes what is reported, not what is learned.
    other = make_model("vae", epochs=5).fit(X_train, digits.X_test)
    np.testing.assert_array_equal(other.flat_params_, model.flat_params_)
    assert other.history_["train_loss"] == model.history_["train_loss"]


def test_training_without_held_out_data(digits):
    model = make_model("ae", epochs=2).fit(digits.X_train[:200])
    assert model.history_["val_loss"] == []
    assert model.latent_snapshots_.shape[1] == 200


def test_sgd_step_matches_the_momentum_formula():
    params, grads = np.array([1.0, -2.0, 3.0]), np.array([0.5, 4.0, -3.0])
    optimizer = SGD(params, grads, learning_rate=0.1, momentum=0.9, clip_value=1.0)
    optimizer.step()
    optimizer.step()
    clipped = np.array([0.5, 1.0, -1.0])
    v1 = -0.1 * clipped
    v2 = 0.9 * v1 - 0.1 * clipped
    np.testing.assert_allclose(params, np.array([1.0, -2.0, 3.0]) + v1 + v2)


def test_adam_steps_match_the_papers_algorithm():
    start = np.array([0.5, -1.5])
    params, grads = start.copy(), np.zeros(2)
    optimizer = Adam(params, grads, learning_rate=0.01)
    m = v = np.zeros(2)
    expected = start.copy()
    for t, g in enumerate([np.array([0.2, -3.0]), np.array([-0.1, 1.0])], start=1):
        grads[:] = g
        optimizer.step()
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g**2
        expected = expected - 0.01 * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    np.testing.assert_allclose(params, expected, rtol=1e-12)


def test_make_optimizer_builds_from_its_table(monkeypatch):
    params, grads = np.zeros(3), np.zeros(3)
    sgd = make_optimizer("sgd", params, grads, 0.1, momentum=0.5, clip_value=2.0)
    assert (type(sgd), sgd.learning_rate, sgd.momentum, sgd.clip_value) == (SGD, 0.1, 0.5, 2.0)
    adam = make_optimizer("adam", params, grads, 0.01, momentum=0.5)  # momentum is SGD's only
    assert (type(adam), adam.learning_rate, adam.beta1) == (Adam, 0.01, 0.9)

    class Plain(SGD):
        def __init__(self, params, grads, learning_rate=0.01, clip_value=None):
            super().__init__(params, grads, learning_rate, momentum=0.0, clip_value=clip_value)

    monkeypatch.setitem(OPTIMIZERS, "plain", Plain)
    assert type(make_optimizer("plain", params, grads, 0.1, momentum=0.9)) is Plain


def test_unknown_optimizer_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"\['adam', 'sgd'\]"):
        make_optimizer("rmsprop", np.zeros(1), np.zeros(1), 0.1)


# ----------------------------------------------------------------------------- stop, continue, copy
def _fast(kind="vae", **overrides):
    return make_model(kind, epochs=overrides.pop("epochs", 30), n_snapshots=6, **overrides)


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_continuing_gives_the_weights_of_one_longer_run(digits, kind):
    # Within one process only: the claim is about the training state, not about CPUs.
    straight = _fast(kind, epochs=50).fit(digits.X_train, digits.X_test)
    resumed = _fast(kind, epochs=30).fit(digits.X_train, digits.X_test)
    resumed.fit_more(digits.X_train, digits.X_test, epochs=20)
    np.testing.assert_array_equal(resumed.flat_params_, straight.flat_params_)
    assert resumed.history_["val_loss"] == straight.history_["val_loss"]
    assert resumed.epochs == 50 and resumed.get_params() == straight.get_params()
    assert resumed.snapshot_epochs_[0] == 0 and resumed.snapshot_epochs_[-1] == 50
    assert len(resumed.snapshot_epochs_) <= len(straight.snapshot_epochs_)


def test_a_callback_can_stop_training_and_the_model_keeps_what_it_learned(digits):
    seen = []

    def stop_at_7(info):
        seen.append(info["epoch"])
        assert info["history"]["epoch"][-1] == info["epoch"] and info["model"] is model
        return info["epoch"] < 7

    model = _fast(epochs=40)
    model.fit(digits.X_train, digits.X_test, callback=stop_at_7)
    assert seen == list(range(1, 8)) and len(model.history_["epoch"]) == 7
    assert model.epochs == 7 and model.snapshot_epochs_[-1] == 7
    # The config it reports now reproduces it: stopping at 7 is training for 7.
    again = make_model("vae", **{k: v for k, v in model.get_params().items()}).fit(digits.X_train, digits.X_test)
    np.testing.assert_array_equal(again.flat_params_, model.flat_params_)


def test_a_copy_is_independent_and_continues_like_the_original(digits):
    model = _fast(epochs=10).fit(digits.X_train, digits.X_test)
    twin = model.copy()
    np.testing.assert_array_equal(twin.decode(np.zeros((1, 2))), model.decode(np.zeros((1, 2))))
    twin.fit_more(digits.X_train, digits.X_test, epochs=5)
    assert model.epochs == 10 and len(model.history_["epoch"]) == 10  # the original is untouched
    model.fit_more(digits.X_train, digits.X_test, epochs=5)
    np.testing.assert_array_equal(twin.flat_params_, model.flat_params_)


def test_a_loaded_model_continues_from_its_weights(digits, tmp_path):
    from vae_core import load_model, save_model

    model = _fast(epochs=8).fit(digits.X_train, digits.X_test)
    save_model(model, tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    before = loaded.evaluate(digits.X_test)["loss"]
    loaded.fit_more(digits.X_train, digits.X_test, epochs=12)
    assert loaded.epochs == 20 and loaded.history_["epoch"] == list(range(1, 21))
    assert loaded.evaluate(digits.X_test)["loss"] < before


def test_a_loaded_model_continues_without_held_out_data(digits, tmp_path):
    # Its snapshots encode the held-out set it was trained with; continuing on the training images
    # alone snapshots those instead, as a new series from the epoch it was loaded at.
    from vae_core import load_model, save_model

    save_model(_fast(epochs=8).fit(digits.X_train, digits.X_test), tmp_path / "m.npz")
    loaded = load_model(tmp_path / "m.npz")
    loaded.fit_more(digits.X_train, epochs=3)
    assert loaded.epochs == 11 and not loaded.history_["val_loss"][8:]
    epochs = loaded.snapshot_epochs_.tolist()
    assert epochs[0] == 8 and epochs[-1] == 11
    assert loaded.latent_snapshots_.shape == (len(epochs), len(digits.X_train), 2)
