"""One definition of collapse: a model is never "every unit active" and "collapsed" at once."""

import numpy as np
import pytest

from latent_lab.images.dataset import digits
from latent_lab.measures import collapse, scores
from latent_lab.models.catalog import asset_path
from vae_core import kl_per_dim, load_model


@pytest.fixture(scope="module")
def split():
    return digits()[0]


@pytest.fixture(scope="module")
def half_collapsed(split):
    """The default VAE with z1 squeezed onto the prior: its mean still moves a little, its KL is tiny.

    q(z1|x) = N(mu1(x) / 8, 1): the variance of the posterior mean over images is above Burda et
    al.'s 0.01 (an "active unit" by that rule) while the dimension carries ~0.02 nats.
    """
    model = load_model(asset_path("vae_default"))
    params = model.parameters()
    params["W_mu"][:, 0] /= 8.0
    params["b_mu"][0] /= 8.0
    params["W_logvar"][:, 0] = 0.0
    params["b_logvar"][0] = 0.0
    return model


def test_the_crafted_dimension_is_the_case_two_rules_disagreed_on(half_collapsed, split):
    per_dim = kl_per_dim(half_collapsed, split.X_test)
    assert per_dim[0] < collapse.DIM_COLLAPSE_NATS < per_dim[1]
    # Burda's variance rule (the posterior mean moves with the image) would call both active.
    mu, _ = half_collapsed.encode_distribution(split.X_test)
    assert (mu.var(axis=0) > 0.01).all()


def test_a_model_cannot_be_all_active_and_collapsed_at_once(half_collapsed, split):
    quick = scores.quick_scores(half_collapsed, split.X_test)
    state = collapse.code_collapse(half_collapsed, split.X_test)
    # The metric and the warning read one measurement.
    assert quick["active_units"] == state.active_units == 1
    assert quick["collapse"] == state and state.collapsed == [0] and not state.whole
    assert state.active_units + len(state.collapsed) == half_collapsed.latent_dim
    assert "z1" in state.warning() and "1 of 2 stay active" in state.warning()


def test_whole_and_no_collapse(split):
    collapsed = collapse.code_collapse(load_model(asset_path("vae_beta8_nowarmup")), split.X_test)
    assert collapsed.whole and collapsed.active_units == 0 and collapsed.names == "z1, z2"
    assert "Posterior collapse" in collapsed.warning()
    healthy = collapse.code_collapse(load_model(asset_path("vae_default")), split.X_test)
    assert healthy.active_units == 2 and healthy.warning() is None
    assert collapse.code_collapse(load_model(asset_path("ae_default")), split.X_test) is None


def test_the_total_kl_does_not_decide(split):
    # 0.3 nats in all, carried by one dimension: the old β-page rule (total below 0.5) called this
    # full collapse while the training page named z1 alone.
    state = collapse.of_kl([0.02, 0.28])
    assert not state.whole and state.collapsed == [0] and state.active_units == 1


def test_the_history_and_the_held_out_measurement_agree(split):
    model = load_model(asset_path("vae_beta8_nowarmup"))
    assert collapse.collapsed_dims(model) == collapse.code_collapse(model, split.X_test).collapsed == [0, 1]
    shipped = scores.shipped_evaluations()
    for stem in ("vae_default", "vae_beta4_nowarmup", "vae_beta2_nowarmup"):
        report = shipped[stem]
        assert report["active_units"] == collapse.of_kl(report["kl_per_dim"]).active_units, stem
        assert report["collapsed_dims"] == collapse.of_kl(report["kl_per_dim"]).collapsed, stem
    assert np.isclose(collapse.DIM_COLLAPSE_NATS, 0.1)
