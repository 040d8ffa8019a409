"""Every public numeric function against a second route, and a plausible wrong variant of it that the same check catches.

Each entry of :data:`CATALOGUE` names a function, a check that takes an implementation
and asserts a fact computed another way (scipy, quadrature, a closed form, a known
answer, Monte Carlo within its standard error), the real implementation and a wrong
variant (the kind of slip a person makes: a sign, a lost factor, uniform weights for w,
k - 1 for k).  The real one must pass and the wrong one must fail.  Monte Carlo
tolerances are multiples of the estimate's own standard error, with fixed seeds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest
from scipy import integrate, special, stats

import numeric as N
from kl_audit.stats import mean_interval, rate_interval
from numeric.bounds import pairwise_row_terms, rounding_margin
from numeric.encodings import total_correlation_monte_carlo
from numeric.montecarlo import monte_carlo_expectation, stratified_counts


class Entry(NamedTuple):
    check: Callable[[Any], None]
    real: Any
    wrong: Any
    slip: str


def _mix(n=3, d=2, seed=0, spread=1.0):
    rng = np.random.default_rng(seed)
    return N.DiagonalMixture.create(rng.normal(0, spread, (n, d)), np.exp(rng.normal(-0.5, 0.4, (n, d))),
                                    weights=rng.dirichlet(np.full(n, 0.7)))


def _mix_1d(seed=0):
    return N.DiagonalMixture.create([[-1.5], [0.3], [2.0]], [[0.4], [1.3], [0.2]], weights=[0.6, 0.3, 0.1])


def _quad_kl_1d(mix, prior_mean=0.0, prior_var=1.0):
    """∫ q̄ log(q̄/p) by scipy's adaptive quadrature, 1-D."""
    w, m, s = mix.weights, mix.means[:, 0], np.sqrt(mix.variances[:, 0])

    def f(x):
        q = float(np.sum(w * stats.norm.pdf(x, m, s)))
        return q * (np.log(q) - stats.norm.logpdf(x, prior_mean, np.sqrt(prior_var))) if q > 0 else 0.0

    pts = sorted(set(np.round(m, 6)))
    return integrate.quad(f, m.min() - 12 * s.max(), m.max() + 12 * s.max(), points=pts, limit=400,
                          epsabs=1e-12, epsrel=1e-11)[0]


def _quad_mi_1d(mix):
    w, m, s = mix.weights, mix.means[:, 0], np.sqrt(mix.variances[:, 0])

    def f(x):
        qi = stats.norm.pdf(x, m, s)
        q = float(np.sum(w * qi))
        ok = qi > 0
        return float(np.sum(w[ok] * qi[ok] * np.log(qi[ok] / q))) if q > 0 else 0.0

    return integrate.quad(f, m.min() - 12 * s.max(), m.max() + 12 * s.max(), points=sorted(m), limit=400,
                          epsabs=1e-12, epsrel=1e-11)[0]


def _uniform(mix):
    return dataclasses.replace(mix, weights=np.full(mix.n, 1.0 / mix.n))


# --- closed forms --------------------------------------------------------------------

def check_ratio_term(f):
    t = np.array([1e-9, -3e-4, 5e-3, 0.3, -4.0, 25.0])
    ref = np.array([float(mp_r) for mp_r in _mp_ratio(t)])
    np.testing.assert_allclose(f(t), ref, rtol=1e-12)


def _mp_ratio(t):
    import mpmath as mp
    with mp.workdps(40):
        return [mp.exp(mp.mpf(x)) - 1 - mp.mpf(x) for x in t]


def check_kl_diag(f):
    m1, v1, m2, v2 = np.array([0.3, -1.0]), np.array([0.5, 2.0]), np.array([1.0, 0.5]), np.array([1.5, 0.7])
    ref = sum(integrate.quad(lambda x, j=j: stats.norm.pdf(x, m1[j], np.sqrt(v1[j]))
                             * (stats.norm.logpdf(x, m1[j], np.sqrt(v1[j])) - stats.norm.logpdf(x, m2[j], np.sqrt(v2[j]))),
                             -30, 30, points=[m1[j]], limit=200)[0] for j in range(2))
    assert abs(float(f(m1, v1, m2, v2)) - ref) < 1e-8


def check_kl_diag_standard(f):
    m, v = np.array([0.3, -1.0]), np.array([0.5, 2.0])
    pm, pv = np.array([1.0, 0.5]), np.array([1.5, 0.7])
    ref = 0.5 * np.sum(v / pv - 1 - np.log(v / pv) + (m - pm) ** 2 / pv)
    assert abs(float(f(m, v, prior_mean=pm, prior_var=pv)) - ref) < 1e-12
    assert abs(float(f(m, logvar=np.log(v))) - 0.5 * np.sum(v + m * m - 1 - np.log(v))) < 1e-12


def check_kl_full_standard(f):
    """Invariant under rotations (the prior is isotropic), equal to the diagonal form for diagonal cov."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 3))
    cov, m = a @ a.T + 0.5 * np.eye(3), rng.normal(size=3)
    r = np.linalg.qr(rng.normal(size=(3, 3)))[0]
    assert abs(float(f(m, cov)) - float(f(r @ m, r @ cov @ r.T))) < 1e-10
    assert abs(float(f(m, np.diag(np.diag(cov)))) - float(N.kl_diag_standard(m, np.diag(cov)))) < 1e-12
    written_out = 0.5 * (np.trace(cov) + m @ m - 3 - np.linalg.slogdet(cov)[1])
    assert abs(float(f(m, cov)) - written_out) < 1e-12


def check_entropy_diag(f):
    v = np.array([0.5, 2.0, 3.0])
    assert abs(float(f(v)) - stats.multivariate_normal(np.zeros(3), np.diag(v)).entropy()) < 1e-12


def check_entropy_of_weights(f):
    w = np.array([0.5, 0.2, 0.3, 0.0])
    assert abs(f(w) - stats.entropy(w)) < 1e-14


# --- the mixture, its moments and densities ----------------------------------------------

def check_avg_kl(f):
    mix = _mix(4, 3)
    m, v = mix.means, mix.variances                        # the script's formula, written out
    ref = sum(mix.weights[i] * 0.5 * np.sum(v[i] + m[i] ** 2 - 1 - np.log(v[i])) for i in range(4))
    assert abs(f(mix) - ref) < 1e-12


def check_mixture_moments(f):
    mix = _mix(5, 3)
    mu, cov = f(mix.weights, mix.means, mix.variances)
    np.testing.assert_allclose(mu, np.average(mix.means, axis=0, weights=mix.weights), rtol=1e-12)
    ref = np.cov(mix.means.T, aweights=mix.weights, bias=True) + np.diag(mix.weights @ mix.variances)
    np.testing.assert_allclose(cov, ref, rtol=1e-12, atol=1e-14)


def check_moments(f):
    mix = _mix(5, 2)
    mu, cov = f(mix)
    np.testing.assert_allclose(mu, np.average(mix.means, axis=0, weights=mix.weights), rtol=1e-12)
    ref = np.cov(mix.means.T, aweights=mix.weights, bias=True) + np.diag(mix.weights @ mix.variances)
    np.testing.assert_allclose(cov, ref, rtol=1e-12)


def check_moment_matched_kl(f):
    """d = 1: KL(N(μ̄, σ̄²) || p) with μ̄, σ̄² integrated from q̄'s density by scipy."""
    mix = _mix_1d()
    w, m, s = mix.weights, mix.means[:, 0], np.sqrt(mix.variances[:, 0])
    dens = lambda x: float(np.sum(w * stats.norm.pdf(x, m, s)))  # noqa: E731
    mu = integrate.quad(lambda x: x * dens(x), -20, 20, limit=200)[0]
    var = integrate.quad(lambda x: (x - mu) ** 2 * dens(x), -20, 20, limit=200)[0]
    assert abs(f(mix) - 0.5 * (var + mu * mu - 1 - np.log(var))) < 1e-9
    assert f(mix, diagonal=True) == pytest.approx(f(mix), abs=1e-12)   # d = 1: diag G = G


def check_log_density(f):
    mix = _mix(3, 2)
    z = np.random.default_rng(1).normal(size=(7, 2))
    comps = np.stack([stats.multivariate_normal(mix.means[i], np.diag(mix.variances[i])).logpdf(z) for i in range(3)])
    np.testing.assert_allclose(f(mix, z), special.logsumexp(comps, axis=0, b=mix.weights[:, None]), rtol=1e-12)


def check_log_prior(f):
    z = np.random.default_rng(2).normal(size=(5, 2))
    prior = N.Prior(mean=[0.5, -1.0], var=[2.0, 0.3])
    ref = stats.norm.logpdf(z, [0.5, -1.0], np.sqrt([2.0, 0.3])).sum(1)
    np.testing.assert_allclose(f(z, prior), ref, rtol=1e-12)


def check_log_density_ratio(f):
    mix = _mix(3, 2)
    z = np.random.default_rng(3).normal(size=(6, 2))
    comps = np.stack([stats.multivariate_normal(mix.means[i], np.diag(mix.variances[i])).logpdf(z) for i in range(3)])
    ref = special.logsumexp(comps, axis=0, b=mix.weights[:, None]) - stats.norm.logpdf(z).sum(1)
    np.testing.assert_allclose(f(mix, z), ref, rtol=1e-11)


# --- KL(q̄ || p) and I(i; z) -------------------------------------------------------------

def check_kl_quadrature_1d(f):
    mix = _mix_1d()
    val, err = f(mix.weights, mix.means[:, 0], mix.variances[:, 0])
    assert abs(float(val) - _quad_kl_1d(mix)) < 1e-8 + 10 * float(err)
    assert float(err) < 1e-8                       # the tolerance above is not widened by a runaway error estimate


def check_mutual_information_quadrature_1d(f):
    mix = _mix_1d()
    val, err = f(mix.weights, mix.means[:, 0], mix.variances[:, 0])
    assert abs(float(val) - _quad_mi_1d(mix)) < 1e-8 + 10 * float(err)
    assert float(err) < 1e-8


def check_kl_monte_carlo(f):
    mix = _mix_1d()
    est = f(mix, 20_000, np.random.default_rng(4))
    assert abs(est.value - _quad_kl_1d(mix)) <= 5 * est.stderr
    assert est.low < est.value < est.high and est.n_samples >= 20_000
    # the standard error is the spread of the estimate: over 16 seeds, (s / stderr)² · 15 ~ χ²_15, within its 99.9% range
    reps = [f(mix, 2_000, np.random.default_rng(100 + seed)) for seed in range(16)]
    ratio2 = np.var([e.value for e in reps], ddof=1) / np.mean([e.stderr for e in reps]) ** 2
    assert stats.chi2.ppf(0.0005, 15) / 15 <= ratio2 <= stats.chi2.ppf(0.9995, 15) / 15, ratio2


def check_kl_monte_carlo_batch(f):
    mixes = [_mix_1d(), N.DiagonalMixture.create([[0.0], [3.0]], [[1.0], [0.5]], weights=[0.8, 0.2])]
    w = np.stack([np.pad(m.weights, (0, 3 - m.n)) for m in mixes])
    means = np.stack([np.pad(m.means, ((0, 3 - m.n), (0, 0))) for m in mixes])
    var = np.stack([np.pad(m.variances, ((0, 3 - m.n), (0, 0)), constant_values=1.0) for m in mixes])
    value, se = f(w, means, var, 20_000, np.random.default_rng(5))
    for t, mix in enumerate(mixes):
        assert abs(value[t] - _quad_kl_1d(mix)) <= 5 * se[t], (t, value[t], _quad_kl_1d(mix), se[t])


def check_mutual_information_monte_carlo(f):
    mix = _mix_1d()
    est = f(mix, 20_000, np.random.default_rng(6))
    assert abs(est.value - _quad_mi_1d(mix)) <= 5 * est.stderr


def check_mutual_information(f):
    kl = N.Estimate.normal(1.0, 0.1, 100)
    mi = f(3.0, kl)
    assert (mi.value, mi.stderr) == (2.0, 0.1) and mi.low == pytest.approx(3.0 - kl.high) and mi.high == pytest.approx(3.0 - kl.low)
    assert f(3.0, 1.25) == 1.75


def check_monte_carlo_expectation(f):
    """E[z] over q̄ is Σ_i w_i m_i; stratified (S >= 2N) and plain sampling alike."""
    mix = _mix(4, 1, seed=7, spread=3.0)
    target = float(mix.weights @ mix.means[:, 0])
    for s in (2_000, 5):
        est = f(mix, s, np.random.default_rng(8), lambda z, comp, eps: z[:, 0], level=0.95, chunk_samples=512,
                progress=None)
        assert abs(est.value - target) <= 5 * est.stderr + 1e-12, (s, est, target)


def check_stratified_counts(f):
    w = np.array([0.5, 0.3, 0.15, 0.05])
    c = f(w, 1001)                                   # floor clip(1001 // 16, 2, 30) = 30 binds on none
    assert c.sum() == 1001 and (np.abs(c - w * 1001) < 1).all()
    light = f(np.array([0.5, 0.3, 0.19, 0.01]), 1000)   # floor 30 binds on the light one
    assert light[3] == 30 and (light[:3] == [500, 300, 190]).all()
    assert f(np.array([0.999, 0.001]), 10).min() == 2


# --- pairwise bounds -------------------------------------------------------------------

def check_pairwise_kl(f):
    mix = _mix(4, 3)
    ref = np.array([[float(N.kl_diag(mix.means[i], mix.variances[i], mix.means[j], mix.variances[j]))
                     for j in range(4)] for i in range(4)])
    np.testing.assert_allclose(f(mix), ref, rtol=1e-10, atol=1e-12)


def check_pairwise_bhattacharyya(f):
    """-log ∫ sqrt(q_i q_j), by quadrature, 1-D."""
    mix = N.DiagonalMixture.create([[0.0], [1.5], [-2.0]], [[1.0], [0.3], [2.5]])
    bd = f(mix)
    for i in range(3):
        for j in range(3):
            ref = -np.log(integrate.quad(lambda x: np.sqrt(stats.norm.pdf(x, mix.means[i, 0], np.sqrt(mix.variances[i, 0]))
                                                           * stats.norm.pdf(x, mix.means[j, 0], np.sqrt(mix.variances[j, 0]))),
                                         -30, 30, limit=200)[0])
            assert abs(bd[i, j] - ref) < 1e-9, (i, j, bd[i, j], ref)


def check_pairwise_bounds(f):
    """A bracket of the quadrature value, each end strictly better than the trivial one (avg KL - H(w), avg KL)."""
    mix = N.DiagonalMixture.create([[-1.0], [0.5], [4.0]], [[0.5], [0.8], [0.3]], weights=[0.5, 0.3, 0.2])
    lower, upper = f(mix)
    truth, avg, h = _quad_kl_1d(mix), N.avg_kl(mix), N.entropy_of_weights(mix.weights)
    assert avg - h < lower <= truth <= upper < avg


def check_pairwise_bounds_sampled(f):
    """Heavy components in a cluster, light ones scattered: the row terms differ with the weight."""
    rng = np.random.default_rng(9)
    means = np.vstack([rng.normal(0, 0.5, (50, 2)), rng.normal(0, 8, (350, 2))])
    w = np.concatenate([np.full(50, 0.8 / 50), np.full(350, 0.2 / 350)])
    mix = N.DiagonalMixture.create(means, np.full((400, 2), 0.3), weights=w)
    # the bounds by another route: scipy's logsumexp over the pairwise distances, plus avg KL
    logw = np.log(w)
    lower = N.avg_kl(mix) + w @ special.logsumexp(logw[None] - N.pairwise_kl(mix), axis=1)
    upper = N.avg_kl(mix) + w @ special.logsumexp(logw[None] - N.pairwise_bhattacharyya(mix), axis=1)
    exact = f(mix, max_rows=1000)
    assert exact.exact and (exact.lower, exact.upper) == (pytest.approx(lower, rel=0, abs=1e-9),
                                                          pytest.approx(upper, rel=0, abs=1e-9))
    assert exact.lower <= lower and exact.upper >= upper      # widened by the rounding margin, never narrowed
    sub = f(mix, max_rows=300, rng=np.random.default_rng(10))
    assert not sub.exact and sub.rows == 300
    assert abs(sub.lower - lower) <= 4 * sub.lower_stderr and abs(sub.upper - upper) <= 4 * sub.upper_stderr


def check_rounding_margin(f):
    """Narrow, far-apart components: without the margin the lower bound exceeds its exact value."""
    from tests.test_known_answers import _mp_bounds, _narrow_far_apart
    mix = _narrow_far_apart()
    rows = np.arange(mix.n)
    lo, up = pairwise_row_terms(mix, rows)
    margin = f(mix, rows, mix.weights, lo, up)
    exact_lower, exact_upper = _mp_bounds(mix)
    assert N.avg_kl(mix) + float(mix.weights @ lo) - margin <= exact_lower
    assert N.avg_kl(mix) + float(mix.weights @ up) + margin >= exact_upper


# --- the script -------------------------------------------------------------------------

def check_reproduce(f):
    """One component: E[plotted - avg KL] = ½ Σ_j [v_j/k - ψ((k-1)/2) - log(2/(k-1))]."""
    d, k = 2, 3
    t = f(d=d, n=1, k=k, iterations=20_000, seed=12)
    c = special.digamma((k - 1) / 2) + np.log(2 / (k - 1))
    excess = t.plotted_kl - t.avg_kl - 0.5 * (t.variances[:, 0, :].sum(1) / k - d * c)
    assert abs(excess.mean()) <= 5 * excess.std(ddof=1) / np.sqrt(excess.size)


def check_script_estimate(f):
    """The pooled sample variance is unbiased: E[σ̂²] = mixture variance of the N k draws' population."""
    rng = np.random.default_rng(13)
    t, n, k = 20_000, 1, 2
    means, variances = np.zeros((t, n, 1)), np.full((t, n, 1), 2.0)
    mu, var = f(means, variances, k, rng)
    assert abs(var.mean() - 2.0) <= 5 * var.std(ddof=1) / np.sqrt(t)
    assert abs(mu.var() - 2.0 / k) <= 5 * (2.0 / k) * np.sqrt(2 / (t - 1))   # the sample variance's standard error


def check_draw_components(f):
    m, v = f(4000, 2, 3, np.random.default_rng(14))
    assert m.shape == v.shape == (4000, 2, 3)
    assert abs(m.mean()) < 5 / np.sqrt(m.size) and abs(m.var() - 1) < 5 * np.sqrt(2 / (m.size - 1))
    assert 0.1 <= v.min() and v.max() <= 2.1 and abs(v.mean() - 1.1) < 5 * (2 / np.sqrt(12)) / np.sqrt(v.size)


# --- encodings ----------------------------------------------------------------------------

def check_linear_vae_encodings(f):
    rng = np.random.default_rng(15)
    x = rng.normal(size=(400, 6)) * np.linspace(3, 0.5, 6) @ np.linalg.qr(rng.normal(size=(6, 6)))[0]
    means, variances = f(x, 3)
    mu, cov = N.mixture_moments(np.full(400, 1 / 400), means, variances)
    np.testing.assert_allclose(mu, 0, atol=1e-12)
    np.testing.assert_allclose(cov, np.eye(3), atol=1e-10)


def check_decompose(f):
    """avg KL = I + TC + Σ_j KL_j, every term by its own route, with unequal weights in d = 3."""
    rng = np.random.default_rng(16)
    n = 40
    means = np.column_stack([rng.normal(0, 2, n), rng.normal(0, 0.3, n), rng.normal(1, 0.2, n)])
    mix = N.DiagonalMixture.create(means, np.exp(rng.normal(-1, 0.3, (n, 3))), weights=rng.dirichlet(np.full(n, 0.3)))
    dec = f(mix, np.random.default_rng(17), n_samples=4_000)
    assert abs(dec.residual.value) <= 4 * dec.residual.stderr + dec.dimwise_error.sum()
    assert dec.dimwise_error.sum() < 1e-8


def check_total_correlation_monte_carlo(f):
    w = np.array([0.9, 0.1])
    mix = N.DiagonalMixture.create([[5.0, 5.0], [-5.0, -5.0]], np.full((2, 2), 0.01), weights=w)
    tc = f(mix, 2_000, np.random.default_rng(18))
    assert abs(tc.value - N.entropy_of_weights(w)) <= 5 * tc.stderr + 1e-12


# --- statistics --------------------------------------------------------------------------

def check_rate_interval(f):
    r = f(81, 263)   # Newcombe (1998), Table II: 0.2553 to 0.3662
    assert (round(r["ci_low"], 4), round(r["ci_high"], 4)) == (0.2553, 0.3662)


def check_mean_interval(f):
    r = f(np.array([1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4]))   # Student (1908): 0.7001 to 2.4599
    assert abs(r["ci_low"] - 0.7001142) < 1e-6 and abs(r["ci_high"] - 2.4598858) < 1e-6


def check_estimate_normal(f):
    e = f(0.0, 1.0, 10)
    assert abs(e.high - 1.959963985) < 1e-8 and abs(e.low + 1.959963985) < 1e-8


# --- the wrong variants ---------------------------------------------------------------------

def _wrong_ratio_term(t):
    t = np.asarray(t, dtype=float)
    return np.expm1(t) - t                                  # no series: cancellation near t = 0


def _wrong_kl_diag(m1, v1, m2, v2):
    return 0.5 * np.sum(v1 / v2 - 1 + np.log(v1 / v2) + (m1 - m2) ** 2 / v2, axis=-1)   # sign of the log


def _wrong_kl_diag_standard(mean, var=None, *, logvar=None, prior_mean=0.0, prior_var=1.0):
    return N.kl_diag_standard(mean, var, logvar=logvar)     # prior ignored


def _wrong_kl_full_standard(mean, cov):
    cov = np.asarray(cov)
    return 0.5 * (np.trace(cov) + np.dot(mean, mean) - len(mean) - np.log(np.diag(cov)).sum())   # log det of the diagonal


def _wrong_moments(mix):
    return N.mixture_moments(np.full(mix.n, 1 / mix.n), mix.means, mix.variances)


def _wrong_mixture_moments(w, m, v):
    mu = w @ m
    return mu, np.einsum("n,ni,nj->ij", w, m, m) + np.diag(w @ v)    # not centered


def _wrong_moment_matched_kl(mix, *, diagonal=False, prior=N.Prior()):
    mu = mix.weights @ mix.means
    return float(N.kl_diag_standard(mu, mix.weights @ mix.variances))  # spread of the means forgotten


def _wrong_log_density(mix, z, **kw):
    return N.log_density(_uniform(mix), z, **kw)


def _wrong_log_prior(z, prior):
    pm, pv = prior.arrays(z.shape[-1])
    return -0.5 * (np.log(pv).sum() + (((z - pm) ** 2) / pv).sum(axis=-1))   # 2π forgotten


def _wrong_log_density_ratio(mix, z, **kw):
    return N.log_prior(np.asarray(z), N.Prior()) - N.log_density(mix, z)     # reversed ratio


def _wrong_kl_quadrature_1d(w, m, v, **kw):
    return N.kl_quadrature_1d(w, m, np.sqrt(v), **kw)        # standard deviations for variances


def _wrong_mi_quadrature_1d(w, m, v, **kw):
    return N.mutual_information_quadrature_1d(np.full(len(w), 1 / len(w)), m, v, **kw)


def _wrong_kl_monte_carlo(mix, s, rng, **kw):
    return N.kl_monte_carlo(_uniform(mix), s, rng, **kw)


def _wrong_kl_monte_carlo_batch(w, m, v, s, rng, **kw):
    w = np.asarray(w)
    return N.kl_monte_carlo_batch((w > 0) / (w > 0).sum(1, keepdims=True), m, v, s, rng, **kw)


def _wrong_mi_monte_carlo(mix, s, rng, **kw):
    return N.mutual_information_monte_carlo(_uniform(mix), s, rng, **kw)


def _wrong_mutual_information(avg, kl):
    return kl.affine(-avg) if isinstance(kl, N.Estimate) else float(kl) - avg   # sign


def _wrong_monte_carlo_expectation(mix, s, rng, f, **kw):
    return monte_carlo_expectation(_uniform(mix), s, rng, f, **kw)


def _wrong_stratified_counts(w, s):
    return np.floor(w * s).astype(np.int64)                    # no floor, no remainder


def _wrong_pairwise_kl(mix, rows=slice(None)):
    return N.pairwise_kl(mix, rows).T                          # D_ji for D_ij


def _wrong_pairwise_bhattacharyya(mix, rows=slice(None)):
    bd = N.pairwise_bhattacharyya(mix, rows)
    m = mix.means
    return bd + 0.125 * (((m[rows][:, None] - m[None]) ** 2) / (0.5 * (mix.variances[rows][:, None] + mix.variances[None]))).sum(2)   # ¼ for ⅛


def _wrong_pairwise_bounds(mix, **kw):
    base = N.avg_kl(mix)
    logw = np.log(mix.weights)
    lower = special.logsumexp(logw[None] - N.pairwise_kl(mix), axis=1)
    upper = special.logsumexp(logw[None] + N.pairwise_bhattacharyya(mix), axis=1)   # e^{+D} for e^{-D}
    return base + mix.weights @ lower, base + mix.weights @ upper


def _wrong_pairwise_bounds_sampled(mix, *, max_rows=2048, rng=None, **kw):
    if mix.n <= max_rows:
        return N.pairwise_bounds_sampled(mix, max_rows=max_rows, rng=rng, **kw)
    rows = np.sort(rng.choice(mix.n, size=max_rows, p=mix.weights))
    lo, up = pairwise_row_terms(mix, rows)
    w = mix.weights[rows] / mix.weights[rows].sum()            # rows drawn by w and weighted by w again
    base = N.avg_kl(mix)
    se = lambda t: float(t.std(ddof=1) / np.sqrt(t.size))     # noqa: E731
    return N.BoundsEstimate(base + w @ lo, base + w @ up, se(lo), se(up), max_rows, False)


def _wrong_rounding_margin(*args, **kw):
    return 0.0


def _wrong_reproduce(*, k=100, **kw):
    t = N.reproduce(k=k - 1, **kw)                               # k - 1 samples
    return dataclasses.replace(t, k=k)


def _wrong_script_estimate(means, variances, k, rng):
    mu, var = N.script_estimate(means, variances, k, rng)
    n = means.shape[1]
    return mu, var * (n * k - 1) / (n * k)                     # biased: divides by N k


def _wrong_draw_components(trials, n, d, rng):
    return rng.standard_normal((trials, n, d)), 0.1 + rng.random((trials, n, d))   # rand for 2*rand


def _wrong_linear_vae_encodings(data, latent):
    means, variances = N.linear_vae_encodings(data, latent)
    return means, variances * 0 + variances.mean()            # one variance for every dimension


def _wrong_decompose(mix, rng, **kw):
    dec = N.decompose(mix, rng, **kw)
    uniform = np.array([float(N.kl_quadrature_1d(np.full(mix.n, 1 / mix.n), mix.means[:, j], mix.variances[:, j])[0])
                        for j in range(mix.d)])                  # dimension-wise KL with uniform weights
    res = N.Estimate.normal(dec.avg_kl - dec.mutual_information.value - dec.total_correlation.value - uniform.sum(),
                            dec.residual.stderr, dec.residual.n_samples)
    return dataclasses.replace(dec, dimwise_kl=uniform, residual=res)


def _wrong_total_correlation(mix, s, rng, **kw):
    u = _uniform(mix)
    marg = [N.DiagonalMixture(u.means[:, j:j + 1], u.variances[:, j:j + 1], u.weights) for j in range(mix.d)]
    return monte_carlo_expectation(mix, s, rng, lambda z, c, e: N.log_density(mix, z) - sum(
        N.log_density(q, z[:, j:j + 1]) for j, q in enumerate(marg)), level=0.95, chunk_samples=4096, progress=None)


def _wrong_rate_interval(s, n, level=0.95):
    return rate_interval(s, n, 1 - level)                       # confidence 1 - level


def _wrong_mean_interval(values, level=0.95):
    r = mean_interval(values, level)
    half = stats.norm.ppf(0.5 + level / 2) * r["stderr"]        # normal quantile for t
    return {**r, "ci_low": r["mean"] - half, "ci_high": r["mean"] + half}


def _wrong_estimate_normal(value, stderr, n, level=0.95):
    z = float(stats.norm.ppf(level))                            # one-sided quantile
    return N.Estimate(value, stderr, value - z * stderr, value + z * stderr, n, level)


CATALOGUE: dict[str, Entry] = {
    "ratio_term": Entry(check_ratio_term, N.ratio_term, _wrong_ratio_term, "no series near r = 1"),
    "kl_diag": Entry(check_kl_diag, N.kl_diag, _wrong_kl_diag, "sign of log(v1/v2)"),
    "kl_diag_standard": Entry(check_kl_diag_standard, N.kl_diag_standard, _wrong_kl_diag_standard, "prior ignored"),
    "kl_full_standard": Entry(check_kl_full_standard, N.kl_full_standard, _wrong_kl_full_standard,
                              "log det of the diagonal"),
    "entropy_diag": Entry(check_entropy_diag, N.entropy_diag, lambda v: 0.5 * np.log(2 * np.pi * np.asarray(v)).sum(-1),
                          "log 2π for log 2πe"),
    "entropy_of_weights": Entry(check_entropy_of_weights, N.entropy_of_weights,
                                lambda w: float(-special.xlogy(w, w).sum() / np.log(2)), "bits for nats"),
    "avg_kl": Entry(check_avg_kl, N.avg_kl, lambda mix: N.avg_kl(_uniform(mix)), "uniform weights for w"),
    "mixture_moments": Entry(check_mixture_moments, N.mixture_moments, _wrong_mixture_moments, "not centered"),
    "moments": Entry(check_moments, N.moments, _wrong_moments, "uniform weights for w"),
    "moment_matched_kl": Entry(check_moment_matched_kl, N.moment_matched_kl, _wrong_moment_matched_kl,
                               "spread of the means forgotten"),
    "log_density": Entry(check_log_density, N.log_density, _wrong_log_density, "uniform weights for w"),
    "log_prior": Entry(check_log_prior, N.log_prior, _wrong_log_prior, "2π forgotten"),
    "log_density_ratio": Entry(check_log_density_ratio, N.log_density_ratio, _wrong_log_density_ratio,
                               "reversed ratio"),
    "kl_quadrature_1d": Entry(check_kl_quadrature_1d, N.kl_quadrature_1d, _wrong_kl_quadrature_1d,
                              "standard deviations for variances"),
    "mutual_information_quadrature_1d": Entry(check_mutual_information_quadrature_1d,
                                              N.mutual_information_quadrature_1d, _wrong_mi_quadrature_1d,
                                              "uniform weights for w"),
    "kl_monte_carlo": Entry(check_kl_monte_carlo, N.kl_monte_carlo, _wrong_kl_monte_carlo, "uniform weights for w"),
    "kl_monte_carlo_batch": Entry(check_kl_monte_carlo_batch, N.kl_monte_carlo_batch, _wrong_kl_monte_carlo_batch,
                                  "uniform weights for w"),
    "mutual_information_monte_carlo": Entry(check_mutual_information_monte_carlo, N.mutual_information_monte_carlo,
                                            _wrong_mi_monte_carlo, "uniform weights for w"),
    "mutual_information": Entry(check_mutual_information, N.mutual_information, _wrong_mutual_information, "sign"),
    "monte_carlo_expectation": Entry(check_monte_carlo_expectation, monte_carlo_expectation,
                                     _wrong_monte_carlo_expectation, "uniform weights for w"),
    "stratified_counts": Entry(check_stratified_counts, stratified_counts, _wrong_stratified_counts,
                               "no floor, remainder dropped"),
    "pairwise_kl": Entry(check_pairwise_kl, N.pairwise_kl, _wrong_pairwise_kl, "D_ji for D_ij"),
    "pairwise_bhattacharyya": Entry(check_pairwise_bhattacharyya, N.pairwise_bhattacharyya,
                                    _wrong_pairwise_bhattacharyya, "1/4 for 1/8"),
    "pairwise_bounds": Entry(check_pairwise_bounds, N.pairwise_bounds, _wrong_pairwise_bounds,
                             "e^{+BD} for e^{-BD} in the upper bound"),
    "pairwise_bounds_sampled": Entry(check_pairwise_bounds_sampled, N.pairwise_bounds_sampled,
                                     _wrong_pairwise_bounds_sampled, "rows drawn by w, weighted by w again"),
    "rounding_margin": Entry(check_rounding_margin, rounding_margin, _wrong_rounding_margin, "no margin"),
    "reproduce": Entry(check_reproduce, N.reproduce, _wrong_reproduce, "k - 1 samples per component"),
    "script_estimate": Entry(check_script_estimate, N.script_estimate, _wrong_script_estimate,
                             "sample variance divided by N k"),
    "draw_components": Entry(check_draw_components, N.draw_components, _wrong_draw_components,
                             "variances .1 + rand for .1 + 2*rand"),
    "linear_vae_encodings": Entry(check_linear_vae_encodings, N.linear_vae_encodings, _wrong_linear_vae_encodings,
                                  "one variance for all dimensions"),
    "decompose": Entry(check_decompose, N.decompose, _wrong_decompose, "dimension-wise KL with uniform weights"),
    "total_correlation_monte_carlo": Entry(check_total_correlation_monte_carlo, total_correlation_monte_carlo,
                                           _wrong_total_correlation, "marginals with uniform weights"),
    "rate_interval": Entry(check_rate_interval, rate_interval, _wrong_rate_interval, "Wilson at 1 - level"),
    "mean_interval": Entry(check_mean_interval, mean_interval, _wrong_mean_interval, "normal quantile for t"),
    "Estimate.normal": Entry(check_estimate_normal, N.Estimate.normal, _wrong_estimate_normal,
                             "one-sided quantile"),
}


@pytest.mark.parametrize("name", CATALOGUE)
def test_real_implementation_passes(name):
    entry = CATALOGUE[name]
    entry.check(entry.real)


# ASCII ids: pytest escapes other characters (π as \u03c0), and escapes them again when a process collects the
# tests a second time (as mutmut's workers do), so such a node id recorded once is not found by a later run
@pytest.mark.parametrize("name", CATALOGUE, ids=[f"{k}: {v.slip}".replace("π", "pi") for k, v in CATALOGUE.items()])
def test_wrong_variant_is_caught(name):
    entry = CATALOGUE[name]
    with pytest.raises(AssertionError):
        entry.check(entry.wrong)


def test_catalogue_covers_every_public_numeric_function():
    public = {name for name in N.__all__ if callable(getattr(N, name)) and not isinstance(getattr(N, name), type)}
    assert public <= set(CATALOGUE), sorted(public - set(CATALOGUE))
