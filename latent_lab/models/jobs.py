"""Training in the background: every training of the app, bounded, shared, and never locked.

Every model the app trains is a :class:`Job` of the process's one :class:`Trainer`: the form,
Continue and Step, the models a link names, the default models of an upload. A worker thread runs
it while the pages keep answering; the training page polls it a few times a second to redraw its
charts. The trainer holds every job to the same rules:

- at most ``max_running`` jobs train at once; the others wait their turn;
- a job is shared: sessions that ask for the same config on the same images watch one job, each
  through its own :class:`Watch` (what :meth:`Trainer.submit` returns);
- a session's Stop ends *its* watching only: it gets the model trained so far (a copy taken at the
  end of the current epoch) and the run goes on for the others; the run itself stops when nobody
  who wants it is left, because every watcher pressed Stop or none was seen for
  ``heartbeat_timeout`` seconds (their sessions closed). A run that nobody watches caches nothing;
- a job stops at ``max_cpu_seconds`` of CPU (the hosted bound; the estimate that admitted it is
  an upper bound, this is the guarantee) and keeps the epochs trained so far, saying so;
- a run that diverges, fails, or hits the CPU bound is remembered by its config: asking again
  answers at once with the same outcome instead of training again.

Nothing here imports Streamlit: the pages pass what a job needs, and tests drive jobs directly.
"""

from __future__ import annotations

import copy
import threading
import time
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from latent_lab.models.catalog import build_model, config_key, config_of
from vae_core import TrainingDivergedError

# A watcher not seen for this long (every page run of its session, and the pages' live views a
# few times a second, count as seeing) has left; a job with no watcher left stops by itself.
HEARTBEAT_TIMEOUT = 30.0
# How often a running job publishes its progress (history so far, the held-out codes).
PUBLISH_EVERY = 0.2
# Outcomes remembered so that a recipe that diverged or hit the CPU bound is not trained again.
MAX_REMEMBERED = 64
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
class Outcome:
    """How one watcher's part of a job ended: the job's own end, or the watcher's Stop."""

    status: str
    model: object
    message: str


@dataclass
class Job:
    """One training run of one config on one set of images, shared by every watcher."""

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
    cpu_seconds: float = 0.0  # the worker thread's CPU time spent on this job so far
    stop_requested: threading.Event = field(default_factory=threading.Event)
    started: float = field(default_factory=time.monotonic)  # when it started training
    ended: float | None = None  # when it ended
    _watchers: dict = field(default_factory=dict)  # watcher id -> when it was last seen
    _handoffs: dict = field(default_factory=dict)  # watcher id -> its Outcome (None: asked for)
    _progress: Progress | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def key(self) -> tuple:
        return (self.token, config_key(self.config))

    @property
    def active(self) -> bool:
        return self.status not in ENDED

    def progress(self) -> Progress:
        with self._lock:
            if self._progress is None:
                return Progress(self.status, 0, self.config["epochs"], {}, None, 0.0, self.message)
            return copy.copy(self._progress)

    def publish(self, progress: Progress) -> None:
        with self._lock:
            self._progress = progress

    # ------------------------------------------------------------------ watchers
    def _attach(self) -> str:
        watcher = uuid.uuid4().hex
        with self._lock:
            self._watchers[watcher] = time.monotonic()
        return watcher

    def _see(self, watcher: str) -> None:
        with self._lock:
            if watcher in self._watchers:
                self._watchers[watcher] = time.monotonic()

    def _wanted(self, timeout: float) -> bool:
        """Whether anyone still wants the run: a watcher seen lately, or a Stop to answer."""
        now = time.monotonic()
        with self._lock:
            return (any(now - seen <= timeout for seen in self._watchers.values())
                    or any(outcome is None for outcome in self._handoffs.values()))

    def _leave(self, watcher: str, timeout: float) -> None:
        """``watcher`` pressed Stop: hand it the model so far, and stop the run if it was the last."""
        now = time.monotonic()
        with self._lock:
            if self._watchers.pop(watcher, None) is None:
                return  # stopped already
            others = any(now - seen <= timeout for seen in self._watchers.values())
            if others and self.status == RUNNING:
                self._handoffs[watcher] = None  # answered by the worker at the end of this epoch
                return
            if others:  # still queued: nothing trained to hand over
                self._handoffs[watcher] = Outcome(STOPPED, None, "Stopped before it started.")
                return
        self.stop_requested.set()  # nobody else wants it: the run ends, and its end is this watcher's

    def _pending_handoffs(self) -> list[str]:
        with self._lock:
            return [w for w, outcome in self._handoffs.items() if outcome is None]

    def _hand_over(self, watcher: str, outcome: Outcome) -> None:
        with self._lock:
            self._handoffs[watcher] = outcome

    def _outcome(self, watcher: str) -> Outcome | None:
        """How this watcher's part ended: its own Stop, or the job's end (None: still going)."""
        with self._lock:
            outcome = self._handoffs.get(watcher)
        if outcome is not None:
            return outcome
        if self.active:
            return None
        return Outcome(self.status, self.model, self.message)


class Watch:
    """One session's view of a (shared) job: what :meth:`Trainer.submit` returns.

    It reads like the job (``config``, ``status``, ``active``, ``model``, ``message``,
    ``progress()``), except that :meth:`stop` ends this session's watching only, and that what it
    reports after a Stop is this session's model, not the job's.
    """

    def __init__(self, job: Job, timeout: float, outcome: Outcome | None = None):
        self.job = job
        self._timeout = timeout
        self._watcher = job._attach() if outcome is None else None
        self._ended = outcome  # an outcome known from the start (a remembered failure)

    def _own(self) -> Outcome | None:
        if self._ended is None and self._watcher is not None:
            self._ended = self.job._outcome(self._watcher)
        return self._ended

    @property
    def config(self) -> dict:
        return self.job.config

    @property
    def token(self) -> str:
        return self.job.token

    @property
    def cacheable(self) -> bool:
        return self.job.cacheable

    @property
    def key(self) -> tuple:
        return self.job.key

    @property
    def active(self) -> bool:
        return self._own() is None

    @property
    def status(self) -> str:
        own = self._own()
        return self.job.status if own is None else own.status

    @property
    def model(self):
        own = self._own()
        return None if own is None else own.model

    @property
    def message(self) -> str:
        own = self._own()
        return self.job.message if own is None else own.message

    def progress(self) -> Progress:
        own = self._own()
        progress = self.job.progress()
        if own is not None:  # the job ended: this watcher's end
            progress = copy.copy(progress)
            progress.status, progress.message = own.status, own.message
        return progress

    def seen(self) -> None:
        """This session is watching: keep the job alive for it."""
        if self._watcher is not None:
            self.job._see(self._watcher)

    def stop(self) -> None:
        """End this session's watching after the current epoch, with the model trained so far.

        The run goes on if another session still watches it; it stops if none does.
        """
        if self._watcher is not None and self._ended is None:
            self.job._leave(self._watcher, self._timeout)


class Trainer:
    """Runs every training in worker threads, at most ``max_running`` at once; one per process.

    Parameters
    ----------
    data : callable
        Returns ``(X_train, X_val)``, the images a job trains and scores on unless it brings
        its own (an uploaded dataset).
    on_done : callable, optional
        ``on_done(config, model, token)`` for every model a job finished or a watcher stopped
        with, ``config`` being what the model is (its epochs as trained) and ``token`` naming its
        dataset (the page caches it). Not called for runs nobody watched to their end.
    max_running : int
        Trainings that may run at the same time (the others wait for a free slot).
    heartbeat_timeout : float
        Seconds after which a watcher that was not seen has left.
    max_cpu_seconds : float or None
        The CPU time one job may use (its worker thread's, measured): the run stops after the
        epoch that reaches it and keeps what was trained.
    """

    def __init__(self, data: Callable, on_done: Callable | None = None, max_running: int = 2,
                 heartbeat_timeout: float = HEARTBEAT_TIMEOUT, max_cpu_seconds: float | None = None):
        self.data = data
        self.on_done = on_done
        self.heartbeat_timeout = heartbeat_timeout
        self.max_cpu_seconds = max_cpu_seconds
        self.max_running = max_running
        self._slots = threading.BoundedSemaphore(max_running)
        self._jobs: dict[tuple, Job] = {}  # active jobs by (token, config key)
        self._remembered: OrderedDict[tuple, Outcome] = OrderedDict()  # failed or cut-short recipes
        self._default_inputs: dict[np.dtype, tuple] = {}  # the default images, by precision
        self._lock = threading.Lock()
        self.running_now = 0  # jobs training at this moment
        self.most_running = 0  # the most that ever trained at once (a check on max_running)

    def submit(self, config: dict, base=None, extra_epochs: int = 0, cacheable: bool = True,
               token: str = "digits", data: tuple | None = None) -> Watch:
        """A watch of the active job training ``config`` (joined), or of a new one started now.

        With ``base`` (a fitted model whose config is ``config`` with ``extra_epochs`` fewer
        epochs), the job continues ``base`` instead of training from scratch; a ``base`` that
        this process did not train (loaded from a file) continues with a fresh optimizer, so its
        result is not what ``config`` trains: pass ``cacheable=False``. ``token`` and ``data``
        name and hold the dataset (default: the trainer's). A config whose training diverged,
        failed or hit the CPU bound before answers at once with that outcome.
        """
        key = (token, config_key(config))
        with self._lock:
            if cacheable:
                remembered = self._remembered.get(key)
                if remembered is not None:
                    self._remembered.move_to_end(key)
                    ended = Job(config=dict(config), token=token, status=remembered.status,
                                model=remembered.model, message=remembered.message)
                    return Watch(ended, self.heartbeat_timeout, outcome=remembered)
                job = self._jobs.get(key)
                if job is not None and job.active:
                    return Watch(job, self.heartbeat_timeout)
            job = Job(config=dict(config), token=token, data=data, base=base, extra_epochs=extra_epochs,
                      cacheable=cacheable)
            watch = Watch(job, self.heartbeat_timeout)
            if cacheable:
                self._jobs[key] = job
        threading.Thread(target=self._run, args=(job,), name=f"train-{job.id[:8]}", daemon=True).start()
        return watch

    def active_jobs(self) -> list[Job]:
        with self._lock:
            return [job for job in self._jobs.values() if job.active]

    def remembered(self, config: dict, token: str = "digits") -> Outcome | None:
        """How an earlier run of ``config`` on ``token`` ended, if it diverged, failed or was cut short."""
        with self._lock:
            return self._remembered.get((token, config_key(config)))

    def forget(self, token: str) -> None:
        """Drop what is remembered of trainings on the dataset ``token`` (it is gone)."""
        with self._lock:
            for key in [key for key in self._remembered if key[0] == token]:
                del self._remembered[key]

    # ------------------------------------------------------------------ the worker
    def _abandoned(self, job: Job) -> bool:
        return not job._wanted(self.heartbeat_timeout)

    def _run(self, job: Job) -> None:
        try:
            # Wait for a free trainer, giving up if nobody waits for this job any more.
            while not self._slots.acquire(timeout=0.2):
                if self._abandoned(job) or job.stop_requested.is_set():
                    self._finish(job, ABANDONED if self._abandoned(job) else STOPPED,
                                 "Stopped before it started.")
                    return
            with self._lock:
                self.running_now += 1
                self.most_running = max(self.most_running, self.running_now)
            try:
                self._train(job)
            finally:
                with self._lock:
                    self.running_now -= 1
                self._slots.release()
        except Exception as exc:  # a bug must end the job visibly, never leave it "running"
            self._finish(job, FAILED, f"Training failed: {exc}")
            traceback.print_exc()

    def _train(self, job: Job) -> None:
        X_train, X_val = job.data if job.data is not None else self.data()
        job.status = RUNNING
        job.started = time.monotonic()
        cpu_start = time.thread_time()  # this worker thread's CPU time: BLAS runs on it alone
        last = [0.0]
        over_budget = [False]

        def callback(info: dict) -> bool:
            now = time.monotonic()
            job.cpu_seconds = time.thread_time() - cpu_start
            model = info["model"]
            final = info["epoch"] == info["epochs"]
            for watcher in job._pending_handoffs():  # sessions that pressed Stop: their model
                kept = _model_so_far(model)
                self._share_inputs(job, kept, X_train, X_val)
                job._hand_over(watcher, Outcome(
                    STOPPED, kept, f"Stopped after epoch {info['epoch']} of {info['epochs']}; "
                                   "the run goes on for others who watch it."))
                self._store(job, config_of(kept), kept)
            if final or now - last[0] >= PUBLISH_EVERY:
                last[0] = now
                job.publish(Progress(RUNNING, info["epoch"], info["epochs"], copy.deepcopy(info["history"]),
                                     model.encode(X_val), now - job.started))
            if self.max_cpu_seconds is not None and job.cpu_seconds >= self.max_cpu_seconds and not final:
                over_budget[0] = True
                return False
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
            self._share_inputs(job, model, X_train, X_val)
        except TrainingDivergedError as err:
            job.model = model if model.history_["epoch"] else None
            self._finish(job, DIVERGED, str(err), remember=True)
            return
        finally:
            job.cpu_seconds = time.thread_time() - cpu_start
        trained = model.history_["epoch"][-1] if model.history_["epoch"] else 0
        job.model = model
        if trained < job.config["epochs"]:
            if over_budget[0]:
                self._store(job, config_of(model), model)
                self._finish(job, STOPPED, f"Stopped at this server's bound of {self.max_cpu_seconds:.0f} s "
                                           f"of CPU per training, after epoch {trained} of "
                                           f"{job.config['epochs']}; the model trained so far is kept.",
                             remember=True)
                return
            # Stopped by its last watcher's Stop (kept), or by nobody watching any more (not kept).
            abandoned = not job.stop_requested.is_set() and self._abandoned(job)
            if not abandoned:
                self._store(job, config_of(model), model)
            self._finish(job, ABANDONED if abandoned else STOPPED,
                         f"Stopped after epoch {trained} of {job.config['epochs']}.")
            return
        self._store(job, job.config, model)
        self._finish(job, DONE, f"Trained {trained} epochs in {time.monotonic() - job.started:.1f} s.")

    def _share_inputs(self, job: Job, model, X_train, X_val) -> None:
        """Let ``model`` keep shared images to continue on (``_share_images``). The trainer's own
        images (the digits, in float64) are converted once per precision for every model."""
        dtype = np.dtype(getattr(model, "dtype", X_train.dtype))
        if job.data is None and X_train.dtype != dtype:
            with self._lock:
                if dtype not in self._default_inputs:
                    self._default_inputs[dtype] = tuple(
                        None if a is None else _read_only(np.array(a, dtype=dtype)) for a in (X_train, X_val))
                X_train, X_val = self._default_inputs[dtype]
        _share_images(model, X_train, X_val)

    def _store(self, job: Job, config: dict, model) -> None:
        if job.cacheable and self.on_done is not None:
            self.on_done(config, model, job.token)

    def _finish(self, job: Job, status: str, message: str, remember: bool = False) -> None:
        job.message = message
        progress = job.progress()
        job.publish(Progress(status, progress.epoch, progress.epochs, progress.history, progress.codes,
                             progress.seconds, message))
        job.data = job.base = None  # the images and the base model are not needed any more
        job.ended = time.monotonic()
        job.status = status
        with self._lock:
            if self._jobs.get(job.key) is job:
                del self._jobs[job.key]
            if remember and job.cacheable:
                self._remembered[job.key] = Outcome(status, job.model if status == STOPPED else None, message)
                while len(self._remembered) > MAX_REMEMBERED:
                    self._remembered.popitem(last=False)


def _model_so_far(model):
    """An independent copy of a model in the middle of ``fit``, as if its run ended now.

    Called between two epochs (from the training callback). ``model.copy()`` needs a model that
    has finished a ``fit``; this copies the weights and the run's state (optimizer, random stream,
    history), then ends the copy's run where it is: a last latent snapshot, and ``epochs`` set to
    the epochs trained, as a Stop would leave it. The copy can be continued exactly.
    """
    run = model._run
    kept = type(model)(**model.get_params())
    kept._build(np.random.default_rng(0))
    kept.flat_params_[:] = model.flat_params_
    kept.n_features_in_ = model.n_features_in_
    kept._run = run.copy_for(kept)
    kept._train(0, None)  # no epoch: only the run's end (snapshot, history, epochs as trained)
    return kept


def _share_images(model, X_train, X_val) -> None:
    """Let a trained model keep the images it was given instead of its own copy of them.

    A model keeps its training images to continue exactly (``fit_more``); the engine keeps them
    in the model's precision, so float32 images given (an upload) are copied once more per model:
    30 MB for 10,000 images of 28 x 28. When the copy equals what was given, the model keeps the
    given arrays (read-only; the engine only reads them) and the copy goes.
    """
    run = getattr(model, "_run", None)
    if run is None:
        return
    for name, given in (("X", X_train), ("X_val", X_val)):
        own = getattr(run, name, None)
        if (own is not None and given is not None and own is not given and own.dtype == given.dtype
                and own.shape == given.shape and np.array_equal(own, given)):
            setattr(run, name, given)
    run.probe = run.X if run.X_val is None else run.X_val


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array

