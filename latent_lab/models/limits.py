"""What one request may ask of the server: the bounds every form, link and upload is checked against.

A hosted demo serves many visitors from a small container (Streamlit Community Cloud: about one
core and a GB of memory per app), so no widget combination, shared link or uploaded file may buy
unbounded work. The numbers are one table (:class:`Limits`), shown in the README; the pages say
which bound a refused request broke.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from vae_core import LoadLimits


@dataclass(frozen=True)
class Limits:
    """The hosted limits. Each field is a bound the app checks before it starts any work."""

    max_epochs: int = 1000
    max_hidden: int = 256
    max_latent: int = 16
    max_batch: int = 1437  # the training split: a larger batch is the whole split anyway
    min_learning_rate: float = 1e-5
    max_learning_rate: float = 1.0
    max_beta: float = 16.0
    max_seed: int = 2**31 - 1
    # One training's estimated CPU time (training_seconds): the post's own VAE recipe, about
    # 40 s, fits; the worst widget combination (per-sample steps, 256 hidden units, 16 latent
    # dimensions, 1000 epochs: minutes of CPU) does not.
    max_training_seconds: float = 60.0
    # Trainings that run at the same time; more wait their turn (a 2-core box, many visitors).
    max_trainings: int = 2
    # Trained models the server keeps (shared by every session; least recently used go first).
    max_cached_models: int = 32
    # An uploaded file (Streamlit's server.maxUploadSize in .streamlit/config.toml says the same).
    max_upload_mb: int = 5
    # An uploaded data set: images and their side (28 x 28 at most).
    max_rows: int = 10_000
    max_side: int = 28


LIMITS = Limits()

# What an uploaded model file may ask of the loader: the network sizes the form allows, and the
# upload size; checked before anything is allocated (vae_core.io).
MODEL_FILE_LIMITS = LoadLimits(
    max_file_bytes=LIMITS.max_upload_mb * 2**20, max_uncompressed_bytes=64 * 2**20,
    max_hidden_layers=1, max_width=LIMITS.max_hidden, max_latent=LIMITS.max_latent,
    max_input_dim=LIMITS.max_side**2, max_epochs=LIMITS.max_epochs,
)

# Seconds per optimizer step and per image-parameter product, fitted to this engine's bench
# (the fast default VAE: 300 epochs of 12 steps in 0.67 s; the post's VAE recipe: 300 epochs of
# 1,437 one-image steps in 38 s). An estimate to refuse requests by, not a promise.
SECONDS_PER_STEP = 87e-6
SECONDS_PER_IMAGE_PARAMETER = 1.8e-10


def n_parameters(input_dim: int, hidden: int, latent: int, kind: str) -> int:
    """Weights and biases of the network the form describes (one hidden layer, or none)."""
    widths = [input_dim, hidden, latent] if hidden else [input_dim, latent]
    encoder = sum(a * b + b for a, b in itertools.pairwise(widths))
    if kind == "vae":  # a second head for log σ²
        encoder += widths[-2] * latent + latent
    decoder_widths = widths[::-1]
    decoder = sum(a * b + b for a, b in itertools.pairwise(decoder_widths))
    return encoder + decoder


def training_seconds(config: dict, n_train: int) -> float:
    """About how much CPU time training ``config`` on ``n_train`` images takes."""
    hidden = config["hidden_sizes"][0] if config["hidden_sizes"] else 0
    params = n_parameters(config["input_dim"], hidden, config["latent_dim"], config["kind"])
    steps = config["epochs"] * -(-n_train // config["batch_size"])
    images = config["epochs"] * n_train
    return steps * SECONDS_PER_STEP + images * params * SECONDS_PER_IMAGE_PARAMETER


def check_training(config: dict, n_train: int) -> None:
    """``ValueError`` saying what to change if ``config`` would train longer than the limit."""
    seconds = training_seconds(config, n_train)
    if seconds > LIMITS.max_training_seconds:
        minutes = f"{seconds / 60:.1f} minutes" if seconds >= 90 else f"{seconds:.0f} s"
        raise ValueError(
            f"This training would take about {minutes} of CPU; one training may take at most "
            f"{LIMITS.max_training_seconds:.0f} s here. Use fewer epochs, a larger batch or a "
            "smaller hidden layer.")
