"""The symbolic results of ``proofs`` as numpy functions (sympy's ``lambdify``).

This module is where the two routes meet: the formulas here are the checked
conclusions of ``proofs``, not retyped.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from proofs.gaussian import KL_FULL_COVARIANCE, KL_STANDARD, KL_TWO_GAUSSIANS, mu, mu1, mu2, s1, s2, sigma

__all__ = ["kl_two_gaussians_symbolic", "kl_standard_symbolic", "kl_full_2d_symbolic"]

_two = sp.lambdify((mu1, s1, mu2, s2), KL_TWO_GAUSSIANS.conclusion.rhs, "numpy")
_std = sp.lambdify((mu, sigma), KL_STANDARD.conclusion.rhs, "numpy")
_full_rel = KL_FULL_COVARIANCE[2].conclusion
_full_symbols = sorted(_full_rel.rhs.free_symbols, key=lambda s: s.name)   # m_1, m_2, S_11, S_12, S_22
_full = sp.lambdify(_full_symbols, _full_rel.rhs, "numpy")


def kl_two_gaussians_symbolic(m1, v1, m2, v2):
    """KL(N(m1, v1) || N(m2, v2)) from the derived closed form (variances, not standard deviations)."""
    return _two(m1, np.sqrt(v1), m2, np.sqrt(v2))


def kl_standard_symbolic(m, v):
    """KL(N(m, v) || N(0, 1)) from the derived closed form, elementwise."""
    return _std(m, np.sqrt(v))


def kl_full_2d_symbolic(mean, cov):
    """KL(N(mean, cov) || N(0, I)) for d = 2 from the derived full-covariance form."""
    values = {"m_1": mean[0], "m_2": mean[1], "S_11": cov[0, 0], "S_12": cov[0, 1], "S_22": cov[1, 1]}
    return _full(*(values[s.name] for s in _full_symbols))
