"""numeric/montecarlo.py: allocations, estimates and integrands by other routes, on the same random streams.

The counts per stratum follow their documented rule by plain loops; the stratified and
pooled estimates are recomputed from the raw values with :mod:`statistics`; the Monte Carlo
routes are replayed on the same generator (components, then the standard normals, in the
order the docstrings state) with the integrands evaluated by ``scipy.stats.norm`` and a
``logsumexp`` over the components.  Weights are non-uniform, d > 1, and the chunks split
the draws unevenly.
"""

from __future__ import annotations

import math
import statistics
import tracemalloc

import numpy as np
import pytest
from scipy import stats
from scipy.special import logsumexp

from numeric import DiagonalMixture, Prior, kl_monte_carlo, kl_monte_carlo_batch, mutual_information_monte_carlo
from numeric import montecarlo
from numeric.montecarlo import (draw_count, monte_carlo_expectation, own_log_term, pooled_estimate,
                                stratified_counts, stratified_estimate)

PRIOR = Prior(mean=np.array([0.4, -0.3, 1.1]), var=np.array([0.6, 1.7, 2.5]))


def _mixture(n: int = 5, d: int = 3, seed: int = 4, zero_weight: bool = False) -> DiagonalMixture:
    rng = np.random.default_rng(seed)
    w = rng.dirichlet(np.full(n, 0.8))
    if zero_weight:
        w[1] = 0.0
        w /= w.sum()
    return DiagonalMixture.create(rng.normal(0.5, 1.2, (n, d)), np.exp(rng.normal(-0.7, 0.6, (n, d))), weights=w)


def _z_quantile(level: float) -> float:
    return statistics.NormalDist().inv_cdf(0.5 + level / 2)


def _assert_estimate(est, value, stderr, n_samples, level, rel=1e-11):
    z = _z_quantile(level)
    assert est.value == pytest.approx(value, rel=rel, abs=0)
    assert est.stderr == pytest.approx(stderr, rel=rel, abs=0)
    assert est.low == pytest.approx(value - z * stderr, rel=rel, abs=0)
    assert est.high == pytest.approx(value + z * stderr, rel=rel, abs=0)
    assert (est.n_samples, est.level) == (n_samples, level)


# --- allocation ------------------------------------------------------------------------------

def _counts_by_loops(w: list[float], n_samples: int) -> list[int]:
    """floor(w_i n) raised to the floor clip(n // 4N, 2, 30); the shortfall to the largest remainders."""
    big_n = len(w)
    floor = min(max(n_samples // (4 * big_n), 2), 30)
    raw = [wi * n_samples for wi in w]
    counts = [max(math.floor(r), floor) for r in raw]
    short = n_samples - sum(counts)
    for i in sorted(range(big_n), key=lambda i: raw[i] - math.floor(raw[i]), reverse=True)[:max(short, 0)]:
        counts[i] += 1
    return counts


@pytest.mark.parametrize("n_samples", [10, 37, 200, 1000, 13_001])    # floors 2, 2, 10, 30, 30 for N = 5
def test_stratified_counts_follow_the_rule(n_samples):
    w = np.array([0.52, 0.23, 0.13, 0.071, 0.049])
    got = stratified_counts(w, n_samples)
    assert got.dtype == np.int64
    assert got.tolist() == _counts_by_loops(w.tolist(), n_samples)


def test_floor_binds_and_counts_exceed_the_request():
    w = np.array([0.9, 0.06, 0.04])
    assert stratified_counts(w, 12).tolist() == [10, 2, 2]             # floor 2: 14 draws for 12
    assert stratified_counts(w, 240).tolist() == [216, 20, 20]          # floor 240 // 12 = 20
    assert stratified_counts(w, 480).tolist() == [432, 30, 30]          # floor 480 // 12 = 40, capped at 30
    assert stratified_counts(w, 4000).tolist() == [3600, 240, 160]      # floor capped at 30, not binding


@pytest.mark.parametrize("n_samples", [2, 9, 10, 11, 480, 997])
def test_draw_count_is_the_request_below_two_per_component_and_the_strata_total_above(n_samples):
    w = np.array([0.9, 0.06, 0.03, 0.01, 0.0])
    expected = n_samples if n_samples < 10 else sum(_counts_by_loops(w.tolist(), n_samples))
    assert draw_count(w, n_samples) == expected
    assert type(draw_count(w, n_samples)) is int


# --- the estimates from sums of shifted values --------------------------------------------

def _strata(seed: int = 0):
    rng = np.random.default_rng(seed)
    counts = [3, 7, 2, 11]
    values = [list(rng.normal(mu, sd, c)) for mu, sd, c in zip([1.0, -2.0, 0.5, 3.0], [0.3, 1.5, 0.1, 2.0], counts)]
    return np.array([0.1, 0.45, 0.05, 0.4]), counts, values


@pytest.mark.parametrize("level", [0.9, 0.99])
def test_stratified_estimate_known_answer(level):
    w, counts, values = _strata()
    shift = 0.75
    sums = np.array([math.fsum(x - shift for x in v) for v in values])
    sq = np.array([math.fsum((x - shift) ** 2 for x in v) for v in values])
    est = stratified_estimate(w, np.array(counts, dtype=float), sums, sq, shift, level=level)
    value = math.fsum(wi * statistics.fmean(v) for wi, v in zip(w, values))
    var = math.fsum(wi * wi * statistics.variance(v) / len(v) for wi, v in zip(w, values))
    _assert_estimate(est, value, math.sqrt(var), sum(counts), level, rel=1e-9)


def _constant_with_rounding(count: int) -> float:
    """A value c for which the moments of ``count`` copies give sum² / count² > sum of squares / count."""
    for c in np.linspace(0.1, 0.9, 801):
        s, q = count * c, count * (c * c)
        if q / count - (s / count) ** 2 < 0:
            return float(c)
    raise AssertionError("no such constant")


def test_a_stratum_of_equal_values_has_variance_zero_not_a_negative_rounding():
    c = _constant_with_rounding(3)
    est = stratified_estimate(np.array([1.0]), np.array([3.0]), np.array([3 * c]), np.array([3 * (c * c)]), 0.0,
                              level=0.95)
    assert (est.value, est.stderr) == (pytest.approx(c, rel=1e-15, abs=0), 0.0)
    est = pooled_estimate(3, 3 * c, 3 * (c * c), 0.0, level=0.95)
    assert (est.value, est.stderr) == (pytest.approx(c, rel=1e-15, abs=0), 0.0)


@pytest.mark.parametrize("level", [0.8, 0.95])
def test_pooled_estimate_known_answer(level):
    values = list(np.random.default_rng(1).normal(2.0, 3.0, 9))
    shift = -1.25
    est = pooled_estimate(9, math.fsum(x - shift for x in values), math.fsum((x - shift) ** 2 for x in values), shift,
                          level=level)
    _assert_estimate(est, statistics.fmean(values), statistics.stdev(values) / 3.0, 9, level, rel=1e-9)


# --- the integrands, replayed -----------------------------------------------------------------

def _log_terms(mix: DiagonalMixture, z: np.ndarray) -> np.ndarray:
    """log w_i + log q_i(z) by scipy, shape (S, N)."""
    with np.errstate(divide="ignore"):
        logw = np.log(mix.weights)
    return logw + stats.norm.logpdf(z[:, None, :], mix.means, np.sqrt(mix.variances)).sum(2)


def _replay(mix: DiagonalMixture, n_samples: int, seed: int):
    """Components, standard normals and points z (not centred) as the routes draw them."""
    rng = np.random.default_rng(seed)
    if n_samples >= 2 * mix.n:
        comp = np.repeat(np.arange(mix.n), _counts_by_loops(mix.weights.tolist(), n_samples))
    else:
        comp = rng.choice(mix.n, size=n_samples, p=mix.weights)
    eps = rng.standard_normal((comp.size, mix.d))
    return comp, eps, mix.means[comp] + np.sqrt(mix.variances[comp]) * eps


def _combine(mix, comp, f, stratified, level):
    if not stratified:
        return f.mean(), f.std(ddof=1) / math.sqrt(f.size)
    value = var = 0.0
    for i in range(mix.n):
        fi = f[comp == i]
        value += mix.weights[i] * fi.mean()
        var += mix.weights[i] ** 2 * fi.var(ddof=1) / fi.size
    return value, math.sqrt(var)


@pytest.mark.parametrize("n_samples", [7, 83])           # random components (7 < 2N), strata (83 >= 2N)
def test_expectation_sees_centred_points_components_and_normals_chunk_by_chunk(n_samples):
    mix = _mixture()
    center = np.array([0.3, -1.0, 2.0])
    comp, eps, z = _replay(mix, n_samples, seed=8)

    def f(zc, c, e):
        return np.sin(zc[:, 0] * zc[:, 1]) + zc[:, 2] + 0.5 * c + e[:, 1] ** 2

    expected = f(z - center, comp, eps)
    ticks = []
    est = monte_carlo_expectation(mix, n_samples, np.random.default_rng(8), f, level=0.9, chunk_samples=3,
                                  progress=ticks.append, center=center)
    value, se = _combine(mix, comp, expected, n_samples >= 2 * mix.n, 0.9)
    _assert_estimate(est, value, se, comp.size, 0.9, rel=1e-9)
    assert ticks == [3] * (comp.size // 3) + ([comp.size % 3] if comp.size % 3 else [])
    uncentred = monte_carlo_expectation(mix, n_samples, np.random.default_rng(8), lambda zc, c, e: zc[:, 0],
                                        level=0.9, chunk_samples=5, progress=None)
    assert uncentred.value == pytest.approx(_combine(mix, comp, z[:, 0], n_samples >= 2 * mix.n, 0.9)[0],
                                            rel=1e-12, abs=0)


def test_kl_is_the_expected_log_ratio_against_the_prior():
    mix = _mixture(zero_weight=True)
    pm, pv = PRIOR.arrays(3)
    for n_samples in (9, 61):
        comp, eps, z = _replay(mix, n_samples, seed=5)
        f = logsumexp(_log_terms(mix, z), axis=1) - stats.norm.logpdf(z, pm, np.sqrt(pv)).sum(1)
        ticks = []
        est = kl_monte_carlo(mix, n_samples, np.random.default_rng(5), prior=PRIOR, level=0.8, chunk_samples=4,
                             chunk_bytes=200, progress=ticks.append)
        _assert_estimate(est, *_combine(mix, comp, f, n_samples >= 2 * mix.n, 0.8), comp.size, 0.8, rel=1e-9)
        assert sum(ticks) == comp.size and max(ticks) == 4


def test_mutual_information_is_the_expected_log_ratio_to_the_aggregate():
    mix = _mixture(zero_weight=True)
    for n_samples in (9, 61):
        comp, eps, z = _replay(mix, n_samples, seed=6)
        own = stats.norm.logpdf(z, mix.means[comp], np.sqrt(mix.variances[comp])).sum(1)
        f = own - logsumexp(_log_terms(mix, z), axis=1)
        ticks = []
        est = mutual_information_monte_carlo(mix, n_samples, np.random.default_rng(6), chunk_samples=4,
                                             chunk_bytes=200, progress=ticks.append)
        _assert_estimate(est, *_combine(mix, comp, f, n_samples >= 2 * mix.n, 0.95), comp.size, 0.95, rel=1e-9)
        assert sum(ticks) == comp.size and max(ticks) == 4


@pytest.mark.parametrize("route", [kl_monte_carlo, mutual_information_monte_carlo])
def test_routes_pass_chunk_bytes_and_own_terms_to_the_scorer(monkeypatch, route):
    mix = _mixture()
    seen = []
    original = montecarlo.mixture_log_sum

    def spy(terms, z, shift=None, *, chunk_bytes):
        seen.append((chunk_bytes, shift is not None))
        return original(terms, z, shift, chunk_bytes=chunk_bytes)

    monkeypatch.setattr(montecarlo, "mixture_log_sum", spy)
    route(mix, 20, np.random.default_rng(0), chunk_samples=8, chunk_bytes=1234)
    assert seen == [(1234, True)] * 3


def test_defaults_are_4096_draws_a_chunk_and_a_95_percent_interval():
    mix = _mixture(n=2, d=1)
    for route in (kl_monte_carlo, mutual_information_monte_carlo):
        ticks = []
        est = route(mix, 5000, np.random.default_rng(0), progress=ticks.append)
        assert ticks == [4096, 904] and est.level == 0.95


def test_own_log_term_is_log_weight_plus_log_density():
    mix = _mixture(zero_weight=True)
    comp = np.array([0, 1, 4, 2, 1, 3])
    eps = np.random.default_rng(2).standard_normal((6, 3))
    z = mix.means[comp] + np.sqrt(mix.variances[comp]) * eps
    expected = _log_terms(mix, z)[np.arange(6), comp]
    got = own_log_term(mix, comp, eps)
    np.testing.assert_allclose(got[comp != 1], expected[comp != 1], rtol=1e-12, atol=0)
    assert np.all(got[comp == 1] == -np.inf)


# --- many small mixtures at once -----------------------------------------------------------------

def test_batch_replayed_mixture_by_mixture():
    """One block: u ~ U(0,1) (T, S) picks i with cum w_{i-1} < u <= cum w_i; then normals (T, S, d)."""
    rng = np.random.default_rng(3)
    t, n, d, s = 4, 3, 2, 50
    w = rng.dirichlet(np.ones(n), size=t)
    w[1] = [0.0, 0.3, 0.7]                      # a zero weight
    m, v = rng.normal(0, 1.5, (t, n, d)), np.exp(rng.normal(-0.5, 0.5, (t, n, d)))
    prior = Prior(mean=np.array([0.2, -0.4]), var=np.array([1.5, 0.7]))
    pm, pv = prior.arrays(d)
    replay = np.random.default_rng(11)
    u = replay.random((t, s))
    eps = replay.standard_normal((t, s, d))
    values, errors = kl_monte_carlo_batch(w, m, v, s, np.random.default_rng(11), prior=prior)
    for k in range(t):
        comp = np.minimum(np.searchsorted(np.cumsum(w[k]), u[k], side="left"), n - 1)
        z = m[k, comp] + np.sqrt(v[k, comp]) * eps[k]
        with np.errstate(divide="ignore"):
            terms = np.log(w[k]) + stats.norm.logpdf(z[:, None, :], m[k], np.sqrt(v[k])).sum(2)
        f = logsumexp(terms, axis=1) - stats.norm.logpdf(z, pm, np.sqrt(pv)).sum(1)
        assert values[k] == pytest.approx(statistics.fmean(f), rel=1e-10, abs=0)
        assert errors[k] == pytest.approx(statistics.stdev(f) / math.sqrt(s), rel=1e-10, abs=0)


def test_batch_computes_in_float64_whatever_the_input_dtype():
    rng = np.random.default_rng(9)
    w = rng.dirichlet(np.ones(3), size=2).astype(np.float32)
    m, v = rng.normal(0, 1, (2, 3, 2)).astype(np.float32), np.exp(rng.normal(0, 0.5, (2, 3, 2))).astype(np.float32)
    got = kl_monte_carlo_batch(w, m, v, 40, np.random.default_rng(1))
    wide = kl_monte_carlo_batch(w.astype(np.float64), m.astype(np.float64), v.astype(np.float64), 40,
                                np.random.default_rng(1))
    for a, b in zip(got, wide):
        assert a.dtype == np.float64
        np.testing.assert_array_equal(a, b)


def test_batch_names_the_variances_it_refuses():
    with pytest.raises(ValueError, match="^variances must be > 0"):
        kl_monte_carlo_batch(np.ones((1, 2)) / 2, np.zeros((1, 2, 1)), -np.ones((1, 2, 1)), 10,
                             np.random.default_rng(0))


def _batch_peak_bytes(t: int, s: int, n: int, d: int) -> int:
    rng = np.random.default_rng(0)
    w, m, v = np.full((t, n), 1.0 / n), rng.normal(size=(t, n, d)), np.ones((t, n, d))
    tracemalloc.start()
    try:
        kl_monte_carlo_batch(w, m, v, s, rng)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("t, s", [(32, 256), (1, 8193)])    # one block of 2^23 entries; one mixture over 2^23
def test_batch_memory_does_not_grow_with_the_number_of_mixtures(t, s):
    """Mixtures are scored a block at a time, a block holding at most 2^23 (draw, component, coordinate) entries
    or a single mixture: twice the mixtures, the same peak."""
    one, two = _batch_peak_bytes(t, s, 32, 32), _batch_peak_bytes(2 * t, s, 32, 32)
    assert two < 1.25 * one


class _Scripted:
    """A generator stand-in: given uniforms, zero normals (so that each draw is its component's mean)."""

    def __init__(self, uniforms):
        self.uniforms = np.asarray(uniforms)

    def random(self, shape):
        return np.broadcast_to(self.uniforms, shape).copy()

    def standard_normal(self, shape):
        return np.zeros(shape)


def test_batch_picks_components_by_the_inverse_cdf_up_to_the_last():
    """u picks i with cum_{i-1} < u <= cum_i; a u above the rounded total cum_N < 1 picks the last component."""
    w = np.array([0.01173048823348959, 0.7186708903480953, 0.269598621418415])
    cum = np.cumsum(w)
    assert cum[-1] < np.nextafter(1.0, 0.0)
    u = [cum[0], np.nextafter(cum[0], 1.0), cum[1], np.nextafter(cum[1], 1.0), np.nextafter(1.0, 0.0)]
    picked = np.array([0, 1, 1, 2, 2])
    m = np.array([[[-2.0, 0.5], [1.0, 1.0], [3.0, -1.0]]])
    v = np.array([[[0.5, 1.0], [2.0, 0.3], [1.0, 1.5]]])
    mix = DiagonalMixture.create(m[0], v[0], weights=w)
    z = m[0, picked]
    f = logsumexp(_log_terms(mix, z), axis=1) - stats.norm.logpdf(z).sum(1)
    value, stderr = kl_monte_carlo_batch(w[None], m, v, 5, _Scripted(u))
    assert value[0] == pytest.approx(statistics.fmean(f), rel=1e-12, abs=0)
    assert stderr[0] == pytest.approx(statistics.stdev(f) / math.sqrt(5), rel=1e-12, abs=0)


@pytest.mark.parametrize("route", [kl_monte_carlo, mutual_information_monte_carlo])
def test_two_draws_per_component_already_stratify(route):
    mix = _mixture()                                   # N = 5: 10 draws are stratified, with floors of 2
    comp, _, _ = _replay(mix, 10, seed=0)
    assert route(mix, 10, np.random.default_rng(0)).n_samples == comp.size == draw_count(mix.weights, 10) > 10
    assert route(mix, 9, np.random.default_rng(0)).n_samples == 9


@pytest.mark.parametrize("chunk", [0, -3, 2.5])
def test_a_chunk_size_below_one_is_refused_by_name(chunk):
    with pytest.raises(ValueError, match="^chunk_samples must be an integer >= 1"):
        monte_carlo_expectation(_mixture(), 20, np.random.default_rng(0), lambda z, c, e: z[:, 0], level=0.95,
                                chunk_samples=chunk, progress=None)
