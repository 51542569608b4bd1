"""Central finite differences, shared by the gradient tests."""

import numpy as np


def numerical_gradient(f, x, h=1e-6):
    """d f / d x for a scalar function ``f()`` that reads the array ``x`` in place."""
    grad = np.zeros_like(x)
    flat, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + h
        plus = f()
        flat[i] = original - h
        minus = f()
        flat[i] = original
        flat_grad[i] = (plus - minus) / (2 * h)
    return grad


def assert_gradients_close(analytic, numeric, rtol=1e-5, atol=1e-7):
    np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol)
