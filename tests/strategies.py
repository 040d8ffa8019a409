"""Hypothesis strategies with explicit, documented domains.

Domains (all finite floats, no NaN):

* means: [-50, 50] for single Gaussians, [-10, 10] for mixture components;
* log-variances: [-12, 12] for single Gaussians (variances e^-12 to e^12),
  [-6, 4] for mixture components (keeps 1-D quadrature grids small);
* mixtures: N in [1, 64] components, d in [1, 16] dimensions (d = 1 where
  quadrature is used), weights uniform or Dirichlet(alpha), alpha in [0.1, 10];
* 2 x 2 covariances: S = A Aᵀ + eps I with A's entries in [-3, 3], eps in [0.05, 2].

Hypothesis draws the bounds of every interval, so edge values are tried.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = ["MEAN", "LOGVAR", "gaussians", "mixtures", "spd_2x2", "nonstandard_or_standard"]

MEAN = st.floats(-50, 50, allow_nan=False, allow_infinity=False)
LOGVAR = st.floats(-12, 12, allow_nan=False, allow_infinity=False)
COMPONENT_MEAN = st.floats(-10, 10, allow_nan=False, allow_infinity=False)
COMPONENT_LOGVAR = st.floats(-6, 4, allow_nan=False, allow_infinity=False)


@st.composite
def gaussians(draw, d=st.integers(1, 16)):
    """(mean, var), each of shape (d,)."""
    dim = draw(d)
    mean = draw(hnp.arrays(np.float64, dim, elements=MEAN))
    logvar = draw(hnp.arrays(np.float64, dim, elements=LOGVAR))
    return mean, np.exp(logvar)


@st.composite
def nonstandard_or_standard(draw):
    """(mean, var) of shape (d,): each coordinate standard (0, 1) or at least 1e-3 away from it."""
    dim = draw(st.integers(1, 8))
    away = st.one_of(st.floats(1e-3, 50), st.floats(-50, -1e-3))
    mean = np.array([draw(st.one_of(st.just(0.0), away)) for _ in range(dim)])
    logvar = np.array([draw(st.one_of(st.just(0.0), st.floats(1e-3, 12), st.floats(-12, -1e-3))) for _ in range(dim)])
    return mean, np.exp(logvar)


@st.composite
def mixtures(draw, max_n=64, d=st.integers(1, 16)):
    """(weights (N,), means (N, d), variances (N, d))."""
    n = draw(st.integers(1, max_n))
    dim = draw(d)
    means = draw(hnp.arrays(np.float64, (n, dim), elements=COMPONENT_MEAN))
    logvar = draw(hnp.arrays(np.float64, (n, dim), elements=COMPONENT_LOGVAR))
    if draw(st.booleans()):
        weights = np.full(n, 1.0 / n)
    else:
        alpha = draw(st.floats(0.1, 10))
        seed = draw(st.integers(0, 2**32 - 1))
        weights = np.random.default_rng(seed).dirichlet(np.full(n, alpha))
        weights = np.maximum(weights, 1e-300)
        weights /= weights.sum()
    return weights, means, np.exp(logvar)


@st.composite
def spd_2x2(draw):
    """(mean (2,), covariance (2, 2)) with a symmetric positive-definite covariance."""
    a = draw(hnp.arrays(np.float64, (2, 2), elements=st.floats(-3, 3)))
    eps = draw(st.floats(0.05, 2))
    mean = draw(hnp.arrays(np.float64, 2, elements=st.floats(-10, 10)))
    return mean, a @ a.T + eps * np.eye(2)
