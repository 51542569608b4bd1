"""The mini-batch training loop shared by both models."""

import time

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


class TrainingDivergedError(RuntimeError):
    """The loss exploded or became NaN; the model keeps the weights of the last sane epoch."""


def snapshot_epochs(epochs, n_snapshots):
    """Epochs (0 = before training) at which latent snapshots are taken, evenly spread."""
    return np.unique(np.linspace(0, epochs, max(n_snapshots, 2)).round().astype(np.int64))


def train(model, X, X_val, rng, callback=None):
    """Train ``model`` in place on ``X`` with shuffled mini-batches; fill its learned attributes.

    Every epoch draws one permutation from ``rng`` and walks it in slices of ``batch_size``
    (the last batch may be smaller), so there is no per-sample Python loop unless the recipe
    asks for ``batch_size=1``. Train metrics are the batch losses averaged over the epoch,
    weighted by batch size; held-out metrics come from ``model.evaluate`` after the epoch.
    """
    optimizer = make_optimizer(model.optimizer, model.flat_params_, model.flat_grads_, model.learning_rate,
                               momentum=model.momentum, clip_value=model.clip_value)
    n_samples, batch_size = X.shape[0], model.batch_size
    latent_dim = model.latent_dim
    probe = X if X_val is None else X_val
    snap_epochs = snapshot_epochs(model.epochs, model.n_snapshots)
    snapshots = [model.encode(probe)] if snap_epochs[0] == 0 else []
    history = {key: [] for key in HISTORY_KEYS}
    model.history_, model.snapshot_epochs_ = history, snap_epochs[: len(snapshots)]
    model.latent_snapshots_ = np.array(snapshots)
    last_good = model.flat_params_.copy()
    best_objective = np.inf
    start = time.perf_counter()

    for epoch in range(1, model.epochs + 1):
        beta = model.beta_at(epoch) if model.kind == "vae" else 0.0
        shuffled = X[rng.permutation(n_samples)]  # one gather per epoch; batches are views
        recon_sum, kl_sum = 0.0, 0.0
        kl_dim_sum = np.zeros(latent_dim)
        # Diverging runs overflow exp(log_var) before they produce NaN; the check below turns
        # that into one clear error instead of a screen of warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            for begin in range(0, n_samples, batch_size):
                batch = shuffled[begin:begin + batch_size]
                recon, kl, kl_per_dim = model._train_step(batch, beta, rng)
                optimizer.step()
                weight = batch.shape[0]
                recon_sum += recon * weight
                kl_sum += kl * weight
                if kl_per_dim is not None:
                    kl_dim_sum += kl_per_dim * weight
            finite = np.isfinite(recon_sum + kl_sum) and np.all(np.isfinite(model.flat_params_))
            val = model._score(X_val) if finite and X_val is not None else None
        train_loss = (recon_sum + kl_sum) / n_samples
        objective = (recon_sum + beta * kl_sum) / n_samples
        finite = finite and (val is None or np.isfinite(val["loss"]))
        if not finite or objective > DIVERGENCE_FACTOR * best_objective:
            model.flat_params_[:] = last_good
            _finish(model, snapshots, start)
            what = ("the loss became NaN or infinite" if not finite else
                    f"the training objective exploded to {objective:.3g}, over {DIVERGENCE_FACTOR:g}x its best "
                    f"epoch ({best_objective:.4g})")
            raise TrainingDivergedError(
                f"Training diverged in epoch {epoch}: {what}. The model keeps the weights of epoch "
                f"{epoch - 1}. Try a smaller learning rate, gradient clipping (clip_value), a KL warm-up, "
                "or the 'fast' recipe (Adam on mini-batches)."
            )
        best_objective = min(best_objective, objective)
        last_good[:] = model.flat_params_

        history["epoch"].append(epoch)
        history["beta"].append(beta)
        history["train_recon"].append(recon_sum / n_samples)
        history["train_kl"].append(kl_sum / n_samples)
        history["train_loss"].append(train_loss)
        history["train_kl_per_dim"].append([float(v) for v in kl_dim_sum / n_samples])
        if val is not None:
            history["val_loss"].append(val["loss"])
            history["val_recon"].append(val["recon"])
            history["val_kl"].append(val["kl"])
            history["val_kl_per_dim"].append(val["kl_per_dim"])
        if epoch in snap_epochs:
            snapshots.append(model.encode(probe))
        history["seconds"].append(time.perf_counter() - start)
        model.snapshot_epochs_ = snap_epochs[: len(snapshots)]
        if callback is not None:
            callback({"epoch": epoch, "epochs": model.epochs, "train_loss": history["train_loss"][-1],
                      "val_loss": val["loss"] if val is not None else None, "beta": beta})
    _finish(model, snapshots, start)


def _finish(model, snapshots, start):
    model.latent_snapshots_ = np.array(snapshots)  # (n_snapshots, n_points, latent)
    model.snapshot_epochs_ = model.snapshot_epochs_[: len(snapshots)]
    model.seconds_ = time.perf_counter() - start
