"""Train and save every model the dashboard ships: ``python -m latent_lab.build_assets``.

The default autoencoder and VAE and the β sweep, each trained on the training split and scored on
the held-out split. Training is seeded, so running this again writes the same arrays; a test
checks that the shipped files match.
"""

from __future__ import annotations

import argparse
import sys
import time

from latent_lab import catalog
from vae_core import save_model


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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stems", nargs="*", help="only these assets (default: all)")
    args = parser.parse_args(argv)
    build(args.stems or None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
