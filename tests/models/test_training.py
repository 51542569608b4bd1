"""The training page's logic without Streamlit: the form, the request queue, the model on view."""

from types import SimpleNamespace

import pytest

from latent_lab.models import training as session
from latent_lab.models.catalog import model_config
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
    assert "minutes of CPU" in error and "at most 60 s" in error and "fewer epochs" in error
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
