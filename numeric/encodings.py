"""What a VAE's KL term is made of, from its encoder's outputs (ELBO surgery).

For encodings q_i = N(m_i, diag v_i), i = 1..N, with weights w and a diagonal prior p:

avg KL = I(i; z) + KL(q̄ || p)                              (Hoffman and Johnson 2016)
       = I(i; z) + TC + Σ_j KL(q̄_j || p_j)                  (Chen et al. 2018, for factorized p)

KL(q̄ || p) and I(i; z) are estimated by Monte Carlo from independent draws, so
that the decomposition adding up to the exact avg KL is a check, not an identity
of the estimator.  The dimension-wise KLs use 1-D quadrature.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import as_real_array, require_finite
from .gaussian import kl_diag
from .bounds import BoundsEstimate, pairwise_bounds_sampled
from .estimate import Estimate
from .mixture import DiagonalMixture, Prior, avg_kl, avg_kl_per_dimension
from .moments import moment_matched_kl
from .montecarlo import kl_monte_carlo, mutual_information_monte_carlo
from .quadrature import kl_quadrature_1d

__all__ = ["ACTIVE_THRESHOLD", "Decomposition", "decompose", "linear_vae_encodings"]

#: A dimension is active when the variance of its means over examples exceeds this.
ACTIVE_THRESHOLD = 0.01


@dataclass(frozen=True)
class Decomposition:
    """The report's numbers (nats).  Arrays are per latent dimension, shape (d,)."""

    n: int
    d: int
    avg_kl: float
    kl_aggregate: Estimate
    bounds: BoundsEstimate
    mutual_information: Estimate
    log_n: float
    total_correlation: Estimate
    residual: Estimate
    moment_matched_kl: float
    moment_matched_kl_diag: float
    variance_of_means: NDArray[np.float64]
    active: NDArray[np.bool_]
    avg_kl_per_dim: NDArray[np.float64]
    dimwise_kl: NDArray[np.float64]
    dimwise_error: NDArray[np.float64]
    moment_matched_kl_per_dim: NDArray[np.float64]


def decompose(mix: DiagonalMixture, rng: np.random.Generator, *, n_samples: int = 20_000, prior: Prior = Prior(),
              max_bound_rows: int = 2048, progress: Callable[[str, int], Callable[[int], None]] | None = None
              ) -> Decomposition:
    """avg KL, KL(q̄ || p), I(i; z), TC and the dimension-wise KLs of a set of encodings."""
    bar = progress or (lambda label, total: None)
    pm, pv = prior.arrays(mix.d)
    avg = avg_kl(mix, prior=prior)
    kl_rng, mi_rng, bound_rng = rng.spawn(3)   # independent streams
    kl_agg = kl_monte_carlo(mix, n_samples, kl_rng, prior=prior, progress=bar("KL(qbar||p)", n_samples))
    mi = mutual_information_monte_carlo(mix, n_samples, mi_rng, progress=bar("I(i; z)", n_samples))
    bounds = pairwise_bounds_sampled(mix, prior=prior, max_rows=max_bound_rows, rng=bound_rng,
                                     progress=bar("pairwise bounds", min(mix.n, max_bound_rows)))

    w = mix.weights
    mean_j = w @ mix.means
    var_of_means = w @ (mix.means - mean_j) ** 2
    avg_per_dim = avg_kl_per_dimension(mix, prior=prior)
    mm_per_dim = kl_diag(mean_j[:, None], (var_of_means + w @ mix.variances)[:, None], pm[:, None], pv[:, None])
    dimwise = np.empty(mix.d)
    dim_err = np.empty(mix.d)
    tick = bar("dimension-wise KL", mix.d)
    for j in range(mix.d):
        val, err = kl_quadrature_1d(w, mix.means[:, j], mix.variances[:, j], prior=Prior(pm[j], pv[j]))
        dimwise[j], dim_err[j] = float(val), float(err)
        if tick is not None:
            tick(1)
    sum_dim = float(dimwise.sum())
    tc = kl_agg.affine(-sum_dim)
    # independent draws: the standard errors add in quadrature
    residual = Estimate.normal(avg - (mi.value + kl_agg.value), np.hypot(mi.stderr, kl_agg.stderr), n_samples)
    return Decomposition(
        n=mix.n, d=mix.d, avg_kl=avg, kl_aggregate=kl_agg, bounds=bounds, mutual_information=mi,
        log_n=float(np.log(mix.n)), total_correlation=tc, residual=residual,
        moment_matched_kl=moment_matched_kl(mix, prior=prior),
        moment_matched_kl_diag=moment_matched_kl(mix, diagonal=True, prior=prior),
        variance_of_means=var_of_means, active=var_of_means > ACTIVE_THRESHOLD, avg_kl_per_dim=avg_per_dim,
        dimwise_kl=dimwise, dimwise_error=dim_err, moment_matched_kl_per_dim=mm_per_dim,
    )


def linear_vae_encodings(data: ArrayLike, latent: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Encodings of the optimal linear VAE (probabilistic PCA; Lucas et al. 2019, Tipping and Bishop 1999).

    With the data covariance C = (1/N) Σ (x - x̄)(x - x̄)ᵀ = U Λ Uᵀ, the top ``latent``
    eigenpairs (Λ_k, U_k) and σ² the mean of the discarded eigenvalues, example x is
    encoded as N(Λ_k⁻¹ (Λ_k - σ²)^{1/2} U_kᵀ (x - x̄), σ² Λ_k⁻¹).  The aggregate
    posterior then has mean 0 and covariance exactly I.

    Parameters
    ----------
    data : array_like, shape (N, D)
    latent : int, 1 <= latent < D

    Returns
    -------
    means, variances : ndarray, shape (N, latent)
    """
    x = require_finite("data", as_real_array("data", data, ndim=2))
    n, dim = x.shape
    if not (isinstance(latent, (int, np.integer)) and 1 <= latent < dim):
        raise ValueError(f"latent must be an integer in [1, {dim - 1}] for data with {dim} columns, got {latent!r}")
    centered = x - x.mean(axis=0)
    eigval, eigvec = np.linalg.eigh(centered.T @ centered / n)
    order = np.argsort(eigval)[::-1]
    eigval, eigvec = eigval[order], eigvec[:, order]
    sigma2 = float(eigval[latent:].mean())
    lam = eigval[:latent]
    if not (lam > sigma2).all() or sigma2 <= 0:
        raise ValueError("the data's top eigenvalues must exceed the mean of the discarded ones (and be > 0)")
    means = (centered @ eigvec[:, :latent]) * (np.sqrt(lam - sigma2) / lam)
    variances = np.broadcast_to(sigma2 / lam, means.shape).copy()
    return means, variances
