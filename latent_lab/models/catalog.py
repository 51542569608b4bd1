"""Which models the dashboard knows: their configs, cache keys, names, and the shipped assets.

A model's *config* is its kind plus every constructor argument (``get_params()``); two configs
that compare equal train the same model, so the config is the cache key and the key that
matches a request to a shipped asset file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from latent_lab.images.dataset import digits
from vae_core import MODELS, make_model

ASSETS_DIR = Path(__file__).resolve().parents[2] / "assets"


@dataclass(frozen=True)
class KindNames:
    """How the pages name a model kind: on a map ("AE"), on a control ("Autoencoder"), in a sentence."""

    short: str
    label: str
    noun: str


# One entry per model kind of the engine, in the order the controls list them.
KINDS = {
    "vae": KindNames(short="VAE", label="VAE", noun="VAE"),
    "ae": KindNames(short="AE", label="Autoencoder", noun="autoencoder"),
}
assert set(KINDS) == set(MODELS), "every model kind of vae_core needs its names here"

# The β sweep shipped with the app, and the warm-up of its warmed-up half (the blog's suggestion:
# ramp β from 0 over the first 50 epochs).
SWEEP_BETAS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
SWEEP_WARMUP_EPOCHS = 50


def model_config(kind: str, recipe: str = "fast", **overrides) -> dict:
    """The full config of the model ``make_model(kind, recipe, **overrides)`` would build.

    Raises ``ValueError`` (from the core) for an unknown kind, recipe or hyperparameter.
    """
    return config_of(make_model(kind, recipe, **overrides))


def config_of(model) -> dict:
    """The config of a built or fitted model: its kind and every constructor argument."""
    return {"kind": model.kind, **model.get_params()}


def config_key(config: dict) -> tuple:
    """A hashable, order-independent form of a config."""
    return tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in config.items()))


def describe(config: dict) -> str:
    """A one-line summary of a model config."""
    kind = config["kind"].upper()
    parts = [
        kind, f"latent {config['latent_dim']}", f"hidden {list(config['hidden_sizes'])}",
        f"{config['epochs']} epochs", f"{config['optimizer']} lr {config['learning_rate']:g}",
        f"batch {config['batch_size']}", f"seed {config['random_state']}",
    ]
    if config["kind"] == "vae":
        parts[1:1] = [f"β {config['beta']:g}", f"warm-up {config['kl_warmup']} epochs"]
    return " · ".join(parts)


def build_model(config: dict):
    """An unfitted model for ``config`` (the inverse of :func:`model_config`)."""
    params = {k: v for k, v in config.items() if k != "kind"}
    return make_model(config["kind"], **params)


def train_model(config: dict, callback=None, split=None):
    """Fit the model of ``config`` on a training split (the digits'), scored on its held-out part."""
    split = split if split is not None else digits()[0]
    return build_model(config).fit(split.X_train, X_val=split.X_test, callback=callback)


def sweep_name(beta: float, warmup: bool) -> str:
    return f"vae_beta{beta:g}_{'warmup' if warmup else 'nowarmup'}"


@functools.cache
def shipped_configs() -> dict[str, dict]:
    """File stem -> config of every model shipped in ``assets/`` (shared: do not mutate)."""
    configs = {"ae_default": model_config("ae"), "vae_default": model_config("vae"),
               # The post's own recipe, setting for setting (per-sample SGD, about a minute).
               "ae_blog": model_config("ae", "blog"), "vae_blog": model_config("vae", "blog")}
    for beta in SWEEP_BETAS:
        for warmup in (False, True):
            configs[sweep_name(beta, warmup)] = model_config(
                "vae", beta=beta, kl_warmup=SWEEP_WARMUP_EPOCHS if warmup else 0)
    return configs


def asset_path(stem: str) -> Path:
    return ASSETS_DIR / f"{stem}.npz"


# Every claim that compares models or settings is decided over these training seeds: each setting
# of the seed sweep is trained once per seed (``random_state``) and measured into
# ``assets/seeds.json`` by ``make assets``.
SWEEP_SEEDS = (0, 1, 2, 3, 4)


def with_seed(config: dict, seed: int) -> dict:
    """``config`` trained from another seed (its ``random_state``)."""
    return {**config, "random_state": int(seed)}


@functools.cache
def seed_sweep_configs() -> dict[str, dict]:
    """Setting -> config at seed 0 of everything the seed sweep trains at every seed (do not mutate).

    The default autoencoder, the β sweep with and without warm-up (fast recipe, about a second a
    model), and the post's own recipe: its AE, its VAE at β = 1, and that VAE with the warm-up the
    post recommends, where a collapse is a training accident rather than the objective's optimum
    (about 40 s a model). A setting's seed-0 model is the shipped file of the same name.
    """
    shipped = shipped_configs()
    configs = {"ae_default": shipped["ae_default"], "ae_blog": shipped["ae_blog"], "vae_blog": shipped["vae_blog"],
               "vae_blog_warmup": model_config("vae", "blog", kl_warmup=SWEEP_WARMUP_EPOCHS)}
    configs.update({stem: config for stem, config in shipped.items() if stem.startswith("vae_beta")})
    return configs
