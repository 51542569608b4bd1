"""Figures and component data built once per content and shared by every session (read-only).

Each cache is bounded by entries and by bytes (``latent_lab.models.cache.bounded``), and what was
built from an uploaded dataset goes when no session holds that dataset any more.
"""

from __future__ import annotations

import numpy as np

from latent_lab.drawing import figures, latent_explorer
from latent_lab.images.dataset import Dataset
from latent_lab.measures import per_model
from latent_lab.models.cache import bounded, content_key


@bounded(max_entries=32, max_mb=48)
def explorer_data(tokens: tuple[str, str], names: tuple[str, str], data_token: str, _models: tuple,
                  _dataset: Dataset):
    """What the latent explorer draws for an (AE, VAE) pair, built once per pair and shared.

    ``tokens`` name the two models ("default" for the shipped ones, which every session shares;
    a session's own model by its content, ``latent_lab.models.cache.model_key``) and, with
    ``names`` (the map titles) and the dataset's token, key the cache; ``_models`` is the pair. The result is read-only:
    pages copy it before adding what changes with each click (the pinned point, a posterior).
    """
    split = _dataset.split
    maps = [(kind, name, f"{name} latent space", model.encode(_dataset.X_all), model)
            for kind, name, model in zip(("ae", "vae"), names, _models, strict=True)]
    thresholds = per_model.off_data_thresholds(data_token, _dataset)
    train_labels = (_dataset.colour_labels(split.y_train) if _dataset.labelled else
                    np.zeros(len(split.X_train), dtype=np.int64))
    return latent_explorer.explorer_data(maps, _dataset.colour_labels(),
                                  train=(split.X_train, train_labels, thresholds), dataset=_dataset.token)


def animation_figure(snapshots: np.ndarray, epochs, labels: np.ndarray, y_title: str):
    """The training page's animation of a model's snapshots, built once per content.

    Plotly validates every frame as it builds the figure (a few hundred ms for 30 frames), and the
    training page shows it on every run: the figure is built once and shared (it is only read).
    """
    epochs, labels = np.asarray(epochs), np.asarray(labels)
    return _animation_figure(content_key(snapshots, epochs, labels), y_title, snapshots, epochs, labels)


@bounded(max_entries=8, max_mb=16)
def _animation_figure(key: str, y_title: str, _snapshots, _epochs, _labels):
    return figures.latent_animation_figure(_snapshots, [int(e) for e in _epochs], _labels, y_title=y_title)
