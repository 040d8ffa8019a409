"""numpy's route and the device route compute each quantity with the same function.

A wrong variant is planted in a shared formula function itself (its code object is
replaced, so every module that imported it sees the change): the numpy result and the
torch result must both move, and where the quantity is deterministic they must still
agree with each other.  A route that kept a copy of the formula would not move, and the
test would fail.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from numeric import (DiagonalMixture, avg_kl, decompose, entropy_of_weights, kl_monte_carlo, log_density,
                     mutual_information_monte_carlo, pairwise_bhattacharyya, pairwise_bounds_sampled, pairwise_kl)
from numeric import _validate, bounds, density, encodings, mixture, montecarlo
from numeric.encodings import total_correlation_monte_carlo
from numeric.estimate import Estimate
from tests.extras import require

torch = require("torch")
require("array_api_compat")
from numeric import device as dev  # noqa: E402

_MOMENTS = __import__("numeric.moments", fromlist=["mixture_moments"])   # the module (numeric.moments is a function)


def _mixture(n=12, d=3, seed=0):
    rng = np.random.default_rng(seed)
    m, v, w = rng.normal(size=(n, d)), np.exp(rng.normal(-1, 0.5, (n, d))), rng.dirichlet(np.ones(n))
    return (DiagonalMixture.create(m, v, weights=w),
            dev.DeviceMixture.create(torch.as_tensor(m), torch.as_tensor(v), weights=torch.as_tensor(w)))


def _plant(monkeypatch, func, perturb):
    """Make ``func`` return ``perturb`` of its own result, for every caller, until the test ends.

    A plain function gets the planted code object.  A wrapper with a closure (a decorated
    function, e.g. under mutation testing) cannot take one without it: it is replaced by
    name in every loaded module that holds it.
    """
    if func.__closure__:
        planted_wrapper = lambda *args, **kwargs: perturb(func(*args, **kwargs))  # noqa: E731
        for module in list(sys.modules.values()):
            if getattr(module, func.__name__, None) is func:
                monkeypatch.setattr(module, func.__name__, planted_wrapper)
        return
    original = types.FunctionType(func.__code__, func.__globals__, func.__name__, func.__defaults__, func.__closure__)
    original.__kwdefaults__ = func.__kwdefaults__
    monkeypatch.setitem(func.__globals__, "_PLANTED", (original, perturb))

    def planted(*args, **kwargs):
        inner, change = _PLANTED  # noqa: F821  (a global of the module whose function is replaced)
        return change(inner(*args, **kwargs))

    monkeypatch.setattr(func, "__code__", planted.__code__)


def _z(mix):
    return mix.sample(32, np.random.default_rng(5))


def _shift_estimate(e):
    return Estimate.normal(e.value + 1.0, e.stderr, e.n_samples, e.level)


def _value(estimate_or_number):
    return getattr(estimate_or_number, "value", estimate_or_number)


# name: (function, perturbation, numpy route, torch route, deterministic: the two must agree)
CASES = {
    "log-term coefficients": (density.log_term_coefficients, lambda c: 1.1 * c,
                              lambda mix: log_density(mix, _z(mix)),
                              lambda tmix, mix: dev.log_density(tmix, torch.as_tensor(_z(mix))).numpy(), True),
    "component normalizers": (density.log_normalizers, lambda t: 1.1 * t,
                              lambda mix: mutual_information_monte_carlo(mix, 400, np.random.default_rng(1)),
                              lambda tmix, mix: dev.mutual_information_monte_carlo(tmix, 400, np.random.default_rng(1)),
                              False),
    "prior log-density": (density.log_prior, lambda t: t + 1.0,
                          lambda mix: kl_monte_carlo(mix, 400, np.random.default_rng(1)),
                          lambda tmix, mix: dev.kl_monte_carlo(tmix, 400, np.random.default_rng(1)), False),
    "log-weights": (mixture.log_weights, lambda t: t + 0.5,
                    lambda mix: log_density(mix, _z(mix)),
                    lambda tmix, mix: dev.log_density(tmix, torch.as_tensor(_z(mix))).numpy(), True),
    "stratified counts": (montecarlo.stratified_counts, lambda c: c + 7,
                          lambda mix: kl_monte_carlo(mix, 400, np.random.default_rng(1)).n_samples,
                          lambda tmix, mix: dev.kl_monte_carlo(tmix, 400, np.random.default_rng(1)).n_samples, True),
    "stratified estimate": (montecarlo.stratified_estimate, _shift_estimate,
                            lambda mix: kl_monte_carlo(mix, 400, np.random.default_rng(1)),
                            lambda tmix, mix: dev.kl_monte_carlo(tmix, 400, np.random.default_rng(1)), False),
    "pooled estimate": (montecarlo.pooled_estimate, _shift_estimate,
                        lambda mix: kl_monte_carlo(mix, 10, np.random.default_rng(1)),
                        lambda tmix, mix: dev.kl_monte_carlo(tmix, 10, np.random.default_rng(1)), False),
    "total correlation integrand": (encodings.total_correlation_terms, lambda t: t + 1.0,
                                    lambda mix: total_correlation_monte_carlo(mix, 400, np.random.default_rng(1)),
                                    lambda tmix, mix: dev.total_correlation_monte_carlo(tmix, 400,
                                                                                        np.random.default_rng(1)),
                                    False),
    "rounding margin": (bounds.rounding_margin, lambda t: t + 1.0,
                        lambda mix: pairwise_bounds_sampled(mix).lower,
                        lambda tmix, mix: dev.pairwise_bounds(tmix).lower, True),
    "bounds from row terms": (bounds.bounds_from_row_terms,
                              lambda b: bounds.BoundsEstimate(b.lower - 1, b.upper, 0.0, 0.0, b.rows, b.exact),
                              lambda mix: pairwise_bounds_sampled(mix).lower,
                              lambda tmix, mix: dev.pairwise_bounds(tmix).lower, True),
    "average KL": (mixture.avg_kl, lambda t: t + 1.0, avg_kl, lambda tmix, mix: dev.avg_kl(tmix), True),
    "entropy of the weights": (mixture.entropy_of_weights, lambda t: t + 1.0, lambda mix: entropy_of_weights(mix.weights),
                               lambda tmix, mix: dev.entropy_of_weights(tmix), True),
    "variance of the means": (_MOMENTS.variance_of_means, lambda t: 2 * t,
                              lambda mix: decompose(mix, np.random.default_rng(1), n_samples=200).variance_of_means,
                              lambda tmix, mix: dev.variance_of_means(tmix).numpy(), True),
    "residuals": (encodings.residuals, lambda r: (_shift_estimate(r[0]), r[1]),
                  lambda mix: decompose(mix, np.random.default_rng(1), n_samples=200).residual,
                  lambda tmix, mix: dev.decompose(tmix, np.random.default_rng(1), n_samples=200).residual, False),
    "moments": (_MOMENTS.mixture_moments, lambda mc: (mc[0] + 1.0, mc[1]),
                lambda mix: decompose(mix, np.random.default_rng(1), n_samples=200).moment_matched_kl,
                lambda tmix, mix: dev.decompose(tmix, np.random.default_rng(1), n_samples=200).moment_matched_kl, True),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_wrong_shared_formula_moves_both_routes(monkeypatch, case):
    func, perturb, numpy_route, torch_route, deterministic = CASES[case]
    mix, tmix = _mixture()
    before = _value(numpy_route(mix)), _value(torch_route(tmix, mix))
    _plant(monkeypatch, func, perturb)
    after = _value(numpy_route(mix)), _value(torch_route(tmix, mix))
    for route, b, a in zip(("numpy", "torch"), before, after):
        assert not np.allclose(a, b, rtol=1e-9, atol=1e-9), f"the {route} route does not use {func.__name__}"
    if deterministic:
        np.testing.assert_allclose(after[0], after[1], rtol=1e-9, atol=1e-9)


def test_one_set_of_checks_for_both_routes(monkeypatch):
    """A planted check refuses the same input on both routes, with the same message."""
    def refuse(_):
        raise ValueError("planted refusal")

    _plant(monkeypatch, _validate.require_positive, refuse)
    m, v = np.zeros((3, 2)), np.ones((3, 2))
    with pytest.raises(ValueError, match="planted refusal"):
        DiagonalMixture.create(m, v)
    with pytest.raises(ValueError, match="planted refusal"):
        dev.DeviceMixture.create(torch.as_tensor(m), torch.as_tensor(v))


@pytest.mark.parametrize("bad, message", [
    (np.array([[0.0, np.nan]]), r"means has a non-finite value nan at index \(0, 1\)"),
    (np.array([[0.0, 1.0], [np.inf, 2.0]]), r"means has a non-finite value inf at index \(1, 0\)"),
])
def test_the_same_message_from_numpy_and_torch(bad, message):
    v = np.ones_like(bad)
    with pytest.raises(ValueError, match=message):
        DiagonalMixture.create(bad, v)
    with pytest.raises(ValueError, match=message):
        dev.DeviceMixture.create(torch.as_tensor(bad), torch.as_tensor(v))


def test_pairwise_distances_is_the_compiled_kernels_formula():
    """The array-API pairwise distances (the device's) equal numpy's compiled kernel."""
    mix, _ = _mixture(n=20, d=5, seed=3)
    kl, bd = bounds.pairwise_distances(mix.means, mix.variances, mix.means, mix.variances)
    np.testing.assert_allclose(kl, pairwise_kl(mix), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bd, pairwise_bhattacharyya(mix), rtol=1e-12, atol=1e-12)
    tkl, tbd = bounds.pairwise_distances(*(torch.as_tensor(a) for a in (mix.means, mix.variances) * 2))
    np.testing.assert_allclose(tkl.numpy(), kl, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(tbd.numpy(), bd, rtol=1e-13, atol=1e-13)
