"""The training page's logic without Streamlit: the form, the request queue, the model on view."""

from dataclasses import replace
from types import SimpleNamespace

import pytest

from latent_lab.images.dataset import digits_dataset
from latent_lab.models import cache, continuing, replay
from latent_lab.models import training as session
from latent_lab.models.catalog import build_model, config_of, model_config
from latent_lab.models.limits import LIMITS
from latent_lab.state.settings import SETTINGS


def form(**changes):
    """A session whose form holds the defaults, with ``changes``."""
    values = {f"train_{name}": SETTINGS[f"train_{name}"].default for name, _ in session.FORM_FIELDS}
    values.update({f"train_{name}": value for name, value in changes.items()})
    return values


def test_the_default_form_describes_the_shipped_default_vae():
    assert session.check_form("vae", "fast", session.form_values(form())) == model_config("vae")


def test_submit_queues_one_request_and_taking_it_empties_the_queue():
    state = form(epochs=7, latent_dim=3, seed=5)
    session.submit(state, "ae", "fast")
    assert state["train_error"] is None
    request = session.take_request(state)
    assert request == model_config("ae", latent_dim=3, epochs=7, random_state=5)
    assert session.take_request(state) is None  # an interrupted run does not train again later


@pytest.mark.parametrize(("change", "message"), [
    ({"epochs": 5000}, "Epochs: expected a whole number from 1 to 1000, got 5000"),
    ({"epochs": 2.5}, "Epochs"),
    ({"hidden_size": 100000}, "Hidden size"),
    ({"latent_dim": 0}, "Latent size"),
    ({"learning_rate": 0.0}, "Learning rate"),
    ({"batch_size": 10**9}, "Batch size"),
    ({"beta": -1.0}, "β"),
    ({"optimizer": "lbfgs"}, "Optimizer"),
    ({"epochs": 5, "kl_warmup": 50}, "warm-up"),
])
def test_a_bad_form_is_refused_with_the_field_named_and_nothing_queued(change, message):
    state = form(**change)
    session.submit(state, "vae", "fast")
    assert message in state["train_error"] and "current model is kept" in state["train_error"]
    assert session.take_request(state) is None


def test_the_autoencoder_ignores_the_kl_fields():
    config = session.check_form("ae", "fast", session.form_values(form(beta=-1.0, kl_warmup=10**9)))
    assert config["kind"] == "ae" and "beta" not in config


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_a_recipe_sets_every_setting_it_has(kind):
    blog = session.recipe_values(kind, "blog")
    assert blog["batch_size"] == 1 and blog["optimizer"] == "sgd"
    if kind == "vae":
        assert blog["beta"] == 1.0 and blog["kl_warmup"] == 0  # the post's settings, all of them
    else:
        assert "beta" not in blog
    # Filling the form with a recipe's values describes that recipe's model.
    state = form(**blog)
    assert session.check_form(kind, "blog", session.form_values(state)) == model_config(kind, "blog")


def test_models_on_view_are_remembered_for_the_exploring_pages():
    state = {}
    flat = SimpleNamespace(kind="vae", latent_dim=2)
    deep = SimpleNamespace(kind="vae", latent_dim=5)
    session.show(state, flat, "trained on request", note="trained on request, VAE · latent 2")
    session.show(state, deep, "uploaded file m.npz")
    assert state["train_model"] is deep and state["train_source"] == "uploaded file m.npz"
    assert state["user_models_latest"]["vae"]["model"] is deep
    assert state["user_models_2d"]["vae"]["model"] is flat  # the last one that can be drawn
    assert state["user_models_2d"]["vae"]["source"] == "trained on request, VAE · latent 2"
    session.fail(state, "Could not load x.npz")
    assert state["train_model"] is deep and state["train_error"] == "Could not load x.npz"


def test_snapshot_view_keeps_a_valid_epoch_and_falls_back_to_the_last():
    assert session.snapshot_view([], 5) is None
    view = session.snapshot_view([0, 10, 21], None)
    assert view.epoch == 21 and view.epochs == (0, 10, 21)
    assert session.snapshot_view([0, 10, 21], 10).epoch == 10
    assert session.snapshot_view([0, 10, 21], 11).epoch == 21  # not a snapshot of this model


def test_a_training_too_long_for_the_server_is_refused_with_what_to_change():
    heavy = form(hidden_size=256, latent_dim=16, epochs=1000, batch_size=1, optimizer="sgd",
                 learning_rate=0.003)
    session.submit(heavy, "vae", "blog")
    error = heavy["train_error"]
    assert "minutes of CPU" in error and f"at most {LIMITS.max_training_seconds:.0f} s" in error
    assert "fewer epochs" in error
    assert session.take_request(heavy) is None
    # The post's own recipe, about 40 s, is allowed.
    blog = form(**session.recipe_values("vae", "blog"))
    session.submit(blog, "vae", "blog")
    assert blog["train_error"] is None and session.take_request(blog) is not None


def test_recipes_round_trip_and_refuse_what_the_form_cannot_make():
    config = model_config("vae", "blog", beta=2.0, kl_warmup=50, random_state=9)
    text = session.recipe_of(config)
    assert text == "vae_blog_2_32_2.0_50_300_1_sgd_0.003_9"
    assert session.config_from_recipe(text) == config
    assert session.recipe_of(model_config("ae", hidden_sizes=(32, 16))) is None  # two hidden layers
    with pytest.raises(ValueError, match="epochs"):
        session.config_from_recipe("vae_fast_2_32_1.0_0_5000_128_adam_0.01_0")
    with pytest.raises(ValueError, match="minutes of CPU"):
        session.config_from_recipe("vae_blog_16_256_1.0_0_1000_1_sgd_0.003_0")


class Trainer:
    """Records what it was asked to train; its jobs never end."""

    def __init__(self):
        self.submitted = []

    def submit(self, config, **kwargs):
        self.submitted.append((config, kwargs))
        return SimpleNamespace(active=True, config=config, status="running")


def test_a_links_snapshot_epoch_holds_for_the_first_model_and_no_other():
    state = {}
    view, other = session.snapshot_choice(state, "model A", [0, 10, 20], 10)  # a link asked for 10
    assert (view.epoch, other) == (10, False)
    view, other = session.snapshot_choice(state, "model A", [0, 10, 20], 10)  # the next run
    assert (view.epoch, other) == (10, False)
    view, other = session.snapshot_choice(state, "model B", [0, 10, 30], 10)  # a new model: its last
    assert (view.epoch, other) == (30, True)
    assert session.snapshot_choice(state, "model B", [0, 10, 30], 10)[0].epoch == 10  # chosen on B now


def test_the_settings_fold_while_a_model_trains_and_stay_folded_after_it():
    state = {}
    assert session.settings_open(state, busy=False) and not session.settings_open(state, busy=True)
    trainer = Trainer()
    session.start(state, trainer, model_config("vae", epochs=3))
    assert not session.settings_open(state, busy=False)  # its results come first
    assert state["train_job"].config["epochs"] == 3 and len(trainer.submitted) == 1


def test_train_takes_the_cached_model_only_when_its_config_reproduces_the_result():
    config = model_config("vae")  # shipped: cached from the start
    state, trainer = {}, Trainer()
    session.train(state, trainer, config)
    assert not trainer.submitted and "train_job" not in state
    assert state["train_model"].get_params()["epochs"] == config["epochs"]
    shipped = state["train_model"]
    # The same config continued from other weights is another model: trained, never taken from the cache.
    session.train(state, trainer, config, base=shipped, extra_epochs=1, cacheable=False)
    assert len(trainer.submitted) == 1 and trainer.submitted[0][1]["cacheable"] is False


def test_the_form_is_trained_as_submitted_or_refused_with_nothing_started():
    state, trainer = {**form(epochs=7, seed=11), "train_kind": "vae", "train_recipe": "fast"}, Trainer()
    session.train_form(state, trainer)
    assert trainer.submitted[0][0] == model_config("vae", epochs=7, random_state=11)
    refused = {**form(epochs=5000), "train_kind": "vae", "train_recipe": "fast"}
    session.train_form(refused, trainer)
    assert "Epochs" in refused["train_error"] and len(trainer.submitted) == 1


def test_limits_are_checked_on_the_data_a_model_trains_on():
    heavy = model_config("vae", "blog", hidden_sizes=(256,), latent_dim=16, epochs=1000)
    state = {}
    assert not session.within_limits(state, heavy, digits_dataset())
    assert "minutes of CPU" in state["train_error"] and "current model is kept" in state["train_error"]
    assert session.within_limits({}, model_config("vae"), digits_dataset())


def test_the_progress_line_says_waiting_or_the_epoch_and_the_latest_losses():
    progress = SimpleNamespace(epoch=3, epochs=10, seconds=1.25,
                               history={"train_loss": [9.0, 8.0], "val_loss": [9.5, 8.5]})
    assert session.progress_text(progress, "queued").startswith("waiting for a free trainer")
    assert session.progress_text(progress, "running") == "epoch 3/10 · 1.2 s · train loss 8 · held-out 8.5"
    assert session.progress_text(SimpleNamespace(epoch=0, epochs=10, seconds=0.0, history={}),
                                 "running") == "epoch 0/10 · 0.0 s"


def test_held_out_colours_follow_the_labels_or_are_one_colour_without():
    digits = digits_dataset()
    colours = session.held_out_colours(digits)
    assert len(colours) == len(digits.split.X_test) and set(colours) == set(range(10))
    unlabelled = replace(digits, y_all=None, split=digits.split._replace(y_train=None, y_test=None))
    assert not session.held_out_colours(unlabelled).any()


# ----------------------------------------------------------------------------- training at a pace
@pytest.fixture
def clock(monkeypatch):
    """The replays' clock, set by hand: ``clock[0]`` is now."""
    now = [1000.0]
    monkeypatch.setattr(replay, "now", lambda: now[0])
    return now


@pytest.fixture(scope="module")
def runs():
    """A 12-epoch VAE (the run replayed) and the same config's first 5 epochs, trained here."""
    split = digits_dataset().split
    full, first = (build_model(model_config("vae", epochs=e, kl_warmup=4, random_state=43)).fit(
        split.X_train, split.X_test) for e in (12, 5))
    return full, first


def test_train_at_a_pace_replays_even_a_model_trained_before(clock):
    state, trainer = {**form(), "train_kind": "vae", "train_recipe": "fast"}, Trainer()
    session.train_form(state, trainer, pace=30)  # the shipped default: no training needed
    run = session.replaying(state)
    assert not trainer.submitted and run.model is state["train_model"] and (run.first, run.pace) == (0, 30)
    assert session.watched(state) == (run, digits_dataset())
    clock[0] += 10.0  # 300 epochs at 30 per second
    assert session.replaying(state) is None and "train_replay" not in state  # ended: its model on view
    session.train_form(state, trainer, pace=0)  # "as it trains": shown at once
    assert "train_replay" not in state


def job_that_ended(model, status="done", seconds=0.4):
    return SimpleNamespace(active=False, status=status, model=model, config=config_of(model),
                           message="Stopped after epoch 5 of 12." if status == "stopped" else "",
                           progress=lambda: SimpleNamespace(seconds=seconds))


@pytest.mark.parametrize(("status", "seconds", "replayed"), [
    ("done", 0.1, True),  # faster than the replay: replayed
    ("done", 5.0, False),  # 12 epochs at 10/s take 1.2 s: it was watched live
    ("stopped", 0.1, False),  # stopped while it trained live: shown as it is
])
def test_a_job_that_ends_is_replayed_when_it_trained_faster_than_the_pace(runs, clock, status, seconds, replayed):
    full, _ = runs
    state, trainer = {}, Trainer()
    session.start(state, trainer, config_of(full), pace=10)
    state["train_job"] = job_that_ended(full, status, seconds)
    session.collect(state)
    assert state["train_model"] is full
    assert (session.replaying(state) is not None) is replayed


def test_stop_during_a_replay_shows_the_model_of_the_epoch_reached_and_continue_resumes(runs, clock):
    full, first = runs
    state, trainer = {}, Trainer()
    session.show(state, full, "trained on request")
    session.begin_replay(state, full, 10, 0, dataset=digits_dataset())
    clock[0] += 0.57  # epoch 5
    session.stop_replay(state, trainer)
    assert "train_replay" not in state
    (config, _), = trainer.submitted  # not cached: trained (a fast job)
    assert config == {**config_of(full), "epochs": 5}
    assert state["train_job_watch"][0] == 0  # the model of the epoch reached is shown, not replayed
    assert state["train_note"].startswith("Stopped at epoch 5 of 12.")
    assert state["train_job_note"] == "stopped at epoch 5 of 12"
    # The job gives the 5-epoch model; Continue now resumes the run: to epoch 12, replayed from 5.
    session.show(state, first, "stopped at epoch 5 of 12")
    assert continuing.resumes_to(state) == 12 and continuing.go_on_label(state, 50) == "Continue to epoch 12"
    cache.store(config_of(full), full)
    continuing.go_on(state, trainer, 50, pace=10)
    assert len(trainer.submitted) == 1 and state["train_model"] is full  # the run's own model
    resumed = session.replaying(state)
    assert (resumed.first, resumed.epoch_at(clock[0] + 0.3)) == (5, 8)
    assert continuing.go_on_label(state, 50) == "Continue +50"  # at the run's end: adds epochs again


def test_stop_at_the_start_shows_one_epoch_and_a_run_no_config_reproduces_shows_its_end(runs, clock):
    full, _ = runs
    state, trainer = {}, Trainer()
    session.begin_replay(state, full, 10, 0, dataset=digits_dataset())
    session.stop_replay(state, trainer)  # at once: epoch 0 is no model
    assert trainer.submitted[0][0]["epochs"] == 1
    loaded = {}
    session.begin_replay(loaded, full, 10, 0, exact=False, dataset=digits_dataset())
    clock[0] += 0.5
    session.stop_replay(loaded, trainer)
    assert len(trainer.submitted) == 1 and "train_paused" not in loaded
    assert "Stopped watching at epoch 5 of 12" in loaded["train_note"]


def test_a_new_pace_carries_the_replay_on_from_its_epoch_and_as_it_trains_ends_it(runs, clock):
    full, _ = runs
    state = {}
    session.begin_replay(state, full, 10, 0, dataset=digits_dataset())
    clock[0] += 0.3
    state["train_pace"] = 100
    session.re_pace(state)
    run = session.replaying(state)
    assert (run.first, run.pace, run.epoch_at(clock[0] + 0.05)) == (3, 100, 8)
    state["train_pace"] = 0
    session.re_pace(state)
    assert session.replaying(state) is None
    # A job on its way is replayed at the pace of its end (here: as it trains, not replayed).
    session.start(state, Trainer(), config_of(full), pace=30)
    session.re_pace(state)
    state["train_job"] = job_that_ended(full, seconds=0.01)
    session.collect(state)
    assert session.replaying(state) is None
