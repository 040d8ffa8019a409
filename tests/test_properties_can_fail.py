"""Evidence that the properties can fail: wrong formulas are fed to the same checks and each is caught.

Unnormalized weights are caught by the chain, not by the gap identity: scaling every weight by c
turns both sides of avg KL - KL(q̄ || p) = Σ_i w_i KL(q_i || q̄) into c(·) - c log c, so that
identity cannot see them.
"""

from __future__ import annotations

import dataclasses
import operator

import pytest
from hypothesis import HealthCheck, Phase, settings

from kl_audit.variants import VARIANTS
from tests import properties as P
from tests.test_properties import PROPERTIES


def _wrong_closed_form(name: str) -> P.Impl:
    """The package's implementations with the 1-D KL replaced by a wrong closed form of kl_audit.variants."""
    return dataclasses.replace(P.REAL, kl_two=VARIANTS[name].kl_two)


def _variance_without_spread(w, m, v):
    return w @ m, w @ v                    # forgets Σ w m² - μ̄²: not q̄'s variance


def _variance_without_centering(w, m, v):
    return w @ m, w @ (v + m**2)           # forgets to subtract μ̄²


WRONG = {
    "sign of m^2": (_wrong_closed_form("sign of mu^2 flipped"), "symbolic_equals_numeric"),
    "lost 1/2": (_wrong_closed_form("lost 1/2"), "closed_form_equals_quadrature"),
    "log sigma for log sigma^2": (_wrong_closed_form("log sigma where log sigma^2 belongs"), "diagonal_sum"),
    "sign of m^2 (KL >= 0)": (_wrong_closed_form("sign of mu^2 flipped"), "nonnegative"),
    "unnormalized weights": (dataclasses.replace(P.REAL, weights=lambda w: 1.5 * w), "chain_1d"),
    "reversed inequality": (dataclasses.replace(P.REAL, le=operator.ge), "chain_1d"),
    "reversed inequality (any d)": (dataclasses.replace(P.REAL, le=operator.ge), "chain_any_dimension"),
    "mixture variance without the spread of the means": (
        dataclasses.replace(P.REAL, moments_1d=_variance_without_spread), "moment_identity_1d"),
    "mixture variance not centered": (
        dataclasses.replace(P.REAL, moments_1d=_variance_without_centering), "moment_identity_1d"),
}
# Every wrong closed form that kl-audit check recognizes is also caught by the closed-form properties.
WRONG.update({f"{name} (closed form)": (_wrong_closed_form(name), "symbolic_equals_numeric")
              for name, variant in VARIANTS.items() if variant.kl_two is not None})


@pytest.mark.parametrize("wrong", WRONG, ids=list(WRONG))
def test_wrong_formula_is_caught(wrong):
    impl, prop = WRONG[wrong]
    run = settings(max_examples=200, suppress_health_check=list(HealthCheck), derandomize=True, print_blob=False,
                   report_multiple_bugs=False, phases=[Phase.explicit, Phase.generate])(PROPERTIES[prop](impl))
    with pytest.raises(AssertionError):
        run()


@pytest.mark.parametrize("prop", ["symbolic_equals_numeric", "chain_1d", "moment_identity_1d"])
def test_the_same_harness_passes_the_real_implementation(prop):
    before = sum(P.EXAMPLES.values())
    settings(max_examples=20, derandomize=True)(PROPERTIES[prop](P.REAL))()
    assert sum(P.EXAMPLES.values()) - before >= 10, f"{prop}: the checks ran on fewer than 10 examples"
