"""Paths and grids in latent space."""

from statistics import NormalDist

import numpy as np


def lerp(z0, z1, n_steps):
    """Straight line ``(1 - t) z0 + t z1`` for ``n_steps`` values of t from 0 to 1.

    Returns
    -------
    ndarray of shape (n_steps, latent_dim)
    """
    z0, z1 = _pair(z0, z1, n_steps)
    t = np.linspace(0.0, 1.0, n_steps)[:, None]  # (n_steps, 1)
    return (1.0 - t) * z0 + t * z1


def slerp(z0, z1, n_steps):
    """Spherical interpolation: constant angular speed along the great circle from z0 to z1.

    Notes
    -----
    ``slerp(t) = sin((1 - t) w) / sin(w) z0 + sin(t w) / sin(w) z1`` with ``w`` the angle between
    the vectors. Under a Gaussian prior, points on a straight line between two samples have a
    smaller norm than typical samples; slerp keeps the path at typical norms (White, 2016).
    Falls back to :func:`lerp` when the vectors are (anti)parallel or one is zero.
    """
    z0, z1 = _pair(z0, z1, n_steps)
    norm0, norm1 = np.linalg.norm(z0), np.linalg.norm(z1)
    if norm0 == 0.0 or norm1 == 0.0:
        return lerp(z0, z1, n_steps)
    cos_omega = np.clip(np.dot(z0, z1) / (norm0 * norm1), -1.0, 1.0)
    omega = np.arccos(cos_omega)
    if np.sin(omega) < 1e-6:
        return lerp(z0, z1, n_steps)
    t = np.linspace(0.0, 1.0, n_steps)[:, None]  # (n_steps, 1)
    return (np.sin((1.0 - t) * omega) * z0 + np.sin(t * omega) * z1) / np.sin(omega)


def gaussian_grid(n_per_side, quantile_range=(0.05, 0.95)):
    """A 2-D grid of latent points at evenly spaced quantiles of N(0, 1) (Kingma & Welling, fig. 4).

    Returns
    -------
    Z : ndarray of shape (n_per_side ** 2, 2)
        Row-major from the top-left: z2 decreases down the rows, z1 increases along a row, so
        decoded images can be tiled directly into an image grid.
    axis_values : ndarray of shape (n_per_side,)
        The increasing coordinates used on each axis.
    """
    if int(n_per_side) != n_per_side or n_per_side < 2:
        raise ValueError(f"n_per_side must be an int >= 2, got {n_per_side!r}.")
    low, high = quantile_range
    if not 0.0 < low < high < 1.0:
        raise ValueError(f"quantile_range must satisfy 0 < low < high < 1, got {quantile_range!r}.")
    normal = NormalDist()
    axis_values = np.array([normal.inv_cdf(q) for q in np.linspace(low, high, int(n_per_side))])
    return grid_from_axes(axis_values, axis_values), axis_values


def grid_from_axes(z1_values, z2_values):
    """All ``(z1, z2)`` pairs, row-major from the top-left (largest z2 first): (n2 * n1, 2)."""
    z1_grid, z2_grid = np.meshgrid(np.asarray(z1_values), np.asarray(z2_values)[::-1])
    return np.column_stack([z1_grid.ravel(), z2_grid.ravel()])


def _pair(z0, z1, n_steps):
    z0, z1 = np.asarray(z0, dtype=np.float64).ravel(), np.asarray(z1, dtype=np.float64).ravel()
    if z0.shape != z1.shape:
        raise ValueError(f"z0 and z1 must have the same size, got {z0.shape} and {z1.shape}.")
    if int(n_steps) != n_steps or n_steps < 2:
        raise ValueError(f"n_steps must be an int >= 2, got {n_steps!r}.")
    return z0, z1
