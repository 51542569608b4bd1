"""The 8x8 digits shipped with scikit-learn, scaled to [0, 1], and input validation."""

import gzip
import importlib.util
from pathlib import Path
from typing import NamedTuple

import numpy as np

# scikit-learn takes about a second to import (SciPy, and pandas when installed): it is imported
# where it is used, so a page that only shows models doesn't wait for it.


class DigitSplit(NamedTuple):
    X_train: np.ndarray  # (n_train, 64)
    X_test: np.ndarray  # (n_test, 64)
    y_train: np.ndarray  # (n_train,)
    y_test: np.ndarray  # (n_test,)


def load_digits_unit():
    """Return the 1,797 scikit-learn digits as ``(X, y)`` with pixels in [0, 1].

    Returns
    -------
    X : ndarray of shape (1797, 64), float64
        Flattened 8x8 images; the raw 0..16 intensities divided by 16.
    y : ndarray of shape (1797,), int
        Digit labels. They are never used for training, only for colouring plots and metrics.
    """
    data = _read_digits_file()
    if data is None:
        from sklearn.datasets import load_digits

        digits = load_digits()
        data = np.column_stack([digits.data, digits.target])
    return data[:, :-1].astype(np.float64) / 16.0, data[:, -1].astype(np.int64)


def _read_digits_file():
    """The digits file scikit-learn ships, read as ``load_digits`` reads it, without importing
    scikit-learn; None if it isn't where this version keeps it."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(spec.submodule_search_locations[0]) / "datasets" / "data" / "digits.csv.gz"
    try:
        with gzip.open(path, "rt") as f:
            data = np.loadtxt(f, delimiter=",")  # (1797, 65): 64 pixels in 0..16, then the label
    except (OSError, ValueError):
        return None
    return data if data.ndim == 2 and data.shape[1] == 65 else None


def split_digits(test_size=0.2, random_state=0):
    """Seeded, label-stratified train / held-out split of the digits.

    Parameters
    ----------
    test_size : float in (0, 1)
        Fraction of images held out.
    random_state : int
        Seed of the split; the same seed always gives the same split.

    Returns
    -------
    DigitSplit
        ``(X_train, X_test, y_train, y_test)``; with the defaults 1,437 and 360 images.
    """
    if not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"test_size must be a fraction strictly between 0 and 1, got {test_size!r}.")
    from sklearn.model_selection import train_test_split

    X, y = load_digits_unit()
    parts = train_test_split(X, y, test_size=test_size, random_state=random_state, stratify=y)
    return DigitSplit(*parts)


def check_images(X, n_features=None, name="X"):
    """Validate a batch of images and return it as a float64 array.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Pixel intensities in [0, 1].
    n_features : int, optional
        Expected number of pixels per image.
    name : str
        Name used in error messages.

    Raises
    ------
    ValueError
        If ``X`` is not a non-empty 2-D numeric array of finite values in [0, 1] with the expected
        number of columns.
    """
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array of pixel values, got {type(X).__name__}.") from exc
    if X.ndim != 2:
        hint = " Use X.reshape(1, -1) for a single image." if X.ndim == 1 else ""
        raise ValueError(f"{name} must be 2-D (n_samples, n_features), got shape {X.shape}.{hint}")
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty: it needs at least one image.")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{name} has {X.shape[1]} features per image, but the model expects {n_features}.")
    if not np.all(np.isfinite(X)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    if X.min() < 0.0 or X.max() > 1.0:
        raise ValueError(
            f"{name} must hold pixel values in [0, 1], got range [{X.min():.3g}, {X.max():.3g}]. "
            "Divide 0..16 digit intensities by 16 (or 0..255 pixels by 255)."
        )
    return X


def check_latent(Z, latent_dim, name="Z"):
    """Validate latent codes: a finite 2-D array with ``latent_dim`` columns, returned as float64."""
    try:
        Z = np.asarray(Z, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a numeric array of latent codes.") from exc
    if Z.ndim != 2 or Z.shape[1] != latent_dim:
        raise ValueError(f"{name} must have shape (n_samples, {latent_dim}), got {Z.shape}.")
    if not np.all(np.isfinite(Z)):
        raise ValueError(f"{name} contains NaN or infinite values.")
    return Z
