"""Blog recipe vs fast trainer on the same data, in one process."""

import time

from .data import split_digits
from .recipes import make_model
from .training import TrainingDivergedError


def time_to_reach(history, target):
    """Seconds of training until the train loss first drops to ``target`` (None if never)."""
    for loss, seconds in zip(history["train_loss"], history["seconds"], strict=True):
        if loss <= target:
            return seconds
    return None


def _run(kind, recipe, split, random_state, progress):
    model = make_model(kind, recipe, random_state=random_state)
    start = time.perf_counter()
    diverged = None
    try:
        model.fit(split.X_train, split.X_test, callback=progress)
    except TrainingDivergedError as exc:
        diverged = str(exc)
    seconds = time.perf_counter() - start
    history = model.history_
    epochs_run = len(history["epoch"])
    return model, {
        "recipe": recipe,
        "epochs": epochs_run,
        "seconds": seconds,
        "seconds_per_epoch": seconds / max(epochs_run, 1),
        "train_loss": history["train_loss"][-1] if epochs_run else None,
        "test_loss": history["val_loss"][-1] if epochs_run else None,
        "test_kl": history["val_kl"][-1] if epochs_run else None,
        "diverged": diverged,
    }


def run_bench(kinds=("ae", "vae"), random_state=0, progress=None):
    """Train each model kind with the blog recipe and the fast recipe; compare their speed.

    Returns
    -------
    dict kind -> {"blog": {...}, "fast": {...}, "epoch_speedup", "fast_seconds_to_blog_loss",
    "time_to_loss_speedup"}. ``fast_seconds_to_blog_loss`` is the fast trainer's wall time until
    its train loss first reaches the blog recipe's final train loss.
    """
    split = split_digits()
    report = {}
    for kind in kinds:
        _, blog = _run(kind, "blog", split, random_state, progress)
        fast_model, fast = _run(kind, "fast", split, random_state, progress)
        to_blog = time_to_reach(fast_model.history_, blog["train_loss"]) if blog["train_loss"] is not None else None
        report[kind] = {
            "blog": blog,
            "fast": fast,
            "epoch_speedup": blog["seconds_per_epoch"] / fast["seconds_per_epoch"],
            "fast_seconds_to_blog_loss": to_blog,
            "time_to_loss_speedup": blog["seconds"] / to_blog if to_blog else None,
        }
    return report
