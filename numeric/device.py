"""The encodings computations where the arrays live: numpy, or torch on the CPU or a GPU.

Every function here is written against the array API standard (through
``array-api-compat``, the ``torch`` extra), so a torch tensor on ``cuda`` is
computed on ``cuda``: the hot loops (the [z², z] matrix product, the logsumexp,
the draws) run on the input's device and only final scalars, and the d-vectors of
per-dimension results, come back to the host.  torch is imported only when a
tensor is given or :meth:`DeviceMixture.from_numpy` asks for a device.

The prior is N(0, I).  Each formula is the one of its method's module, written once
against an array namespace and called by both routes: the checks
(:func:`numeric._validate.validate_mixture`), the log-density's coefficients and
normalizers and the prior (:mod:`numeric.density`), the stratified counts and the
estimator's combination and variance (:mod:`numeric.montecarlo`), the TC integrand
(:mod:`numeric.encodings`), the pairwise distances, the rounding margin and the bounds'
assembly (:mod:`numeric.bounds`), the moments and the variance of the means
(:mod:`numeric.moments`), avg KL and H(w) (:mod:`numeric.mixture`).  What is here is the
device's own: chunk sizes, the draws from a torch generator, per-component sums without
bincount, the float32 rounding bound and the transfer of final results to the host.
``tests/test_device.py`` checks that the routes agree; ``tests/test_one_formula.py`` that
a wrong variant planted in a shared formula moves both.

Precision.  Work is done in the mixture's dtype, float64 unless
``DeviceMixture.create(..., dtype="float32")``.  In float32 the log-density is
formed from the expansion (z - m)²/v = z²/v - 2zm/v + m²/v, whose rounding error
:func:`float32_log_density_bound` bounds; Monte Carlo sums are accumulated in
float64 in both cases.  The bound assumes IEEE float32 products: with TF32 matrix
products enabled (``torch.backends.cuda.matmul.allow_tf32``) it does not hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _xp, mixture
from ._validate import as_real_array, require_finite, require_sampling, validate_mixture
from .bounds import BoundsEstimate, bounds_from_row_terms, pairwise_distances
from .density import log_density_at_draws, log_normalizers, log_prior, log_term_coefficients, logsumexp_rows
from .encodings import ACTIVE_THRESHOLD, ROUTES, Decomposition, residuals, total_correlation_terms
from .estimate import Estimate
from .mixture import LOG_2PI, log_weights
from .moments import active_units as _count_active
from .moments import matched_gaussian_kl, matched_gaussian_kl_per_dimension, mixture_moments
from .moments import variance_of_means as _variance_of_means
from .montecarlo import draw_count, pooled_estimate, stratified_counts, stratified_estimate
from .quadrature import DEFAULT_TOLERANCE, kl_quadrature_1d

__all__ = ["DeviceMixture", "active_units", "avg_kl", "decompose", "dimwise_kl", "entropy_of_weights",
           "float32_log_density_bound", "kl_monte_carlo", "log_density", "mutual_information_monte_carlo",
           "pairwise_bounds", "variance_of_means"]

_CPU_CHUNK_BYTES = 64 * 2**20
_GPU_CHUNK_BYTES = 1024 * 2**20


@dataclass(frozen=True)
class DeviceMixture:
    """Σ_i w_i N(means[i], diag variances[i]) held as arrays of one namespace on one device.

    Parameters
    ----------
    means : array, shape (N, d)
    variances : array, shape (N, d), all > 0
    weights : array, shape (N,), nonnegative, summing to one
    xp : the arrays' namespace (``array_api_compat.torch``, ``numpy``, ...)
    """

    means: Any
    variances: Any
    weights: Any
    xp: ModuleType = field(repr=False)

    @classmethod
    def create(cls, means: Any, var: Any = None, *, logvar: Any = None, weights: Any = None,
               dtype: str = "float64", names: tuple[str, str] | None = None) -> "DeviceMixture":
        """Validate and build on the device of ``means``; uniform weights when ``weights`` is None.

        ``dtype`` is the working precision, "float64" (default) or "float32".  ``names``
        name the means and the spread given in error messages (e.g. ``("mu", "logvar")``).
        The checks are :func:`numeric._validate.validate_mixture`'s, as for :class:`numeric.DiagonalMixture`.
        """
        xp = _xp.namespace(means, var, logvar, weights)
        if xp is np:
            import array_api_compat.numpy as xp
        if dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
        m, v, w = validate_mixture(means, var, logvar=logvar, weights=weights, names=names, dtype=getattr(xp, dtype),
                                   on_device=True)
        return cls(m, v, w, xp)

    @classmethod
    def from_numpy(cls, means: NDArray[np.float64], variances: NDArray[np.float64], weights: NDArray[np.float64],
                   device: str, *, dtype: str = "float64") -> "DeviceMixture":
        """Copy host arrays (e.g. a validated :class:`numeric.DiagonalMixture`'s) to a torch ``device``."""
        try:
            import torch
        except ImportError:
            raise ImportError("a torch device needs torch: pip install 'vae-kl-audit[torch]'") from None
        dev = torch.device(device)
        to = lambda a: torch.as_tensor(np.asarray(a, dtype=np.float64), device=dev)  # noqa: E731
        return cls.create(to(means), to(variances), weights=to(weights), dtype=dtype)

    @property
    def n(self) -> int:
        return int(self.means.shape[0])

    @property
    def d(self) -> int:
        return int(self.means.shape[1])

    @property
    def device(self) -> Any:
        return _xp.device_of(self.means)

    def log_weights(self) -> Any:
        """log w_i, -inf where w_i = 0, shape (N,) (:func:`numeric.mixture.log_weights`)."""
        return log_weights(self.weights)


# --- closed forms and moments ---------------------------------------------------------

def avg_kl(mix: DeviceMixture) -> float:
    """Σ_i w_i KL(q_i || N(0, I)), the VAE's latent loss: :func:`numeric.avg_kl` on the device."""
    return mixture.avg_kl(mix)


def avg_kl_per_dim(mix: DeviceMixture) -> NDArray[np.float64]:
    """Σ_i w_i KL(q_ij || N(0, 1)) for each dimension j, shape (d,) on the host (:func:`numeric.mixture.avg_kl_per_dimension`)."""
    return _xp.to_host(mixture.avg_kl_per_dimension(mix))


def variance_of_means(mix: DeviceMixture) -> Any:
    """Σ_i w_i (m_ij - m̄_j)² per dimension, shape (d,) on the device (:func:`numeric.moments.variance_of_means`)."""
    return _variance_of_means(mix.weights, mix.means)


def active_units(mix: DeviceMixture, threshold: float = ACTIVE_THRESHOLD) -> int:
    """Dimensions whose variance of the means exceeds ``threshold`` (0.01, as :mod:`numeric.encodings`)."""
    return _count_active(variance_of_means(mix), threshold)


def entropy_of_weights(mix: DeviceMixture) -> float:
    """H(w) = -Σ w_i log w_i, 0 log 0 = 0: the ceiling of I(i; z) (:func:`numeric.entropy_of_weights`)."""
    return mixture.entropy_of_weights(mix.weights)


# --- the mixture's log-density ---------------------------------------------------------

def _chunk_bytes(mix: DeviceMixture, chunk_bytes: int | None) -> int:
    if chunk_bytes is not None:
        return chunk_bytes
    return _CPU_CHUNK_BYTES if str(mix.device).startswith("cpu") else _GPU_CHUNK_BYTES


def _points(mix: DeviceMixture, z: Any) -> Any:
    """Points z, shape (S, d), checked, in the mixture's namespace, dtype and device."""
    z = require_finite("z", _xp.astype(as_real_array("z", z, like=mix.means, ndim=2), mix.means.dtype))
    if z.shape[1] != mix.d:
        raise ValueError(f"z has {z.shape[1]} coordinates but the mixture has d = {mix.d}")
    return z


def log_density(mix: DeviceMixture, z: Any, *, chunk_bytes: int | None = None) -> Any:
    """log q̄(z) = logsumexp_i(log w_i + log q_i(z)) at points z, shape (S, d) -> (S,), on z's device.

    -½ Σ_j (z_j - m_ij)²/v_ij is one matrix product of [z², z] with the coefficients of
    :func:`numeric.density.log_term_coefficients` plus a constant per component; rows of z
    go a chunk at a time so that no (rows x N) block exceeds ``chunk_bytes`` (64 MiB on
    the CPU, 1 GiB on a GPU by default).  numpy: :func:`numeric.log_density`.
    """
    return _log_density(mix, _points(mix, z), chunk_bytes)


def _log_density(mix: DeviceMixture, z: Any, chunk_bytes: int | None, coef: Any = None) -> Any:
    """:func:`log_density` at points already checked; ``coef`` the mixture's coefficients when at hand."""
    xp, d = mix.xp, mix.d
    if coef is None:
        coef = log_term_coefficients(mix.means, mix.variances, mix.weights)                  # (2d + 1, N)
    itemsize = 4 if mix.means.dtype == xp.float32 else 8
    rows = max(1, _chunk_bytes(mix, chunk_bytes) // (itemsize * mix.n * 3))
    parts = []
    for start in range(0, z.shape[0], rows):
        zc = z[start:start + rows, :]
        a = xp.concat([zc * zc, zc], axis=1) @ coef[:2 * d, :]
        a += coef[2 * d, :]
        parts.append(logsumexp_rows(a, axis=1))
    return _xp.concat(parts)


def float32_log_density_bound(mix: DeviceMixture, z: Any) -> Any:
    """A bound on |log q̄(z) in float32 - log q̄(z) exact| from float32 rounding, shape (S,).

    With u = 2⁻²⁴, each exponent a_i(z) is a dot product of 2d terms plus a constant
    of d + 2 terms, formed from inputs rounded to float32; the standard bound
    γ_n = n·u/(1 - n·u) on an n-term sum, with the roundings of m, v, 1/v and the
    products, gives |δa_i| <= (2d + 8)·u·[Σ_j (|z_j| + |m_ij|)²/(2 v_ij) + Σ_j |log v_ij| + d·log 2π/2 + |log w_i|].
    logsumexp is 1-Lipschitz in the largest |δa_i| and adds (N + 4)·u·(1 + |log q̄|)
    of its own.  Evaluate it in float64 (``mix`` float64) at the same points.
    """
    xp = mix.xp
    u = 2.0**-24
    d = mix.d
    z = _points(mix, z)
    a_z = xp.abs(z)
    inv_v = 1.0 / mix.variances
    # Σ_j (|z_j| + |m_ij|)²/(2 v_ij) = ½[z² · (1/v)ᵀ + 2|z| · (|m|/v)ᵀ + Σ_j m²/v]
    quad = 0.5 * ((a_z * a_z) @ inv_v.T + 2.0 * a_z @ (xp.abs(mix.means) * inv_v).T
                  + xp.sum(mix.means * mix.means * inv_v, axis=1))
    rest = xp.sum(xp.abs(xp.log(mix.variances)), axis=1) + 0.5 * d * LOG_2PI + xp.abs(xp.where(
        mix.weights > 0, mix.log_weights(), 0.0))
    per_component = (2 * d + 8) * u * (quad + rest)
    logq = _log_density(mix, z, None)
    return xp.max(per_component, axis=1) + (mix.n + 4) * u * (1.0 + xp.abs(logq))


# --- Monte Carlo ----------------------------------------------------------------------

class _Draws:
    """Random numbers in the mixture's namespace, seeded from a numpy Generator.

    numpy arrays draw from ``rng`` itself, exactly as :mod:`numeric.montecarlo` does (same
    stream, same order), so the two routes give the same numbers; torch tensors draw
    from a ``torch.Generator`` on their device seeded with ``rng.integers(2**63 - 1)``.
    """

    def __init__(self, mix: DeviceMixture, rng: np.random.Generator):
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        self.xp, self.rng, self.mix = mix.xp, rng, mix
        self.numpy = isinstance(mix.means, np.ndarray)
        if not self.numpy:
            import array_api_compat

            if not array_api_compat.is_torch_array(mix.means):
                raise TypeError(f"Monte Carlo draws support numpy and torch arrays, got {type(mix.means).__name__}")
            import torch

            self.torch = torch
            self.gen = torch.Generator(device=mix.means.device)
            self.gen.manual_seed(int(rng.integers(2**63 - 1)))

    def normal(self, rows: int) -> Any:
        if self.numpy:
            return self.rng.standard_normal((rows, self.mix.d))
        return self.torch.randn((rows, self.mix.d), generator=self.gen, dtype=self.mix.means.dtype,
                                device=self.mix.means.device)

    def choice(self, size: int) -> Any:
        """Component indices drawn with probability w_i, shape (size,)."""
        if self.numpy:
            return self.rng.choice(self.mix.n, size=size, p=self.mix.weights)
        xp, w = self.xp, xp_float64(self.xp, self.mix.weights)
        cdf = xp.cumulative_sum(w)
        u = self.torch.rand((size,), generator=self.gen, dtype=w.dtype, device=w.device) * cdf[-1]
        return xp.clip(xp.searchsorted(cdf, u, side="right"), max=self.mix.n - 1)


def xp_float64(xp: ModuleType, a: Any) -> Any:
    """``a`` in float64 (:func:`numeric._xp.astype`)."""
    return _xp.astype(a, xp.float64)


def _expectation(mix: DeviceMixture, n_samples: int, rng: np.random.Generator,
                 f: Callable[[Any, Any, Any], Any], *, level: float, chunk_samples: int,
                 progress: Callable[[int], None] | None) -> Estimate:
    """E_{i ~ w, z ~ q_i}[f(z, i, eps)] with a normal-theory interval, on the mixture's device.

    The estimator of :func:`numeric.montecarlo.monte_carlo_expectation`: stratified by
    component (:func:`numeric.montecarlo.stratified_counts`) when ``n_samples >= 2N`` and
    combined by :func:`numeric.montecarlo.stratified_estimate`, else i drawn with probability
    w_i (:func:`numeric.montecarlo.pooled_estimate`).  What is the device's own: the draws,
    and the per-component sums, taken from differences of a cumulative sum over the sorted
    draws (the array API has no bincount), accumulated in float64 on the device.
    """
    require_sampling(n_samples, level, chunk_samples)
    xp, n = mix.xp, mix.n
    dev = mix.device
    draws = _Draws(mix, rng)
    weights = xp_float64(xp, mix.weights)
    stratified = n_samples >= 2 * n
    if stratified:
        counts = xp.asarray(stratified_counts(weights, n_samples), device=dev)
        ends = xp.cumulative_sum(counts)
        starts = ends - counts
        total = int(ends[-1])
    else:
        comp_all = xp.asarray(draws.choice(n_samples), device=dev)
        total = n_samples
    f64 = dict(dtype=xp.float64, device=dev)
    sums = xp.zeros((n,) if stratified else (), **f64)
    sq = xp.zeros((n,) if stratified else (), **f64)
    shift = None
    for start in range(0, total, chunk_samples):
        stop = min(start + chunk_samples, total)
        if stratified:
            comp = xp.searchsorted(ends, xp.arange(start, stop, dtype=ends.dtype, device=dev), side="right")
        else:
            comp = comp_all[start:stop]
        eps = draws.normal(stop - start)
        z = xp.take(mix.means, comp, axis=0) + xp.sqrt(xp.take(mix.variances, comp, axis=0)) * eps
        values = xp_float64(xp, f(z, comp, eps))
        if shift is None:
            shift = xp.mean(values)  # shifted sums keep the variance accurate
        values = values - shift
        if stratified:
            c1 = xp.cumulative_sum(values, include_initial=True)
            c2 = xp.cumulative_sum(values * values, include_initial=True)
            lo = xp.clip(starts - start, min=0, max=stop - start)
            hi = xp.clip(ends - start, min=0, max=stop - start)
            sums = sums + (xp.take(c1, hi) - xp.take(c1, lo))
            sq = sq + (xp.take(c2, hi) - xp.take(c2, lo))
        else:
            sums = sums + xp.sum(values)
            sq = sq + xp.sum(values * values)
        if progress is not None:
            progress(stop - start)
    if stratified:
        return stratified_estimate(weights, xp.astype(counts, xp.float64), sums, sq, shift, level=level)
    return pooled_estimate(total, sums, sq, shift, level=level)


def kl_monte_carlo(mix: DeviceMixture, n_samples: int, rng: np.random.Generator, *, level: float = 0.95,
                   chunk_samples: int = 4096, chunk_bytes: int | None = None,
                   progress: Callable[[int], None] | None = None) -> Estimate:
    """Monte Carlo KL(q̄ || N(0, I)) = E_q̄[log q̄(z) - log p(z)] with an interval, on the mixture's device.

    numpy: :func:`numeric.kl_monte_carlo` (the same estimator; for numpy arrays the same draws);
    log p is :func:`numeric.density.log_prior`.
    """
    coef = log_term_coefficients(mix.means, mix.variances, mix.weights)
    return _expectation(mix, n_samples, rng, lambda z, comp, eps: _log_density(mix, z, chunk_bytes, coef) - log_prior(z),
                        level=level, chunk_samples=chunk_samples, progress=progress)


def mutual_information_monte_carlo(mix: DeviceMixture, n_samples: int, rng: np.random.Generator, *,
                                   level: float = 0.95, chunk_samples: int = 4096, chunk_bytes: int | None = None,
                                   progress: Callable[[int], None] | None = None) -> Estimate:
    """I(i; z) = E_{i ~ w, z ~ q_i}[log q_i(z) - log q̄(z)] with an interval, on the mixture's device.

    numpy: :func:`numeric.mutual_information_monte_carlo`; log q_i(z) at a draw is
    :func:`numeric.density.log_density_at_draws`.
    """
    xp = mix.xp
    coef = log_term_coefficients(mix.means, mix.variances, mix.weights)
    normalizers = log_normalizers(mix.variances)

    def f(z, comp, eps):
        return log_density_at_draws(xp.take(normalizers, comp), eps) - _log_density(mix, z, chunk_bytes, coef)

    return _expectation(mix, n_samples, rng, f, level=level, chunk_samples=chunk_samples, progress=progress)


# --- one dimension at a time ------------------------------------------------------------

def total_correlation_monte_carlo(mix: DeviceMixture, n_samples: int, rng: np.random.Generator, *,
                                  level: float = 0.95, chunk_samples: int = 4096, chunk_bytes: int | None = None,
                                  progress: Callable[[int], None] | None = None) -> Estimate:
    """TC = E_q̄[log q̄(z) - Σ_j log q̄_j(z_j)] with an interval, on the mixture's device.

    The integrand is :func:`numeric.encodings.total_correlation_terms`, each marginal q̄_j
    scored as a one-dimensional mixture.  numpy: :func:`numeric.encodings.total_correlation_monte_carlo`.
    """
    def f(z, comp, eps):
        return total_correlation_terms(mix, z, lambda q, x: _log_density(q, x, chunk_bytes))

    return _expectation(mix, n_samples, rng, f, level=level, chunk_samples=chunk_samples, progress=progress)


def dimwise_kl(mix: DeviceMixture, *, panels_per_sd: float = 0.125, reach: float = 10.0,
               tol: float = DEFAULT_TOLERANCE, progress: Callable[[int], None] | None = None
               ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """KL(q̄_j || N(0, 1)) for each latent dimension j by 1-D quadrature on the device, with an error estimate.

    The quadrature of :func:`numeric.kl_quadrature_1d` itself, given the device's arrays: the d
    dimensions are its batch, and the log-sums at the nodes run on the mixture's device.
    Cost: about (nodes) x N exponentials per dimension, the nodes set by the components' spreads
    and ``tol``.

    Returns
    -------
    value, error : ndarray, shape (d,), on the host
    """
    xp = mix.xp
    w = xp_float64(xp, mix.weights)
    means, variances = xp_float64(xp, mix.means).T, xp_float64(xp, mix.variances).T      # (d, N)
    weights = xp.broadcast_to(w[None, :], means.shape)
    return kl_quadrature_1d(weights, means, variances, panels_per_sd=panels_per_sd, reach=reach, tol=tol,
                            progress=progress)


# --- pairwise bounds ----------------------------------------------------------------------

def _pairwise_row_terms(mix: DeviceMixture, rows: Any, chunk_bytes: int | None,
                        progress: Callable[[int], None] | None) -> tuple[Any, Any]:
    """log Σ_j w_j e^{-D_ij} and log Σ_j w_j e^{-BD_ij} for i in ``rows`` (numpy: :func:`numeric.bounds.pairwise_row_terms`).

    D and BD are :func:`numeric.bounds.pairwise_distances`, over (rows x N x d) blocks of at
    most ``chunk_bytes``.
    """
    xp = mix.xp
    logw = mix.log_weights()
    itemsize = 4 if mix.means.dtype == xp.float32 else 8
    block = max(1, _chunk_bytes(mix, chunk_bytes) // (itemsize * mix.n * mix.d * 4))
    lower, upper = [], []
    for start in range(0, rows.shape[0], block):
        idx = rows[start:start + block]
        kl, bd = pairwise_distances(xp.take(mix.means, idx, axis=0), xp.take(mix.variances, idx, axis=0),
                                    mix.means, mix.variances)
        lower.append(logsumexp_rows(logw[None, :] - kl, axis=1))
        upper.append(logsumexp_rows(logw[None, :] - bd, axis=1))
        if progress is not None:
            progress(int(idx.shape[0]))
    return _xp.concat(lower), _xp.concat(upper)


def pairwise_bounds(mix: DeviceMixture, *, max_rows: int = 2048, rng: np.random.Generator | None = None,
                    chunk_bytes: int | None = None, progress: Callable[[int], None] | None = None) -> BoundsEstimate:
    """Kolchinsky-Tracey bounds on KL(q̄ || N(0, I)), over every row when N <= ``max_rows``, on the device.

    avg KL + Σ_i w_i log Σ_j w_j e^{-D_ij} <= KL(q̄ || p) <= avg KL + Σ_i w_i log Σ_j w_j e^{-BD_ij};
    beyond ``max_rows`` rows, that many are drawn with probability w_i and the standard
    errors of the mean over them are reported.  Combined and widened by the rounding margin
    in :func:`numeric.bounds.bounds_from_row_terms`.  numpy: :func:`numeric.pairwise_bounds_sampled`.
    """
    xp = mix.xp
    exact = mix.n <= max_rows
    if exact:
        rows = xp.arange(mix.n, device=mix.device)
        row_w = xp_float64(xp, mix.weights)
    else:
        draws = _Draws(mix, rng if rng is not None else np.random.default_rng(0))
        rows = xp.sort(xp.asarray(draws.choice(max_rows), device=mix.device))
        row_w = xp.full((max_rows,), 1.0 / max_rows, dtype=xp.float64, device=mix.device)
    lo_t, up_t = (xp_float64(xp, t) for t in _pairwise_row_terms(mix, rows, chunk_bytes, progress))
    return bounds_from_row_terms(mix, avg_kl(mix), rows, row_w, lo_t, up_t, exact=exact)


# --- everything the encodings report needs ------------------------------------------------

def decompose(mix: DeviceMixture, rng: np.random.Generator, *, n_samples: int = 20_000,
              max_bound_rows: int = 2048, progress: Callable[[str, int], Callable[[int], None]] | None = None
              ) -> Decomposition:
    """The report's numbers computed on the mixture's device (numpy: :func:`numeric.decompose`).

    Same streams as numpy's (``rng.spawn(4)`` for KL(q̄ || p), I(i; z), the bound rows and TC),
    the same estimators; the moments (:func:`numeric.moments.mixture_moments`) are formed on
    the device in float64 and their KL taken on the host (:func:`numeric.matched_gaussian_kl`).
    """
    xp = mix.xp
    bar = progress or (lambda label, total: None)
    require_sampling(n_samples, 0.95)
    draws = draw_count(mix.weights, n_samples)   # what the Monte Carlo stages tick
    avg = avg_kl(mix)
    kl_rng, mi_rng, bound_rng, tc_rng = rng.spawn(4)
    kl_agg = kl_monte_carlo(mix, n_samples, kl_rng, progress=bar("KL(qbar||p)", draws))
    mi = mutual_information_monte_carlo(mix, n_samples, mi_rng, progress=bar("I(i; z)", draws))
    tc = total_correlation_monte_carlo(mix, n_samples, tc_rng, progress=bar("total correlation", draws))
    bounds = pairwise_bounds(mix, max_rows=max_bound_rows, rng=bound_rng,
                             progress=bar("pairwise bounds", min(mix.n, max_bound_rows)))
    w, m, v = (xp_float64(xp, a) for a in (mix.weights, mix.means, mix.variances))
    mean, cov = (_xp.to_host(a) for a in mixture_moments(w, m, v))
    var_of_means = _xp.to_host(_variance_of_means(w, m))
    dimwise, dim_err = dimwise_kl(mix, progress=bar("dimension-wise KL", mix.d))
    residual, gap_residual = residuals(avg, kl_agg, mi, tc, float(dimwise.sum()), n_samples)
    return Decomposition(
        n=mix.n, d=mix.d, avg_kl=avg, kl_aggregate=kl_agg, bounds=bounds, mutual_information=mi,
        log_n=math.log(mix.n), total_correlation=tc, residual=residual, gap_residual=gap_residual,
        routes=dict(ROUTES),
        moment_matched_kl=matched_gaussian_kl(mean, cov),
        moment_matched_kl_diag=matched_gaussian_kl(mean, cov, diagonal=True),
        variance_of_means=var_of_means, active=var_of_means > ACTIVE_THRESHOLD, avg_kl_per_dim=avg_kl_per_dim(mix),
        dimwise_kl=dimwise, dimwise_error=dim_err,
        moment_matched_kl_per_dim=matched_gaussian_kl_per_dimension(mean, np.diag(cov)),
    )
