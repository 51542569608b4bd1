"""The shipped models: every file loads and holds its config, and a fresh build lands near it.

A rebuild is bit-for-bit identical only on the machine and BLAS kernels that built the files: on
another CPU the float32 weights part after the first epoch and end far apart. So a rebuild is
compared by what the dashboard shows of a model: its held-out loss, its KL and whether the latent
code collapsed.
"""

import numpy as np
import pytest

from latent_lab.images.dataset import digits
from latent_lab.measures.collapse import COLLAPSE_NATS, DIM_COLLAPSE_NATS
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
    per_dim = np.array(scores["kl_per_dim"])
    return {"loss": scores["loss"], "kl": scores["kl"], "collapsed": scores["kl"] < COLLAPSE_NATS,
            "collapsed_dims": np.flatnonzero(per_dim < DIM_COLLAPSE_NATS).tolist()}


def test_every_shipped_config_has_a_file():
    missing = [stem for stem in catalog.shipped_configs() if not catalog.asset_path(stem).exists()]
    assert not missing, f"run `make assets`: missing {missing}"
    names = {p.stem for p in catalog.ASSETS_DIR.glob("*.npz")}
    assert names == set(catalog.shipped_configs()), "assets/ holds files no config describes"


@pytest.mark.parametrize("stem", sorted(catalog.shipped_configs()))
def test_shipped_file_holds_its_config(stem):
    model = load_model(catalog.asset_path(stem))
    config = {"kind": model.kind, **model.get_params()}
    assert catalog.config_key(config) == catalog.config_key(catalog.shipped_configs()[stem])


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
    assert catalog.config_key({"kind": fresh.kind, **fresh.get_params()}) == catalog.config_key(
        {"kind": shipped.kind, **shipped.get_params()})
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
