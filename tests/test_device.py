"""numeric.device against numpy's numeric: the same numbers from torch tensors, in float64 and float32.

Deterministic quantities (avg KL, the log-density, the pairwise bounds, the variance of the
means, the dimension-wise quadrature) agree to 1e-10 relative in float64.  numpy arrays sent
through the device functions reproduce numeric's Monte Carlo estimates draw for draw.  torch
draws its own numbers, so its estimates are compared with numpy's within Z_FAMILY combined
standard errors.  float32 stays within the bound derived from float32 rounding.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numeric import (DiagonalMixture, avg_kl, decompose, kl_monte_carlo, kl_quadrature_1d, log_density,
                     mutual_information_monte_carlo, pairwise_bounds_sampled)
from numeric.encodings import ACTIVE_THRESHOLD
from tests.extras import require
from tests.strategies import mixtures

torch = require("torch")
require("array_api_compat")
from numeric import device as dev  # noqa: E402

#: Two-sided normal quantile at 2e-5 per comparison: family-wise below 1e-3 over the 40 comparisons of a run.
Z_FAMILY = 4.26


def _pair(w, m, v, dtype="float64"):
    t = lambda a: torch.as_tensor(a)  # noqa: E731
    return (DiagonalMixture.create(m, v, weights=w),
            dev.DeviceMixture.create(t(m), t(v), weights=t(w), dtype=dtype))


def _close(a, b, rel=1e-10, abs_=1e-10):
    assert abs(a - b) <= rel * max(abs(a), abs(b)) + abs_, (a, b)


@given(mixtures(max_n=48, d=st.integers(1, 8)), st.integers(0, 2**32 - 1))
def test_deterministic_quantities_agree_in_float64(mixture, seed):
    w, m, v = mixture
    mix, tmix = _pair(w, m, v)
    _close(dev.avg_kl(tmix), avg_kl(mix))
    z = mix.sample(64, np.random.default_rng(seed))
    np.testing.assert_allclose(dev.log_density(tmix, torch.as_tensor(z)).numpy(), log_density(mix, z),
                               rtol=1e-10, atol=1e-10)
    ref, b = pairwise_bounds_sampled(mix), dev.pairwise_bounds(tmix)
    _close(b.lower, ref.lower, abs_=1e-9)
    _close(b.upper, ref.upper, abs_=1e-9)
    var_means = w @ (m - w @ m) ** 2
    np.testing.assert_allclose(dev.variance_of_means(tmix).numpy(), var_means, rtol=1e-10, atol=1e-12)
    assert dev.active_units(tmix) == int((var_means > ACTIVE_THRESHOLD).sum())
    _close(dev.entropy_of_weights(tmix), float(-(w * np.log(w)).sum()))


@settings(max_examples=15)
@given(mixtures(max_n=24, d=st.integers(1, 3)))
def test_dimensionwise_quadrature_agrees(mixture):
    w, m, v = mixture
    _, tmix = _pair(w, m, v)
    value, error = dev.dimwise_kl(tmix)
    for j in range(m.shape[1]):
        ref, ref_err = kl_quadrature_1d(w, m[:, j], v[:, j])
        # two quadrature rules (equal panels here, per-component panels in numeric): they agree within their errors
        assert abs(value[j] - float(ref)) <= error[j] + float(ref_err) + 1e-12
        assert error[j] <= 1e-8


@settings(max_examples=20)
@given(mixtures(max_n=32, d=st.integers(1, 6)), st.integers(0, 2**32 - 1), st.sampled_from([40, 300, 3000]))
def test_numpy_arrays_reproduce_numeric_monte_carlo_draw_for_draw(mixture, seed, n_samples):
    """Same generator, same stream: the device estimator is numeric's estimator (stratified or not)."""
    w, m, v = mixture
    mix = DiagonalMixture.create(m, v, weights=w)
    nmix = dev.DeviceMixture.create(m, v, weights=w)
    for ours, theirs in ((dev.kl_monte_carlo, kl_monte_carlo),
                         (dev.mutual_information_monte_carlo, mutual_information_monte_carlo)):
        a = ours(nmix, n_samples, np.random.default_rng(seed), chunk_samples=1000)
        b = theirs(mix, n_samples, np.random.default_rng(seed), chunk_samples=1000)
        assert a.n_samples == b.n_samples
        _close(a.value, b.value, abs_=1e-9)
        # The standard errors come from one-pass sums of squares; where the spread is rounding noise their
        # difference is the cancellation error of sq/n - mean², at most ~16 eps (value scale)² in each
        # component's variance: sqrt(16 eps) · scale / sqrt(n) in the standard error.
        scale = 1.0 + abs(b.value) + b.stderr * math.sqrt(n_samples)
        rounding = 4 * math.sqrt(np.finfo(float).eps) * scale / math.sqrt(n_samples)
        _close(a.stderr, b.stderr, rel=1e-6, abs_=1e-9 + rounding)


@settings(max_examples=20)
@given(mixtures(max_n=32, d=st.integers(1, 6)), st.integers(0, 2**32 - 1))
def test_torch_monte_carlo_agrees_with_numpy_within_the_errors(mixture, seed):
    w, m, v = mixture
    mix, tmix = _pair(w, m, v)
    n_samples = max(2 * mix.n, 2000)    # stratified: every component seen
    for ours, theirs in ((dev.kl_monte_carlo, kl_monte_carlo),
                         (dev.mutual_information_monte_carlo, mutual_information_monte_carlo)):
        a = ours(tmix, n_samples, np.random.default_rng(seed))
        b = theirs(mix, n_samples, np.random.default_rng(seed + 1))
        assert abs(a.value - b.value) <= Z_FAMILY * math.hypot(a.stderr, b.stderr) + 1e-12, (a, b)


@settings(max_examples=20)
@given(mixtures(max_n=48, d=st.integers(1, 16)), st.integers(0, 2**32 - 1))
def test_float32_log_density_within_its_rounding_bound(mixture, seed):
    w, m, v = mixture
    mix, t64 = _pair(w, m, v)
    _, t32 = _pair(w, m, v, dtype="float32")
    z = torch.as_tensor(mix.sample(64, np.random.default_rng(seed)))
    err = (dev.log_density(t32, z.float()).double() - dev.log_density(t64, z)).abs()
    bound = dev.float32_log_density_bound(t64, z)
    assert bool((err <= bound).all()), float((err / bound).max())


def test_float32_bound_is_not_vacuous_and_a_float16_computation_breaks_it():
    rng = np.random.default_rng(0)
    m, v, w = rng.normal(size=(40, 8)), np.exp(rng.normal(-1, 0.5, (40, 8))), np.full(40, 1 / 40)
    mix, t64 = _pair(w, m, v)
    z = torch.as_tensor(mix.sample(200, rng))
    bound = dev.float32_log_density_bound(t64, z)
    assert float(bound.max()) < 1e-2           # tight enough to mean something at these scales
    half = dev.log_density(t64, z.half().double())   # the points rounded to float16: errors of ~1e-3 relative
    assert not bool(((half - dev.log_density(t64, z)).abs() <= bound).all())


def test_float32_monte_carlo_agrees_with_float64():
    rng = np.random.default_rng(3)
    m, v = rng.normal(size=(300, 6)), np.exp(rng.normal(-1, 0.5, (300, 6)))
    _, t64 = _pair(np.full(300, 1 / 300), m, v)
    _, t32 = _pair(np.full(300, 1 / 300), m, v, dtype="float32")
    a = dev.kl_monte_carlo(t64, 6000, np.random.default_rng(0))
    b = dev.kl_monte_carlo(t32, 6000, np.random.default_rng(1))
    assert abs(a.value - b.value) <= 3.29 * math.hypot(a.stderr, b.stderr)


def test_decompose_on_torch_matches_numeric():
    rng = np.random.default_rng(7)
    m, v = rng.normal(size=(150, 3)), np.exp(rng.normal(-1.5, 0.5, (150, 3)))
    m[:, 2] *= 0.01                                        # an inactive dimension
    w = rng.dirichlet(np.ones(150))
    mix = DiagonalMixture.create(m, v, weights=w)
    ref = decompose(mix, np.random.default_rng(0), n_samples=4000)
    ours = dev.decompose(dev.DeviceMixture.from_numpy(m, v, w, "cpu"), np.random.default_rng(0), n_samples=4000)
    _close(ours.avg_kl, ref.avg_kl)
    for name in ("moment_matched_kl", "moment_matched_kl_diag"):
        _close(getattr(ours, name), getattr(ref, name), abs_=1e-12)
    for name in ("variance_of_means", "avg_kl_per_dim", "dimwise_kl", "moment_matched_kl_per_dim"):
        np.testing.assert_allclose(getattr(ours, name), getattr(ref, name), rtol=1e-10, atol=1e-12)
    assert ours.active.tolist() == ref.active.tolist() == [True, True, False]
    _close(ours.bounds.lower, ref.bounds.lower)
    _close(ours.bounds.upper, ref.bounds.upper)
    for name in ("kl_aggregate", "mutual_information", "total_correlation"):
        a, b = getattr(ours, name), getattr(ref, name)
        assert abs(a.value - b.value) <= 3.29 * math.hypot(a.stderr, b.stderr), (name, a, b)


def test_kl_diag_is_one_formula_for_numpy_and_torch():
    from numeric import kl_diag

    rng = np.random.default_rng(1)
    m1, m2 = rng.normal(size=(2, 10, 4))
    v1, v2 = np.exp(rng.normal(size=(2, 10, 4)))
    ref = kl_diag(m1, v1, m2, v2)
    out = kl_diag(torch.as_tensor(m1), torch.as_tensor(v1), m2, v2)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-13)
    out32 = kl_diag(torch.as_tensor(m1).float(), torch.as_tensor(v1).float(), m2, v2)
    assert out32.dtype == torch.float32
    np.testing.assert_allclose(out32.double().numpy(), ref, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"var1 must be > 0, got -1.0 at index \(0, 1\)"):
        kl_diag(torch.zeros(2, 2), torch.tensor([[1.0, -1.0], [1.0, 1.0]]), np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="not representable in float32"):
        kl_diag(torch.tensor([[1e30]]), torch.ones(1, 1), np.zeros(1), np.ones(1))


BAD = {
    "NaN mean": (lambda: dev.DeviceMixture.create(torch.tensor([[0.0], [float("nan")]]), torch.ones(2, 1),
                                                  names=("mu", "logvar")), ValueError,
                 r"mu has a non-finite value nan at index \(1, 0\)"),
    "zero variance": (lambda: dev.DeviceMixture.create(torch.zeros(2, 1), torch.tensor([[1.0], [0.0]])), ValueError,
                      r"var must be > 0, got 0.0 at index \(1, 0\)"),
    "log-variance overflow": (lambda: dev.DeviceMixture.create(torch.zeros(1, 1), logvar=torch.tensor([[800.0]])),
                              ValueError, r"var = 800.0 at index \(0, 0\) overflows float64"),
    "float32 log-variance overflow": (lambda: dev.DeviceMixture.create(torch.zeros(1, 1), logvar=torch.tensor([[100.0]]),
                                                                       dtype="float32"),
                                      ValueError, r"overflows float32"),
    "shapes differ": (lambda: dev.DeviceMixture.create(torch.zeros(3, 2), torch.ones(3, 1)), ValueError,
                      r"means have shape \(3, 2\) but the variances have shape \(3, 1\)"),
    "1-D means": (lambda: dev.DeviceMixture.create(torch.zeros(3), torch.ones(3)), ValueError,
                  r"means must have 2 dimension\(s\), got shape \(3,\)"),
    "no components": (lambda: dev.DeviceMixture.create(torch.zeros(0, 2), torch.ones(0, 2)), ValueError, r"N = 0"),
    "weights do not sum to one": (lambda: dev.DeviceMixture.create(torch.zeros(2, 1), torch.ones(2, 1),
                                                                   weights=torch.tensor([0.5, 0.6])), ValueError,
                                  r"weights must sum to 1 \(within 1e-06\), got a sum of 1.1"),
    "negative weight": (lambda: dev.DeviceMixture.create(torch.zeros(2, 1), torch.ones(2, 1),
                                                         weights=torch.tensor([1.5, -0.5])), ValueError,
                        r"weights must be >= 0, got -0.5 at index 1"),
    "complex means": (lambda: dev.DeviceMixture.create(torch.zeros(2, 1, dtype=torch.complex64), torch.ones(2, 1)),
                      TypeError, r"means must be real"),
    "bad dtype name": (lambda: dev.DeviceMixture.create(torch.zeros(2, 1), torch.ones(2, 1), dtype="float16"),
                       ValueError, r"dtype must be 'float64' or 'float32', got 'float16'"),
    "both spreads": (lambda: dev.DeviceMixture.create(torch.zeros(2, 1), torch.ones(2, 1), logvar=torch.ones(2, 1)),
                     TypeError, r"exactly one of var and logvar"),
    "rng not a Generator": (lambda: dev.kl_monte_carlo(dev.DeviceMixture.create(torch.zeros(2, 1), torch.ones(2, 1)),
                                                       100, 0), TypeError, r"rng must be a numpy.random.Generator, got int"),
    "too few samples": (lambda: dev.kl_monte_carlo(dev.DeviceMixture.create(torch.zeros(2, 1), torch.ones(2, 1)),
                                                   1, np.random.default_rng(0)), ValueError, r"n_samples must be an integer >= 2, got 1"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_named(case):
    call, error, message = BAD[case]
    with pytest.raises(error, match=message):
        call()


def test_no_torch_import_at_module_import():
    import subprocess
    import sys

    code = "import numeric, numeric.device, sys; print('torch' in sys.modules, 'array_api_compat' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


@pytest.mark.parametrize("seed", range(6))
def test_float32_bounds_are_widened_to_hold_the_float64_bounds(seed):
    """The rounding margin is taken with float32's epsilon: the float32 interval contains the float64 one."""
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(2, 60)), int(rng.integers(1, 20))
    m = rng.normal(size=(n, d)) * [0.1, 1.0, 10.0][seed % 3] + [0.0, 5.0, 50.0][seed // 2 % 3]
    v = np.exp(rng.normal([-3, -1, 1][seed % 3], 1.0, (n, d)))
    w = rng.dirichlet(np.ones(n))
    _, t64 = _pair(w, m, v)
    _, t32 = _pair(w, m, v, dtype="float32")
    a, b = dev.pairwise_bounds(t64), dev.pairwise_bounds(t32)
    assert b.lower <= a.lower + 1e-12 and b.upper >= a.upper - 1e-12, (a, b)
    if seed == 0:                      # means near the origin: the float32 margin stays small
        assert a.lower - b.lower < 1e-2 and b.upper - a.upper < 1e-2, (a, b)
