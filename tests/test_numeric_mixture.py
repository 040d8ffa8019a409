"""Mixture routines: quadrature, Monte Carlo, pairwise bounds and moments agree with each other and with scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, stats

from numeric import (DiagonalMixture, Prior, avg_kl, entropy_of_weights, kl_monte_carlo, kl_monte_carlo_batch,
                     kl_quadrature_1d, log_density, log_density_ratio, moment_matched_kl, moments, pairwise_bounds)


def _random_mixture(rng, n, d, spread=1.0):
    return DiagonalMixture.create(rng.normal(0, spread, (n, d)), np.exp(rng.uniform(-2, 1, (n, d))),
                                  weights=rng.dirichlet(np.ones(n)))


def _scipy_kl_1d(mix):
    f = lambda x: np.exp(log_density(mix, [[x]])[0]) * log_density_ratio(mix, [[x]])[0]  # noqa: E731
    s = np.sqrt(mix.variances[:, 0])
    lo, hi = (mix.means[:, 0] - 15 * s).min(), (mix.means[:, 0] + 15 * s).max()
    return integrate.quad(f, lo, hi, points=sorted(mix.means[:, 0]), limit=1000, epsabs=1e-12, epsrel=1e-12)[0]


@pytest.mark.parametrize("seed", range(6))
def test_quadrature_matches_scipy_to_1e8(seed):
    rng = np.random.default_rng(seed)
    mix = _random_mixture(rng, int(rng.integers(1, 6)), 1, spread=3.0)
    value, error = kl_quadrature_1d(mix.weights, mix.means[:, 0], mix.variances[:, 0])
    assert abs(value - _scipy_kl_1d(mix)) < 1e-8
    assert error < 1e-8


@pytest.mark.parametrize("seed", range(4))
def test_quadrature_agrees_with_monte_carlo_within_3_standard_errors(seed):
    rng = np.random.default_rng(100 + seed)
    mix = _random_mixture(rng, 3, 1)
    exact, _ = kl_quadrature_1d(mix.weights, mix.means[:, 0], mix.variances[:, 0])
    est = kl_monte_carlo(mix, 50_000, rng)
    assert abs(est.value - exact) < 3 * est.stderr
    assert est.low < est.value < est.high


@pytest.mark.parametrize("seed", range(4))
def test_pairwise_bounds_bracket_the_quadrature(seed):
    rng = np.random.default_rng(200 + seed)
    mix = _random_mixture(rng, 4, 1, spread=2.0)
    exact, _ = kl_quadrature_1d(mix.weights, mix.means[:, 0], mix.variances[:, 0])
    lower, upper = pairwise_bounds(mix)
    assert lower <= exact + 1e-10 <= upper + 2e-10


def test_pairwise_bounds_bracket_monte_carlo_in_high_dimension():
    rng = np.random.default_rng(7)
    mix = _random_mixture(rng, 20, 8)
    est = kl_monte_carlo(mix, 40_000, rng)
    lower, upper = pairwise_bounds(mix)
    assert lower - 3 * est.stderr <= est.value <= upper + 3 * est.stderr


def test_pairwise_bounds_do_not_depend_on_chunking():
    rng = np.random.default_rng(8)
    mix = _random_mixture(rng, 50, 3)
    assert pairwise_bounds(mix) == pytest.approx(pairwise_bounds(mix, chunk_bytes=1), rel=1e-12)


def test_log_density_does_not_depend_on_chunking_and_matches_a_direct_sum():
    rng = np.random.default_rng(9)
    mix = _random_mixture(rng, 7, 4)
    z = rng.normal(size=(33, 4))
    direct = np.log(sum(mix.weights[i] * np.prod(np.exp(-(z - mix.means[i]) ** 2 / (2 * mix.variances[i]))
                                                  / np.sqrt(2 * np.pi * mix.variances[i]), axis=1) for i in range(7)))
    np.testing.assert_allclose(log_density(mix, z), direct, rtol=1e-11)
    np.testing.assert_allclose(log_density(mix, z, chunk_bytes=1), direct, rtol=1e-11)


def test_moments_against_the_definition():
    rng = np.random.default_rng(10)
    mix = _random_mixture(rng, 5, 3)
    w, m, v = mix.weights, mix.means, mix.variances
    mu = sum(w[i] * m[i] for i in range(5))
    cov = sum(w[i] * (np.diag(v[i]) + np.outer(m[i], m[i])) for i in range(5)) - np.outer(mu, mu)
    got_mu, got_cov = moments(mix)
    np.testing.assert_allclose(got_mu, mu, rtol=1e-12)
    np.testing.assert_allclose(got_cov, cov, rtol=1e-12, atol=1e-14)


def test_chain_holds_in_one_dimension():
    """The links of theorem `chain` on random one-dimensional mixtures, KL(q̄ || p) by quadrature."""
    rng = np.random.default_rng(11)
    for _ in range(20):
        mix = _random_mixture(rng, int(rng.integers(1, 8)), 1, spread=2.0)
        exact, _ = kl_quadrature_1d(mix.weights, mix.means[:, 0], mix.variances[:, 0])
        kl_g = moment_matched_kl(mix)
        avg = avg_kl(mix)
        assert moment_matched_kl(mix, diagonal=True) == pytest.approx(kl_g)
        assert kl_g <= exact + 1e-9 <= avg + 2e-9
        assert avg <= exact + entropy_of_weights(mix.weights) + 1e-9


def test_batched_monte_carlo_agrees_with_quadrature():
    rng = np.random.default_rng(12)
    t, n = 40, 3
    m, v = rng.normal(size=(t, n, 1)), 0.1 + 2 * rng.random((t, n, 1))
    w = np.full((t, n), 1 / n)
    exact, _ = kl_quadrature_1d(w, m[..., 0], v[..., 0])
    value, se = kl_monte_carlo_batch(w, m, v, 20_000, rng)
    z = (value - exact) / se
    assert np.abs(z).max() < 4.5   # 40 trials: a 4.5-sigma excursion has probability ~3e-4
    assert abs(z.mean()) < 3 / np.sqrt(t) * 1.5


def test_prior_other_than_standard():
    rng = np.random.default_rng(13)
    mix = _random_mixture(rng, 3, 1)
    prior = Prior(mean=0.7, var=2.5)
    exact, _ = kl_quadrature_1d(mix.weights, mix.means[:, 0], mix.variances[:, 0], prior=prior)
    est = kl_monte_carlo(mix, 50_000, rng, prior=prior)
    assert abs(est.value - exact) < 3 * est.stderr


def test_bhattacharyya_kernel_matches_the_formula():
    """The compiled kernel against ⅛ Σ (Δm)²/v̄ + ½ Σ log(v̄ / sqrt(v_i v_j)) written out in numpy."""
    from numeric import pairwise_bhattacharyya

    rng = np.random.default_rng(14)
    mix = _random_mixture(rng, 40, 37)
    m, v = mix.means, mix.variances
    vbar = 0.5 * (v[:, None, :] + v[None])
    ref = 0.125 * ((m[:, None] - m[None]) ** 2 / vbar).sum(2) + 0.5 * np.log(vbar / np.sqrt(v[:, None] * v[None])).sum(2)
    np.testing.assert_allclose(pairwise_bhattacharyya(mix), ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pairwise_bhattacharyya(mix, np.array([3, 7])), ref[[3, 7]], rtol=1e-12, atol=1e-12)


def test_bhattacharyya_kernel_extreme_variances():
    """Log-variances up to ±690: the grouped products must not overflow."""
    from numeric import pairwise_bhattacharyya

    m = np.zeros((2, 20))
    v = np.vstack([np.full(20, 1e-300), np.full(20, 1e300)])
    mix = DiagonalMixture.create(m, v)
    vbar = 0.5 * (v[:, None, :] + v[None])
    ref = 0.5 * (np.log(vbar) - 0.5 * np.log(v[:, None]) - 0.5 * np.log(v[None])).sum(2)
    np.testing.assert_allclose(pairwise_bhattacharyya(mix), ref, rtol=1e-12)


def test_light_far_component_keeps_the_interval_honest():
    """A component of weight 1e-4 far from the rest: plain sampling rarely sees it and its standard
    error cannot tell; stratified draws do.  Every one of 50 seeded runs lands within 4 standard errors, and the
    standard errors are not inflated: Σ z² over the runs lies in the 99.9% range of χ²_50."""
    w = np.array([0.0428, 1.25e-11, 0.3023, 0.029, 0.012, 0.1269, 0.4868, 1.03e-4])
    w = w / w.sum()
    m = np.zeros((8, 9))
    m[7, 0] = 6.0
    mix = DiagonalMixture.create(m, np.ones((8, 9)), weights=w)
    exact, _ = kl_quadrature_1d(w, m[:, 0], np.ones(8))   # the other 8 coordinates are the prior's
    z = [(e.value - exact) / e.stderr for e in (kl_monte_carlo(mix, 2000, np.random.default_rng(s)) for s in range(50))]
    assert max(abs(x) for x in z) < 4
    assert stats.chi2.ppf(0.0005, 50) <= sum(x * x for x in z) <= stats.chi2.ppf(0.9995, 50)
