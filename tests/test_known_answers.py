"""Known answers: published interval values, exact values of the estimators' targets, high-precision references.

Each test compares with a number computed by another route (a published table, a
closed form, mpmath at 50 digits), so a wrong formula, a wrong constant or a
parameter lost on its way makes it fail.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from scipy import special, stats

from kl_audit.stats import mean_interval, rate_interval
from numeric import (DiagonalMixture, Estimate, Prior, avg_kl, decompose, entropy_diag, entropy_of_weights,
                     kl_diag, kl_diag_standard, kl_full_standard, mixture_moments, moment_matched_kl,
                     pairwise_bounds, pairwise_bounds_sampled, reproduce)
from numeric.encodings import ACTIVE_THRESHOLD, ROUTES, total_correlation_monte_carlo


# --- intervals at published values ------------------------------------------------

# Newcombe, R. G. (1998). Two-sided confidence intervals for the single proportion:
# comparison of seven methods. Statistics in Medicine 17, 857-872; Table II, method 3
# (Wilson score interval without continuity correction), 95%.
NEWCOMBE_1998 = [((81, 263), (0.2553, 0.3662)), ((15, 148), (0.0624, 0.1605)),
                 ((0, 20), (0.0000, 0.1611)), ((1, 29), (0.0061, 0.1718))]


@pytest.mark.parametrize("counts,published", NEWCOMBE_1998, ids=[f"{s}/{n}" for (s, n), _ in NEWCOMBE_1998])
def test_wilson_interval_matches_newcombe_1998(counts, published):
    r = rate_interval(*counts)
    assert (round(r["ci_low"], 4), round(r["ci_high"], 4)) == published
    assert r["rate"] == counts[0] / counts[1] and (r["count"], r["trials"], r["level"]) == (*counts, 0.95)


def test_wilson_interval_at_99_percent_is_wider_and_matches_the_score_formula():
    """Wilson (1927): p̂ + z²/2n ± z sqrt(p̂(1-p̂)/n + z²/4n²), over 1 + z²/n, z = 2.5758 at 99%."""
    s, n = 81, 263
    r95, r99 = rate_interval(s, n), rate_interval(s, n, level=0.99)
    z, p = 2.5758293035489, s / n
    centre, half = p + z * z / (2 * n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    assert r99["ci_low"] == pytest.approx((centre - half) / (1 + z * z / n), abs=1e-9)
    assert r99["ci_high"] == pytest.approx((centre + half) / (1 + z * z / n), abs=1e-9)
    assert r99["ci_low"] < r95["ci_low"] and r99["ci_high"] > r95["ci_high"] and r99["level"] == 0.99


# Student (1908), the Cushny-Peebles sleep data: paired differences of extra hours of sleep
# (R's datasets::sleep; ``t.test(extra ~ group, sleep, paired = TRUE)`` reports mean 1.58,
# 95% CI 0.7001142 to 2.4598858).  The 99% interval uses t_{0.995, 9} = 3.250 (NIST/SEMATECH
# e-Handbook of Statistical Methods, table 1.3.6.7.2).
SLEEP_DIFFERENCES = np.array([1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4])


def test_t_interval_matches_student_1908_sleep_data():
    r = mean_interval(SLEEP_DIFFERENCES)
    assert r["mean"] == pytest.approx(1.58, abs=1e-12) and r["n"] == 10 and r["level"] == 0.95
    assert r["stderr"] == pytest.approx(0.3889587, abs=1e-7)
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(0.7001142, abs=1e-7), pytest.approx(2.4598858, abs=1e-7))


def test_t_interval_at_99_percent_uses_the_nist_critical_value():
    r = mean_interval(SLEEP_DIFFERENCES, level=0.99)
    half = (r["ci_high"] - r["ci_low"]) / 2
    assert half / r["stderr"] == pytest.approx(3.250, abs=5e-4) and r["level"] == 0.99
    assert (r["ci_low"] + r["ci_high"]) / 2 == pytest.approx(1.58, abs=1e-12)


# Upper critical values t_{1-α, ν} (NIST/SEMATECH e-Handbook of Statistical Methods, table
# 1.3.6.7.2), printed to 3 decimals; a two-sided interval at level L uses 1 - α = (1 + L)/2.
NIST_T = {1: (6.314, 12.706, 63.657), 2: (2.920, 4.303, 9.925), 5: (2.015, 2.571, 4.032),
          10: (1.812, 2.228, 3.169), 20: (1.725, 2.086, 2.845), 30: (1.697, 2.042, 2.750)}


@pytest.mark.parametrize("nu", NIST_T)
def test_t_interval_half_widths_are_the_nist_critical_values(nu):
    """Half-width / standard error = t_{(1+L)/2, n-1} at L = 0.90, 0.95, 0.99, to the table's 3 decimals."""
    values = np.random.default_rng(nu).normal(3.0, 2.0, nu + 1)
    for level, published in zip((0.90, 0.95, 0.99), NIST_T[nu]):
        r = mean_interval(values, level=level)
        assert abs((r["ci_high"] - r["mean"]) / r["stderr"] - published) <= 5e-4, (nu, level)
        assert r["mean"] - r["ci_low"] == pytest.approx(r["ci_high"] - r["mean"], rel=1e-12, abs=0)
        assert r["stderr"] == pytest.approx(np.std(values, ddof=1) / np.sqrt(nu + 1), rel=1e-13, abs=0)


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99, 0.999])
def test_t_interval_equals_scipys_one_sample_t_test(level):
    """scipy.stats.ttest_1samp(...).confidence_interval: a separate computation of the same interval."""
    values = np.random.default_rng(7).gamma(2.0, 1.5, 13)
    r = mean_interval(values, level=level)
    ci = stats.ttest_1samp(values, 0.0).confidence_interval(confidence_level=level)
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(ci.low, rel=1e-12, abs=0),
                                           pytest.approx(ci.high, rel=1e-12, abs=0))


def _wilson(s, n, z):
    """Wilson (1927), the score interval: (p̂ + z²/2n ± z sqrt(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n)."""
    p = s / n
    centre, half = p + z * z / (2 * n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


@pytest.mark.parametrize("level", [0.8, 0.9, 0.95, 0.99])
@pytest.mark.parametrize("s,n", [(0, 1), (1, 1), (0, 20), (20, 20), (3, 7), (81, 263), (1, 1000), (500, 1000)])
def test_wilson_interval_is_the_score_formula(s, n, level):
    """Wilson's formula written out (z = Φ⁻¹((1+L)/2)); at s = 0 and s = n its ends are z²/(n+z²) and n/(n+z²)."""
    z = stats.norm.ppf(0.5 + level / 2)
    r = rate_interval(s, n, level=level)
    low, high = _wilson(s, n, z)
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(low, rel=1e-9, abs=1e-15), pytest.approx(high, rel=1e-9, abs=1e-15))
    if s == 0:
        assert r["ci_low"] == pytest.approx(0.0, abs=1e-15) and r["ci_high"] == pytest.approx(z * z / (n + z * z), rel=1e-9)
    if s == n:
        assert r["ci_high"] == pytest.approx(1.0, abs=1e-15) and r["ci_low"] == pytest.approx(n / (n + z * z), rel=1e-9)


def test_normal_estimate_uses_the_normal_quantile():
    e = Estimate.normal(2.0, 0.5, 100)
    assert (e.low, e.high) == (pytest.approx(2 - 1.959963985 * 0.5, abs=1e-9), pytest.approx(2 + 1.959963985 * 0.5, abs=1e-9))
    e99 = Estimate.normal(2.0, 0.5, 100, level=0.99)
    assert e99.high - 2.0 == pytest.approx(2.575829304 * 0.5, abs=1e-9) and e99.level == 0.99
    m = e.affine(10.0, -1.0)
    assert (m.value, m.low, m.high, m.stderr) == (8.0, pytest.approx(10 - e.high), pytest.approx(10 - e.low), 0.5)


# --- closed forms at hand-computed values -------------------------------------------

def test_closed_forms_at_hand_computed_values():
    # ½(v/v2 - 1 - log(v/v2) + (m - m2)²/v2) per coordinate
    assert float(kl_diag([1.0, -2.0], [2.0, 0.5], [0.5, 0.0], [4.0, 0.25])) == pytest.approx(
        0.5 * (0.5 - 1 - np.log(0.5) + 0.0625) + 0.5 * (2 - 1 - np.log(2) + 16), rel=1e-14)
    assert float(kl_diag_standard([1.0, 2.0], [2.0, 0.5])) == pytest.approx(
        0.5 * (2 + 1 - 1 - np.log(2)) + 0.5 * (0.5 + 4 - 1 - np.log(0.5)), rel=1e-14)
    assert float(kl_diag_standard([1.0], [3.0], prior_mean=[2.0], prior_var=[6.0])) == pytest.approx(
        0.5 * (0.5 - 1 - np.log(0.5) + 1 / 6), rel=1e-14)
    cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    assert float(kl_full_standard([1.0, -1.0], cov)) == pytest.approx(0.5 * (3.0 + 2.0 - 2 - np.log(1.75)), rel=1e-14)
    assert float(entropy_diag([1.0, 4.0])) == pytest.approx(np.log(2 * np.pi * np.e) + 0.5 * np.log(4), rel=1e-14)
    assert entropy_of_weights([0.5, 0.25, 0.25, 0.0]) == pytest.approx(1.5 * np.log(2), rel=1e-14)


def test_mixture_moments_with_unequal_weights_in_two_dimensions():
    w = np.array([0.8, 0.2])
    m = np.array([[0.0, 1.0], [1.0, -1.0]])
    v = np.array([[1.0, 2.0], [3.0, 0.5]])
    mu, cov = mixture_moments(w, m, v)
    np.testing.assert_allclose(mu, [0.2, 0.6], rtol=1e-14)
    # Σ̄ = Σ w (diag v + m mᵀ) - μ̄ μ̄ᵀ
    expect = sum(wi * (np.diag(vi) + np.outer(mi, mi)) for wi, mi, vi in zip(w, m, v)) - np.outer(mu, mu)
    np.testing.assert_allclose(cov, expect, rtol=1e-13)
    np.testing.assert_allclose(cov, [[0.8 * 1 + 0.2 * 3 + 0.16, -0.32], [-0.32, 0.8 * 2 + 0.2 * 0.5 + 0.64]], rtol=1e-13)
    mix = DiagonalMixture.create(m, v, weights=w)
    assert moment_matched_kl(mix) == pytest.approx(float(kl_full_standard(mu, cov)), rel=1e-13)
    assert moment_matched_kl(mix, diagonal=True) == pytest.approx(float(kl_diag_standard(mu, np.diag(cov))), rel=1e-13)
    assert avg_kl(mix) == pytest.approx(0.8 * float(kl_diag_standard(m[0], v[0])) + 0.2 * float(kl_diag_standard(m[1], v[1])), rel=1e-14)


def test_moment_matched_kl_under_a_non_standard_prior():
    """KL(G || N(μ_p, diag v_p)) computed by whitening equals the general closed form, full and diagonal."""
    mix = DiagonalMixture.create([[0.0, 1.0], [1.0, -1.0], [2.0, 0.5]], [[1.0, 2.0], [3.0, 0.5], [0.2, 0.7]],
                                 weights=[0.5, 0.3, 0.2])
    prior = Prior(mean=[0.5, -1.0], var=[2.0, 0.25])
    mu, cov = mixture_moments(mix.weights, mix.means, mix.variances)
    pm, pv = np.array([0.5, -1.0]), np.array([2.0, 0.25])
    full = 0.5 * (np.trace(cov / pv[:, None]) + ((mu - pm) ** 2 / pv).sum() - 2 + np.log(pv).sum() - np.log(np.linalg.det(cov)))
    assert moment_matched_kl(mix, prior=prior) == pytest.approx(full, rel=1e-12)
    assert moment_matched_kl(mix, diagonal=True, prior=prior) == pytest.approx(float(kl_diag(mu, np.diag(cov), pm, pv)), rel=1e-12)
    assert avg_kl(mix, prior=prior) == pytest.approx(float(mix.weights @ kl_diag(mix.means, mix.variances, pm, pv)), rel=1e-14)


# --- pairwise bounds: a reference in high precision ------------------------------------

def _mp_bounds(mix: DiagonalMixture) -> tuple[mp.mpf, mp.mpf]:
    """The two Kolchinsky-Tracey bounds evaluated in 50-digit arithmetic from the float64 inputs."""
    with mp.workdps(50):
        m = [[mp.mpf(float(x)) for x in row] for row in mix.means]
        v = [[mp.mpf(float(x)) for x in row] for row in mix.variances]
        w = [mp.mpf(float(x)) for x in mix.weights]
        n, d = mix.n, mix.d
        avg = mp.fsum(w[i] * mp.fsum((v[i][k] + m[i][k] ** 2 - 1 - mp.log(v[i][k])) / 2 for k in range(d))
                      for i in range(n))

        def kl(i, j):
            return mp.fsum((mp.log(v[j][k] / v[i][k]) + (v[i][k] + (m[i][k] - m[j][k]) ** 2) / v[j][k] - 1) / 2
                           for k in range(d))

        def bd(i, j):
            return mp.fsum((m[i][k] - m[j][k]) ** 2 / (4 * (v[i][k] + v[j][k]))
                           + mp.log((v[i][k] + v[j][k]) / 2 / mp.sqrt(v[i][k] * v[j][k])) / 2 for k in range(d))

        lower = avg + mp.fsum(w[i] * mp.log(mp.fsum(w[j] * mp.exp(-kl(i, j)) for j in range(n))) for i in range(n))
        upper = avg + mp.fsum(w[i] * mp.log(mp.fsum(w[j] * mp.exp(-bd(i, j)) for j in range(n))) for i in range(n))
        return lower, upper


def _narrow_far_apart() -> DiagonalMixture:
    """Narrow components far from the origin: D_ij's terms m²/v ~ 1e14 cancel in float64."""
    rng = np.random.default_rng(1)
    means = rng.normal(0, 20, (4, 3)) + np.array([30.0, 0.0, 0.0])
    variances = np.exp(rng.uniform(-25, -8, (4, 3)))
    return DiagonalMixture.create(means, variances, weights=[0.4, 0.1, 0.3, 0.2])


def test_bounds_hold_against_a_high_precision_reference_for_narrow_far_apart_components():
    """The lower bound never exceeds its exact value (so never the truth), the upper never falls below."""
    mix = _narrow_far_apart()
    exact_lower, exact_upper = _mp_bounds(mix)
    lower, upper = pairwise_bounds(mix)
    assert lower <= exact_lower and upper >= exact_upper
    sampled = pairwise_bounds_sampled(mix)
    assert sampled.exact and sampled.lower <= exact_lower and sampled.upper >= exact_upper
    # without the margin, each bound is off its exact value by no more than the margin: it covers the rounding
    from numeric.bounds import pairwise_row_terms
    rows = np.arange(mix.n)
    lo_terms, up_terms = pairwise_row_terms(mix, rows)
    raw_lower, raw_upper = avg_kl(mix) + float(mix.weights @ lo_terms), avg_kl(mix) + float(mix.weights @ up_terms)
    assert abs(raw_lower - exact_lower) <= raw_lower - lower
    assert abs(raw_upper - exact_upper) <= upper - raw_upper
    # and the margin stays a small fraction of the bound
    assert float(exact_lower) - lower < 1e-2 * float(exact_lower)


def test_bounds_are_tight_to_rounding_for_moderate_components():
    """For well-conditioned components the bounds equal their 50-digit values to ~1e-12: the margin is rounding-sized."""
    rng = np.random.default_rng(1)
    mix = DiagonalMixture.create(rng.normal(size=(5, 3)), np.exp(rng.normal(0, 0.5, (5, 3))),
                                 weights=rng.dirichlet(np.ones(5)))
    exact_lower, exact_upper = _mp_bounds(mix)
    lower, upper = pairwise_bounds(mix)
    assert float(exact_lower) - 1e-11 <= lower <= float(exact_lower)
    assert float(exact_upper) <= upper <= float(exact_upper) + 1e-11
    assert upper - lower > 1e-3   # the two bounds are different quantities here


# --- the encodings' decomposition ---------------------------------------------------

def test_total_correlation_known_answers():
    """Two narrow points on the diagonal: TC = log 2; the four corners of a square: q̄ = Π_j q̄_j, TC = 0."""
    rng = np.random.default_rng(2)
    two = DiagonalMixture.create([[5.0, 5.0], [-5.0, -5.0]], np.full((2, 2), 0.01))
    tc = total_correlation_monte_carlo(two, 4_000, rng)
    assert abs(tc.value - np.log(2)) <= 5 * tc.stderr + 1e-12
    corners = DiagonalMixture.create([[5.0, 5.0], [5.0, -5.0], [-5.0, 5.0], [-5.0, -5.0]], np.full((4, 2), 0.3))
    zero = total_correlation_monte_carlo(corners, 4_000, rng)
    assert abs(zero.value) < 1e-10 and zero.stderr < 1e-10
    # unequal weights on the diagonal: TC = H(w), the information one coordinate carries about the other
    w = np.array([0.9, 0.1])
    skew = DiagonalMixture.create([[5.0, 5.0], [-5.0, -5.0]], np.full((2, 2), 0.01), weights=w)
    h = total_correlation_monte_carlo(skew, 4_000, rng)
    assert abs(h.value - entropy_of_weights(w)) <= 5 * h.stderr + 1e-12
    one_d = DiagonalMixture.create([[0.0], [3.0]], [[1.0], [0.5]])
    assert total_correlation_monte_carlo(one_d, 100, rng).value == pytest.approx(0.0, abs=1e-12)


@pytest.fixture(scope="module")
def weighted_decomposition():
    """d = 3, strongly unequal weights, dimensions of different activity."""
    rng = np.random.default_rng(8)
    n = 60
    means = np.column_stack([rng.normal(0, 2, n), rng.normal(0, 0.5, n) + 0.5, np.full(n, 0.3)])
    means[:, 1] += 0.7 * means[:, 0]
    variances = np.exp(rng.normal(-1, 0.3, (n, 3)))
    w = rng.dirichlet(np.full(n, 0.3))
    mix = DiagonalMixture.create(means, variances, weights=w)
    return mix, decompose(mix, np.random.default_rng(9), n_samples=6_000)


def test_decomposition_with_unequal_weights_adds_up_by_independent_routes(weighted_decomposition):
    mix, dec = weighted_decomposition
    quad = float(dec.dimwise_error.sum())
    assert abs(dec.residual.value) <= 4 * dec.residual.stderr + quad
    assert abs(dec.gap_residual.value) <= 4 * dec.gap_residual.stderr
    # the two routes to KL(q̄ || p) agree: Monte Carlo of the joint, and TC + Σ_j KL_j
    kl_by_parts = dec.total_correlation.value + dec.dimwise_kl.sum()
    assert abs(dec.kl_aggregate.value - kl_by_parts) <= 4 * np.hypot(dec.kl_aggregate.stderr,
                                                                      dec.total_correlation.stderr) + quad
    assert dec.total_correlation.value > 10 * dec.total_correlation.stderr   # correlated dimensions: TC > 0
    assert dec.avg_kl == pytest.approx(avg_kl(mix), rel=1e-14) and dec.log_n == pytest.approx(np.log(60))
    assert set(dec.routes) == set(ROUTES) and "own draws" in dec.routes["total_correlation"]


def test_per_dimension_quantities_use_the_weights(weighted_decomposition):
    mix, dec = weighted_decomposition
    w, m, v = mix.weights, mix.means, mix.variances
    mu = w @ m
    np.testing.assert_allclose(dec.variance_of_means, w @ (m - mu) ** 2, rtol=1e-12)
    np.testing.assert_allclose(dec.avg_kl_per_dim, w @ (0.5 * (v + m * m - 1 - np.log(v))), rtol=1e-12)
    assert dec.avg_kl_per_dim.sum() == pytest.approx(dec.avg_kl, rel=1e-12)
    var_j = w @ (v + m * m) - mu * mu
    np.testing.assert_allclose(dec.moment_matched_kl_per_dim, 0.5 * (var_j + mu * mu - 1 - np.log(var_j)), rtol=1e-10)
    assert dec.moment_matched_kl_diag == pytest.approx(dec.moment_matched_kl_per_dim.sum(), rel=1e-12)
    # the dimension-wise KL is at least its moment-matched value (theorem moment_matching, per coordinate)
    assert (dec.dimwise_kl >= dec.moment_matched_kl_per_dim - 1e-9).all()
    assert dec.active.tolist() == [True, True, False]


def test_active_units_are_decided_on_the_variance_of_the_means():
    """Variance of the means 0.005 (standard deviation 0.07): inactive; 0.02: active.  Weights 0.8/0.2."""
    w = np.array([0.8, 0.2])
    # two-point means a, b: variance w0 w1 (a - b)² = 0.16 (a - b)²
    gap_inactive, gap_active = np.sqrt(0.005 / 0.16), np.sqrt(0.02 / 0.16)
    means = np.array([[0.0, 0.0, 0.0], [gap_inactive, gap_active, 1.0]])
    dec = decompose(DiagonalMixture.create(means, np.ones((2, 3)), weights=w), np.random.default_rng(3), n_samples=200)
    np.testing.assert_allclose(dec.variance_of_means, [0.005, 0.02, 0.16], rtol=1e-12)
    assert dec.active.tolist() == [False, True, True]
    assert 0.005 < ACTIVE_THRESHOLD < 0.02


# --- the script's reproduction: the estimator's known expectation ------------------------

def test_reproduce_passes_k_and_d_through_exactly():
    """With one component, E[plotted - avg KL] = ½ Σ_j [v_j/k - ψ((k-1)/2) - log(2/(k-1))] (d coordinates).

    The sample mean is N(m, v/k) and the sample variance v χ²_{k-1}/(k-1), so
    E[μ̂²] = m² + v/k and E[log σ̂²] = log v + ψ((k-1)/2) + log(2/(k-1)).  A wrong
    k (k - 1 samples) or a dimension dropped moves the mean by many standard errors.
    """
    for d, k in ((2, 3), (1, 5)):
        t = reproduce(d=d, n=1, k=k, iterations=20_000, seed=11)
        assert t.k == k and t.plotted_kl.shape == (20_000,) and t.means.shape == (20_000, 1, d)
        c = special.digamma((k - 1) / 2) + np.log(2 / (k - 1))
        excess = t.plotted_kl - t.avg_kl - 0.5 * (t.variances[:, 0, :].sum(1) / k - d * c)
        se = excess.std(ddof=1) / np.sqrt(excess.size)
        assert abs(excess.mean()) <= 5 * se, (d, k, excess.mean(), se)
        np.testing.assert_allclose(t.avg_kl, kl_diag_standard(t.means[:, 0], t.variances[:, 0]), rtol=1e-13)


def test_t_interval_with_two_values_and_with_one():
    """n = 2: one degree of freedom, t_{0.975, 1} = 12.706 (NIST table); n = 1: no interval, NaN, not a number made up."""
    r = mean_interval(np.array([1.0, 3.0]))
    assert (r["mean"], r["stderr"]) == (2.0, pytest.approx(1.0, rel=1e-14))
    assert (r["ci_low"], r["ci_high"]) == (pytest.approx(2 - 12.7062047, abs=1e-6), pytest.approx(2 + 12.7062047, abs=1e-6))
    one = mean_interval(np.array([5.0]))
    assert one["mean"] == 5.0 and one["n"] == 1
    assert np.isnan(one["stderr"]) and np.isnan(one["ci_low"]) and np.isnan(one["ci_high"])


def test_an_affine_map_of_an_estimate_carries_its_error_count_and_level():
    """offset + sign·X: value and interval mapped (ends reordered for sign -1); stderr, draws and level kept."""
    est = Estimate.normal(2.0, 0.5, 400, level=0.9)
    shifted = est.affine(3.0)
    assert (shifted.value, shifted.low, shifted.high) == (5.0, 3.0 + est.low, 3.0 + est.high)
    assert (shifted.stderr, shifted.n_samples, shifted.level) == (0.5, 400, 0.9)
    flipped = est.affine(10.0, -1.0)
    assert (flipped.value, flipped.low, flipped.high) == (8.0, 10.0 - est.high, 10.0 - est.low)
    assert (flipped.stderr, flipped.n_samples, flipped.level) == (0.5, 400, 0.9)


def test_an_estimate_as_a_dict_names_every_field():
    est = Estimate.normal(1.5, 0.25, 100, level=0.99)
    assert est.as_dict() == {"value": 1.5, "stderr": 0.25, "ci_low": est.low, "ci_high": est.high,
                             "n_samples": 100, "level": 0.99}
