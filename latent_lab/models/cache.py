"""What the server keeps for every session: trained models, and caches derived from data.

Every cache here is a :class:`BoundedCache`: shared by every session, keyed by content (a model's
config and the token of the images it was trained on, a digest of arrays; never an object's
``id``), bounded twice (by entries and by bytes, measured when an entry is stored; the least
recently used entries go first), and it forgets what belongs to an uploaded dataset as soon as no
session holds that dataset any more (:func:`track`: a session that ended takes its upload's models,
maps and measures with it).

Models: the shipped ones (``assets/``) are loaded once and kept; every other model is trained by
the process's one trainer (:func:`trainer`, ``latent_lab.models.jobs``), never in a page's
thread: a page asks for a model with :func:`cached_model` (at once, or None) and, when it is not
there, starts or joins its training with :func:`train_in_background` and shows its progress. A
finished model is kept in :data:`MODELS` under its config and dataset. Models are read-only once
kept.
"""

from __future__ import annotations

import collections
import functools
import hashlib
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np
import streamlit as st

import vae_core
from latent_lab.images.dataset import DIGITS, Dataset, digits_dataset
from latent_lab.models import catalog, jobs
from latent_lab.models.limits import LIMITS, MODEL_FILE_LIMITS
from vae_core import TrainingDivergedError, load_model

MB = 2**20


# ----------------------------------------------------------------------------- bounded caches
def sizeof(value, _seen: set | None = None) -> int:
    """About how many bytes ``value`` holds: arrays by their buffers, containers and objects deeply.

    NumPy views count their base array once, and read-only arrays (a dataset's images, which a
    model keeps to train on) not at all: they are the dataset's; objects count their attributes;
    a Plotly figure counts its JSON form. An estimate to bound caches by, not an accounting.
    """
    seen = set() if _seen is None else _seen
    if id(value) in seen:  # identity within one walk only (shared parts count once)
        return 0
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        base = value
        while isinstance(base.base, np.ndarray):
            base = base.base
        if not base.flags.writeable:
            return 0  # a dataset's images (read-only), which a model keeps to train on: the dataset's
        if base is not value:
            return sizeof(base, seen)
        return value.nbytes + 112
    if isinstance(value, (str, bytes, bytearray, int, float, bool, type(None), np.generic)):
        return sys.getsizeof(value)
    if hasattr(value, "to_plotly_json"):  # a Plotly figure
        return sizeof(value.to_plotly_json(), seen)
    size = sys.getsizeof(value, 64)
    if isinstance(value, dict):
        return size + sum(sizeof(k, seen) + sizeof(v, seen) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset, collections.deque)):
        return size + sum(sizeof(item, seen) for item in value)
    if hasattr(value, "__dict__"):
        return size + sizeof(vars(value), seen)
    return size


class BoundedCache:
    """A least-recently-used map bounded by entries and by bytes; safe to share between threads.

    Parameters
    ----------
    name : str
        For messages and :func:`cache_sizes`.
    max_entries : int
    max_bytes : int
        The sum of :func:`sizeof` over the entries; an entry larger than this alone is not kept.

    An entry may name the dataset it was made from (``dataset=`` a token): :meth:`forget` drops
    every entry of a dataset that is gone.
    """

    def __init__(self, name: str, max_entries: int, max_bytes: int):
        self.name, self.max_entries, self.max_bytes = name, max_entries, max_bytes
        self._entries: OrderedDict[Hashable, tuple[object, int, str | None]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.RLock()
        _CACHES.add(self)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __contains__(self, key) -> bool:
        return key in self._entries

    def get(self, key, default=None):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return default
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key, value, dataset: str | None = None, size: int | None = None):
        """Keep ``value`` under ``key`` (the first value kept wins); return the value kept."""
        size = sizeof(value) if size is None else size
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key][0]
            if size > self.max_bytes:
                return value  # too big to keep: used once, then freed
            self._entries[key] = (value, size, None if dataset == DIGITS else dataset)
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))
            return value

    def get_or_make(self, key, make: Callable[[], object], dataset: str | None = None):
        """The value kept under ``key``, or ``make()`` kept now (made outside the lock)."""
        value = self.get(key, _MISSING)
        if value is _MISSING:
            value = self.put(key, make(), dataset)
        return value

    def forget(self, dataset: str) -> int:
        """Drop every entry made from the dataset ``dataset``; return how many."""
        with self._lock:
            gone = [key for key, (_, _, tag) in self._entries.items() if tag == dataset]
            for key in gone:
                self._drop(key)
            return len(gone)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key) -> None:
        _, size, _ = self._entries.pop(key)
        self._bytes -= size


_MISSING = object()
_CACHES: weakref.WeakSet[BoundedCache] = weakref.WeakSet()


def bounded(max_entries: int, max_mb: float, show_spinner: str | None = None):
    """Decorate a function whose results are kept in a :class:`BoundedCache` of its own.

    Like ``st.cache_resource``: the result is shared by every session and read-only, and the
    arguments whose names start with an underscore are not part of the key (the others must be
    hashable, and say what the result is made of: tokens, content keys). An argument that is a
    :class:`Dataset` ties the result to that dataset's lifetime (:func:`track`). ``show_spinner``
    is shown while a result is made. The function gets ``.cache`` (its BoundedCache).
    """
    def decorate(func):
        cache = BoundedCache(func.__qualname__, max_entries, int(max_mb * MB))
        names = func.__code__.co_varnames[: func.__code__.co_argcount]

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            bound = dict(zip(names, args, strict=False), **kwargs)
            key = tuple((name, value) for name, value in bound.items() if not name.startswith("_"))
            datasets = [value for value in bound.values() if isinstance(value, Dataset)]
            for dataset in datasets:
                track(dataset)
            value = cache.get(key, _MISSING)
            if value is not _MISSING:
                return value
            if show_spinner:
                with st.spinner(show_spinner):
                    value = func(*args, **kwargs)
            else:
                value = func(*args, **kwargs)
            return cache.put(key, value, datasets[0].token if datasets else None)

        wrapper.cache = cache
        return wrapper

    return decorate


def cache_sizes() -> dict[str, tuple[int, int]]:
    """Every bounded cache's ``(entries, bytes)`` by name (for the load tests and the logs)."""
    return {cache.name: (len(cache), cache.nbytes) for cache in list(_CACHES)}


# ----------------------------------------------------------------------------- uploads' lifetime
# Datasets the pages have seen, by token; when the last one of a token is collected (its sessions
# ended), the token is queued here and everything made from it is forgotten (forget_gone).
_LIVE: dict[str, list[weakref.ref]] = {}
_GONE: collections.deque = collections.deque()  # appended from finalizers: no lock needed
_LIVE_LOCK = threading.Lock()
_FORGET_LOCK = threading.Lock()  # one forgetting at a time: when forget_gone returns, all is done


def track(dataset: Dataset) -> None:
    """Tie what the caches hold of ``dataset`` (an upload) to the sessions that hold it."""
    if dataset.is_digits:
        return
    with _LIVE_LOCK:
        refs = _LIVE.setdefault(dataset.token, [])
        if any(ref() is dataset for ref in refs):
            return
        refs[:] = [ref for ref in refs if ref() is not None]
        refs.append(weakref.ref(dataset))
    # A finalizer may run in any thread, in the middle of anything: it only queues the token.
    weakref.finalize(dataset, _GONE.append, dataset.token)


def forget_gone() -> list[str]:
    """Forget every upload no session holds any more; return the tokens this call forgot.

    Run by the session reaper (``latent_lab.state.sessions``). Calls are serialised: when one
    returns, every upload collected before it was called is forgotten, whichever call did it.
    """
    with _FORGET_LOCK:
        gone = []
        while _GONE:
            token = _GONE.popleft()
            with _LIVE_LOCK:
                refs = _LIVE.get(token)
                if refs is not None and all(ref() is None for ref in refs):
                    del _LIVE[token]
                    gone.append(token)
        for token in gone:
            for cache in list(_CACHES):
                cache.forget(token)
            if _TRAINER:
                _TRAINER[0].forget(token)
        return gone


# ----------------------------------------------------------------------------- models
# Trained models by (dataset token, config key). A model trained here keeps its training state
# (to continue exactly): tens of kB on the digits, tens of MB on the largest upload.
MODELS = BoundedCache("models", LIMITS.max_cached_models, LIMITS.max_cached_model_mb * MB)
_SHIPPED: dict[tuple, object] = {}  # the shipped models once loaded, by config key
_SHIPPED_LOCK = threading.Lock()
_TRAINER: list[jobs.Trainer] = []  # the process's trainer, once made


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
    """The cache key of ``config`` trained on the dataset ``token``."""
    return (token, catalog.config_key(config))


def store(config: dict, model, token: str = DIGITS) -> None:
    """Keep a model trained elsewhere (a background job) as the model of ``config`` on ``token``."""
    MODELS.put(_key(config, token), model, dataset=token)


@st.cache_resource(show_spinner=False)
def trainer() -> jobs.Trainer:
    """The process's one trainer: every training, at most ``LIMITS.max_trainings`` at once."""
    def data():
        split = digits_dataset().split
        return split.X_train, split.X_test

    made = jobs.Trainer(data, on_done=store, max_running=LIMITS.max_trainings,
                        max_cpu_seconds=LIMITS.max_training_seconds)
    _TRAINER[:] = [made]
    return made


def cached_model(config: dict, dataset: Dataset | None = None):
    """The model of ``config`` if it is trained already or ships in ``assets/``, else None (at once)."""
    token = DIGITS if dataset is None else dataset.token
    model = MODELS.get(_key(config, token))
    if model is not None or token != DIGITS:
        return model
    key = catalog.config_key(config)
    if key not in _shipped_by_key():
        return None
    with _SHIPPED_LOCK:
        if key not in _SHIPPED:
            _SHIPPED[key] = _load_shipped(config)
        return _SHIPPED[key]


def is_cached(config: dict, dataset: Dataset | None = None) -> bool:
    """Whether ``config`` is trained already, or ships in ``assets/``: asking for it is instant."""
    token = DIGITS if dataset is None else dataset.token
    return (_key(config, token) in MODELS
            or (token == DIGITS and catalog.config_key(config) in _shipped_by_key()))


def train_in_background(config: dict, dataset: Dataset | None = None) -> jobs.Watch:
    """Start (or join) the trainer's job for ``config`` on ``dataset``; the page watches it."""
    dataset = dataset or digits_dataset()
    track(dataset)
    data = None if dataset.is_digits else (dataset.split.X_train, dataset.split.X_test)
    return trainer().submit(config, token=dataset.token, data=data)


def get_model(config: dict, dataset: Dataset | None = None, timeout: float = 600.0):
    """The fitted model of ``config``: from the cache, the shipped assets, or trained by the trainer.

    Waits for the training: for scripts and tests. A page never waits here for a model that must
    be trained: it asks :func:`cached_model` and shows a :func:`train_in_background` job.

    Raises
    ------
    vae_core.TrainingDivergedError
        If training diverged (the trainer remembers it: asking again answers the same at once).
    RuntimeError
        If the training ended without a model of ``config`` (it failed, or hit the CPU bound).
    """
    model = cached_model(config, dataset)
    if model is not None:
        return model
    watch = train_in_background(config, dataset)
    deadline = time.monotonic() + timeout
    while watch.active and time.monotonic() < deadline:
        watch.seen()
        time.sleep(0.05)
    if watch.status == jobs.DIVERGED:
        raise TrainingDivergedError(watch.message)
    if watch.status != jobs.DONE:
        raise RuntimeError(f"No model of {catalog.describe(config)}: {watch.message or watch.status}")
    return watch.model


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


def model_key(model) -> str:
    """A digest of a fitted model's config and weights: the same for the same model in any object.

    What a cache of a model's measures, or a page's choice about the model on view, is keyed on
    (an object's ``id`` is reused once the object is gone, and differs for a copy).
    """
    config = repr(catalog.config_key(catalog.config_of(model))).encode()
    return content_key(np.frombuffer(config, dtype=np.uint8), model.flat_params_)
