"""Save / load: exact round trips, and clear errors for anything that is not our model file."""

import io
import json
import zipfile

import numpy as np
import pytest

from vae_core import FORMAT_VERSION, ModelFileError, load_model, make_model, model_to_bytes, save_model


@pytest.fixture(scope="module", params=["ae", "vae"])
def fitted(request, digits):
    return make_model(request.param, epochs=4, hidden_sizes=(16, 8)).fit(digits.X_train, digits.X_test)


def _rewrite(data, change):
    """Load an archive's arrays, let ``change`` edit the dict, and save it again."""
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files}
    change(arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_round_trip_is_exact(fitted, digits, tmp_path):
    path = tmp_path / "model.npz"
    save_model(fitted, path)
    loaded = load_model(path)
    assert type(loaded) is type(fitted)
    assert loaded.get_params() == fitted.get_params()
    for name, value in fitted.parameters().items():
        np.testing.assert_array_equal(loaded.parameters()[name], value)
        assert loaded.parameters()[name].dtype == value.dtype
    assert loaded.history_ == fitted.history_
    np.testing.assert_array_equal(loaded.latent_snapshots_, fitted.latent_snapshots_)
    np.testing.assert_array_equal(loaded.snapshot_epochs_, fitted.snapshot_epochs_)
    np.testing.assert_array_equal(loaded.reconstruct(digits.X_test), fitted.reconstruct(digits.X_test))
    assert loaded.evaluate(digits.X_test) == fitted.evaluate(digits.X_test)


def test_bytes_and_file_objects_load_too(fitted):
    data = model_to_bytes(fitted)
    assert load_model(data).get_params() == fitted.get_params()
    assert load_model(io.BytesIO(data)).get_params() == fitted.get_params()


def test_file_has_no_pickled_objects(fitted):
    with np.load(io.BytesIO(model_to_bytes(fitted)), allow_pickle=False) as archive:
        assert int(archive["format_version"]) == FORMAT_VERSION
        assert all(archive[key].dtype != object for key in archive.files)


def test_loaded_model_can_be_refit(fitted, digits):
    loaded = load_model(model_to_bytes(fitted))
    loaded.set_params(epochs=1).fit(digits.X_train)
    assert len(loaded.history_["epoch"]) == 1


@pytest.mark.parametrize(
    ("make_bad", "message"),
    [
        (lambda data: data[: len(data) // 2], "truncated"),
        (lambda data: b"not a model at all", "neither a .npz archive nor a NumPy file"),
        (lambda data: b"", "truncated|empty|readable"),
    ],
)
def test_damaged_files_give_a_clear_error(fitted, make_bad, message):
    with pytest.raises(ModelFileError, match=message):
        load_model(make_bad(model_to_bytes(fitted)))


def test_a_single_npy_array_is_refused():
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((3, 3)))
    with pytest.raises(ModelFileError, match="single NumPy array"):
        load_model(buffer.getvalue())


def test_a_foreign_npz_is_refused():
    buffer = io.BytesIO()
    np.savez(buffer, weights=np.ones(4))
    with pytest.raises(ModelFileError, match="not a vae_core model"):
        load_model(buffer.getvalue())


def test_a_zip_with_a_corrupt_member_is_refused(fitted):
    data = bytearray(model_to_bytes(fitted))
    data[len(data) // 3: len(data) // 3 + 64] = b"\x00" * 64
    with pytest.raises(ModelFileError):
        load_model(bytes(data))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda a: a.update(format_version=np.array(99)), "format version 99"),
        (lambda a: a.update(model_class=np.array("gan")), "Unknown model class 'gan'"),
        (lambda a: a.update(hyperparameters=np.array("{not json")), "damaged or incompatible"),
        (lambda a: a.update(hyperparameters=np.array(json.dumps({"latent_dim": -2}))), "latent_dim"),
        (lambda a: a.pop("param/W_dec1"), "lacks the weight array 'W_dec1'"),
        (lambda a: a.update({"param/W_dec1": np.zeros((3, 3))}), "has shape"),
        (lambda a: a.update({"param/b_dec1": np.full_like(a["param/b_dec1"], np.nan)}), "non-finite"),
        (lambda a: a.update({"param/W_extra": np.zeros(2)}), "does not use"),
        (lambda a: a.update(history=np.array(json.dumps({"epoch": []}))), "history"),
    ],
)
def test_tampered_contents_are_named_in_the_error(fitted, change, message):
    with pytest.raises(ModelFileError, match=message):
        load_model(_rewrite(model_to_bytes(fitted), change))


def test_missing_file_is_a_plain_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "absent.npz")


def test_an_unfitted_model_cannot_be_saved(tmp_path):
    with pytest.raises(RuntimeError, match="not fitted"):
        save_model(make_model("ae"), tmp_path / "x.npz")


def test_npz_members_are_plain_arrays(fitted, tmp_path):
    path = tmp_path / "model.npz"
    save_model(fitted, path)
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
    assert {"format_version.npy", "model_class.npy", "hyperparameters.npy", "param/W_enc1.npy"} <= names
