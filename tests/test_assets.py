"""The shipped models are exactly what ``python -m latent_lab.build_assets`` produces."""

import json

import numpy as np
import pytest

from latent_lab import build_assets, catalog
from vae_core import load_model

# Wall-clock times differ between runs; everything else must match bit for bit.
TIMING_FIELDS = ("seconds",)


def _arrays(path):
    with np.load(path, allow_pickle=False) as archive:
        arrays = {key: archive[key] for key in archive.files if key not in TIMING_FIELDS}
    history = json.loads(str(arrays.pop("history")))
    history.pop("seconds")
    return arrays, history


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    out = tmp_path_factory.mktemp("assets")
    build_assets.build(out_dir=out, log=lambda *_: None)
    return out


def test_every_shipped_config_has_a_file():
    missing = [stem for stem in catalog.shipped_configs() if not catalog.asset_path(stem).exists()]
    assert not missing, f"run `make assets`: missing {missing}"
    names = {p.stem for p in catalog.ASSETS_DIR.glob("*.npz")}
    assert names == set(catalog.shipped_configs()), "assets/ holds files no config describes"


@pytest.mark.parametrize("stem", sorted(catalog.shipped_configs()))
def test_shipped_file_matches_a_fresh_build(stem, rebuilt):
    shipped, shipped_history = _arrays(catalog.asset_path(stem))
    fresh, fresh_history = _arrays(rebuilt / f"{stem}.npz")
    assert shipped.keys() == fresh.keys()
    for key in shipped:
        assert shipped[key].dtype == fresh[key].dtype, key
        np.testing.assert_array_equal(shipped[key], fresh[key], err_msg=f"{stem}: {key}")
    assert shipped_history == fresh_history


@pytest.mark.parametrize("stem", sorted(catalog.shipped_configs()))
def test_shipped_file_holds_its_config(stem):
    model = load_model(catalog.asset_path(stem))
    config = {"kind": model.kind, **model.get_params()}
    assert catalog.config_key(config) == catalog.config_key(catalog.shipped_configs()[stem])


def test_build_rejects_unknown_names(tmp_path):
    with pytest.raises(ValueError, match="Unknown asset"):
        build_assets.build(["nope"], out_dir=tmp_path)
