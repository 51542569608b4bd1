"""The images the models are trained and scored on: the built-in digits, or a visitor's upload.

A :class:`Dataset` is what every page needs of a set of images: the train / held-out split, all
images with their labels for the maps, the images' side, and a token that names it in caches
(a model trained on one dataset is another model than the same config trained on another).
Labels are optional: without them the maps are drawn in one colour.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from vae_core import DigitSplit, load_digits_unit, split_digits

DIGITS = "digits"


@dataclass(frozen=True)
class Dataset:
    """A set of square images, split into training and held-out images (arrays are read-only)."""

    name: str  # for sentences: "the 8×8 digits", "your 500 images of 16×16"
    token: str  # DIGITS, or a hash of the images and labels
    split: DigitSplit  # y_train / y_test are None without labels
    X_all: np.ndarray  # (n, side²): every image, for the maps
    y_all: np.ndarray | None
    side: int

    @property
    def labelled(self) -> bool:
        return self.y_all is not None

    @property
    def is_digits(self) -> bool:
        return self.token == DIGITS

    @property
    def n_pixels(self) -> int:
        return self.side * self.side

    def colour_labels(self, labels=None) -> np.ndarray:
        """Labels as colour indices 0..9 (one per class, in order), or all 0 without labels.

        More than ten classes are drawn in one colour too: the palette has ten.
        """
        labels = self.y_all if labels is None else labels
        if labels is None:
            return np.zeros(len(self.X_all), dtype=np.int64)
        classes = np.unique(self.y_all)
        if len(classes) > 10:
            return np.zeros(len(labels), dtype=np.int64)
        return np.searchsorted(classes, labels)


def _read_only(*arrays):
    for arr in arrays:
        if arr is not None:
            arr.setflags(write=False)


@functools.cache
def digits_dataset() -> Dataset:
    """scikit-learn's 1,797 digits, pixels / 16, split 1,437 / 360 (stratified, seed 0)."""
    split = split_digits()
    X_all, y_all = load_digits_unit()
    _read_only(*split, X_all, y_all)
    return Dataset("the 8×8 digits", DIGITS, split, X_all, y_all, 8)


def digits():
    """The digits' train/held-out split, and all digits with their labels (read-only)."""
    ds = digits_dataset()
    return ds.split, ds.X_all, ds.y_all


def from_images(images) -> Dataset:
    """A dataset of uploaded images (``latent_lab.images.uploads.ImageSet``), split reproducibly."""
    from latent_lab.images.uploads import split_images

    # Pixels in float32, as the models train on them: an upload is held twice (all images, and
    # the split), and 10,000 images of 28 x 28 are 31 MB a copy in float32 (63 MB in float64).
    X = np.ascontiguousarray(images.X, dtype=np.float32)
    y = None if images.y is None else np.ascontiguousarray(images.y, dtype=np.int64)
    digest = hashlib.sha256(memoryview(X))
    if y is not None:
        digest.update(memoryview(y))
    split = split_images(dataclasses.replace(images, X=X))  # split the float32 pixels: no float64 copy
    split = DigitSplit(*(None if a is None else np.ascontiguousarray(a) for a in split))
    _read_only(*split, X, y)
    side = math.isqrt(X.shape[1])
    name = f"your {len(X):,} images of {side}×{side}" + ("" if y is None else ", labelled")
    return Dataset(name, f"upload-{digest.hexdigest()[:16]}", split, X, y, side)


def active(session: Mapping) -> Dataset:
    """The dataset the session trains on: its upload if it chose one, else the digits."""
    chosen = session.get("dataset")
    return chosen if chosen is not None else digits_dataset()


def one_per_class(labels: np.ndarray, start: int = 0) -> np.ndarray:
    """Index of the ``start``-th example of each class present, in class order."""
    labels = np.asarray(labels)
    out = []
    for digit in np.unique(labels):
        idx = np.flatnonzero(labels == digit)
        out.append(idx[start % len(idx)])
    return np.asarray(out)
