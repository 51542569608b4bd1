"""Finite-difference checks (float64, central differences) for every layer, loss and model."""

import numpy as np
import pytest

from tests.vae_core.gradcheck import assert_gradients_close, numerical_gradient
from vae_core import make_model
from vae_core.layers import Clip01, Dense, Identity, ReLU, Sigmoid, sigmoid
from vae_core.losses import bce_with_logits, gaussian_kl, mse


@pytest.fixture
def rng():
    return np.random.default_rng(42)


def _away_from(x, kinks, margin=1e-3):
    """Nudge values off non-differentiable points so central differences stay valid."""
    for kink in kinks:
        close = np.abs(x - kink) < margin
        x[close] += 10 * margin
    return x


def test_dense_gradients(rng):
    layer = Dense(5, 3, rng)
    x = rng.standard_normal((4, 5))
    upstream = rng.standard_normal((4, 3))  # L = sum(y * upstream)

    def loss():
        return np.sum(layer.forward(x) * upstream)

    loss()
    dx = layer.backward(upstream)
    analytic_W, analytic_b = layer.grads["W"].copy(), layer.grads["b"].copy()
    assert_gradients_close(dx, numerical_gradient(loss, x))
    assert_gradients_close(analytic_W, numerical_gradient(loss, layer.params["W"]))
    assert_gradients_close(analytic_b, numerical_gradient(loss, layer.params["b"]))


def test_dense_forward_value(rng):
    layer = Dense(3, 2, rng)
    x = rng.standard_normal((4, 3))
    np.testing.assert_allclose(layer.forward(x), x @ layer.params["W"] + layer.params["b"])


def test_first_layer_skips_input_gradient(rng):
    layer = Dense(3, 2, rng, input_grad=False)
    layer.forward(rng.standard_normal((4, 3)))
    assert layer.backward(np.ones((4, 2))) is None
    assert np.any(layer.grads["W"] != 0)


@pytest.mark.parametrize(
    ("activation", "kinks", "expected"),
    [
        (ReLU, [0.0], lambda x: np.maximum(x, 0)),
        (Sigmoid, [], lambda x: 1 / (1 + np.exp(-x))),
        (Clip01, [0.0, 1.0], lambda x: np.clip(x, 0, 1)),
        (Identity, [], lambda x: x),
    ],
)
def test_activation_values_and_gradients(rng, activation, kinks, expected):
    layer = activation()
    x = _away_from(rng.uniform(-2, 3, size=(4, 6)), kinks)
    upstream = rng.standard_normal((4, 6))
    np.testing.assert_allclose(layer.forward(x), expected(x))

    def loss():
        return np.sum(layer.forward(x) * upstream)

    loss()
    assert_gradients_close(layer.backward(upstream), numerical_gradient(loss, x))


def test_sigmoid_is_stable_for_extreme_inputs():
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        values = sigmoid(np.array([-1000.0, -30.0, 0.0, 30.0, 1000.0]))
    np.testing.assert_allclose(values, [0.0, 1 / (1 + np.exp(30)), 0.5, 1 / (1 + np.exp(-30)), 1.0])


def test_mse_value_and_gradient(rng):
    x_hat, x = rng.uniform(size=(4, 6)), rng.uniform(size=(4, 6))
    value, grad = mse(x_hat, x)
    assert value == pytest.approx(np.mean((x_hat - x) ** 2))
    assert_gradients_close(grad, numerical_gradient(lambda: mse(x_hat, x)[0], x_hat))


def test_bce_with_logits_value_and_gradient(rng):
    logits, x = rng.standard_normal((4, 6)) * 3, rng.uniform(size=(4, 6))
    value, grad = bce_with_logits(logits, x)
    p = 1 / (1 + np.exp(-logits))
    expected = -np.sum(x * np.log(p) + (1 - x) * np.log(1 - p)) / 4
    assert value == pytest.approx(expected, rel=1e-12)
    assert_gradients_close(grad, numerical_gradient(lambda: bce_with_logits(logits, x)[0], logits))


def test_bce_with_logits_is_finite_where_the_blogs_formula_saturates():
    logits = np.array([[-800.0, 800.0]])
    x = np.array([[1.0, 0.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        value, grad = bce_with_logits(logits, x)
    assert value == pytest.approx(1600.0)
    np.testing.assert_allclose(grad, [[-1.0, 1.0]])


def test_gaussian_kl_value_and_gradients(rng):
    mu, log_var = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    value, d_mu, d_log_var, per_dim = gaussian_kl(mu, log_var)
    expected_per_dim = 0.5 * np.sum(mu**2 + np.exp(log_var) - log_var - 1, axis=0) / 4
    np.testing.assert_allclose(per_dim, expected_per_dim)
    assert value == pytest.approx(expected_per_dim.sum())
    assert_gradients_close(d_mu, numerical_gradient(lambda: gaussian_kl(mu, log_var)[0], mu))
    assert_gradients_close(d_log_var, numerical_gradient(lambda: gaussian_kl(mu, log_var)[0], log_var))


def test_gaussian_kl_is_zero_at_the_prior():
    value, d_mu, d_log_var, per_dim = gaussian_kl(np.zeros((3, 2)), np.zeros((3, 2)))
    assert value == 0.0
    assert not d_mu.any() and not d_log_var.any() and not per_dim.any()


def _tiny_data(rng, n=5, d=6):
    return rng.uniform(0.05, 0.95, size=(n, d))


def _fitted_tiny(kind, rng, **overrides):
    X = _tiny_data(rng)
    settings = dict(input_dim=6, hidden_sizes=(5, 4), latent_dim=2, epochs=1, batch_size=5, random_state=3,
                    dtype="float64")
    settings.update(overrides)
    return make_model(kind, "fast", **settings).fit(X), X


@pytest.mark.parametrize("hidden_sizes", [(5, 4), (5,), ()])
def test_autoencoder_gradient_matches_finite_differences(rng, hidden_sizes):
    model, X = _fitted_tiny("ae", rng, hidden_sizes=hidden_sizes)
    noise = np.random.default_rng(0)

    def loss():
        return model._train_step(X, 0.0, noise)[0]

    value = loss()
    analytic = model.flat_grads_.copy()
    assert value == pytest.approx(np.mean((model.reconstruct(X) - X) ** 2))
    assert_gradients_close(analytic, numerical_gradient(loss, model.flat_params_))


@pytest.mark.parametrize(("hidden_sizes", "beta"), [((5, 4), 0.7), ((5,), 1.0), ((), 2.0)])
def test_vae_gradient_matches_finite_differences(rng, hidden_sizes, beta):
    model, X = _fitted_tiny("vae", rng, hidden_sizes=hidden_sizes)

    def objective():
        # Re-seeding draws the same eps every time, so the objective is a deterministic function.
        recon, kl, _ = model._train_step(X, beta, np.random.default_rng(7))
        return recon + beta * kl

    objective()
    analytic = model.flat_grads_.copy()
    assert_gradients_close(analytic, numerical_gradient(objective, model.flat_params_), rtol=1e-5, atol=1e-7)


def test_vae_step_value_is_bce_plus_kl_with_reparameterized_sample(rng):
    model, X = _fitted_tiny("vae", rng)
    recon, kl, per_dim = model._train_step(X, 1.0, np.random.default_rng(7))
    eps = np.random.default_rng(7).standard_normal((X.shape[0], 2))
    mu, log_var = model.encode_distribution(X)
    p = model.decode(mu + np.exp(0.5 * log_var) * eps)
    expected_bce = -np.sum(X * np.log(p) + (1 - X) * np.log(1 - p)) / X.shape[0]
    assert recon == pytest.approx(expected_bce, rel=1e-10)
    assert kl == pytest.approx(0.5 * np.sum(mu**2 + np.exp(log_var) - log_var - 1) / X.shape[0])
    assert per_dim.sum() == pytest.approx(kl)


def test_clip_output_autoencoder_gradient(rng):
    model, X = _fitted_tiny("ae", rng, output="clip", hidden_sizes=(5,))
    noise = np.random.default_rng(0)

    def loss():
        return model._train_step(X, 0.0, noise)[0]

    loss()
    analytic = model.flat_grads_.copy()
    assert_gradients_close(analytic, numerical_gradient(loss, model.flat_params_, h=1e-7), rtol=1e-4, atol=1e-6)
