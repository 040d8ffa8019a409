"""The reproduction of kl_vae_convexity.m against an independent, loop-by-loop port."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from numeric import reproduce, script_estimate


def _matlab_kl(m, v):
    return 0.5 * np.sum(v + m**2 - 1 - np.log(v))


def test_estimate_equals_the_scripts_sample_mean_and_covariance():
    """Same draws as the vectorized code; the script's mean(samps,2) and diag(cov(samps'))."""
    t, n, k, d = 3, 2, 100, 2
    rng = np.random.default_rng(0)
    means, variances = rng.normal(size=(t, n, d)), 0.1 + 2 * rng.random((t, n, d))
    mu, var = script_estimate(means, variances, k, np.random.default_rng(5))
    eps = np.random.default_rng(5).standard_normal((t, n, k, d))
    for trial in range(t):
        samps = np.concatenate([(means[trial, i] + np.sqrt(variances[trial, i]) * eps[trial, i]).T for i in range(n)],
                               axis=1)  # d x (N k), as in the script after reshape
        np.testing.assert_allclose(mu[trial], samps.mean(axis=1), rtol=1e-12)
        np.testing.assert_allclose(var[trial], np.diag(np.atleast_2d(np.cov(samps))), rtol=1e-12)


def _loop_port(iterations, d, n, k, rng):
    """The script, line by line, one trial at a time."""
    xs, ys = [], []
    for _ in range(iterations):
        means = rng.standard_normal((d, n))
        variances = 0.1 + 2 * rng.random((d, n))
        samps = np.concatenate([rng.multivariate_normal(means[:, i], np.diag(variances[:, i]), k).T
                                for i in range(n)], axis=1)
        xs.append(_matlab_kl(samps.mean(axis=1), np.diag(np.atleast_2d(np.cov(samps)))))
        ys.append(np.mean([_matlab_kl(means[:, i], variances[:, i]) for i in range(n)]))
    return np.array(xs), np.array(ys)


@pytest.mark.parametrize("d,n,k", [(1, 2, 100), (2, 3, 10)])
def test_statistics_match_the_loop_port(d, n, k):
    """Wrong-side rate and mean plotted KL agree with the loop port (two-sample tests at 4 sigma)."""
    fast = reproduce(d=d, n=n, k=k, iterations=20_000, seed=1)
    x, y = _loop_port(3_000, d, n, k, np.random.default_rng(2))
    p1, p2 = fast.wrong_side.mean(), (x > y).mean()
    pooled = (p1 * 20_000 + p2 * 3_000) / 23_000
    se = np.sqrt(pooled * (1 - pooled) * (1 / 20_000 + 1 / 3_000))
    assert abs(p1 - p2) < 4 * se
    welch = stats.ttest_ind(fast.plotted_kl, x, equal_var=False)
    assert welch.pvalue > 1e-4
    np.testing.assert_allclose(fast.avg_kl, [np.mean([_matlab_kl(fast.means[t, i], fast.variances[t, i])
                                                      for i in range(n)]) for t in range(20_000)], rtol=1e-12)


def test_seeded_runs_repeat_and_chunking_does_not_matter():
    a = reproduce(iterations=500, seed=3)
    b = reproduce(iterations=500, seed=3)
    np.testing.assert_array_equal(a.plotted_kl, b.plotted_kl)
    c = reproduce(iterations=500, seed=4)
    assert not np.array_equal(a.plotted_kl, c.plotted_kl)


@pytest.mark.parametrize("kwargs,match", [
    ({"k": 1}, "k must be an integer >= 2"),
    ({"iterations": 0}, "iterations must be an integer >= 1"),
    ({"d": 0}, "d must be"),
    ({"n": 2.5}, "n must be an integer"),
])
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        reproduce(**kwargs)
