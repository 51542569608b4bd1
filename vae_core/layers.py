"""Layers with explicit forward and backward passes.

Each layer keeps its parameters and their gradients in matching dicts (``params["W"]``,
``grads["W"]``); ``forward`` caches exactly what ``backward`` needs and ``backward`` returns the
gradient with respect to the layer's input.
"""

import functools

import numpy as np


class Dense:
    """Affine map ``y = x @ W + b`` with He-normal weights (the blog's initialisation)."""

    def __init__(self, n_in, n_out, rng, input_grad=True):
        # The first layer of a network sees the data, whose gradient nobody needs: skipping it
        # saves one matmul per step.
        self.input_grad = input_grad
        self.params = {
            "W": rng.standard_normal((n_in, n_out)) * np.sqrt(2.0 / n_in),
            "b": np.zeros(n_out),
        }
        self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}

    def forward(self, x):
        self._x = x  # (batch, n_in)
        y = x @ self.params["W"]
        y += self.params["b"]
        return y

    def forget(self):
        self._x = None

    def backward(self, dy):
        # dL/dW = x^T dy, dL/db = sum over the batch of dy; written in place because the
        # gradient arrays may be views into the optimizer's flat buffer. The batch sum is a
        # matrix product with ones: several times faster than dy.sum(axis=0) for these shapes.
        np.matmul(self._x.T, dy, out=self.grads["W"])
        np.matmul(_ones(dy.shape[0], dy.dtype), dy, out=self.grads["b"])
        # dL/dx = dy W^T
        return dy @ self.params["W"].T if self.input_grad else None


class _Activation:
    """An elementwise function: no parameters, but the same interface as a layer that has some."""

    _kept = None  # the attribute ``forward`` keeps for ``backward``

    def __init__(self):
        self.params, self.grads = {}, {}

    def forget(self):
        """Drop what ``forward`` kept for ``backward``."""
        if self._kept:
            self.__dict__.pop(self._kept, None)


class ReLU(_Activation):
    _kept = "_active"

    def forward(self, x):
        self._active = x > 0
        return np.maximum(x, 0.0)

    def backward(self, dy):
        # d relu(x)/dx = 1 where x > 0, else 0
        return dy * self._active


class Sigmoid(_Activation):
    _kept = "_y"

    def forward(self, x):
        self._y = sigmoid(x)
        return self._y

    def backward(self, dy):
        # d sigmoid(x)/dx = s (1 - s)
        return dy * self._y * (1.0 - self._y)


class Clip01(_Activation):
    """The blog's AE output: ``clip(x, 0, 1)``, a 'sigmoid-like clamp' with a gradient of 0 or 1."""

    _kept = "_inside"

    def forward(self, x):
        y = clip01(x)
        self._inside = (y > 0.0) & (y < 1.0)
        return y

    def backward(self, dy):
        # d clip(x)/dx = 1 strictly inside (0, 1), else 0 (the blog's mask on the output)
        return dy * self._inside


class Identity(_Activation):
    def forward(self, x):
        return x

    def backward(self, dy):
        return dy


ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "clip": Clip01, "identity": Identity}


def make_activation(name):
    """Build an activation by name; an unknown name raises ``ValueError`` listing the valid ones."""
    if name not in ACTIVATIONS:
        raise ValueError(f"Unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}.")
    return ACTIVATIONS[name]()


def sigmoid(x):
    """Logistic function, exact at both tails.

    For x below about -88 (float32) or -709 (float64), exp(-x) overflows to inf and
    1 / (1 + inf) is the correct 0; only the warning is silenced. This is several times faster
    than the branch-free ``np.where`` formulation.
    """
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def clip01(x):
    """The blog's autoencoder output: ``clip(x, 0, 1)``."""
    return np.clip(x, 0.0, 1.0)


def identity(x):
    return x


# The decoder's output nonlinearity by name as a plain function of the logits: what inference
# applies. Training uses the layer of the same name in ``ACTIVATIONS``, which adds the backward pass.
OUTPUTS = {"sigmoid": sigmoid, "clip": clip01, "identity": identity}


@functools.lru_cache(maxsize=16)
def _ones(n, dtype):
    ones = np.ones(n, dtype=dtype)
    ones.flags.writeable = False
    return ones


def forward_all(layers, x):
    for layer in layers:
        x = layer.forward(x)
    return x


def infer_all(layers, x):
    """:func:`forward_all` for inference: no layer keeps its input for a backward pass (on a large
    upload, the first layer's input alone is tens of MB)."""
    for layer in layers:
        x = layer.forward(x)
        layer.forget()
    return x


def backward_all(layers, dy):
    for layer in reversed(layers):
        dy = layer.backward(dy)
    return dy


def pack_parameters(named_layers, dtype="float64"):
    """Move every parameter and gradient of ``named_layers`` into two flat buffers of ``dtype``.

    The layers keep working on views into the buffers, so an optimizer can update all
    parameters with a handful of vectorized operations instead of one loop per array.

    Parameters
    ----------
    named_layers : dict of str -> layer

    Returns
    -------
    flat_params, flat_grads : ndarray of shape (n_parameters,)
    names : list of (layer_name, param_key, slice, shape) in buffer order
    """
    entries, size = [], 0
    for layer_name, layer in named_layers.items():
        for key, value in layer.params.items():
            entries.append((layer_name, key, slice(size, size + value.size), value.shape))
            size += value.size
    flat_params, flat_grads = np.empty(size, dtype=dtype), np.zeros(size, dtype=dtype)
    for layer_name, key, where, shape in entries:
        layer = named_layers[layer_name]
        flat_params[where] = layer.params[key].ravel()
        layer.params[key] = flat_params[where].reshape(shape)
        layer.grads[key] = flat_grads[where].reshape(shape)
    return flat_params, flat_grads, entries
