"""A faithful, vectorized reproduction of ``kl_vae_convexity.m`` (2016).

Per trial the script draws, for N components in d dimensions,

* means ``randn(d, N)`` and variances ``.1 + 2*rand(d, N)``;
* k samples from each component (``mvnrnd`` with a diagonal covariance);
* the pooled sample mean and the diagonal of the unbiased sample covariance;

and plots ``KL(mu_est, diag(cov_est))`` (x) against the average per-component
KL (y).  Here all trials are drawn at once (chunked to bound memory), with a
seeded :class:`numpy.random.Generator`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .gaussian import kl_diag_standard

__all__ = ["ScriptTrials", "draw_components", "reproduce", "script_estimate"]


@dataclass(frozen=True)
class ScriptTrials:
    """The script's trials.

    Attributes
    ----------
    means, variances : ndarray, shape (T, N, d)
        Each trial's components.
    plotted_kl : ndarray, shape (T,)
        The script's x: KL(N(sample mean, diag sample cov) || N(0, I)), nats.
    avg_kl : ndarray, shape (T,)
        The script's y: the average per-component KL, nats.
    k : int
        Samples per component.
    """

    means: NDArray[np.float64]
    variances: NDArray[np.float64]
    plotted_kl: NDArray[np.float64]
    avg_kl: NDArray[np.float64]
    k: int

    @property
    def wrong_side(self) -> NDArray[np.bool_]:
        """Trials whose plotted point lies on the wrong side of the diagonal y = x for the claim: x > y."""
        return self.plotted_kl > self.avg_kl


def draw_components(trials: int, n: int, d: int, rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The script's ``means = randn(d,N)`` and ``vars = .1+2*rand(d,N)``, for every trial: (T, N, d) each."""
    means = rng.standard_normal((trials, n, d))
    variances = 0.1 + 2.0 * rng.random((trials, n, d))
    return means, variances


def script_estimate(means: NDArray[np.float64], variances: NDArray[np.float64], k: int,
                    rng: np.random.Generator) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Sample mean and unbiased sample variance of k draws per component, pooled: (T, d) each.

    The same draws as ``mvnrnd(means(:,ix), diag(vars(:,ix)), k)`` for each
    component (x = m + s·eps), then ``mean(samps, 2)`` and ``diag(cov(samps'))``.
    The samples are never formed: with per-component sums of eps and eps², the
    pooled mean is μ = Σ_i (k m_i + s_i Σ_j eps_ij) / (N k) and the centered sum of
    squares is Σ_i [k (m_i - μ)² + 2 (m_i - μ) s_i Σ_j eps_ij + s_i² Σ_j eps_ij²].
    """
    t, n, d = means.shape
    eps = rng.standard_normal((t, n, k, d))
    s1 = eps.sum(axis=2)                                   # (T, N, d)
    s2 = np.einsum("tnkd,tnkd->tnd", eps, eps)
    sd = np.sqrt(variances)
    mu = (k * means + sd * s1).sum(axis=1) / (n * k)       # (T, d)
    dev = means - mu[:, None, :]
    ss = (k * dev * dev + 2.0 * dev * sd * s1 + variances * s2).sum(axis=1)
    return mu, ss / (n * k - 1)


def reproduce(*, d: int = 1, n: int = 2, k: int = 100, iterations: int = 200, seed: int | None = 0,
              rng: np.random.Generator | None = None, chunk: int = 20_000,
              progress: Callable[[int], None] | None = None) -> ScriptTrials:
    """Run the script's experiment for ``iterations`` trials (its MAX_ITER).

    Parameters
    ----------
    d, n, k, iterations : int
        Dimensions, components, samples per component (k >= 2, as ``cov``
        needs), trials.
    seed : int or None
        Seed of a new :class:`numpy.random.Generator` (ignored if ``rng`` is given).
    chunk : int
        Trials drawn at once; bounds memory at about ``chunk * n * k * d * 16`` bytes.  Whatever
        ``chunk`` is, a chunk holds at most 2**24 draws (n * k * d per trial; 128 MiB), and at least
        one trial.
    progress : callable, optional
        Called with the number of trials finished in each chunk.
    """
    for name, value, least in (("d", d, 1), ("n", n, 1), ("k", k, 2), ("iterations", iterations, 1), ("chunk", chunk, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    rng = rng if rng is not None else np.random.default_rng(seed)
    means, variances = draw_components(iterations, n, d, rng)
    plotted = np.empty(iterations)
    per_chunk = max(1, min(chunk, (2**24) // (n * k * d)))
    for start in range(0, iterations, per_chunk):
        sl = slice(start, start + per_chunk)
        mu, var = script_estimate(means[sl], variances[sl], k, rng)
        plotted[sl] = kl_diag_standard(mu, var)
        if progress is not None:
            progress(mu.shape[0])
    avg = kl_diag_standard(means, variances).mean(axis=1)
    return ScriptTrials(means, variances, plotted, avg, k)
