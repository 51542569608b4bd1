"""Save and load fitted models as one ``.npz`` file (no pickle).

:func:`load_model` treats every file as hostile, because the dashboard loads what visitors
upload. It never unpickles, and it never allocates or decompresses more than the file's declared
contents allow: sizes come from the zip directory, the ``.npy`` headers and the hyperparameters,
and each is checked against :class:`LoadLimits` before the data behind it is read. Its reader of
NumPy files (:func:`read_npy`, :func:`npz_members`) serves any caller that reads untrusted arrays.
"""

import dataclasses
import io
import json
import math
import numbers
import os
import struct
import tokenize
import zipfile
import zlib

import numpy as np

from .layers import infer_all
from .models import MODELS, parameter_count
from .training import HISTORY_KEYS, snapshot_epochs

FORMAT_VERSION = 1
_MAGIC = "vae_core-model"
# Members every model file holds besides its weights (``param/<name>``), in the order they are read.
_RECORD_MEMBERS = ("magic", "format_version", "model_class", "hyperparameters", "history",
                   "snapshot_epochs", "latent_snapshots", "seconds")
_MAX_NAME_CHARS = 64  # magic, model class, and any string hyperparameter ("sigmoid", "float32"...)
_MAX_HYPERPARAMETER_CHARS = 64 * 1024
# json.dumps writes a float in at most 24 characters (-2.2250738585072014e-308) plus ", ".
_CHARS_PER_NUMBER = 32
# What reading a damaged zip member or .npy header can raise. NumPy re-parses a header it cannot read
# with the tokenizer (for files written by Python 2), whose error is none of the usual ones.
_READ_ERRORS = (OSError, EOFError, ValueError, TypeError, SyntaxError, zipfile.BadZipFile, zlib.error,
                struct.error, NotImplementedError, RuntimeError, OverflowError, tokenize.TokenError)


class ModelFileError(ValueError):
    """A model file is truncated, corrupt, from another program, too large or inconsistent."""


class ArrayFileError(ValueError):
    """A ``.npy`` array or ``.npz`` archive that cannot be read safely; the message names it and says why."""


@dataclasses.dataclass(frozen=True)
class LoadLimits:
    """Upper bounds on what a model file may ask :func:`load_model` to allocate.

    Every bound is checked before the memory it guards is allocated: file and decompressed sizes
    from the zip directory, array sizes from each ``.npy`` header, network sizes from the
    hyperparameters. The defaults admit every model this package trains with room to spare
    (two million parameters, large snapshot sets) and bound a load to a few hundred megabytes and
    about a second (a 10 MB file whose snapshots fill the 128 MB allowance: 0.7 s, 260 MB); a
    public server should pass tighter ones, matching what it lets users train.

    Attributes
    ----------
    max_file_bytes : int
        Size of the file itself.
    max_uncompressed_bytes : int
        Sum of the declared uncompressed sizes of the archive's members.
    max_parameters : int
        Weights and biases of the network the hyperparameters describe.
    max_hidden_layers, max_width : int
        Number of hidden layers in the encoder and width of each.
    max_latent, max_input_dim, max_epochs, max_snapshots : int
        Bounds on ``latent_dim``, ``input_dim``, ``epochs`` and ``n_snapshots``.
    max_snapshot_points : int
        Codes per latent snapshot (the size of the set the snapshots encode).
    """

    max_file_bytes: int = 32 * 2**20
    max_uncompressed_bytes: int = 128 * 2**20
    max_parameters: int = 2_000_000
    max_hidden_layers: int = 8
    max_width: int = 4096
    max_latent: int = 256
    max_input_dim: int = 4096
    max_epochs: int = 100_000
    max_snapshots: int = 1000
    max_snapshot_points: int = 100_000


def save_model(model, file):
    """Write a fitted model to ``file`` (a path or a binary file object) as ``.npz``.

    The archive (compressed) holds the format version, the model class, its constructor hyperparameters (as
    JSON), every weight array, the training history and the latent snapshots.
    """
    model._check_fitted()
    arrays = {
        "magic": np.array(_MAGIC),
        "format_version": np.array(FORMAT_VERSION),
        "model_class": np.array(model.kind),
        "hyperparameters": np.array(json.dumps(model.get_params())),
        "history": np.array(json.dumps(model.history_)),
        "snapshot_epochs": np.asarray(model.snapshot_epochs_, dtype=np.int64),
        "latent_snapshots": np.asarray(model.latent_snapshots_, dtype=np.float64),
        "seconds": np.array(float(model.seconds_)),
    }
    for name, value in model.parameters().items():
        arrays[f"param/{name}"] = np.array(value)
    if isinstance(file, (str, os.PathLike)):
        with open(file, "wb") as handle:
            np.savez_compressed(handle, **arrays)
    else:
        np.savez_compressed(file, **arrays)


def model_to_bytes(model):
    """The ``.npz`` bytes of :func:`save_model`, e.g. for a download button."""
    buffer = io.BytesIO()
    save_model(model, buffer)
    return buffer.getvalue()


def load_model(file, limits=None):
    """Rebuild a fitted model from a file written by :func:`save_model`.

    Parameters
    ----------
    file : path, binary file object or bytes
    limits : LoadLimits, optional
        Bounds on the file and on the model it describes; ``LoadLimits()`` when omitted.

    Returns
    -------
    Autoencoder or VAE
        Fitted: weights, ``history_``, ``snapshot_epochs_``, ``latent_snapshots_`` and
        ``seconds_`` as saved.

    Raises
    ------
    ModelFileError
        With a message saying what is wrong: not an ``.npz`` archive, truncated, not a vae_core
        model, an unknown format version, a field of the wrong type or shape, inconsistent
        fields, NaNs, weights whose forward pass overflows, or a model larger than ``limits`` allow.
    FileNotFoundError
        If ``file`` is a path that does not exist.

    Notes
    -----
    The loader reads the members one at a time, in this order, and stops at the first problem:
    the zip directory (sizes, compression, names), the marker, the format version, the model
    class and the hyperparameters; then it checks the network's size against ``limits``, builds
    it, reads the weights and runs them on probe images (:func:`_check_forward`), then reads the
    history and the snapshots. No member is decompressed before its name is known to belong to
    the model and its declared size is within bounds.
    """
    limits = LoadLimits() if limits is None else limits
    with _open_archive(file, limits) as archive:
        kind, params = _read_description(archive)
        model = _build_model(kind, params, limits)
        _read_weights(archive, model)
        _check_forward(model)
        _read_training_record(archive, model, limits)
    return model


# --------------------------------------------------------------------------- the archive
class _Archive:
    """The ``.npy`` members of a checked zip archive, read one at a time with bounded memory."""

    def __init__(self, zip_file, members):
        self._zip = zip_file
        self.members = members  # name without ".npy" -> ZipInfo

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._zip.close()

    def array(self, name, what, kinds, ndim, check_shape=None):
        """Read member ``name`` after checking its header: dtype kind, ``ndim`` and ``check_shape``.

        ``check_shape(shape, dtype)`` raises :class:`ModelFileError` for a shape the model does not
        allow; it runs before any array data is decompressed.
        """
        info = self.members.get(name)
        if info is None:
            raise ModelFileError(f"The model file lacks its {what} (member {name!r}).")

        def check(shape, dtype):
            _check_header(shape, dtype, what, kinds, ndim)
            if check_shape is not None:
                check_shape(shape, dtype)

        subject = f"The model file's {what} member"
        try:
            with self._zip.open(info) as handle:
                return read_npy(handle, info.file_size, subject, check)
        except ArrayFileError as exc:
            raise ModelFileError(str(exc)) from exc
        except ModelFileError:
            raise
        except _READ_ERRORS as exc:  # the zip entry itself
            raise ModelFileError(f"{subject} is damaged or truncated ({exc}).") from exc

    def text(self, name, what, max_chars):
        """A 0-D string member of at most ``max_chars`` characters, as ``str``."""

        def fits(shape, dtype):
            if dtype.itemsize > 4 * max_chars:
                raise ModelFileError(f"The model file's {what} member is {dtype.itemsize // 4} characters long; "
                                     f"at most {max_chars} are allowed.")

        value = self.array(name, what, "U", 0, fits)
        try:
            return str(value[()])
        except ValueError as exc:  # a code point beyond U+10FFFF
            raise ModelFileError(f"The model file's {what} is not valid text ({exc}).") from exc

    def scalar(self, name, what, kinds):
        """A 0-D numeric member as a Python ``int`` or ``float``."""
        return self.array(name, what, kinds, 0)[()].item()


def _open_archive(file, limits):
    """Read at most ``limits.max_file_bytes`` of ``file`` and check its zip directory."""
    data = _read_bounded(file, limits.max_file_bytes)
    if data.startswith(b"\x93NUMPY"):
        raise ModelFileError("This file holds a single NumPy array, not a model archive (.npz).")
    try:
        zip_file = zipfile.ZipFile(io.BytesIO(data))
    except _READ_ERRORS as exc:
        raise ModelFileError("Not a readable .npz model file: it is neither a .npz archive nor a NumPy "
                             "file. It may be truncated or not a model saved by this program.") from exc
    try:
        members = _check_directory(zip_file.infolist(), limits)
    except ModelFileError:
        zip_file.close()
        raise
    return _Archive(zip_file, members)


def _read_bounded(file, max_bytes):
    """The bytes of a path, file object or bytes-like ``file``, refused past ``max_bytes``."""
    try:
        if isinstance(file, (bytes, bytearray, memoryview)):
            data = bytes(file)
        elif isinstance(file, (str, os.PathLike)):
            with open(file, "rb") as handle:
                data = handle.read(max_bytes + 1)
        else:
            data = file.read(max_bytes + 1)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ModelFileError(f"The model file cannot be read: {exc}.") from exc
    if len(data) > max_bytes:
        raise ModelFileError(_too_large(len(data), max_bytes))
    return data


def _too_large(size, max_bytes):
    return f"The model file is {_megabytes(size)}; at most {_megabytes(max_bytes)} is accepted."


def _megabytes(n_bytes):
    return f"{n_bytes / 2**20:,.1f} MB"


def _check_directory(infos, limits):
    """Map member names to their zip entries, refusing what could not be read safely."""
    # Every member is a record field or a weight or bias of a layer: two per Dense layer, and at
    # most two Dense layers per hidden layer plus three around the latent code.
    max_members = len(_RECORD_MEMBERS) + 2 * (2 * limits.max_hidden_layers + 3)
    if len(infos) > max_members:
        raise ModelFileError(f"The archive holds {len(infos)} members; a model file has at most {max_members}.")
    try:
        members = npz_members(infos, "The model file")
    except ArrayFileError as exc:
        raise ModelFileError(str(exc)) from exc
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise ModelFileError(f"The archive would decompress to {_megabytes(total)}; at most "
                             f"{_megabytes(limits.max_uncompressed_bytes)} is accepted.")
    return members


def _check_header(shape, dtype, what, kinds, ndim):
    """Refuse a dtype outside ``kinds`` (NumPy kind letters) or another ``ndim``."""
    if dtype.kind not in kinds or (kinds != "U" and dtype.itemsize > 8) or len(shape) != ndim:
        one, many = _KIND_NAMES.get(dtype.kind, ("raw bytes",) * 2)
        found = f"{one} ({dtype})" if shape == () else f"an array of shape {shape} ({many}, {dtype})"
        raise ModelFileError(f"The model file's {what} must be {_expected(kinds, ndim)}; it holds {found}.")


_KIND_NAMES = {"U": ("text", "text"), "S": ("bytes", "bytes"), "b": ("a boolean", "booleans"),
               "i": ("an integer", "integers"), "u": ("an integer", "integers"),
               "f": ("a single floating-point number", "floating-point numbers"),
               "c": ("a complex number", "complex numbers"), "M": ("a date", "dates"),
               "m": ("a time span", "time spans")}


def _expected(kinds, ndim):
    noun = {"U": "text", "iu": "integer", "f": "floating-point number", "iuf": "number"}[kinds]
    if kinds == "U":
        return noun
    return f"a single {noun}" if ndim == 0 else f"a {ndim}-D array of {noun}s"


# --------------------------------------------------------------------------- NumPy files, read safely
def npz_members(infos, subject):
    """The members of a ``.npz`` archive by array name, refusing what ``numpy.savez`` never writes.

    Parameters
    ----------
    infos : list of zipfile.ZipInfo
        The archive's directory; nothing is decompressed.
    subject : str
        How messages name the archive ("The model file", "digits.npz").

    Returns
    -------
    dict of str -> zipfile.ZipInfo
        Keyed by member name without ``.npy``.

    Raises
    ------
    ArrayFileError
        For a member that is not ``.npy``, is encrypted, uses a compression other than stored or
        deflated, or appears twice.
    """
    members = {}
    for info in infos:
        problem = None
        if not info.filename.endswith(".npy"):
            problem = "is not a NumPy array (.npy)"
        elif info.flag_bits & 0x1:
            problem = "is encrypted"
        elif info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            problem = "uses an unsupported compression method (numpy.savez stores or deflates)"
        if problem:
            raise ArrayFileError(f"{subject} is not an archive written by numpy.savez: its member "
                                 f"{_summary(info.filename)} {problem}.")
        name = info.filename[: -len(".npy")]
        if name in members:
            raise ArrayFileError(f"{subject} holds the member {_summary(info.filename)} twice.")
        members[name] = info
    return members


def read_npy(handle, size, subject, check=None):
    """One array from a ``.npy`` stream of ``size`` bytes: its header checked before any data is read.

    Parameters
    ----------
    handle : binary file object
        Positioned at the start of the ``.npy`` data (a file, a ``BytesIO``, an open zip member).
    size : int
        Bytes in the stream (for a zip member, its declared uncompressed size).
    subject : str
        How messages name the array ("The model file's history member", "digits.npy").
    check : callable, optional
        ``check(shape, dtype)`` runs after the header is read and before any data is: it raises
        to refuse a dtype or shape the caller does not accept (and so bounds the allocation).

    Returns
    -------
    ndarray
        Read-only, of the declared shape and dtype.

    Raises
    ------
    ArrayFileError
        For a stream that is not ``.npy`` (or damaged), a format version NumPy does not write by
        default, Python objects or records (never unpickled), a negative size, or data that
        is not exactly what the header declares.
    """
    try:
        version = np.lib.format.read_magic(handle)
        if version not in ((1, 0), (2, 0)):
            raise ArrayFileError(f"{subject} is not a NumPy array file this program reads: .npy format "
                                 f"version {version}, where numpy.save writes (1, 0) or (2, 0).")
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran_order, dtype = read_header(handle)
    except ArrayFileError:
        raise
    # NumPy parses the header (at most 10,000 characters) as a Python literal: one nested thousands
    # deep overflows Python's parser, as a RecursionError or (Python 3.11) a MemoryError.
    except (*_READ_ERRORS, RecursionError, MemoryError) as exc:
        reason = str(exc) or f"{type(exc).__name__}: nested too deep"
        raise ArrayFileError(f"{subject} is damaged or truncated, or not a NumPy array file ({reason}).") from exc
    if dtype.hasobject or dtype.names is not None or dtype.subdtype is not None:
        raise ArrayFileError(f"{subject} holds Python objects or records ({dtype}); only plain arrays are "
                             "read (nothing is unpickled).")
    if any(n < 0 for n in shape):
        raise ArrayFileError(f"{subject} declares a negative size {shape}.")
    if check is not None:
        check(shape, dtype)
    n_bytes = math.prod(shape) * dtype.itemsize
    try:
        if handle.tell() + n_bytes != size:
            raise ArrayFileError(f"{subject} is damaged: its header declares {n_bytes} bytes of data, but "
                                 f"{size - handle.tell()} follow it.")
        data = handle.read(n_bytes)
    except ArrayFileError:
        raise
    except _READ_ERRORS as exc:
        raise ArrayFileError(f"{subject} is damaged or truncated ({exc}).") from exc
    if len(data) != n_bytes:
        raise ArrayFileError(f"{subject} is truncated.")
    return np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran_order else "C")


# --------------------------------------------------------------------------- description
def _read_description(archive):
    """``(kind, hyperparameters)`` from the marker, format version, model class and hyperparameters."""
    if "magic" not in archive.members:
        raise ModelFileError("This .npz file is not a vae_core model (no vae_core marker inside).")
    if archive.text("magic", "marker", _MAX_NAME_CHARS) != _MAGIC:
        raise ModelFileError("This .npz file is not a vae_core model (its marker is wrong).")
    version = archive.scalar("format_version", "format_version", "iu")
    if version != FORMAT_VERSION:
        raise ModelFileError(f"Unsupported model file format version {version}; this program reads "
                             f"version {FORMAT_VERSION}.")
    unknown = sorted(name for name in archive.members if name not in _RECORD_MEMBERS and not name.startswith("param/"))
    if unknown:
        raise ModelFileError(f"The model file has members this program does not know: {unknown}. It was not "
                             "saved by this program, or it was altered.")
    kind = archive.text("model_class", "model class", _MAX_NAME_CHARS)
    if kind not in MODELS:
        raise ModelFileError(f"Unknown model class {kind!r} in file; expected one of {sorted(MODELS)}.")
    text = archive.text("hyperparameters", "hyperparameters", _MAX_HYPERPARAMETER_CHARS)
    return kind, _parse_hyperparameters(text, kind)


def _parse_json(text, what):
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: brackets nested thousands deep
        raise ModelFileError(f"The model file's {what} are damaged or incompatible: not valid JSON ({exc}).") from exc


def _parse_hyperparameters(text, kind):
    """The constructor arguments of a ``kind`` model: known names, plain JSON scalars, int lists."""
    params = _parse_json(text, "hyperparameters")
    if not isinstance(params, dict):
        raise ModelFileError("The model file's hyperparameters are damaged or incompatible: not a JSON object.")
    valid = MODELS[kind]._param_names()
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ModelFileError(f"The model file's hyperparameters are damaged or incompatible: unknown "
                             f"name(s) {unknown} for {MODELS[kind].__name__}; valid: {valid}.")
    for name, value in params.items():
        if name == "hidden_sizes" and isinstance(value, list):
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
                raise ModelFileError("The model file's hyperparameters are damaged or incompatible: "
                                     "hidden_sizes must be a list of integers.")
            params[name] = tuple(value)  # JSON has no tuples
        elif not (value is None or isinstance(value, (bool, int, float))
                  or (isinstance(value, str) and len(value) <= _MAX_NAME_CHARS)):
            raise ModelFileError(f"The model file's hyperparameters are damaged or incompatible: {name} "
                                 f"must be a number, a short string or null, got {_summary(value)}.")
    return params


def _summary(value):
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."


# --------------------------------------------------------------------------- the network
def _build_model(kind, params, limits):
    """A ``kind`` model with ``params``, checked against ``limits`` before its layers are allocated."""
    model = MODELS[kind](**params)
    try:
        model.validate_params()
    except (ValueError, TypeError, OverflowError) as exc:  # OverflowError: an int too large for a float
        raise ModelFileError(f"The model file's hyperparameters are damaged or incompatible: {exc}") from exc
    hidden = tuple(int(h) for h in model.hidden_sizes)
    bounds = [(f"input_dim = {model.input_dim}", model.input_dim, limits.max_input_dim),
              (f"latent_dim = {model.latent_dim}", model.latent_dim, limits.max_latent),
              (f"epochs = {model.epochs}", model.epochs, limits.max_epochs),
              (f"n_snapshots = {model.n_snapshots}", model.n_snapshots, limits.max_snapshots),
              (f"{len(hidden)} hidden layers", len(hidden), limits.max_hidden_layers)]
    bounds += [(f"a hidden layer of {width} units", width, limits.max_width) for width in hidden]
    for declared, value, limit in bounds:
        if value > limit:
            raise ModelFileError(f"The model file declares {declared}; this program accepts at most {limit}.")
    n_parameters = parameter_count(kind, model.input_dim, hidden, model.latent_dim)
    if n_parameters > limits.max_parameters:
        raise ModelFileError(f"The model file declares a network of {n_parameters:,} parameters; at most "
                             f"{limits.max_parameters:,} are accepted.")
    model._build(np.random.default_rng(0))
    return model


def _read_weights(archive, model):
    """Copy every ``param/<name>`` member into the built model, refusing extras, misfits and overflow."""
    params = model.parameters()
    extra = sorted(name for name in archive.members if name.startswith("param/") and name[6:] not in params)
    if extra:
        raise ModelFileError(f"The model file has weights the architecture does not use: {extra}.")
    for name, target in params.items():
        key = f"param/{name}"
        if key not in archive.members:
            raise ModelFileError(f"The model file lacks the weight array {name!r}.")

        def same_shape(shape, dtype, name=name, target=target):
            if shape != target.shape:
                raise ModelFileError(f"Weight {name!r} has shape {shape} in the file, but the "
                                     f"hyperparameters need {target.shape}.")

        value = archive.array(key, f"weight {name!r}", "f", target.ndim, same_shape)
        if not np.all(np.isfinite(value)):
            raise ModelFileError(f"Weight {name!r} holds non-finite values (NaN or infinity).")
        with np.errstate(over="ignore"):
            cast = value.astype(target.dtype)
        if not np.all(np.isfinite(cast)):
            raise ModelFileError(f"Weight {name!r} holds values too large for the model's dtype "
                                 f"{model.dtype} (largest magnitude {np.abs(value).max():.3g}).")
        target[...] = cast
    model.n_features_in_ = model.input_dim


def _check_forward(model):
    """Refuse weights whose forward pass is not finite on probe images and codes.

    Every weight may fit the model's dtype and a layer's sum still overflow (weights of 3e38 in
    float32), and the pages would draw NaN. The probe: images of all 0, all 1, all 0.5 and four
    random ones; their codes and codes as far out as the prior draws (0, the corners at ±4, four
    draws); for a VAE, also the posterior's standard deviation its sampling multiplies by.
    """
    rng = np.random.default_rng(0)
    d, k = model.input_dim, model.latent_dim
    X = np.vstack([np.zeros(d), np.ones(d), np.full(d, 0.5), rng.random((4, d))])  # (7, input_dim)
    Z = np.vstack([np.zeros(k), np.full(k, 4.0), np.full(k, -4.0), rng.standard_normal((4, k))])  # (7, latent)
    with np.errstate(over="ignore", invalid="ignore"):
        if model.kind == "vae":
            codes, log_var = model.encode_distribution(X)
            outputs = [("the codes", codes), ("the posterior's standard deviation", np.exp(0.5 * log_var))]
        else:
            codes = model.encode(X)
            outputs = [("the codes", codes)]
        if np.all(np.isfinite(codes)):
            decoded = infer_all(model.decoder_, model._as_dtype(np.vstack([codes, Z])))  # (14, input_dim) logits
            outputs.append(("the decoded images", decoded))
    for where, values in outputs:
        if not np.all(np.isfinite(values)):
            raise ModelFileError(f"The model file's weights overflow {model.dtype} when the model runs (not finite: "
                                 f"{where}, for images of all 0, all 1 or random pixels). The file was altered, or "
                                 "saved from a run that diverged.")


# --------------------------------------------------------------------------- history and snapshots
def _read_training_record(archive, model, limits):
    """Set ``history_``, ``snapshot_epochs_``, ``latent_snapshots_`` and ``seconds_`` from the file."""
    # Bound the JSON text by what the declared run can have written: a number per history entry.
    numbers_per_epoch = len(HISTORY_KEYS) + 2 * model.latent_dim
    max_chars = _CHARS_PER_NUMBER * numbers_per_epoch * model.epochs + 4096
    history = _parse_history(archive.text("history", "training history", max_chars), model)
    epochs_run = len(history["epoch"])
    model.snapshot_epochs_ = _read_snapshot_epochs(archive, model, epochs_run)
    model.latent_snapshots_ = _read_latent_snapshots(archive, model, len(model.snapshot_epochs_), limits)
    seconds = archive.scalar("seconds", "training time (seconds)", "iuf")
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ModelFileError(f"The model file's training time must be a finite number of seconds >= 0, got {seconds}.")
    model.history_ = history
    model.seconds_ = float(seconds)


def _parse_history(text, model):
    """The per-epoch history: the known keys, lists of one length (epochs run), finite numbers."""
    history = _parse_json(text, "training history")
    if not isinstance(history, dict) or set(history) != set(HISTORY_KEYS):
        raise ModelFileError("The model file's training history is damaged (unexpected keys).")
    if not all(isinstance(values, list) for values in history.values()):
        raise ModelFileError("The model file's training history is damaged: every entry must be a list.")
    epochs_run = len(history["epoch"])
    if epochs_run > model.epochs:
        raise ModelFileError(f"The model file's training history has {epochs_run} epochs, but the model "
                             f"was set to train for {model.epochs}.")
    if history["epoch"] != list(range(1, epochs_run + 1)):
        raise ModelFileError("The model file's training history is damaged: its epochs are not 1, 2, 3...")
    val_lengths = {len(values) for key, values in history.items() if key.startswith("val_")}
    for key, values in history.items():
        # Held-out metrics are empty when the model was trained without a held-out set.
        allowed = {0, epochs_run} if key.startswith("val_") and len(val_lengths) == 1 else {epochs_run}
        if len(values) not in allowed:
            raise ModelFileError(f"The model file's training history is damaged: {key!r} has {len(values)} "
                                 f"entries, but {epochs_run} epochs were run.")
        if key.endswith("_per_dim"):
            ok = all(isinstance(row, list) and len(row) == model.latent_dim and all(map(_is_finite_number, row))
                     for row in values)
            expected = f"a list of {model.latent_dim} finite numbers (one per latent dimension) per epoch"
        else:
            ok = all(map(_is_finite_number, values))
            expected = "one finite number per epoch"
        if not ok:
            raise ModelFileError(f"The model file's training history is damaged: {key!r} must hold {expected}.")
    return history


def _is_finite_number(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # a JSON integer too large for a float, e.g. 10**400
        return False


def _read_snapshot_epochs(archive, model, epochs_run):
    """The epochs of the latent snapshots: increasing integers in [0, epochs run]."""
    max_snapshots = len(snapshot_epochs(model.epochs, model.n_snapshots))

    def bounded(shape, dtype):
        if shape[0] > max_snapshots:
            raise ModelFileError(f"The model file lists {shape[0]} snapshot epochs; a model with epochs="
                                 f"{model.epochs} and n_snapshots={model.n_snapshots} takes at most {max_snapshots}.")

    epochs = archive.array("snapshot_epochs", "snapshot epochs", "iu", 1, bounded)
    if epochs.size and (epochs.min() < 0 or epochs.max() > epochs_run or np.any(np.diff(epochs) <= 0)):
        raise ModelFileError(f"The model file's snapshot epochs must increase within [0, {epochs_run}] "
                             "(the epochs run).")
    return epochs.astype(np.int64)


def _read_latent_snapshots(archive, model, n_snapshots, limits):
    """The snapshots: finite floats of shape (n_snapshots, n_points, latent_dim)."""
    expected = f"(n_snapshots={n_snapshots}, n_points, latent_dim={model.latent_dim})"

    def consistent(shape, dtype):
        if shape[0] != n_snapshots or shape[2] != model.latent_dim:
            raise ModelFileError(f"The model file's latent snapshots have shape {shape}; expected {expected}.")
        if shape[1] > limits.max_snapshot_points:
            raise ModelFileError(f"The model file's latent snapshots hold {shape[1]} points each; at most "
                                 f"{limits.max_snapshot_points} are accepted.")

    snapshots = archive.array("latent_snapshots", f"latent snapshots {expected}", "f", 3, consistent)
    snapshots = snapshots.astype(np.float64)  # (n_snapshots, n_points, latent)
    if not np.all(np.isfinite(snapshots)):
        raise ModelFileError("The model file's latent snapshots hold non-finite values (NaN or infinity).")
    return snapshots
