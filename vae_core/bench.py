"""Blog recipe vs fast trainer on the same data, in one process, for one seed or several.

Everything the README states about speed and about what the blog's recipe reaches comes from
:func:`run_bench`, so anyone can measure it again on their own machine:
``python -m vae_core bench --json`` (seed 0) or ``python -m vae_core bench --seeds 0 1 2 3 4 --json``.
"""

import os
import platform
import statistics
import sys
import time

import numpy as np

from .data import split_digits
from .evaluation import pca_reconstruction_mse
from .metrics import DIM_COLLAPSE_NATS as COLLAPSED_DIM_NATS  # the one collapse rule
from .recipes import make_model
from .threads import blas_info, use_engine_threads
from .training import TrainingDivergedError


def time_to_reach(history, target):
    """Seconds of training until the train loss first drops to ``target`` (None if never)."""
    for loss, seconds in zip(history["train_loss"], history["seconds"], strict=True):
        if loss <= target:
            return seconds
    return None


def machine_info():
    """CPU, Python, NumPy and BLAS (kernel architecture and threads, from threadpoolctl), and the load."""
    use_engine_threads()  # report the thread count the engine runs with
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next(line.split(":", 1)[1].strip() for line in handle if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu or platform.machine(), "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "blas": blas_info(),
            "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None}


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
    row = {
        "recipe": recipe,
        "seed": random_state,
        "epochs": epochs_run,
        "seconds": seconds,
        "seconds_per_epoch": seconds / max(epochs_run, 1),
        # Per training image, including the epoch's held-out scoring and latent snapshots.
        "us_per_image": seconds / max(epochs_run, 1) / split.X_train.shape[0] * 1e6,
        "train_loss": history["train_loss"][-1] if epochs_run else None,
        "test_loss": history["val_loss"][-1] if epochs_run else None,
        "diverged_epoch": epochs_run + 1 if diverged else None,
        "diverged": diverged,
    }
    if kind == "vae":
        per_dim = history["val_kl_per_dim"][-1] if epochs_run else None
        row["test_kl"] = history["val_kl"][-1] if epochs_run else None
        row["test_kl_per_dim"] = per_dim
        row["collapsed_dims"] = sum(kl < COLLAPSED_DIM_NATS for kl in per_dim) if epochs_run else None
    return model, row


def _compare(blog, fast, fast_model):
    to_blog = time_to_reach(fast_model.history_, blog["train_loss"]) if blog["train_loss"] is not None else None
    return {
        "seed": blog["seed"],
        "blog": blog,
        "fast": fast,
        "epoch_speedup": blog["seconds_per_epoch"] / fast["seconds_per_epoch"],
        "fast_seconds_to_blog_loss": to_blog,
        "time_to_loss_speedup": blog["seconds"] / to_blog if to_blog else None,
    }


def _spread(rows):
    """Min, median and max over seeds of the held-out figures, and which seeds diverged or collapsed."""
    spread = {}
    for key in ("test_loss", "test_kl"):
        values = [row[key] for row in rows if row.get(key) is not None]
        if values:
            spread[key] = {"min": min(values), "median": statistics.median(values), "max": max(values)}
    spread["diverged_seeds"] = [row["seed"] for row in rows if row["diverged"]]
    if "collapsed_dims" in rows[0]:
        spread["collapsed_seeds"] = [row["seed"] for row in rows if row["collapsed_dims"]
                                     and row["collapsed_dims"] == len(row["test_kl_per_dim"])]
        spread["partly_collapsed_seeds"] = [row["seed"] for row in rows if row["collapsed_dims"]
                                            and row["collapsed_dims"] < len(row["test_kl_per_dim"])]
    return spread


def run_bench(kinds=("ae", "vae"), seeds=(0,), progress=None, log=None):
    """Train each model kind with the blog recipe and the fast recipe, for every seed; compare them.

    Parameters
    ----------
    kinds : sequence of {"ae", "vae"}
    seeds : sequence of int
        One run of each recipe per seed. The blog recipe takes about 15 s (AE) and 40 s (VAE) per
        seed on a quiet machine; the fast one about a second.
    progress : callable, optional
        ``fit``'s per-epoch callback, for every run.
    log : callable, optional
        Called with one line of text before each run.

    Returns
    -------
    dict
        ``machine`` (:func:`machine_info`), ``seeds``, ``pca_mse`` (held-out MSE per pixel of a
        2- and a 16-component PCA: the AE's linear baselines) and ``models``: for each kind,
        ``by_seed`` (one entry per seed: the ``blog`` and ``fast`` runs, ``epoch_speedup``,
        ``fast_seconds_to_blog_loss`` -- the fast trainer's wall time until its train loss first
        reaches the blog recipe's final train loss -- and ``time_to_loss_speedup``) and ``spread``
        (per recipe: min / median / max over seeds of the held-out loss and KL, and the seeds
        that diverged, collapsed or partly collapsed).
    """
    split = split_digits()
    report = {
        "machine": machine_info(),
        "seeds": [int(seed) for seed in seeds],
        "data": {"n_train": split.X_train.shape[0], "n_test": split.X_test.shape[0]},
        "pca_mse": {str(n): pca_reconstruction_mse(split.X_train, split.X_test, n) for n in (2, 16)},
        "models": {},
    }
    for kind in kinds:
        by_seed = []
        for seed in seeds:
            runs = {}
            for recipe in ("blog", "fast"):
                if log is not None:
                    log(f"{kind} / {recipe} recipe, seed {seed}")
                runs[recipe] = _run(kind, recipe, split, int(seed), progress)
            by_seed.append(_compare(runs["blog"][1], runs["fast"][1], runs["fast"][0]))
        report["models"][kind] = {
            "by_seed": by_seed,
            "spread": {recipe: _spread([row[recipe] for row in by_seed]) for recipe in ("blog", "fast")},
        }
    return report


def print_report(report, file=sys.stdout):
    """The report of :func:`run_bench` as text: one line per run, then the spread over seeds."""
    for kind, entry in report["models"].items():
        unit = "MSE per pixel" if kind == "ae" else "BCE + KL nats per image"
        print(f"\n{kind.upper()}  (loss: {unit}; held-out: {report['data']['n_test']} images)", file=file)
        for row in entry["by_seed"]:
            for recipe in ("blog", "fast"):
                r = row[recipe]
                notes = []
                if r.get("test_kl") is not None:
                    notes.append(f"KL {r['test_kl']:.3f}")
                    if r["collapsed_dims"]:
                        notes.append(f"{r['collapsed_dims']} dim(s) collapsed")
                if r["diverged"]:
                    notes.append(f"DIVERGED in epoch {r['diverged_epoch']}")
                train = "-" if r["train_loss"] is None else f"{r['train_loss']:.4f}"
                test = "-" if r["test_loss"] is None else f"{r['test_loss']:.4f}"
                print(f"  seed {row['seed']} {recipe:4s}: {r['epochs']:3d} epochs, {r['seconds']:8.3f} s,"
                      f" {r['seconds_per_epoch'] * 1e3:9.3f} ms/epoch, {r['us_per_image']:7.2f} us/image,"
                      f" train {train}, held-out {test}  {', '.join(notes)}", file=file)
            to_blog = row["fast_seconds_to_blog_loss"]
            reach = ("never reaches the blog recipe's final train loss" if to_blog is None else
                     f"reaches the blog recipe's final train loss in {to_blog * 1e3:.1f} ms"
                     f" ({row['time_to_loss_speedup']:.0f}x sooner)")
            print(f"  seed {row['seed']}: epoch speed-up {row['epoch_speedup']:.0f}x; the fast trainer {reach}",
                  file=file)
        if len(report["seeds"]) > 1:
            for recipe, spread in entry["spread"].items():
                parts = [f"{key} {s['min']:.4g} / {s['median']:.4g} / {s['max']:.4g}"
                         for key, s in spread.items() if isinstance(s, dict)]
                seeds = [f"{key.removesuffix('_seeds').replace('_', ' ')} {value}"
                         for key, value in spread.items() if key.endswith("_seeds") and value]
                print(f"  {recipe} over seeds {report['seeds']} (min / median / max): {', '.join(parts)}"
                      f"{'; ' if seeds else ''}{'; '.join(seeds)}", file=file)
    if "2" in report["pca_mse"]:
        print(f"\nPCA held-out MSE per pixel: 2 components {report['pca_mse']['2']:.4f},"
              f" 16 components {report['pca_mse']['16']:.4f}", file=file)


def epoch_time(side, n_images, epochs=5, seed=0, kind="vae"):
    """Seconds per epoch of the default fast-recipe model on ``n_images`` random ``side`` × ``side`` images.

    The images are uniform noise in [0, 1]: what they show does not change the arithmetic, only
    their size and number do. Returns the median of ``epochs`` epochs.
    """
    X = np.random.default_rng(seed).uniform(size=(n_images, side * side))
    model = make_model(kind, input_dim=side * side, epochs=epochs, random_state=seed, n_snapshots=2)
    model.fit(X)
    per_epoch = np.diff([0.0, *model.history_["seconds"]])
    return float(np.median(per_epoch))
