"""Mixtures of diagonal Gaussians q̄ = Σ_i w_i N(m_i, diag v_i) and a diagonal prior.

KL(q̄ || p) has no closed form; the routes to it each have a module:

* :mod:`numeric.quadrature`: deterministic quadrature for d = 1, batched;
* :mod:`numeric.montecarlo`: any d, with standard error and a 95% interval;
* :mod:`numeric.bounds`: deterministic bounds (Kolchinsky and Tracey 2017).

:mod:`numeric.moments` has the mixture's moments and the moment-matched Gaussian;
this module the objects themselves, the average KL (the VAE's latent loss) and H(w).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import as_real_array, require_finite, require_positive, validate_mixture
from ._xp import namespace
from .gaussian import kl_diag

__all__ = ["BLOCK_ROWS", "LOG_2PI", "DiagonalMixture", "Prior", "avg_kl", "avg_kl_per_dimension", "entropy_of_weights",
           "log_weights"]

#: log 2π, the constant of every Gaussian log-density.
LOG_2PI = math.log(2 * math.pi)


@dataclass(frozen=True)
class Prior:
    """A diagonal Gaussian prior N(mean, diag var); N(0, I) by default."""

    mean: ArrayLike = 0.0
    var: ArrayLike = 1.0

    def arrays(self, d: int, like: Any = None) -> tuple[Any, Any]:
        """Mean and variance broadcast to shape (d,): float64 numpy, or in the namespace, device and dtype of ``like``."""
        m = require_finite("prior mean", as_real_array("prior mean", self.mean))
        v = require_positive("prior var", as_real_array("prior var", self.var))
        try:
            m, v = np.broadcast_to(m, (d,)).copy(), np.broadcast_to(v, (d,)).copy()
        except ValueError:
            raise ValueError(f"the prior has shape {m.shape}/{v.shape}, which does not fit d = {d}") from None
        if like is None:
            return m, v
        return as_real_array("prior mean", m, like=like), as_real_array("prior var", v, like=like)


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
        """Validate and build; uniform weights when ``weights`` is None (checks: :func:`numeric._validate.validate_mixture`)."""
        return cls(*validate_mixture(means, var, logvar=logvar, weights=weights))

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


def log_weights(weights: Any) -> Any:
    """log w_i, -inf where w_i = 0, shape (N,) (any array namespace)."""
    xp = namespace(weights)
    positive = weights > 0
    return xp.where(positive, xp.log(xp.where(positive, weights, 1.0)), -math.inf)


def avg_kl_per_dimension(mix: DiagonalMixture, *, prior: Prior = Prior()) -> Any:
    """Σ_i w_i KL(q_ij || p_j) for each coordinate j, shape (d,); sums to :func:`avg_kl`.

    Computed a block of :data:`BLOCK_ROWS` components at a time (no (N, d) temporaries),
    in the namespace and on the device of the mixture's arrays.
    """
    pm, pv = prior.arrays(mix.d, like=mix.means)
    total = 0.0
    for start in range(0, mix.n, BLOCK_ROWS):
        sl = slice(start, start + BLOCK_ROWS)
        total = total + mix.weights[sl] @ kl_diag(mix.means[sl, :, None], mix.variances[sl, :, None], pm[:, None],
                                                  pv[:, None])
    return total


def avg_kl(mix: DiagonalMixture, *, prior: Prior = Prior()) -> float:
    """Σ_i w_i KL(q_i || p): the VAE's latent loss (a block of components at a time, on the arrays' device)."""
    pm, pv = prior.arrays(mix.d, like=mix.means)
    return float(sum(float(mix.weights[start:start + BLOCK_ROWS] @ kl_diag(mix.means[start:start + BLOCK_ROWS],
                                                                             mix.variances[start:start + BLOCK_ROWS],
                                                                             pm, pv))
                     for start in range(0, mix.n, BLOCK_ROWS)))


def entropy_of_weights(weights: Any) -> float:
    """H(w) = -Σ w_i log w_i (nats), with 0 log 0 = 0; at most log N (any array namespace)."""
    w = weights if namespace(weights) is not np else np.asarray(weights, dtype=np.float64)
    xp = namespace(w)
    positive = w > 0
    return float(-xp.sum(xp.where(positive, w * xp.log(xp.where(positive, w, 1.0)), 0.0)))
