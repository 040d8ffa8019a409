"""Log-densities of a diagonal-Gaussian mixture and of the prior, at many points.

log q̄(z) = logsumexp_i(log w_i + log q_i(z)).  For diagonal components the squared
Mahalanobis distances expand into one matrix product of [z², z, 1, -shift] with
per-component coefficients (the way scikit-learn's ``GaussianMixture`` scores points),
after three changes that keep the product exact enough and fast:

* **Centred.**  Points and means are measured from the mixture's mean μ̄, so that the
  expansion (z - m)² = z² - 2zm + m² does not cancel when the means lie far from the
  origin; a bound on the rounding error of what remains is checked for every block of
  points, and blocks over :data:`ROUNDING_TOLERANCE` are scored in the direct form
  Σ_k (z_k - m_k)²/v_k instead (:func:`numeric._kernels.direct_log_terms`).
* **Clamped.**  Shifted values are clamped at :data:`CLAMP` = -700 before ``exp``, which
  keeps ``exp`` off its subnormal slow path without changing the sums (see
  :func:`sum_exp_clamped`).
* **Blocked and threaded.**  Blocks of (points x components) small enough to stay in
  cache are scored on every core, with one BLAS thread each.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from typing import Any

from ._kernels import direct_log_terms
from ._validate import as_real_array, require_finite
from ._xp import empty, namespace
from .mixture import LOG_2PI, DiagonalMixture, Prior, log_weights

__all__ = ["CLAMP", "DEFAULT_CHUNK_BYTES", "ROUNDING_TOLERANCE", "DensityTerms", "accumulate_logsumexp",
           "density_terms", "log_density", "log_density_at_draws", "log_density_ratio", "log_normalizers",
           "log_prior", "log_term_coefficients", "logsumexp_rows", "mixture_log_sum", "sum_exp_clamped"]

#: Working memory for one block of a (samples x components) matrix, per thread.
DEFAULT_CHUNK_BYTES = 2 * 2**20

#: Shifted log-terms are clamped here before ``exp`` (see :func:`sum_exp_clamped`).
CLAMP = -700.0

#: Largest bound (nats) on the rounding error of the expanded form before a block is scored directly.
ROUNDING_TOLERANCE = 1e-6

_EPS = float(np.finfo(np.float64).eps)


def sum_exp_clamped(a: NDArray[np.float64], axis: int = -1) -> NDArray[np.float64]:
    """Σ exp(max(a, -700)) along ``axis``, overwriting ``a``, for ``a`` shifted so that the sum holds a term >= 1.

    Why the clamp changes nothing: the sum the row feeds holds a term exp(x) with x >= 0,
    so its exact value is >= 1, and raising every term below -700 to -700 adds at most
    n·e^{-700} < n·10^{-304} to it: for any n that fits in memory this is below 10^{-280},
    far under half a unit in the last place of any sum >= 1 (2^{-53} ≈ 1.1·10^{-16}) and
    under the rounding error that the summation itself is allowed (n·2^{-53} of the sum).  What the clamp avoids is ``exp`` of arguments
    in [-745, -708], whose results are subnormal and cost about 20x as much to produce.
    """
    np.maximum(a, CLAMP, out=a)
    np.exp(a, out=a)
    return a.sum(axis=axis)


def logsumexp_rows(a: NDArray[np.float64], axis: int = -1, *, overwrite: bool = False) -> NDArray[np.float64]:
    """log Σ exp(a) along ``axis``, shifted by the maximum (rows of -inf give -inf).

    The same quantity as ``scipy.special.logsumexp`` without its general-purpose
    overhead, which dominates on (rows x N) blocks.  ``overwrite=True`` lets it
    use ``a`` as scratch space.  Any array namespace: a torch tensor uses torch's own
    fused ``logsumexp`` (the same shift by the maximum) on its device.
    """
    if not isinstance(a, np.ndarray):
        if hasattr(a, "logsumexp"):
            return a.logsumexp(dim=axis)
        xp = namespace(a)
        top = xp.max(a, axis=axis, keepdims=True)
        top = xp.where(xp.isfinite(top), top, 0.0)
        return xp.log(xp.sum(xp.exp(a - top), axis=axis)) + xp.squeeze(top, axis=axis)
    top = a.max(axis=axis, keepdims=True)
    empty = np.squeeze(top == -np.inf, axis=axis)     # rows of -inf: the clamp would lift them to -700 + log n
    top = np.where(np.isfinite(top), top, 0.0)
    work = a if overwrite else np.empty_like(a)
    np.subtract(a, top, out=work)
    with np.errstate(divide="ignore"):
        out = np.log(sum_exp_clamped(work, axis=axis)) + np.squeeze(top, axis=axis)
    return np.where(empty, -np.inf, out) if empty.any() else out


def accumulate_logsumexp(a: NDArray[np.float64], top: NDArray[np.float64],
                         total: NDArray[np.float64]) -> NDArray[np.float64]:
    """One block of columns into a running row-wise logsumexp, log Σ = log(total) + top.

    ``a`` (R, C) is overwritten; ``total`` (R,) is updated in place, rescaled to the new
    maximum, which is returned (shape (R,)).  Start from top = -inf, total = 0.
    """
    new_top = np.maximum(top, a.max(axis=1))
    finite = np.isfinite(new_top)
    safe = np.where(finite, new_top, 0.0)
    with np.errstate(invalid="ignore"):
        total *= np.exp(np.where(finite, top - safe, 0.0))
    a -= safe[:, None]
    total += sum_exp_clamped(a, axis=1)
    return new_top


@dataclass(frozen=True)
class DensityTerms:
    """What scoring points against a mixture needs, computed once per mixture.

    Attributes
    ----------
    center : ndarray, shape (d,)
        μ̄ = Σ_i w_i m_i; points and means are measured from it.
    coef : ndarray, shape (2d + 2, N)
        Rows -½/v, (m - μ̄)/v, c, 1 with c_i = log w_i - ½(d log 2π + Σ log v_i + Σ (m_i - μ̄)²/v_i),
        so that [z², z, 1, -s] · coef = log w_i + log q_i(z + μ̄) - s for a centred point z.
    magnitude : ndarray, shape (3, N)
        Σ_k 1/v_ik, Σ_k |m_ik - μ̄_k|/v_ik and |c_i|: the sizes that bound rounding errors.
    """

    mixture: DiagonalMixture
    center: NDArray[np.float64]
    coef: NDArray[np.float64]
    magnitude: NDArray[np.float64]

    @property
    def d(self) -> int:
        return self.center.size


def log_normalizers(variances: Any) -> Any:
    """½(d log 2π + Σ_k log v_ik), the log normalizing constant of each component: shape (N, d) -> (N,)."""
    xp = namespace(variances)
    return 0.5 * (variances.shape[-1] * LOG_2PI + xp.sum(xp.log(variances), axis=-1))


def log_density_at_draws(normalizers: Any, eps: Any) -> Any:
    """log q_c(z) at draws z = m_c + sqrt(v_c) eps of component c, from its :func:`log_normalizers` entry.

    log q_c(z) = -½(d log 2π + Σ_k log v_ck) - ½ Σ_k eps_k², with no subtraction of z and m_c:
    shapes (S,) and (S, d) -> (S,).
    """
    return -normalizers - 0.5 * namespace(eps).sum(eps * eps, axis=1)


def log_term_coefficients(means: Any, variances: Any, weights: Any, *, center: Any = None,
                          spare_rows: int = 0) -> Any:
    """The coefficients of log w_i + log q_i(z + center) as a quadratic in z: shape (2d + 1 + spare_rows, N).

    Rows a = -½/v (d rows), b = (m - center)/v (d rows) and c (one row) with
    c_i = log w_i - ½(d log 2π + Σ_k log v_ik + Σ_k (m_ik - center_k)²/v_ik), so that
    log w_i + log q_i(z + center) = Σ_k (a_ik z_k² + b_ik z_k) + c_i, -inf where w_i = 0.
    ``center`` (d,) defaults to the origin; ``spare_rows`` rows are left for the caller.
    Any array namespace, in the dtype and on the device of ``means``.
    """
    xp = namespace(means)
    n, d = means.shape
    coef = empty((2 * d + 1 + spare_rows, n), means)
    inv_v = coef[:d, :]                                                   # views into coef
    inv_v[...] = 1.0 / variances.T
    centred = coef[d:2 * d, :]
    centred[...] = means.T if center is None else means.T - center[:, None]
    quad = xp.sum(centred * centred * inv_v, axis=0)
    coef[2 * d, :] = log_weights(weights) - (log_normalizers(variances) + 0.5 * quad)
    centred *= inv_v
    inv_v *= -0.5
    return coef


def density_terms(mix: DiagonalMixture) -> DensityTerms:
    """The centred coefficients of log w_i + log q_i(z), shape (2d + 2, N); see :class:`DensityTerms`."""
    d = mix.d
    center = mix.weights @ mix.means
    coef = log_term_coefficients(mix.means, mix.variances, mix.weights, center=center, spare_rows=1)
    coef[2 * d + 1] = 1.0
    magnitude = np.stack([-2.0 * coef[:d].sum(0), np.abs(coef[d:2 * d]).sum(0),
                          np.abs(np.where(np.isfinite(coef[2 * d]), coef[2 * d], 0.0))])
    return DensityTerms(mix, center, coef, magnitude)


def _rounding_bound(terms: DensityTerms, z: NDArray[np.float64], shift: NDArray[np.float64]) -> float:
    """A bound (nats) on the rounding error of any [z², z, 1, -s] · coef entry for these centred points.

    The product sums 2d + 2 terms, each rounded once or twice on input, so its error is at
    most γ_{2d+4} Σ |terms| (Higham, *Accuracy and Stability*, §3.1), with
    Σ |terms| <= ½ max z² Σ_k 1/v_k + max|z| Σ_k |m_k - μ̄_k|/v_k + |c| + |s|.
    """
    if z.size == 0:
        return 0.0
    d = terms.d
    gamma = (2 * d + 4) * _EPS / (1 - (2 * d + 4) * _EPS)
    zmax = float(np.abs(z).max())
    mag = terms.magnitude
    with np.errstate(over="ignore", invalid="ignore"):   # an overflowing bound is infinite: the direct form is used
        worst = float((0.5 * zmax * zmax * mag[0] + zmax * mag[1] + mag[2]).max()) + float(np.abs(shift).max())
    return gamma * worst if np.isfinite(worst) else np.inf


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(_threads(), thread_name_prefix="kl-audit-density")
        return _POOL


def _forget_pool() -> None:
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):     # a forked child has none of the parent's threads: start afresh
    os.register_at_fork(after_in_child=_forget_pool)

_BLAS = None


def _one_blas_thread():
    """A context in which BLAS runs single-threaded (the threads here share the cores instead)."""
    global _BLAS
    from threadpoolctl import ThreadpoolController

    if _BLAS is None:
        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=1, user_api="blas")


def _score_rows(terms: DensityTerms, z: NDArray[np.float64], shift: NDArray[np.float64] | None,
                block_cols: int) -> NDArray[np.float64]:
    """log Σ_i exp(log w_i + log q_i(z_r + μ̄)) for centred points z of shape (R, d), one thread's share.

    With ``shift`` (R,) given, a value that no term exceeds by much (for a point drawn
    from component c: that component's own log-term), no row maximum is needed; rows whose
    sum comes out outside [2^{-60}, 2^{900}] are scored again with their true maximum.
    """
    d = terms.d
    n = terms.coef.shape[1]
    rows = z.shape[0]
    known = shift is not None
    left = np.empty((rows, 2 * d + 2))
    np.multiply(z, z, out=left[:, :d])
    left[:, d:2 * d] = z
    left[:, 2 * d] = 1.0
    if known:
        unusable = ~np.isfinite(shift)          # e.g. a point drawn from a component of weight 0
        shift = np.where(unusable, 0.0, shift)
    left[:, 2 * d + 1] = -shift if known else 0.0
    direct = _rounding_bound(terms, z, shift if known else np.zeros(1)) > ROUNDING_TOLERANCE
    buf = np.empty((rows, min(block_cols, n)))
    if known:
        total = np.zeros(rows)
    else:
        top = np.full(rows, -np.inf)
        total = np.zeros(rows)
    for start in range(0, n, block_cols):
        stop = min(start + block_cols, n)
        a = buf[:, :stop - start]
        if direct:
            _direct_block(terms, z, left[:, 2 * d + 1], start, stop, a)
        else:
            np.matmul(left, terms.coef[:, start:stop], out=a)
        if known:
            with np.errstate(over="ignore"):     # an overflowing row is scored again below
                total += sum_exp_clamped(a, axis=1)
            continue
        top = accumulate_logsumexp(a, top, total)
    with np.errstate(divide="ignore"):
        if known:
            out = np.log(total) + shift
            redo = unusable | ~((total >= 2.0**-60) & (total <= 2.0**900))
            if redo.any():
                out[redo] = _score_rows(terms, z[redo], None, block_cols)
            return out
        return np.log(total) + np.where(np.isfinite(top), top, -np.inf)


def _direct_block(terms: DensityTerms, z: NDArray[np.float64], minus_shift: NDArray[np.float64],
                  start: int, stop: int, out: NDArray[np.float64]) -> None:
    """out[r, j] = log w_j + log q_j(z_r + μ̄) - s_r in the direct form Σ_k (z_k - m_k)²/v_k, for j in [start, stop)."""
    mix = terms.mixture
    centred = np.ascontiguousarray(mix.means[start:stop] - terms.center)
    inv_v = np.ascontiguousarray(1.0 / mix.variances[start:stop])
    const = log_weights(mix.weights[start:stop]) - log_normalizers(mix.variances[start:stop])
    direct_log_terms(np.ascontiguousarray(z), centred, inv_v, const, np.ascontiguousarray(minus_shift), out)


def mixture_log_sum(terms: DensityTerms, z: NDArray[np.float64], shift: NDArray[np.float64] | None = None, *,
                    chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> NDArray[np.float64]:
    """log q̄(z + μ̄) at centred points z, shape (S, d) -> (S,), on every core.

    ``shift`` (S,), optional: for each point a log-term that no other exceeds by more than
    about 600 nats (a point's own component's log w_c + log q_c), which saves the pass
    that finds each row's maximum; see :func:`_score_rows`.
    """
    n = terms.coef.shape[1]
    rows = int(np.clip(chunk_bytes // (8 * min(n, 1024)), 1, 256))
    block_cols = max(1, chunk_bytes // (8 * rows))
    starts = list(range(0, z.shape[0], rows))
    out = np.empty(z.shape[0])

    def job(start: int) -> None:
        sl = slice(start, start + rows)
        out[sl] = _score_rows(terms, z[sl], None if shift is None else shift[sl], block_cols)

    with _one_blas_thread():          # blocks are small: BLAS threads would only wait on each other
        if len(starts) <= 1 or _threads() == 1:
            for s in starts:
                job(s)
        else:
            for f in [_pool().submit(job, s) for s in starts]:
                f.result()
    return out


def log_density(mix: DiagonalMixture, z: ArrayLike, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> NDArray[np.float64]:
    """log q̄(z) = logsumexp_i(log w_i + log q_i(z)) at points z, shape (S, d) -> (S,).

    Blocks of at most ``chunk_bytes`` per thread; see the module's description for the form.
    """
    z = require_finite("z", as_real_array("z", z, ndim=2))
    if z.shape[1] != mix.d:
        raise ValueError(f"z has {z.shape[1]} coordinates but the mixture has d = {mix.d}")
    terms = density_terms(mix)
    return mixture_log_sum(terms, z - terms.center, chunk_bytes=chunk_bytes)


def log_prior(z: Any, prior: Prior = Prior()) -> Any:
    """log p(z) for points z of shape (..., d) -> (...), in the namespace and on the device of ``z``."""
    pm, pv = prior.arrays(z.shape[-1])
    log_norm = float(np.log(2 * np.pi * pv).sum())
    if not isinstance(z, np.ndarray):
        pm, pv = prior.arrays(z.shape[-1], like=z)
    return -0.5 * (log_norm + namespace(z).sum(((z - pm) ** 2) / pv, axis=-1))


def log_density_ratio(mix: DiagonalMixture, z: ArrayLike, *, prior: Prior = Prior(),
                      chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> NDArray[np.float64]:
    """log q̄(z) - log p(z), shape (S, d) -> (S,)."""
    z = np.asarray(z, dtype=np.float64)
    return log_density(mix, z, chunk_bytes=chunk_bytes) - log_prior(z, prior)
