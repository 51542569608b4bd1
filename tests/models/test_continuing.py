"""Continue and Step: each model is trained further in the one way that gives what the page says."""

import numpy as np
import pytest

from latent_lab.images.dataset import digits_dataset
from latent_lab.models import cache, continuing
from latent_lab.models.catalog import build_model, config_of, model_config
from vae_core import load_model, model_to_bytes


class Trainer:
    """Records what it was asked to train."""

    def __init__(self):
        self.submitted = []

    def submit(self, config, **kwargs):
        self.submitted.append((config, kwargs))
        return None


@pytest.fixture(scope="module")
def trained():
    """A small VAE trained in this process, and the same model read back from its file."""
    split = digits_dataset().split
    model = build_model(model_config("vae", epochs=3, random_state=41)).fit(split.X_train, split.X_test)
    return model, load_model(model_to_bytes(model))


def test_a_model_trained_here_continues_exactly_and_is_cached_as_the_longer_run(trained):
    model, _ = trained
    assert model.continues_exactly
    step = continuing.plan(model, "trained on request", 5)
    assert step.base is model and step.extra_epochs == 5 and step.cacheable
    assert step.config == {**config_of(model), "epochs": 8}


def test_a_shipped_model_is_replaced_by_the_longer_run_from_the_start(trained):
    _, loaded = trained
    assert not loaded.continues_exactly  # no optimizer state in a file
    step = continuing.plan(loaded, "shipped default", 5)
    assert step.base is None and step.cacheable and step.config["epochs"] == 8


@pytest.mark.parametrize("which", [0, 1])
def test_a_model_from_a_file_continues_from_its_weights_and_is_never_cached(trained, which):
    # Loaded (no optimizer state), or already continued here from a loaded one (it has a run of
    # its own now, which still does not make its config reproduce it).
    model = trained[which]
    step = continuing.plan(model, "uploaded file m.npz", 5)
    assert step.base is model and not step.cacheable and step.note == "uploaded file m.npz, 5 more epochs"


def test_continuing_a_file_trains_even_when_its_longer_config_is_cached(trained):
    _, loaded = trained
    longer = {**config_of(loaded), "epochs": 8}
    cache.store(longer, loaded)  # a model is cached under that config
    state = {"train_model": loaded, "train_source": "uploaded file m.npz"}
    trainer = Trainer()
    continuing.more(state, trainer, 5)
    assert state["train_model"] is loaded and len(trainer.submitted) == 1
    config, kwargs = trainer.submitted[0]
    assert config == longer and kwargs["base"] is loaded and kwargs["cacheable"] is False


def test_continuing_beyond_the_limits_is_refused_and_keeps_the_model(trained):
    model, _ = trained
    state = {"train_model": model, "train_source": "trained on request"}
    trainer = Trainer()
    continuing.more(state, trainer, 10**6)
    assert "Not trained" in state["train_error"] and not trainer.submitted and state["train_model"] is model
    assert np.isfinite(model.history_["train_loss"]).all()


def test_a_model_is_known_by_its_content_not_by_its_object(trained):
    model, loaded = trained
    assert cache.model_key(model) == cache.model_key(loaded) == cache.model_key(model.copy())
    split = digits_dataset().split
    longer = model.copy().fit_more(split.X_train, split.X_test, epochs=1)
    assert cache.model_key(longer) != cache.model_key(model)
    assert cache.model_key(model) != cache.model_key(build_model({**config_of(model), "random_state": 42})
                                                     .fit(split.X_train, split.X_test))
