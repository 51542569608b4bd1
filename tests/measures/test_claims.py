"""Verdicts follow the figures: each claim is checked on reports where it holds and where it fails."""

import copy

import pytest

from latent_lab.measures import claims, scores


@pytest.fixture(scope="module")
def reports():
    return scores.shipped_evaluations()


def test_the_shipped_models_give_the_verdicts_the_pages_state(reports):
    vae, ae = reports["vae_default"], reports["ae_default"]
    assert claims.low_temperature_is_safe(vae).verdict == claims.FAILS
    assert claims.ae_draws_land_in_the_wilderness(ae).verdict == claims.FAILS
    assert claims.ae_samples_are_less_diverse(ae, vae).verdict == claims.HOLDS
    assert claims.elbo_bounds_the_likelihood(vae).verdict == claims.HOLDS
    assert claims.warmup_prevents_collapse(reports).verdict == claims.FAILS
    assert claims.collapse_is_the_optimum(reports, 4.0).verdict == claims.HOLDS
    assert claims.collapse_is_the_optimum(reports, 1.0) is None  # β = 1 did not collapse
    assert claims.lower_beta_can_win_on_likelihood(reports).verdict == claims.FAILS
    assert claims.lower_beta_sharpens_reconstructions(reports).verdict == claims.HOLDS
    assert claims.linear_ae_is_pca(reports["linear_ae_vs_pca"]).verdict == claims.HOLDS
    assert claims.post_printed_loss(reports["ae_blog"], 0.0081, "AE", "MSE", "k").verdict == claims.FAILS


def test_temperature_verdict_flips_with_the_curve(reports):
    report = copy.deepcopy(reports["vae_default"])
    curve = report["temperature_curve"]
    curve["quality"] = [1.0 - t / 10 for t in curve["temperature"]]  # surest when cold
    assert claims.low_temperature_is_safe(report).verdict == claims.HOLDS


def test_wilderness_and_gaps_verdicts_flip_with_the_shares(reports):
    ae, vae = copy.deepcopy(reports["ae_default"]), reports["vae_default"]
    ae["off_manifold"]["prior_draws_in_wilderness"] = 0.8
    ae["off_manifold"]["data_grid"] = 0.7
    assert claims.ae_draws_land_in_the_wilderness(ae).verdict == claims.HOLDS
    assert claims.ae_gaps_decode_to_garbage(ae, vae).verdict == claims.HOLDS
    ae["off_manifold"]["data_grid"] = 0.0
    assert claims.ae_gaps_decode_to_garbage(ae, vae).verdict == claims.FAILS


def test_warmup_verdict_holds_when_warmup_rescues_a_collapse(reports):
    changed = copy.deepcopy(reports)
    for beta in ("4", "8"):
        changed[f"vae_beta{beta}_warmup"]["kl"] = 1.5
    assert claims.warmup_prevents_collapse(changed).verdict == claims.HOLDS


def test_bound_verdict_fails_when_the_bounds_are_out_of_order(reports):
    broken = copy.deepcopy(reports["vae_default"])
    broken["exact_nll"] = broken["neg_elbo"] + 1.0
    assert claims.elbo_bounds_the_likelihood(broken).verdict == claims.FAILS


def test_kl_claim_reads_the_history():
    rising = {"val_kl": [0.5, 1.5, 2.5, 2.6, 2.6, 2.6, 2.6, 2.6, 2.6, 2.6]}
    assert claims.kl_rises_then_settles(rising).verdict == claims.HOLDS
    falling = {"val_kl": [3.0, 2.0, 1.0, 0.5, 0.2, 0.1, 0.0, 0.0, 0.0, 0.0]}
    assert claims.kl_rises_then_settles(falling).verdict == claims.FAILS
