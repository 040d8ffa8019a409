"""Closed forms against quadrature of ∫ q log(q/p) and against high-precision arithmetic."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from scipy import integrate, stats

from numeric import kl_diag, kl_diag_standard, kl_full_standard, ratio_term


def _kl_by_quadrature(m1, v1, m2, v2):
    q, p = stats.norm(m1, np.sqrt(v1)), stats.norm(m2, np.sqrt(v2))
    f = lambda x: q.pdf(x) * (q.logpdf(x) - p.logpdf(x))  # noqa: E731
    s = np.sqrt(v1)
    return integrate.quad(f, m1 - 40 * s, m1 + 40 * s, points=[m1], epsabs=1e-13, epsrel=1e-12, limit=500)[0]


@pytest.mark.parametrize("seed", range(10))
def test_two_gaussians_match_quadrature(seed):
    """numeric's closed form against quadrature of the integral (theorem `kl_two_gaussians`)."""
    rng = np.random.default_rng(seed)
    m1, m2 = rng.normal(0, 2, 2)
    v1, v2 = np.exp(rng.uniform(-3, 3, 2))
    assert kl_diag([m1], [v1], [m2], [v2]) == pytest.approx(_kl_by_quadrature(m1, v1, m2, v2), rel=1e-9, abs=1e-12)


def test_diagonal_is_the_sum_of_coordinates():
    """The diagonal KL is the sum of the coordinates' KLs (theorem `kl_product`, theorem `kl_diagonal`)."""
    rng = np.random.default_rng(1)
    m, v = rng.normal(size=(5, 7)), np.exp(rng.normal(size=(5, 7)))
    per_coordinate = kl_diag_standard(m[..., None], v[..., None])
    np.testing.assert_allclose(kl_diag_standard(m, v), per_coordinate.sum(axis=1), rtol=1e-13)


def test_script_formula():
    """The script's KL = @(m,v) .5*sum(v + m.^2 - 1 - log(v)), written out independently (theorem `kl_diagonal`)."""
    rng = np.random.default_rng(2)
    m, v = rng.normal(size=(100, 3)), 0.1 + 2 * rng.random((100, 3))
    np.testing.assert_allclose(kl_diag_standard(m, v), 0.5 * (v + m**2 - 1 - np.log(v)).sum(1), rtol=1e-12)


def test_logvar_input_equals_var_input():
    rng = np.random.default_rng(3)
    m, lv = rng.normal(size=(4, 6)), rng.normal(size=(4, 6))
    np.testing.assert_allclose(kl_diag_standard(m, logvar=lv), kl_diag_standard(m, np.exp(lv)), rtol=1e-13)


def test_full_covariance_reduces_to_diagonal_and_is_invariant():
    """With a diagonal covariance the full form is the diagonal one (theorem `kl_full_to_diagonal_3`)."""
    rng = np.random.default_rng(4)
    m, v = rng.normal(size=3), np.exp(rng.normal(size=3))
    assert kl_full_standard(m, np.diag(v)) == pytest.approx(kl_diag_standard(m, v), rel=1e-12)
    a = rng.normal(size=(3, 3))
    cov = a @ a.T + np.eye(3)
    rot = np.linalg.qr(rng.normal(size=(3, 3)))[0]  # N(0, I) is rotation invariant
    assert kl_full_standard(rot @ m, rot @ cov @ rot.T) == pytest.approx(kl_full_standard(m, cov), rel=1e-10)


def test_nondefault_prior():
    m, v = np.array([0.3, -1.0]), np.array([0.5, 2.0])
    pm, pv = np.array([1.0, 0.5]), np.array([2.0, 0.25])
    expected = sum(_kl_by_quadrature(m[j], v[j], pm[j], pv[j]) for j in range(2))
    assert kl_diag_standard(m, v, prior_mean=pm, prior_var=pv) == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("t", [1e-12, -1e-9, 3e-6, -2e-4, 5e-3, -0.009, 0.02, -1.5, 30.0, -700.0])
def test_ratio_term_is_accurate_near_and_far_from_one(t):
    with mpmath.workdps(50):
        exact = float(mpmath.expm1(mpmath.mpf(t)) - mpmath.mpf(t))
    assert ratio_term(t) == pytest.approx(exact, rel=1e-13, abs=0)   # exact is as small as 5e-25: no absolute slack


@pytest.mark.parametrize("v", [1e-300, 1e-100, 1e-8, 1 + 1e-12, 1e8, 1e100, 1e300])
def test_extreme_variances_are_finite_and_correct(v):
    with mpmath.workdps(60):
        exact = float((mpmath.mpf(v) - 1 - mpmath.log(mpmath.mpf(v))) / 2)
    assert kl_diag_standard([0.0], [v]) == pytest.approx(exact, rel=1e-12, abs=0)   # 2.5e-25 at v = 1 + 1e-12
