"""The seed sweep: what is measured on every seed of every setting, and the shipped figures.

``make assets`` trains each setting of ``catalog.seed_sweep_configs()`` once per seed of
``catalog.SWEEP_SEEDS`` and writes :func:`measure` of each model to ``assets/seeds.json``.
Claims that compare models or settings read their figures per seed from here
(:func:`figures`), in seed order, so both sides of a paired comparison line up.
"""

from __future__ import annotations

import functools
import json

import numpy as np

from latent_lab.models.catalog import ASSETS_DIR
from vae_core import exact_nll, kl_per_dim, likelihood_bounds, off_manifold_share, temperature_curve
from vae_core.evaluation import OffDataTest, latent_outlier_share, recon_of_posterior_mean
from vae_core.metrics import code_gaussian, collapsed_dims, draw_codes

SEEDS_PATH = ASSETS_DIR / "seeds.json"
# The temperatures and sample count of the sample scores measured on every seed.
TEMPERATURES = (0.5, 1.0, 1.5)
SAMPLES = 500
# Posterior draws per image of a seed's held-out -ELBO.
DRAWS = 100


def measure(model, split, diverged_at: int | None = None) -> dict:
    """The figures the claims read of one trained model (about 2 s for a 2-D VAE).

    Parameters
    ----------
    model : Autoencoder or VAE
        Trained; after a diverged training, the weights of its last sane epoch.
    split : DigitSplit
    diverged_at : int, optional
        The epoch in which its training diverged.

    Returns
    -------
    dict (JSON-ready)
        ``epochs_run``, ``diverged_at``; the AE's held-out ``mse``; the VAE's held-out ``neg_elbo``,
        ``recon_sampled``, ``recon_mean_decoded``, ``kl``, ``kl_per_dim``, ``collapsed_dims``,
        ``exact_nll``; ``samples`` (the judge's ``quality``, ``class_entropy``, ``precision``,
        ``recall``, ``off_data`` at each of ``TEMPERATURES``, from N(0, T² I)) and, for an AE,
        ``samples_fitted`` (from a Gaussian fitted to its codes); and, on the 2-D latent map,
        the share off the data of a grid over the codes in the gaps (``grid_gaps``) and on the
        clusters (``grid_clusters``), of a ±3σ grid for a VAE (``grid_prior``), and the share of
        code draws in the wilderness by sampler (``wilderness``: prior, fitted, box).
    """
    X_train, X_test = split.X_train, split.X_test
    out = {"epochs_run": len(model.history_.get("epoch", [])), "diverged_at": diverged_at}
    if model.kind == "ae":
        out["mse"] = float(model.evaluate(X_test)["loss"])
    else:
        bounds = likelihood_bounds(model, X_test, ks=(1,), n_draws=DRAWS, seed=0)
        per_dim = [float(v) for v in kl_per_dim(model, X_test)]
        out.update({"neg_elbo": bounds["neg_elbo"], "recon_sampled": bounds["recon"], "kl": bounds["kl"],
                    "kl_per_dim": per_dim, "collapsed_dims": collapsed_dims(per_dim),
                    "recon_mean_decoded": recon_of_posterior_mean(model, X_test),
                    "exact_nll": exact_nll(model, X_test).nll if model.latent_dim <= 2 else None})
    out["samples"] = _samples(model, split, "prior")
    out["samples_fitted"] = _samples(model, split, "fitted") if model.kind == "ae" else None
    if model.latent_dim == 2:
        test = OffDataTest(X_train, X_test)
        grid = off_manifold_share(model, X_train, X_test, region="data", test=test)
        out.update({"grid_gaps": grid["in_gaps"], "grid_clusters": grid["on_clusters"],
                    "grid_prior": (off_manifold_share(model, X_train, X_test, region="prior", test=test)["share"]
                                   if model.kind == "vae" else None)})
        rng = np.random.default_rng(0)
        eps = rng.standard_normal((SAMPLES, 2))
        box = rng.uniform(grid["low"], grid["high"], size=(SAMPLES, 2))
        fitted = draw_codes(eps, 1.0, code_gaussian(model, X_train))
        out["wilderness"] = {name: latent_outlier_share(model, Z, X_train, X_test)
                             for name, Z in (("prior", eps), ("fitted", fitted), ("box", box))}
    return out


def _samples(model, split, sampler: str) -> dict:
    curve = temperature_curve(model, split.X_train, split.X_test, TEMPERATURES, n_samples=SAMPLES, seed=0,
                              sampler=sampler)
    return {f"{t:g}": {"quality": curve["quality"][i], "class_entropy": curve["class_entropy"][i],
                       "precision": curve["precision"][i], "recall": curve["recall"][i],
                       "off_data": curve["off_manifold"][i]}
            for i, t in enumerate(curve["temperature"])}


@functools.cache
def shipped() -> dict:
    """``assets/seeds.json``: ``seeds`` and, per setting, ``config`` and ``by_seed`` (seed -> figures)."""
    if not SEEDS_PATH.exists():
        return {"seeds": [], "settings": {}}
    return json.loads(SEEDS_PATH.read_text())


def runs(sweep: dict, setting: str) -> list[dict]:
    """The figures of every seed of ``setting``, in the sweep's seed order."""
    by_seed = sweep["settings"][setting]["by_seed"]
    return [by_seed[str(seed)] for seed in sweep["seeds"]]


def figures(sweep: dict, setting: str, path) -> list:
    """One figure per seed of ``setting``: ``path`` is a key, a tuple of keys, or a function of a run."""
    if callable(path):
        return [path(run) for run in runs(sweep, setting)]
    keys = path if isinstance(path, tuple) else (path,)
    return [functools.reduce(lambda value, key: value[key], keys, run) for run in runs(sweep, setting)]
