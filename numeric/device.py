"""The encodings computations where the arrays live: numpy, or torch on the CPU or a GPU.

Every function here is written against the array API standard (through
``array-api-compat``, the ``torch`` extra), so a torch tensor on ``cuda`` is
computed on ``cuda``: the hot loops (the [z², z] matrix product, the logsumexp,
the draws) run on the input's device and only final scalars, and the d-vectors of
per-dimension results, come back to the host.  torch is imported only when a
tensor is given or :meth:`DeviceMixture.from_numpy` asks for a device.

The prior is N(0, I).  Each function names the numpy function of ``numeric`` that
computes the same quantity; ``tests/test_device.py`` checks that they agree.

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

from . import _xp
from ._validate import WEIGHT_SUM_TOLERANCE
from .bounds import BoundsEstimate
from .encodings import ACTIVE_THRESHOLD, ROUTES, Decomposition
from .estimate import Estimate
from .gaussian import kl_diag, kl_full_standard
from .quadrature import DEFAULT_TOLERANCE, kl_quadrature_1d

__all__ = ["DeviceMixture", "active_units", "avg_kl", "decompose", "dimwise_kl", "entropy_of_weights",
           "float32_log_density_bound", "kl_monte_carlo", "log_density", "mutual_information_monte_carlo",
           "pairwise_bounds", "variance_of_means"]

_LOG_2PI = math.log(2 * math.pi)
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
               dtype: str = "float64", names: tuple[str, str] = ("means", "var")) -> "DeviceMixture":
        """Validate and build on the device of ``means``; uniform weights when ``weights`` is None.

        ``dtype`` is the working precision, "float64" (default) or "float32".  ``names``
        are the argument names used in error messages (e.g. ``("mu", "logvar")``).
        """
        xp = _xp.namespace(means, var, logvar, weights)
        if xp is np:
            import array_api_compat.numpy as xp
        if dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
        work = getattr(xp, dtype)
        mean_name, spread_name = names
        m = _xp.as_float(xp, mean_name, means, ndim=2)
        m = _xp.require_finite(xp, mean_name, xp.astype(m, work))
        if (var is None) == (logvar is None):
            raise TypeError(f"give exactly one of var and logvar, got {'both' if var is not None else 'neither'}")
        if var is not None:
            v = _xp.require_positive(xp, spread_name, xp.astype(_xp.as_float(xp, spread_name, var, like=m), work))
        else:
            lv = _xp.require_finite(xp, spread_name,
                                    xp.astype(_xp.as_float(xp, spread_name, logvar, like=m), work))
            v = xp.exp(lv)
            for bad, what in ((~xp.isfinite(v), f"overflows {dtype}"), (v == 0, "underflows to a zero variance")):
                if bool(xp.any(bad)):
                    value, where = _xp._first_bad(xp, lv, bad)
                    raise ValueError(f"{spread_name} = {value} at {where} {what}")
        if tuple(v.shape) != tuple(m.shape):
            raise ValueError(f"{mean_name} has shape {tuple(m.shape)} but {spread_name} has shape {tuple(v.shape)}")
        n, d = m.shape
        if n == 0:
            raise ValueError("the mixture has no components (N = 0)")
        if d == 0:
            raise ValueError("the mixture has zero dimensions (d = 0)")
        if weights is None:
            w = xp.full((n,), 1.0 / n, dtype=work, device=_xp.device_of(xp, m))
        else:
            w = _xp.require_finite(xp, "weights", xp.astype(_xp.as_float(xp, "weights", weights, like=m, ndim=1), work))
            if w.shape[0] != n:
                raise ValueError(f"weights has {w.shape[0]} entries but there are {n} components")
            if bool(xp.any(w < 0)):
                value, where = _xp._first_bad(xp, w, w < 0)
                raise ValueError(f"weights must be >= 0, got {value} at {where}")
            total = float(xp.sum(xp.astype(w, xp.float64)))
            if not abs(total - 1.0) <= WEIGHT_SUM_TOLERANCE:
                raise ValueError(f"weights must sum to 1 (within {WEIGHT_SUM_TOLERANCE:g}), got a sum of {total:.6g}")
            w = w / total
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
        return _xp.device_of(self.xp, self.means)

    def log_weights(self) -> Any:
        """log w_i, -inf where w_i = 0, shape (N,)."""
        xp = self.xp
        safe = xp.where(self.weights > 0, self.weights, xp.ones_like(self.weights))
        return xp.where(self.weights > 0, xp.log(safe), xp.full_like(self.weights, -math.inf))


# --- closed forms and moments ---------------------------------------------------------

def avg_kl(mix: DeviceMixture) -> float:
    """Σ_i w_i KL(q_i || N(0, I)), the VAE's latent loss (numpy: :func:`numeric.avg_kl`).

    The one formula of :func:`numeric.kl_diag`, evaluated on the device.
    """
    xp = mix.xp
    zero = xp.zeros((1,), dtype=mix.means.dtype, device=mix.device)
    return float(xp.sum(mix.weights * kl_diag(mix.means, mix.variances, zero, zero + 1.0)))


def avg_kl_per_dim(mix: DeviceMixture) -> NDArray[np.float64]:
    """Σ_i w_i KL(q_ij || N(0, 1)) for each dimension j, shape (d,) on the host."""
    xp = mix.xp
    zero = xp.zeros((1, 1, 1), dtype=mix.means.dtype, device=mix.device)
    per = kl_diag(mix.means[..., None], mix.variances[..., None], zero, zero + 1.0)      # (N, d)
    return _host(xp, xp.sum(mix.weights[:, None] * per, axis=0))


def variance_of_means(mix: DeviceMixture) -> Any:
    """Σ_i w_i (m_ij - m̄_j)² per dimension, shape (d,) on the device (numpy: ``Decomposition.variance_of_means``)."""
    xp = mix.xp
    centered = mix.means - xp.sum(mix.weights[:, None] * mix.means, axis=0)
    return xp.sum(mix.weights[:, None] * centered * centered, axis=0)


def active_units(mix: DeviceMixture, threshold: float = ACTIVE_THRESHOLD) -> int:
    """Dimensions whose variance of the means exceeds ``threshold`` (0.01, as :mod:`numeric.encodings`)."""
    xp = mix.xp
    return int(xp.sum(xp.astype(variance_of_means(mix) > threshold, xp.int64)))


def entropy_of_weights(mix: DeviceMixture) -> float:
    """H(w) = -Σ w_i log w_i, 0 log 0 = 0: the ceiling of I(i; z) (numpy: :func:`numeric.entropy_of_weights`)."""
    xp = mix.xp
    return float(-xp.sum(xp.where(mix.weights > 0, mix.weights * mix.log_weights(), xp.zeros_like(mix.weights))))


# --- the mixture's log-density ---------------------------------------------------------

def _chunk_bytes(mix: DeviceMixture, chunk_bytes: int | None) -> int:
    if chunk_bytes is not None:
        return chunk_bytes
    return _CPU_CHUNK_BYTES if str(mix.device).startswith("cpu") else _GPU_CHUNK_BYTES


def _logsumexp_rows(xp: ModuleType, a: Any) -> Any:
    """log Σ_k exp(a[:, k]), shifted by the row maximum (rows of -inf give -inf).

    torch's own fused ``logsumexp`` computes the same for tensors (about twice as fast on the CPU).
    """
    if hasattr(a, "logsumexp"):
        return a.logsumexp(dim=1)
    top = xp.max(a, axis=1, keepdims=True)
    top = xp.where(xp.isfinite(top), top, xp.zeros_like(top))
    return xp.log(xp.sum(xp.exp(a - top), axis=1)) + top[:, 0]


def log_density(mix: DeviceMixture, z: Any, *, chunk_bytes: int | None = None) -> Any:
    """log q̄(z) = logsumexp_i(log w_i + log q_i(z)) at points z, shape (S, d) -> (S,), on z's device.

    -½ Σ_j (z_j - m_ij)²/v_ij is one matrix product of [z², z] with the coefficients
    [-½/v, m/v] plus a constant per component; rows of z go a chunk at a time so that
    no (rows x N) block exceeds ``chunk_bytes`` (64 MiB on the CPU, 1 GiB on a GPU
    by default).  numpy: :func:`numeric.log_density`.
    """
    xp = mix.xp
    z = _xp.as_float(xp, "z", z, like=mix.means, ndim=2)
    if z.shape[1] != mix.d:
        raise ValueError(f"z has {z.shape[1]} coordinates but the mixture has d = {mix.d}")
    inv_v = 1.0 / mix.variances
    coef = xp.concat([-0.5 * inv_v, mix.means * inv_v], axis=1).T                       # (2d, N)
    const = mix.log_weights() - 0.5 * (mix.d * _LOG_2PI + xp.sum(xp.log(mix.variances), axis=1)
                                       + xp.sum(mix.means * mix.means * inv_v, axis=1))
    itemsize = 4 if mix.means.dtype == xp.float32 else 8
    rows = max(1, _chunk_bytes(mix, chunk_bytes) // (itemsize * mix.n * 3))
    parts = []
    for start in range(0, z.shape[0], rows):
        zc = z[start:start + rows, :]
        a = xp.concat([zc * zc, zc], axis=1) @ coef
        a += const
        parts.append(_logsumexp_rows(xp, a))
    return xp.concat(parts) if len(parts) > 1 else parts[0]


def _log_prior(xp: ModuleType, z: Any) -> Any:
    """log N(z; 0, I), shape (S, d) -> (S,)."""
    return -0.5 * (z.shape[1] * _LOG_2PI + xp.sum(z * z, axis=1))


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
    z = _xp.as_float(xp, "z", z, like=mix.means, ndim=2)
    a_z = xp.abs(z)
    inv_v = 1.0 / mix.variances
    # Σ_j (|z_j| + |m_ij|)²/(2 v_ij) = ½[z² · (1/v)ᵀ + 2|z| · (|m|/v)ᵀ + Σ_j m²/v]
    quad = 0.5 * ((a_z * a_z) @ inv_v.T + 2.0 * a_z @ (xp.abs(mix.means) * inv_v).T
                  + xp.sum(mix.means * mix.means * inv_v, axis=1))
    rest = xp.sum(xp.abs(xp.log(mix.variances)), axis=1) + 0.5 * d * _LOG_2PI + xp.abs(xp.where(
        mix.weights > 0, mix.log_weights(), xp.zeros_like(mix.weights)))
    per_component = (2 * d + 8) * u * (quad + rest)
    logq = log_density(mix, z)
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
    return a if a.dtype == xp.float64 else xp.astype(a, xp.float64)


def _stratified_counts(mix: DeviceMixture, n_samples: int) -> Any:
    """Draws per component: proportional to w_i with the floor clip(S // 4N, 2, 30), summing to S or a little more.

    numpy: :func:`numeric.montecarlo.stratified_counts` (used as is for numpy arrays).
    """
    xp = mix.xp
    if isinstance(mix.weights, np.ndarray):
        from .montecarlo import stratified_counts

        return stratified_counts(mix.weights, n_samples)
    raw = xp_float64(xp, mix.weights) * n_samples
    floor = int(np.clip(n_samples // (4 * mix.n), 2, 30))
    counts = xp.astype(xp.maximum(xp.floor(raw), xp.full_like(raw, floor)), xp.int64)
    short = n_samples - int(xp.sum(counts))
    if short > 0:
        order = xp.argsort(raw - xp.floor(raw), descending=True, stable=True)[:short]
        bump = xp.zeros_like(counts)
        bump[order] = 1
        counts = counts + bump
    return counts


def _expectation(mix: DeviceMixture, n_samples: int, rng: np.random.Generator,
                 f: Callable[[Any, Any, Any], Any], *, level: float, chunk_samples: int,
                 progress: Callable[[int], None] | None) -> Estimate:
    """E_{i ~ w, z ~ q_i}[f(z, i, eps)] with a normal-theory interval, on the mixture's device.

    Stratified by component when ``n_samples >= 2N`` (estimate Σ_i w_i mean_i, variance
    Σ_i w_i² s_i²/n_i), else i drawn with probability w_i: the estimator of
    :func:`numeric.montecarlo.monte_carlo_expectation`.  Per-component sums come from
    differences of a cumulative sum over the sorted draws (the array API has no bincount).
    """
    if not isinstance(n_samples, (int, np.integer)) or isinstance(n_samples, bool) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2, got {n_samples!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    if not isinstance(chunk_samples, (int, np.integer)) or chunk_samples < 1:
        raise ValueError(f"chunk_samples must be an integer >= 1, got {chunk_samples!r}")
    xp, n = mix.xp, mix.n
    dev = mix.device
    draws = _Draws(mix, rng)
    stratified = n_samples >= 2 * n
    if stratified:
        counts = xp.asarray(_stratified_counts(mix, n_samples), device=dev)
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
        cnt = xp.astype(counts, xp.float64)
        w = xp_float64(xp, mix.weights)
        means = sums / cnt
        var_i = xp.clip(sq / cnt - means * means, min=0.0) * cnt / (cnt - 1)
        value = float(shift + xp.sum(w * means))
        se = math.sqrt(float(xp.sum(w * w * var_i / cnt)))
    else:
        mean = float(sums) / total
        var = max(float(sq) / total - mean**2, 0.0) * total / (total - 1)
        value, se = float(shift) + mean, math.sqrt(var / total)
    return Estimate.normal(value, se, total, level)


def kl_monte_carlo(mix: DeviceMixture, n_samples: int, rng: np.random.Generator, *, level: float = 0.95,
                   chunk_samples: int = 4096, chunk_bytes: int | None = None,
                   progress: Callable[[int], None] | None = None) -> Estimate:
    """Monte Carlo KL(q̄ || N(0, I)) = E_q̄[log q̄(z) - log p(z)] with an interval, on the mixture's device.

    numpy: :func:`numeric.kl_monte_carlo` (the same estimator; for numpy arrays the same draws).
    """
    xp = mix.xp
    return _expectation(mix, n_samples, rng,
                        lambda z, comp, eps: log_density(mix, z, chunk_bytes=chunk_bytes) - _log_prior(xp, z),
                        level=level, chunk_samples=chunk_samples, progress=progress)


def mutual_information_monte_carlo(mix: DeviceMixture, n_samples: int, rng: np.random.Generator, *,
                                   level: float = 0.95, chunk_samples: int = 4096, chunk_bytes: int | None = None,
                                   progress: Callable[[int], None] | None = None) -> Estimate:
    """I(i; z) = E_{i ~ w, z ~ q_i}[log q_i(z) - log q̄(z)] with an interval, on the mixture's device.

    numpy: :func:`numeric.mutual_information_monte_carlo`.
    """
    xp = mix.xp
    half_log_det = 0.5 * (mix.d * _LOG_2PI + xp.sum(xp.log(mix.variances), axis=1))

    def f(z, comp, eps):
        log_qi = -xp.take(half_log_det, comp) - 0.5 * xp.sum(eps * eps, axis=1)
        return log_qi - log_density(mix, z, chunk_bytes=chunk_bytes)

    return _expectation(mix, n_samples, rng, f, level=level, chunk_samples=chunk_samples, progress=progress)


# --- one dimension at a time ------------------------------------------------------------

def total_correlation_monte_carlo(mix: DeviceMixture, n_samples: int, rng: np.random.Generator, *,
                                  level: float = 0.95, chunk_samples: int = 4096, chunk_bytes: int | None = None,
                                  progress: Callable[[int], None] | None = None) -> Estimate:
    """TC = E_q̄[log q̄(z) - Σ_j log q̄_j(z_j)] with an interval, on the mixture's device.

    Each marginal q̄_j is the one-dimensional mixture of coordinate j, scored by :func:`log_density`.
    numpy: :func:`numeric.encodings.total_correlation_monte_carlo`.
    """
    marginals = [DeviceMixture(mix.means[:, j:j + 1], mix.variances[:, j:j + 1], mix.weights, mix.xp)
                 for j in range(mix.d)]

    def f(z, comp, eps):
        joint = log_density(mix, z, chunk_bytes=chunk_bytes)
        for j, q_j in enumerate(marginals):
            joint = joint - log_density(q_j, z[:, j:j + 1], chunk_bytes=chunk_bytes)
        return joint

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

    D_ij = ½ Σ_k [log v_jk - log v_ik + (v_ik + m_ik² - 2 m_ik m_jk + m_jk²)/v_jk - 1] by matrix products;
    BD_ij = ⅛ Σ_k (m_ik - m_jk)²/v̄_k + ½ Σ_k log(v̄_k / sqrt(v_ik v_jk)), v̄ = (v_i + v_j)/2, elementwise
    over (rows x N x d) blocks of at most ``chunk_bytes``.
    """
    xp = mix.xp
    m, v = mix.means, mix.variances
    logw = mix.log_weights()
    inv_v = 1.0 / v
    logv = xp.log(v)
    logdet = xp.sum(logv, axis=1)
    itemsize = 4 if m.dtype == xp.float32 else 8
    block = max(1, _chunk_bytes(mix, chunk_bytes) // (itemsize * mix.n * mix.d * 3))
    lower, upper = [], []
    for start in range(0, rows.shape[0], block):
        idx = rows[start:start + block]
        mi, vi, lvi = xp.take(m, idx, axis=0), xp.take(v, idx, axis=0), xp.take(logv, idx, axis=0)
        kl = 0.5 * ((vi + mi * mi) @ inv_v.T - 2.0 * mi @ (m * inv_v).T + xp.sum(m * m * inv_v, axis=1)
                    + logdet[None, :] - xp.take(logdet, idx)[:, None] - mix.d)
        vbar = 0.5 * vi[:, None, :] + 0.5 * v[None, :, :]                                # (B, N, d), no overflow
        diff = mi[:, None, :] - m[None, :, :]
        bd = (0.125 * xp.sum(diff * diff / vbar, axis=2)
              + 0.5 * xp.sum(xp.log(vbar) - 0.5 * (lvi[:, None, :] + logv[None, :, :]), axis=2))
        lower.append(_logsumexp_rows(xp, logw[None, :] - kl))
        upper.append(_logsumexp_rows(xp, logw[None, :] - bd))
        if progress is not None:
            progress(int(idx.shape[0]))
    return xp.concat(lower), xp.concat(upper)


def pairwise_bounds(mix: DeviceMixture, *, max_rows: int = 2048, rng: np.random.Generator | None = None,
                    chunk_bytes: int | None = None, progress: Callable[[int], None] | None = None) -> BoundsEstimate:
    """Kolchinsky-Tracey bounds on KL(q̄ || N(0, I)), over every row when N <= ``max_rows``, on the device.

    avg KL + Σ_i w_i log Σ_j w_j e^{-D_ij} <= KL(q̄ || p) <= avg KL + Σ_i w_i log Σ_j w_j e^{-BD_ij};
    beyond ``max_rows`` rows, that many are drawn with probability w_i and the standard
    errors of the mean over them are reported.  numpy: :func:`numeric.pairwise_bounds_sampled`.
    """
    xp = mix.xp
    base = avg_kl(mix)
    exact = mix.n <= max_rows
    if exact:
        rows = xp.arange(mix.n, device=mix.device)
        row_w = xp_float64(xp, mix.weights)
    else:
        draws = _Draws(mix, rng if rng is not None else np.random.default_rng(0))
        rows = xp.sort(xp.asarray(draws.choice(max_rows), device=mix.device))
        row_w = xp.full((max_rows,), 1.0 / max_rows, dtype=xp.float64, device=mix.device)
    lo_t, up_t = (xp_float64(xp, t) for t in _pairwise_row_terms(mix, rows, chunk_bytes, progress))
    lower, upper = base + float(xp.sum(row_w * lo_t)), base + float(xp.sum(row_w * up_t))
    if exact:
        return BoundsEstimate(lower, upper, 0.0, 0.0, mix.n, True)
    se = lambda t: float(xp.std(t, correction=1)) / math.sqrt(max_rows)  # noqa: E731
    return BoundsEstimate(lower, upper, se(lo_t), se(up_t), int(max_rows), False)


# --- everything the encodings report needs ------------------------------------------------

def _host(xp: ModuleType, a: Any) -> NDArray[np.float64]:
    """A small final array (d-vector, d x d matrix) to the host as float64 numpy."""
    if isinstance(a, np.ndarray):
        return a.astype(np.float64)
    return np.asarray(xp_float64(xp, a).cpu())


def decompose(mix: DeviceMixture, rng: np.random.Generator, *, n_samples: int = 20_000,
              max_bound_rows: int = 2048, progress: Callable[[str, int], Callable[[int], None]] | None = None
              ) -> Decomposition:
    """The report's numbers computed on the mixture's device (numpy: :func:`numeric.decompose`).

    Same streams as numpy's (``rng.spawn(4)`` for KL(q̄ || p), I(i; z), the bound rows and TC),
    the same estimators; the moments' d x d covariance is formed on the device and its
    KL taken on the host by :func:`numeric.kl_full_standard`.
    """
    xp = mix.xp
    bar = progress or (lambda label, total: None)
    avg = avg_kl(mix)
    kl_rng, mi_rng, bound_rng, tc_rng = rng.spawn(4)
    kl_agg = kl_monte_carlo(mix, n_samples, kl_rng, progress=bar("KL(qbar||p)", n_samples))
    mi = mutual_information_monte_carlo(mix, n_samples, mi_rng, progress=bar("I(i; z)", n_samples))
    tc = total_correlation_monte_carlo(mix, n_samples, tc_rng, progress=bar("total correlation", n_samples))
    bounds = pairwise_bounds(mix, max_rows=max_bound_rows, rng=bound_rng,
                             progress=bar("pairwise bounds", min(mix.n, max_bound_rows)))
    w = xp_float64(xp, mix.weights)
    m = xp_float64(xp, mix.means)
    mean_j = xp.sum(w[:, None] * m, axis=0)
    centered = m - mean_j
    cov = centered.T @ (w[:, None] * centered)                                        # (d, d), on the device
    mean_var = xp.sum(w[:, None] * xp_float64(xp, mix.variances), axis=0)
    mean_h, cov_h, mean_var_h = _host(xp, mean_j), _host(xp, cov), _host(xp, mean_var)
    var_of_means = np.diag(cov_h).copy()
    cov_h[np.diag_indices(mix.d)] += mean_var_h
    dimwise, dim_err = dimwise_kl(mix, progress=bar("dimension-wise KL", mix.d))
    sum_dim = float(dimwise.sum())
    # independent draws for I(i; z), TC and KL(qbar || p): their standard errors add in quadrature
    residual = Estimate.normal(avg - (mi.value + tc.value + sum_dim), float(np.hypot(mi.stderr, tc.stderr)), n_samples)
    gap_residual = Estimate.normal(avg - (mi.value + kl_agg.value), float(np.hypot(mi.stderr, kl_agg.stderr)),
                                   n_samples)
    zero, one = np.zeros(1), np.ones(1)
    return Decomposition(
        n=mix.n, d=mix.d, avg_kl=avg, kl_aggregate=kl_agg, bounds=bounds, mutual_information=mi,
        log_n=math.log(mix.n), total_correlation=tc, residual=residual, gap_residual=gap_residual,
        routes=dict(ROUTES),
        moment_matched_kl=float(kl_full_standard(mean_h, cov_h)),
        moment_matched_kl_diag=float(kl_diag(mean_h, np.diag(cov_h), zero, one)),
        variance_of_means=var_of_means, active=var_of_means > ACTIVE_THRESHOLD, avg_kl_per_dim=avg_kl_per_dim(mix),
        dimwise_kl=dimwise, dimwise_error=dim_err,
        moment_matched_kl_per_dim=kl_diag(mean_h[:, None], np.diag(cov_h)[:, None], zero, one),
    )
