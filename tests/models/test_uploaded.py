"""Files a visitor brings: a model file or images are used, or refused with nothing else changed."""

from types import SimpleNamespace

from latent_lab.models import cache, catalog, uploaded
from vae_core import model_to_bytes


def upload(name, data):
    return SimpleNamespace(name=name, getvalue=lambda: data)


def test_a_model_file_is_put_on_view_and_junk_is_refused_by_name():
    state = {"train_model": "the model on view", "train_source": "shipped default"}
    uploaded.model_file(state, upload("junk.npz", b"not a model"))
    assert state["train_model"] == "the model on view"
    error = state["train_error"]
    assert error.startswith("Could not load junk.npz") and "current model is kept" in error
    ae = cache.get_model(catalog.shipped_configs()["ae_default"])
    uploaded.model_file(state, upload("ae.npz", model_to_bytes(ae)))
    assert state["train_error"] is None and state["train_source"] == "uploaded file ae.npz"
    assert state["train_model"].kind == "ae" and state["user_models_latest"]["ae"]["model"] is state["train_model"]


def test_images_are_trained_on_from_now_on_or_refused_with_nothing_changed():
    state = {}
    uploaded.image_files(state, [upload("bad.csv", b"1,2,3,4\n1,2,3\n" * 40)])
    assert "Could not use that data" in state["train_error"] and "dataset" not in state
    rows = "\n".join(",".join(str((i * 7 + j) % 17) for j in range(16)) for i in range(60))
    uploaded.image_files(state, [upload("mine.csv", rows.encode())])
    assert state["train_error"] is None and state["dataset"].n_pixels == 16
    assert state["train_note"].startswith("Loaded your 60 images of 4×4")
    uploaded.back_to_digits(state)
    assert "dataset" not in state
