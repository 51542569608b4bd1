"""Train and save every model the dashboard ships: ``python -m latent_lab.models.build_assets``.

The default autoencoder and VAE and the β sweep, each trained on the training split and scored on
the held-out split, then every model evaluated into ``evaluation.json`` (the figures the pages
show), then the seed sweep measured into ``seeds.json`` (every setting a claim compares, trained
once per seed: the figures its verdict is decided on). Training is seeded: on one machine, running
this again writes the same arrays; on another CPU the arrays differ in their last digits and a test
checks that the models score the same. All of it takes about a quarter of an hour on one core, most
of it the post's per-sample recipe (about 40 s a VAE) over five seeds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from latent_lab.images.dataset import digits
from latent_lab.measures import scores, seeds
from latent_lab.models import catalog
from vae_core import TrainingDivergedError, linear_ae_vs_pca, load_model, save_model

# The seed sweep's entry for the linear autoencoder against PCA (one comparison per seed).
LINEAR = "linear_ae_vs_pca"


def build(stems=None, out_dir=None, log=print):
    """Train the shipped models (all, or those named in ``stems``) and save them as ``.npz``."""
    out_dir = catalog.ASSETS_DIR if out_dir is None else out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    configs = catalog.shipped_configs()
    unknown = sorted(set(stems or ()) - set(configs))
    if unknown:
        raise ValueError(f"Unknown asset(s) {unknown}; valid: {sorted(configs)}.")
    trained = {}  # the default VAE is also the sweep's β = 1: train it once
    for stem, config in configs.items():
        if stems and stem not in stems:
            continue
        start = time.perf_counter()
        key = catalog.config_key(config)
        if key not in trained:
            trained[key] = catalog.train_model(config)
        model = trained[key]
        path = out_dir / f"{stem}.npz"
        save_model(model, path)
        history = model.history_
        log(f"{path.name}: {time.perf_counter() - start:.1f} s, held-out loss "
            f"{history['val_loss'][-1]:.4g}, KL {history['val_kl'][-1]:.3g}")


def evaluate(out_dir=None, log=print):
    """Evaluate every shipped model (``latent_lab.measures.scores.evaluate``) into ``evaluation.json``.

    The pages read these figures instead of computing them on a visitor's click; about two
    minutes in all (the VAEs' exact likelihoods dominate).
    """
    out_dir = catalog.ASSETS_DIR if out_dir is None else out_dir
    split = digits()[0]
    reports = {}
    for stem in catalog.shipped_configs():
        start = time.perf_counter()
        model = load_model(out_dir / f"{stem}.npz")
        reports[stem] = scores.evaluate(model, split.X_train, split.X_test)
        log(f"{stem}: evaluated in {time.perf_counter() - start:.1f} s")
    reports["linear_ae_vs_pca"] = linear_ae_vs_pca(split.X_train, split.X_test)
    path = out_dir / scores.EVALUATION_PATH.name
    path.write_text(json.dumps(reports, indent=1, sort_keys=True) + "\n")
    return reports


def build_seeds(settings=None, seed_list=None, out_dir=None, log=print) -> dict:
    """Train every setting of the seed sweep at every seed and measure it into ``seeds.json``.

    Parameters
    ----------
    settings : iterable of str, optional
        Only these settings of ``catalog.seed_sweep_configs()`` (and ``LINEAR``); default: all.
    seed_list : iterable of int, optional
        Default: ``catalog.SWEEP_SEEDS``.
    out_dir : Path, optional
        Where ``seeds.json`` goes (default ``assets/``). A seed-0 model whose shipped file is
        already there is loaded rather than trained again: it is the same model.

    A training that diverges keeps its last sane epoch's weights; those are measured, with the
    epoch it diverged in. Returns what it wrote.
    """
    out_dir = catalog.ASSETS_DIR if out_dir is None else out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    configs = catalog.seed_sweep_configs()
    unknown = sorted(set(settings or ()) - set(configs) - {LINEAR})
    if unknown:
        raise ValueError(f"Unknown setting(s) {unknown}; valid: {sorted([*configs, LINEAR])}.")
    seed_list = [int(s) for s in (catalog.SWEEP_SEEDS if seed_list is None else seed_list)]
    split = digits()[0]
    sweep = {"seeds": seed_list, "settings": {}}
    for stem, config in configs.items():
        if settings and stem not in settings:
            continue
        by_seed = {}
        for seed in seed_list:
            start = time.perf_counter()
            model, diverged_at = _seed_model(stem, catalog.with_seed(config, seed), out_dir)
            by_seed[str(seed)] = seeds.measure(model, split, diverged_at)
            log(f"{stem} seed {seed}: {time.perf_counter() - start:.1f} s"
                + (f", diverged in epoch {diverged_at}" if diverged_at else ""))
        sweep["settings"][stem] = {"config": config, "by_seed": by_seed}
    if not settings or LINEAR in settings:
        sweep[LINEAR] = {str(seed): linear_ae_vs_pca(split.X_train, split.X_test, seed=seed) for seed in seed_list}
    (out_dir / seeds.SEEDS_PATH.name).write_text(json.dumps(sweep, indent=1, sort_keys=True) + "\n")
    return sweep


def _seed_model(stem, config, out_dir):
    """The trained model of one seed of a setting and the epoch its training diverged in (or None)."""
    path = out_dir / f"{stem}.npz"
    if catalog.shipped_configs().get(stem) == config and path.exists():
        model = load_model(path)
        if catalog.config_of(model) == config:  # a diverged build would have saved fewer epochs
            return model, None
    split = digits()[0]
    model = catalog.build_model(config)  # kept: a diverged training leaves its last sane weights in it
    try:
        model.fit(split.X_train, X_val=split.X_test)
    except TrainingDivergedError:
        return model, len(model.history_["epoch"]) + 1
    return model, None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stems", nargs="*", help="only these assets (default: all)")
    parser.add_argument("--no-evaluation", action="store_true",
                        help="skip evaluating the models into evaluation.json")
    parser.add_argument("--no-seeds", action="store_true",
                        help="skip the seed sweep (seeds.json, about ten minutes)")
    parser.add_argument("--seeds-only", action="store_true",
                        help="only the seed sweep, from the models already in assets/")
    args = parser.parse_args(argv)
    if not args.seeds_only:
        build(args.stems or None)
        if not args.no_evaluation:
            evaluate()
    if not args.no_seeds:
        build_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
