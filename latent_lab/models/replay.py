"""Training at a human pace: a trained run shown again, epoch by epoch, as if it were training.

A fast run ends in half a second, and the lesson is the latent map forming. So the trainer trains
at full speed (it holds a trainer slot only while it computes), and the training page then
replays the run from what the model recorded: its per-epoch losses (``history_``) and the
held-out codes at its latent snapshots (``latent_snapshots_`` at ``snapshot_epochs_``), at the
pace the visitor chose (``train_pace``, epochs per second; the charts step from snapshot to
snapshot, the progress bar from epoch to epoch). Nothing here sleeps or trains: a
replay is a start time, and what it shows at a moment follows from the clock (:meth:`Replay.frame`
takes the time, so tests inject it).

Stop during a replay puts on view the model of the same config trained for the epochs reached:
the engine continues runs exactly (a run of k epochs has the weights of the first k epochs of a
longer run of the same config and seed; ``tests/models/test_replay.py`` checks it), so that model
is what the replay showed at epoch k (``latent_lab.models.training.stop_replay``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from latent_lab.models.catalog import config_of

# Replays shorter than this many epochs are not worth watching (a Step): shown at once.
MIN_EPOCHS = 2
REPLAYING, ENDED = "replaying", "ended"


def now() -> float:
    """The clock replays run on (seconds, monotonic)."""
    return time.monotonic()


@dataclass(frozen=True)
class Frame:
    """What a replay shows at one moment; reads like a training job's progress (``jobs.Progress``)."""

    status: str  # REPLAYING, or ENDED once the last epoch is reached (or the replay was stopped)
    epoch: int  # the epoch reached
    epochs: int  # the run's last epoch
    history: dict  # the per-epoch history up to ``epoch``
    snapshot: int | None  # the index of the latest latent snapshot at or before ``epoch``
    snapshot_epoch: int | None  # its epoch
    seconds: float  # how long the replay has run
    message: str = ""


def history_until(history: dict, epoch: int) -> dict:
    """``history`` (one entry per epoch, ``history["epoch"]`` increasing) cut after ``epoch``."""
    n = int(np.searchsorted(np.asarray(history.get("epoch", []), dtype=float), epoch, side="right"))
    return {key: list(values[:n]) for key, values in history.items()}


def snapshot_at(snapshot_epochs, epoch: int) -> int | None:
    """The index of the latest snapshot taken at or before ``epoch`` (None: none was)."""
    i = int(np.searchsorted(np.asarray(snapshot_epochs, dtype=float), epoch, side="right")) - 1
    return i if i >= 0 else None


def worth_replaying(first: int, last: int, pace: float, trained_seconds: float | None = None) -> bool:
    """Whether a run of epochs ``first`` to ``last`` is replayed at ``pace`` (epochs per second).

    Not at pace 0 ("as it trains"), not for fewer than :data:`MIN_EPOCHS` epochs, and not when its
    training (``trained_seconds``, None: trained earlier, nobody watched it) took at least as long
    as the replay would: the visitor watched it live at that pace or slower.
    """
    if pace <= 0 or last - first < MIN_EPOCHS:
        return False
    return trained_seconds is None or trained_seconds < (last - first) / pace


@dataclass
class Replay:
    """The run of a fitted ``model`` replayed from epoch ``first`` at ``pace`` epochs per second.

    It reads like a training job's watch (``config``, ``status``, ``active``, ``progress()``,
    ``seen()``, ``stop()``), so the page's live view draws either. ``exact`` says whether the
    model's config reproduces the run's first epochs (False for a run that continued a model
    loaded from a file); ``dataset`` is what it trained on.
    """

    model: object
    first: int
    pace: float
    started: float
    exact: bool = True
    dataset: object = None
    stopped_at: int | None = None  # the epoch Stop (or Skip) ended it at
    config: dict = field(init=False)

    def __post_init__(self):
        self.config = config_of(self.model)
        self.first = min(max(int(self.first), 0), self.last)

    @property
    def last(self) -> int:
        return int(self.model.epochs)

    def epoch_at(self, t: float) -> int:
        """The epoch reached at clock time ``t``."""
        if self.stopped_at is not None:
            return self.stopped_at
        elapsed = max(t - self.started, 0.0)
        return min(self.last, self.first + math.floor(elapsed * self.pace + 1e-9))

    def ended(self, t: float) -> bool:
        return self.stopped_at is not None or self.epoch_at(t) >= self.last

    def frame(self, t: float) -> Frame:
        """What the replay shows at clock time ``t``."""
        epoch = self.epoch_at(t)
        snapshot = snapshot_at(self.model.snapshot_epochs_, epoch)
        return Frame(ENDED if self.ended(t) else REPLAYING, epoch, self.last,
                     history_until(self.model.history_, epoch), snapshot,
                     None if snapshot is None else int(self.model.snapshot_epochs_[snapshot]),
                     max(t - self.started, 0.0))

    def repaced(self, pace: float, t: float) -> Replay:
        """This replay going on from the epoch reached at ``t`` at another ``pace``."""
        return Replay(self.model, self.epoch_at(t), pace, t, self.exact, self.dataset)

    def stop(self, t: float | None = None) -> int:
        """End the replay at the epoch reached at ``t`` (default: now); return that epoch."""
        if self.stopped_at is None:
            self.stopped_at = self.epoch_at(now() if t is None else t)
        return self.stopped_at

    def skip(self) -> None:
        """End the replay at the run's last epoch (the model on view)."""
        self.stopped_at = self.last

    # ---------------------------------------------------------------- like a job's watch
    @property
    def active(self) -> bool:
        return not self.ended(now())

    @property
    def status(self) -> str:
        return ENDED if self.ended(now()) else REPLAYING

    def progress(self) -> Frame:
        return self.frame(now())

    def seen(self) -> None:
        """Nothing to keep alive: a replay holds no trainer."""
