"""Moments of a diagonal-Gaussian mixture and the KL of the moment-matched Gaussian.

G = N(μ̄, Σ̄) has the mixture's mean and covariance; theorem `moment_matching` gives
KL(G || p) <= KL(q̄ || p), and theorem `kl_full_to_diagonal_2` (Hadamard, d = 2) gives
KL(diag G || p) <= KL(G || p).

The moments are written against an array namespace: torch tensors give tensors on
their device; the KL of the d-dimensional Gaussian is taken on the host.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._xp import astype, device_of, namespace, to_host
from .gaussian import kl_diag, kl_full_standard
from .mixture import DiagonalMixture, Prior

__all__ = ["active_units", "matched_gaussian_kl", "matched_gaussian_kl_per_dimension", "mixture_moments", "moment_matched_kl", "moments",
           "variance_of_means"]


def _weighted_sum(weights: Any, a: Any) -> Any:
    """Σ_i w_i a_i over the components' axis: shapes (..., N) and (..., N, d) -> (..., d)."""
    if isinstance(a, np.ndarray):
        return np.einsum("...n,...nd->...d", weights, a)
    return (weights[..., None, :] @ a)[..., 0, :]


def mixture_moments(weights: ArrayLike, means: ArrayLike, variances: ArrayLike) -> tuple[Any, Any]:
    """Mean and covariance of Σ_i w_i N(m_i, diag v_i), batched.

    Σ̄ = Σ_i w_i (diag v_i + m_i m_iᵀ) - μ̄ μ̄ᵀ, computed as the weighted covariance
    of the means plus the average diagonal variance.  numpy input (and Python data)
    gives float64 numpy; torch tensors give tensors of their dtype on their device.

    Parameters
    ----------
    weights : array_like, shape (..., N)
    means, variances : array_like, shape (..., N, d)

    Returns
    -------
    mean : array, shape (..., d)
    cov : array, shape (..., d, d)
    """
    xp = namespace(weights, means, variances)
    if xp is np:
        weights, means, variances = (np.asarray(a, dtype=np.float64) for a in (weights, means, variances))
    mu = _weighted_sum(weights, means)
    centered = means - mu[..., None, :]
    cov = _transpose(centered * weights[..., None]) @ centered       # Σ_i w_i c_i c_iᵀ as one matrix product
    d = means.shape[-1]
    eye = np.eye(d) if xp is np else xp.eye(d, dtype=cov.dtype, device=device_of(cov))
    return mu, cov + eye * _weighted_sum(weights, variances)[..., None, :]


def _transpose(a: Any) -> Any:
    """The matrix transpose of the last two axes."""
    return np.swapaxes(a, -1, -2) if isinstance(a, np.ndarray) else namespace(a).matrix_transpose(a)


def variance_of_means(weights: Any, means: Any) -> Any:
    """Σ_i w_i (m_ij - μ̄_j)² for each dimension j, μ̄ = Σ_i w_i m_i: shapes (N,), (N, d) -> (d,).

    The spread of the codes across examples; a dimension is active when it exceeds
    :data:`numeric.encodings.ACTIVE_THRESHOLD`.  Any array namespace.
    """
    centred = means - weights @ means
    return weights @ (centred * centred)


def active_units(variance: Any, threshold: float) -> int:
    """How many dimensions' variance of the means (shape (d,)) exceeds ``threshold``."""
    xp = namespace(variance)
    return int(xp.sum(astype(variance > threshold, xp.int64)))


def moments(mix: DiagonalMixture) -> tuple[Any, Any]:
    """Mean (d,) and covariance (d, d) of the mixture; see :func:`mixture_moments`."""
    return mixture_moments(mix.weights, mix.means, mix.variances)


def matched_gaussian_kl(mean: Any, cov: Any, *, diagonal: bool = False, prior: Prior = Prior()) -> float:
    """KL(N(mean, cov) || p) (``diagonal=True``: N(mean, diag cov)), for a mean (d,) and covariance (d, d).

    Taken on the host in float64 (small arrays of any namespace are copied there).
    """
    mu, cov = to_host(mean), to_host(cov)
    pm, pv = prior.arrays(mu.shape[-1])
    if diagonal:
        return float(kl_diag(mu, np.diag(cov), pm, pv))
    scale = 1.0 / np.sqrt(pv)  # whiten by the prior: KL is invariant under the same affine map
    return float(kl_full_standard((mu - pm) * scale, cov * np.outer(scale, scale)))


def matched_gaussian_kl_per_dimension(mean: Any, variance: Any, *, prior: Prior = Prior()) -> NDArray[np.float64]:
    """KL(N(mean_j, variance_j) || p_j) for each dimension j: shapes (d,), (d,) -> (d,), on the host.

    With the mixture's mean and the diagonal of its covariance (the variance of the means
    plus the average variance), the moment-matched Gaussian's KL one dimension at a time.
    """
    mu, var = to_host(mean), to_host(variance)
    pm, pv = prior.arrays(mu.shape[-1])
    return kl_diag(mu[:, None], var[:, None], pm[:, None], pv[:, None])


def moment_matched_kl(mix: DiagonalMixture, *, diagonal: bool = False, prior: Prior = Prior()) -> float:
    """KL(G || p) for G = N(μ̄, Σ̄) (``diagonal=True``: N(μ̄, diag Σ̄)).

    KL(diag G || p) <= KL(G || p) <= KL(q̄ || p) (theorem `moment_matching`
    and theorem `kl_full_to_diagonal_2`).
    """
    mu, cov = moments(mix)
    return matched_gaussian_kl(mu, cov, diagonal=diagonal, prior=prior)
