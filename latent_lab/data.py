"""The images every model is trained and scored on, and picks from them."""

from __future__ import annotations

import functools

import numpy as np

from vae_core import load_digits_unit, split_digits


@functools.cache
def digits():
    """The train/held-out split of the digits, and all digits with their labels (read-only)."""
    split = split_digits()
    X_all, y_all = load_digits_unit()
    for arr in (*split, X_all, y_all):
        arr.setflags(write=False)
    return split, X_all, y_all


def one_per_class(labels: np.ndarray, start: int = 0) -> np.ndarray:
    """Index of the ``start``-th example of each class present, in class order."""
    labels = np.asarray(labels)
    out = []
    for digit in np.unique(labels):
        idx = np.flatnonzero(labels == digit)
        out.append(idx[start % len(idx)])
    return np.asarray(out)
