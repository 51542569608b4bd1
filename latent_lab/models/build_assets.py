"""Train and save every model the dashboard ships: ``python -m latent_lab.models.build_assets``.

The default autoencoder and VAE and the β sweep, each trained on the training split and scored on
the held-out split, then every model evaluated into ``evaluation.json`` (the figures the pages
show). Training is seeded: on one machine, running this again writes the same arrays; on another
CPU the arrays differ in their last digits and a test checks that the models score the same.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from latent_lab.images.dataset import digits
from latent_lab.measures import scores
from latent_lab.models import catalog
from vae_core import linear_ae_vs_pca, load_model, save_model


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stems", nargs="*", help="only these assets (default: all)")
    parser.add_argument("--no-evaluation", action="store_true",
                        help="skip evaluating the models into evaluation.json")
    args = parser.parse_args(argv)
    build(args.stems or None)
    if not args.no_evaluation:
        evaluate()
    return 0


if __name__ == "__main__":
    sys.exit(main())
