"""The time estimate printed before long work."""

from __future__ import annotations

import io

import numpy as np

from kl_audit import cost
from numeric import DiagonalMixture


def _mix(n=600, d=4):
    rng = np.random.default_rng(0)
    return DiagonalMixture.create(rng.normal(size=(n, d)), logvar=rng.normal(-1, 0.3, (n, d)))


def test_short_work_is_neither_measured_nor_announced():
    stream = io.StringIO()
    assert cost.announce_cost(_mix(), n_samples=1000, max_bound_rows=64, stream=stream) is None
    assert stream.getvalue() == ""


def test_long_work_is_announced_in_one_line(monkeypatch):
    monkeypatch.setattr(cost, "ANNOUNCE_AFTER_S", 0.0)
    stream = io.StringIO()
    est = cost.announce_cost(_mix(), n_samples=1000, max_bound_rows=64, stream=stream)
    assert est is not None and est.monte_carlo > 0 and est.bounds > 0 and est.dimensionwise > 0
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and lines[0].startswith("estimated time: about ")


def test_the_estimate_scales_the_probes_linearly(monkeypatch):
    monkeypatch.setattr(cost, "_seconds", lambda f: (f(), 1e-3)[1])    # every probe "takes" 1 ms
    mix = _mix()
    small = cost.estimate_encodings_cost(mix, n_samples=1_000, max_bound_rows=64)
    large = cost.estimate_encodings_cost(mix, n_samples=100_000, max_bound_rows=128)
    assert np.isclose(large.monte_carlo, 100 * small.monte_carlo)
    assert np.isclose(large.bounds, 2 * small.bounds) and np.isclose(large.dimensionwise, small.dimensionwise)
    # 2 passes x S x N pairs at 1 ms per 512 x N probe pairs
    assert np.isclose(small.monte_carlo, 2 * 1e-3 / (512 * mix.n) * 1_000 * mix.n)
    assert cost.CostEstimate(1.0, 2.0, 3.0).total == 6.0
    assert "1.5 h" in cost.CostEstimate(5400.0, 0.0, 0.0).line()


def test_the_dimensionwise_probe_covers_every_dimension_on_a_strided_sample(monkeypatch):
    """All d dimensions are integrated once, on an evenly strided sample of components, and scaled by N / sample."""
    calls = []

    def record(weights, means, variances, **kwargs):
        calls.append((np.shape(means), np.asarray(means).copy()))
        return np.zeros(np.shape(means)[:-1]), np.zeros(np.shape(means)[:-1])

    monkeypatch.setattr(cost, "kl_quadrature_1d", record)
    monkeypatch.setattr(cost, "_seconds", lambda f: (f(), 1e-3)[1])
    mix = _mix(n=10_000, d=3)
    est = cost.estimate_encodings_cost(mix, n_samples=1_000, max_bound_rows=64)
    shape, means = calls[-1]
    assert shape == (3, cost.DIMENSIONWISE_SAMPLE)
    np.testing.assert_array_equal(means, mix.means[0:2 * cost.DIMENSIONWISE_SAMPLE:2].T)     # stride 10,000 // 4,096
    assert np.isclose(est.dimensionwise, 1e-3 * 10_000 / cost.DIMENSIONWISE_SAMPLE)
    small = cost.estimate_encodings_cost(_mix(n=600, d=3), n_samples=1_000, max_bound_rows=64)
    assert calls[-1][0] == (3, 600) and np.isclose(small.dimensionwise, 1e-3)


def test_the_total_correlation_counts_every_marginal_of_every_draw(monkeypatch):
    """TC's marginals cost S·N·d (draw x component x dimension) plus a setup per component and dimension per chunk,
    both timed on one marginal."""
    work: list[int] = []
    real = cost.log_density_1d

    def counting(weights, means, variances, points):
        work.append(len(means) * (len(points) + 1))             # "1 ns" per component, per point and once more
        return real(weights, means, variances, points)

    def fake_seconds(f):
        work.clear()
        f()
        return 1e-9 * sum(work)

    monkeypatch.setattr(cost, "log_density_1d", counting)
    monkeypatch.setattr(cost, "_seconds", fake_seconds)
    for n, d, s in ((600, 4, 1_000), (600, 7, 10_000)):
        est = cost.estimate_encodings_cost(_mix(n, d), n_samples=s, max_bound_rows=64)
        per_setup = 2e-9                                        # one point: 2 "ns" per component
        per_term = 1e-9 * (cost.TC_PROBE + 1 - 2) / (cost.TC_PROBE - 1)   # the probe's points, less the setup
        want = d * n * (per_term * s + per_setup * -(-s // cost.TC_CHUNK))
        assert np.isclose(est.total_correlation, want, rtol=1e-9)
        assert "total correlation" in est.line()
