"""Fuzzing the two upload parsers with Hypothesis: junk in, a plain error out, at a bounded cost.

``load_model`` gets random bytes, byte-level mutations of valid model files (stored and
compressed), and member-level ones (a member dropped, added, replaced by a random array, by
random JSON, or with its ``.npy`` header corrupted); ``parse_upload`` gets random and mutated
CSV, ``.npy``, ``.npz`` and PNG files. Every example must either load or raise the parser's own
error, must keep the traced memory peak under a bound, and must never unpickle.

``tracemalloc`` sees Python's and NumPy's allocations, which is where a loader would allocate what
a file declares; the C buffers of Pillow's and pandas' decoders are not traced, which is why
``parse_upload`` bounds their inputs (bytes, image size) before decoding.

Runs are deterministic (``derandomize=True``, no example database) and take a few seconds; set
``FUZZ_SCALE=20`` (say) to try twenty times more examples locally.
"""

import contextlib
import io
import json
import os
import pickle
import tracemalloc
import zipfile
from datetime import timedelta
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from latent_lab.images.uploads import DataFileError, DataLimits, ImageSet, parse_upload
from tests.vae_core.crafted_files import UNPICKLED, Tripwire
from tests.vae_core.crafted_files import members as _members
from tests.vae_core.crafted_files import npy as _npy
from tests.vae_core.crafted_files import zip_members as _zip
from vae_core import LoadLimits, ModelFileError, load_model, make_model, model_to_bytes

SCALE = int(os.environ.get("FUZZ_SCALE", "1"))
# Tight limits, as a public server would pass, so that "bounded" means a few megabytes.
MODEL_LIMITS = LoadLimits(max_file_bytes=2**20, max_uncompressed_bytes=8 * 2**20, max_hidden_layers=2,
                          max_width=256, max_latent=16, max_input_dim=784, max_epochs=1000)
DATA_LIMITS = DataLimits(max_bytes=2**20, max_rows=200, max_side=8)
# The traced peak of one example (Python and NumPy allocations) may not pass this.
PEAK_BYTES = 32 * 2**20


def _fuzz_settings(max_examples):
    # A generous deadline: it catches a small input that buys seconds of work (the old loader spent
    # 29 s on one), and is far above the few milliseconds an example takes on a busy machine.
    return settings(max_examples=max_examples * SCALE, deadline=timedelta(seconds=2), derandomize=True,
                    database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _forbidden(*args, **kwargs):
    raise AssertionError("pickle.load called")


@contextlib.contextmanager
def _guarded():
    """Trace memory and forbid unpickling; yield a dict that receives the traced peak."""
    result = {}
    with mock.patch("pickle.load", new=_forbidden), mock.patch("pickle.loads", new=_forbidden):
        tracemalloc.start()
        try:
            yield result
        finally:
            result["peak"] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()


@st.composite
def _byte_mutations(draw, data):
    """``data`` with a few bytes flipped, inserted or deleted, or cut short; often in its first bytes."""
    data = bytearray(data)
    # Headers (zip, .npy, PNG, a CSV's header row) sit at the start, where a change reaches most code.
    window = draw(st.sampled_from([128, len(data)]))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "flip", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, max(min(window, len(data)) - 1, 0)))
        if op == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        else:
            del data[at:]
    return bytes(data)


# --------------------------------------------------------------------------- model files
@pytest.fixture(scope="module")
def model_files(digits):
    """One small trained AE and VAE, each saved compressed (as save_model does) and stored."""
    files = []
    for kind in ("ae", "vae"):
        model = make_model(kind, epochs=3, hidden_sizes=(6,), n_snapshots=3)
        data = model_to_bytes(model.fit(digits.X_train[:80], digits.X_test[:20]))
        files += [data, _zip(_members(data), zipfile.ZIP_STORED)]
    for data in files:
        load_model(data, MODEL_LIMITS)  # every seed is valid, and lazy imports are done before tracing
    return files


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.sampled_from([10**400, 2**63]) | st.floats()
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=20,
)
# Mostly the dtypes model members use, so that a header passes the dtype check and its shape is tested.
_DESCRS = ["<f8", "<f8", "<f4", ">f8", "<i8", "<i8", "<U8", "<U8", "|u1", "<f2", "|b1", "<c16", "|S4", "|O",
           "|V8", "<M8[s]", [("a", "<f8")], "(2,)<f8"]
_KNOWN_NAMES = ["magic", "format_version", "model_class", "hyperparameters", "history", "snapshot_epochs",
                "latent_snapshots", "seconds", "param/W_enc1", "param/b_enc1", "param/W_dec2", "param/mu"]


_SIZES = st.sampled_from([0, 1, 2, 3, 6, 64, -1, 10**6, 10**9, 10**12, 2**62])


@st.composite
def _npy_header_bytes(draw, raw):
    """The ``.npy`` member ``raw`` with its header changed (dtype, one size, the number of dimensions).

    Starting from the member's own header keeps most headers plausible, so that the loader's checks
    of sizes, not only of dtypes, are reached. The data is cut to a few bytes.
    """
    try:
        handle = io.BytesIO(raw)
        version = np.lib.format.read_magic(handle)
        read_header = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}
        shape, fortran_order, dtype = read_header[version](handle)
        descr = np.lib.format.dtype_to_descr(dtype)
    except (ValueError, KeyError):  # a member that is not a .npy file: start from a random header
        shape, fortran_order, descr = (), False, "<f8"
    shape = list(shape)
    change = draw(st.sampled_from(["size", "size", "dtype", "ndim"]))
    if change == "size" and shape:
        shape[draw(st.integers(0, len(shape) - 1))] = draw(_SIZES)
    elif change == "dtype":
        descr = draw(st.sampled_from(_DESCRS))
    else:
        shape = draw(st.lists(_SIZES, max_size=3))
    buffer = io.BytesIO()
    writer = draw(st.sampled_from([np.lib.format.write_array_header_1_0, np.lib.format.write_array_header_2_0]))
    writer(buffer, {"descr": descr, "fortran_order": fortran_order, "shape": tuple(shape)})
    return buffer.getvalue() + draw(st.binary(max_size=64))


_ARRAYS = st.sampled_from([
    np.array(1), np.array("1"), np.array([1, 2]), np.array(1e300), np.array(np.nan), np.zeros((2, 3, 2)),
    np.zeros((0,)), np.array([[1.5]]), np.array(True), np.arange(5), np.full((3, 20, 2), 1e300),
])


@st.composite
def _member_mutations(draw, files):
    """A valid model file with one member dropped, added or replaced, re-zipped validly."""
    data = draw(st.sampled_from(files))
    members = _members(data)
    name = draw(st.sampled_from(sorted(members) + [f"{n}.npy" for n in _KNOWN_NAMES] + ["junk.npy"]))
    op = draw(st.sampled_from(["drop", "header", "header", "header", "bytes", "array", "json", "field", "field",
                               "pickle"]))
    if op == "drop":
        members.pop(name, None)
    elif op == "header":
        members[name] = draw(_npy_header_bytes(members.get(name, b"")))
    elif op == "bytes":
        raw = members.get(name, b"")
        members[name] = draw(_byte_mutations(raw)) if raw else draw(st.binary(max_size=64))
    elif op == "array":
        members[name] = _npy(draw(_ARRAYS))
    elif op == "json":
        members[name] = _npy(np.array(json.dumps(draw(_JSON))))
    elif op == "field":  # one hyperparameter or history entry replaced by random JSON
        record = draw(st.sampled_from(["hyperparameters.npy", "history.npy"]))
        fields = json.loads(str(np.load(io.BytesIO(members[record]), allow_pickle=False)))
        fields[draw(st.sampled_from(sorted(fields)))] = draw(_JSON)
        members[record] = _npy(np.array(json.dumps(fields)))
    else:
        members[name] = _npy(np.array([Tripwire()], dtype=object), allow_pickle=True)
    return _zip(members, draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])))


def _check_load(data):
    with _guarded() as traced:
        try:
            model = load_model(data, MODEL_LIMITS)
        except ModelFileError as err:
            assert str(err)
            model = None
    assert traced["peak"] < PEAK_BYTES, f"traced peak {traced['peak'] / 2**20:.0f} MB"
    if model is not None:  # a mutation that keeps the file valid (say, one weight changed)
        assert all(np.all(np.isfinite(v)) and v.dtype == model.dtype for v in model.parameters().values())
        assert np.all(np.isfinite(model.latent_snapshots_))


@_fuzz_settings(60)
@given(data=st.one_of(st.binary(max_size=2048),
                      st.binary(max_size=512).map(lambda b: b"PK\x03\x04" + b),
                      st.binary(max_size=512).map(lambda b: b"\x93NUMPY" + b)))
def test_random_bytes_are_refused_by_load_model(data):
    _check_load(data)


@_fuzz_settings(60)
@given(choice=st.data())
def test_mutated_model_files_load_or_are_refused(model_files, choice):
    _check_load(choice.draw(st.sampled_from(model_files).flatmap(_byte_mutations)))


@_fuzz_settings(100)
@given(choice=st.data())
def test_model_files_with_a_changed_member_load_or_are_refused(model_files, choice):
    _check_load(choice.draw(_member_mutations(model_files)))


# --------------------------------------------------------------------------- uploaded data
def _png(pixels):
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def uploads():
    """Valid uploads of each format: 60 random 4x4 images, labelled 0..2."""
    rng = np.random.default_rng(0)
    X, y = rng.integers(0, 17, (60, 16)), rng.integers(0, 3, 60)
    rows = "\n".join(",".join(map(str, [label, *row])) for label, row in zip(y, X, strict=True))
    buffer = io.BytesIO()
    np.savez_compressed(buffer, X=X, y=y)
    seeds = [
        [("a.csv", ("label," + ",".join(f"p{i}" for i in range(16)) + "\n" + rows).encode())],
        [("a.npy", _npy(X.reshape(60, 4, 4).astype(np.uint8)))],
        [("a.npz", buffer.getvalue())],
        [(f"{label}_{i}.png", _png(row.reshape(4, 4) * 15)) for i, (label, row) in enumerate(zip(y, X, strict=True))],
    ]
    for files in seeds:
        parse_upload(files, DATA_LIMITS)  # every seed is valid, and lazy imports are done before tracing
    return seeds


_CELLS = st.sampled_from(["0", "1", "16", "255", "0.5", "-1", "nan", "inf", "1e309", "abc", "", " ", '"', "label",
                          "True", "9" * 30, "\x00", "é"])


@st.composite
def _csv_text(draw):
    """A table of odd cells, mostly regular, separated by commas (sometimes by something else)."""
    n_rows, n_cols = draw(st.integers(0, 70)), draw(st.integers(1, 20))
    sep = draw(st.sampled_from([",", ",", ",", ";", "\t"]))
    cell = draw(_CELLS)
    rows = [[cell] * n_cols for _ in range(n_rows)]
    for _ in range(draw(st.integers(0, 6)) if rows else 0):
        row = rows[draw(st.integers(0, n_rows - 1))]
        if row:
            row[draw(st.integers(0, len(row) - 1))] = draw(_CELLS)
        if draw(st.booleans()):
            del row[draw(st.integers(0, len(row))):]  # a ragged row
    return ("\n".join(sep.join(row) for row in rows)).encode()


@st.composite
def _uploads(draw, seeds):
    files = list(draw(st.sampled_from(seeds)))
    op = draw(st.sampled_from(["mutate", "mutate", "header", "random", "csv", "rename"]))
    at = draw(st.integers(0, len(files) - 1))
    name, data = files[at]
    if op == "mutate":
        files[at] = (name, draw(_byte_mutations(data)))
    elif op == "header" and name.endswith(".npy"):
        files[at] = (name, draw(_npy_header_bytes(data)))
    elif op == "random":
        extension = draw(st.sampled_from([".csv", ".npy", ".npz", ".png", ".txt"]))
        files = [(f"x{extension}", draw(st.binary(max_size=2048)))]
    elif op == "csv":
        files = [("x.csv", draw(_csv_text()))]
    else:
        files[at] = (draw(st.text(max_size=12)) + draw(st.sampled_from([".csv", ".npy", ".npz", ".png"])), data)
    return files


@_fuzz_settings(100)
@given(choice=st.data())
def test_random_uploads_parse_or_are_refused(uploads, choice):
    files = choice.draw(_uploads(uploads))
    with _guarded() as traced:
        try:
            images = parse_upload(files, DATA_LIMITS)
        except DataFileError as err:
            assert str(err)
            images = None
    assert traced["peak"] < PEAK_BYTES, f"traced peak {traced['peak'] / 2**20:.0f} MB"
    if images is not None:
        assert isinstance(images, ImageSet) and images.X.shape == (images.X.shape[0], images.side**2)
        assert np.all(np.isfinite(images.X)) and images.X.min() >= 0 and images.X.max() <= 1
        assert images.y is None or (images.y.dtype == np.int64 and images.y.shape == images.X.shape[:1])


def test_the_pickle_guard_itself_works():
    data = _npy(np.array([Tripwire()], dtype=object), allow_pickle=True)
    with _guarded(), pytest.raises(AssertionError, match=r"pickle\.load called"):
        np.load(io.BytesIO(data), allow_pickle=True)
    with pytest.raises(AssertionError, match="a pickle was loaded"):
        pickle.loads(pickle.dumps(Tripwire()))
    assert UNPICKLED.pop() == "a pickle was loaded"  # recorded too (and cleared for the other tests)
