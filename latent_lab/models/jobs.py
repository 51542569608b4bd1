"""Training in the background: live progress, stop, continue; bounded, shared, and never locked.

A training request becomes a :class:`Job` that a worker thread runs while the page keeps
answering: the training page polls the job a few times a second to redraw its charts, and a Stop
button ends it after the current epoch with the model trained so far. Jobs are shared: sessions
that ask for the same config watch one job. Every job is bounded (``latent_lab.models.limits``: at most
``max_trainings`` run at once, the others wait their turn) and a job nobody has watched for
``HEARTBEAT_TIMEOUT`` seconds (its sessions closed) stops by itself and caches nothing it did not
finish, so no session can leave a broken or locked entry behind.

Nothing here imports Streamlit: the page passes what a job needs, and tests drive jobs directly.
"""

from __future__ import annotations

import copy
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from latent_lab.models.catalog import build_model, config_key
from vae_core import TrainingDivergedError

# A job nobody watched for this long (every page run of its session, and the training page's
# live view a few times a second, count as watching) stops by itself.
HEARTBEAT_TIMEOUT = 30.0
# How often a running job publishes its progress (history so far, the held-out codes).
PUBLISH_EVERY = 0.2
# Job states: waiting for a free trainer, training, and how it ended.
QUEUED, RUNNING = "queued", "running"
DONE, STOPPED, DIVERGED, ABANDONED, FAILED = "done", "stopped", "diverged", "abandoned", "failed"
ENDED = (DONE, STOPPED, DIVERGED, ABANDONED, FAILED)


@dataclass
class Progress:
    """What a job has to show at one moment (a copy: safe to read from any thread)."""

    status: str
    epoch: int
    epochs: int
    history: dict
    codes: np.ndarray | None  # (n_held_out, latent_dim) after the last published epoch
    seconds: float
    message: str = ""


@dataclass
class Job:
    """One training run of one config, shared by every session that asks for it."""

    config: dict
    token: str = "digits"  # the dataset it trains on (latent_lab.images.dataset)
    data: tuple | None = None  # (X_train, X_val) of that dataset; None: the trainer's default
    base: object = None  # a model to continue from (its weights and training state)
    extra_epochs: int = 0
    cacheable: bool = True  # False: the config does not reproduce the result (an uploaded base)
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    status: str = QUEUED
    model: object = None  # the fitted model once the job has ended with one
    message: str = ""
    stop_requested: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)
    last_seen: float = field(default_factory=time.monotonic)
    _progress: Progress | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def key(self) -> tuple:
        return (self.token, config_key(self.config))

    @property
    def active(self) -> bool:
        return self.status not in ENDED

    def seen(self) -> None:
        """A session is watching: keep the job alive."""
        self.last_seen = time.monotonic()

    def stop(self) -> None:
        """End after the current epoch; the model keeps the epochs trained so far."""
        self.stop_requested.set()

    def progress(self) -> Progress:
        with self._lock:
            if self._progress is None:
                return Progress(self.status, 0, self.config["epochs"], {}, None, 0.0, self.message)
            return copy.copy(self._progress)

    def publish(self, progress: Progress) -> None:
        with self._lock:
            self._progress = progress


class Trainer:
    """Runs jobs in worker threads, at most ``max_running`` at once; one per process.

    Parameters
    ----------
    data : callable
        Returns ``(X_train, X_val)``, the images a job trains and scores on unless it brings
        its own (an uploaded dataset).
    on_done : callable, optional
        ``on_done(config, model, token)`` for every model a job finished, ``token`` naming its
        dataset (the page caches it).
    max_running : int
        Trainings that may run at the same time (the others wait for a free slot).
    """

    def __init__(self, data: Callable, on_done: Callable | None = None, max_running: int = 2,
                 heartbeat_timeout: float = HEARTBEAT_TIMEOUT):
        self.data = data
        self.on_done = on_done
        self.heartbeat_timeout = heartbeat_timeout
        self._slots = threading.BoundedSemaphore(max_running)
        self._jobs: dict[tuple, Job] = {}  # active jobs by config key
        self._lock = threading.Lock()

    def submit(self, config: dict, base=None, extra_epochs: int = 0, cacheable: bool = True,
               token: str = "digits", data: tuple | None = None) -> Job:
        """The active job training ``config`` (joined), or a new one started now.

        With ``base`` (a fitted model whose config is ``config`` with ``extra_epochs`` fewer
        epochs), the job continues ``base`` instead of training from scratch; a ``base`` that
        this process did not train (loaded from a file) continues with a fresh optimizer, so its
        result is not what ``config`` trains: pass ``cacheable=False``. ``token`` and ``data``
        name and hold the dataset (default: the trainer's).
        """
        with self._lock:
            job = self._jobs.get((token, config_key(config))) if cacheable else None
            if job is not None and job.active:
                job.seen()
                return job
            job = Job(config=dict(config), token=token, data=data, base=base, extra_epochs=extra_epochs,
                      cacheable=cacheable)
            if cacheable:
                self._jobs[job.key] = job
        threading.Thread(target=self._run, args=(job,), name=f"train-{job.id[:8]}", daemon=True).start()
        return job

    def active_jobs(self) -> list[Job]:
        with self._lock:
            return [job for job in self._jobs.values() if job.active]

    # ------------------------------------------------------------------ the worker
    def _abandoned(self, job: Job) -> bool:
        return time.monotonic() - job.last_seen > self.heartbeat_timeout

    def _run(self, job: Job) -> None:
        try:
            # Wait for a free trainer, giving up if nobody waits for this job any more.
            while not self._slots.acquire(timeout=0.2):
                if self._abandoned(job) or job.stop_requested.is_set():
                    self._finish(job, ABANDONED if self._abandoned(job) else STOPPED,
                                 "Stopped before it started.")
                    return
            try:
                self._train(job)
            finally:
                self._slots.release()
        except Exception as exc:  # a bug must end the job visibly, never leave it "running"
            self._finish(job, FAILED, f"Training failed: {exc}")
            traceback.print_exc()

    def _train(self, job: Job) -> None:
        X_train, X_val = job.data if job.data is not None else self.data()
        job.status = RUNNING
        job.started = time.monotonic()
        last = [0.0]

        def callback(info: dict) -> bool:
            now = time.monotonic()
            final = info["epoch"] == info["epochs"]
            if final or now - last[0] >= PUBLISH_EVERY:
                last[0] = now
                model = info["model"]
                job.publish(Progress(RUNNING, info["epoch"], info["epochs"], copy.deepcopy(info["history"]),
                                     model.encode(X_val), now - job.started))
            # False ends training after this epoch, with the model trained so far.
            return not (job.stop_requested.is_set() or self._abandoned(job))

        if job.base is not None:
            model = job.base.copy()
            fit = lambda: model.fit_more(X_train, X_val, epochs=job.extra_epochs, callback=callback)  # noqa: E731
        else:
            model = build_model(job.config)
            fit = lambda: model.fit(X_train, X_val, callback=callback)  # noqa: E731
        try:
            fit()
        except TrainingDivergedError as err:
            job.model = model if model.history_["epoch"] else None
            self._finish(job, DIVERGED, str(err))
            return
        trained = model.history_["epoch"][-1] if model.history_["epoch"] else 0
        job.model = model
        if trained < job.config["epochs"]:
            abandoned = self._abandoned(job)
            self._finish(job, ABANDONED if abandoned else STOPPED,
                         f"Stopped after epoch {trained} of {job.config['epochs']}.")
            if not abandoned and job.cacheable and self.on_done is not None:
                self.on_done({"kind": model.kind, **model.get_params()}, model, job.token)
            return
        if job.cacheable and self.on_done is not None:
            self.on_done(job.config, model, job.token)
        self._finish(job, DONE, f"Trained {trained} epochs in {time.monotonic() - job.started:.1f} s.")

    def _finish(self, job: Job, status: str, message: str) -> None:
        job.message = message
        progress = job.progress()
        job.publish(Progress(status, progress.epoch, progress.epochs, progress.history, progress.codes,
                             progress.seconds, message))
        job.status = status
        with self._lock:
            if self._jobs.get(job.key) is job:
                del self._jobs[job.key]
