"""numeric/bounds.py: the rounding margin, the plumbing of rows, blocks, priors and generators, by other routes.

The margin is compared with its documented formula evaluated by plain loops (and that
formula with the per-pair quantity it bounds); the bounds with the same quantities after
an affine change of variables (KL is invariant under it); the subsampled bounds with the
rows re-drawn from the same generator and the standard error from :mod:`statistics`.
"""

from __future__ import annotations

import math
import statistics
import warnings

import numpy as np
import pytest

from numeric import DiagonalMixture, Prior, avg_kl, pairwise_bounds, pairwise_bounds_sampled
from numeric import bounds
from numeric.bounds import pairwise_row_terms, rounding_margin
from tests.extras import require

EPS = 2.0 ** -52


def _mixture(n: int, d: int, seed: int = 0, zero_weights: int = 0) -> DiagonalMixture:
    """Non-uniform weights (the first ``zero_weights`` of them 0), means off the origin, spread variances."""
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.ones(n))
    w[:zero_weights] = 0.0
    return DiagonalMixture.create(rng.normal(0.7, 1.5, (n, d)), np.exp(rng.normal(-0.5, 1.0, (n, d))),
                                  weights=w / w.sum())


# --- the rounding margin ------------------------------------------------------------------

def _margin_by_loops(mix, rows, row_w, lower, upper, pm, pv) -> float:
    """The bound of ``rounding_margin``'s docstring, one scalar at a time."""
    n, d = mix.n, mix.d
    m, v, w = mix.means.tolist(), mix.variances.tolist(), mix.weights.tolist()
    gamma_d, gamma_n = (d + 8) * EPS, (n + d + 8) * EPS
    mu = [math.fsum(w[i] * m[i][k] for i in range(n)) for k in range(d)]
    c = [[m[i][k] - mu[k] for k in range(d)] for i in range(n)]
    max_inv = [max(1.0 / v[j][k] for j in range(n)) for k in range(d)]
    max_sq = [max(c[j][k] ** 2 / v[j][k] for j in range(n)) for k in range(d)]
    abs_log = [math.fsum(abs(math.log(v[j][k])) for k in range(d)) for j in range(n)]
    total = 0.0
    for r, i, lo, up in zip(row_w, rows, lower, upper):
        s_i = math.fsum((v[i][k] + 2 * c[i][k] ** 2) * max_inv[k] + 2 * max_sq[k] + 1 for k in range(d))
        s_i += abs_log[i] + max(abs_log)
        total += r * (gamma_d * s_i + gamma_n * (1 + abs(lo) + abs(up)))
    avg_scale = math.fsum(w[i] * (v[i][k] / pv[k] + abs(math.log(v[i][k] / pv[k])) + 1 + (m[i][k] - pm[k]) ** 2 / pv[k])
                          for i in range(n) for k in range(d))
    return total + gamma_n * (avg_scale + math.fsum(r * (abs(lo) + abs(up)) for r, lo, up in zip(row_w, lower, upper)))


def test_margin_equals_its_documented_bound_for_a_subset_of_rows_and_a_general_prior():
    mix = _mixture(12, 3, seed=1)
    rows = np.array([0, 4, 5, 11])
    row_w = np.array([0.1, 0.2, 0.3, 0.4])
    lower, upper = pairwise_row_terms(mix, rows)
    pm, pv = np.array([0.5, -1.0, 2.0]), np.array([0.5, 2.0, 3.0])
    got = rounding_margin(mix, rows, row_w, lower, upper, prior=Prior(mean=pm, var=pv))
    expected = _margin_by_loops(mix, rows.tolist(), row_w.tolist(), lower.tolist(), upper.tolist(), pm.tolist(), pv.tolist())
    assert got == pytest.approx(expected, rel=1e-12, abs=0)   # the margin is ~1e-13: no absolute slack


def test_margin_row_scale_covers_every_pair():
    """S_i >= Σ_k [v_ik/v_jk + (m_ik - m_jk)²/v_jk + |log v_ik| + |log v_jk| + 1] for every j, the sum D_ij's error follows."""
    mix = _mixture(9, 4, seed=2)
    m, v = mix.means, mix.variances
    per_pair = (v[:, None] / v[None] + (m[:, None] - m[None]) ** 2 / v[None] + np.abs(np.log(v))[:, None]
                + np.abs(np.log(v))[None] + 1).sum(2)
    rows = np.arange(mix.n)
    zero = np.zeros(mix.n)
    # with zero terms and row weight e_i, the margin is γ_d S_i + γ_n (1 + avg_scale); the latter part is known
    base = rounding_margin(mix, rows[:0], zero[:0], zero[:0], zero[:0])
    gamma_d, gamma_n = (mix.d + 8) * EPS, (mix.n + mix.d + 8) * EPS
    for i in rows:
        one = rounding_margin(mix, rows[i:i + 1], np.ones(1), zero[:1], zero[:1])
        s_i = (one - base - gamma_n) / gamma_d
        assert s_i >= per_pair[i].max() * (1 - 1e-9)


def test_margin_does_not_depend_on_where_the_mixture_sits():
    mix = _mixture(10, 2, seed=3)
    shift = np.array([1e3, -2e3])
    far = DiagonalMixture.create(mix.means + shift, mix.variances, weights=mix.weights)
    rows = np.arange(mix.n)
    lo, up = pairwise_row_terms(mix, rows)
    near_margin = rounding_margin(mix, rows, mix.weights, lo, up)
    far_margin = rounding_margin(far, rows, far.weights, lo, up, prior=Prior(mean=shift))
    # the centred means agree to the rounding of the shift (|shift| u per entry), far below the margin's own size
    assert far_margin == pytest.approx(near_margin, rel=1e-6, abs=0)


# --- the bounds after an affine change of variables -------------------------------------------

def _affine(mix: DiagonalMixture, scale: np.ndarray, shift: np.ndarray) -> tuple[DiagonalMixture, Prior]:
    return (DiagonalMixture.create(mix.means * scale + shift, mix.variances * scale ** 2, weights=mix.weights),
            Prior(mean=shift, var=scale ** 2))


def test_bounds_are_invariant_under_an_affine_map_of_mixture_and_prior():
    mix = _mixture(30, 3, seed=4)
    moved, prior = _affine(mix, np.array([2.0, 0.5, 3.0]), np.array([40.0, -25.0, 7.0]))
    lo, up = pairwise_bounds(mix)
    lo_m, up_m = pairwise_bounds(moved, prior=prior)
    est = pairwise_bounds_sampled(moved, prior=prior)
    # each is within its margin (~1e-12 here) of the same exact value; the map itself rounds at ~1e-13
    assert lo_m == pytest.approx(lo, abs=1e-9) and up_m == pytest.approx(up, abs=1e-9)
    assert est.exact and (est.lower, est.upper) == (lo_m, up_m)


@pytest.mark.parametrize("which", ["exact", "sampled"])
def test_bracket_is_the_row_terms_widened_by_the_margin_of_the_given_prior(which):
    mix = _mixture(40, 2, seed=5)
    shift = np.array([3e3, -1e3])
    far, prior = _affine(mix, np.ones(2), shift)
    if which == "exact":
        lower, upper = pairwise_bounds(far, prior=prior)
        rows, row_w = np.arange(far.n), far.weights
    else:
        est = pairwise_bounds_sampled(far, prior=prior, max_rows=25, rng=np.random.default_rng(6))
        lower, upper = est.lower, est.upper
        rows = np.sort(np.random.default_rng(6).choice(far.n, size=25, p=far.weights))
        row_w = np.full(25, 1 / 25)
    lo_t, up_t = pairwise_row_terms(far, rows)
    base = avg_kl(far, prior=prior)
    margin = rounding_margin(far, rows, row_w, lo_t, up_t, prior=prior)
    raw_lo, raw_up = base + float(row_w @ lo_t), base + float(row_w @ up_t)
    tol = 4 * EPS * (abs(base) + abs(raw_lo) + abs(raw_up))    # the two additions that form each bound, ~1e-15
    assert lower == pytest.approx(raw_lo - margin, abs=tol) and upper == pytest.approx(raw_up + margin, abs=tol)
    assert margin < 1e-9 < 1e3 * margin                           # a far prior's wrong margin would be ~1e-6


# --- rows, blocks and weights -------------------------------------------------------------------

def test_rows_are_scored_once_each_in_blocks_set_by_chunk_bytes():
    mix = _mixture(40, 2, seed=7)
    seen: list[int] = []
    pairwise_row_terms(mix, np.arange(40), chunk_bytes=8 * 2 * 40 * 3, progress=seen.append)
    assert seen == [3] * 13 + [1]                     # chunk_bytes // (16 bytes x 40 components) rows a block
    seen.clear()
    pairwise_row_terms(mix, np.arange(3), chunk_bytes=1, progress=seen.append)
    assert seen == [1, 1, 1]                          # never fewer than one row
    big = _mixture(600, 1, seed=8)
    seen.clear()
    pairwise_row_terms(big, np.arange(600), progress=seen.append)
    assert seen == [256, 256, 88]                     # never more than 256


def test_bounds_pass_chunk_bytes_and_progress_on():
    mix = _mixture(40, 2, seed=7)
    seen: list[int] = []
    whole = pairwise_bounds(mix)
    assert pairwise_bounds(mix, chunk_bytes=8 * 2 * 40 * 7, progress=seen.append) == pytest.approx(whole, rel=0, abs=1e-12)
    assert seen == [7] * 5 + [5]
    seen.clear()
    est = pairwise_bounds_sampled(mix, chunk_bytes=8 * 2 * 40 * 7, progress=seen.append)
    assert seen == [7] * 5 + [5] and est.exact
    seen.clear()
    pairwise_bounds_sampled(mix, max_rows=20, chunk_bytes=8 * 2 * 40 * 8, progress=seen.append)
    assert seen == [8, 8, 4]


def test_zero_weight_components_drop_out_of_the_row_terms():
    mix = _mixture(20, 3, seed=9, zero_weights=4)
    kept = DiagonalMixture.create(mix.means[4:], mix.variances[4:], weights=mix.weights[4:])
    lo, up = pairwise_row_terms(mix, np.arange(4, 20))
    lo_k, up_k = pairwise_row_terms(kept, np.arange(16))
    np.testing.assert_allclose(lo, lo_k, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(up, up_k, rtol=1e-13, atol=1e-13)
    assert np.isfinite(pairwise_row_terms(mix, np.arange(4))).all()   # a zero-weight row still has its terms


def test_zero_weights_are_legal_and_raise_no_floating_point_warning():
    """log 0 = -inf is meant for a zero weight: no divide-by-zero warning reaches the user."""
    mix = _mixture(8, 2, seed=19, zero_weights=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lo, up = pairwise_row_terms(mix, np.arange(8))
    assert np.isfinite(lo).all() and np.isfinite(up).all()


# --- the subsampled bounds ----------------------------------------------------------------------

def test_exact_and_subsampled_regimes_meet_at_max_rows():
    mix = _mixture(12, 2, seed=10)
    at = pairwise_bounds_sampled(mix, max_rows=12)
    assert at.exact is True and at.rows == 12 and (at.lower_stderr, at.upper_stderr) == (0.0, 0.0)
    over = pairwise_bounds_sampled(mix, max_rows=11)
    assert over.exact is False and over.rows == 11
    default = pairwise_bounds_sampled(_mixture(2049, 1, seed=11))   # the default max_rows is 2048
    assert default.exact is False and default.rows == 2048


def test_subsampled_bounds_use_the_given_generator_and_report_the_standard_error_of_the_mean():
    mix = _mixture(50, 2, seed=12)
    k = 6
    est = pairwise_bounds_sampled(mix, max_rows=k, rng=np.random.default_rng(5))
    rows = np.sort(np.random.default_rng(5).choice(mix.n, size=k, p=mix.weights))
    lo_t, up_t = pairwise_row_terms(mix, rows)
    assert est.lower_stderr == pytest.approx(statistics.stdev(lo_t.tolist()) / math.sqrt(k), rel=1e-12)
    assert est.upper_stderr == pytest.approx(statistics.stdev(up_t.tolist()) / math.sqrt(k), rel=1e-12)
    margin = rounding_margin(mix, rows, np.full(k, 1 / k), lo_t, up_t)
    assert est.lower == pytest.approx(avg_kl(mix) + statistics.fmean(lo_t.tolist()) - margin, abs=1e-14)
    assert est.upper == pytest.approx(avg_kl(mix) + statistics.fmean(up_t.tolist()) + margin, abs=1e-14)


def test_subsampled_bounds_without_a_generator_are_reproducible():
    """Without ``rng`` the rows are those of ``default_rng(0)``, so a report is the same from run to run."""
    mix = _mixture(50, 2, seed=13)
    first = pairwise_bounds_sampled(mix, max_rows=6)
    assert pairwise_bounds_sampled(mix, max_rows=6) == first
    assert pairwise_bounds_sampled(mix, max_rows=6, rng=np.random.default_rng(0)) == first
    assert pairwise_bounds_sampled(mix, max_rows=6, rng=np.random.default_rng(1)) != first


# --- work split into blocks -----------------------------------------------------------------------

@pytest.mark.parametrize("block", [1, 4, 11])
def test_margin_does_not_depend_on_the_block_size(block):
    """Blocks of 1, 4 and all 11 components: the per-coordinate maxima are taken across blocks."""
    mix = _mixture(11, 3, seed=14)
    rows = np.array([1, 2, 7, 10])
    row_w = np.array([0.4, 0.3, 0.2, 0.1])
    lower, upper = pairwise_row_terms(mix, rows)
    pm, pv = np.array([-0.5, 1.0, 0.2]), np.array([2.0, 0.5, 1.5])
    got = rounding_margin(mix, rows, row_w, lower, upper, prior=Prior(mean=pm, var=pv), block=block)
    expected = _margin_by_loops(mix, rows.tolist(), row_w.tolist(), lower.tolist(), upper.tolist(), pm.tolist(), pv.tolist())
    assert got == pytest.approx(expected, rel=1e-12, abs=0)


def test_distances_hold_when_the_widest_variance_lies_in_an_earlier_block_of_logarithms():
    """65,537 components, two blocks of logarithms; component 0 has v = e^400 in both coordinates.

    Two such v̄ multiplied overflow float64 (e^800), so the kernel's group size must come
    from the largest |log v| over every block; and each block's ½ Σ_k log v lands in its own
    rows.  Reference: the direct formula, coordinate by coordinate (no products of v̄).
    """
    n = 65_537
    rng = np.random.default_rng(15)
    m, v = rng.normal(0.5, 1.0, (n, 2)), np.exp(rng.normal(-0.5, 1.0, (n, 2)))
    v[0] = math.exp(400.0)
    mix = DiagonalMixture.create(m, v, weights=rng.dirichlet(np.ones(n)))
    rows = np.array([0, 1, n - 1])
    kl, bd = bounds.pairwise_distances(m[rows], v[rows], m, v)
    assert np.isfinite(kl).all() and np.isfinite(bd).all() and bd[1, 0] > 190.0   # e^400 against v ~ 1
    np.testing.assert_allclose(bounds.pairwise_kl(mix, rows), kl, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bounds.pairwise_bhattacharyya(mix, rows), bd, rtol=1e-12, atol=1e-12)


# --- torch arrays: the same formulas in their namespace -----------------------------------------

def _device_mixture(mix: DiagonalMixture, dtype: str = "float64"):
    torch = require("torch")
    require("array_api_compat")
    from numeric import device
    return device.DeviceMixture.create(torch.as_tensor(mix.means), torch.as_tensor(mix.variances),
                                       weights=torch.as_tensor(mix.weights), dtype=dtype), torch


def test_torch_distances_and_margin_equal_numpys():
    mix = _mixture(13, 3, seed=16)
    tmix, torch = _device_mixture(mix)
    rows = np.array([0, 3, 4, 12])
    row_w = np.array([0.1, 0.2, 0.3, 0.4])
    kl, bd = bounds.pairwise_distances(tmix.means[rows], tmix.variances[rows], tmix.means, tmix.variances)
    assert isinstance(kl, torch.Tensor) and isinstance(bd, torch.Tensor)
    np.testing.assert_allclose(kl.numpy(), bounds.pairwise_kl(mix, rows), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(bd.numpy(), bounds.pairwise_bhattacharyya(mix, rows), rtol=1e-12, atol=1e-13)
    lower, upper = pairwise_row_terms(mix, rows)
    prior = Prior(mean=np.array([0.3, -0.2, 1.0]), var=np.array([1.5, 0.5, 2.0]))
    want = rounding_margin(mix, rows, row_w, lower, upper, prior=prior)
    for block in (2, 65_536):
        got = rounding_margin(tmix, torch.as_tensor(rows), torch.as_tensor(row_w), torch.as_tensor(lower),
                              torch.as_tensor(upper), prior=prior, block=block)
        assert got == pytest.approx(want, rel=1e-12, abs=0)


def test_torch_float32_margin_follows_float32_rounding():
    """The margin is linear in the unit roundoff of the means' dtype: 2^29 times float64's for float32."""
    mix = _mixture(10, 2, seed=17)
    tmix, torch = _device_mixture(mix, "float32")
    rows = np.arange(mix.n)
    lower, upper = pairwise_row_terms(mix, rows)
    want = rounding_margin(mix, rows, mix.weights, lower, upper) * 2.0 ** 29
    got = rounding_margin(tmix, torch.arange(mix.n), torch.as_tensor(mix.weights, dtype=torch.float32),
                          torch.as_tensor(lower, dtype=torch.float32), torch.as_tensor(upper, dtype=torch.float32))
    assert got == pytest.approx(want, rel=1e-5, abs=0)   # the sizes summed in float32: ~1e-6 relative


def test_torch_subsampled_row_terms_report_the_standard_error_of_the_mean():
    mix = _mixture(30, 2, seed=18)
    tmix, torch = _device_mixture(mix)
    rows = np.array([2, 5, 5, 9, 20, 29])
    lower, upper = pairwise_row_terms(mix, rows)
    k = rows.size
    est = bounds.bounds_from_row_terms(tmix, avg_kl(mix), torch.as_tensor(rows), torch.full((k,), 1 / k, dtype=torch.float64),
                                       torch.as_tensor(lower), torch.as_tensor(upper), exact=False)
    assert est.exact is False and est.rows == k
    assert est.lower_stderr == pytest.approx(statistics.stdev(lower.tolist()) / math.sqrt(k), rel=1e-12)
    assert est.upper_stderr == pytest.approx(statistics.stdev(upper.tolist()) / math.sqrt(k), rel=1e-12)


def test_one_component_bounds_bracket_its_closed_form_kl():
    """N = 1: q̄ = q_1, D_11 = BD_11 = 0, so both bounds are KL(q_1 || p) = ½ Σ_k (v_k + m_k² - 1 - log v_k), within the margin."""
    m, v = [0.5, -1.0, 2.0], [0.3, 2.0, 1.1]
    exact = 0.5 * math.fsum(vk + mk * mk - 1.0 - math.log(vk) for mk, vk in zip(m, v))
    lower, upper = pairwise_bounds(DiagonalMixture.create(np.array([m]), np.array([v])))
    assert lower <= exact <= upper and upper - lower < 1e-12
