"""Evaluation: likelihood bounds against analytic and independent answers, the judge, novelty, PCA.

Known answers first (a decoder that ignores z has an analytic marginal likelihood; Gaussians have
closed-form Fréchet distances; constructed subspaces have known angles), then the shipped
models: the quadrature against an independent one, its convergence, and the ordering of bounds.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate
from threadpoolctl import ThreadpoolController, threadpool_limits

from vae_core import VAE, load_model
from vae_core.evaluation import (
    OffDataTest,
    digit_judge,
    evaluate_model,
    frechet_band,
    frechet_between,
    frechet_distance,
    judge_images,
    latent_grid,
    latent_outlier_share,
    linear_ae_vs_pca,
    nearest_neighbours,
    nearest_training_digit,
    off_manifold_share,
    off_manifold_threshold,
    principal_angles,
    temperature_curve,
)
from vae_core.layers import forward_all
from vae_core.likelihood import bce_floor, exact_nll, kl_per_dim, likelihood_bounds
from vae_core.metrics import (
    DIM_COLLAPSE_NATS,
    code_gaussian,
    collapsed_dims,
    draw_codes,
    ink_profile,
    kth_neighbour_distance,
    precision_recall,
)
from vae_core.threads import BLAS_THREADS

ASSETS = Path(__file__).resolve().parents[2] / "assets"


@pytest.fixture(scope="module")
def vae():
    return load_model(ASSETS / "vae_default.npz")


@pytest.fixture(scope="module")
def ae():
    return load_model(ASSETS / "ae_default.npz")


@pytest.fixture(scope="module")
def vae_report(vae, digits):
    """One full score sheet of the default VAE, shared by the tests that read it (about 6 s)."""
    return evaluate_model(vae, digits.X_train, digits.X_test)


def _toy_vae(W_dec, b_dec, mu_b, log_var_b, W_mu=None):
    """A VAE without hidden layers whose weights are set by hand: q(z|x) = N(x W_mu + mu_b, exp(log_var_b))."""
    latent_dim, input_dim = np.shape(W_dec)
    model = VAE(input_dim=input_dim, hidden_sizes=(), latent_dim=latent_dim)
    model._build(np.random.default_rng(0))
    params = model.parameters()
    params["W_mu"][...] = 0.0 if W_mu is None else W_mu
    params["b_mu"][...] = mu_b
    params["W_logvar"][...] = 0.0
    params["b_logvar"][...] = log_var_b
    params["W_dec1"][...] = W_dec
    params["b_dec1"][...] = b_dec
    return model


def _bce(logits, x):
    """Bernoulli cross-entropy summed over the last axis, written out independently of the core."""
    return np.logaddexp(0.0, logits).sum(axis=-1) - (x * logits).sum(axis=-1)


# --------------------------------------------------------------------------- BCE floor
def test_bce_floor_known_answers(digits):
    binary = (np.random.default_rng(0).uniform(size=(5, 64)) > 0.5).astype(float)
    assert bce_floor(binary) == 0.0
    assert bce_floor(np.full((3, 64), 0.5)) == pytest.approx(64 * math.log(2.0), rel=1e-12)
    grey = np.array([[0.25, 0.0, 1.0]])
    assert bce_floor(grey) == pytest.approx(-(0.25 * math.log(0.25) + 0.75 * math.log(0.75)), rel=1e-12)
    # The floor is reached by logits = logit(x) and beaten by no other logits (Gibbs' inequality).
    X = np.clip(digits.X_test[:50], 1e-3, 1 - 1e-3)
    per_image = bce_floor(X, per_image=True)
    np.testing.assert_allclose(_bce(np.log(X / (1 - X)), X), per_image, rtol=1e-10)
    assert np.all(_bce(np.random.default_rng(1).normal(size=X.shape), X) > per_image)
    assert bce_floor(digits.X_test) == pytest.approx(13.67, abs=0.01)


# --------------------------------------------------------------------------- analytic likelihoods
@pytest.fixture(scope="module")
def flat_decoder():
    """A decoder that ignores z: p(x|z) = p(x), so -log p(x) = BCE(x, b) whatever the posterior."""
    rng = np.random.default_rng(1)
    b = rng.normal(0.0, 2.0, 8)
    X = rng.uniform(size=(200, 8))
    m, s = 0.3, 0.9
    model = _toy_vae(np.zeros((2, 8)), b, [m, -m], math.log(s * s))
    exact = float(np.mean(_bce(b, X)))
    kl = 2 * 0.5 * (m * m + s * s - math.log(s * s) - 1.0)
    # E_q[w^2] per dimension for w = N(z; 0, 1) / N(z; m, s^2): a Gaussian integral
    a, c = 1.0 - 1.0 / (2 * s * s), m / (s * s)
    second_moment = (s * math.sqrt(1.0 / (2 * a)) * math.exp(c * c / (4 * a) + m * m / (2 * s * s))) ** 2
    return model, X, exact, kl, second_moment - 1.0


def test_exact_nll_of_a_decoder_that_ignores_z_is_its_bce(flat_decoder):
    model, X, exact, _, _ = flat_decoder
    quadrature = exact_nll(model, X)
    assert quadrature.nll == pytest.approx(exact, abs=1e-9)
    assert quadrature.truncation_bound < 1e-3


def test_elbo_and_iwae_of_a_decoder_that_ignores_z(flat_decoder):
    model, X, exact, kl, var_w = flat_decoder
    bounds = likelihood_bounds(model, X, seed=3)
    # BCE does not depend on z, so -ELBO = BCE + KL with no Monte-Carlo noise at all
    assert bounds["neg_elbo"] == pytest.approx(exact + kl, abs=1e-9)
    assert bounds["kl"] == pytest.approx(kl, rel=1e-12)
    iwae, se = bounds["iwae"], bounds["iwae_se"]
    # IWAE-1 samples the KL: E[log p(z) - log q(z)] = -KL
    assert abs(iwae["1"] - (exact + kl)) < 4 * se["1"]
    # For large K the gap to log p(x) is Var(w) / 2K, w = p(z)/q(z) (delta method; next order ~ 1/K^2)
    for k in ("10", "100"):
        assert iwae[k] - exact == pytest.approx(var_w / (2 * int(k)), rel=0.2, abs=4 * se[k])
    assert iwae["1"] >= iwae["10"] >= iwae["100"] >= iwae["1000"] > exact - 4 * se["1000"]


def test_a_posterior_equal_to_the_prior_makes_every_bound_exact(flat_decoder):
    model, X, exact, _, _ = flat_decoder
    prior = _toy_vae(np.zeros((2, 8)), model.parameters()["b_dec1"], [0.0, 0.0], 0.0)
    bounds = likelihood_bounds(prior, X, ks=(1, 7), n_draws=14)
    assert bounds["neg_elbo"] == pytest.approx(exact, abs=1e-9)
    for k in ("1", "7"):
        assert bounds["iwae"][k] == pytest.approx(bounds["neg_elbo"], abs=1e-9)


def test_quadrature_matches_adaptive_integration_in_one_dimension():
    rng = np.random.default_rng(2)
    W, b = rng.normal(0.0, 2.0, (1, 8)), rng.normal(0.0, 1.0, 8)
    model = _toy_vae(W, b, [0.0], math.log(0.3**2))
    X = rng.uniform(size=(4, 8))
    quadrature = exact_nll(model, X)

    def log_joint(z, x):
        logits = z * W[0] + b
        return -_bce(logits, x) - 0.5 * z * z - 0.5 * math.log(2 * math.pi)

    for x, nll in zip(X, quadrature.per_image, strict=True):
        grid = np.linspace(-10, 10, 20001)
        peak = grid[np.argmax([log_joint(z, x) for z in grid])]
        top = log_joint(peak, x)
        value, _ = integrate.quad(lambda z, x=x, top=top: math.exp(log_joint(z, x) - top), -12, 12, points=[peak],
                                  limit=200, epsabs=0, epsrel=1e-11)
        assert nll == pytest.approx(-(top + math.log(value)), abs=1e-6)


def test_exact_nll_does_not_depend_on_the_encoder(vae, digits):
    X = digits.X_test[:40]
    other = load_model(ASSETS / "vae_default.npz")
    other.parameters()["b_logvar"][...] -= 6.0  # posteriors 20 times narrower
    other.parameters()["W_mu"][...] *= 3.0
    base = exact_nll(vae, X)
    np.testing.assert_array_equal(exact_nll(other, X).per_image, base.per_image)
    assert base.refinement_change < 1e-3
    assert exact_nll(vae, X, spacing=0.1).refinement_change is None


def test_exact_nll_refuses_what_it_cannot_integrate(vae):
    deep = VAE(latent_dim=3, hidden_sizes=())
    deep._build(np.random.default_rng(0))
    with pytest.raises(ValueError, match="1-D or 2-D latent"):
        exact_nll(deep, np.zeros((2, 64)))
    with pytest.raises(ValueError, match="too sharp"):
        exact_nll(vae, np.zeros((2, 64)), spacing=1e-4)
    with pytest.raises(ValueError, match="needs a VAE"):
        exact_nll(load_model(ASSETS / "ae_default.npz"), np.zeros((2, 64)))


# --------------------------------------------------------------------------- the shipped VAE
def _simpson_nll(model, x, half_width=10.0, n=121):
    """-log p(x) by Simpson's rule on a grid centred on the posterior, in its standard deviations,
    through the model's own decoder layers: another rule, range, centre and code path."""
    mu, log_var = (a[0].astype(np.float64) for a in model.encode_distribution(x[None]))
    sd = np.exp(0.5 * log_var)
    u = np.linspace(-half_width, half_width, n)
    weights = np.ones(n)
    weights[1:-1:2], weights[2:-1:2] = 4.0, 2.0
    weights *= (u[1] - u[0]) / 3.0
    u1, u2 = np.meshgrid(u, u, indexing="ij")
    Z = np.column_stack([mu[0] + sd[0] * u1.ravel(), mu[1] + sd[1] * u2.ravel()])
    logits = forward_all(model.decoder_, Z)
    log_joint = -_bce(logits, x) - 0.5 * np.sum(Z**2, axis=1) - math.log(2 * math.pi)
    top = log_joint.max()
    return -(top + math.log(np.sum(np.outer(weights, weights).ravel() * sd[0] * sd[1] * np.exp(log_joint - top))))


def test_exact_nll_matches_an_independent_quadrature(vae, digits):
    X = digits.X_test[::30]  # 12 images
    independent = np.array([_simpson_nll(vae, x) for x in X])
    quadrature = exact_nll(vae, X)
    # measured over all 360 held-out images: mean gap 1.4e-5, worst image 0.003 nats
    np.testing.assert_allclose(quadrature.per_image, independent, atol=0.01)


def test_exact_nll_has_converged_on_the_shipped_vae(vae, digits):
    X = digits.X_test[::4]  # 90 images
    base = exact_nll(vae, X)
    assert base.truncation_bound < 1e-3
    finer = exact_nll(vae, X, radius=base.radius, spacing=base.spacing / 2)
    wider = exact_nll(vae, X, radius=2 * base.radius, spacing=base.spacing)
    assert abs(finer.nll - base.nll) < 0.01 and abs(wider.nll - base.nll) < 0.01
    assert np.abs(finer.per_image - base.per_image).max() < 0.01  # measured 0.003 over all 360 images
    assert np.abs(wider.per_image - base.per_image).max() < 1e-6
    # a grid four times coarser than the default is visibly off on some images: the checks can see an error
    coarse = exact_nll(vae, X, radius=base.radius, spacing=4 * base.spacing)
    assert np.abs(coarse.per_image - base.per_image).max() > 0.01


def test_bounds_are_ordered_on_the_shipped_vae(vae_report, vae, digits):
    r = vae_report
    iwae, se = r["iwae"], r["iwae_se"]
    assert r["neg_elbo"] == pytest.approx(iwae["1"], abs=4 * math.hypot(r["neg_elbo_se"], se["1"]))
    assert iwae["1"] >= iwae["10"] >= iwae["100"] >= iwae["1000"]
    assert iwae["1000"] > r["exact_nll"] - 4 * se["1000"]
    assert iwae["1000"] - r["exact_nll"] < 0.5
    assert r["exact_nll"] > r["bce_floor"]
    # the model's own one-draw score lies within a few single-draw spreads of the many-draw mean
    assert abs(vae.evaluate(digits.X_test)["loss"] - r["neg_elbo"]) < 4 * r["neg_elbo_draw_sd"]
    assert r["recon_mean_decoded"] < r["recon_sampled"]


def test_likelihood_bounds_do_not_depend_on_batching(vae, digits, monkeypatch):
    from vae_core import likelihood

    X = digits.X_test[:40]
    whole = likelihood_bounds(vae, X, ks=(1, 10), n_draws=100)
    monkeypatch.setattr(likelihood, "_MAX_ROWS", 300)  # three images per batch instead of all forty
    batched = likelihood_bounds(vae, X, ks=(1, 10), n_draws=100)
    for key in ("neg_elbo", "neg_elbo_se", "kl"):
        assert batched[key] == pytest.approx(whole[key], rel=1e-12)
    for k in ("1", "10"):
        assert batched["iwae"][k] == pytest.approx(whole["iwae"][k], rel=1e-12)


def test_likelihood_bounds_are_seeded(vae, digits):
    X = digits.X_test[:20]
    a = likelihood_bounds(vae, X, ks=(1, 10), seed=5)
    assert likelihood_bounds(vae, X, ks=(1, 10), seed=5) == a
    b = likelihood_bounds(vae, X, ks=(1, 10), seed=6)
    assert b["neg_elbo"] != a["neg_elbo"]
    assert abs(b["neg_elbo"] - a["neg_elbo"]) < 6 * math.hypot(a["neg_elbo_se"], b["neg_elbo_se"])
    with pytest.raises(ValueError, match="multiple of every K"):
        likelihood_bounds(vae, X, ks=(3,), n_draws=10)


# --------------------------------------------------------------------------- KL per dimension
def test_kl_per_dim_is_the_mean_closed_form_kl_of_each_dimension():
    rng = np.random.default_rng(3)
    W_mu = np.zeros((8, 2))
    W_mu[0, 0] = 1.0  # mu_0 = x_0, mu_1 = 0.5 for every image
    model = _toy_vae(rng.normal(size=(2, 8)), np.zeros(8), [0.0, 0.5], [-2.0, 0.0], W_mu=W_mu)
    X = rng.uniform(size=(500, 8))
    # KL per dimension: 1/2 (mu^2 + exp(lv) - lv - 1), averaged over images
    expected = [0.5 * np.mean(X[:, 0] ** 2 + math.exp(-2.0) + 2.0 - 1.0), 0.5 * 0.25]
    np.testing.assert_allclose(kl_per_dim(model, X), expected, rtol=1e-12)


def test_collapsed_vae_has_no_active_unit(digits, vae_report):
    collapsed = load_model(ASSETS / "vae_beta4_nowarmup.npz")
    assert max(kl_per_dim(collapsed, digits.X_test)) < 0.01
    assert vae_report["active_units"] == 2


# --------------------------------------------------------------------------- the judge and Fréchet
def test_judge_scores_real_digits_above_noise(digits):
    judge = digit_judge()
    assert judge is digit_judge()  # trained once per process
    assert judge.accuracy_ > 0.95
    real = judge_images(digits.X_test, reference=digits.X_train)
    noise = judge_images(np.random.default_rng(0).uniform(size=(500, 64)), reference=digits.X_train)
    assert real["quality"] > 0.9 and real["classes_covered"] == 10
    assert real["class_entropy"] == pytest.approx(math.log(10), abs=0.01)  # stratified split
    # measured: quality 0.96 vs 0.78 (a linear judge is sure of itself off the data), Fréchet 1.1 vs 116
    assert noise["quality"] < real["quality"] - 0.1 and noise["class_entropy"] < 2.0
    assert noise["frechet"] > 50 * real["frechet"]


def test_judge_diversity_known_answers(digits):
    one_image = judge_images(np.repeat(digits.X_test[:1], 50, axis=0))
    assert one_image["classes_covered"] == 1 and json.dumps(one_image["class_entropy"]) == "0.0"
    assert one_image["frechet"] is None
    # one image of each of two classes: entropy ln 2
    pair = np.concatenate([np.repeat(digits.X_test[digits.y_test == c][:1], 30, axis=0) for c in (0, 1)])
    assert judge_images(pair)["class_entropy"] == pytest.approx(math.log(2.0))
    assert judge_images(pair)["class_shares"][:2] == [0.5, 0.5]


def test_frechet_distance_known_answers():
    rng = np.random.default_rng(4)
    A = rng.normal(size=(5, 5))
    cov = A @ A.T
    mean = rng.normal(size=5)
    assert frechet_distance(mean, cov, mean, cov) == pytest.approx(0.0, abs=1e-9)
    shift = rng.normal(size=5)
    assert frechet_distance(mean, cov, mean + shift, cov) == pytest.approx(shift @ shift, rel=1e-9)
    # diagonal (commuting) covariances: sum of (sqrt a - sqrt b)^2
    a, b = rng.uniform(0.1, 2.0, 5), rng.uniform(0.1, 2.0, 5)
    assert frechet_distance(mean, np.diag(a), mean, np.diag(b)) == pytest.approx(
        np.sum((np.sqrt(a) - np.sqrt(b)) ** 2), rel=1e-9)
    # non-commuting 2x2: tr sqrt(C1^1/2 C2 C1^1/2) = sqrt(tr(C1 C2) + 2 sqrt(det C1 det C2))
    C1, C2 = np.array([[2.0, 0.9], [0.9, 1.0]]), np.array([[1.0, -0.6], [-0.6, 3.0]])
    cross = math.sqrt(np.trace(C1 @ C2) + 2 * math.sqrt(np.linalg.det(C1) * np.linalg.det(C2)))
    expected = np.trace(C1) + np.trace(C2) - 2 * cross
    assert frechet_distance(np.zeros(2), C1, np.zeros(2), C2) == pytest.approx(expected, rel=1e-9)
    assert frechet_distance(np.zeros(2), C2, np.zeros(2), C1) == pytest.approx(expected, rel=1e-9)
    # singular covariances: finite, and the distance between two points is their squared distance
    assert frechet_distance(np.zeros(3), np.zeros((3, 3)), np.ones(3), np.zeros((3, 3))) == pytest.approx(3.0)


def test_frechet_of_a_set_to_itself_is_zero_and_grows_with_a_shift(digits):
    assert judge_images(digits.X_test, reference=digits.X_test)["frechet"] == pytest.approx(0.0, abs=1e-8)
    shifted = np.roll(digits.X_test.reshape(-1, 8, 8), 1, axis=2)
    shifted[:, :, 0] = 0.0  # one pixel to the right
    baseline = judge_images(digits.X_test, reference=digits.X_train)["frechet"]
    assert judge_images(shifted.reshape(-1, 64), reference=digits.X_test)["frechet"] > 20 * baseline


# --------------------------------------------------------------------------- novelty
def test_nearest_neighbours_match_brute_force():
    rng = np.random.default_rng(5)
    queries, reference = rng.uniform(size=(70, 64)), rng.uniform(size=(300, 64))
    index, distance = nearest_neighbours(queries, reference)
    brute = np.linalg.norm(queries[:, None, :] - reference[None, :, :], axis=2)
    np.testing.assert_array_equal(index, brute.argmin(axis=1))
    np.testing.assert_allclose(distance, brute.min(axis=1), rtol=1e-9)
    index, distance = nearest_neighbours(reference[[7, 3]], reference)
    np.testing.assert_array_equal(index, [7, 3])
    np.testing.assert_allclose(distance, 0.0, atol=1e-6)


def test_off_manifold_threshold_is_a_held_out_percentile(digits):
    brute = np.linalg.norm(digits.X_test[:, None, :] - digits.X_train[None, :, :], axis=2).min(axis=1)
    threshold = off_manifold_threshold(digits.X_train, digits.X_test)
    assert threshold == pytest.approx(np.percentile(brute, 99), rel=1e-9)
    assert np.mean(brute > threshold) == pytest.approx(0.01, abs=0.003)
    assert threshold == pytest.approx(1.70, abs=0.01)


def test_nearest_training_digit_of_a_latent_point(vae, digits):
    Z = np.array([[0.3, -0.2], [-1.5, 1.0]])
    index, distance = nearest_training_digit(vae, Z, digits.X_train)
    decoded = vae.decode(Z)  # the model's own (float32) decoder
    brute = np.linalg.norm(decoded[:, None, :] - digits.X_train[None, :, :], axis=2)
    np.testing.assert_array_equal(index, brute.argmin(axis=1))
    np.testing.assert_allclose(distance, brute.min(axis=1), rtol=1e-5)
    assert nearest_training_digit(vae, [0.3, -0.2], digits.X_train)[0][0] == index[0]  # one point as a vector


def test_latent_grids_and_the_wilderness(vae, ae, digits):
    Z, low, high = latent_grid(ae, digits.X_train, n_per_side=5)
    codes = ae.encode(digits.X_train)
    np.testing.assert_allclose(low, codes.min(axis=0), rtol=1e-5)
    np.testing.assert_allclose(high, codes.max(axis=0), rtol=1e-5)
    assert Z.shape == (25, 2) and np.allclose(Z.min(axis=0), low) and np.allclose(Z.max(axis=0), high)
    Z, low, high = latent_grid(vae, digits.X_train, region="prior", n_per_side=3)
    np.testing.assert_array_equal(low, [-3, -3])
    with pytest.raises(ValueError, match="no prior"):
        latent_grid(ae, digits.X_train, region="prior")
    with pytest.raises(ValueError, match="Unknown region"):
        latent_grid(ae, digits.X_train, region="sky")
    assert latent_outlier_share(ae, codes[:50], digits.X_train, digits.X_test) == 0.0
    assert latent_outlier_share(ae, np.full((3, 2), 100.0), digits.X_train, digits.X_test) == 1.0


def test_the_autoencoder_gaps_decode_off_the_data_more_than_its_clusters(vae, ae, digits):
    grid = off_manifold_share(ae, digits.X_train, digits.X_test)
    assert 0.2 < grid["gap_points"] < 0.7  # measured 0.42 of the grid lies in the gaps
    assert grid["in_gaps"] > grid["on_clusters"] + 0.15  # measured 0.37 vs 0.09
    share = grid["gap_points"] * grid["in_gaps"] + (1 - grid["gap_points"]) * grid["on_clusters"]
    assert grid["share"] == pytest.approx(share)
    prior = off_manifold_share(vae, digits.X_train, digits.X_test, region="prior")
    assert prior["share"] < grid["in_gaps"] - 0.1  # measured 0.13


# --------------------------------------------------------------------------- linear AE vs PCA
def test_principal_angles_known_answers():
    rng = np.random.default_rng(6)
    A = rng.normal(size=(64, 3))
    np.testing.assert_allclose(principal_angles(A, A @ rng.normal(size=(3, 3))), 0.0, atol=1e-6)
    e = np.eye(4)
    B = e[:, :2]
    t1, t2 = 0.3, 1.2
    C = np.column_stack([math.cos(t1) * e[0] + math.sin(t1) * e[2], math.cos(t2) * e[1] + math.sin(t2) * e[3]])
    np.testing.assert_allclose(principal_angles(B, C), np.degrees([t1, t2]), rtol=1e-12)
    np.testing.assert_allclose(principal_angles(B, e[:, 2:]), [90.0, 90.0])
    # an angle of 1e-9 rad: its cosine rounds to 1, its sine does not
    tiny = np.column_stack([math.cos(1e-9) * e[0] + math.sin(1e-9) * e[2], e[1]])
    np.testing.assert_allclose(principal_angles(B, tiny), [0.0, np.degrees(1e-9)], rtol=1e-6, atol=1e-12)
    assert principal_angles(A, A[:, :1]).shape == (1,)


def test_linear_autoencoder_spans_the_pca_subspace(digits):
    (row,) = linear_ae_vs_pca(digits.X_train, digits.X_test, latent_sizes=(2,))
    assert row["max_angle"] < 5.0  # measured 2.4 degrees
    assert row["ae_mse"] == pytest.approx(row["pca_mse"], rel=0.02)
    random_subspace = np.random.default_rng(7).normal(size=(64, 2))
    from sklearn.decomposition import PCA

    components = PCA(n_components=2).fit(digits.X_train).components_.T
    assert principal_angles(random_subspace, components).max() > 45.0


# --------------------------------------------------------------------------- temperature
def test_temperature_curve(vae, digits):
    temperatures = np.linspace(0.0, 2.0, 10)
    curve = temperature_curve(vae, digits.X_train, digits.X_test, temperatures, n_samples=300)
    assert curve["temperature"] == pytest.approx(list(temperatures))
    # T = 0 decodes the origin 300 times: one class, no diversity
    assert curve["class_entropy"][0] == 0.0 and curve["classes_covered"][0] == 1
    at = {t: i for i, t in enumerate(temperatures)}
    half, one = at[temperatures[2]], at[temperatures[4]]  # T = 0.44 and 0.89
    assert curve["quality"][half] < curve["quality"][one]  # the low-temperature samples are not the "safe" ones
    assert all(len(values) == 10 for values in curve.values())


# --------------------------------------------------------------------------- the score sheet
def test_evaluate_model_returns_json_for_a_vae(vae_report):
    r = json.loads(json.dumps(vae_report))
    assert r == vae_report
    for key in ("neg_elbo", "neg_elbo_se", "iwae", "exact_nll", "bce_floor", "active_units", "kl_per_dim",
                "recon_mean_decoded", "mse", "samples", "off_manifold", "seconds"):
        assert key in r, key
    assert set(r["iwae"]) == {"1", "10", "100", "1000"}
    assert [s["temperature"] for s in r["samples"]] == [0.5, 1.0, 1.5]
    assert r["kl"] == pytest.approx(sum(r["kl_per_dim"]))
    assert r["neg_elbo"] == pytest.approx(r["recon_sampled"] + r["kl"])


def test_evaluate_model_of_an_autoencoder_has_no_likelihood(ae, digits):
    r = evaluate_model(ae, digits.X_train, digits.X_test, n_samples=200)
    json.dumps(r)
    assert r["model"] == "ae" and r["neg_elbo"] is None and r["iwae"] is None and r["exact_nll"] is None
    assert r["active_units"] is None and r["off_manifold"]["prior_grid"] is None
    assert r["mse"] == pytest.approx(ae.evaluate(digits.X_test)["loss"], rel=1e-4)


# --------------------------------------------------------------------------- threads
@pytest.mark.parametrize(
    "measure",
    [
        lambda vae, d: likelihood_bounds(vae, d.X_test[:4], ks=(1, 2), n_draws=2),
        lambda vae, d: exact_nll(vae, d.X_test[:4], spacing=0.5),
        lambda vae, d: kl_per_dim(vae, d.X_test),
        lambda vae, d: nearest_training_digit(vae, np.zeros((2, 2)), d.X_train),
        lambda vae, d: nearest_neighbours(d.X_test[:4], d.X_train),
        lambda vae, d: digit_judge().proba(d.X_test[:4]),
    ],
    ids=["likelihood_bounds", "exact_nll", "kl_per_dim", "nearest_training_digit", "nearest_neighbours", "judge"],
)
def test_evaluation_runs_blas_on_the_engine_threads(vae, digits, measure):
    # The engine's one policy (vae_core.threads): set BLAS_THREADS and leave it, whatever the pool was.
    blas = ThreadpoolController().select(user_api="blas")
    with threadpool_limits(limits=2, user_api="blas"):
        measure(vae, digits)
        assert {info["num_threads"] for info in blas.info()} == {BLAS_THREADS}


# --------------------------------------------------------------------------- what a blur cannot pass
def _blur(X):
    """A 3 x 3 box blur of 8 x 8 images (edges repeated)."""
    images = np.pad(X.reshape(-1, 8, 8), ((0, 0), (1, 1), (1, 1)), mode="edge")
    return sum(images[:, i:i + 8, j:j + 8] for i in range(3) for j in range(3)).reshape(-1, 64) / 9


@pytest.fixture(scope="module")
def fakes(digits):
    """The obvious fakes an off-data test must refuse: every one of them is a blur, a blob or noise."""
    X, y = digits.X_train, digits.y_train
    means = np.stack([X[y == c].mean(axis=0) for c in range(10)])
    rng = np.random.default_rng(0)
    collapsed = load_model(ASSETS / "vae_beta4_nowarmup.npz")
    return {
        "the mean digit": X.mean(axis=0, keepdims=True),
        "blends of two class means": np.array([(means[a] + means[b]) / 2 for a in range(10) for b in range(a + 1, 10)]),
        "a collapsed VAE's samples": collapsed.sample(200, random_state=0)[0],
        "blurred held-out digits": _blur(digits.X_test),
        "a flat grey image": np.full((1, 64), X.mean()),
        "uniform noise": rng.uniform(size=(100, 64)),
    }


def test_off_data_test_refuses_blurs_and_keeps_real_digits(digits, fakes):
    test = OffDataTest(digits.X_train, digits.X_test)
    assert test.held_out_on_ == pytest.approx(np.mean(~test.off(digits.X_test)))
    assert test.held_out_on_ >= 0.97  # measured 0.978: each of the two tests lets 99 % through
    assert test.pixel_threshold_ == pytest.approx(off_manifold_threshold(digits.X_train, digits.X_test))
    shifted = np.roll(digits.X_test.reshape(-1, 8, 8), 1, axis=2).reshape(-1, 64)
    np.testing.assert_allclose(ink_profile(shifted), ink_profile(digits.X_test))  # a shift keeps the ink
    for name, images in fakes.items():
        # measured: every fake off, but for one blend in 45 (and none of the others)
        assert test.share(images) >= 0.95, name


def test_pixel_distance_alone_passes_the_blurs(digits, fakes):
    # Why the ink profile is there: pixel distance calls the blurs on the data.
    threshold = off_manifold_threshold(digits.X_train, digits.X_test)
    for name in ("the mean digit", "blends of two class means", "a collapsed VAE's samples"):
        distance = nearest_neighbours(fakes[name], digits.X_train)[1]
        assert np.mean(distance > threshold) < 0.05, name


def test_a_collapsed_model_is_measured_off_the_data_not_zero_by_construction(digits):
    collapsed = load_model(ASSETS / "vae_beta4_nowarmup.npz")
    grid = off_manifold_share(collapsed, digits.X_train, digits.X_test)
    # Its codes shrink to a point, and so does the grid over them: it decodes one blob everywhere.
    assert np.ptp(np.array(grid["high"]) - np.array(grid["low"])) < 0.1
    assert grid["share"] == 1.0 and grid["in_gaps"] is None
    assert off_manifold_share(collapsed, digits.X_train, digits.X_test, region="prior")["share"] == 1.0


# --------------------------------------------------------------------------- precision and recall
def test_kth_neighbour_distance_matches_brute_force():
    X = np.random.default_rng(3).normal(size=(40, 5))
    brute = np.sort(np.linalg.norm(X[:, None] - X[None], axis=2), axis=1)
    np.testing.assert_allclose(kth_neighbour_distance(X, 3), brute[:, 3], rtol=1e-9)
    with pytest.raises(ValueError, match="k must be"):
        kth_neighbour_distance(X, 40)


def test_precision_and_recall_known_answers():
    rng = np.random.default_rng(4)
    real = rng.normal(size=(300, 2))
    assert precision_recall(real, real) == {"precision": 1.0, "recall": 1.0}
    far = precision_recall(real, real + 100.0)
    assert far == {"precision": 0.0, "recall": 0.0}
    # Samples from one small corner of the data: precise, but they cover little of it.
    corner = precision_recall(real, rng.normal(loc=1.5, scale=0.1, size=(300, 2)))
    assert corner["precision"] > 0.9 and corner["recall"] < 0.2


def test_precision_and_recall_of_real_digits_and_fakes(digits, fakes):
    judge = digit_judge()
    train = judge.features(digits.X_train)
    real = precision_recall(train, judge.features(digits.X_test))
    assert real["precision"] > 0.8 and real["recall"] > 0.8  # measured 0.87 and 0.90
    assert precision_recall(train, judge.features(fakes["uniform noise"]))["precision"] < 0.4
    assert precision_recall(train, judge.features(fakes["a collapsed VAE's samples"]))["recall"] < 0.01


# --------------------------------------------------------------------------- the autoencoder's fair sampler
def test_fitted_gaussian_draws_follow_the_codes(ae, digits):
    mean, cov = code_gaussian(ae, digits.X_train)
    codes = ae.encode(digits.X_train)
    np.testing.assert_allclose(mean, codes.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(cov, np.cov(codes, rowvar=False), rtol=1e-4)
    eps = np.random.default_rng(0).standard_normal((20_000, 2))
    Z = draw_codes(eps, 1.0, (mean, cov))
    np.testing.assert_allclose(Z.mean(axis=0), mean, atol=0.1)
    np.testing.assert_allclose(np.cov(Z, rowvar=False), cov, rtol=0.05, atol=0.05)
    np.testing.assert_allclose(draw_codes(eps[:3], 0.0, (mean, cov)), np.tile(mean, (3, 1)))
    np.testing.assert_allclose(draw_codes(eps[:3], 2.0), 2.0 * eps[:3])


def test_an_autoencoder_sampled_from_its_codes_covers_more_digits(ae, digits):
    prior = temperature_curve(ae, digits.X_train, digits.X_test, (1.0,), n_samples=500)
    fitted = temperature_curve(ae, digits.X_train, digits.X_test, (1.0,), n_samples=500, sampler="fitted")
    # N(0, I) only visits the centre of codes whose mean is far from 0: measured 1.68 vs 2.24 nats.
    assert fitted["class_entropy"][0] > prior["class_entropy"][0] + 0.3
    with pytest.raises(ValueError, match="Unknown sampler"):
        temperature_curve(ae, digits.X_train, digits.X_test, (1.0,), sampler="uniform")


# --------------------------------------------------------------------------- a Fréchet distance of n samples
def test_frechet_band_is_what_n_real_digits_score(digits):
    band = frechet_band(digits.X_test, digits.X_train, 36, draws=100)
    full = judge_images(digits.X_test, reference=digits.X_train)["frechet"]
    assert band["low"] < band["median"] < band["high"] and band["n"] == 36
    assert band["median"] > 8 * full  # measured 16 against 1.1: small samples are mostly noise
    judge = digit_judge()
    one_draw = frechet_between(judge.features(digits.X_test[:36]), judge.features(digits.X_train))
    assert band["low"] * 0.5 < one_draw < band["high"] * 2
    assert frechet_band(digits.X_test, digits.X_train, 100, draws=100)["median"] < band["median"]
    with pytest.raises(ValueError, match="n must be"):
        frechet_band(digits.X_test, digits.X_train, 1000)


# --------------------------------------------------------------------------- one rule for collapse
def test_collapse_rule_per_dimension():
    assert collapsed_dims([1.2, 0.05, DIM_COLLAPSE_NATS, float("nan")]) == [1, 3]


def test_evaluate_model_counts_active_units_by_the_collapse_rule(vae_report):
    assert vae_report["collapsed_dims"] == collapsed_dims(vae_report["kl_per_dim"]) == []
    assert vae_report["active_units"] == vae_report["latent_dim"] - len(vae_report["collapsed_dims"])
