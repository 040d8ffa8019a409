"""Moments of a diagonal-Gaussian mixture and the KL of the moment-matched Gaussian.

G = N(μ̄, Σ̄) has the mixture's mean and covariance; theorem `moment_matching` gives
KL(G || p) <= KL(q̄ || p), and theorem `kl_full_to_diagonal_2` (Hadamard, d = 2) gives
KL(diag G || p) <= KL(G || p).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .gaussian import kl_diag, kl_full_standard
from .mixture import DiagonalMixture, Prior

__all__ = ["mixture_moments", "moment_matched_kl", "moments"]


def mixture_moments(weights: ArrayLike, means: ArrayLike,
                    variances: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean and covariance of Σ_i w_i N(m_i, diag v_i), batched.

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
    cov = np.swapaxes(centered * w[..., None], -1, -2) @ centered     # Σ_i w_i c_i c_iᵀ as one matrix product
    d = m.shape[-1]
    cov[..., np.arange(d), np.arange(d)] += np.einsum("...n,...nd->...d", w, v)
    return mu, cov


def moments(mix: DiagonalMixture) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean (d,) and covariance (d, d) of the mixture; see :func:`mixture_moments`."""
    return mixture_moments(mix.weights, mix.means, mix.variances)


def moment_matched_kl(mix: DiagonalMixture, *, diagonal: bool = False, prior: Prior = Prior()) -> float:
    """KL(G || p) for G = N(μ̄, Σ̄) (``diagonal=True``: N(μ̄, diag Σ̄)).

    KL(diag G || p) <= KL(G || p) <= KL(q̄ || p) (theorem `moment_matching`
    and theorem `kl_full_to_diagonal_2`).
    """
    mu, cov = moments(mix)
    pm, pv = prior.arrays(mix.d)
    if diagonal:
        return float(kl_diag(mu, np.diag(cov), pm, pv))
    scale = 1.0 / np.sqrt(pv)  # whiten by the prior: KL is invariant under the same affine map
    return float(kl_full_standard((mu - pm) * scale, cov * np.outer(scale, scale)))

