"""Hypothesis properties binding proofs/ and numeric/ (domains in tests/strategies.py)."""

from __future__ import annotations

import math

import pytest

from hypothesis import given
from hypothesis import strategies as st

from tests import properties as P
from tests.strategies import LOGVAR, MEAN, gaussians, mixtures, nonstandard_or_standard, spd_2x2

ONE_D_GAUSSIANS = dict(m1=MEAN, lv1=LOGVAR, m2=MEAN, lv2=LOGVAR)
QUAD_GAUSSIANS = dict(m1=st.floats(-20, 20), lv1=st.floats(-8, 8), m2=st.floats(-20, 20), lv2=st.floats(-8, 8))
ONE_D_MIXTURES = mixtures(max_n=64, d=st.just(1))


def symbolic_equals_numeric(impl):
    @given(**ONE_D_GAUSSIANS)
    def run(m1, lv1, m2, lv2):
        P.check_symbolic_equals_numeric(impl, m1, math.exp(lv1), m2, math.exp(lv2))
    return run


def closed_form_equals_quadrature(impl):
    @given(**QUAD_GAUSSIANS)
    def run(m1, lv1, m2, lv2):
        P.check_closed_form_equals_quadrature(impl, m1, math.exp(lv1), m2, math.exp(lv2))
    return run


def nonnegative(impl):
    @given(nonstandard_or_standard())
    def run(g):
        P.check_nonnegative_zero_only_at_standard(impl, *g)
    return run


def diagonal_sum(impl):
    @given(gaussians())
    def run(g):
        P.check_diagonal_is_sum_of_coordinates(impl, *g)
    return run


def full_2d(impl):
    @given(spd_2x2())
    def run(g):
        P.check_full_covariance_2d(impl, *g)
    return run


def chain_1d(impl):
    @given(ONE_D_MIXTURES)
    def run(mix):
        P.check_chain_1d(impl, *mix)
    return run


def moment_identity_1d(impl):
    @given(ONE_D_MIXTURES)
    def run(mix):
        P.check_moment_matching_identity_1d(impl, *mix)
    return run


def gap_identity_1d(impl):
    @given(ONE_D_MIXTURES)
    def run(mix):
        P.check_gap_identity_1d(impl, *mix)
    return run


def chain_any_dimension(impl):
    @given(mixtures(max_n=64, d=st.integers(1, 16)), st.integers(0, 2**32 - 1))
    def run(mix, seed):
        P.check_chain_any_dimension(impl, *mix, seed)
    return run


PROPERTIES = {f.__name__: f for f in (symbolic_equals_numeric, closed_form_equals_quadrature, nonnegative,
                                      diagonal_sum, full_2d, chain_1d, moment_identity_1d, gap_identity_1d,
                                      chain_any_dimension)}


@pytest.mark.parametrize("name", PROPERTIES, ids=list(PROPERTIES))
def test_property(name):
    """Each property, run by hypothesis on the package's own implementations: its checks run on examples."""
    before = sum(P.EXAMPLES.values())
    PROPERTIES[name](P.REAL)()
    assert sum(P.EXAMPLES.values()) - before >= 10, f"{name}: hypothesis ran its checks on fewer than 10 examples"
