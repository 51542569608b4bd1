"""How likely a VAE finds held-out images: the ELBO, importance-weighted bounds, exact quadrature.

Every figure is in nats per image under the model's own Bernoulli decoder (BCE summed over the
64 pixels), averaged over the images, and computed in float64 from the stored weights whatever
dtype the model was trained in. For a 2-D latent space the marginal likelihood can be integrated
on a grid, so the bounds can be checked against the value they bound:

    -ELBO  =  IWAE-1  >=  IWAE-10  >=  ...  >=  -log p(x)  >=  sum of pixel entropies

The first two relations hold in expectation (and, as estimated here, the IWAE bounds fall with K
draw by draw); the last, the BCE floor, holds for every decoder, and is not 0 because the digits
are grey, not binary.
"""

import math
from typing import NamedTuple

import numpy as np

from .data import check_images
from .layers import OUTPUTS, Dense, ReLU
from .losses import gaussian_kl, softplus
from .threads import use_engine_threads

_LOG_2PI = math.log(2.0 * math.pi)
# Rows (image x draw pairs, or grid points) decoded at once: bounds memory at a few tens of MB
# whatever the number of draws.
_MAX_ROWS = 32768


# --------------------------------------------------------------------------- float64 forward passes
class _Float64Network:
    """Float64 copies of a fitted model's weights, with forward passes that leave the model untouched."""

    def __init__(self, model):
        model._check_fitted()
        use_engine_threads()  # every evaluation starts here, so it runs on the engine's threads
        self.kind, self.latent_dim, self.input_dim = model.kind, int(model.latent_dim), int(model.input_dim)
        self.output = model.output
        self.encoder = _dense_stack(model.encoder_)
        self.decoder = _dense_stack(model.decoder_)
        if model.kind == "vae":
            self.heads = [_copy(model.mu_head_), _copy(model.log_var_head_)]
        else:
            self.heads = [_copy(model.latent_layer_)]

    def encode(self, X):
        """AE: the code (n, latent); VAE: ``(mu, log_var)``, each (n, latent)."""
        h = X
        for W, b in self.encoder:
            h = np.maximum(h @ W + b, 0.0)
        outputs = [h @ W + b for W, b in self.heads]
        return outputs[0] if self.kind == "ae" else tuple(outputs)

    def codes(self, X):
        """The deterministic code of each image: the AE's code or the VAE's posterior mean."""
        out = self.encode(X)
        return out if self.kind == "ae" else out[0]

    def logits(self, Z):
        """Decoder output before the output nonlinearity: (n, latent) -> (n, input_dim)."""
        h = Z
        for W, b in self.decoder[:-1]:
            h = np.maximum(h @ W + b, 0.0)
        W, b = self.decoder[-1]
        return h @ W + b

    def decode(self, Z):
        """Pixels: (n, latent) -> (n, input_dim), in [0, 1] unless the output is the identity."""
        return OUTPUTS[self.output](self.logits(Z))


def _copy(dense):
    return dense.params["W"].astype(np.float64), dense.params["b"].astype(np.float64)


def _dense_stack(layers):
    # The networks alternate Dense and ReLU; anything else would make the copy above wrong.
    for layer in layers:
        if not isinstance(layer, (Dense, ReLU)):
            raise TypeError(f"Cannot evaluate a network holding a {type(layer).__name__} layer.")
    return [_copy(layer) for layer in layers if isinstance(layer, Dense)]


def _require_vae(model, what):
    if getattr(model, "kind", None) != "vae":
        raise ValueError(f"{what} needs a VAE (a model with a prior and a Bernoulli decoder), "
                         f"got {type(model).__name__}.")


def _log_bernoulli(logits, x):
    """``log p(x | logits)`` summed over the last axis: ``sum(x * l - softplus(l))``."""
    return np.einsum("...i,...i->...", logits, x) - softplus(logits).sum(axis=-1)


def _logsumexp(a, axis):
    top = np.max(a, axis=axis, keepdims=True)
    return np.squeeze(top, axis=axis) + np.log(np.sum(np.exp(a - top), axis=axis))


# --------------------------------------------------------------------------- the data's own floor
def bce_floor(X, per_image=False):
    """The smallest BCE any decoder can reach on ``X``: the summed entropy of its pixels.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Pixels in [0, 1].
    per_image : bool
        Return the floor of every image instead of their mean.

    Returns
    -------
    float, or ndarray of shape (n_samples,)
        Nats per image.

    Notes
    -----
    For a pixel of grey level ``x`` and any predicted probability ``p``,
    ``-[x log p + (1 - x) log(1 - p)] >= H(x) = -[x log x + (1 - x) log(1 - x)]`` (Gibbs'
    inequality), with equality at ``p = x``. So a Bernoulli decoder's BCE, and its
    ``-log p(x)``, can never go below ``sum_i H(x_i)``; the floor is 0 only for binary images.
    On the held-out digits it is about 13.7 nats.
    """
    X = check_images(X)
    with np.errstate(divide="ignore", invalid="ignore"):
        # 0 log 0 = 0: take the log of 1 wherever the factor in front is 0
        entropy = -(X * np.log(np.where(X > 0.0, X, 1.0)) + (1.0 - X) * np.log(np.where(X < 1.0, 1.0 - X, 1.0)))
    floors = entropy.sum(axis=1)  # (n_samples,)
    return floors if per_image else float(floors.mean())


# --------------------------------------------------------------------------- ELBO and IWAE
def likelihood_bounds(model, X, *, ks=(1, 10, 100, 1000), n_draws=None, seed=0):
    """Monte-Carlo ``-ELBO`` and importance-weighted bounds ``IWAE-K`` of a VAE on images ``X``.

    Parameters
    ----------
    model : VAE
    X : array-like of shape (n_samples, input_dim)
    ks : sequence of int
        Numbers of importance samples ``K``.
    n_draws : int, optional
        Posterior draws per image, a multiple of every ``K``. Default: at least 1,000 and at
        least two groups of the largest ``K`` (2,000 for the default ``ks``).
    seed : int
        Image ``i`` draws its noise from ``np.random.default_rng([seed, i])``, so a value does not
        depend on how the images are batched.

    Returns
    -------
    dict
        ``neg_elbo`` (BCE + analytic KL, mean over draws), ``neg_elbo_se`` (its Monte-Carlo
        standard error), ``neg_elbo_draw_sd`` (the spread of a one-draw estimate such as
        ``model.evaluate``), ``recon`` (BCE of posterior samples), ``kl``, ``kl_per_dim``
        (list), ``iwae`` and ``iwae_se`` (dicts keyed by ``str(K)``), ``n_draws``, ``seed``.

    Notes
    -----
    With ``z_k = mu + exp(log_var / 2) * eps_k`` and importance weights
    ``log w_k = log p(x|z_k) + log N(z_k; 0, I) - log N(z_k; mu, diag exp(log_var))``,

    ``IWAE-K = -E[ log (1/K) sum_k w_k ]``  (Burda, Grosse & Salakhutdinov, 2016),

    computed with a log-sum-exp. ``IWAE-1`` is the ELBO with a sampled KL; it does not increase
    with ``K`` and tends to ``-log p(x)``. The ``n_draws`` draws of an image are split into
    consecutive groups of ``K`` and the estimate averages over the groups; since every group of
    a larger ``K`` is a union of groups of a smaller one (when the ``K`` divide each other),
    Jensen's inequality makes the estimates non-increasing in ``K`` draw by draw, not only in
    expectation. Standard errors are across groups (draws ``s`` for the ELBO) of the held-out
    mean: the Monte-Carlo uncertainty, not the uncertainty from having only these images.
    """
    _require_vae(model, "likelihood_bounds")
    ks = [int(k) for k in ks]
    if not ks or min(ks) < 1:
        raise ValueError(f"ks must hold positive ints, got {ks!r}.")
    if n_draws is None:
        lcm = math.lcm(*ks)
        n_draws = lcm * max(-(-1000 // lcm), 2)
    bad = [k for k in ks if n_draws % k]
    if bad:
        raise ValueError(f"n_draws={n_draws} must be a multiple of every K; not of {bad}.")
    net = _Float64Network(model)
    X = check_images(X, net.input_dim)
    n, d = X.shape[0], net.latent_dim
    recon_sums = np.zeros(n_draws)  # (n_draws,) sum over images of the BCE of draw s
    group_sums = {k: np.zeros(n_draws // k) for k in ks}  # sum over images of each group's estimate
    kl_total, kl_dims = 0.0, np.zeros(d)
    per_chunk = max(1, _MAX_ROWS // n_draws)
    for start in range(0, n, per_chunk):
        x = X[start:start + per_chunk]  # (b, input_dim)
        b = x.shape[0]
        mu, log_var = net.encode(x)  # (b, d) each
        eps = np.stack([np.random.default_rng([seed, start + i]).standard_normal((n_draws, d))
                        for i in range(b)])  # (b, S, d)
        z = mu[:, None, :] + np.exp(0.5 * log_var)[:, None, :] * eps  # (b, S, d)
        logits = net.logits(z.reshape(-1, d)).reshape(b, n_draws, -1)  # (b, S, input_dim)
        log_px_z = _log_bernoulli(logits, x[:, None, :])  # (b, S)
        log_pz = -0.5 * np.sum(z**2, axis=2) - 0.5 * d * _LOG_2PI
        log_qz = -0.5 * np.sum(eps**2 + log_var[:, None, :], axis=2) - 0.5 * d * _LOG_2PI
        log_w = log_px_z + log_pz - log_qz  # (b, S)
        recon_sums -= log_px_z.sum(axis=0)
        for k in ks:
            groups = log_w.reshape(b, n_draws // k, k)
            group_sums[k] += (_logsumexp(groups, axis=2) - math.log(k)).sum(axis=0)
        kl, _, _, kl_per_dim = gaussian_kl(mu, log_var)
        kl_total += kl * b
        kl_dims += kl_per_dim * b
    kl_mean = kl_total / n
    per_draw = recon_sums / n + kl_mean  # (S,) held-out -ELBO of each draw
    result = {
        "neg_elbo": float(per_draw.mean()),
        "neg_elbo_se": _standard_error(per_draw),
        "neg_elbo_draw_sd": float(per_draw.std(ddof=1)) if n_draws > 1 else None,
        "recon": float(recon_sums.mean() / n),
        "kl": float(kl_mean),
        "kl_per_dim": [float(v) for v in kl_dims / n],
        "iwae": {},
        "iwae_se": {},
        "n_draws": int(n_draws),
        "seed": int(seed),
    }
    for k in ks:
        per_group = -group_sums[k] / n  # (S // K,) held-out IWAE-K of each group
        result["iwae"][str(k)] = float(per_group.mean())
        result["iwae_se"][str(k)] = _standard_error(per_group)
    return result


def _standard_error(values):
    return float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else None


# --------------------------------------------------------------------------- exact, by quadrature
class Quadrature(NamedTuple):
    """Result of :func:`exact_nll`."""

    nll: float  # mean -log p(x) over the images, nats
    per_image: np.ndarray  # (n_samples,)
    radius: float  # the grid covers [-radius, radius] on every latent axis
    spacing: float  # distance between neighbouring grid points
    n_per_side: int
    truncation_bound: float  # worst image: most -log p(x) could drop if the grid covered all of R^d
    refinement_change: float | None  # how much the mean moved at the last halving of the step


# The first grid of the refinement, and the box before the truncation bound asks for more: prior
# mass outside [-8, 8]^2 is 1.2e-15, ample while -log p(x) - H(x) stays below 27 nats.
_FIRST_PER_SIDE = 64
_FIRST_RADIUS = 8.0


def exact_nll(model, X, *, radius=None, spacing=None, tol=1e-3, max_per_side=2048):
    """``-log p(x)`` of a VAE with a 1-D or 2-D latent, integrated on a grid.

    Parameters
    ----------
    model : VAE
        ``latent_dim`` must be 1 or 2.
    X : array-like of shape (n_samples, input_dim)
    radius : float, optional
        Half-width of the square grid. Default: 8, widened until the truncation bound (Notes)
        is below ``tol`` for every image.
    spacing : float, optional
        Grid step. Default: start from 64 points per side and halve the step until the mean
        moves by less than ``tol`` and no image by more than ``50 * tol``.
    tol : float
        Nats: the largest truncation error, and the convergence threshold of the refinement.
    max_per_side : int
        Refuse grids finer than this with a ``ValueError`` instead of running for hours.

    Returns
    -------
    Quadrature
        ``nll`` (mean, nats per image), ``per_image``, ``radius``, ``spacing``, ``n_per_side``,
        ``truncation_bound``, ``refinement_change``.

    Notes
    -----
    ``p(x) = ∫ p(x|z) N(z; 0, I) dz`` by the midpoint rule on ``n`` cells of side ``h`` per axis,
    in logs: ``log p(x) ≈ logsumexp_j [log p(x|z_j) + log N(z_j; 0, I)] + d log h``. The encoder
    plays no part: the value depends on the decoder and the prior alone, and so does the grid.
    That matters for a VAE trained with a small beta, whose posteriors are far narrower than
    ``p(z|x)`` (beta = 0: encoder standard deviations down to 1e-5, while the integrand is resolved
    by a step of 0.08), so a grid sized from them would be needlessly fine.

    The step is refined by halving, which also measures convergence: the reported
    ``refinement_change`` is the change of the mean at the last halving. The midpoint rule on a
    smooth bump of width ``s`` errs by about ``2 exp(-2 pi^2 s^2 / h^2)``, so once the step
    resolves the integrand the change collapses; a bump narrower than the first step (0.25)
    could be missed by two grids alike, which is why the convergence is also tested on the
    shipped models with steps 2 and 4 times finer than the chosen one.

    Outside the box the integrand is at most ``exp(-H(x)) P(z outside)``, because no decoder
    beats the BCE floor ``H(x)`` (:func:`bce_floor`) and ``P(z outside) <= d erfc(R / sqrt 2)``
    under the prior. ``truncation_bound`` is the worst image's
    ``log(1 + exp(-log p(x) - H(x)) d erfc(R / sqrt 2))``: how much ``-log p(x)`` could fall if
    the box covered everything.
    """
    _require_vae(model, "exact_nll")
    net = _Float64Network(model)
    d = net.latent_dim
    if d not in (1, 2):
        raise ValueError(f"exact_nll integrates on a grid, which only fits a 1-D or 2-D latent; this model has "
                         f"latent_dim={d}. Use likelihood_bounds (IWAE) instead.")
    X = check_images(X, net.input_dim)
    floors = bce_floor(X, per_image=True)  # (n,)
    widen = radius is None
    radius = _FIRST_RADIUS if widen else float(radius)
    nll, n_side, change = _refine(net, X, radius, spacing, tol, max_per_side)
    truncation = _truncation_bound(nll, floors, radius, d)
    if widen and truncation > tol:
        # Some image is so unlikely that the prior's tail could matter: widen the box for the
        # measured -log p(x) - H(x), keeping the step.
        step = 2.0 * radius / n_side
        radius = max(radius, _prior_radius(float(np.max(nll - floors)) + 1.0, d, tol))
        nll, n_side, _ = _refine(net, X, radius, step, tol, max_per_side)
        truncation = _truncation_bound(nll, floors, radius, d)
    return Quadrature(float(nll.mean()), nll, radius, 2.0 * radius / n_side, n_side, truncation, change)


def _refine(net, X, radius, spacing, tol, max_per_side):
    """-log p(x) on the given step, or on halved steps until converged: (nll, n_per_side, last change)."""
    if not radius > 0.0 or (spacing is not None and not spacing > 0.0):
        raise ValueError(f"radius and spacing must be positive, got {radius!r} and {spacing!r}.")
    if spacing is not None:
        n_side = math.ceil(2.0 * radius / spacing)
        _check_grid(n_side, max_per_side, radius)
        return _integrate(net, X, radius, n_side), n_side, None
    n_side = _FIRST_PER_SIDE
    nll = _integrate(net, X, radius, n_side)
    while True:
        _check_grid(2 * n_side, max_per_side, radius)
        finer = _integrate(net, X, radius, 2 * n_side)
        change = abs(float(finer.mean() - nll.mean()))
        n_side, converged = 2 * n_side, change < tol and np.max(np.abs(finer - nll)) < 50 * tol
        nll = finer
        if converged:
            return nll, n_side, change


def _check_grid(n_side, max_per_side, radius):
    if n_side > max_per_side:
        raise ValueError(f"The grid over [-{radius:.3g}, {radius:.3g}] needs {n_side} points per side "
                         f"(max_per_side={max_per_side}): the integrand is too sharp to integrate on one grid. "
                         "Use likelihood_bounds (IWAE) instead.")


def _integrate(net, X, radius, n_side):
    """Midpoint rule on ``n_side`` cells per axis over ``[-radius, radius]^d``: -log p(x) per image."""
    h = 2.0 * radius / n_side
    axis = -radius + h * (np.arange(n_side) + 0.5)  # (n_side,) cell centres
    return -(_grid_logsumexp(net, X, axis, net.latent_dim) + net.latent_dim * math.log(h))


def _truncation_bound(nll, floors, radius, d):
    """Worst image's ``log(1 + exp(nll - H(x)) P_prior(outside the box))``, nats."""
    log_outside = math.log(d) + _log_erfc(radius / math.sqrt(2.0))
    return float(np.log1p(np.exp(np.minimum(log_outside + nll - floors, 700.0))).max())


def _grid_logsumexp(net, X, axis, d):
    """``logsumexp_j [log p(x|z_j) + log N(z_j)]`` over the grid ``axis^d``, a running sum per image."""
    n_side = axis.size
    n_points = n_side**d
    top = np.full(X.shape[0], -np.inf)
    total = np.zeros(X.shape[0])
    for start in range(0, n_points, _MAX_ROWS):
        index = np.arange(start, min(start + _MAX_ROWS, n_points))
        Z = axis[index[:, None] // n_side ** np.arange(d - 1, -1, -1) % n_side]  # (c, d)
        logits = net.logits(Z)  # (c, input_dim)
        # log p(x|z) for every (image, point) pair is one matrix product: X @ logits^T - softplus sums
        log_joint = X @ logits.T - softplus(logits).sum(axis=1)  # (n, c)
        log_joint += -0.5 * np.sum(Z**2, axis=1) - 0.5 * d * _LOG_2PI
        new_top = np.maximum(top, log_joint.max(axis=1))
        total = total * np.exp(top - new_top) + np.exp(log_joint - new_top[:, None]).sum(axis=1)
        top = new_top
    return top + np.log(total)


def _log_erfc(x):
    """``log(erfc(x))`` for x >= 0, through the asymptotic series where erfc underflows."""
    value = math.erfc(x)
    if value > 1e-300:
        return math.log(value)
    return -x * x - math.log(x * math.sqrt(math.pi)) + math.log1p(-0.5 / (x * x))


def _prior_radius(gap, d, tol):
    """Smallest R (in steps of 1/4) with ``d erfc(R / sqrt 2) exp(gap) <= tol``."""
    radius = 3.0
    while math.log(d) + _log_erfc(radius / math.sqrt(2.0)) + gap > math.log(tol):
        radius += 0.25
    return radius


# --------------------------------------------------------------------------- what the latent carries
def kl_per_dim(model, X):
    """Mean ``KL(q(z_d|x) || N(0, 1))`` of every latent dimension over ``X``: (latent_dim,) nats."""
    _require_vae(model, "kl_per_dim")
    net = _Float64Network(model)
    mu, log_var = net.encode(check_images(X, net.input_dim))
    return gaussian_kl(mu, log_var)[3]
