"""What the dashboard trains on and which models it ships, without importing Streamlit.

A model's *config* is its kind plus every constructor argument (``get_params()``); two configs
that compare equal train bit-identical models, so the config is the cache key and the key that
matches a request to a shipped asset file.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from vae_core import load_digits_unit, make_model, split_digits

ASSETS_DIR = Path(__file__).resolve().parent.parent / "assets"
SWEEP_BETAS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
# The blog's suggestion: ramp β from 0 over the first 50 epochs.
SWEEP_WARMUP_EPOCHS = 50
# Held-out KL below this many nats means the encoder ignores its input.
COLLAPSE_NATS = 0.5
# A single latent dimension carrying less than this is collapsed onto the prior.
DIM_COLLAPSE_NATS = 0.1


def model_config(kind: str, recipe: str = "fast", **overrides) -> dict:
    """The full config of the model ``make_model(kind, recipe, **overrides)`` would build.

    Raises ``ValueError`` (from the core) for an unknown kind, recipe or hyperparameter.
    """
    params = make_model(kind, recipe, **overrides).get_params()
    return {"kind": kind, **params}


def config_key(config: dict) -> tuple:
    """A hashable, order-independent form of a config."""
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in config.items()))


def build_model(config: dict):
    """An unfitted model for ``config`` (the inverse of :func:`model_config`)."""
    params = {k: v for k, v in config.items() if k != "kind"}
    return make_model(config["kind"], **params)


def sweep_name(beta: float, warmup: bool) -> str:
    return f"vae_beta{beta:g}_{'warmup' if warmup else 'nowarmup'}"


@functools.cache
def shipped_configs() -> dict[str, dict]:
    """File stem -> config of every model shipped in ``assets/`` (shared: do not mutate)."""
    configs = {"ae_default": model_config("ae"), "vae_default": model_config("vae")}
    for beta in SWEEP_BETAS:
        for warmup in (False, True):
            configs[sweep_name(beta, warmup)] = model_config(
                "vae", beta=beta, kl_warmup=SWEEP_WARMUP_EPOCHS if warmup else 0)
    return configs


def asset_path(stem: str) -> Path:
    return ASSETS_DIR / f"{stem}.npz"


@functools.cache
def digits():
    """The train/held-out split every model is trained and scored on (arrays are read-only)."""
    split = split_digits()
    X_all, y_all = load_digits_unit()
    for arr in (*split, X_all, y_all):
        arr.setflags(write=False)
    return split, X_all, y_all


def train_model(config: dict, callback=None):
    """Fit the model of ``config`` on the training split, scored on the held-out split."""
    split, _, _ = digits()
    return build_model(config).fit(split.X_train, X_val=split.X_test, callback=callback)


def collapsed_dims(model) -> list[int]:
    """Latent dimensions whose held-out KL ended below ``DIM_COLLAPSE_NATS`` (VAE only)."""
    per_dim = model.history_.get("val_kl_per_dim") if model.kind == "vae" else None
    if not per_dim:
        return []
    return [d for d, kl in enumerate(per_dim[-1]) if kl < DIM_COLLAPSE_NATS]


def one_per_class(labels: np.ndarray, start: int = 0) -> np.ndarray:
    """Index of the ``start``-th example of each class present, in class order."""
    labels = np.asarray(labels)
    out = []
    for digit in np.unique(labels):
        idx = np.flatnonzero(labels == digit)
        out.append(idx[start % len(idx)])
    return np.asarray(out)


def training_config(kind: str, recipe: str, *, latent_dim: int, hidden_size: int, beta: float,
                    kl_warmup: int, epochs: int, batch_size: int, optimizer: str,
                    learning_rate: float, seed: int) -> dict:
    """The config the training form describes; ``ValueError`` says what is wrong with it.

    The autoencoder has no KL term, so ``beta`` and ``kl_warmup`` are dropped for it.
    """
    overrides = {
        "latent_dim": int(latent_dim), "hidden_sizes": (int(hidden_size),) if hidden_size else (),
        "epochs": int(epochs), "batch_size": int(batch_size), "optimizer": optimizer,
        "learning_rate": float(learning_rate), "random_state": int(seed),
    }
    if kind == "vae":
        if kl_warmup > epochs:
            raise ValueError(f"KL warm-up ({kl_warmup} epochs) is longer than training ({epochs} "
                             "epochs): β would never reach its value. Shorten the warm-up.")
        overrides.update(beta=float(beta), kl_warmup=int(kl_warmup))
    config = model_config(kind, recipe, **overrides)
    build_model(config).validate_params()
    return config


KIND_NAMES = {"ae": "autoencoder", "vae": "VAE"}


def choose_explored(latest: dict, latest_2d: dict) -> tuple[dict, list[str]]:
    """Which of a session's own models the exploring pages show, and what to tell the user.

    ``latest`` and ``latest_2d`` map a kind (``"ae"``, ``"vae"``) to the session's most recent
    trained or loaded model of that kind, and to its most recent one with a 2-D latent space;
    each entry is a dict with ``model``, ``source`` and ``token`` (a cache key). Returns the
    chosen entry per kind (``None``: use the shipped default) and one note per kind saying why.
    """
    chosen, notes = {}, []
    for kind, name in KIND_NAMES.items():
        last, last_2d = latest.get(kind), latest_2d.get(kind)
        chosen[kind] = last_2d
        if last is None:
            notes.append(f"No {name} trained or loaded in this session yet: showing the shipped "
                         f"default {name}.")
            continue
        if last is last_2d:
            notes.append(f"Your {name}: {last['source']}.")
            continue
        dim = last["model"].latent_dim
        fallback = (f"your most recent 2-D {name} ({last_2d['source']})" if last_2d else
                    f"the shipped default {name}; train one with latent size 2 to explore it here")
        notes.append(f"Your latest {name} has a {dim}-D latent space, which can't be drawn on "
                     f"these 2-D maps: showing {fallback}.")
    return chosen, notes
