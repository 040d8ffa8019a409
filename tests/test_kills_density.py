"""numeric/density.py: each log-density and each reduction against scipy or plain loops, block by block.

The mixture's log-density is compared with ``scipy.stats.norm.logpdf`` summed over the
coordinates and ``scipy.special.logsumexp`` over the components, for block sizes that split
the points and the components, with and without the per-point shift, on both the expanded
and the direct form; the coefficients and the rounding bound with their documented
formulas evaluated one scalar at a time.  Weights are non-uniform (one of them 0) and d > 1.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from numeric import DiagonalMixture, Prior, density
from numeric.density import (CLAMP, ROUNDING_TOLERANCE, accumulate_logsumexp, density_terms, log_density,
                             log_density_at_draws, log_density_ratio, log_normalizers, log_prior,
                             log_term_coefficients, logsumexp_rows, mixture_log_sum, sum_exp_clamped)

EPS = 2.0 ** -52


def _mixture(n: int = 7, d: int = 3, seed: int = 0, offset: float = 0.0, scale: float = 1.0) -> DiagonalMixture:
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.full(n, 0.7))
    w[2] = 0.0
    return DiagonalMixture.create(offset + rng.normal(0, 1.5, (n, d)), scale * np.exp(rng.normal(-0.5, 0.7, (n, d))),
                                  weights=w / w.sum())


def _log_terms(mix: DiagonalMixture, z: np.ndarray) -> np.ndarray:
    """log w_i + log q_i(z) by scipy, shape (S, N)."""
    with np.errstate(divide="ignore"):
        logw = np.log(mix.weights)
    return logw + stats.norm.logpdf(z[:, None, :], mix.means, np.sqrt(mix.variances)).sum(2)


def _rows() -> np.ndarray:
    """Rows on very different scales: shifting by one global maximum would lose most of them."""
    return np.array([[-1000.0, -1001.5, -999.0, -1003.0],
                     [800.0, 799.0, 802.5, 780.0],
                     [-np.inf, -np.inf, -np.inf, -np.inf],
                     [0.3, -0.2, 1.7, -np.inf]])


# --- reductions --------------------------------------------------------------------------------

class _Namespace:
    """numpy's functions, recording which are called through this namespace."""

    def __init__(self):
        self.used = set()

    def __getattr__(self, name):
        self.used.add(name)
        return getattr(np, name)


class _ForeignArray:
    """An array of another library (its own ``__array_namespace__``) with no fused ``logsumexp``."""

    def __init__(self, values):
        self.values = np.asarray(values)
        self.shape = self.values.shape
        self.namespace = _Namespace()

    def __array_namespace__(self, api_version=None):
        return self.namespace

    def __array__(self, dtype=None, copy=None):
        return self.values

    def __sub__(self, other):
        return self.values - np.asarray(other)

    def __mul__(self, other):
        return self.values * np.asarray(other)


def _expected(a, axis):
    with np.errstate(divide="ignore"):
        return logsumexp(a, axis=axis)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_logsumexp_rows_on_numpy_keeps_its_input_unless_allowed(axis):
    a = _rows()
    kept = a.copy()
    np.testing.assert_allclose(logsumexp_rows(a, axis=axis), _expected(kept, axis), rtol=1e-14, atol=0)
    np.testing.assert_array_equal(a, kept)                                   # overwrite=False by default
    np.testing.assert_allclose(logsumexp_rows(a, axis, overwrite=True), _expected(kept, axis), rtol=1e-14, atol=0)
    assert not np.array_equal(a[np.isfinite(kept)], kept[np.isfinite(kept)])  # used as scratch
    np.testing.assert_array_equal(logsumexp_rows(_rows()), _expected(kept, -1))


def test_logsumexp_rows_keeps_the_other_axes():
    a = np.random.default_rng(0).normal(0, 300, (2, 1, 5))
    got = logsumexp_rows(a, axis=2)
    assert got.shape == (2, 1)
    np.testing.assert_allclose(got, logsumexp(a, axis=2), rtol=1e-14, atol=0)
    a[1] = -np.inf                                                      # with a row of -inf
    got = logsumexp_rows(a, axis=2)
    assert got.shape == (2, 1)
    np.testing.assert_allclose(got, _expected(a, 2), rtol=1e-14, atol=0)
    got = logsumexp_rows(_ForeignArray(a), axis=2)
    assert got.shape == (2, 1)
    np.testing.assert_allclose(got, logsumexp(a, axis=2), rtol=1e-14, atol=0)


@pytest.mark.parametrize("axis", [0, 1])
def test_logsumexp_rows_on_a_namespace_without_a_fused_logsumexp(axis):
    a = _ForeignArray(_rows())
    got = logsumexp_rows(a, axis=axis)
    np.testing.assert_allclose(got, _expected(_rows(), axis), rtol=1e-14, atol=0)
    assert a.namespace.used >= {"max", "where", "isfinite", "log", "sum", "exp", "squeeze"}


@pytest.mark.parametrize("axis", [0, 1])
def test_logsumexp_rows_on_torch_uses_the_fused_reduction_along_the_axis(monkeypatch, axis):
    from tests.extras import require

    torch = require("torch")
    calls = []
    fused = torch.Tensor.logsumexp

    def spy(self, *args, **kwargs):
        calls.append(kwargs)
        return fused(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "logsumexp", spy)
    got = logsumexp_rows(torch.as_tensor(_rows()), axis=axis)
    assert isinstance(got, torch.Tensor) and calls == [{"dim": axis}]
    np.testing.assert_allclose(got.numpy(), _expected(_rows(), axis), rtol=1e-14, atol=0)


def test_a_forked_child_starts_a_fresh_pool():
    z = np.random.default_rng(8).normal(0, 1, (40, 3))
    mix = _mixture()
    before = log_density(mix, z, chunk_bytes=8 * 7)
    density._forget_pool()                              # what a forked child runs
    assert density._POOL is None
    np.testing.assert_array_equal(log_density(mix, z, chunk_bytes=8 * 7), before)


def test_sum_exp_clamped_clamps_at_minus_700_in_place():
    from numeric._quadrature_kernel import EXP_ULPS

    a = np.array([[0.0, -1.0, -800.0, -700.5], [-2.0, np.log(3.0), -np.inf, -699.0]])
    expected = np.exp(np.maximum(a, CLAMP)).sum(axis=1)
    # rows of a float64 matrix: one compiled pass, each exponential within EXP_ULPS units, then 4 additions
    got = sum_exp_clamped(a.copy(), axis=1)
    np.testing.assert_allclose(got, expected, rtol=(EXP_ULPS + a.shape[1]) * np.finfo(float).eps, atol=0)
    # any other axis: numpy's exp, in place (the scratch holds the clamped exponentials)
    t = np.ascontiguousarray(a.T)
    np.testing.assert_allclose(sum_exp_clamped(t, axis=0), expected, rtol=1e-15, atol=0)
    assert t[2, 0] == math.exp(-700.0) and t[2, 1] == math.exp(-700.0)
    assert CLAMP == -700.0
    col = np.array([[0.0, 1.0], [-1.0, 2.0]])
    np.testing.assert_allclose(sum_exp_clamped(col.copy()), np.exp(col).sum(axis=-1), rtol=1e-15, atol=0)
    np.testing.assert_allclose(sum_exp_clamped(col.copy(), axis=0), np.exp(col).sum(axis=0), rtol=1e-15, atol=0)


@pytest.mark.parametrize("width", [1, 2, 3])
def test_accumulate_logsumexp_block_by_block_equals_the_whole_row(width):
    a = _rows()
    top, total = np.full(4, -np.inf), np.zeros(4)
    for start in range(0, 4, width):
        top = accumulate_logsumexp(a[:, start:start + width].copy(), top, total)
    with np.errstate(divide="ignore"):
        got = np.log(total) + np.where(np.isfinite(top), top, -np.inf)
    np.testing.assert_allclose(got, _expected(_rows(), 1), rtol=1e-14, atol=0)
    np.testing.assert_array_equal(top, [-999.0, 802.5, -np.inf, 1.7])


# --- log-densities ------------------------------------------------------------------------------

def test_normalizers_and_densities_at_draws_by_scipy():
    mix = _mixture()
    eps = np.random.default_rng(1).standard_normal((5, 3))
    comp = np.array([0, 3, 6, 1, 3])
    z = mix.means[comp] + np.sqrt(mix.variances[comp]) * eps
    normalizers = log_normalizers(mix.variances)
    expected = np.array([0.5 * math.fsum([math.log(2 * math.pi * v) for v in row]) for row in mix.variances])
    np.testing.assert_allclose(normalizers, expected, rtol=1e-14, atol=0)
    got = log_density_at_draws(normalizers[comp], eps)
    truth = stats.norm.logpdf(z, mix.means[comp], np.sqrt(mix.variances[comp])).sum(1)
    np.testing.assert_allclose(got, truth, rtol=1e-12, atol=0)
    foreign_v = _ForeignArray(mix.variances)
    np.testing.assert_allclose(log_normalizers(foreign_v), expected, rtol=1e-14, atol=0)
    assert {"log", "sum"} <= foreign_v.namespace.used                # in the variances' own namespace
    foreign = _ForeignArray(eps)
    np.testing.assert_allclose(log_density_at_draws(normalizers[comp], foreign), truth, rtol=1e-12, atol=0)
    assert "sum" in foreign.namespace.used                      # reduced in the draws' own namespace


@pytest.mark.parametrize("centred", [False, True])
def test_coefficients_by_loops(centred):
    mix = _mixture(n=4, d=2)
    center = np.array([0.7, -1.2]) if centred else None
    coef = log_term_coefficients(mix.means, mix.variances, mix.weights, center=center, spare_rows=2)
    assert coef.shape == (2 * 2 + 1 + 2, 4)
    c0 = np.zeros(2) if center is None else center
    for i in range(4):
        m, v = mix.means[i], mix.variances[i]
        for k in range(2):
            assert coef[k, i] == pytest.approx(-0.5 / v[k], rel=1e-15, abs=0)
            assert coef[2 + k, i] == pytest.approx((m[k] - c0[k]) / v[k], rel=1e-14, abs=0)
        const = -0.5 * math.fsum([math.log(2 * math.pi * v[k]) + (m[k] - c0[k]) ** 2 / v[k] for k in range(2)])
        if mix.weights[i] == 0:
            assert coef[4, i] == -np.inf
        else:
            assert coef[4, i] == pytest.approx(math.log(mix.weights[i]) + const, rel=1e-13, abs=0)
    z = np.random.default_rng(2).normal(0, 2, (6, 2))
    quad = np.hstack([z * z, z, np.ones((6, 1))]) @ np.where(np.isfinite(coef[:5]), coef[:5], -1e300)
    finite = mix.weights > 0
    np.testing.assert_allclose(quad[:, finite], _log_terms(mix, z + c0)[:, finite], rtol=1e-12, atol=0)


def test_density_terms_centre_rows_and_magnitudes():
    mix = _mixture(n=5, d=3)
    terms = density_terms(mix)
    center = np.array([math.fsum(mix.weights[i] * mix.means[i, k] for i in range(5)) for k in range(3)])
    np.testing.assert_allclose(terms.center, center, rtol=1e-14, atol=1e-15)
    assert terms.d == 3 and terms.mixture is mix
    np.testing.assert_array_equal(terms.coef[:7], log_term_coefficients(mix.means, mix.variances, mix.weights,
                                                                        center=terms.center))
    np.testing.assert_array_equal(terms.coef[7], np.ones(5))
    c = terms.coef[6]
    np.testing.assert_allclose(terms.magnitude[0], (1 / mix.variances).sum(1), rtol=1e-14, atol=0)
    np.testing.assert_allclose(terms.magnitude[1], (np.abs(mix.means - center) / mix.variances).sum(1), rtol=1e-13,
                               atol=0)
    np.testing.assert_array_equal(terms.magnitude[2], np.where(np.isfinite(c), np.abs(c), 0.0))


def test_rounding_bound_is_its_documented_formula():
    mix = _mixture(n=5, d=3)
    terms = density_terms(mix)
    z = np.array([[0.5, -3.0, 1.0], [2.0, 0.1, -0.2]])
    shift = np.array([-4.0, 7.5])
    gamma = 10 * EPS / (1 - 10 * EPS)
    mag = terms.magnitude
    worst = max(0.5 * 9.0 * mag[0, i] + 3.0 * mag[1, i] + mag[2, i] for i in range(5)) + 7.5
    assert density._rounding_bound(terms, z, shift) == pytest.approx(gamma * worst, rel=1e-14, abs=0)
    assert density._rounding_bound(terms, z[:0], shift) == 0.0
    wide = density_terms(_mixture(n=4, d=50))            # γ_{2d+4} = 104 u / (1 - 104 u), exactly
    zw = np.random.default_rng(15).normal(0, 1, (3, 50))
    k = Fraction(104) * Fraction(EPS)
    mag = wide.magnitude
    zmax = Fraction(float(np.abs(zw).max()))
    worst = max(Fraction(1, 2) * zmax * zmax * Fraction(mag[0, i]) + zmax * Fraction(mag[1, i]) + Fraction(mag[2, i])
                for i in range(4)) + Fraction(2.5)
    assert density._rounding_bound(wide, zw, np.array([-2.5, 1.0])) == pytest.approx(float(k / (1 - k) * worst),
                                                                                   rel=4e-15, abs=0)
    assert density._rounding_bound(terms, np.array([[1e200, 0.0, 0.0]]), np.zeros(1)) == np.inf


@pytest.mark.parametrize("chunk_bytes", [8, 8 * 3, 8 * 5 * 3, 2**21])    # one point per block; 3 components; ...
@pytest.mark.parametrize("with_shift", [False, True])
def test_mixture_log_sum_by_scipy_in_any_blocks(chunk_bytes, with_shift):
    mix = _mixture(n=7, d=3, offset=40.0)
    rng = np.random.default_rng(3)
    comp = rng.choice([0, 1, 3, 4, 5, 6], size=23)
    z = mix.means[comp] + np.sqrt(mix.variances[comp]) * rng.standard_normal((23, 3))
    terms = density_terms(mix)
    truth = logsumexp(_log_terms(mix, z), axis=1)
    shift = _log_terms(mix, z)[np.arange(23), comp] if with_shift else None
    got = mixture_log_sum(terms, z - terms.center, shift, chunk_bytes=chunk_bytes)
    np.testing.assert_allclose(got, truth, rtol=1e-10, atol=0)
    np.testing.assert_allclose(log_density(mix, z, chunk_bytes=chunk_bytes), truth, rtol=1e-10, atol=0)


def test_a_shift_far_from_the_row_or_unusable_is_scored_again():
    """Shifts 700 nats too high or too low (sums outside [2^-60, 2^900]) and -inf shifts give the true value."""
    mix = _mixture(n=7, d=3)
    rng = np.random.default_rng(4)
    z = rng.normal(0, 1, (6, 3))
    terms = density_terms(mix)
    truth = logsumexp(_log_terms(mix, z), axis=1)
    shift = truth + np.array([700.0, -700.0, 50.0, -50.0, -np.inf, 0.0])
    got = mixture_log_sum(terms, z - terms.center, shift, chunk_bytes=8 * 2)
    np.testing.assert_allclose(got, truth, rtol=1e-10, atol=0)


def test_the_direct_form_where_the_expansion_would_cancel():
    """Narrow components far from the centre: the bound exceeds the tolerance, and the values stay exact."""
    rng = np.random.default_rng(5)
    means = np.array([[-3000.0, 1.0], [3000.0, -2.0], [3000.5, 0.0]])
    var = np.array([[1e-4, 2e-4], [3e-4, 1e-4], [2e-4, 5e-4]])
    mix = DiagonalMixture.create(means, var, weights=np.array([0.5, 0.3, 0.2]))
    z = means[[1, 2, 1, 0]] + np.sqrt(var[[1, 2, 1, 0]]) * rng.standard_normal((4, 2))
    terms = density_terms(mix)
    assert density._rounding_bound(terms, z - terms.center, np.zeros(1)) > ROUNDING_TOLERANCE
    truth = logsumexp(_log_terms(mix, z), axis=1)
    for shift in (None, _log_terms(mix, z)[np.arange(4), [1, 2, 1, 0]]):
        got = mixture_log_sum(terms, z - terms.center, shift, chunk_bytes=16)
        np.testing.assert_allclose(got, truth, rtol=1e-12, atol=1e-9)
    assert ROUNDING_TOLERANCE == 1e-6


def test_prior_log_density_and_ratio_with_a_general_prior():
    prior = Prior(mean=np.array([0.5, -1.0, 2.0]), var=np.array([0.3, 2.0, 4.0]))
    mix = _mixture()
    z = np.random.default_rng(6).normal(0, 2, (5, 3))
    p = stats.norm.logpdf(z, [0.5, -1.0, 2.0], np.sqrt([0.3, 2.0, 4.0])).sum(1)
    np.testing.assert_allclose(log_prior(z, prior), p, rtol=1e-14, atol=0)
    np.testing.assert_allclose(log_prior(z), stats.norm.logpdf(z).sum(1), rtol=1e-14, atol=0)
    np.testing.assert_allclose(log_density_ratio(mix, z, prior=prior, chunk_bytes=24),
                               logsumexp(_log_terms(mix, z), axis=1) - p, rtol=1e-10, atol=0)
    np.testing.assert_allclose(log_density_ratio(mix, z), logsumexp(_log_terms(mix, z), axis=1)
                               - stats.norm.logpdf(z).sum(1), rtol=1e-10, atol=0)


def test_prior_log_density_on_torch():
    from tests.extras import require

    torch = require("torch")
    prior = Prior(mean=np.array([0.5, -1.0]), var=np.array([0.3, 2.0]))
    z = np.random.default_rng(7).normal(0, 2, (4, 2))
    expected = stats.norm.logpdf(z, [0.5, -1.0], np.sqrt([0.3, 2.0])).sum(1)
    got = log_prior(torch.as_tensor(z), prior)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float64
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-14, atol=0)
    single = log_prior(torch.as_tensor(z, dtype=torch.float32), prior)     # the prior follows z's dtype
    assert single.dtype == torch.float32
    np.testing.assert_allclose(single.numpy(), expected, rtol=1e-5, atol=0)
    stacked = np.stack([z, z[::-1], 2 * z])                               # shape (3, 4, 2): d is the last axis
    np.testing.assert_allclose(log_prior(torch.as_tensor(stacked), prior).numpy(), log_prior(stacked, prior),
                               rtol=1e-14, atol=0)


@pytest.mark.parametrize("route", [log_density, log_density_ratio])
@pytest.mark.parametrize("z, message", [([[np.nan, 0.0, 1.0]], "^z has a non-finite value nan at index"),
                                        (np.zeros(3), r"^z must have 2 dimension\(s\), got shape \(3,\)"),
                                        (np.zeros((1, 3, 1)), r"^z must have 2 dimension\(s\)")])
def test_points_are_refused_by_name(route, z, message):
    with pytest.raises(ValueError, match=message):
        route(_mixture(), z)


def test_log_density_passes_its_block_size_on(monkeypatch):
    seen = []
    original = density.mixture_log_sum

    def spy(terms, z, shift=None, *, chunk_bytes):
        seen.append(chunk_bytes)
        return original(terms, z, shift, chunk_bytes=chunk_bytes)

    monkeypatch.setattr(density, "mixture_log_sum", spy)
    log_density(_mixture(), np.zeros((2, 3)), chunk_bytes=4321)
    assert seen == [4321]


def test_the_ratio_passes_its_block_size_on(monkeypatch):
    seen = []
    original = density.log_density

    def spy(mix, z, *, chunk_bytes):
        seen.append(chunk_bytes)
        return original(mix, z, chunk_bytes=chunk_bytes)

    monkeypatch.setattr(density, "log_density", spy)
    log_density_ratio(_mixture(), np.zeros((2, 3)), chunk_bytes=4321)
    log_density_ratio(_mixture(), np.zeros((2, 3)))
    assert seen == [4321, density.DEFAULT_CHUNK_BYTES] and density.DEFAULT_CHUNK_BYTES == 2 * 2**20


def test_threads_are_the_cpus_this_process_may_use(monkeypatch):
    monkeypatch.setattr(density.os, "sched_getaffinity", lambda pid: {3}, raising=False)
    assert density._threads() == 1
    monkeypatch.setattr(density.os, "sched_getaffinity", lambda pid: {0, 2, 5}, raising=False)
    assert density._threads() == 3
    monkeypatch.delattr(density.os, "sched_getaffinity", raising=False)     # not Linux: the CPU count, or 1
    for cpus, threads in [(1, 1), (3, 3), (None, 1)]:
        monkeypatch.setattr(density.os, "cpu_count", lambda: cpus)
        assert density._threads() == threads


def test_the_pool_has_one_named_thread_per_cpu(monkeypatch):
    monkeypatch.setattr(density, "_threads", lambda: 3)
    monkeypatch.setattr(density, "_POOL", None)
    pool = density._pool()
    assert pool is density._pool() and pool._max_workers == 3
    z = np.random.default_rng(9).normal(0, 1, (64, 3))
    np.testing.assert_allclose(log_density(_mixture(), z, chunk_bytes=8 * 7),
                               logsumexp(_log_terms(_mixture(), z), axis=1), rtol=1e-10, atol=0)
    assert 1 <= len(pool._threads) <= 3 and all(t.name.startswith("kl-audit-density_") for t in pool._threads)
    pool.shutdown()


def test_scoring_runs_blas_on_one_thread_and_leaves_openmp_alone(monkeypatch):
    from tests.extras import require

    require("torch")                                    # loads an OpenMP runtime besides the BLAS
    monkeypatch.setattr(density, "_BLAS", None)         # a controller that sees the libraries loaded now
    threadpoolctl = require("threadpoolctl")
    before = {(i["user_api"], i["filepath"]): i["num_threads"] for i in threadpoolctl.threadpool_info()}
    with density._one_blas_thread():
        inside = {(i["user_api"], i["filepath"]): i["num_threads"] for i in threadpoolctl.threadpool_info()}
    assert any(api == "blas" for api, _ in inside) and any(api == "openmp" for api, _ in inside)
    for (api, path), threads in inside.items():
        assert threads == (1 if api == "blas" else before[api, path]), (api, path)


def test_a_known_shift_needs_no_row_maximum(monkeypatch):
    calls = []
    original = density.accumulate_logsumexp
    monkeypatch.setattr(density, "accumulate_logsumexp", lambda *args: calls.append(1) or original(*args))
    mix = _mixture()
    z = np.random.default_rng(10).normal(0, 1, (5, 3))
    terms = density_terms(mix)
    truth = logsumexp(_log_terms(mix, z), axis=1)
    got = mixture_log_sum(terms, z - terms.center, truth, chunk_bytes=8 * 3)
    assert calls == []
    np.testing.assert_allclose(got, truth, rtol=1e-10, atol=0)
    mixture_log_sum(terms, z - terms.center, chunk_bytes=8 * 3)
    assert calls


def _count_direct_blocks(monkeypatch) -> list:
    calls = []
    original = density._direct_block
    monkeypatch.setattr(density, "_direct_block", lambda *args: calls.append(1) or original(*args))
    return calls


def _four_points(seed):
    """Four points near the origin, the mixture's density terms, and log q̄ at the points by scipy."""
    mix = _mixture()
    z = np.random.default_rng(seed).normal(0, 0.5, (4, 3))
    return z, density_terms(mix), logsumexp(_log_terms(mix, z), axis=1)


def test_the_shift_column_counts_in_the_rounding_bound(monkeypatch):
    """Small points and coefficients, but a shift of 1e9 nats: its rounding (γ·1e9 > 1e-6) calls for the direct form."""
    calls = _count_direct_blocks(monkeypatch)
    z, terms, truth = _four_points(11)
    got = mixture_log_sum(terms, z - terms.center, np.full(4, -1e9), chunk_bytes=2**20)
    np.testing.assert_allclose(got, truth, rtol=1e-10, atol=0)
    assert calls
    calls.clear()
    mixture_log_sum(terms, z - terms.center, truth, chunk_bytes=2**20)
    assert calls == []                          # the same points with their own shifts: the expanded form


def test_an_unusable_shift_keeps_the_expanded_form(monkeypatch):
    """A point drawn from a component of weight 0 (shift -inf) is scored again; it does not make its block direct."""
    calls = _count_direct_blocks(monkeypatch)
    z, terms, truth = _four_points(12)
    shift = truth.copy()
    shift[1] = -np.inf
    np.testing.assert_allclose(mixture_log_sum(terms, z - terms.center, shift, chunk_bytes=2**20), truth,
                               rtol=1e-10, atol=0)
    assert calls == []


def test_rows_whose_sum_leaves_2_to_the_minus_60_to_2_to_the_900_are_scored_again(monkeypatch):
    """The shift s = log q̄(z) - x log 2 makes a row's sum 2^x; only x outside [-60, 900] is scored again."""
    rescored = []
    original = density.accumulate_logsumexp
    monkeypatch.setattr(density, "accumulate_logsumexp",
                        lambda a, top, total: rescored.append(a.shape[0]) or original(a, top, total))
    mix = _mixture()
    z = np.random.default_rng(13).normal(0, 0.5, (6, 3))
    terms = density_terms(mix)
    truth = logsumexp(_log_terms(mix, z), axis=1)
    x = np.array([-60.5, -59.5, -10.0, 10.0, 899.5, 900.5])
    got = mixture_log_sum(terms, z - terms.center, truth - x * math.log(2.0), chunk_bytes=2**20)
    np.testing.assert_allclose(got, truth, rtol=1e-10, atol=0)
    assert rescored == [2]


@pytest.mark.parametrize("chunk_bytes", [8 * 7, 8 * 7 * 5, 2**20])
def test_each_point_is_scored_once(monkeypatch, chunk_bytes):
    rows = []
    original = density._score_rows
    monkeypatch.setattr(density, "_score_rows", lambda terms, z, shift, block_cols: rows.append(z.shape[0])
                        or original(terms, z, shift, block_cols))
    mix = _mixture()
    z = np.random.default_rng(14).normal(0, 0.5, (23, 3))
    terms = density_terms(mix)
    truth = logsumexp(_log_terms(mix, z), axis=1)
    np.testing.assert_allclose(mixture_log_sum(terms, z - terms.center, truth, chunk_bytes=chunk_bytes), truth,
                               rtol=1e-10, atol=0)
    assert sum(rows) == 23
