"""What one request may ask of the server: the bounds every form, link and upload is checked against.

A hosted demo serves many visitors from a small container (Streamlit Community Cloud: about one
core and a GB of memory per app), so no widget combination, shared link or uploaded file may buy
unbounded work. The numbers are one table (:class:`Limits`), shown in the README; the pages say
which bound a refused request broke.
"""

from __future__ import annotations

from dataclasses import dataclass

from vae_core import LoadLimits, parameter_count


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
    # One training's CPU time: its estimate (training_seconds, an upper bound) must fit, and the
    # trainer stops a run that reaches it anyway (keeping what was trained). The post's own VAE
    # recipe (39 s measured, estimated 72 s) fits; the worst widget combination (per-sample
    # steps, 256 hidden units, 16 latent dimensions, 1000 epochs: 6 minutes of CPU) does not.
    max_training_seconds: float = 90.0
    # Trainings that run at the same time; more wait their turn (a 2-core box, many visitors).
    max_trainings: int = 2
    # Trained models the server keeps (shared by every session; least recently used go first),
    # and the memory they may hold: a model keeps its training images to continue exactly (tens
    # of kB on the digits, about 30 MB on 10,000 images of 28 x 28).
    max_cached_models: int = 32
    max_cached_model_mb: int = 160
    # What the caches derived from models and data may hold (maps, payloads, figures, measures).
    max_derived_mb: int = 96
    # An uploaded file (Streamlit's server.maxUploadSize in .streamlit/config.toml says the same).
    max_upload_mb: int = 5
    # An uploaded data set: images and their side (28 x 28 at most).
    max_rows: int = 10_000
    max_side: int = 28
    # ... and what it decodes to (64-bit pixels), however small the file: 10,000 images of 28 x 28
    # are 60 MB (a session keeps them and their train / held-out split).
    max_upload_decoded_mb: int = 64


LIMITS = Limits()

# What an uploaded model file may ask of the loader: the network sizes the form allows, and the
# upload size; checked before anything is allocated (vae_core.io).
MODEL_FILE_LIMITS = LoadLimits(
    max_file_bytes=LIMITS.max_upload_mb * 2**20, max_uncompressed_bytes=64 * 2**20,
    max_hidden_layers=1, max_width=LIMITS.max_hidden, max_latent=LIMITS.max_latent,
    max_input_dim=LIMITS.max_side**2, max_epochs=LIMITS.max_epochs,
    # Snapshots: the app takes 31 (n_snapshots=30) of at most the images an upload holds.
    max_snapshots=100, max_snapshot_points=LIMITS.max_rows,
)

# What one epoch of training costs in CPU seconds, by what it does (``training_seconds``). The
# coefficients are the smallest upper envelope (a linear program) of 528 measured epochs on an
# AMD EPYC core: both kinds and recipes, batch sizes 1, 2, 4, 32, 128 and the whole set, widths
# 0, 32 and 256, latent sizes 1, 2 and 16, on the digits (1,437 and 300 of them) and on 400 to
# 8,000 images of 16 x 16 and 28 x 28; then times SAFETY, for measurement noise and slower cores.
# tests/models/test_limits.py measures the form's corners against it.
COST_PER_STEP = 13.6e-6  # one optimizer step: Python and NumPy calls
COST_PER_STEP_LAYER = 17.8e-6  # ... per dense layer from the image to the code
COST_PER_STEP_VAE = 53.6e-6  # ... the VAE's second head, sampling and KL
COST_PER_STEP_PARAMETER = 3.0e-9  # ... the optimizer's update of every weight
COST_PER_IMAGE_PIXEL = 1.7e-8  # shuffling and batching the training images
COST_PER_IMAGE_PARAMETER_F64 = 2.7e-10  # forward and backward passes in float64 (float32: in the steps)
COST_PER_HELD_OUT_PARAMETER = 7.3e-10  # scoring the held-out images after every epoch
COST_PER_EPOCH = 0.16e-3
SAFETY = 1.4


def epoch_seconds(config: dict, n_train: int, n_val: int | None = None) -> float:
    """An upper bound on one epoch's CPU time for ``config`` on ``n_train`` images (and ``n_val`` held out).

    ``n_val`` defaults to a quarter of ``n_train``, as in the app's splits (1,437 / 360; uploads
    80 / 20).
    """
    n_val = -(-n_train // 4) if n_val is None else n_val
    hidden = tuple(config["hidden_sizes"])
    params = parameter_count(config["kind"], config["input_dim"], hidden, config["latent_dim"])
    steps = -(-n_train // config["batch_size"])
    per_step = (COST_PER_STEP + COST_PER_STEP_LAYER * (len(hidden) + 1)
                + COST_PER_STEP_VAE * (config["kind"] == "vae") + COST_PER_STEP_PARAMETER * params)
    per_image = (COST_PER_IMAGE_PIXEL * config["input_dim"]
                 + COST_PER_IMAGE_PARAMETER_F64 * params * (config.get("dtype") == "float64"))
    return SAFETY * (steps * per_step + n_train * per_image + n_val * params * COST_PER_HELD_OUT_PARAMETER
                     + COST_PER_EPOCH)


def training_seconds(config: dict, n_train: int, n_val: int | None = None) -> float:
    """An upper bound on the CPU time of training ``config`` on ``n_train`` images (see ``epoch_seconds``)."""
    return config["epochs"] * epoch_seconds(config, n_train, n_val)


def affordable_epochs(config: dict, n_train: int) -> int:
    """The most epochs of ``config`` on ``n_train`` images that fit the bound on one training (at least 1)."""
    return max(1, int(LIMITS.max_training_seconds // epoch_seconds(config, n_train)))


def check_training(config: dict, n_train: int) -> None:
    """``ValueError`` saying what to change if ``config`` would train longer than the limit."""
    seconds = training_seconds(config, n_train)
    if seconds > LIMITS.max_training_seconds:
        minutes = f"{seconds / 60:.1f} minutes" if seconds >= 90 else f"{seconds:.0f} s"
        raise ValueError(
            f"This training would take about {minutes} of CPU; one training may take at most "
            f"{LIMITS.max_training_seconds:.0f} s here. Use fewer epochs, a larger batch or a "
            "smaller hidden layer.")
