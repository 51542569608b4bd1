"""The mini-batch training loop shared by both models."""

import copy
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


class TrainingRun:
    """One training of one model: its optimizer, random stream, history and snapshots.

    :meth:`run` trains a number of epochs; calling it again continues exactly where the last call
    stopped (the same optimizer moments, the same random stream, the same KL warm-up schedule),
    so training 100 epochs and then 50 more gives the same weights as training 150 at once. A
    callback that returns ``False`` ends the run after that epoch, keeping what was trained.

    Parameters
    ----------
    model : Autoencoder or VAE
        Built (``_build``) and about to train; its weights are updated in place.
    X, X_val : ndarray
        Training images and held-out images (or None), already validated.
    rng : numpy.random.Generator
        The model's stream: batches are shuffled and VAE noise drawn from it.
    """

    def __init__(self, model, X, X_val, rng):
        self.model, self.X, self.X_val, self.rng = model, X, X_val, rng
        self.optimizer = make_optimizer(model.optimizer, model.flat_params_, model.flat_grads_,
                                        model.learning_rate, momentum=model.momentum,
                                        clip_value=model.clip_value)
        self.probe = X if X_val is None else X_val
        self.history = {key: [] for key in HISTORY_KEYS}
        self.snapshot_epochs = [0]
        self.snapshots = [model.encode(self.probe)]  # each (n_points, latent)
        self.epoch = 0
        self.best_objective = np.inf
        self.last_good = model.flat_params_.copy()
        self.seconds = 0.0

    def result(self):
        return TrainingResult({key: list(values) for key, values in self.history.items()},
                              np.asarray(self.snapshot_epochs, dtype=np.int64), np.array(self.snapshots),
                              self.seconds)

    def run(self, epochs, callback=None):
        """Train ``epochs`` more epochs; return the :class:`TrainingResult` of the whole run so far.

        ``callback`` receives, after every epoch, a dict with ``epoch``, ``epochs`` (where this call
        ends), ``train_loss``, ``val_loss`` (or None), ``beta``, ``history`` (the live history: read,
        don't keep) and ``model``; returning ``False`` ends the run after that epoch.

        Raises
        ------
        TrainingDivergedError
            With the result up to the last sane epoch, whose weights the model is given back.
        """
        model, X, X_val = self.model, self.X, self.X_val
        self._restart_foreign_snapshots()
        end = self.epoch + epochs
        # Latent snapshots evenly over this call's target, about n_snapshots in all.
        schedule = set(snapshot_epochs(end, model.n_snapshots).tolist())
        start = time.perf_counter() - self.seconds
        while self.epoch < end:
            epoch = self.epoch + 1
            beta = model.beta_at(epoch)
            # Diverging runs overflow exp(log_var) before they produce NaN; the check below turns
            # that into one clear error instead of a screen of warnings.
            with np.errstate(over="ignore", invalid="ignore"):
                recon_sum, kl_sum, kl_dim_sum = _run_epoch(model, self.optimizer, X, beta, self.rng)
                finite = np.isfinite(recon_sum + kl_sum) and np.all(np.isfinite(model.flat_params_))
                val = model._score(X_val) if finite and X_val is not None else None
            finite = finite and (val is None or np.isfinite(val["loss"]))
            objective = (recon_sum + beta * kl_sum) / X.shape[0]
            problem = _divergence(finite, objective, self.best_objective)
            if problem:
                model.flat_params_[:] = self.last_good
                self.seconds = time.perf_counter() - start
                raise TrainingDivergedError(
                    f"Training diverged in epoch {epoch}: {problem}. The model keeps the weights of epoch "
                    f"{epoch - 1}. Try a smaller learning rate, a KL warm-up, or the 'fast' recipe (Adam on "
                    "mini-batches).", self.result())
            self.best_objective = min(self.best_objective, objective)
            self.last_good[:] = model.flat_params_
            self.epoch = epoch

            _record(self.history, epoch, beta, X.shape[0], recon_sum, kl_sum, kl_dim_sum, val)
            if epoch in schedule or epoch == end:
                self.snapshot_epochs.append(epoch)
                self.snapshots.append(model.encode(self.probe))
            self.seconds = time.perf_counter() - start
            self.history["seconds"].append(self.seconds)
            if callback is not None:
                keep_going = callback({
                    "epoch": epoch, "epochs": end, "train_loss": self.history["train_loss"][-1],
                    "val_loss": val["loss"] if val is not None else None, "beta": beta,
                    "history": self.history, "model": model})
                if keep_going is False:
                    break
        if self.snapshot_epochs[-1] != self.epoch:  # stopped early: the latent space as it is now
            self.snapshot_epochs.append(self.epoch)
            self.snapshots.append(model.encode(self.probe))
        self._thin_snapshots(snapshot_epochs(self.epoch, model.n_snapshots).size)
        return self.result()

    def _restart_foreign_snapshots(self):
        """Start the snapshots afresh when the earlier ones encode another set of images.

        A model loaded from a file carries snapshots of the held-out set it was trained with; a
        continuation without that set encodes its training images, and the two cannot share a series.
        """
        if self.snapshots and self.snapshots[-1].shape[0] != self.probe.shape[0]:
            self.snapshot_epochs = [self.epoch]
            self.snapshots = [self.model.encode(self.probe)]

    def _thin_snapshots(self, limit):
        """Keep at most ``limit`` snapshots (the first, the last, evenly between) after a continuation."""
        if len(self.snapshots) <= limit:
            return
        keep = np.unique(np.linspace(0, len(self.snapshots) - 1, limit).round().astype(int))
        self.snapshot_epochs = [self.snapshot_epochs[i] for i in keep]
        self.snapshots = [self.snapshots[i] for i in keep]

    def copy_for(self, model):
        """This run's state, continuing on ``model`` (a copy of this run's model, weights included)."""
        other = copy.copy(self)
        other.model = model
        other.rng = copy.deepcopy(self.rng)
        other.optimizer = self.optimizer.copy_for(model.flat_params_, model.flat_grads_)
        other.history = {key: list(values) for key, values in self.history.items()}
        other.snapshot_epochs = list(self.snapshot_epochs)
        other.snapshots = list(self.snapshots)
        other.last_good = self.last_good.copy()
        return other


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
