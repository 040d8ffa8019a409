"""Mixtures of diagonal Gaussians q̄ = Σ_i w_i N(m_i, diag v_i) and a diagonal prior.

KL(q̄ || p) has no closed form; the routes to it each have a module:

* :mod:`numeric.quadrature`: deterministic quadrature for d = 1, batched;
* :mod:`numeric.montecarlo`: any d, with standard error and a 95% interval;
* :mod:`numeric.bounds`: deterministic bounds (Kolchinsky and Tracey 2017).

:mod:`numeric.moments` has the mixture's moments and the moment-matched Gaussian;
this module the objects themselves, the average KL (the VAE's latent loss) and H(w).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from ._validate import as_real_array, normalize_weights, require_finite, require_positive, spread_to_variance
from .gaussian import kl_diag

__all__ = ["BLOCK_ROWS", "DiagonalMixture", "Prior", "avg_kl", "avg_kl_per_dimension", "entropy_of_weights"]


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

#: Components per block in the sums over i below, so that their temporaries stay small for any N.
BLOCK_ROWS = 32_768


def avg_kl_per_dimension(mix: DiagonalMixture, *, prior: Prior = Prior()) -> NDArray[np.float64]:
    """Σ_i w_i KL(q_ij || p_j) for each coordinate j, shape (d,); sums to :func:`avg_kl`.

    Computed a block of :data:`BLOCK_ROWS` components at a time (no (N, d) temporaries).
    """
    pm, pv = prior.arrays(mix.d)
    total = np.zeros(mix.d)
    for start in range(0, mix.n, BLOCK_ROWS):
        sl = slice(start, start + BLOCK_ROWS)
        total += mix.weights[sl] @ kl_diag(mix.means[sl, :, None], mix.variances[sl, :, None], pm[:, None], pv[:, None])
    return total


def avg_kl(mix: DiagonalMixture, *, prior: Prior = Prior()) -> float:
    """Σ_i w_i KL(q_i || p): the VAE's latent loss (a block of components at a time)."""
    pm, pv = prior.arrays(mix.d)
    return float(sum(mix.weights[start:start + BLOCK_ROWS] @ kl_diag(mix.means[start:start + BLOCK_ROWS],
                                                                       mix.variances[start:start + BLOCK_ROWS], pm, pv)
                     for start in range(0, mix.n, BLOCK_ROWS)))


def entropy_of_weights(weights: ArrayLike) -> float:
    """H(w) = -Σ w_i log w_i (nats), with 0 log 0 = 0; at most log N."""
    w = np.asarray(weights, dtype=np.float64)
    return float(-special.xlogy(w, w).sum())

