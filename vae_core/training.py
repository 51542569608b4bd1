"""The mini-batch training loop shared by both models."""

import time
from dataclasses import dataclass

import numpy as np

from .optimizers import make_optimizer

HISTORY_KEYS = (
    "epoch", "seconds", "beta",
    "train_loss", "train_recon", "train_kl", "train_kl_per_dim",
    "val_loss", "val_recon", "val_kl", "val_kl_per_dim",
)


# A run whose objective (recon + beta * KL) climbs past this multiple of its best epoch is
# diverging: the blog's VAE recipe can go from 27 nats to 1e200 within thirty finite epochs before
# it reaches NaN, and weights from that climb are no model worth keeping. The objective, not the
# reported loss, is watched because with beta = 0 the KL is free to grow without anything being wrong.
DIVERGENCE_FACTOR = 10.0


@dataclass
class TrainingResult:
    """What one call of :func:`train` recorded; ``fit`` stores it as the model's ``*_`` attributes."""

    history: dict  # HISTORY_KEYS -> one entry per completed epoch
    snapshot_epochs: np.ndarray  # (n_snapshots,), 0 = before training
    latent_snapshots: np.ndarray  # (n_snapshots, n_points, latent_dim)
    seconds: float


class TrainingDivergedError(RuntimeError):
    """The loss exploded or became NaN; the model keeps the weights of the last sane epoch.

    Attributes
    ----------
    result : TrainingResult or None
        History and snapshots up to that epoch.
    """

    def __init__(self, message, result=None):
        super().__init__(message)
        self.result = result


def snapshot_epochs(epochs, n_snapshots):
    """Epochs (0 = before training) at which latent snapshots are taken, evenly spread."""
    return np.unique(np.linspace(0, epochs, max(n_snapshots, 2)).round().astype(np.int64))


def train(model, X, X_val, rng, callback=None):
    """Train ``model``'s weights in place on ``X`` with shuffled mini-batches and return a :class:`TrainingResult`.

    Train metrics are the batch losses averaged over the epoch, weighted by batch size; held-out
    metrics come from scoring ``X_val`` after the epoch. Latent snapshots encode ``X_val`` (``X``
    when there is no held-out set).

    Raises
    ------
    TrainingDivergedError
        With the result up to the last sane epoch, whose weights the model is given back.
    """
    optimizer = make_optimizer(model.optimizer, model.flat_params_, model.flat_grads_, model.learning_rate,
                               momentum=model.momentum, clip_value=model.clip_value)
    probe = X if X_val is None else X_val
    snap_epochs = snapshot_epochs(model.epochs, model.n_snapshots)  # starts at 0
    history = {key: [] for key in HISTORY_KEYS}
    snapshots = [model.encode(probe)]
    last_good, best_objective = model.flat_params_.copy(), np.inf
    start = time.perf_counter()

    def result():
        return TrainingResult(history, snap_epochs[:len(snapshots)], np.array(snapshots), time.perf_counter() - start)

    for epoch in range(1, model.epochs + 1):
        beta = model.beta_at(epoch)
        # Diverging runs overflow exp(log_var) before they produce NaN; the check below turns
        # that into one clear error instead of a screen of warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            recon_sum, kl_sum, kl_dim_sum = _run_epoch(model, optimizer, X, beta, rng)
            finite = np.isfinite(recon_sum + kl_sum) and np.all(np.isfinite(model.flat_params_))
            val = model._score(X_val) if finite and X_val is not None else None
        finite = finite and (val is None or np.isfinite(val["loss"]))
        objective = (recon_sum + beta * kl_sum) / X.shape[0]
        problem = _divergence(finite, objective, best_objective)
        if problem:
            model.flat_params_[:] = last_good
            raise TrainingDivergedError(
                f"Training diverged in epoch {epoch}: {problem}. The model keeps the weights of epoch "
                f"{epoch - 1}. Try a smaller learning rate, gradient clipping (clip_value), a KL warm-up, "
                "or the 'fast' recipe (Adam on mini-batches).", result())
        best_objective = min(best_objective, objective)
        last_good[:] = model.flat_params_

        _record(history, epoch, beta, X.shape[0], recon_sum, kl_sum, kl_dim_sum, val)
        if epoch in snap_epochs:
            snapshots.append(model.encode(probe))
        history["seconds"].append(time.perf_counter() - start)
        if callback is not None:
            callback({"epoch": epoch, "epochs": model.epochs, "train_loss": history["train_loss"][-1],
                      "val_loss": val["loss"] if val is not None else None, "beta": beta})
    return result()


def _run_epoch(model, optimizer, X, beta, rng):
    """One pass over ``X`` in shuffled mini-batches: the batch-size-weighted sums of recon, KL and KL per dim."""
    n_samples, batch_size = X.shape[0], model.batch_size
    shuffled = X[rng.permutation(n_samples)]  # one gather per epoch; batches are views
    recon_sum, kl_sum = 0.0, 0.0
    kl_dim_sum = np.zeros(model.latent_dim)  # (latent,)
    for begin in range(0, n_samples, batch_size):
        batch = shuffled[begin:begin + batch_size]  # (batch, input_dim); the last may be smaller
        recon, kl, kl_per_dim = model._train_step(batch, beta, rng)
        optimizer.step()
        recon_sum += recon * batch.shape[0]
        kl_sum += kl * batch.shape[0]
        kl_dim_sum += kl_per_dim * batch.shape[0]
    return recon_sum, kl_sum, kl_dim_sum


def _divergence(finite, objective, best_objective):
    """Why an epoch counts as diverged, or None if it is sane."""
    if not finite:
        return "the loss became NaN or infinite"
    if objective > DIVERGENCE_FACTOR * best_objective:
        return (f"the training objective exploded to {objective:.3g}, over {DIVERGENCE_FACTOR:g}x its best "
                f"epoch ({best_objective:.4g})")
    return None


def _record(history, epoch, beta, n_samples, recon_sum, kl_sum, kl_dim_sum, val):
    """Append one epoch's train metrics (from the batch sums) and held-out scores to ``history``."""
    history["epoch"].append(epoch)
    history["beta"].append(beta)
    history["train_recon"].append(recon_sum / n_samples)
    history["train_kl"].append(kl_sum / n_samples)
    history["train_loss"].append((recon_sum + kl_sum) / n_samples)
    history["train_kl_per_dim"].append([float(v) for v in kl_dim_sum / n_samples])
    if val is not None:
        history["val_loss"].append(val["loss"])
        history["val_recon"].append(val["recon"])
        history["val_kl"].append(val["kl"])
        history["val_kl_per_dim"].append(val["kl_per_dim"])
