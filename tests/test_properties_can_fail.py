"""Evidence that the properties can fail: wrong formulas are fed to the same checks and each is caught.

Unnormalized weights are caught by the chain, not by the gap identity: scaling every weight by c
turns both sides of avg KL - KL(q̄ || p) = Σ_i w_i KL(q_i || q̄) into c(·) - c log c, so that
identity cannot see them.
"""

from __future__ import annotations

import dataclasses
import operator

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, settings

from tests import properties as P
from tests.test_properties import PROPERTIES


def _ratio(v1, v2):
    return np.asarray(v1, float) / np.asarray(v2, float)


def _sign_of_mean_term(m1, v1, m2, v2):
    r = _ratio(v1, v2)
    return 0.5 * (r - 1 - np.log(r) - (np.asarray(m1) - m2) ** 2 / v2)


def _lost_half(m1, v1, m2, v2):
    r = _ratio(v1, v2)
    return r - 1 - np.log(r) + (np.asarray(m1) - m2) ** 2 / v2


def _log_sigma_for_log_variance(m1, v1, m2, v2):
    r = _ratio(v1, v2)
    return 0.5 * (r - 1 - 0.5 * np.log(r) + (np.asarray(m1) - m2) ** 2 / v2)


def _variance_without_spread(w, m, v):
    return w @ m, w @ v                    # forgets Σ w m² - μ̄²: not q̄'s variance


def _variance_without_centering(w, m, v):
    return w @ m, w @ (v + m**2)           # forgets to subtract μ̄²


WRONG = {
    "sign of m^2": (dataclasses.replace(P.REAL, kl_two=_sign_of_mean_term), "symbolic_equals_numeric"),
    "lost 1/2": (dataclasses.replace(P.REAL, kl_two=_lost_half), "closed_form_equals_quadrature"),
    "log sigma for log sigma^2": (dataclasses.replace(P.REAL, kl_two=_log_sigma_for_log_variance),
                                  "diagonal_sum"),
    "sign of m^2 (KL >= 0)": (dataclasses.replace(P.REAL, kl_two=_sign_of_mean_term), "nonnegative"),
    "unnormalized weights": (dataclasses.replace(P.REAL, weights=lambda w: 1.5 * w), "chain_1d"),
    "reversed inequality": (dataclasses.replace(P.REAL, le=operator.ge), "chain_1d"),
    "reversed inequality (any d)": (dataclasses.replace(P.REAL, le=operator.ge), "chain_any_dimension"),
    "mixture variance without the spread of the means": (
        dataclasses.replace(P.REAL, moments_1d=_variance_without_spread), "moment_identity_1d"),
    "mixture variance not centered": (
        dataclasses.replace(P.REAL, moments_1d=_variance_without_centering), "moment_identity_1d"),
}


@pytest.mark.parametrize("wrong", WRONG, ids=list(WRONG))
def test_wrong_formula_is_caught(wrong):
    impl, prop = WRONG[wrong]
    run = settings(max_examples=200, suppress_health_check=list(HealthCheck), derandomize=True, print_blob=False,
                   report_multiple_bugs=False, phases=[Phase.explicit, Phase.generate])(PROPERTIES[prop](impl))
    with pytest.raises(AssertionError):
        run()


@pytest.mark.parametrize("prop", ["symbolic_equals_numeric", "chain_1d", "moment_identity_1d"])
def test_the_same_harness_passes_the_real_implementation(prop):
    settings(max_examples=20, derandomize=True)(PROPERTIES[prop](P.REAL))()
