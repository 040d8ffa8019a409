"""The checker rejects wrong steps: each test plants one mistake and expects a ProofError naming the step."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from proofs import axioms as ax
from proofs.checker import Algebra, ByAxiom, ByTheorem, Combine, ProofError, Step, Theorem, is_nonnegative, is_zero
from proofs.convexity import LOG_SUM, T_LOG_T_CONVEX, t
from proofs.gaussian import KL_STANDARD, KL_TWO_GAUSSIANS, _closed_two, mu, mu1, mu2, s1, s2, sigma
from proofs.information import GAP_IDENTITY


def _replace_step(theorem: Theorem, label: str, **changes) -> Theorem:
    steps = [dataclasses.replace(s, **changes) if s.label == label else s for s in theorem.steps]
    return dataclasses.replace(theorem, steps=steps)


def _rhs_changed(theorem: Theorem, label: str, new_rhs) -> Theorem:
    step = next(s for s in theorem.steps if s.label == label)
    return _replace_step(theorem, label, statement=sp.Eq(step.statement.lhs, new_rhs))


HALF = sp.Rational(1, 2)
WRONG_CLOSED_FORMS = {
    "sign flip of the mean term": HALF * (s1**2 / s2**2 - (mu1 - mu2) ** 2 / s2**2 - 1 + sp.log(s2**2 / s1**2)),
    "lost one half": (s1**2 / s2**2 + (mu1 - mu2) ** 2 / s2**2 - 1 + sp.log(s2**2 / s1**2)),
    "log sigma for log sigma squared": HALF * (s1**2 / s2**2 + (mu1 - mu2) ** 2 / s2**2 - 1 + sp.log(s2 / s1)),
    "missing -1": HALF * (s1**2 / s2**2 + (mu1 - mu2) ** 2 / s2**2 + sp.log(s2**2 / s1**2)),
}


@pytest.mark.parametrize("wrong", WRONG_CLOSED_FORMS.values(), ids=WRONG_CLOSED_FORMS.keys())
def test_wrong_integral_value_is_rejected(wrong):
    bad = _rhs_changed(KL_TWO_GAUSSIANS, "3", wrong)
    with pytest.raises(ProofError, match=r"kl_two_gaussians, step \(3\): the integral evaluates to"):
        bad.check()


def test_correct_value_passes_the_same_harness():
    _rhs_changed(KL_TWO_GAUSSIANS, "3", _closed_two).check()


@pytest.mark.parametrize("wrong", [
    HALF * (sigma**2 - mu**2 - 1 - sp.log(sigma**2)),
    sigma**2 + mu**2 - 1 - sp.log(sigma**2),
    HALF * (sigma**2 + mu**2 - 1 - sp.log(sigma)),
], ids=["sign of mu^2", "lost one half", "log sigma"])
def test_wrong_standard_form_is_not_an_instance(wrong):
    bad = _rhs_changed(KL_STANDARD, "1", wrong)
    bad = dataclasses.replace(bad, conclusion=bad.steps[-1].statement)
    with pytest.raises(ProofError, match=r"kl_standard, step \(1\): not an instance of 'kl_two_gaussians'"):
        bad.check()


def test_substitution_must_respect_assumptions():
    bad = _replace_step(KL_STANDARD, "1", why=ByTheorem(KL_TWO_GAUSSIANS, {mu1: mu, s1: -sigma, mu2: 0, s2: 1}))
    with pytest.raises(ProofError, match="not provably positive"):
        bad.check()


def test_theorem_must_be_proved_before_use():
    with pytest.raises(ProofError, match="is not proved yet"):
        KL_STANDARD.check(proved=[])


def test_wrong_combination_is_rejected():
    """The gap identity with one sign flipped in its final combination."""
    last = GAP_IDENTITY.steps[-1]
    refs = list(last.why.refs)
    refs[0] = (refs[0][0], -refs[0][1], refs[0][2])
    bad = _replace_step(GAP_IDENTITY, last.label, why=Combine(*refs))
    with pytest.raises(ProofError, match=r"gap_identity, step \(8\): does not follow from"):
        bad.check()


def test_equality_cannot_follow_from_an_inequality():
    x, y = sp.symbols("x y", real=True)
    th = Theorem("t", "t", sp.Eq(x**2 + y, y), [
        Step("1", sp.Ge(x**2, 0, evaluate=False), Algebra()),
        Step("2", sp.Eq(x**2 + y, y), Combine("1")),
    ])
    with pytest.raises(ProofError, match="an equality cannot follow from inequality"):
        th.check()


def test_inequality_scaled_by_a_negative_factor_is_rejected():
    x = sp.Symbol("x", real=True)
    th = Theorem("t", "t", sp.Ge(-x**2, 0), [
        Step("1", sp.Ge(x**2, 0, evaluate=False), Algebra()),
        Step("2", sp.Ge(-x**2, 0), Combine(("1", -1))),
    ])
    with pytest.raises(ProofError, match="is not provably >= 0"):
        th.check()


def test_reversed_inequality_is_rejected():
    th = dataclasses.replace(T_LOG_T_CONVEX, steps=[
        *T_LOG_T_CONVEX.steps[:2], Step("3", sp.Le(sp.Derivative(t * sp.log(t), (t, 2)), 0), Combine("1", "2"))],
        conclusion=sp.Le(sp.Derivative(t * sp.log(t), (t, 2)), 0))
    with pytest.raises(ProofError, match=r"step \(3\)"):
        th.check()


def test_jensen_needs_a_convex_function():
    """Jensen applied to the concave -t log t: the side condition f'' >= 0 fails."""
    step = LOG_SUM.steps[0]
    concave = sp.Lambda(t, -t * sp.log(t))
    why = ByAxiom(ax.JENSEN, **{**step.why.args, "f": concave})
    lam, x, i, n = (step.why.args[k] for k in ("weight", "point", "i", "n"))
    statement = sp.Ge(sp.Sum(lam(i) * concave(x(i)), (i, 1, n)), concave(sp.Sum(lam(i) * x(i), (i, 1, n))))
    bad = _replace_step(LOG_SUM, "1", why=why, statement=statement)
    with pytest.raises(ProofError, match="side condition of Jensen's inequality not proved: f is real with f'' finite and >= 0"):
        bad.check(proved=[T_LOG_T_CONVEX.check(witness=False).thm])


def test_axiom_instance_must_match_its_schema():
    bad = _replace_step(KL_TWO_GAUSSIANS, "1", statement=sp.Eq(KL_TWO_GAUSSIANS.steps[0].statement.lhs, 0))
    with pytest.raises(ProofError, match="does not match definition of the KL divergence"):
        bad.check()


def test_algebra_rejects_a_false_identity():
    x = sp.Symbol("x", positive=True)
    th = Theorem("t", "t", sp.Eq(sp.log(x**2), sp.log(x)), [Step("1", sp.Eq(sp.log(x**2), sp.log(x)), Algebra())])
    with pytest.raises(ProofError, match=r"t, step \(1\): algebra"):
        th.check()


def test_sign_needs_assumptions():
    real, pos = sp.Symbol("r", real=True), sp.Symbol("p", positive=True)
    assert is_nonnegative(pos) and is_nonnegative(real**2)
    assert not is_nonnegative(real)
    assert is_zero(sp.log(pos**2) - 2 * sp.log(pos))
    assert not is_zero(sp.log(real**2) - 2 * sp.log(real))  # false for negative r


def test_evaluated_statement_is_refused():
    with pytest.raises(TypeError, match="evaluate=False"):
        Step("1", sp.Ge(sp.Integer(1), 0), Algebra())


def test_conclusion_must_be_stated():
    x = sp.Symbol("x", real=True)
    th = Theorem("t", "t", sp.Ge(x**2 + 1, 0, evaluate=False), [Step("1", sp.Ge(x**2, 0, evaluate=False), Algebra())])
    with pytest.raises(ProofError, match="no step states the conclusion"):
        th.check()
