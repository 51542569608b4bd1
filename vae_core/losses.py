"""Losses with their gradients. Every loss is a mean over the images of a batch.

Each function returns the loss value first and then the gradient(s) with respect to its inputs,
so a training step and a finite-difference test read the same maths.
"""

import numpy as np

from .layers import sigmoid


def mse(x_hat, x):
    """Mean squared error per pixel (the blog's AE loss).

    Parameters
    ----------
    x_hat, x : ndarray of shape (n_samples, n_features)

    Returns
    -------
    loss : float
        ``mean((x_hat - x) ** 2)`` over every pixel of every image.
    d_x_hat : ndarray of shape (n_samples, n_features)
    """
    diff = x_hat - x
    # d/dx_hat mean(diff^2) = 2 diff / (n_samples * n_features)
    return float(np.vdot(diff, diff)) / diff.size, (2.0 / diff.size) * diff


def softplus(x):
    """``log(1 + exp(x))`` elementwise, computed as ``max(x, 0) + log1p(exp(-|x|))``, which never overflows."""
    out = np.maximum(x, 0.0)
    out += np.log1p(np.exp(-np.abs(x)))
    return out


def bce_with_logits(logits, x):
    """Binary cross-entropy summed over pixels, averaged over images, computed from logits.

    Notes
    -----
    With ``p = sigmoid(l)``, ``-[x log p + (1 - x) log(1 - p)] = softplus(l) - x l``, which
    never takes the log of 0 (the blog adds 1e-8 instead). Its gradient is ``p - x``.

    Returns
    -------
    loss : float
        Nats per image.
    d_logits : ndarray of shape (n_samples, n_features)
    """
    n_samples = logits.shape[0]
    loss = (float(np.sum(softplus(logits))) - float(np.vdot(x, logits))) / n_samples
    # d/dl [softplus(l) - x l] = sigmoid(l) - x
    d_logits = sigmoid(logits)
    d_logits -= x
    d_logits *= 1.0 / n_samples
    return loss, d_logits


def gaussian_kl(mu, log_var):
    """KL( N(mu, diag(exp(log_var))) || N(0, I) ), summed over latent dims, averaged over images.

    Notes
    -----
    Closed form: ``KL = 1/2 * sum(mu^2 + exp(log_var) - log_var - 1)``.

    Returns
    -------
    loss : float
        Nats per image.
    d_mu, d_log_var : ndarray of shape (n_samples, latent_dim)
    kl_per_dim : ndarray of shape (latent_dim,)
        The KL of each latent dimension, averaged over images (sums to ``loss``); a dimension
        near 0 carries no information about the input (posterior collapse).
    """
    n_samples = mu.shape[0]
    var = np.exp(log_var)
    kl_per_dim = 0.5 * np.sum(mu**2 + var - log_var - 1.0, axis=0) / n_samples  # (latent,)
    # dKL/dmu = mu ; dKL/dlog_var = (exp(log_var) - 1) / 2
    return float(np.sum(kl_per_dim)), mu / n_samples, 0.5 * (var - 1.0) / n_samples, kl_per_dim
