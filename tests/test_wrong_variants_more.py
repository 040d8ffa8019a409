"""The rest of the public numeric functions: each against a second route, and a wrong variant that the check catches.

:mod:`tests.test_wrong_variants` covers ``numeric.__all__`` and the statistics helpers; this
catalogue covers what the modules of ``numeric`` export besides (the building blocks the
public functions share: log-densities, sums of exponentials, stratified estimates, panels
and nodes of the quadrature, row terms of the pairwise bounds) and the torch route of
:mod:`numeric.device`.  Same mechanism: the real implementation must pass its check, the
wrong one (a sign, a lost factor, uniform weights for w, a divisor N for N - 1) must fail
it.  :func:`test_every_public_numeric_function_has_a_wrong_variant` asserts that every
public function of every module is in one of the two catalogues or in :data:`EXEMPT`.
"""

from __future__ import annotations

import dataclasses
import importlib

import numpy as np
import pytest
from scipy import special, stats

import numeric as N
from kl_audit import stats as kl_stats
from numeric import _kernels, _quadrature_kernel, bounds, density, device as dev, encodings, mixture, montecarlo, quadrature
from numeric.estimate import Estimate
from tests.extras import require
from tests.test_wrong_variants import CATALOGUE as FIRST
from tests.test_wrong_variants import Entry, _mix, _mix_1d, _quad_kl_1d, _uniform

MOMENTS = importlib.import_module("numeric.moments")   # the module (numeric.moments is a function)


def _scipy_log_terms(mix, z):
    """log w_i + log q_i(z) by scipy, shape (N, S)."""
    return np.stack([np.log(mix.weights[i]) + stats.multivariate_normal(mix.means[i], np.diag(mix.variances[i])).logpdf(z)
                     for i in range(mix.n)]).reshape(mix.n, -1)


def _scipy_log_density(mix, z):
    return special.logsumexp(_scipy_log_terms(mix, z), axis=0)


def _loop_kl(mix):
    """D_ij = KL(q_i || q_j) by N.kl_diag, one pair at a time."""
    return np.array([[float(N.kl_diag(mix.means[i], mix.variances[i], mix.means[j], mix.variances[j]))
                      for j in range(mix.n)] for i in range(mix.n)])


def _closed_bd(mi, vi, mj, vj):
    """Bhattacharyya distance of two diagonal Gaussians, written out here: ⅛ Δmᵀ V̄⁻¹ Δm + ½ log(det V̄ / sqrt(det Vi det Vj))."""
    vbar = 0.5 * (vi + vj)
    return float(0.125 * np.sum((mi - mj) ** 2 / vbar) + 0.5 * np.sum(np.log(vbar) - 0.5 * np.log(vi) - 0.5 * np.log(vj)))


# --- bounds: distances, row terms, their combination --------------------------------------

def check_pairwise_distances(f):
    mix = _mix(4, 3, seed=21)
    kl, bd = f(mix.means[:2], mix.variances[:2], mix.means, mix.variances)
    np.testing.assert_allclose(kl, _loop_kl(mix)[:2], rtol=1e-12, atol=1e-14)
    ref = [[_closed_bd(mix.means[i], mix.variances[i], mix.means[j], mix.variances[j]) for j in range(4)] for i in range(2)]
    np.testing.assert_allclose(bd, ref, rtol=1e-12, atol=1e-14)


def _wrong_pairwise_distances(mi, vi, m, v):
    kl, _ = bounds.pairwise_distances(mi, vi, m, v)
    vsum = vi[:, None, :] + v[None, :, :]                              # v_i + v_j for their mean
    sq = (mi[:, None, :] - m[None, :, :]) ** 2
    bd = 0.125 * np.sum(sq / vsum, 2) + 0.5 * np.sum(np.log(vsum) - 0.5 * np.log(vi[:, None, :]) - 0.5 * np.log(v[None]), 2)
    return kl, bd


def check_pairwise_row_terms(f):
    mix = _mix(5, 2, seed=22)
    rows = np.array([0, 2, 4])
    lower, upper = f(mix, rows)
    bd = np.array([[_closed_bd(mix.means[i], mix.variances[i], mix.means[j], mix.variances[j]) for j in range(5)]
                   for i in rows])
    np.testing.assert_allclose(lower, special.logsumexp(np.log(mix.weights) - _loop_kl(mix)[rows], axis=1), rtol=1e-12)
    np.testing.assert_allclose(upper, special.logsumexp(np.log(mix.weights) - bd, axis=1), rtol=1e-12)


def _wrong_pairwise_row_terms(mix, rows, **kw):
    return bounds.pairwise_row_terms(_uniform(mix), rows, **kw)


def check_bounds_from_row_terms(f):
    """Exact: avg KL + Σ r_i t_i, widened by no more than a rounding margin; sampled: s/sqrt(R) with divisor R - 1."""
    mix = _mix(6, 2, seed=23)
    rows = np.arange(6)
    lo, up = bounds.pairwise_row_terms(mix, rows)
    avg = N.avg_kl(mix)
    exact = f(mix, avg, rows, mix.weights, lo, up, exact=True)
    assert exact.exact and exact.rows == 6 and (exact.lower_stderr, exact.upper_stderr) == (0.0, 0.0)
    assert 0 <= avg + mix.weights @ lo - exact.lower <= 1e-12 and 0 <= exact.upper - (avg + mix.weights @ up) <= 1e-12
    r = np.full(6, 1 / 6)
    sampled = f(mix, avg, rows, r, lo, up, exact=False)
    assert not sampled.exact
    assert sampled.lower_stderr == pytest.approx(np.std(lo, ddof=1) / np.sqrt(6), rel=1e-12, abs=0)
    assert sampled.upper_stderr == pytest.approx(np.std(up, ddof=1) / np.sqrt(6), rel=1e-12, abs=0)


def _wrong_bounds_from_row_terms(mix, base, rows, row_weights, lo, up, *, exact, prior=N.Prior()):
    b = bounds.bounds_from_row_terms(mix, base, rows, row_weights, lo, up, exact=exact, prior=prior)
    if exact:
        return b
    r = rows.shape[0]
    return dataclasses.replace(b, lower_stderr=float(np.std(lo) / np.sqrt(r)), upper_stderr=float(np.std(up) / np.sqrt(r)))


# --- density: normalizers, coefficients, sums of exponentials --------------------------------

def check_log_normalizers(f):
    mix = _mix(3, 4, seed=24)
    ref = [-stats.multivariate_normal(mix.means[i], np.diag(mix.variances[i])).logpdf(mix.means[i]) for i in range(3)]
    np.testing.assert_allclose(f(mix.variances), ref, rtol=1e-13)


def check_log_density_at_draws(f):
    mix = _mix(3, 2, seed=25)
    comp, eps = np.array([0, 2, 2, 1]), np.random.default_rng(26).normal(size=(4, 2))
    z = mix.means[comp] + np.sqrt(mix.variances[comp]) * eps
    ref = [stats.multivariate_normal(mix.means[c], np.diag(mix.variances[c])).logpdf(z[s]) for s, c in enumerate(comp)]
    np.testing.assert_allclose(f(density.log_normalizers(mix.variances[comp]), eps), ref, rtol=1e-13)


def check_log_term_coefficients(f):
    """Σ_k (a_ik z_k² + b_ik z_k) + c_i = log w_i + log q_i(z + center), with and without a center; -inf at w_i = 0."""
    mix = _mix(4, 3, seed=27)
    w = mix.weights.copy()
    w[1] = 0.0
    z = np.random.default_rng(28).normal(size=(5, 3))
    for center in (None, np.array([0.4, -1.0, 2.0])):
        coef = f(mix.means, mix.variances, w, center=center)
        d = 3
        got = (z * z) @ coef[:d] + z @ coef[d:2 * d] + coef[2 * d]
        shifted = z if center is None else z + center
        with np.errstate(divide="ignore"):
            ref = (np.log(w)[:, None] + _scipy_log_terms(mix, shifted) - np.log(mix.weights)[:, None]).T
        assert np.isneginf(got[:, 1]).all()
        np.testing.assert_allclose(np.delete(got, 1, axis=1), np.delete(ref, 1, axis=1), rtol=1e-12)


def _wrong_log_term_coefficients(means, variances, weights, *, center=None, spare_rows=0):
    coef = density.log_term_coefficients(means, variances, weights, spare_rows=spare_rows)   # center ignored
    return coef


def check_density_terms(f):
    mix = _mix(4, 2, seed=29)
    terms = f(mix)
    np.testing.assert_allclose(terms.center, np.average(mix.means, axis=0, weights=mix.weights), rtol=1e-13)
    z = np.random.default_rng(30).normal(size=(6, 2))
    s = np.random.default_rng(31).normal(size=6)
    got = np.column_stack([z * z, z, np.ones(6), -s]) @ terms.coef
    np.testing.assert_allclose(got, _scipy_log_terms(mix, z + terms.center).T - s[:, None], rtol=1e-12)


def _wrong_density_terms(mix):
    t = density.density_terms(_uniform(mix))
    d = mix.d
    coef = t.coef.copy()
    coef[2 * d] += np.log(mix.weights) - np.log(1 / mix.n)   # the weights right, the center of uniform weights
    return dataclasses.replace(t, mixture=mix, coef=coef)


def check_mixture_log_sum(f):
    mix = _mix(5, 2, seed=32)
    terms = density.density_terms(mix)
    z = np.random.default_rng(33).normal(size=(7, 2)) * 2
    np.testing.assert_allclose(f(terms, z - terms.center), _scipy_log_density(mix, z), rtol=1e-12)


def _wrong_mixture_log_sum(terms, z, shift=None, **kw):
    return density.mixture_log_sum(density.density_terms(_uniform(terms.mixture)), z, shift, **kw)


def check_sum_exp_clamped(f):
    """Rows holding a term >= 1 (the documented precondition), terms down to -800: equal to the unclamped sum."""
    a = np.array([[0.0, -1.0, -800.0, -720.0, -3.5], [-2.0, 0.5, -0.1, -760.0, -1e4]])
    ref = np.exp(a).sum(axis=1)
    np.testing.assert_allclose(f(a.copy(), axis=1), ref, rtol=1e-15)
    np.testing.assert_allclose(f(a.T.copy(), axis=0), ref, rtol=1e-15)


def _wrong_sum_exp_clamped(a, axis=-1):
    np.minimum(a, density.CLAMP, out=a)                         # minimum for maximum
    np.exp(a, out=a)
    return a.sum(axis=axis)


def check_logsumexp_rows(f):
    a = np.array([[800.0, 799.0, -np.inf], [-np.inf, -np.inf, -np.inf], [-1000.0, -1001.0, -999.0]])
    with np.errstate(divide="ignore"):
        ref = special.logsumexp(a, axis=1)
    np.testing.assert_allclose(f(a.copy(), axis=1), ref, rtol=1e-15)
    np.testing.assert_allclose(f(a.T.copy(), axis=0), ref, rtol=1e-15)
    b = a.copy()
    f(b, axis=1)
    assert np.array_equal(b, a)                                     # not overwritten unless allowed


def _wrong_logsumexp_rows(a, axis=-1, *, overwrite=False):
    with np.errstate(over="ignore", divide="ignore"):
        return np.log(np.exp(a).sum(axis=axis))                    # no shift by the maximum


def check_accumulate_logsumexp(f):
    """Blocks of columns folded in one at a time give scipy's logsumexp of the whole row."""
    rng = np.random.default_rng(34)
    a = rng.normal(0, 30, (3, 12))
    a[0, :6] = -np.inf
    a[1, 8:] += 500
    top, total = np.full(3, -np.inf), np.zeros(3)
    for cols in (slice(0, 4), slice(4, 8), slice(8, 12)):
        top = f(a[:, cols].copy(), top, total)
    np.testing.assert_allclose(np.log(total) + top, special.logsumexp(a, axis=1), rtol=1e-14)


def _wrong_accumulate_logsumexp(a, top, total):
    new_top = np.maximum(top, a.max(axis=1))                    # the running total is not rescaled
    safe = np.where(np.isfinite(new_top), new_top, 0.0)
    a -= safe[:, None]
    total += density.sum_exp_clamped(a, axis=1)
    return new_top


# --- mixture and moments ----------------------------------------------------------------------

def check_log_weights(f):
    with np.errstate(divide="ignore"):
        ref = np.log([0.25, 0.0, 0.75])
    np.testing.assert_array_equal(f(np.array([0.25, 0.0, 0.75])), ref)


def check_avg_kl_per_dimension(f):
    """Σ_i w_i ½(v/pv - 1 - log(v/pv) + (m - pm)²/pv) per coordinate, under a non-standard prior."""
    mix = _mix(5, 3, seed=35)
    pm, pv = np.array([0.5, -1.0, 0.0]), np.array([2.0, 0.5, 1.0])
    r = mix.variances / pv
    ref = mix.weights @ (0.5 * (r - 1 - np.log(r) + (mix.means - pm) ** 2 / pv))
    np.testing.assert_allclose(f(mix, prior=N.Prior(pm, pv)), ref, rtol=1e-12)


def check_variance_of_means(f):
    mix = _mix(6, 3, seed=36)
    ref = np.diag(np.cov(mix.means.T, aweights=mix.weights, bias=True))
    np.testing.assert_allclose(f(mix.weights, mix.means), ref, rtol=1e-12)


def check_active_units(f):
    v = np.array([0.5, 0.01, 0.0100001, 0.0, 0.009])
    assert f(v, 0.01) == 2 and f(v, 0.6) == 0 and f(v, -1.0) == 5


def _kl_gaussians(mu, cov, pm, pv):
    """KL(N(mu, cov) || N(pm, diag pv)), written out with slogdet and solve."""
    d = mu.size
    p = np.diag(pv)
    diff = mu - pm
    return 0.5 * (np.trace(np.linalg.solve(p, cov)) + diff @ np.linalg.solve(p, diff) - d
                  + np.linalg.slogdet(p)[1] - np.linalg.slogdet(cov)[1])


def check_matched_gaussian_kl(f):
    rng = np.random.default_rng(37)
    a = rng.normal(size=(3, 3))
    mu, cov = rng.normal(size=3), a @ a.T + 0.3 * np.eye(3)
    prior = N.Prior([1.0, -0.5, 0.2], [2.0, 0.7, 1.5])
    pm, pv = prior.arrays(3)
    assert abs(f(mu, cov, prior=prior) - _kl_gaussians(mu, cov, pm, pv)) < 1e-12
    assert abs(f(mu, cov, diagonal=True, prior=prior) - _kl_gaussians(mu, np.diag(np.diag(cov)), pm, pv)) < 1e-12


def _wrong_matched_gaussian_kl(mean, cov, *, diagonal=False, prior=N.Prior()):
    _, pv = prior.arrays(np.shape(mean)[-1])
    if diagonal:
        return MOMENTS.matched_gaussian_kl(mean, cov, diagonal=True, prior=prior)
    scale = 1.0 / np.sqrt(pv)
    return float(N.kl_full_standard(np.asarray(mean) * scale, cov * np.outer(scale, scale)))   # prior mean forgotten


def check_matched_gaussian_kl_per_dimension(f):
    mu, var = np.array([0.3, -2.0, 1.0]), np.array([0.5, 4.0, 1.2])
    pm, pv = np.array([1.0, 0.0, -1.0]), np.array([2.0, 3.0, 0.5])
    ref = [_kl_gaussians(mu[j:j + 1], np.diag(var[j:j + 1]), pm[j:j + 1], pv[j:j + 1]) for j in range(3)]
    np.testing.assert_allclose(f(mu, var, prior=N.Prior(pm, pv)), ref, rtol=1e-12)


# --- Monte Carlo: draws, strata, pooled and stratified estimates -----------------------------------

def check_own_log_term(f):
    mix = _mix(3, 2, seed=38)
    comp, eps = np.array([2, 0, 1, 1]), np.random.default_rng(39).normal(size=(4, 2))
    z = mix.means[comp] + np.sqrt(mix.variances[comp]) * eps
    ref = [np.log(mix.weights[c]) + stats.multivariate_normal(mix.means[c], np.diag(mix.variances[c])).logpdf(z[s])
           for s, c in enumerate(comp)]
    np.testing.assert_allclose(f(mix, comp, eps), ref, rtol=1e-13)


def _wrong_own_log_term(mix, comp, eps):
    return density.log_density_at_draws(density.log_normalizers(mix.variances[comp]), eps)   # log w_c forgotten


def check_pooled_estimate(f):
    x = np.array([1.5, 2.25, 0.5, 3.0, 1.75])
    shift = 2.0
    e = f(x.size, np.sum(x - shift), np.sum((x - shift) ** 2), shift, level=0.9)
    assert e.value == pytest.approx(x.mean(), rel=1e-14, abs=0) and (e.n_samples, e.level) == (5, 0.9)
    assert e.stderr == pytest.approx(x.std(ddof=1) / np.sqrt(5), rel=1e-12, abs=0)
    assert e.high - e.value == pytest.approx(stats.norm.ppf(0.95) * e.stderr, rel=1e-12, abs=0)


def _wrong_pooled_estimate(total, sum_, sum_of_squares, shift, *, level):
    mean = float(sum_) / total
    var = max(float(sum_of_squares) / total - mean ** 2, 0.0)            # divisor n for n - 1
    return Estimate.normal(float(shift) + mean, np.sqrt(var / total), total, level)


def check_stratified_estimate(f):
    """Σ_i w_i mean_i with standard error sqrt(Σ_i w_i² s_i²/n_i), s_i² with divisor n_i - 1."""
    rng = np.random.default_rng(40)
    w = np.array([0.6, 0.3, 0.1])
    strata = [rng.normal(mu, sd, n) for mu, sd, n in ((1.0, 0.5, 6), (-2.0, 2.0, 4), (5.0, 1.0, 3))]
    shift = 0.7
    counts = np.array([s.size for s in strata], dtype=float)
    sums = np.array([np.sum(s - shift) for s in strata])
    squares = np.array([np.sum((s - shift) ** 2) for s in strata])
    e = f(w, counts, sums, squares, shift, level=0.95)
    assert e.value == pytest.approx(sum(wi * s.mean() for wi, s in zip(w, strata)), rel=1e-13, abs=0)
    se = np.sqrt(sum(wi ** 2 * s.var(ddof=1) / s.size for wi, s in zip(w, strata)))
    assert e.stderr == pytest.approx(se, rel=1e-12, abs=0) and e.n_samples == 13


def _wrong_stratified_estimate(weights, counts, sums, sums_of_squares, shift, *, level):
    means = sums / counts
    var_i = np.maximum(sums_of_squares / counts - means * means, 0.0) * counts / (counts - 1)
    se = np.sqrt(np.sum(weights * var_i / counts))                     # w_i for w_i²
    return Estimate.normal(float(shift) + float(weights @ means), float(se), int(counts.sum()), level)


def check_draw_count(f):
    """S < 2N: S draws at random; otherwise the stratified counts, which the floor of 30 draws can raise."""
    w = np.array([0.5, 0.3, 0.19, 0.01])
    assert f(w, 7) == 7
    assert f(w, 1000) == 500 + 300 + 190 + 30
    assert f(np.array([0.25, 0.25, 0.25, 0.25]), 1000) == 1000


def check_residuals(f):
    """avg KL - (I + TC + Σ_j KL_j) and avg KL - (I + KL(q̄ || p)), errors added in quadrature (3-4-5)."""
    mi, tc, kl = Estimate.normal(1.0, 0.3, 100), Estimate.normal(0.5, 0.4, 100), Estimate.normal(2.0, 0.4, 100)
    residual, gap = f(3.0, kl, mi, tc, 1.25, 100)
    assert residual.value == pytest.approx(0.25, rel=1e-14, abs=0) and residual.stderr == pytest.approx(0.5, rel=1e-14)
    assert gap.value == 0.0 and gap.stderr == pytest.approx(0.5, rel=1e-14) and residual.n_samples == 100


def _wrong_residuals(avg, kl, mi, tc, dimwise_sum, n):
    residual, gap = encodings.residuals(avg, kl, mi, tc, dimwise_sum, n)
    return (Estimate.normal(residual.value, mi.stderr + tc.stderr, n),        # errors added, not in quadrature
            Estimate.normal(gap.value, mi.stderr + kl.stderr, n))


def check_total_correlation_terms(f):
    mix = _mix(4, 3, seed=41)
    z = np.random.default_rng(42).normal(size=(6, 3))
    marginals = sum(_scipy_log_density(N.DiagonalMixture(mix.means[:, j:j + 1], mix.variances[:, j:j + 1], mix.weights),
                                       z[:, j:j + 1]) for j in range(3))
    np.testing.assert_allclose(f(mix, z, N.log_density), _scipy_log_density(mix, z) - marginals, rtol=1e-11)


def _wrong_total_correlation_terms(mix, z, log_density):
    marg = sum(log_density(N.DiagonalMixture(mix.means[:, j:j + 1], mix.variances[:, j:j + 1], np.full(mix.n, 1 / mix.n)),
                           z[:, j:j + 1]) for j in range(mix.d))
    return log_density(mix, z) - marg                                       # marginals with uniform weights


# --- quadrature: nodes and panels ---------------------------------------------------------------

def check_quadrature_nodes(f):
    """21-point Kronrod exact to degree 31 on [-1, 1], its 10-point Gauss subset to degree 19."""
    x, kronrod, gauss = f()
    assert (np.diff(x) > 0).all() and (gauss[0::2] == 0).all()
    exact = lambda k: 0.0 if k % 2 else 2.0 / (k + 1)   # noqa: E731
    for k in range(32):
        assert abs(kronrod @ x ** k - exact(k)) <= 4e-15, k
    for k in range(20):
        assert abs(gauss @ x ** k - exact(k)) <= 4e-15, k


def _wrong_quadrature_nodes():
    x, kronrod, gauss = quadrature.quadrature_nodes()
    return x, kronrod, np.roll(gauss, 1)                                   # Gauss weights on the Kronrod-only nodes


def check_panel_edges(f):
    """One component, reach 10, 2 panels per sd: the 41 edges -10, -9.5, ..., 10; two far apart: one panel between."""
    m, s, live = np.array([[0.0]]), np.array([[1.0]]), np.array([[True]])
    np.testing.assert_allclose(f(m, s, live, 2.0, 10.0)[0], np.linspace(-10, 10, 41), rtol=0, atol=1e-12)
    two = f(np.array([[0.0, 100.0]]), np.array([[1.0, 1.0]]), np.array([[True, True]]), 1.0, 5.0)[0]
    assert two[0] == -5 and two[-1] == 105 and two.size == 10 + 1 + 1 + 10
    assert np.count_nonzero((two > 5) & (two < 95)) == 0


def _wrong_panel_edges(m, s, live, panels_per_sd, reach):
    return quadrature.panel_edges(m, s, live, 1.0 / panels_per_sd, reach)   # s·panels_per_sd for s/panels_per_sd


# --- the compiled kernels (numeric._kernels, numeric._quadrature_kernel) ---------------------------

def check_log_group_size(f):
    """g = clip(700 // max(max|log v|, 1), 1, 4096): products of g variances stay inside float64."""
    assert f(np.array([[0.5, -3.5], [1.0, 2.0]])) == 200 and f(np.array([[0.1, -0.5]])) == 700
    assert f(np.array([[1e4]])) == 1 and f(np.array([[1e-4]])) == 700


def _wrong_log_group_size(log_variances):
    return int(max(1, min(4096, 700 // float(np.abs(log_variances).max()))))      # no floor of 1 under the divisor


def check_direct_log_terms(f):
    """out[r, j] = const_j - ½ Σ_k (z_rk - m_jk)²/v_jk + minus_shift_r, against scipy's log-densities."""
    mix = _mix(3, 2, seed=56)
    z = np.random.default_rng(57).normal(size=(4, 2))
    const = np.log(mix.weights) - density.log_normalizers(mix.variances)
    shift = np.array([0.5, -1.0, 2.0, 0.0])
    out = np.empty((4, 3))
    f(z, np.ascontiguousarray(mix.means), 1.0 / mix.variances, const, shift, out)
    np.testing.assert_allclose(out, _scipy_log_terms(mix, z).T + shift[:, None], rtol=1e-12)


def _wrong_direct_log_terms(z, centred, inv_v, const, minus_shift, out):
    quad = (((z[:, None, :] - centred[None]) ** 2) * inv_v[None]).sum(2)
    out[...] = const[None] - quad + minus_shift[:, None]                                        # ½ lost


def check_kl_bhattacharyya_block(f):
    mix = _mix(5, 3, seed=58)
    log_v = np.log(mix.variances)
    half = 0.5 * log_v.sum(1)
    rows = np.array([1, 3])
    kl, bd = np.empty((2, 5)), np.empty((2, 5))
    for group in (1, _kernels.log_group_size(log_v)):
        f(mix.means[rows], mix.variances[rows], mix.means, mix.variances, 1.0 / mix.variances, half[rows], half, group,
          kl, bd)
        np.testing.assert_allclose(kl, _loop_kl(mix)[rows], rtol=1e-12, atol=1e-14)
        ref = [[_closed_bd(mix.means[i], mix.variances[i], mix.means[j], mix.variances[j]) for j in range(5)] for i in rows]
        np.testing.assert_allclose(bd, ref, rtol=1e-12, atol=1e-14)


def _wrong_kl_bhattacharyya_block(mi, vi, m, v, inv_v, half_logdet_i, half_logdet, group, kl, bd):
    k, b = bounds.pairwise_distances(mi, vi, m, v)
    kl[...] = k
    bd[...] = b + 0.125 * (((mi[:, None] - m[None]) ** 2) / (0.5 * (vi[:, None] + v[None]))).sum(2)   # ¼ for ⅛


def check_exp_nonpositive(f):
    y = np.concatenate([-np.geomspace(1e-12, 700, 200), [0.0, -0.5 * np.log(2), -np.log(2), -700.0]])
    got = np.array([f(float(t)) for t in y])
    np.testing.assert_allclose(got, np.exp(y), rtol=1e-15, atol=0)             # a few units in the last place


def _wrong_exp_nonpositive(y):
    k = int(-y / np.log(2) + 0.5)
    r = y + k * np.log(2)
    return (1 + r + r * r / 2 + r ** 3 / 6 + r ** 4 / 24 + r ** 5 / 120 + r ** 6 / 720) * 2.0 ** -k   # degree 6 for 13


def check_panel_log_sums(f):
    """top + log Σ_i e^{a_i - top} = log Σ_i e^{a_i}, and the e^{a_i}-weighted means of log q_i and |log q_i|,
    at x = left + half·unit, a_i = c_i - (x - m_i)² h_i (``top`` is any shift at or above the largest a_i)."""
    mix = _mix_1d()
    m, v, w = mix.means[:, 0], mix.variances[:, 0], mix.weights
    h, lq = 1 / (2 * v), -0.5 * np.log(2 * np.pi * v)
    c = np.log(w) + lq
    left, half, unit = np.array([-2.0, 0.5]), np.array([0.75, 1.25]), quadrature.quadrature_nodes()[0] + 1.0
    top, sums = np.empty((2, 21)), np.zeros((2, 21, 3))
    two = lambda a: np.ascontiguousarray(np.atleast_2d(a))   # noqa: E731  (one row, B = 1)
    f(np.zeros(2, dtype=np.int64), left, half, unit, two(m), two(h), two(c), two(lq), True, top, sums)
    x = left[:, None] + half[:, None] * unit[None]                                            # (P, K)
    a = c - (x[..., None] - m) ** 2 * h                                                       # (P, K, N)
    log_q = lq - (x[..., None] - m) ** 2 * h
    e = np.exp(a - a.max(-1, keepdims=True))
    assert (top >= a.max(-1) - 1e-12).all()
    np.testing.assert_allclose(top + np.log(sums[..., 0]), a.max(-1) + np.log(e.sum(-1)), rtol=1e-13, atol=0)
    means = np.stack([(e * log_q).sum(-1), (e * np.abs(log_q)).sum(-1)], -1) / e.sum(-1)[..., None]
    np.testing.assert_allclose(sums[..., 1:] / sums[..., :1], means, rtol=1e-12, atol=0)


def _wrong_panel_log_sums(rows, left, half, unit, m, h, c, lq, moments, top, sums):
    _quadrature_kernel.panel_log_sums(rows, left, half, unit, m, h, c, c, moments, top, sums)   # log w_i q_i for log q_i



def _one_dim(n=5000, seed=21):
    """A one-dimensional mixture of n components over more than one of the kernel's blocks: unequal weights,
    variances from 1e-4 to 10, means spread over [-6, 6]."""
    rng = np.random.default_rng(seed)
    w = rng.random(n) ** 3
    return w / w.sum(), rng.uniform(-6, 6, n), np.exp(rng.uniform(np.log(1e-4), np.log(10.0), n))


def _log_mixture_1d(w, m, v, x):
    """log Σ_i w_i N(x; m_i, v_i) written out with scipy, shape (P,)."""
    return special.logsumexp(np.log(w) + stats.norm.logpdf(x[:, None], m, np.sqrt(v)), axis=1)


def check_log_density_1d(f):
    w, m, v = _one_dim()
    x = np.concatenate([np.linspace(-9, 9, 61), m[:3], [m[0] + 1e-3, 40.0]])   # on, between and far from the means
    np.testing.assert_allclose(f(w, m, v, x), _log_mixture_1d(w, m, v, x), rtol=1e-12, atol=1e-12)


def check_point_log_sums(f):
    """top[p] + log total[p] = log Σ_i e^{c_i - (x_p - m_i)² h_i}, over several blocks of components."""
    w, m, v = _one_dim()
    h, c = 1 / (2 * v), np.log(w) - 0.5 * np.log(2 * np.pi * v)
    x = np.linspace(-9, 9, 37)
    top, total = np.empty(37), np.empty(37)
    f(x, -m, h, c, _quadrature_kernel.block_bounds(m, h, c), 8, top, total)
    np.testing.assert_allclose(top + np.log(total), special.logsumexp(c - (x[:, None] - m) ** 2 * h, axis=1),
                               rtol=1e-12, atol=1e-12)


def _wrong_point_log_sums(x, minus_m, h, c, bounds, group, top, total):
    a = c - (x[:, None] + minus_m) ** 2 * h / 2                                   # h = 1/(2v) halved twice
    top[:] = a.max(1)
    total[:] = np.exp(a - top[:, None]).sum(1)


def check_block_bounds(f):
    """Per block of the kernel's block size: min and max of the means, min of h, max of c."""
    w, m, v = _one_dim()
    h, c = 1 / (2 * v), np.log(w) - 0.5 * np.log(2 * np.pi * v)
    size = _quadrature_kernel._BLOCK
    blocks = [slice(s, s + size) for s in range(0, len(m), size)]
    want = np.array([[m[b].min() for b in blocks], [m[b].max() for b in blocks],
                     [h[b].min() for b in blocks], [c[b].max() for b in blocks]])
    np.testing.assert_array_equal(f(m, h, c), want)


def _wrong_block_bounds(m, h, c):
    out = _quadrature_kernel.block_bounds(m, h, c)
    starts = np.arange(0, len(m), _quadrature_kernel._BLOCK)
    out[2] = np.maximum.reduceat(h, starts)                                          # largest h for smallest
    return out


def check_sum_exp_rows(f):
    """Σ_j e^{clip(a_rj, -700, 700)}: ordinary rows to a few ulp, a row wholly below -745 to e^-700 per entry."""
    rng = np.random.default_rng(8)
    a = np.vstack([rng.uniform(-30, 2, (3, 257)), np.full((1, 257), -800.0), [np.linspace(-700, 0, 257)]])
    out = np.empty(5)
    f(a, out)
    np.testing.assert_allclose(out, np.exp(np.clip(a, -700, 700)).sum(1), rtol=1e-13, atol=0)


def _wrong_sum_exp_rows(a, out):
    out[:] = np.exp(a).sum(1)                                                        # no clamp below


# --- methods of the public types ------------------------------------------------------------------

def check_mixture_sample(f):
    """Draws of 2 components with variances 0.25 and 4: each coordinate's mean and variance within 5 standard errors."""
    mix = N.DiagonalMixture.create([[-1.0, 2.0], [1.5, 0.0]], [[0.25, 4.0], [4.0, 0.25]], weights=[0.3, 0.7])
    z = f(mix, 40_000, np.random.default_rng(55))
    assert z.shape == (40_000, 2)
    mu, cov = N.moments(mix)
    se_mean = z.std(0, ddof=1) / np.sqrt(len(z))
    dev2 = (z - mu) ** 2
    se_var = dev2.std(0, ddof=1) / np.sqrt(len(z))
    assert (np.abs(z.mean(0) - mu) <= 5 * se_mean).all() and (np.abs(dev2.mean(0) - np.diag(cov)) <= 5 * se_var).all()


def _wrong_mixture_sample(mix, size, rng):
    comp = rng.choice(mix.n, size=size, p=mix.weights)
    return mix.means[comp] + mix.variances[comp] * rng.standard_normal((size, mix.d))   # variance for deviation


def check_mixture_create(f):
    lv, m = np.array([[-1.0, 0.5], [2.0, 0.0]]), np.array([[0.0, 1.0], [2.0, -1.0]])
    mix = f(m, logvar=lv, weights=[0.25, 0.75])
    np.testing.assert_allclose(mix.variances, np.exp(lv), rtol=1e-15)
    np.testing.assert_allclose(mix.weights, [0.25, 0.75], rtol=1e-15)
    np.testing.assert_array_equal(f(m, np.exp(lv)).weights, [0.5, 0.5])


def _wrong_mixture_create(means, var=None, *, logvar=None, weights=None):
    if logvar is not None:
        var, logvar = np.exp(0.5 * np.asarray(logvar)), None                              # exp(logvar / 2) for exp(logvar)
    return N.DiagonalMixture.create(means, var, logvar=logvar, weights=weights)


def check_estimate_affine(f):
    est = Estimate(2.0, 0.5, 1.0, 3.5, 400, 0.9)                   # an interval not symmetric about the value
    up = f(est, 3.0)
    assert (up.value, up.low, up.high, up.stderr, up.n_samples, up.level) == (5.0, 4.0, 6.5, 0.5, 400, 0.9)
    down = f(est, 10.0, -1.0)
    assert (down.value, down.low, down.high, down.stderr) == (8.0, 6.5, 9.0, 0.5)


def _wrong_estimate_affine(est, offset, sign=1.0):
    return Estimate(offset + sign * est.value, est.stderr, offset + sign * est.low, offset + sign * est.high,
                    est.n_samples, est.level)                                                 # ends not reordered


# --- the torch route (numeric.device) ------------------------------------------------------------

def _torch_mix(mix):
    torch = require("torch")
    require("array_api_compat")
    return dev.DeviceMixture.create(torch.as_tensor(mix.means), torch.as_tensor(mix.variances),
                                    weights=torch.as_tensor(mix.weights))


def _device_uniform(tmix):
    return dataclasses.replace(tmix, weights=tmix.weights * 0 + 1.0 / tmix.n)


def check_device_avg_kl(f):
    mix = _mix(5, 3, seed=43)
    ref = sum(mix.weights[i] * 0.5 * np.sum(mix.variances[i] + mix.means[i] ** 2 - 1 - np.log(mix.variances[i]))
              for i in range(5))
    assert abs(f(_torch_mix(mix)) - ref) < 1e-12


def check_device_entropy_of_weights(f):
    mix = _mix(5, 1, seed=44)
    assert abs(f(_torch_mix(mix)) - stats.entropy(mix.weights)) < 1e-14


def check_device_variance_of_means(f):
    mix = _mix(6, 3, seed=45)
    ref = np.diag(np.cov(mix.means.T, aweights=mix.weights, bias=True))
    np.testing.assert_allclose(np.asarray(f(_torch_mix(mix))), ref, rtol=1e-12)


def check_device_active_units(f):
    m = np.column_stack([np.linspace(-1, 1, 8), np.full(8, 0.2) + 0.05 * np.arange(8), np.linspace(0, 0.1, 8)])
    mix = N.DiagonalMixture.create(m, np.ones((8, 3)), weights=np.linspace(1, 2, 8) / np.linspace(1, 2, 8).sum())
    var = np.diag(np.cov(m.T, aweights=mix.weights, bias=True))            # 0.38..., 0.0138..., 0.00138...
    assert var[1] > 0.01 > var[2]
    assert f(_torch_mix(mix)) == 2 and f(_torch_mix(mix), threshold=0.001) == 3


def check_device_log_density(f):
    mix = _mix(4, 2, seed=46)
    z = np.random.default_rng(47).normal(size=(6, 2))
    np.testing.assert_allclose(np.asarray(f(_torch_mix(mix), require("torch").as_tensor(z))), _scipy_log_density(mix, z),
                               rtol=1e-12)


def check_device_float32_log_density_bound(f):
    """The documented bound, evaluated term by term with plain loops."""
    mix = _mix(3, 2, seed=48)
    z = np.random.default_rng(49).normal(size=(4, 2))
    u, d = 2.0 ** -24, 2
    logq = _scipy_log_density(mix, z)
    ref = []
    for s in range(4):
        per = [(2 * d + 8) * u * (sum((abs(z[s, j]) + abs(mix.means[i, j])) ** 2 / (2 * mix.variances[i, j]) for j in range(d))
                                  + sum(abs(np.log(mix.variances[i, j])) for j in range(d)) + d * np.log(2 * np.pi) / 2
                                  + abs(np.log(mix.weights[i]))) for i in range(3)]
        ref.append(max(per) + (3 + 4) * u * (1 + abs(logq[s])))
    np.testing.assert_allclose(np.asarray(f(_torch_mix(mix), require("torch").as_tensor(z))), ref, rtol=1e-12)


def _wrong_float32_log_density_bound(mix, z):
    return dev.float32_log_density_bound(mix, z) * 2.0 ** -29              # float64's unit roundoff for float32's


def check_device_kl_monte_carlo(f):
    mix = _mix_1d()
    est = f(_torch_mix(mix), 20_000, np.random.default_rng(50))
    assert abs(est.value - _quad_kl_1d(mix)) <= 5 * est.stderr


def check_device_mutual_information_monte_carlo(f):
    from tests.test_wrong_variants import _quad_mi_1d
    mix = _mix_1d()
    est = f(_torch_mix(mix), 20_000, np.random.default_rng(51))
    assert abs(est.value - _quad_mi_1d(mix)) <= 5 * est.stderr


def check_device_dimwise_kl(f):
    """Each coordinate's KL(q̄_j || N(0, 1)) against scipy's quadrature, unequal weights."""
    mix = _mix(3, 2, seed=52)
    value, error = f(_torch_mix(mix))
    for j in range(2):
        marginal = N.DiagonalMixture(mix.means[:, j:j + 1], mix.variances[:, j:j + 1], mix.weights)
        assert abs(value[j] - _quad_kl_1d(marginal)) <= 1e-8 + 10 * error[j], (j, value[j], _quad_kl_1d(marginal))
    assert (error < 1e-8).all()


def check_device_pairwise_bounds(f):
    """A bracket of the quadrature value, each end strictly better than the trivial one (avg KL - H(w), avg KL)."""
    mix = N.DiagonalMixture.create([[-1.0], [0.5], [4.0]], [[0.5], [0.8], [0.3]], weights=[0.5, 0.3, 0.2])
    b = f(_torch_mix(mix))
    truth, avg, h = _quad_kl_1d(mix), N.avg_kl(mix), N.entropy_of_weights(mix.weights)
    assert b.exact and avg - h < b.lower <= truth <= b.upper < avg


def _wrong_device_pairwise_bounds(tmix, **kw):
    b = dev.pairwise_bounds(tmix, **kw)
    w = np.asarray(tmix.weights)
    mix = N.DiagonalMixture(np.asarray(tmix.means), np.asarray(tmix.variances), w)
    upper = N.avg_kl(mix) + w @ special.logsumexp(np.log(w)[None] + N.pairwise_bhattacharyya(mix), axis=1)   # e^{+BD}
    return dataclasses.replace(b, upper=float(upper))


def check_device_decompose(f):
    """avg KL = I + TC + Σ_j KL_j within the error, unequal weights in d = 3 (as the numpy route's check)."""
    rng = np.random.default_rng(53)
    n = 40
    means = np.column_stack([rng.normal(0, 2, n), rng.normal(0, 0.3, n), rng.normal(1, 0.2, n)])
    mix = N.DiagonalMixture.create(means, np.exp(rng.normal(-1, 0.3, (n, 3))), weights=rng.dirichlet(np.full(n, 0.3)))
    dec = f(_torch_mix(mix), np.random.default_rng(54), n_samples=4_000)
    assert abs(dec.residual.value) <= 4 * dec.residual.stderr + dec.dimwise_error.sum()
    assert dec.dimwise_error.sum() < 1e-8


def _wrong_device_decompose(tmix, rng, **kw):
    dec = dev.decompose(tmix, rng, **kw)
    uniform, _ = dev.dimwise_kl(_device_uniform(tmix))                 # dimension-wise KL with uniform weights
    res = Estimate.normal(dec.avg_kl - dec.mutual_information.value - dec.total_correlation.value - uniform.sum(),
                          dec.residual.stderr, dec.residual.n_samples)
    return dataclasses.replace(dec, dimwise_kl=uniform, residual=res)


def _on_uniform(func):
    """``func`` given the mixture with uniform weights in place of w."""
    def wrong(mix, *args, **kwargs):
        return func(_device_uniform(mix), *args, **kwargs)
    return wrong


# --- the catalogue ---------------------------------------------------------------------------------

CATALOGUE: dict[str, Entry] = {
    "pairwise_distances": Entry(check_pairwise_distances, bounds.pairwise_distances, _wrong_pairwise_distances,
                                "v_i + v_j for their mean in BD"),
    "pairwise_row_terms": Entry(check_pairwise_row_terms, bounds.pairwise_row_terms, _wrong_pairwise_row_terms,
                                "uniform weights for w"),
    "bounds_from_row_terms": Entry(check_bounds_from_row_terms, bounds.bounds_from_row_terms,
                                   _wrong_bounds_from_row_terms, "standard errors with divisor R for R - 1"),
    "log_normalizers": Entry(check_log_normalizers, density.log_normalizers,
                             lambda v: 0.5 * v.shape[-1] * mixture.LOG_2PI + np.log(v).sum(-1), "½ lost on Σ log v"),
    "log_density_at_draws": Entry(check_log_density_at_draws, density.log_density_at_draws,
                                  lambda c, eps: -c - (eps * eps).sum(1), "½ lost on Σ eps²"),
    "log_term_coefficients": Entry(check_log_term_coefficients, density.log_term_coefficients,
                                   _wrong_log_term_coefficients, "center ignored"),
    "density_terms": Entry(check_density_terms, density.density_terms, _wrong_density_terms,
                           "center with uniform weights"),
    "mixture_log_sum": Entry(check_mixture_log_sum, density.mixture_log_sum, _wrong_mixture_log_sum,
                             "uniform weights for w"),
    "sum_exp_clamped": Entry(check_sum_exp_clamped, density.sum_exp_clamped, _wrong_sum_exp_clamped,
                             "minimum for maximum in the clamp"),
    "logsumexp_rows": Entry(check_logsumexp_rows, density.logsumexp_rows, _wrong_logsumexp_rows,
                            "no shift by the maximum"),
    "accumulate_logsumexp": Entry(check_accumulate_logsumexp, density.accumulate_logsumexp,
                                  _wrong_accumulate_logsumexp, "running total not rescaled"),
    "log_weights": Entry(check_log_weights, mixture.log_weights, lambda w: np.log(np.where(w > 0, w, 1.0)),
                         "0 for log 0 instead of -inf"),
    "avg_kl_per_dimension": Entry(check_avg_kl_per_dimension, mixture.avg_kl_per_dimension,
                                  lambda mix, prior=N.Prior(): mixture.avg_kl_per_dimension(mix), "prior ignored"),
    "variance_of_means": Entry(check_variance_of_means, MOMENTS.variance_of_means,
                               lambda w, m: np.sqrt(MOMENTS.variance_of_means(w, m)),
                               "standard deviation for variance"),
    "active_units": Entry(check_active_units, MOMENTS.active_units, lambda v, t: int(np.sum(v >= t)),
                          ">= for > at the threshold"),
    "matched_gaussian_kl": Entry(check_matched_gaussian_kl, MOMENTS.matched_gaussian_kl, _wrong_matched_gaussian_kl,
                                 "prior mean forgotten in the whitening"),
    "matched_gaussian_kl_per_dimension": Entry(
        check_matched_gaussian_kl_per_dimension, MOMENTS.matched_gaussian_kl_per_dimension,
        lambda mu, var, prior=N.Prior(): MOMENTS.matched_gaussian_kl_per_dimension(mu, var, prior=N.Prior(prior.mean)),
        "prior variance ignored"),
    "own_log_term": Entry(check_own_log_term, montecarlo.own_log_term, _wrong_own_log_term, "log w_c forgotten"),
    "pooled_estimate": Entry(check_pooled_estimate, montecarlo.pooled_estimate, _wrong_pooled_estimate,
                             "variance divided by n for n - 1"),
    "stratified_estimate": Entry(check_stratified_estimate, montecarlo.stratified_estimate, _wrong_stratified_estimate,
                                 "w_i for w_i² in the variance"),
    "draw_count": Entry(check_draw_count, montecarlo.draw_count, lambda w, s: int(s), "the floor's extra draws lost"),
    "residuals": Entry(check_residuals, encodings.residuals, _wrong_residuals, "errors added, not in quadrature"),
    "total_correlation_terms": Entry(check_total_correlation_terms, encodings.total_correlation_terms,
                                     _wrong_total_correlation_terms, "marginals with uniform weights"),
    "quadrature_nodes": Entry(check_quadrature_nodes, quadrature.quadrature_nodes, _wrong_quadrature_nodes,
                              "Gauss weights shifted onto the Kronrod-only nodes"),
    "panel_edges": Entry(check_panel_edges, quadrature.panel_edges, _wrong_panel_edges,
                         "s·panels_per_sd for s/panels_per_sd"),
    "log_group_size": Entry(check_log_group_size, _kernels.log_group_size, _wrong_log_group_size,
                            "no floor of 1 under the divisor"),
    "direct_log_terms": Entry(check_direct_log_terms, _kernels.direct_log_terms, _wrong_direct_log_terms, "½ lost"),
    "kl_bhattacharyya_block": Entry(check_kl_bhattacharyya_block, _kernels.kl_bhattacharyya_block,
                                    _wrong_kl_bhattacharyya_block, "1/4 for 1/8 in BD"),
    "exp_nonpositive": Entry(check_exp_nonpositive, _quadrature_kernel.exp_nonpositive, _wrong_exp_nonpositive,
                             "Taylor polynomial of degree 6 for 13"),
    "panel_log_sums": Entry(check_panel_log_sums, _quadrature_kernel.panel_log_sums, _wrong_panel_log_sums,
                            "log w_i q_i for log q_i in the moments"),
    "log_density_1d": Entry(check_log_density_1d, quadrature.log_density_1d,
                            lambda w, m, v, x: quadrature.log_density_1d(np.full(len(w), 1 / len(w)), m, v, x),
                            "uniform weights for w"),
    "point_log_sums": Entry(check_point_log_sums, _quadrature_kernel.point_log_sums, _wrong_point_log_sums,
                            "(x - m)²/(4v) for (x - m)²/(2v)"),
    "block_bounds": Entry(check_block_bounds, _quadrature_kernel.block_bounds, _wrong_block_bounds,
                          "largest h for the smallest"),
    "sum_exp_rows": Entry(check_sum_exp_rows, _quadrature_kernel.sum_exp_rows, _wrong_sum_exp_rows,
                          "no clamp at -700"),
    "DiagonalMixture.sample": Entry(check_mixture_sample, N.DiagonalMixture.sample, _wrong_mixture_sample,
                                    "variance for standard deviation"),
    "DiagonalMixture.create": Entry(check_mixture_create, N.DiagonalMixture.create, _wrong_mixture_create,
                                    "exp(logvar / 2) for exp(logvar)"),
    "Estimate.affine": Entry(check_estimate_affine, Estimate.affine, _wrong_estimate_affine,
                             "ends not reordered for sign -1"),
    "device.avg_kl": Entry(check_device_avg_kl, dev.avg_kl, _on_uniform(dev.avg_kl), "uniform weights for w"),
    "device.entropy_of_weights": Entry(check_device_entropy_of_weights, dev.entropy_of_weights,
                                       lambda m: dev.entropy_of_weights(m) / np.log(2), "bits for nats"),
    "device.variance_of_means": Entry(check_device_variance_of_means, dev.variance_of_means,
                                      _on_uniform(dev.variance_of_means), "uniform weights for w"),
    "device.active_units": Entry(check_device_active_units, dev.active_units,
                                 lambda m, threshold=0.01: int((np.sqrt(np.asarray(dev.variance_of_means(m)))
                                                                > threshold).sum()),
                                 "standard deviation of the means for their variance"),
    "device.log_density": Entry(check_device_log_density, dev.log_density, _on_uniform(dev.log_density),
                                "uniform weights for w"),
    "device.float32_log_density_bound": Entry(check_device_float32_log_density_bound, dev.float32_log_density_bound,
                                              _wrong_float32_log_density_bound, "u = 2^-53 for 2^-24"),
    "device.kl_monte_carlo": Entry(check_device_kl_monte_carlo, dev.kl_monte_carlo, _on_uniform(dev.kl_monte_carlo),
                                   "uniform weights for w"),
    "device.mutual_information_monte_carlo": Entry(check_device_mutual_information_monte_carlo,
                                                   dev.mutual_information_monte_carlo,
                                                   _on_uniform(dev.mutual_information_monte_carlo),
                                                   "uniform weights for w"),
    "device.dimwise_kl": Entry(check_device_dimwise_kl, dev.dimwise_kl, _on_uniform(dev.dimwise_kl),
                               "uniform weights for w"),
    "device.pairwise_bounds": Entry(check_device_pairwise_bounds, dev.pairwise_bounds, _wrong_device_pairwise_bounds,
                                    "e^{+BD} for e^{-BD} in the upper bound"),
    "device.decompose": Entry(check_device_decompose, dev.decompose, _wrong_device_decompose,
                              "dimension-wise KL with uniform weights"),
}


@pytest.mark.parametrize("name", CATALOGUE)
def test_real_implementation_passes(name):
    entry = CATALOGUE[name]
    entry.check(entry.real)


@pytest.mark.parametrize("name", CATALOGUE, ids=[f"{k}: {v.slip}" for k, v in CATALOGUE.items()])
def test_wrong_variant_is_caught(name):
    entry = CATALOGUE[name]
    with pytest.raises(AssertionError):
        entry.check(entry.wrong)


# --- coverage --------------------------------------------------------------------------------------

#: The modules whose public functions (``__all__``) and the public methods of their types need a wrong variant.
MODULES = ["numeric", "numeric._kernels", "numeric._quadrature_kernel", "numeric.bounds", "numeric.density",
           "numeric.device", "numeric.encodings", "numeric.estimate", "numeric.gaussian", "numeric.mixture",
           "numeric.moments", "numeric.montecarlo", "numeric.quadrature", "numeric.script", "kl_audit.stats"]

#: Public functions and methods without a wrong variant of their own, and why none is needed.
EXEMPT: dict[str, str] = {
    "numeric.estimate.Estimate.as_dict": "field names of the report (tests/test_known_answers.py checks every one)",
    "numeric.mixture.Prior.arrays": "broadcasting and validation of the prior; every entry with a prior moves with it",
    "numeric.device.DeviceMixture.create": "validation and namespace plumbing (tests/test_device.py, test_one_formula.py)",
    "numeric.device.DeviceMixture.from_numpy": "a copy to a torch device, then DeviceMixture.create",
    "numeric.device.DeviceMixture.log_weights": "numeric.mixture.log_weights itself, which has an entry",
}

#: Modules of plumbing, without formulas: input checks and conversions, and array-namespace helpers.
PLUMBING = {
    "numeric._validate": "input checks and conversions (tests/test_bad_input.py names each refusal)",
    "numeric._xp": "array-namespace plumbing (tests/test_device.py runs every route on numpy and torch)",
}


def _public_functions():
    """{qualified name: object} for every public function of :data:`MODULES`, and every public method of their types."""
    out = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for attr in module.__all__:
            obj = getattr(module, attr)
            if isinstance(obj, type):
                for method, raw in vars(obj).items():
                    if not method.startswith("_") and isinstance(raw, (classmethod, staticmethod, type(_mix))):
                        out[f"{obj.__module__}.{obj.__name__}.{method}"] = getattr(obj, method)
            elif callable(obj):
                out[f"{name}.{attr}"] = obj
    return out


def test_every_public_numeric_function_has_a_wrong_variant():
    """A public function is covered when some entry's real implementation is that very object."""
    reals = [e.real for e in (*FIRST.values(), *CATALOGUE.values())]
    missing = sorted(q for q, obj in _public_functions().items()
                     if not any(obj is r or obj == r for r in reals) and q not in EXEMPT)
    assert not missing, f"public functions without a wrong variant in the catalogues: {missing}"
    assert set(EXEMPT) <= set(_public_functions()), sorted(set(EXEMPT) - set(_public_functions()))


def test_every_numeric_module_is_listed():
    """A new module of ``numeric`` is listed in MODULES (its functions then need wrong variants) or in PLUMBING."""
    import pkgutil
    found = {f"numeric.{m.name}" for m in pkgutil.iter_modules(N.__path__)}
    assert found - set(MODULES) == set(PLUMBING), sorted(found - set(MODULES) ^ set(PLUMBING))


def test_every_entry_is_a_different_formula():
    """No entry's wrong variant is its real implementation, and no real implementation is entered twice."""
    entries = [*FIRST.values(), *CATALOGUE.values()]
    assert all(e.wrong is not e.real for e in entries)
    ids = [id(e.real) for e in entries if not isinstance(e.real, type)]
    assert len(ids) == len(set(ids))


def test_the_statistics_helpers_are_covered():
    assert {kl_stats.rate_interval, kl_stats.mean_interval} <= {e.real for e in FIRST.values()}
