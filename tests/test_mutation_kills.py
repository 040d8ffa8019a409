"""Properties that mutation testing showed were unstated: batches equal their items, errors name the argument.

* Every function that broadcasts over leading batch axes gives, for a batch, exactly
  what it gives for each item alone (a reduction over the wrong axis, or a matrix
  axis taken from the wrong end, breaks this only for batches).
* Bad input is reported with the name of the argument that holds it (the project's
  rule for errors), for each argument of each public function.
"""

from __future__ import annotations

import numpy as np
import pytest

import numeric as N


def _batch(seed=0, shape=(2, 3), d=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(*shape, d)), np.exp(rng.normal(0, 0.5, (*shape, d)))


def test_diagonal_closed_forms_broadcast_over_batches():
    m1, v1 = _batch(0)
    m2, v2 = _batch(1)
    got = N.kl_diag(m1, v1, m2, v2)
    assert got.shape == (2, 3)
    for idx in np.ndindex(2, 3):
        assert got[idx] == pytest.approx(float(N.kl_diag(m1[idx], v1[idx], m2[idx], v2[idx])), rel=1e-14)
    std = N.kl_diag_standard(m1, v1)
    ent = N.entropy_diag(v1)
    for idx in np.ndindex(2, 3):
        assert std[idx] == pytest.approx(float(N.kl_diag_standard(m1[idx], v1[idx])), rel=1e-14)
        assert ent[idx] == pytest.approx(float(N.entropy_diag(v1[idx])), rel=1e-14)


def test_full_covariance_kl_broadcasts_over_batches():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(4, 3, 3))
    cov = a @ np.swapaxes(a, -1, -2) + 0.5 * np.eye(3)
    mean = rng.normal(size=(4, 3))
    got = N.kl_full_standard(mean, cov)
    assert got.shape == (4,)
    for t in range(4):
        assert got[t] == pytest.approx(float(N.kl_full_standard(mean[t], cov[t])), rel=1e-13)


@pytest.mark.parametrize("call,name", [
    (lambda: N.kl_full_standard(0.5, [[2.0]]), "mean"),
    (lambda: N.kl_full_standard([0.5], 2.0), "cov"),
    (lambda: N.entropy_diag(2.0), "var"),
    (lambda: N.kl_diag(0.5, [2.0], [0.0], [1.0]), "mean1"),
    (lambda: N.kl_diag([0.5], 2.0, [0.0], [1.0]), "var1"),
    (lambda: N.kl_diag_standard(0.5, 2.0), "mean"),
], ids=["kl_full mean", "kl_full cov", "entropy var", "kl_diag mean1", "kl_diag var1", "kl_diag_standard mean"])
def test_arrays_without_the_coordinate_axis_are_rejected_by_name(call, name):
    """The last axis holds the d coordinates: a scalar is not silently taken for d = 1."""
    with pytest.raises(ValueError, match=f"^{name} must have at least"):
        call()


def test_mixture_moments_broadcast_over_batches():
    rng = np.random.default_rng(3)
    w = rng.dirichlet(np.ones(4), size=3)
    m, v = rng.normal(size=(3, 4, 2)), np.exp(rng.normal(size=(3, 4, 2)))
    mu, cov = N.mixture_moments(w, m, v)
    for t in range(3):
        mu_t, cov_t = N.mixture_moments(w[t], m[t], v[t])
        np.testing.assert_allclose(mu[t], mu_t, rtol=1e-14)
        np.testing.assert_allclose(cov[t], cov_t, rtol=1e-13)


_NAN = float("nan")

# (call, the argument's name in the message) for a NaN and for a string in each argument
BAD_ARGUMENTS = {
    "kl_diag mean1": (lambda x: N.kl_diag([x], [1.0], [0.0], [1.0]), "mean1"),
    "kl_diag var1": (lambda x: N.kl_diag([0.0], [x], [0.0], [1.0]), "var1"),
    "kl_diag mean2": (lambda x: N.kl_diag([0.0], [1.0], [x], [1.0]), "mean2"),
    "kl_diag var2": (lambda x: N.kl_diag([0.0], [1.0], [0.0], [x]), "var2"),
    "kl_full_standard mean": (lambda x: N.kl_full_standard([x], [[1.0]]), "mean"),
    "kl_full_standard cov": (lambda x: N.kl_full_standard([0.0], [[x]]), "cov"),
    "entropy_diag var": (lambda x: N.entropy_diag([x]), "var"),
    "kl_diag_standard logvar": (lambda x: N.kl_diag_standard([0.0], logvar=[x]), "logvar"),
    # a non-finite prior is reported by kl_diag as mean2/var2; a non-number by its own name
    "kl_diag_standard prior_mean": (lambda x: N.kl_diag_standard([0.0], [1.0], prior_mean="x" + str(x)), "prior_mean"),
    "kl_diag_standard prior_var": (lambda x: N.kl_diag_standard([0.0], [1.0], prior_var="x" + str(x)), "prior_var"),
    "mixture means": (lambda x: N.DiagonalMixture.create([[x]], [[1.0]]), "means"),
    "mixture var": (lambda x: N.DiagonalMixture.create([[0.0]], [[x]]), "var"),
    "prior mean": (lambda x: N.Prior(mean=x).arrays(1), "prior mean"),
    "prior var": (lambda x: N.Prior(var=x).arrays(1), "prior var"),
    "linear_vae_encodings data": (lambda x: N.linear_vae_encodings([[x, 1.0, 2.0], [1.0, 2.0, 0.0]], 1), "data"),
    "log_density z": (lambda x: N.log_density(N.DiagonalMixture.create([[0.0]], [[1.0]]), [[x]]), "z"),
}


# one-element arrays, so that the value itself (not the missing coordinate axis) is what is rejected
@pytest.mark.parametrize("case", BAD_ARGUMENTS)
@pytest.mark.parametrize("bad", [_NAN, "abc"], ids=["nan", "string"])
def test_errors_name_the_argument(case, bad):
    call, name = BAD_ARGUMENTS[case]
    with pytest.raises((ValueError, TypeError)) as info:
        call(bad)
    assert str(info.value).startswith(f"{name} "), str(info.value)


def test_kl_diag_standard_rejects_a_prior_per_row():
    """The prior is one diagonal Gaussian, shape (d,): a (rows, d) prior is an error, not a batch of priors."""
    with pytest.raises(ValueError):
        N.kl_diag_standard(np.zeros((2, 2)), np.ones((2, 2)), prior_mean=np.zeros((2, 2)))
    with pytest.raises(ValueError):
        N.kl_diag_standard(np.zeros((2, 2)), np.ones((2, 2)), prior_var=np.ones((2, 2)))


@pytest.mark.parametrize("call", [
    lambda: N.kl_diag([0.0], [1e300], [0.0], [1e-300]),
    lambda: N.kl_full_standard([0.0, 0.0], np.diag([1.7e308, 1.7e308])),
], ids=["kl_diag", "kl_full_standard"])
def test_overflow_is_an_error_that_says_what_overflowed(call):
    with pytest.raises(ValueError, match="^the KL divergence is not representable in float64"):
        call()


def test_mixture_samples_have_the_mixtures_moments():
    """Draws from q̄ with unequal weights in d = 2: mean and covariance within 5 standard errors of moments()."""
    mix = N.DiagonalMixture.create([[0.0, 1.0], [3.0, -1.0], [-2.0, 0.5]], [[1.0, 0.5], [0.2, 2.0], [0.7, 0.1]],
                                   weights=[0.6, 0.3, 0.1])
    z = mix.sample(40_000, np.random.default_rng(0))
    assert z.shape == (40_000, 2)
    mu, cov = N.moments(mix)
    assert (np.abs(z.mean(0) - mu) <= 5 * z.std(0) / np.sqrt(len(z))).all()
    dev = (z - mu) ** 2
    assert (np.abs(dev.mean(0) - np.diag(cov)) <= 5 * dev.std(0) / np.sqrt(len(z))).all()
    # the distribution, not only two moments: the empirical CDF of each coordinate at a few points
    from scipy import stats
    for j in range(2):
        for x in (-1.0, 0.0, 0.7, 2.0):
            exact = float(mix.weights @ stats.norm.cdf(x, mix.means[:, j], np.sqrt(mix.variances[:, j])))
            assert abs((z[:, j] <= x).mean() - exact) <= 5 * np.sqrt(exact * (1 - exact) / len(z)), (j, x)


def test_dimension_wise_avg_kl_sums_every_block_once(monkeypatch):
    """Blocks of 3 components over N = 10 (the last one short) give Σ_i w_i KL(q_ij || p_j) summed by a plain loop."""
    from numeric import mixture

    rng = np.random.default_rng(31)
    mix = N.DiagonalMixture.create(rng.normal(size=(10, 2)), np.exp(rng.normal(size=(10, 2))),
                                   weights=rng.dirichlet(np.ones(10)))
    prior = N.Prior(mean=np.array([0.5, -0.5]), var=np.array([2.0, 0.5]))
    pm, pv = [0.5, -0.5], [2.0, 0.5]
    kl = lambda m, v, j: 0.5 * (v / pv[j] + (m - pm[j]) ** 2 / pv[j] - 1 - np.log(v / pv[j]))  # noqa: E731
    expected = [sum(float(mix.weights[i]) * kl(float(mix.means[i, j]), float(mix.variances[i, j]), j) for i in range(10))
                for j in range(2)]
    monkeypatch.setattr(mixture, "BLOCK_ROWS", 3)
    got = mixture.avg_kl_per_dimension(mix, prior=prior)
    np.testing.assert_allclose(got, expected, rtol=1e-13)
    assert got.sum() == pytest.approx(mixture.avg_kl(mix, prior=prior), rel=1e-13)


# --- numeric/moments.py: the matched Gaussian's KL and the count of active units ------------------

def test_matched_gaussian_kl_is_the_full_covariance_kl_by_default():
    """KL(N(μ, Σ) || N(0, I)) = ½(tr Σ + μᵀμ - d - log det Σ), with Σ far from diagonal."""
    from numeric.moments import matched_gaussian_kl

    mu, cov = np.array([0.3, -0.8]), np.array([[1.5, 0.9], [0.9, 0.8]])
    full = 0.5 * (np.trace(cov) + mu @ mu - 2 - np.log(np.linalg.det(cov)))
    diag = 0.5 * float(np.sum(np.diag(cov) + mu * mu - 1 - np.log(np.diag(cov))))
    assert matched_gaussian_kl(mu, cov) == pytest.approx(full, rel=1e-12, abs=0)
    assert matched_gaussian_kl(mu, cov, diagonal=True) == pytest.approx(diag, rel=1e-12, abs=0)


def test_active_units_count_variances_strictly_above_the_threshold():
    from numeric.moments import active_units

    variance = np.array([0.5, 0.01, 0.0100001, 0.0, 2.0])
    assert active_units(variance, 0.01) == 3
    assert active_units(variance, 0.5) == 1
    assert type(active_units(variance, 0.01)) is int
    from tests.extras import require

    torch = require("torch")
    assert active_units(torch.as_tensor(variance), 0.01) == 3


def test_mixture_moments_of_tensors_are_tensors_of_their_dtype_with_numpy_values():
    from numeric.moments import mixture_moments
    from tests.extras import require

    torch = require("torch")
    require("array_api_compat")
    rng = np.random.default_rng(4)
    w = rng.dirichlet(np.ones(5), size=2)                       # batched: shape (2, 5)
    m, v = rng.normal(0, 1, (2, 5, 3)), np.exp(rng.normal(0, 0.5, (2, 5, 3)))
    mean, cov = mixture_moments(w, m, v)
    assert mean.dtype == np.float64 and cov.shape == (2, 3, 3)
    for dtype, rel in ((torch.float64, 1e-12), (torch.float32, 1e-5)):
        tm, tc = mixture_moments(*(torch.as_tensor(a, dtype=dtype) for a in (w, m, v)))
        assert isinstance(tc, torch.Tensor) and (tm.dtype, tc.dtype) == (dtype, dtype)
        np.testing.assert_allclose(tm.numpy(), mean, rtol=rel, atol=rel)
        np.testing.assert_allclose(tc.numpy(), cov, rtol=rel, atol=rel)


def test_mixture_moments_compute_float32_numpy_input_in_float64():
    from numeric.moments import mixture_moments

    rng = np.random.default_rng(6)
    w = rng.dirichlet(np.ones(4)).astype(np.float32)
    m, v = rng.normal(0, 3, (4, 2)).astype(np.float32), np.exp(rng.normal(0, 1, (4, 2))).astype(np.float32)
    got = mixture_moments(w, m, v)
    wide = mixture_moments(w.astype(np.float64), m.astype(np.float64), v.astype(np.float64))
    for a, b in zip(got, wide):
        assert a.dtype == np.float64
        np.testing.assert_array_equal(a, b)
