"""Save and load fitted models as one ``.npz`` file (no pickle)."""

import io
import json
import os
import zipfile
import zlib

import numpy as np

from .models import MODELS
from .training import HISTORY_KEYS

FORMAT_VERSION = 1
_MAGIC = "vae_core-model"


class ModelFileError(ValueError):
    """A model file is truncated, corrupt, from another program or from an incompatible version."""


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


def load_model(file):
    """Rebuild a fitted model from a file written by :func:`save_model`.

    Parameters
    ----------
    file : path, binary file object or bytes

    Raises
    ------
    ModelFileError
        With a message saying what is wrong: not an ``.npz`` archive, truncated, not a
        vae_core model, an unknown format version, missing or misshaped weights, NaNs.
    """
    if isinstance(file, (bytes, bytearray, memoryview)):
        file = io.BytesIO(bytes(file))
    try:
        archive = np.load(file, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        # NumPy falls back to unpickling anything that is neither .npy nor .npz; with pickle
        # disabled its message talks about pickles, which would only confuse a user.
        reason = "it is neither a .npz archive nor a NumPy file" if "pickle" in str(exc) else str(exc)
        raise ModelFileError(f"Not a readable .npz model file: {reason}. It may be truncated or "
                             "not a model saved by this program.") from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ModelFileError("This file holds a single NumPy array, not a model archive (.npz).")
    try:
        with archive:
            contents = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise ModelFileError(f"The model file is damaged or truncated ({exc}).") from exc
    if str(contents.get("magic", "")) != _MAGIC:
        raise ModelFileError("This .npz file is not a vae_core model (no vae_core marker inside).")
    version = int(contents["format_version"]) if "format_version" in contents else None
    if version != FORMAT_VERSION:
        raise ModelFileError(f"Unsupported model file format version {version}; this program reads "
                             f"version {FORMAT_VERSION}.")
    try:
        kind = str(contents["model_class"])
        if kind not in MODELS:
            raise ModelFileError(f"Unknown model class {kind!r} in file; expected one of {sorted(MODELS)}.")
        params = json.loads(str(contents["hyperparameters"]))
        if isinstance(params, dict) and isinstance(params.get("hidden_sizes"), list):
            params["hidden_sizes"] = tuple(params["hidden_sizes"])  # JSON has no tuples
        history = json.loads(str(contents["history"]))
        model = MODELS[kind](**params)
        model.validate_params()
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"The model file's description is damaged or incompatible: {exc}") from exc
    if not isinstance(history, dict) or set(history) != set(HISTORY_KEYS):
        raise ModelFileError("The model file's training history is damaged (unexpected keys).")
    model._build(np.random.default_rng(0))
    for name, target in model.parameters().items():
        key = f"param/{name}"
        if key not in contents:
            raise ModelFileError(f"The model file lacks the weight array {name!r}.")
        value = contents[key]
        if value.shape != target.shape:
            raise ModelFileError(f"Weight {name!r} has shape {value.shape} in the file, but the "
                                 f"hyperparameters need {target.shape}.")
        if not np.issubdtype(value.dtype, np.floating) or not np.all(np.isfinite(value)):
            raise ModelFileError(f"Weight {name!r} holds non-finite or non-float values.")
        target[...] = value
    expected = {f"param/{name}" for name in model.parameters()}
    extra = sorted(k for k in contents if k.startswith("param/") and k not in expected)
    if extra:
        raise ModelFileError(f"The model file has weights the architecture does not use: {extra}.")
    model.n_features_in_ = model.input_dim
    model.history_ = history
    model.snapshot_epochs_ = contents.get("snapshot_epochs", np.zeros(0, dtype=np.int64))
    model.latent_snapshots_ = contents.get("latent_snapshots", np.zeros((0, 0, model.latent_dim)))
    model.seconds_ = float(contents.get("seconds", 0.0))
    return model
