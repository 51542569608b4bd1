"""The shipped models and seed sweep: every file holds its config, and a fresh build lands near it.

A rebuild is bit-for-bit identical only on the machine and BLAS kernels that built the files: on
another CPU the float32 weights part after the first epoch and end far apart. So a rebuild is
compared by what the dashboard shows of a model: its held-out loss, its KL and whether the latent
code collapsed; and a rebuilt seed of the sweep by the figures its claims read.
"""

import numpy as np
import pytest

from latent_lab.images.dataset import digits
from latent_lab.measures import collapse, seeds
from latent_lab.models import build_assets, catalog
from vae_core import load_model

# Measured by rebuilding all sixteen models under OpenBLAS's Prescott, Sandybridge and Haswell
# kernels (OPENBLAS_CORETYPE): the held-out loss moved by at most 0.04 nats for a VAE and 0.26 %
# for the AE, the KL by at most 0.05 nats, and no model changed between collapsed and not. The
# tolerances leave two to three times that room. A real change still breaks them: β off by a
# factor of two moves the loss by 0.3 nats or more, and a build that ignores the KL warm-up fails
# the β = 1 and β = 2 warm-up models.
VAE_LOSS_NATS = 0.1
AE_LOSS_RTOL = 0.01
KL_NATS = 0.15


def _held_out(model):
    split, _, _ = digits()
    scores = model.evaluate(split.X_test)
    state = collapse.of_kl(scores["kl_per_dim"])
    return {"loss": scores["loss"], "kl": scores["kl"], "collapsed": state.whole, "collapsed_dims": state.collapsed}


def test_every_shipped_config_has_a_file():
    missing = [stem for stem in catalog.shipped_configs() if not catalog.asset_path(stem).exists()]
    assert not missing, f"run `make assets`: missing {missing}"
    names = {p.stem for p in catalog.ASSETS_DIR.glob("*.npz")}
    assert names == set(catalog.shipped_configs()), "assets/ holds files no config describes"


@pytest.mark.parametrize("stem", sorted(catalog.shipped_configs()))
def test_shipped_file_holds_its_config(stem):
    model = load_model(catalog.asset_path(stem))
    assert catalog.config_key(catalog.config_of(model)) == catalog.config_key(catalog.shipped_configs()[stem])


# The post's own recipe (per-sample SGD in float64) is chaotic: on another kernel its VAE keeps a
# latent dimension that this machine's collapses, or diverges. Its files are checked for what
# they hold (above); the Claims page states what they measure, and the README the spread over
# seeds and kernels.
REBUILT = sorted(stem for stem in catalog.shipped_configs() if not stem.endswith("_blog"))


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    out = tmp_path_factory.mktemp("assets")
    build_assets.build(REBUILT, out_dir=out, log=lambda *_: None)
    return out


@pytest.mark.slow  # the rebuild trains every shipped model again
@pytest.mark.parametrize("stem", REBUILT)
def test_a_fresh_build_lands_near_the_shipped_file(stem, rebuilt):
    shipped = load_model(catalog.asset_path(stem))
    fresh = load_model(rebuilt / f"{stem}.npz")
    assert catalog.config_key(catalog.config_of(fresh)) == catalog.config_key(catalog.config_of(shipped))
    was, now = _held_out(shipped), _held_out(fresh)
    if shipped.kind == "ae":
        np.testing.assert_allclose(now["loss"], was["loss"], rtol=AE_LOSS_RTOL, err_msg=f"{stem}: held-out MSE")
    else:
        np.testing.assert_allclose(now["loss"], was["loss"], rtol=0, atol=VAE_LOSS_NATS,
                                   err_msg=f"{stem}: held-out loss (nats)")
        np.testing.assert_allclose(now["kl"], was["kl"], rtol=0, atol=KL_NATS, err_msg=f"{stem}: held-out KL")
    assert (now["collapsed"], now["collapsed_dims"]) == (was["collapsed"], was["collapsed_dims"]), stem
    assert len(fresh.history_["epoch"]) == len(shipped.history_["epoch"]) == shipped.epochs


def test_build_rejects_unknown_names(tmp_path):
    with pytest.raises(ValueError, match="Unknown asset"):
        build_assets.build(["nope"], out_dir=tmp_path)


# --------------------------------------------------------------------------- the seed sweep
def test_the_sweep_holds_every_seed_of_every_setting_and_each_run_ends_or_diverges():
    sweep = seeds.shipped()
    assert sweep["seeds"] == list(catalog.SWEEP_SEEDS)
    for stem, config in catalog.seed_sweep_configs().items():
        for seed in sweep["seeds"]:
            run = sweep["settings"][stem]["by_seed"][str(seed)]
            if run["diverged_at"] is None:
                assert run["epochs_run"] == config["epochs"], (stem, seed)
            else:
                assert run["diverged_at"] == run["epochs_run"] + 1, (stem, seed)
            if config["kind"] == "vae":
                assert run["collapsed_dims"] == collapse.of_kl(run["kl_per_dim"]).collapsed, (stem, seed)


def test_build_seeds_measures_a_setting_at_its_seeds(tmp_path):
    built = build_assets.build_seeds(["ae_default"], seed_list=[1], out_dir=tmp_path, log=lambda *_: None)
    assert (tmp_path / seeds.SEEDS_PATH.name).exists() and built["seeds"] == [1]
    assert set(built["settings"]) == {"ae_default"} and build_assets.LINEAR not in built
    run, shipped = built["settings"]["ae_default"]["by_seed"]["1"], seeds.shipped()["settings"]["ae_default"]
    assert run["mse"] == pytest.approx(shipped["by_seed"]["1"]["mse"], rel=AE_LOSS_RTOL)
    with pytest.raises(ValueError, match="Unknown setting"):
        build_assets.build_seeds(["nope"], out_dir=tmp_path)


# The fast recipe's settings that the comparative claims read most: rebuilt at one seed other
# than 0 (the shipped files' seed) and compared by the figures the claims decide on. The post's
# recipe (about 40 s a model, and chaotic across CPUs) is checked for what its entries hold, above.
SWEEP_REBUILT = ("vae_beta0.5_nowarmup", "vae_beta1_nowarmup", "vae_beta4_nowarmup")


@pytest.fixture(scope="module")
def rebuilt_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    return build_assets.build_seeds(SWEEP_REBUILT, seed_list=[2], out_dir=out, log=lambda *_: None)


@pytest.mark.slow  # trains and measures three models (about 10 s)
@pytest.mark.parametrize("stem", SWEEP_REBUILT)
def test_a_fresh_seed_of_the_sweep_lands_near_the_shipped_one(stem, rebuilt_sweep):
    now = rebuilt_sweep["settings"][stem]["by_seed"]["2"]
    was = seeds.shipped()["settings"][stem]["by_seed"]["2"]
    for key, tolerance in (("exact_nll", VAE_LOSS_NATS), ("neg_elbo", VAE_LOSS_NATS), ("kl", KL_NATS)):
        assert now[key] == pytest.approx(was[key], abs=tolerance), (stem, key)
    assert now["collapsed_dims"] == was["collapsed_dims"], stem
    for t in ("0.5", "1", "1.5"):
        assert now["samples"][t]["class_entropy"] == pytest.approx(was["samples"][t]["class_entropy"], abs=0.15)
        assert now["samples"][t]["precision"] == pytest.approx(was["samples"][t]["precision"], abs=0.1)
