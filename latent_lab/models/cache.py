"""Cached access to trained models, shared by every session.

``st.cache_resource`` keeps one *slot* per model config (bounded by ``max_entries``). The slot is
filled outside the cached function: Streamlit records the elements a cached function draws and
replays them on every later hit, so a progress bar updated from inside it breaks the second
session that asks for the same model (``CacheReplayClosureError``). Filling the slot under its own
lock keeps the guarantee that matters: two sessions asking for the same config train it once,
the second waits for the first and shares its model. Models are read-only once in a slot.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time

import numpy as np
import streamlit as st

import vae_core
from latent_lab.images.dataset import DIGITS, Dataset, digits_dataset
from latent_lab.models import catalog, jobs
from latent_lab.models.limits import LIMITS, MODEL_FILE_LIMITS
from vae_core import load_model


class _Slot:
    def __init__(self):
        self.lock = threading.Lock()
        self.model = None


@st.cache_resource(max_entries=LIMITS.max_cached_models, show_spinner=False)
def _slot(key: tuple) -> _Slot:
    return _Slot()


@functools.cache
def _shipped_by_key() -> dict[tuple, str]:
    return {catalog.config_key(cfg): stem for stem, cfg in catalog.shipped_configs().items()}


def _load_shipped(config: dict):
    stem = _shipped_by_key().get(catalog.config_key(config))
    path = catalog.asset_path(stem) if stem else None
    if path is None or not path.exists():
        return None
    model = load_model(path)
    # A stale file (the core's defaults changed since it was built) must not pass for this config.
    if catalog.config_key(catalog.config_of(model)) != catalog.config_key(config):
        return None
    return model


def _key(config: dict, token: str) -> tuple:
    """The cache key of ``config`` trained on the dataset ``token`` (the digits' keys stay as they were)."""
    key = catalog.config_key(config)
    return key if token == DIGITS else (token, key)


def store(config: dict, model, token: str = DIGITS) -> None:
    """Keep a model trained elsewhere (a background job) as the model of ``config`` on ``token``."""
    slot = _slot(_key(config, token))
    with slot.lock:
        if slot.model is None:
            slot.model = model


@st.cache_resource(show_spinner=False)
def trainer() -> jobs.Trainer:
    """The process's one trainer: background jobs, at most ``LIMITS.max_trainings`` at once."""
    def data():
        split = digits_dataset().split
        return split.X_train, split.X_test

    return jobs.Trainer(data, on_done=store, max_running=LIMITS.max_trainings)


def is_cached(config: dict, dataset: Dataset | None = None) -> bool:
    """Whether ``config`` is trained already, or ships in ``assets/``: asking for it is instant."""
    token = DIGITS if dataset is None else dataset.token
    key = _key(config, token)
    return _slot(key).model is not None or (token == DIGITS and key in _shipped_by_key())


def get_model(config: dict, progress=None, dataset: Dataset | None = None):
    """The fitted model of ``config``: from the cache, the shipped assets, or trained now.

    Parameters
    ----------
    config : dict
        A full config from :func:`latent_lab.models.catalog.model_config`.
    progress : callable, optional
        Receives the core's per-epoch ``fit`` callback dicts while this session trains.
    dataset : Dataset, optional
        What to train on: the digits (default, where the shipped models apply) or an upload.

    Raises
    ------
    vae_core.TrainingDivergedError
        If training diverges; nothing is cached, so asking again retries.
    """
    dataset = dataset or digits_dataset()
    slot = _slot(_key(config, dataset.token))
    if slot.model is not None:
        return slot.model
    if not slot.lock.acquire(blocking=False):
        _wait_for_other_session(slot)
    try:
        if slot.model is None:
            model = _load_shipped(config) if dataset.is_digits else None
            if model is None:
                model = catalog.train_model(config, callback=progress, split=dataset.split)
            slot.model = model
        return slot.model
    finally:
        slot.lock.release()


def _wait_for_other_session(slot: _Slot) -> None:
    # Each update of the notice is also a point where Streamlit can stop this run if the user
    # moves on, so a waiting session never hangs.
    notice = st.empty()
    start = time.perf_counter()
    while not slot.lock.acquire(timeout=0.25):
        notice.info(f"Another session is training this exact configuration; its model will be "
                    f"shared with you when it is done ({time.perf_counter() - start:.0f} s).")
    notice.empty()


def default_models():
    """The shipped default autoencoder and VAE."""
    configs = catalog.shipped_configs()
    return get_model(configs["ae_default"]), get_model(configs["vae_default"])


def sweep_model(beta: float, warmup: bool):
    return get_model(catalog.shipped_configs()[catalog.sweep_name(beta, warmup)])


def load_uploaded(data: bytes, dataset: Dataset | None = None):
    """A model from the bytes of an uploaded ``.npz`` file, kept by the session that uploaded it.

    The file is checked against the hosted limits before anything is allocated, and the model
    must read images of the data the pages show. Raises ``vae_core.ModelFileError`` with a plain
    message for anything else.
    """
    dataset = dataset or digits_dataset()
    model = load_model(data, limits=MODEL_FILE_LIMITS)
    if model.input_dim != dataset.n_pixels:
        raise vae_core.ModelFileError(
            f"This model reads images of {model.input_dim} pixels; {dataset.name} have "
            f"{dataset.n_pixels} ({dataset.side} × {dataset.side}). Load a model trained on them.")
    return model


def content_key(*arrays) -> str:
    """A digest of arrays' shapes, types and values: equal only for equal contents."""
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()
