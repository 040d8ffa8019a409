"""Mixtures of diagonal Gaussians q̄ = Σ_i w_i N(m_i, diag v_i) against a diagonal prior.

KL(q̄ || p) has no closed form.  This module gives it three ways
(each checked against theorem `mixture_inequality` and theorem `gap_identity` in the tests):

* :func:`kl_quadrature_1d`: deterministic quadrature for d = 1, batched;
* :func:`kl_monte_carlo`: any d, with standard error and a 95% interval;
* :func:`pairwise_bounds`: deterministic bounds (Kolchinsky and Tracey 2017).

Also the mixture's moments, the moment-matched Gaussian KL (fact 5), the
average KL and the mutual information I(i; z) = avg KL - KL(q̄ || p) (fact 4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from ._validate import as_real_array, normalize_weights, require_finite, require_positive, spread_to_variance
from ._kernels import bhattacharyya_block, log_group_size
from .gaussian import kl_diag, kl_full_standard

__all__ = [
    "DiagonalMixture",
    "Estimate",
    "Prior",
    "avg_kl",
    "entropy_of_weights",
    "kl_monte_carlo",
    "kl_monte_carlo_batch",
    "kl_quadrature_1d",
    "log_density",
    "log_density_ratio",
    "moment_matched_kl",
    "mixture_moments",
    "moments",
    "mutual_information",
    "mutual_information_quadrature_1d",
    "pairwise_bounds",
    "pairwise_kl",
    "pairwise_row_terms",
    "stratified_counts",
    "pairwise_bhattacharyya",
    "DEFAULT_CHUNK_BYTES",
]

#: Working memory for one chunk of a (samples x components) matrix.
DEFAULT_CHUNK_BYTES = 64 * 2**20


@dataclass(frozen=True)
class Prior:
    """A diagonal Gaussian prior N(mean, diag var); N(0, I) by default."""

    mean: ArrayLike = 0.0
    var: ArrayLike = 1.0

    def arrays(self, d: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Mean and variance broadcast to shape (d,)."""
        m = require_finite("prior mean", as_real_array("prior mean", self.mean))
        v = require_positive("prior var", as_real_array("prior var", self.var))
        try:
            return np.broadcast_to(m, (d,)).copy(), np.broadcast_to(v, (d,)).copy()
        except ValueError:
            raise ValueError(f"the prior has shape {m.shape}/{v.shape}, which does not fit d = {d}") from None


@dataclass(frozen=True)
class DiagonalMixture:
    """Σ_i w_i N(means[i], diag variances[i]).

    Parameters
    ----------
    means : array, shape (N, d)
    variances : array, shape (N, d), all > 0
    weights : array, shape (N,), nonnegative, summing to one (within 1e-6)
    """

    means: NDArray[np.float64]
    variances: NDArray[np.float64]
    weights: NDArray[np.float64]

    @classmethod
    def create(cls, means: ArrayLike, var: ArrayLike | None = None, *, logvar: ArrayLike | None = None,
               weights: ArrayLike | None = None) -> "DiagonalMixture":
        """Validate and build; uniform weights when ``weights`` is None."""
        m = require_finite("means", as_real_array("means", means, ndim=2))
        v = spread_to_variance(var, logvar, name="var")
        if v.shape != m.shape:
            raise ValueError(f"means have shape {m.shape} but the variances have shape {v.shape}")
        n, d = m.shape
        if n == 0:
            raise ValueError("the mixture has no components (N = 0)")
        if d == 0:
            raise ValueError("the mixture has zero dimensions (d = 0)")
        return cls(m, v, normalize_weights(weights, n))

    @property
    def n(self) -> int:
        return self.means.shape[0]

    @property
    def d(self) -> int:
        return self.means.shape[1]

    def sample(self, size: int, rng: np.random.Generator) -> NDArray[np.float64]:
        """``size`` draws from the mixture, shape (size, d)."""
        comp = rng.choice(self.n, size=size, p=self.weights)
        return self.means[comp] + np.sqrt(self.variances[comp]) * rng.standard_normal((size, self.d))


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate with its standard error and a confidence interval."""

    value: float
    stderr: float
    low: float
    high: float
    n_samples: int
    level: float = 0.95

    @classmethod
    def normal(cls, value: float, stderr: float, n_samples: int, level: float = 0.95) -> "Estimate":
        """value ± z·stderr, the normal-theory interval at ``level``."""
        z = float(stats.norm.ppf(0.5 + level / 2))
        return cls(float(value), float(stderr), value - z * stderr, value + z * stderr, int(n_samples), level)

    def affine(self, offset: float, sign: float = 1.0) -> "Estimate":
        """The estimate of ``offset + sign * value`` (sign ±1): same error, interval mapped along."""
        ends = sorted((offset + sign * self.low, offset + sign * self.high))
        return Estimate(offset + sign * self.value, self.stderr, ends[0], ends[1], self.n_samples, self.level)

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "stderr": self.stderr, "ci_low": self.low, "ci_high": self.high,
                "n_samples": self.n_samples, "level": self.level}


def logsumexp_rows(a: NDArray[np.float64], axis: int = -1, *, overwrite: bool = False) -> NDArray[np.float64]:
    """log Σ exp(a) along ``axis``, shifted by the maximum (rows of -inf give -inf).

    The same quantity as ``scipy.special.logsumexp`` without its general-purpose
    overhead, which dominates on (rows x N) blocks.  ``overwrite=True`` lets it
    use ``a`` as scratch space.
    """
    top = a.max(axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0.0)
    work = a if overwrite else np.empty_like(a)
    np.subtract(a, top, out=work)
    np.exp(work, out=work)
    with np.errstate(divide="ignore"):
        return np.log(work.sum(axis=axis)) + np.squeeze(top, axis=axis)


def mixture_moments(weights: ArrayLike, means: ArrayLike,
                    variances: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean and covariance of Σ_i w_i N(m_i, diag v_i), batched (the moments that
    theorem `moments_match_1d` uses).

    Σ̄ = Σ_i w_i (diag v_i + m_i m_iᵀ) - μ̄ μ̄ᵀ, computed as the weighted covariance
    of the means plus the average diagonal variance.

    Parameters
    ----------
    weights : array_like, shape (..., N)
    means, variances : array_like, shape (..., N, d)

    Returns
    -------
    mean : ndarray, shape (..., d)
    cov : ndarray, shape (..., d, d)
    """
    w = np.asarray(weights, dtype=np.float64)
    m = np.asarray(means, dtype=np.float64)
    v = np.asarray(variances, dtype=np.float64)
    mu = np.einsum("...n,...nd->...d", w, m)
    centered = m - mu[..., None, :]
    cov = np.einsum("...n,...ni,...nj->...ij", w, centered, centered)
    d = m.shape[-1]
    cov[..., np.arange(d), np.arange(d)] += np.einsum("...n,...nd->...d", w, v)
    return mu, cov


def moments(mix: DiagonalMixture) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean (d,) and covariance (d, d) of the mixture; see :func:`mixture_moments`."""
    return mixture_moments(mix.weights, mix.means, mix.variances)


def moment_matched_kl(mix: DiagonalMixture, *, diagonal: bool = False, prior: Prior = Prior()) -> float:
    """KL(G || p) for G = N(μ̄, Σ̄) (``diagonal=True``: N(μ̄, diag Σ̄)).

    KL(diag G || p) <= KL(G || p) <= KL(q̄ || p) (theorem `hadamard_2d`, theorem `moment_matching`).
    """
    mu, cov = moments(mix)
    pm, pv = prior.arrays(mix.d)
    if diagonal:
        return float(kl_diag(mu, np.diag(cov), pm, pv))
    scale = 1.0 / np.sqrt(pv)  # whiten by the prior: KL is invariant under the same affine map
    return float(kl_full_standard((mu - pm) * scale, cov * np.outer(scale, scale)))


def avg_kl(mix: DiagonalMixture, *, prior: Prior = Prior()) -> float:
    """Σ_i w_i KL(q_i || p): the VAE's latent loss."""
    pm, pv = prior.arrays(mix.d)
    return float(mix.weights @ kl_diag(mix.means, mix.variances, pm, pv))


def entropy_of_weights(weights: ArrayLike) -> float:
    """H(w) = -Σ w_i log w_i (nats), with 0 log 0 = 0; at most log N."""
    w = np.asarray(weights, dtype=np.float64)
    return float(-special.xlogy(w, w).sum())


def _chunk_rows(n_cols: int, chunk_bytes: int) -> int:
    return max(1, chunk_bytes // (8 * max(n_cols, 1) * 3))


def log_density(mix: DiagonalMixture, z: ArrayLike, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> NDArray[np.float64]:
    """log q̄(z) = logsumexp_i(log w_i + log q_i(z)) at points z, shape (S, d) -> (S,).

    The squared Mahalanobis distances expand into matrix products,
    (z²)(1/v)ᵀ - 2 z (m/v)ᵀ + Σ_j m²/v, done as one product of [z², z]; rows are processed in chunks so that
    no (S x N) matrix larger than ``chunk_bytes`` exists at once.
    """
    z = require_finite("z", as_real_array("z", z, ndim=2))
    if z.shape[1] != mix.d:
        raise ValueError(f"z has {z.shape[1]} coordinates but the mixture has d = {mix.d}")
    inv_v = 1.0 / mix.variances                                                    # (N, d)
    # -½ Σ_j (z_j - m_j)²/v_j = [z², z] · [-½/v, m/v]ᵀ - ½ Σ_j m_j²/v_j: one matrix product
    coef = np.concatenate([-0.5 * inv_v, mix.means * inv_v], axis=1).T             # (2d, N)
    const = (np.log(mix.weights, where=mix.weights > 0, out=np.full(mix.n, -np.inf))
             - 0.5 * (mix.d * np.log(2 * np.pi) + np.log(mix.variances).sum(1) + (mix.means**2 * inv_v).sum(1)))
    out = np.empty(z.shape[0])
    rows = _chunk_rows(mix.n, chunk_bytes)
    for start in range(0, z.shape[0], rows):
        zc = z[start:start + rows]
        a = np.concatenate([zc * zc, zc], axis=1) @ coef
        a += const
        out[start:start + rows] = logsumexp_rows(a, axis=1, overwrite=True)
    return out


def _log_prior(z: NDArray[np.float64], prior: Prior) -> NDArray[np.float64]:
    """log p(z) for points z of shape (..., d) -> (...)."""
    pm, pv = prior.arrays(z.shape[-1])
    return -0.5 * (np.log(2 * np.pi * pv).sum() + (((z - pm) ** 2) / pv).sum(axis=-1))


def log_density_ratio(mix: DiagonalMixture, z: ArrayLike, *, prior: Prior = Prior(),
                      chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> NDArray[np.float64]:
    """log q̄(z) - log p(z), shape (S, d) -> (S,)."""
    z = np.asarray(z, dtype=np.float64)
    return log_density(mix, z, chunk_bytes=chunk_bytes) - _log_prior(z, prior)


def stratified_counts(weights: NDArray[np.float64], n_samples: int) -> NDArray[np.int64]:
    """Draws per component for stratified sampling: proportional to w_i, with a floor.

    The floor, ``clip(n_samples // 4N, 2, 30)``, gives each component enough draws
    for its variance estimate to be usable (with 2 draws a light component's
    standard error is often far too small).  The counts sum to ``n_samples``,
    or slightly more when the floors need it.
    """
    raw = weights * n_samples
    floor = int(np.clip(n_samples // (4 * weights.size), 2, 30))
    counts = np.maximum(floor, np.floor(raw)).astype(np.int64)
    short = n_samples - int(counts.sum())
    if short > 0:
        counts[np.argsort(raw - np.floor(raw))[::-1][:short]] += 1
    return counts


def _monte_carlo(mix: DiagonalMixture, n_samples: int, rng: np.random.Generator,
                 f: Callable[[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]], NDArray[np.float64]],
                 *, level: float, chunk_samples: int, progress: Callable[[int], None] | None) -> Estimate:
    """E_{i ~ w, z ~ q_i}[f(z, i, eps)] by Monte Carlo with a normal-theory interval.

    With ``n_samples >= 2N`` the draws are stratified by component (proportional
    allocation with a floor, :func:`stratified_counts`) and the estimate is Σ_i w_i mean_i with
    variance Σ_i w_i² s_i² / n_i: no component, however light, goes unseen, which
    plain sampling cannot promise and its standard error cannot reveal.  Otherwise the
    component index is drawn with probability w_i.
    """
    if not isinstance(n_samples, (int, np.integer)) or isinstance(n_samples, bool) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2, got {n_samples!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    stratified = n_samples >= 2 * mix.n
    if stratified:
        comp_all = np.repeat(np.arange(mix.n), stratified_counts(mix.weights, n_samples))
    else:
        comp_all = rng.choice(mix.n, size=n_samples, p=mix.weights)
    total = comp_all.size
    sums = np.zeros(mix.n)
    sq = np.zeros(mix.n)
    shift = None
    for start in range(0, total, chunk_samples):
        comp = comp_all[start:start + chunk_samples]
        eps = rng.standard_normal((comp.size, mix.d))
        z = mix.means[comp] + np.sqrt(mix.variances[comp]) * eps
        values = f(z, comp, eps)
        if shift is None:
            shift = float(values.mean())  # shifted sums keep the variance accurate
        values = values - shift
        sums += np.bincount(comp, weights=values, minlength=mix.n)
        sq += np.bincount(comp, weights=values * values, minlength=mix.n)
        if progress is not None:
            progress(comp.size)
    if stratified:
        counts = np.bincount(comp_all, minlength=mix.n)
        means = sums / counts
        var_i = np.maximum(sq / counts - means**2, 0.0) * counts / (counts - 1)
        value = shift + float(mix.weights @ means)
        se = float(np.sqrt(np.sum(mix.weights**2 * var_i / counts)))
    else:
        mean = float(sums.sum()) / total
        var = max(float(sq.sum()) / total - mean**2, 0.0) * total / (total - 1)
        value, se = shift + mean, float(np.sqrt(var / total))
    return Estimate.normal(value, se, total, level)


def kl_monte_carlo(mix: DiagonalMixture, n_samples: int, rng: np.random.Generator, *, prior: Prior = Prior(),
                   level: float = 0.95, chunk_samples: int = 4096, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                   progress: Callable[[int], None] | None = None) -> Estimate:
    """Monte Carlo KL(q̄ || p) = E_q̄[log q̄(z) - log p(z)] with a 95% interval.

    Stratified by component when ``n_samples >= 2N`` (see :func:`_monte_carlo`);
    draws are scored ``chunk_samples`` at a time, so memory stays bounded, and
    ``progress(k)`` is called with the number scored in each chunk.
    """
    return _monte_carlo(mix, n_samples, rng,
                        lambda z, comp, eps: log_density_ratio(mix, z, prior=prior, chunk_bytes=chunk_bytes),
                        level=level, chunk_samples=chunk_samples, progress=progress)


# --- one dimension: deterministic quadrature ---------------------------------------

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(20)


def kl_quadrature_1d(weights: ArrayLike, means: ArrayLike, variances: ArrayLike, *, prior: Prior = Prior(),
                     panels_per_sd: float = 0.25, reach: float = 10.0) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """KL(q̄ || p) for a batch of one-dimensional mixtures, by Gauss-Legendre quadrature.

    ∫ q̄ log(q̄/p) over [min(m - reach·s), max(m + reach·s)] (beyond it q̄ has
    mass below 1e-22), cut into equal panels no wider than 1/``panels_per_sd``
    of the narrowest component's standard deviation, 20 nodes per panel.
    The error estimate is the change when the panel width is halved.

    Parameters
    ----------
    weights, means, variances : array_like, shape (..., N)
        One mixture per leading index.

    Returns
    -------
    value, error : ndarray, shape (...)
    """
    def integrand(x, log_wq, logq, logw):                 # q̄ log(q̄/p) at the nodes
        return np.exp(logq) * (logq - _log_prior(x[..., None], prior))

    return _quadrature_1d(integrand, weights, means, variances, panels_per_sd, reach)


def mutual_information_quadrature_1d(weights: ArrayLike, means: ArrayLike, variances: ArrayLike, *,
                                     panels_per_sd: float = 0.25,
                                     reach: float = 10.0) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """I(i; z) = Σ_i w_i KL(q_i || q̄) for one-dimensional mixtures, by the same quadrature.

    A route to the gap that does not pass through the prior: by the gap
    identity it equals avg KL - KL(q̄ || p) (theorem `gap_identity`).  Shapes as in
    :func:`kl_quadrature_1d`.
    """
    def integrand(x, log_wq, logq, logw):                 # Σ_i w_i q_i log(q_i/q̄) at the nodes
        log_qi = log_wq - logw[:, None, :]
        terms = np.exp(log_wq) * (log_qi - logq[:, :, None])
        return np.where(np.isfinite(log_wq), terms, 0.0).sum(axis=2)     # zero weights contribute nothing

    return _quadrature_1d(integrand, weights, means, variances, panels_per_sd, reach)


def _quadrature_1d(integrand, weights, means, variances, panels_per_sd, reach):
    w = require_finite("weights", np.asarray(weights, dtype=np.float64))
    m = require_finite("means", np.asarray(means, dtype=np.float64))
    v = require_positive("variances", np.asarray(variances, dtype=np.float64))
    w, m, v = np.broadcast_arrays(w, m, v)
    batch = m.shape[:-1]
    w, m, v = (np.ascontiguousarray(a.reshape(-1, a.shape[-1])) for a in (w, m, v))
    value = np.empty(m.shape[0])
    error = np.empty(m.shape[0])
    rows = 256
    for start in range(0, m.shape[0], rows):
        sl = slice(start, start + rows)
        fine = _gauss_legendre(integrand, w[sl], m[sl], v[sl], 2 * panels_per_sd, reach)
        coarse = _gauss_legendre(integrand, w[sl], m[sl], v[sl], panels_per_sd, reach)
        value[sl], error[sl] = fine, np.abs(fine - coarse)
    return value.reshape(batch), error.reshape(batch)


def _gauss_legendre(integrand, w, m, v, panels_per_sd, reach, max_points=2**22):
    """Composite Gauss-Legendre ∫ integrand for a block of mixtures, shape (B, N) -> (B,).

    ``integrand(x, log(w_i q_i(x)), log q̄(x), log w)`` is evaluated on blocks of
    panels so that no more than ``max_points`` (node x component) values exist at once.
    """
    s = np.sqrt(v)
    lo = (m - reach * s).min(axis=1)
    hi = (m + reach * s).max(axis=1)
    n_panels = max(1, int(np.ceil(((hi - lo) / s.min(axis=1)).max() * panels_per_sd)))
    width = (hi - lo) / n_panels                                                   # (B,)
    with np.errstate(divide="ignore"):
        logw = np.log(w)
    const = logw - 0.5 * np.log(2 * np.pi * v)                                     # (B, N)
    block = max(1, max_points // (_GL_NODES.size * m.shape[0] * m.shape[1]))
    total = np.zeros(m.shape[0])
    for first in range(0, n_panels, block):
        panels = np.arange(first, min(first + block, n_panels))
        unit = (panels[:, None] + (_GL_NODES + 1) / 2).ravel()                     # (X,)
        x = lo[:, None] + width[:, None] * unit                                    # (B, X)
        a = const[:, None, :] - (x[:, :, None] - m[:, None, :]) ** 2 / (2 * v[:, None, :])   # (B, X, N)
        logq = logsumexp_rows(a, axis=2)
        with np.errstate(invalid="ignore"):
            total += integrand(x, a, logq, logw) @ np.tile(_GL_WEIGHTS, panels.size)
    return total * (0.5 * width)


# --- pairwise-distance bounds -------------------------------------------------------

def pairwise_kl(mix: DiagonalMixture, rows: slice = slice(None)) -> NDArray[np.float64]:
    """D_ij = KL(q_i || q_j) for i in ``rows`` and every j, shape (len(rows), N), by matrix products.

    ½ Σ_k [log v_jk - log v_ik + (v_ik + m_ik² - 2 m_ik m_jk + m_jk²)/v_jk - 1].
    """
    m, v = mix.means, mix.variances
    mi, vi = m[rows], v[rows]
    inv_v = 1.0 / v
    logv = np.log(v).sum(1)
    out = (vi + mi * mi) @ inv_v.T - 2.0 * mi @ (m * inv_v).T + ((m * m) * inv_v).sum(1)
    out += logv[None, :] - logv[rows, None] - mix.d
    return 0.5 * out


def pairwise_bhattacharyya(mix: DiagonalMixture, rows: slice | NDArray[np.int64] = slice(None)) -> NDArray[np.float64]:
    """BD_ij for i in ``rows`` and every j, shape (len(rows), N).

    ⅛ Σ_k (m_ik - m_jk)²/v̄_k + ½ Σ_k log(v̄_k / sqrt(v_ik v_jk)), v̄ = (v_i + v_j)/2,
    evaluated by a compiled kernel (no (rows x N x d) temporary).
    """
    m, v = mix.means, mix.variances
    half_logdet = 0.5 * np.log(v).sum(1)
    mi, vi = np.ascontiguousarray(m[rows]), np.ascontiguousarray(v[rows])
    out = np.empty((mi.shape[0], mix.n))
    bhattacharyya_block(mi, vi, m, v, half_logdet[rows], half_logdet, log_group_size(v), out)
    return out


def pairwise_row_terms(mix: DiagonalMixture, rows: NDArray[np.int64], *, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                       progress: Callable[[int], None] | None = None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """log Σ_j w_j e^{-D_ij} and log Σ_j w_j e^{-BD_ij} for each row i in ``rows``, shape (len(rows),) each.

    Rows of the N x N matrices are formed a chunk at a time.
    """
    logw = np.log(mix.weights, where=mix.weights > 0, out=np.full(mix.n, -np.inf))
    lower = np.empty(rows.size)
    upper = np.empty(rows.size)
    block = max(1, chunk_bytes // (8 * mix.n * 4))
    for start in range(0, rows.size, block):
        idx = rows[start:start + block]
        lower[start:start + block] = logsumexp_rows(logw[None, :] - pairwise_kl(mix, idx), axis=1)
        upper[start:start + block] = logsumexp_rows(logw[None, :] - pairwise_bhattacharyya(mix, idx), axis=1)
        if progress is not None:
            progress(idx.size)
    return lower, upper


def pairwise_bounds(mix: DiagonalMixture, *, prior: Prior = Prior(), chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                    progress: Callable[[int], None] | None = None) -> tuple[float, float]:
    """Deterministic lower and upper bounds on KL(q̄ || p) (Kolchinsky and Tracey 2017).

    avg KL + Σ_i w_i log Σ_j w_j e^{-D_ij} <= KL(q̄ || p) <= avg KL + Σ_i w_i log Σ_j w_j e^{-BD_ij}.
    """
    base = avg_kl(mix, prior=prior)
    lower, upper = pairwise_row_terms(mix, np.arange(mix.n), chunk_bytes=chunk_bytes, progress=progress)
    return base + float(mix.weights @ lower), base + float(mix.weights @ upper)


def mutual_information(avg: float, kl_aggregate: Estimate | float) -> Estimate | float:
    """I(i; z) = avg KL - KL(q̄ || p) (theorem `gap_identity`); an interval maps to an interval."""
    if isinstance(kl_aggregate, Estimate):
        return kl_aggregate.affine(avg, -1.0)
    return avg - float(kl_aggregate)


def kl_monte_carlo_batch(weights: ArrayLike, means: ArrayLike, variances: ArrayLike, n_samples: int,
                         rng: np.random.Generator, *, prior: Prior = Prior(),
                         level: float = 0.95) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Monte Carlo KL(q̄ || p) for many small mixtures at once.

    Parameters
    ----------
    weights : array_like, shape (T, N)
    means, variances : array_like, shape (T, N, d)
    n_samples : int
        Draws per mixture.

    Returns
    -------
    value, stderr : ndarray, shape (T,)
    """
    w = np.asarray(weights, dtype=np.float64)
    m = np.asarray(means, dtype=np.float64)
    v = require_positive("variances", np.asarray(variances, dtype=np.float64))
    t, n, d = m.shape
    prior.arrays(d)  # validate the prior against d before any work
    values = np.empty(t)
    errors = np.empty(t)
    rows = max(1, (2**23) // (n_samples * n * d))
    cum = np.cumsum(w, axis=1)
    for start in range(0, t, rows):
        sl = slice(start, start + rows)
        u = rng.random((cum[sl].shape[0], n_samples))
        comp = (u[:, :, None] > cum[sl, None, :]).sum(axis=2).clip(max=n - 1)       # (B, S)
        mi = np.take_along_axis(m[sl], comp[:, :, None], axis=1)                    # (B, S, d)
        vi = np.take_along_axis(v[sl], comp[:, :, None], axis=1)
        z = mi + np.sqrt(vi) * rng.standard_normal(mi.shape)
        with np.errstate(divide="ignore"):
            logw = np.log(w[sl])
        a = logw[:, None, :] - 0.5 * (np.log(2 * np.pi * v[sl]).sum(2)[:, None, :]
                                      + ((z[:, :, None, :] - m[sl, None, :, :]) ** 2 / v[sl, None, :, :]).sum(3))
        logq = logsumexp_rows(a, axis=2)
        f = logq - _log_prior(z, prior)
        values[sl] = f.mean(axis=1)
        errors[sl] = f.std(axis=1, ddof=1) / np.sqrt(n_samples)
    return values, errors
