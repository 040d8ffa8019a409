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
