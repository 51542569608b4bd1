"""Save / load: exact round trips, and clear errors for anything that is not our model file.

The second half crafts hostile files, as a visitor of the hosted dashboard could upload them, and
checks that each is refused with a ``ModelFileError`` naming the problem, at a bounded cost.
"""

import io
import json
import time
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

from tests.vae_core.crafted_files import UNPICKLED, Tripwire
from tests.vae_core.crafted_files import members as _members
from tests.vae_core.crafted_files import nested_npy_header as _nested_npy_header
from tests.vae_core.crafted_files import npy as _npy
from tests.vae_core.crafted_files import npy_header as _npy_header
from tests.vae_core.crafted_files import raw_zip as _raw_zip
from tests.vae_core.crafted_files import stored as _stored
from tests.vae_core.crafted_files import zip_members as _zip
from vae_core import (
    FORMAT_VERSION,
    MODELS,
    LoadLimits,
    ModelFileError,
    load_model,
    make_model,
    model_to_bytes,
    parameter_count,
    save_model,
)


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


# --------------------------------------------------------------------------- crafting hostile files
# What the hosted dashboard lets a visitor train; the loader must accept every such model.
HOSTED = LoadLimits(max_file_bytes=5 * 2**20, max_uncompressed_bytes=64 * 2**20, max_hidden_layers=1,
                    max_width=256, max_latent=16, max_input_dim=784, max_epochs=1000)

@pytest.fixture(scope="module")
def ae_bytes(digits):
    """A small float32 autoencoder (4 epochs, 5 snapshots) as saved by ``save_model``."""
    model = make_model("ae", epochs=4, hidden_sizes=(16,), n_snapshots=5)
    return model_to_bytes(model.fit(digits.X_train[:200], digits.X_test[:50]))


def _deflated_zeros(name, header, n_zeros):
    """A deflated member holding ``header`` then ``n_zeros`` zero bytes, built in well under a second.

    After a full flush the compressor starts afresh, so one compressed megabyte of zeros can be
    repeated instead of compressing gigabytes. The CRC is right: a plain unzip accepts the member.
    """
    chunk = 1 << 20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(header) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(bytes(chunk)) + compressor.flush(zlib.Z_FULL_FLUSH)
    rest = n_zeros % chunk
    tail = compressor.compress(bytes(rest)) + compressor.flush(zlib.Z_FINISH)
    crc = zlib.crc32(header)
    zeros = bytes(chunk)
    for _ in range(n_zeros // chunk):
        crc = zlib.crc32(zeros, crc)
    crc = zlib.crc32(bytes(rest), crc)
    stream = head + block * (n_zeros // chunk) + tail
    return (name, zipfile.ZIP_DEFLATED, 0, stream, crc, len(header) + n_zeros)


def _with_raw(data, entries):
    """The members of ``data``, stored, followed by the extra raw ``entries``."""
    kept = [_stored(name, raw) for name, raw in _members(data).items()]
    return _raw_zip(kept + entries)


def _refusal(data, limits=None):
    """Load ``data`` expecting a refusal: (message, peak traced bytes, CPU seconds)."""
    tracemalloc.start()
    start = time.process_time()
    try:
        with pytest.raises(ModelFileError) as info:
            load_model(data, limits)
        return str(info.value), tracemalloc.get_traced_memory()[1], time.process_time() - start
    finally:
        tracemalloc.stop()


def _hyper(**changes):
    """A change for :func:`_rewrite` that edits the JSON hyperparameters."""
    def change(arrays):
        params = json.loads(str(arrays["hyperparameters"]))
        params.update(changes)
        arrays["hyperparameters"] = np.array(json.dumps(params))
    return change


def _history(edit):
    """A change for :func:`_rewrite` that lets ``edit`` modify the history dict in place."""
    def change(arrays):
        history = json.loads(str(arrays["history"]))
        edit(history)
        arrays["history"] = np.array(json.dumps(history))
    return change


def test_the_deflated_zeros_helper_builds_a_valid_member():
    header = _npy_header("|u1", (3 * 2**20 + 5,))
    data = _raw_zip([_deflated_zeros("x.npy", header, 3 * 2**20 + 5)])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("x.npy") == header + bytes(3 * 2**20 + 5)  # CRC checked by zipfile


# --------------------------------------------------------------------------- legitimate variants load
def test_an_uncompressed_archive_loads(ae_bytes):
    assert load_model(_rewrite(ae_bytes, lambda a: None)).history_ == load_model(ae_bytes).history_


def test_weights_in_another_float_layout_load(ae_bytes):
    def relayout(arrays):
        arrays["param/W_enc1"] = np.asfortranarray(arrays["param/W_enc1"].astype(">f8"))
        arrays["param/b_enc1"] = arrays["param/b_enc1"].astype(np.float16)
    model = load_model(_rewrite(ae_bytes, relayout))
    expected = load_model(ae_bytes)
    np.testing.assert_array_equal(model.parameters()["W_enc1"], expected.parameters()["W_enc1"])
    assert model.parameters()["W_enc1"].dtype == np.float32


def test_a_model_trained_without_held_out_data_loads(digits):
    model = make_model("vae", epochs=2, hidden_sizes=(8,)).fit(digits.X_train[:100])
    loaded = load_model(model_to_bytes(model))
    assert loaded.history_["val_loss"] == [] and len(loaded.history_["train_loss"]) == 2


def test_a_run_stopped_early_loads(ae_bytes):
    # As a diverged run leaves it: fewer epochs than asked for, snapshots up to the last good one.
    def stop_after_two(arrays):
        history = json.loads(str(arrays["history"]))
        arrays["history"] = np.array(json.dumps({key: values[:2] for key, values in history.items()}))
        keep = arrays["snapshot_epochs"] <= 2
        arrays["snapshot_epochs"] = arrays["snapshot_epochs"][keep]
        arrays["latent_snapshots"] = arrays["latent_snapshots"][keep]
    model = load_model(_rewrite(ae_bytes, stop_after_two))
    assert len(model.history_["epoch"]) == 2 and model.snapshot_epochs_.max() <= 2


@pytest.mark.parametrize("stem", ["ae_default", "vae_default"])
def test_shipped_models_load_under_the_hosted_limits(stem):
    from latent_lab.models import catalog
    from latent_lab.models.limits import MODEL_FILE_LIMITS

    assert load_model(catalog.asset_path(stem), MODEL_FILE_LIMITS).kind == stem[:-len("_default")]


def test_the_hosted_limits_bound_the_snapshots_a_file_holds(ae_bytes):
    # 1,000 snapshots of 360 16-D codes are 46 MB in memory, from a file of 0.5 MB when they compress.
    from latent_lab.models.limits import MODEL_FILE_LIMITS

    with pytest.raises(ModelFileError, match="n_snapshots = 1000; this program accepts at most 100"):
        load_model(_rewrite(ae_bytes, _hyper(n_snapshots=1000)), MODEL_FILE_LIMITS)
    assert load_model(_rewrite(ae_bytes, _hyper(n_snapshots=100)), MODEL_FILE_LIMITS).n_snapshots == 100


@pytest.mark.parametrize("kind", sorted(MODELS))
@pytest.mark.parametrize("hidden", [(), (7,), (9, 5, 3)])
def test_the_size_bound_counts_the_parameters_the_model_builds(kind, hidden):
    model = make_model(kind, input_dim=10, hidden_sizes=hidden, latent_dim=3)
    model._build(np.random.default_rng(0))
    assert parameter_count(kind, 10, hidden, 3) == model.flat_params_.size


# --------------------------------------------------------------------------- the weights must compute
def _set_weights(values):
    """A change for :func:`_rewrite` that sets weight arrays, by name, to a constant."""
    def change(arrays):
        for name, value in values.items():
            arrays[f"param/{name}"] = np.full_like(arrays[f"param/{name}"], value)
    return change


@pytest.fixture(scope="module")
def small_models(digits):
    """A float32 and a float64 model of each kind, 2 epochs without held-out images, as file bytes."""
    return {(kind, dtype): model_to_bytes(make_model(kind, epochs=2, hidden_sizes=(8,), dtype=dtype)
                                          .fit(digits.X_train[:100]))
            for kind in ("ae", "vae") for dtype in ("float32", "float64")}


@pytest.mark.parametrize(
    ("kind", "dtype", "weights", "where"),
    [
        # every weight fits the dtype, but a sum of 64 products of them does not (the latent page drew NaN)
        ("ae", "float32", {"W_enc1": 3e38, "W_enc2": 3e38, "W_dec1": 3e38, "W_dec2": 3e38}, "the codes"),
        ("vae", "float32", {"W_enc1": 3e38}, "the codes"),
        ("ae", "float64", {"W_enc1": 1e300, "W_enc2": 1e300}, "the codes"),
        # only the decoder overflows: on the codes of images, and on codes drawn from the prior
        ("vae", "float64", {"W_dec1": 1e300, "W_dec2": 1e300}, "the decoded images"),
        # only the posterior's spread: exp(log_var / 2) overflows when a VAE samples
        ("vae", "float32", {"b_logvar": 1000.0}, "the posterior's standard deviation"),
    ],
)
def test_weights_whose_forward_pass_is_not_finite_are_refused(small_models, kind, dtype, weights, where):
    with pytest.raises(ModelFileError, match=f"not finite: {where}"):
        load_model(_rewrite(small_models[kind, dtype], _set_weights(weights)))


def test_large_but_finite_outputs_load(small_models):
    # Odd but computable: codes of about 1e7, decoded to finite logits.
    for kind, weights in (("vae", {"W_mu": 1e6}), ("ae", {"W_enc2": 1e6})):
        model = load_model(_rewrite(small_models[kind, "float32"], _set_weights(weights)))
        assert np.abs(model.encode(np.ones((1, 64)))).max() > 1e6


# --------------------------------------------------------------------------- every field is checked
@pytest.mark.parametrize(
    ("change", "message"),
    [
        # the record fields: type, dtype, shape
        (lambda a: a.update(format_version=np.array([1, 1])), r"format_version must be a single integer; "
                                                              r"it holds an array of shape \(2,\)"),
        (lambda a: a.update(format_version=np.array("1")), "format_version must be a single integer; it holds text"),
        (lambda a: a.update(format_version=np.array(1.0)), "format_version must be a single integer"),
        (lambda a: a.pop("format_version"), "lacks its format_version"),
        (lambda a: a.update(magic=np.array(["vae_core-model"])), "marker must be text"),
        (lambda a: a.update(magic=np.array("vae_core-modeL")), "not a vae_core model"),
        (lambda a: a.update(model_class=np.array(7)), "model class must be text"),
        (lambda a: a.update(hyperparameters=np.array(b"{}")), "hyperparameters must be text; it holds bytes"),
        (lambda a: a.update(seconds=np.array("12.5")), r"training time \(seconds\) must be a single number"),
        (lambda a: a.update(seconds=np.array([1.0, 2.0])), r"training time \(seconds\) must be a single number"),
        (lambda a: a.update(seconds=np.array(np.nan)), "finite number of seconds"),
        (lambda a: a.update(seconds=np.array(-1.0)), "finite number of seconds >= 0"),
        (lambda a: a.pop("seconds"), "lacks its training time"),
        (lambda a: a.update(notes=np.array("hello")), r"does not know: \['notes'\]"),
        # hyperparameters: a JSON object of known names, plain values, within the limits
        (lambda a: a.update(hyperparameters=np.array("[1, 2]")), "not a JSON object"),
        (lambda a: a.update(hyperparameters=np.array('{"a": ' + "[" * 5000 + "]" * 5000 + "}")), "not valid JSON"),
        (lambda a: a.update(hyperparameters=np.array(" " * 70_000 + "{}")), "at most 65536 are allowed"),
        (_hyper(activation="tanh"), r"unknown name\(s\) \['activation'\]"),
        (_hyper(output={"name": "sigmoid"}), "output must be a number, a short string or null"),
        (_hyper(output="x" * 100), "output must be a number, a short string or null"),
        (_hyper(hidden_sizes=["16"]), "hidden_sizes must be a list of integers"),
        (_hyper(hidden_sizes=[True]), "hidden_sizes must be a list of integers"),
        (_hyper(learning_rate=float("inf")), "learning_rate must be a finite number"),
        (_hyper(epochs="4"), "epochs must be an int"),
        (lambda a: a.update(hyperparameters=np.array('{"random_state": ' + "9" * 5000 + "}")), "not valid JSON"),
        (_hyper(hidden_sizes=[10**10]), "a hidden layer of 10000000000 units; this program accepts at most 4096"),
        (_hyper(hidden_sizes=[8] * 9), "9 hidden layers"),
        (_hyper(input_dim=10**6), "input_dim = 1000000"),
        (_hyper(latent_dim=10**4), "latent_dim = 10000"),
        (_hyper(epochs=10**9), "epochs = 1000000000"),
        (_hyper(n_snapshots=10**9), "n_snapshots = 1000000000"),
        (_hyper(hidden_sizes=[4096, 4096]), "network of 34,111,554 parameters; at most 2,000,000"),
        # history: the known keys, one entry per epoch run, finite numbers, latent_dim per-dim values
        (lambda a: a.update(history=np.array(["train_loss", "val_loss"])), "history must be text"),
        (lambda a: a.update(history=np.array("[]")), "history is damaged"),
        (_history(lambda h: h.update(train_loss=["a", "b", "c", "d"])), "'train_loss' must hold one finite number"),
        (_history(lambda h: h.update(train_loss="abcd")), "every entry must be a list"),
        (_history(lambda h: h["train_loss"].pop()), "'train_loss' has 3 entries, but 4 epochs were run"),
        (_history(lambda h: h["val_kl"].pop()), "'val_kl' has 3 entries"),
        (_history(lambda h: h["train_loss"].__setitem__(0, float("nan"))), "'train_loss' must hold one finite"),
        (_history(lambda h: h["train_loss"].__setitem__(0, True)), "'train_loss' must hold one finite"),
        (_history(lambda h: h["train_loss"].__setitem__(0, 10**400)), "'train_loss' must hold one finite"),
        (_history(lambda h: h["val_kl_per_dim"][0].append(0.0)), r"'val_kl_per_dim' must hold a list of 2 finite"),
        (_history(lambda h: h["train_kl_per_dim"].__setitem__(1, 0.0)), "'train_kl_per_dim' must hold a list"),
        (_history(lambda h: h.update(epoch=[1, 2, 2, 4])), "epochs are not 1, 2, 3"),
        (_history(lambda h: [v.append(v[-1]) for v in h.values()]),
         "has 5 epochs, but the model was set to train for 4"),
        # snapshots: (n_snapshots, n_points, latent_dim) finite floats at increasing epochs in [0, epochs run]
        (lambda a: a.update(latent_snapshots=a["latent_snapshots"][:, :, :1]), "latent snapshots have shape"),
        (lambda a: a.update(latent_snapshots=np.array(1.5)), "must be a 3-D array of floating-point numbers"),
        (lambda a: a.update(latent_snapshots=a["latent_snapshots"].astype(np.int64)), "must be a 3-D array of float"),
        (lambda a: a.update(latent_snapshots=a["latent_snapshots"][:-1]),
         r"have shape \(4, 50, 2\); expected \(n_snapshots=5"),
        (lambda a: a["latent_snapshots"].__setitem__((0, 0, 0), np.inf), "snapshots hold non-finite values"),
        (lambda a: a.update(snapshot_epochs=np.array([0, 1, 2, 3, 4, 4])), "lists 6 snapshot epochs"),
        (lambda a: a.update(snapshot_epochs=np.arange(10)), "takes at most 5"),
        (lambda a: a.update(snapshot_epochs=np.array([0, 2, 1, 3, 4])), "snapshot epochs must increase"),
        (lambda a: a.update(snapshot_epochs=np.array([0, 1, 2, 3, 5])), r"within \[0, 4\]"),
        (lambda a: a.update(snapshot_epochs=np.array([-1, 1, 2, 3, 4])), "must increase"),
        (lambda a: a.update(snapshot_epochs=a["snapshot_epochs"].astype(float)), "must be a 1-D array of integers"),
        (lambda a: a.update(snapshot_epochs=np.array(0)), "must be a 1-D array of integers"),
        (lambda a: a.pop("latent_snapshots"), "lacks its latent snapshots"),
        # weights: floats that fit the model's dtype (float32 here)
        (lambda a: a.update({"param/W_enc1": np.full(a["param/W_enc1"].shape, 1e300)}),
         "'W_enc1' holds values too large for the model's dtype float32"),
        (lambda a: a.update({"param/W_enc1": a["param/W_enc1"].astype(np.int32)}), "must be a 2-D array of floating"),
        (lambda a: a.update({"param/b_enc1": a["param/b_enc1"].astype(np.complex64)}), "must be a 1-D array of float"),
        (lambda a: a.update({"param/b_enc1": a["param/b_enc1"][None]}), "must be a 1-D array"),
    ],
)
def test_each_crafted_field_is_refused_with_its_reason(ae_bytes, change, message):
    with pytest.raises(ModelFileError, match=message):
        load_model(_rewrite(ae_bytes, change))


def test_pickled_objects_are_refused_without_unpickling(ae_bytes):
    for member in ("history.npy", "param/W_enc1.npy", "latent_snapshots.npy"):
        members = _members(ae_bytes)
        members[member] = _npy(np.array([Tripwire()], dtype=object), allow_pickle=True)
        with pytest.raises(ModelFileError, match="holds Python objects or records"):
            load_model(_zip(members))
    assert UNPICKLED == []


# --------------------------------------------------------------------------- sizes, before allocating
def test_an_array_header_of_a_trillion_elements_allocates_nothing(ae_bytes):
    members = _members(ae_bytes)
    members["param/W_enc1.npy"] = _npy_header("<f8", (10**6, 10**6)) + bytes(64)
    message, peak, _ = _refusal(_zip(members))
    assert r"has shape (1000000, 1000000) in the file" in message
    assert peak < 8 * 2**20


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (_npy_header("<f4", (64, 16)) + bytes(4096 - 4), "declares 4096 bytes of data, but 4092 follow it"),
        (_npy_header("<f4", (64, 16)) + bytes(4096 + 4), "declares 4096 bytes of data, but 4100 follow it"),
        (_npy_header("<f4", (-64, -16)), "negative size"),
        (_npy_header("<f4", (64, 16))[:20], "damaged or truncated"),
        (b"\x93NUMPY\x03\x00" + _npy_header("<f4", (64, 16))[8:], r"format version \(3, 0\)"),
        (b"PK\x03\x04 not an array at all", "damaged or truncated"),
        (b"\x93NUMPY\x01\x00\x04\x00{(}\n", "damaged or truncated"),  # NumPy's tokenizer fallback fails
        # a shape nested thousands deep: Python's parser raises RecursionError, or MemoryError (3.11)
        (_nested_npy_header(3000), "not a NumPy array file"),
        (_nested_npy_header(9000), "not a NumPy array file"),
        (_nested_npy_header(9000, version=(2, 0)), "not a NumPy array file"),
    ],
)
def test_a_weight_member_must_hold_exactly_what_its_header_declares(ae_bytes, raw, message):
    members = _members(ae_bytes)
    members["param/W_enc1.npy"] = raw
    with pytest.raises(ModelFileError, match=message):
        load_model(_zip(members))


def test_a_declared_giant_hidden_layer_is_refused_before_building(ae_bytes):
    # A small file whose hyperparameters declare 2,000,000 hidden units: the old loader built the
    # network (29 s, 4.8 GB) before a weight's shape refused it.
    data = _rewrite(ae_bytes, _hyper(hidden_sizes=[2_000_000]))
    assert len(data) < 100_000
    message, peak, cpu = _refusal(data)
    assert "a hidden layer of 2000000 units" in message
    assert peak < 8 * 2**20 and cpu < 2.0
    assert "a hidden layer of 257 units" in _refusal(_rewrite(ae_bytes, _hyper(hidden_sizes=[257])), HOSTED)[0]


def test_a_model_larger_than_the_limits_is_refused_unread(ae_bytes):
    # A genuinely valid model with 10**6 hidden units (0.5 MB compressed, 0.5 GB of float32 zeros).
    hidden = 10**6
    params = {**json.loads(str(np.load(io.BytesIO(ae_bytes))["hyperparameters"])), "hidden_sizes": [hidden]}
    members = {name: raw for name, raw in _members(ae_bytes).items() if not name.startswith("param/")}
    members["hyperparameters.npy"] = _npy(np.array(json.dumps(params)))
    shapes = {"W_enc1": (64, hidden), "b_enc1": (hidden,), "W_enc2": (hidden, 2), "b_enc2": (2,),
              "W_dec1": (2, hidden), "b_dec1": (hidden,), "W_dec2": (hidden, 64), "b_dec2": (64,)}
    entries = [_deflated_zeros(f"param/{name}.npy", _npy_header("<f4", shape), 4 * int(np.prod(shape)))
               for name, shape in shapes.items()]
    data = _with_raw(_zip(members), entries)
    assert len(data) < 2**20
    message, peak, cpu = _refusal(data)
    assert "would decompress to 511.2 MB; at most 128.0 MB" in message
    message, peak_unzipped, cpu_unzipped = _refusal(data, LoadLimits(max_uncompressed_bytes=2**30))
    assert "a hidden layer of 1000000 units" in message
    assert max(peak, peak_unzipped) < 8 * 2**20 and cpu + cpu_unzipped < 2.0


def test_a_zip_bomb_is_never_decompressed(ae_bytes):
    # 256 MB of zeros in a 0.3 MB member: over the limit under any name, and unknown as "junk".
    bomb = _deflated_zeros("junk.npy", _npy_header("|u1", (256 * 2**20,)), 256 * 2**20)
    message, peak, cpu = _refusal(_with_raw(ae_bytes, [bomb]))
    assert "would decompress to 256.0 MB" in message
    message, peak_unknown, cpu_unknown = _refusal(_with_raw(ae_bytes, [bomb]), LoadLimits(max_uncompressed_bytes=2**30))
    assert "does not know: ['junk']" in message
    assert max(peak, peak_unknown) < 8 * 2**20 and cpu + cpu_unknown < 2.0


def test_a_member_that_inflates_past_its_declared_size_is_cut_off(ae_bytes):
    # The zip directory says 64 bytes; the stream would inflate to 256 MB.
    name, method, flags, stream, crc, _ = _deflated_zeros("history.npy", _npy_header("<U4", ()), 256 * 2**20)
    members = {key: raw for key, raw in _members(ae_bytes).items() if key != "history.npy"}
    data = _with_raw(_zip(members), [(name, method, flags, stream, crc, 64)])
    message, peak, cpu = _refusal(data)
    assert "training history member is damaged or truncated" in message and "(Bad CRC-32" in message
    assert peak < 8 * 2**20 and cpu < 2.0


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([_stored("magic.npy", _npy(np.array("vae_core-model")))] * 2, "member 'magic.npy' twice"),
        ([("magic.npy", zipfile.ZIP_STORED, 1, b"x", 0, 1)], "member 'magic.npy' is encrypted"),
        ([("magic.npy", zipfile.ZIP_BZIP2, 0, b"x", 0, 1)], "unsupported compression"),
        ([_stored("README.txt", b"hello")], "'README.txt' is not a NumPy array"),
        ([_stored(f"param/W{i}.npy", b"") for i in range(50)], "holds 50 members; a model file has at most 46"),
    ],
)
def test_the_zip_directory_is_checked_before_any_member_is_read(entries, message):
    with pytest.raises(ModelFileError, match=message):
        load_model(_raw_zip(entries))


def test_a_file_over_the_size_limit_is_refused_unread(ae_bytes, tmp_path):
    limits = LoadLimits(max_file_bytes=len(ae_bytes) - 1)
    path = tmp_path / "model.npz"
    path.write_bytes(ae_bytes)
    for source in (ae_bytes, io.BytesIO(ae_bytes), path):
        with pytest.raises(ModelFileError, match="at most"):
            load_model(source, limits)
    assert load_model(path, LoadLimits(max_file_bytes=len(ae_bytes))).kind == "ae"


def test_snapshot_points_are_bounded(ae_bytes):
    with pytest.raises(ModelFileError, match="hold 50 points each; at most 49"):
        load_model(ae_bytes, LoadLimits(max_snapshot_points=49))


def test_a_corrupt_deflate_stream_is_refused(ae_bytes):
    members = _members(ae_bytes)
    entries = [_stored(name, raw) for name, raw in members.items() if name != "history.npy"]
    raw = members["history.npy"]
    entries.append(("history.npy", zipfile.ZIP_DEFLATED, 0, b"\xff" * 40, zlib.crc32(raw), len(raw)))
    with pytest.raises(ModelFileError, match="training history member is damaged or truncated"):
        load_model(_raw_zip(entries))
