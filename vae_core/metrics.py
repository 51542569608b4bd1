"""Fair measurements of samples and codes: collapse, precision and recall, an AE's own density.

* **Collapse**, one rule for the whole engine and the dashboard: a latent dimension is collapsed
  when its held-out KL is below ``DIM_COLLAPSE_NATS``; active otherwise; a code is collapsed when
  every dimension is.
* **Precision and recall** of generated images (Kynkäänniemi et al., 2019): the share of samples
  inside the real images' k-nearest-neighbour manifold (fidelity), and the share of real images
  inside the samples' (coverage).
* **The ink profile** of an image, its pixel values sorted: what a blur changes and a shift does not.
* **A Gaussian fitted to a model's own codes** (Ghosh et al., 2020, "From variational to
  deterministic autoencoders"): the fair way to sample an autoencoder, which was never asked to
  make its codes look like N(0, I).
"""

import numpy as np

from .data import check_images
from .likelihood import _Float64Network

# A latent dimension whose mean held-out KL(q(z_d|x) || N(0, 1)) is below this many nats carries
# almost nothing about the image: collapsed onto the prior. Every page, card, warning and the
# active-unit count use this one rule.
DIM_COLLAPSE_NATS = 0.1
# Neighbours that set the radius of each point's ball in precision and recall (the paper's k = 3).
PR_NEIGHBOURS = 3
# Samplers of a model's codes: by name, what a draw at temperature T is.
SAMPLERS = {
    "prior": "N(0, T²·I): the VAE's prior, scaled",
    "fitted": "N(m, T²·C): a Gaussian fitted to the model's own training codes (mean m, covariance C)",
}


# --------------------------------------------------------------------------- collapse
def collapsed_dims(kl_per_dim, threshold=DIM_COLLAPSE_NATS):
    """Indices of the latent dimensions whose held-out KL is below ``threshold`` nats.

    Parameters
    ----------
    kl_per_dim : array-like of shape (latent_dim,)
        Mean ``KL(q(z_d|x) || N(0, 1))`` over held-out images (:func:`vae_core.kl_per_dim`).

    Returns
    -------
    list of int
        Collapsed dimensions; every other dimension is active. A code is collapsed as a whole
        when this lists every dimension.
    """
    kl = np.asarray(kl_per_dim, dtype=np.float64).ravel()
    return [int(d) for d in np.flatnonzero(~(kl >= threshold))]  # NaN counts as collapsed


# --------------------------------------------------------------------------- precision and recall
def _squared_distances(A, B):
    """(n_a, n_b) squared Euclidean distances, clipped at 0 against round-off."""
    sq = np.einsum("ij,ij->i", A, A)[:, None] + np.einsum("ij,ij->i", B, B)[None, :] - 2.0 * (A @ B.T)
    return np.clip(sq, 0.0, None)


def kth_neighbour_distance(X, k=PR_NEIGHBOURS):
    """Distance of each row of ``X`` (n, f) to its k-th nearest other row: (n,)."""
    X = np.asarray(X, dtype=np.float64)
    if not 1 <= k < X.shape[0]:
        raise ValueError(f"k must be in [1, {X.shape[0] - 1}] for {X.shape[0]} points, got {k}.")
    sq = _squared_distances(X, X)  # (n, n); the diagonal (0, the point itself) is the 0th neighbour
    return np.sqrt(np.partition(sq, k, axis=1)[:, k])


def _inside(queries, points, radii):
    """For each query, whether it lies in the ball of some point: (n_queries,) bool."""
    return np.any(_squared_distances(queries, points) <= radii[None, :] ** 2, axis=1)


def precision_recall(real, fake, k=PR_NEIGHBOURS, real_radii=None):
    """Improved precision and recall of ``fake`` against ``real`` (Kynkäänniemi et al., 2019).

    Parameters
    ----------
    real : array-like of shape (n_real, n_features)
    fake : array-like of shape (n_fake, n_features)
        Features of real and generated images (here: the digit judge's logits).
    k : int
        Each point's ball reaches its k-th nearest neighbour in its own set.
    real_radii : ndarray of shape (n_real,), optional
        ``kth_neighbour_distance(real, k)``, when several sets are compared with one ``real``.

    Returns
    -------
    dict
        ``precision``: share of ``fake`` inside some real point's ball (how many samples look like
        data); ``recall``: share of ``real`` inside some fake point's ball (how much of the data
        the samples cover). Both in [0, 1].

    Notes
    -----
    Compare sets of equal size: the balls shrink as a set grows, so recall depends on n. A
    collapsed model that draws one image has a recall near 0 whatever its precision.
    """
    real, fake = np.asarray(real, dtype=np.float64), np.asarray(fake, dtype=np.float64)
    real_radii = kth_neighbour_distance(real, k) if real_radii is None else np.asarray(real_radii)
    precision = _inside(fake, real, real_radii)
    recall = _inside(real, fake, kth_neighbour_distance(fake, k)) if fake.shape[0] > k else np.zeros(len(real))
    return {"precision": float(precision.mean()), "recall": float(recall.mean())}


# --------------------------------------------------------------------------- ink profile
def ink_profile(images):
    """Each image's pixel values sorted from the brightest down: (n, d) -> (n, d).

    Two images of one digit shifted by a pixel have the same profile; a blur of anything has a
    profile no real digit has (less full ink, more greys), which is why the off-data test reads it.
    """
    return -np.sort(-np.asarray(images, dtype=np.float64), axis=1)


# --------------------------------------------------------------------------- a fair sampler
def code_gaussian(model, X_train):
    """Mean and covariance of a model's codes of its training images (AE codes, VAE posterior means).

    Returns
    -------
    mean : ndarray of shape (latent_dim,)
    cov : ndarray of shape (latent_dim, latent_dim)
    """
    net = _Float64Network(model)
    codes = net.codes(check_images(X_train, net.input_dim, "X_train"))  # (n_train, latent)
    return codes.mean(axis=0), np.atleast_2d(np.cov(codes, rowvar=False))


def draw_codes(eps, temperature=1.0, gaussian=None):
    """Codes from standard-normal noise: N(0, T² I), or N(m, T² C) for ``gaussian = (m, C)``.

    Parameters
    ----------
    eps : array-like of shape (n, latent_dim)
        Standard-normal draws (the same ``eps`` ``model.sample`` would scale).
    temperature : float
    gaussian : (mean, cov), optional
        From :func:`code_gaussian`.

    Returns
    -------
    ndarray of shape (n, latent_dim)
        ``T eps`` or ``m + T eps L^T`` with ``C = L L^T`` (so T = 0 is the centre m).
    """
    eps = np.atleast_2d(np.asarray(eps, dtype=np.float64))
    if gaussian is None:
        return temperature * eps
    mean, cov = (np.asarray(a, dtype=np.float64) for a in gaussian)
    # A symmetric square root is as good as Cholesky for sampling and survives a singular C.
    values, vectors = np.linalg.eigh(0.5 * (cov + cov.T))
    root = (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T  # (latent, latent)
    return mean + temperature * eps @ root.T
