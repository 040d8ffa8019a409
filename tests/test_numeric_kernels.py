"""The fast paths of the log-density and the pairwise distances against the straightforward computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import logsumexp

from numeric import (DiagonalMixture, Prior, kl_diag, kl_monte_carlo, log_density, mutual_information_monte_carlo,
                     pairwise_bhattacharyya, pairwise_bounds, pairwise_kl)
from numeric import density
from numeric.density import CLAMP, density_terms, mixture_log_sum, sum_exp_clamped
from numeric.montecarlo import own_log_term


def _mixture(n=200, d=6, seed=0, logvar=(-1.0, 1.0), zero_weights=0):
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(n, d))
    v = np.exp(rng.normal(*logvar, (n, d)))
    w = rng.dirichlet(np.ones(n))
    w[:zero_weights] = 0.0
    return DiagonalMixture.create(m, v, weights=w / w.sum())


def _direct_log_density(mix, z, center=0.0):
    """logsumexp_i(log w_i + log q_i(z + center)) term by term, with scipy; z and the means measured from center."""
    with np.errstate(divide="ignore"):
        logw = np.log(mix.weights)
    terms = logw - 0.5 * (mix.d * np.log(2 * np.pi) + np.log(mix.variances).sum(1)
                          + ((z[:, None, :] - (mix.means - center)) ** 2 / mix.variances).sum(2))
    return logsumexp(terms, axis=1)


def test_clamped_sum_is_exact_to_rounding_where_terms_fall_in_the_subnormal_range():
    """Rows of 3,021 terms, 3,000 of them in [-760, -690]: the compiled pass (clamp, exponential, sum) is within
    the rounding of the 21 terms that matter of the exact sum; the numpy pass (other shapes) is bit-identical
    to exp without the clamp."""
    from numeric._quadrature_kernel import EXP_ULPS

    rng = np.random.default_rng(1)
    a = np.concatenate([np.zeros((50, 1)), rng.uniform(-760, -690, (50, 3000)), rng.uniform(-40, 0, (50, 20))], axis=1)
    rng.permuted(a, axis=1, out=a)
    want = np.array([math.fsum(math.exp(t) for t in row) for row in a])
    clamped = sum_exp_clamped(a.copy(), axis=1)
    assert np.all(np.abs(clamped - want) <= (EXP_ULPS + 21) * 2.0**-53 * want)
    with np.errstate(under="ignore"):
        columns = a.T.copy()
        plain = np.exp(columns).sum(axis=0)
    assert np.array_equal(plain, sum_exp_clamped(columns, axis=0))     # the numpy pass, along columns
    assert (a < CLAMP).sum() > 10_000   # the clamp was exercised


def test_the_compiled_sum_clamps_from_above_to_a_sum_beyond_e700():
    a = np.array([[0.0, 720.0, -800.0], [0.0, 699.0, 1.0]])
    out = sum_exp_clamped(a.copy(), axis=1)
    assert out[0] == pytest.approx(math.exp(700.0), rel=1e-15) and out[0] > 2.0**900    # finite, and seen as too big
    assert out[1] == pytest.approx(math.exp(699.0) + math.e + 1.0, rel=1e-15)


def test_clamped_log_density_matches_scipy_on_small_variances():
    mix = _mixture(n=300, d=8, logvar=(-4.0, 0.5))   # most log-terms far below -700 relative to the largest
    z = mix.sample(500, np.random.default_rng(2))
    np.testing.assert_allclose(log_density(mix, z), _direct_log_density(mix, z), rtol=1e-12, atol=1e-10)


@pytest.mark.parametrize("chunk_bytes", [1, 4096, density.DEFAULT_CHUNK_BYTES])
def test_own_log_term_shift_equals_the_row_maximum_path(chunk_bytes):
    mix = _mixture(n=150, d=5, zero_weights=3)   # draws from weight-0 components take the other path
    rng = np.random.default_rng(3)
    comp = np.concatenate([np.arange(5), rng.integers(0, mix.n, 400)])
    eps = rng.standard_normal((comp.size, mix.d))
    terms = density_terms(mix)
    z = mix.means[comp] - terms.center + np.sqrt(mix.variances[comp]) * eps
    shifted = mixture_log_sum(terms, z, own_log_term(mix, comp, eps), chunk_bytes=chunk_bytes)
    plain = mixture_log_sum(terms, z, chunk_bytes=chunk_bytes)
    np.testing.assert_allclose(shifted, plain, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(plain, _direct_log_density(mix, z + terms.center), rtol=1e-12, atol=1e-12)


def test_a_shift_that_would_overflow_the_sum_is_scored_again():
    mix = _mixture(n=50, d=3)
    terms = density_terms(mix)
    z = mix.sample(20, np.random.default_rng(4)) - terms.center
    low = np.full(20, -5000.0)     # far below every log-term: exp overflows without the fallback
    np.testing.assert_allclose(mixture_log_sum(terms, z, low), mixture_log_sum(terms, z), rtol=1e-12)


def test_direct_form_agrees_with_the_expanded_product(monkeypatch):
    mix = _mixture(n=120, d=7)
    z = mix.sample(300, np.random.default_rng(5))
    expanded = log_density(mix, z)
    monkeypatch.setattr(density, "ROUNDING_TOLERANCE", -1.0)    # every block in the direct form
    np.testing.assert_allclose(log_density(mix, z), expanded, rtol=1e-12, atol=1e-12)


def test_rounding_bound_sends_ill_conditioned_blocks_to_the_direct_form():
    # spread 1e4 and sd 1e-3: terms of size z²/v ≈ 1e14 in the expanded form, rounding errors near 0.01 nats
    rng = np.random.default_rng(6)
    m = rng.normal(size=(80, 4)) * 1e4
    v = np.full((80, 4), 1e-6)
    mix = DiagonalMixture.create(m, v)
    terms = density_terms(mix)
    z = mix.sample(50, rng) - terms.center
    assert density._rounding_bound(terms, z, np.zeros(1)) > density.ROUNDING_TOLERANCE
    np.testing.assert_allclose(mixture_log_sum(terms, z), _direct_log_density(mix, z, terms.center), rtol=1e-12)


# Means shifted far from the origin (1e8 times their spread).  Storing m + 1e8 rounds each
# mean by up to ulp(1e8)/2 = 7.5e-9, which moves a log-term by about 7.5e-9 · Σ_k |z_k - m_k|/v_k
# <= 7.5e-9 · d · 6/0.1 ≈ 3e-6 nats here (draws within 6 sd, v >= 0.1): hence the tolerance 1e-4.
SHIFT = 1e8
FAR_TOL = 1e-4


def _far_pair():
    rng = np.random.default_rng(7)
    m = rng.normal(size=(40, 3))
    v = np.exp(rng.uniform(np.log(0.1), 0.0, (40, 3)))
    return DiagonalMixture.create(m, v), DiagonalMixture.create(m + SHIFT, v)


def test_mutual_information_is_unchanged_by_moving_the_means_far_from_the_origin():
    near, far = _far_pair()
    a = mutual_information_monte_carlo(near, 4000, np.random.default_rng(8))
    b = mutual_information_monte_carlo(far, 4000, np.random.default_rng(8))
    assert abs(a.value - b.value) < FAR_TOL and abs(a.stderr - b.stderr) < FAR_TOL
    assert 0 <= b.value <= np.log(40)


def test_kl_to_a_prior_moved_with_the_means_is_unchanged():
    near, far = _far_pair()
    a = kl_monte_carlo(near, 4000, np.random.default_rng(9))
    b = kl_monte_carlo(far, 4000, np.random.default_rng(9), prior=Prior(mean=SHIFT))
    assert abs(a.value - b.value) < FAR_TOL


def test_log_density_and_pairwise_bounds_far_from_the_origin():
    near, far = _far_pair()
    z = near.sample(200, np.random.default_rng(10))
    np.testing.assert_allclose(log_density(far, z + SHIFT), log_density(near, z), atol=FAR_TOL)
    lo_n, up_n = pairwise_bounds(near)
    lo_f, up_f = pairwise_bounds(far, prior=Prior(mean=SHIFT))
    assert abs(lo_n - lo_f) < FAR_TOL and abs(up_n - up_f) < FAR_TOL and lo_f <= up_f


def test_pairwise_kl_matches_the_closed_form_entrywise():
    mix = _mixture(n=30, d=4)
    ref = kl_diag(mix.means[:, None, :], mix.variances[:, None, :], mix.means[None, :, :], mix.variances[None, :, :])
    np.testing.assert_allclose(pairwise_kl(mix), ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(pairwise_kl(mix, np.array([2, 9])), ref[[2, 9]], rtol=1e-12, atol=1e-12)
    assert pairwise_bhattacharyya(mix).shape == (30, 30)


def test_memory_mapped_means_are_not_copied(tmp_path):
    rng = np.random.default_rng(11)
    path = tmp_path / "means.npy"
    np.save(path, rng.normal(size=(1000, 8)))
    means = np.load(path, mmap_mode="r")
    mix = DiagonalMixture.create(means, logvar=np.zeros((1000, 8)))
    assert np.shares_memory(mix.means, means)


def test_row_terms_carried_across_tiles_equal_one_tile(monkeypatch):
    from numeric import bounds

    mix = _mixture(n=100, d=5, zero_weights=2)
    rows = np.array([0, 3, 50, 99])
    whole = bounds.pairwise_row_terms(mix, rows)
    monkeypatch.setattr(bounds, "TILE", 7)       # 15 tiles, the last one short
    tiled = bounds.pairwise_row_terms(mix, rows, chunk_bytes=8 * 2 * 7 * 3)
    np.testing.assert_allclose(tiled, whole, rtol=1e-12, atol=1e-12)
    ref_kl = kl_diag(mix.means[rows, None, :], mix.variances[rows, None, :], mix.means[None], mix.variances[None])
    with np.errstate(divide="ignore"):
        expected = logsumexp(np.log(mix.weights) - ref_kl, axis=1)
    np.testing.assert_allclose(whole[0], expected, rtol=1e-12)


def test_a_forked_child_scores_with_threads_of_its_own():
    import multiprocessing as mp

    mix = _mixture(n=300, d=4)
    z = mix.sample(2000, np.random.default_rng(12))
    expected = log_density(mix, z)           # starts the thread pool in this process
    ctx = mp.get_context("fork")
    with ctx.Pool(1) as pool:
        got = pool.apply_async(log_density, (mix, z)).get(timeout=60)
    np.testing.assert_array_equal(got, expected)


def test_total_correlation_matches_the_generic_log_density_route():
    """TC through the one-dimensional kernel (marginals) and the shifted joint equals, draw for draw, TC with every
    density scored by the generic log-density, to rounding; zero weights and a narrow component included."""
    from numeric import encodings
    from numeric.montecarlo import monte_carlo_expectation

    mix = _mixture(n=300, d=6, zero_weights=4)
    mix = DiagonalMixture(mix.means, mix.variances.copy(), mix.weights)
    mix.variances[7] = 1e-9
    fast = encodings.total_correlation_monte_carlo(mix, 900, np.random.default_rng(9))
    generic = monte_carlo_expectation(
        mix, 900, np.random.default_rng(9),
        lambda z, comp, eps: encodings.total_correlation_terms(mix, z, lambda q, x: log_density(q, x)),
        level=0.95, chunk_samples=4096, progress=None)
    assert fast.value == pytest.approx(generic.value, rel=1e-11, abs=1e-12)
    assert fast.stderr == pytest.approx(generic.stderr, rel=1e-9)


@pytest.mark.parametrize("group", [1, 4, 100])
def test_pairwise_kernel_matches_the_direct_formula_across_sub_tiles_and_groups(group):
    """KL and BD from the compiled kernel (components a sub-tile at a time, logs ``group`` coordinates at a time)
    equal the direct numpy formula, for N not a multiple of the sub-tile and rows in any order."""
    from numeric._kernels import SUB_TILE, kl_bhattacharyya_block
    from numeric.bounds import pairwise_distances

    mix = _mixture(n=2 * SUB_TILE + 37, d=9, logvar=(-2.0, 1.5))
    rows = np.array([5, 0, mix.n - 1, 300])
    m, v = mix.means, mix.variances
    half_logdet = 0.5 * np.log(v).sum(1)
    kl, bd = np.empty((rows.size, mix.n)), np.empty((rows.size, mix.n))
    kl_bhattacharyya_block(m[rows], v[rows], m, v, 1.0 / v, half_logdet[rows], half_logdet, group, kl, bd)
    want_kl, want_bd = pairwise_distances(m[rows], v[rows], m, v)
    np.testing.assert_allclose(kl, want_kl, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bd, want_bd, rtol=1e-12, atol=1e-12)
    assert np.abs(np.diag(kl[:, rows])).max() < 1e-12 and np.abs(np.diag(bd[:, rows])).max() < 1e-12


def test_rounding_margin_and_prepared_logs_do_not_depend_on_the_block():
    """The pairwise bounds' rounding margin and the kernel's ½ Σ log v and log group, taken a block of components at
    a time, equal the whole-array values (blocks of 7 against one block)."""
    from numeric import bounds

    mix = _mixture(n=103, d=5, logvar=(-3.0, 2.0), zero_weights=2)
    rows = np.array([3, 50, 102])
    lower, upper = bounds.pairwise_row_terms(mix, rows)
    args = (mix, rows, np.full(3, 1 / 3), lower, upper)
    whole = bounds.rounding_margin(*args, block=10**6)
    assert bounds.rounding_margin(*args, block=7) == pytest.approx(whole, rel=1e-13, abs=0) and whole > 0
    inv_v, half_logdet, group = bounds._prepare(mix, block=7)
    np.testing.assert_array_equal(half_logdet, 0.5 * np.log(mix.variances).sum(1))
    assert group == bounds.log_group_size(np.log(mix.variances)) and np.array_equal(inv_v, 1.0 / mix.variances)
