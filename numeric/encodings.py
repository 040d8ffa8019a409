"""What a VAE's KL term is made of, from its encoder's outputs (ELBO surgery).

For encodings q_i = N(m_i, diag v_i), i = 1..N, with weights w and a diagonal prior p:

avg KL = I(i; z) + KL(q̄ || p)                              (Hoffman and Johnson 2016)
       = I(i; z) + TC + Σ_j KL(q̄_j || p_j)                  (Chen et al. 2018, for factorized p)

Each term comes by its own route: avg KL in closed form; KL(q̄ || p), I(i; z) and
the total correlation TC = KL(q̄ || Π_j q̄_j) by Monte Carlo, each from its own
independent draws (TC from log q̄(z) - Σ_j log q̄_j(z_j), the marginal densities
evaluated as one-dimensional mixtures, never derived from the joint's estimate);
the dimension-wise KLs by 1-D quadrature.  Both identities above are therefore
checks of the estimates against each other, not identities of the estimators.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import as_real_array, require_finite, require_sampling
from .bounds import BoundsEstimate, pairwise_bounds_sampled
from .estimate import Estimate
from .mixture import DiagonalMixture, Prior, avg_kl, avg_kl_per_dimension
from .moments import matched_gaussian_kl_per_dimension, moment_matched_kl, variance_of_means
from .density import DEFAULT_CHUNK_BYTES, density_terms, mixture_log_sum
from .montecarlo import (draw_count, kl_monte_carlo, monte_carlo_expectation, mutual_information_monte_carlo,
                         own_log_term)
from .quadrature import kl_quadrature_1d, log_density_1d

__all__ = ["ACTIVE_THRESHOLD", "ROUTES", "Decomposition", "decompose", "linear_vae_encodings",
           "residuals", "total_correlation_monte_carlo", "total_correlation_terms"]

#: A dimension is active when the variance of its means over examples exceeds this.
ACTIVE_THRESHOLD = 0.01

#: How each number of a :class:`Decomposition` is computed (the report quotes these).
ROUTES: dict[str, str] = {
    "avg_kl": "closed form, Σ_i w_i KL(q_i || p)",
    "kl_aggregate": "Monte Carlo of log q̄(z) - log p(z), z ~ q̄ (its own draws)",
    "mutual_information": "Monte Carlo of log q_i(z) - log q̄(z), i ~ w, z ~ q_i (its own draws)",
    "total_correlation": "Monte Carlo of log q̄(z) - Σ_j log q̄_j(z_j), z ~ q̄ (its own draws; "
                         "each q̄_j evaluated as a 1-D mixture)",
    "dimwise_kl": "1-D quadrature of KL(q̄_j || p_j), per dimension",
    "bounds": "pairwise distances (Kolchinsky and Tracey 2017), deterministic",
    "moment_matched_kl": "closed form, KL(N(μ̄, Σ̄) || p)",
    "residual": "avg KL - (I(i; z) + TC + Σ_j KL(q̄_j || p_j)): three independent routes against the closed form",
    "gap_residual": "avg KL - (I(i; z) + KL(q̄ || p)): two independent Monte Carlo routes against the closed form",
}


@dataclass(frozen=True)
class Decomposition:
    """The report's numbers (nats).  Arrays are per latent dimension, shape (d,).

    Each number comes by its own route (:data:`ROUTES`, also in ``routes``), so the
    two residuals are checks, each ~ 0 within its interval when every route is right:

    * ``residual`` = avg KL - (I + TC + Σ_j KL_j), with standard error from I and TC
      (independent draws); the quadrature error of Σ_j KL_j is ``dimwise_error.sum()``;
    * ``gap_residual`` = avg KL - (I + KL(q̄ || p)), from independent draws.
    """

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
    gap_residual: Estimate
    routes: dict[str, str]


def decompose(mix: DiagonalMixture, rng: np.random.Generator, *, n_samples: int = 20_000, prior: Prior = Prior(),
              max_bound_rows: int = 2048, progress: Callable[[str, int], Callable[[int], None]] | None = None
              ) -> Decomposition:
    """avg KL, KL(q̄ || p), I(i; z), TC and the dimension-wise KLs of a set of encodings."""
    bar = progress or (lambda label, total: None)
    require_sampling(n_samples, 0.95)
    draws = draw_count(mix.weights, n_samples)   # what the Monte Carlo stages tick
    pm, pv = prior.arrays(mix.d)
    avg = avg_kl(mix, prior=prior)
    kl_rng, mi_rng, bound_rng, tc_rng = rng.spawn(4)   # independent streams
    kl_agg = kl_monte_carlo(mix, n_samples, kl_rng, prior=prior, progress=bar("KL(qbar||p)", draws))
    mi = mutual_information_monte_carlo(mix, n_samples, mi_rng, progress=bar("I(i; z)", draws))
    bounds = pairwise_bounds_sampled(mix, prior=prior, max_rows=max_bound_rows, rng=bound_rng,
                                     progress=bar("pairwise bounds", min(mix.n, max_bound_rows)))

    w = mix.weights
    mean_j = w @ mix.means
    var_of_means = variance_of_means(w, mix.means)
    avg_per_dim = avg_kl_per_dimension(mix, prior=prior)
    mm_per_dim = matched_gaussian_kl_per_dimension(mean_j, var_of_means + w @ mix.variances, prior=prior)
    dimwise = np.empty(mix.d)
    dim_err = np.empty(mix.d)
    tick = bar("dimension-wise KL", mix.d)
    for j in range(mix.d):
        val, err = kl_quadrature_1d(w, mix.means[:, j], mix.variances[:, j], prior=Prior(pm[j], pv[j]))
        dimwise[j], dim_err[j] = float(val), float(err)
        if tick is not None:
            tick(1)
    tc = total_correlation_monte_carlo(mix, n_samples, tc_rng, progress=bar("total correlation", draws))
    residual, gap_residual = residuals(avg, kl_agg, mi, tc, float(dimwise.sum()), n_samples)
    return Decomposition(
        n=mix.n, d=mix.d, avg_kl=avg, kl_aggregate=kl_agg, bounds=bounds, mutual_information=mi,
        log_n=float(np.log(mix.n)), total_correlation=tc, residual=residual,
        moment_matched_kl=moment_matched_kl(mix, prior=prior),
        moment_matched_kl_diag=moment_matched_kl(mix, diagonal=True, prior=prior),
        variance_of_means=var_of_means, active=var_of_means > ACTIVE_THRESHOLD, avg_kl_per_dim=avg_per_dim,
        dimwise_kl=dimwise, dimwise_error=dim_err, moment_matched_kl_per_dim=mm_per_dim,
        gap_residual=gap_residual, routes=dict(ROUTES),
    )


def residuals(avg: float, kl_aggregate: Estimate, mutual_information: Estimate, total_correlation: Estimate,
              dimwise_sum: float, n_samples: int) -> tuple[Estimate, Estimate]:
    """The two checks of a :class:`Decomposition`: avg KL - (I + TC + Σ_j KL_j) and avg KL - (I + KL(q̄ || p)).

    I, TC and KL(q̄ || p) come from independent draws, so their standard errors add in
    quadrature; the quadrature error of Σ_j KL_j (``dimwise_sum``) is reported apart.
    """
    mi, tc, kl = mutual_information, total_correlation, kl_aggregate
    residual = Estimate.normal(avg - (mi.value + tc.value + dimwise_sum), np.hypot(mi.stderr, tc.stderr), n_samples)
    gap_residual = Estimate.normal(avg - (mi.value + kl.value), np.hypot(mi.stderr, kl.stderr), n_samples)
    return residual, gap_residual


def total_correlation_monte_carlo(mix: DiagonalMixture, n_samples: int, rng: np.random.Generator, *,
                                  chunk_samples: int = 4096, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                                  progress: Callable[[int], None] | None = None) -> Estimate:
    """TC = KL(q̄ || Π_j q̄_j) = E_q̄[log q̄(z) - Σ_j log q̄_j(z_j)], by Monte Carlo with a 95% interval.

    q̄_j = Σ_i w_i N(m_ij, v_ij) is the marginal of q̄ on coordinate j, evaluated as a
    one-dimensional mixture at z_j by :func:`~numeric.quadrature.log_density_1d` (the quadrature's
    sums at given points; nothing interpolated); log q̄(z) as in the KL
    (:func:`~numeric.density.mixture_log_sum`, ``chunk_bytes`` per thread).  Draws are stratified
    as for the KL (:func:`~numeric.montecarlo.monte_carlo_expectation`).  Cost: S·N·d exponentials for
    the marginals besides the joint's S·N.

    Parameters
    ----------
    mix : DiagonalMixture
        N components in d dimensions.
    n_samples : int
        Draws (>= 2).

    Returns
    -------
    Estimate
        Nats; exactly 0 for d = 1.
    """
    terms = density_terms(mix)

    def f(z, comp, eps):
        def joint(q, x):
            return mixture_log_sum(terms, x - terms.center, own_log_term(mix, comp, eps), chunk_bytes=chunk_bytes)

        def marginal(j, x):
            return log_density_1d(mix.weights, mix.means[:, j], mix.variances[:, j], x)

        return total_correlation_terms(mix, z, joint, marginal)

    return monte_carlo_expectation(mix, n_samples, rng, f, level=0.95, chunk_samples=chunk_samples, progress=progress)


def total_correlation_terms(mix: Any, z: Any, log_density: Callable[[Any, Any], Any],
                            marginal_log_density: Callable[[int, Any], Any] | None = None) -> Any:
    """log q̄(z) - Σ_j log q̄_j(z_j) at points z, shape (S, d) -> (S,): the integrand of TC.

    ``log_density(q, x)`` scores points x against a mixture q (a :class:`DiagonalMixture`, or
    any dataclass of the same fields); each marginal q̄_j = Σ_i w_i N(m_ij, v_ij) is scored as
    a one-dimensional mixture at z_j: by ``marginal_log_density(j, z[:, j])`` (shape (S,)) when
    given, else by ``log_density`` on the mixture of column j.
    """
    if marginal_log_density is None:
        def marginal_log_density(j, x):
            q_j = replace(mix, means=mix.means[:, j:j + 1], variances=mix.variances[:, j:j + 1])
            return log_density(q_j, x[:, None])

    marginals = 0
    for j in range(mix.d):
        marginals = marginals + marginal_log_density(j, z[:, j])
    return log_density(mix, z) - marginals


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
