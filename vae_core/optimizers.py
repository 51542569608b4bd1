"""Optimizers that own their state and update a flat parameter buffer in place."""

import copy
import inspect

import numpy as np

from .validation import check_choice


class _Optimizer:
    """What every optimizer shares: its state can follow a copy of the parameters."""

    def copy_for(self, params, grads):
        """This optimizer, state and all (moments, step count), updating ``params`` from ``grads``."""
        other = copy.copy(self)
        other.params, other.grads = params, grads
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray) and name not in ("params", "grads"):
                setattr(other, name, value.copy())
        return other


class SGD(_Optimizer):
    """Stochastic gradient descent with momentum: ``v = m v - lr g ; p += v`` (the blog's update).

    Parameters
    ----------
    params, grads : ndarray of shape (n_parameters,)
        Flat buffers; ``params`` is updated in place from ``grads``.
    learning_rate : float
    momentum : float in [0, 1)
    clip_value : float or None
        Clip every gradient entry to ``[-clip_value, clip_value]`` before the update.
    """

    def __init__(self, params, grads, learning_rate=0.01, momentum=0.9, clip_value=None):
        self.params, self.grads = params, grads
        self.learning_rate, self.momentum, self.clip_value = learning_rate, momentum, clip_value
        self.velocity = np.zeros_like(params)
        self.t = 0

    def step(self):
        if self.clip_value is not None:
            np.clip(self.grads, -self.clip_value, self.clip_value, out=self.grads)
        self.velocity *= self.momentum
        self.velocity -= self.learning_rate * self.grads
        self.params += self.velocity
        self.t += 1


class Adam(_Optimizer):
    """Adam (Kingma & Ba, 2015) with bias-corrected moments.

    Notes
    -----
    ``m = b1 m + (1 - b1) g ; v = b2 v + (1 - b2) g^2 ; m_hat = m / (1 - b1^t) ;
    v_hat = v / (1 - b2^t) ; p -= lr m_hat / (sqrt(v_hat) + eps)`` (Algorithm 1 of the paper).
    """

    def __init__(self, params, grads, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 clip_value=None):
        self.params, self.grads = params, grads
        self.learning_rate, self.beta1, self.beta2, self.epsilon = learning_rate, beta1, beta2, epsilon
        self.clip_value = clip_value
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)
        self._scratch = np.empty_like(params)
        self.t = 0

    def step(self):
        g, scratch = self.grads, self._scratch
        if self.clip_value is not None:
            np.clip(g, -self.clip_value, self.clip_value, out=g)
        self.t += 1
        # m = b1 m + (1 - b1) g ; v = b2 v + (1 - b2) g^2
        np.multiply(g, 1.0 - self.beta1, out=scratch)
        self.m *= self.beta1
        self.m += scratch
        np.multiply(g, g, out=scratch)
        scratch *= 1.0 - self.beta2
        self.v *= self.beta2
        self.v += scratch
        # p -= lr m_hat / (sqrt(v_hat) + eps), with m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t).
        # Every operation works in place on preallocated buffers: this runs once per mini-batch.
        np.sqrt(self.v, out=scratch)
        scratch *= 1.0 / np.sqrt(1.0 - self.beta2**self.t)
        scratch += self.epsilon
        np.divide(self.m, scratch, out=scratch)
        scratch *= self.learning_rate / (1.0 - self.beta1**self.t)
        self.params -= scratch


OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def make_optimizer(name, params, grads, learning_rate, momentum=0.9, clip_value=None):
    """Build the optimizer ``OPTIMIZERS[name]``; an unknown name raises ``ValueError`` listing the valid ones.

    Each optimizer gets the settings its constructor takes: ``momentum`` only applies to SGD.
    """
    optimizer_class = OPTIMIZERS[check_choice("optimizer", name, OPTIMIZERS)]
    settings = {"learning_rate": learning_rate, "momentum": momentum, "clip_value": clip_value}
    accepted = inspect.signature(optimizer_class).parameters
    return optimizer_class(params, grads, **{key: value for key, value in settings.items() if key in accepted})
