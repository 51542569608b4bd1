"""Which latent snapshots of a model the training page draws, and in which colours.

A model's snapshots hold the codes of the images it was scored on while it trained: its held-out
images, its training images when it had no held-out ones, or any set at all in a file trained
elsewhere. The points are coloured by the labels of the data on view only when a snapshot holds
as many points as one of its sets (the held-out images first, then the training images); other
snapshots are drawn in one colour. However many a file holds, at most ``MAX_FRAMES`` snapshots of
at most ``MAX_POINTS`` points each are drawn: the first and the last, and evenly between.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from latent_lab.drawing import figures

MAX_FRAMES = 31  # the app's own models take 31 snapshots (n_snapshots=30, and epoch 0)
MAX_POINTS = 2000  # the held-out fifth of the largest upload (10,000 images)


@dataclass(frozen=True)
class DrawnSnapshots:
    """The snapshots of a model as the training page draws them.

    Attributes
    ----------
    epochs : tuple of int
        The epochs of the drawn snapshots, increasing; empty when there is nothing to draw.
    points : ndarray of shape (n_frames, n_points, 2)
        The codes in 2-D: as they are, on the last snapshot's main (PCA) axes, or a strip chart.
    labels : ndarray of shape (n_points,), int
        Colour indices (``Dataset.colour_labels``); all 0 when the points' images are not known.
    y_title : str
        The y axis' title.
    note : str or None
        What the page says when it draws the snapshots otherwise than as they are.
    """

    epochs: tuple[int, ...]
    points: np.ndarray
    labels: np.ndarray
    y_title: str
    note: str | None


def snapshot_labels(model, dataset) -> tuple[np.ndarray | None, str | None]:
    """The colour indices of the images ``model``'s snapshots encode, and a note unless they are the held-out ones.

    The held-out images' labels when the snapshots hold as many points, else the training
    images' when they do (a model trained without held-out images); None (one colour) when
    the images have no labels or are not the dataset's.
    """
    n_points = model.latent_snapshots_.shape[1]
    split = dataset.split
    if n_points == len(split.X_test):
        return _colours(dataset, split.y_test), None
    if n_points == len(split.X_train):
        return (_colours(dataset, split.y_train),
                "This model was trained without held-out images: its snapshots show its training images.")
    return None, (f"These snapshots hold {n_points:,} codes of other images than the {len(split.X_test):,} held-out "
                  "ones on view, so they are drawn in one colour.")


def drawn_snapshots(model, dataset, max_frames: int = MAX_FRAMES, max_points: int = MAX_POINTS) -> DrawnSnapshots:
    """The snapshots of ``model`` to draw over ``dataset`` (what it was trained on): bounded and coloured."""
    snapshots = model.latent_snapshots_  # (n_snapshots, n_points, latent)
    n_snapshots, n_points = snapshots.shape[:2]
    if n_snapshots == 0 or n_points == 0:
        note = "This model has no latent snapshots to show." if n_snapshots == 0 else \
            "This model's latent snapshots hold no codes to show."
        return DrawnSnapshots((), np.zeros((0, 0, 2)), np.zeros(0, dtype=np.int64), "z₂", note)
    labels, note = snapshot_labels(model, dataset)
    labelled = labels is not None
    labels = labels if labelled else np.zeros(n_points, dtype=np.int64)
    frames, points = _evenly(n_snapshots, max_frames), _evenly(n_points, max_points)
    notes = [note] if note else []
    if len(frames) < n_snapshots or len(points) < n_points:
        notes.append(f"Drawn: {len(frames)} of its {n_snapshots:,} snapshots, {len(points):,} of the "
                     f"{n_points:,} codes in each.")
    codes = np.asarray(snapshots[np.ix_(frames, points)], dtype=float)  # (n_frames, n_drawn, latent)
    labels = labels[points]
    if model.latent_dim == 1:
        drawn = figures.strip_1d(codes, labels)
        y_title = "digit (a 1-D code: one row per digit)" if labelled else "spread out (a 1-D code)"
    else:
        drawn = figures.project_2d(codes)
        y_title = figures.Z_TITLES[1] if model.latent_dim == 2 else figures.PC_TITLES[1]
    epochs = tuple(int(e) for e in np.asarray(model.snapshot_epochs_)[frames])
    return DrawnSnapshots(epochs, drawn, labels, y_title, " ".join(notes) or None)


def _colours(dataset, labels):
    return None if labels is None else dataset.colour_labels(labels)


def _evenly(n, most):
    """Up to ``most`` indices of ``range(n)``: all of them, or the first, the last and evenly between."""
    if n <= most:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, most).round().astype(np.int64))
