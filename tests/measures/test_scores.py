"""The figures the pages state about the models: shipped evaluations, quick scores, holes."""

import itertools

import numpy as np
import pytest

from latent_lab.drawing.latent_explorer import square_range
from latent_lab.images.dataset import digits
from latent_lab.measures import scores
from latent_lab.models.catalog import asset_path, shipped_configs
from vae_core import exact_nll, load_model


@pytest.fixture(scope="module")
def split():
    return digits()[0]


def test_every_shipped_model_is_evaluated():
    reports = scores.shipped_evaluations()
    assert set(shipped_configs()) <= set(reports)
    assert "linear_ae_vs_pca" in reports
    for stem in shipped_configs():
        report = reports[stem]
        curve = report["temperature_curve"]
        assert curve["temperature"] == list(scores.CURVE_TEMPERATURES), stem
        if report["model"] == "vae":
            # The bounds are ordered: -ELBO >= IWAE-K (non-increasing in K) >= exact -log p(x).
            iwae = [report["iwae"][k] for k in ("1", "10", "100", "1000")]
            # (within the quadrature's own tolerance, 1e-3 nats: collapsed models sit on the bound)
            assert report["neg_elbo"] >= iwae[-1] >= report["exact_nll"] - 1e-3, stem
            assert all(a >= b - 1e-9 for a, b in itertools.pairwise(iwae)), stem
            assert report["exact_nll"] >= report["bce_floor"], stem


def test_the_shipped_figures_are_what_the_models_score_here(split):
    reports = scores.shipped_evaluations()
    ae = load_model(asset_path("ae_default"))
    fresh = scores.evaluate(ae, split.X_train, split.X_test)
    stored = reports["ae_default"]
    # Another CPU computes the last digits differently; a wrong file or model moves these far more.
    assert fresh["mse"] == pytest.approx(stored["mse"], rel=1e-4)
    for now, then in zip(fresh["samples"], stored["samples"], strict=True):
        assert now["quality"] == pytest.approx(then["quality"], abs=0.02)
        assert now["classes_covered"] == pytest.approx(then["classes_covered"], abs=1)
    vae = load_model(asset_path("vae_default"))
    assert exact_nll(vae, split.X_test).nll == pytest.approx(reports["vae_default"]["exact_nll"], abs=0.05)


def test_quick_scores_agree_with_the_full_evaluation(split):
    vae = load_model(asset_path("vae_default"))
    quick = scores.quick_scores(vae, split.X_test)
    full = scores.shipped_evaluations()["vae_default"]
    assert quick["neg_elbo"] == pytest.approx(full["neg_elbo"], abs=3 * quick["neg_elbo_se"] + 0.01)
    assert quick["active_units"] == full["active_units"] == 2
    assert scores.quick_scores(load_model(asset_path("ae_default")), split.X_test)["neg_elbo"] is None


def test_holes_mark_the_cells_that_decode_off_the_data(split):
    _, X_all, _ = digits()
    shares = {}
    for stem in ("ae_default", "vae_default"):
        model = load_model(asset_path(stem))
        square = square_range(model.encode(X_all))
        holes = scores.holes(model, split.X_train, split.X_test, square, n=12)
        mask = np.asarray(holes["mask"])
        assert mask.shape == (12, 12) and set(np.unique(mask)) <= {0, 1}
        assert holes["share"] == pytest.approx(mask.mean())
        shares[stem] = holes["share"]
    # The autoencoder's map has holes where the VAE's has (almost) none.
    assert shares["ae_default"] > shares["vae_default"] + 0.05
