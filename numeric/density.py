"""Log-densities of a diagonal-Gaussian mixture and of the prior, at many points.

log q̄(z) = logsumexp_i(log w_i + log q_i(z)); for diagonal components the squared
Mahalanobis distances expand into one matrix product of [z², z] with per-component
coefficients (the way scikit-learn's ``GaussianMixture`` scores points).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import as_real_array, require_finite
from .mixture import DiagonalMixture, Prior

__all__ = ["DEFAULT_CHUNK_BYTES", "log_density", "log_density_ratio", "log_prior", "logsumexp_rows"]

#: Working memory for one chunk of a (samples x components) matrix.
DEFAULT_CHUNK_BYTES = 64 * 2**20


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


def log_prior(z: NDArray[np.float64], prior: Prior) -> NDArray[np.float64]:
    """log p(z) for points z of shape (..., d) -> (...)."""
    pm, pv = prior.arrays(z.shape[-1])
    return -0.5 * (np.log(2 * np.pi * pv).sum() + (((z - pm) ** 2) / pv).sum(axis=-1))


def log_density_ratio(mix: DiagonalMixture, z: ArrayLike, *, prior: Prior = Prior(),
                      chunk_bytes: int = DEFAULT_CHUNK_BYTES) -> NDArray[np.float64]:
    """log q̄(z) - log p(z), shape (S, d) -> (S,)."""
    z = np.asarray(z, dtype=np.float64)
    return log_density(mix, z, chunk_bytes=chunk_bytes) - log_prior(z, prior)

