"""Induction is a primitive rule of the kernel: each way of misusing it is rejected with its reason.

A toy claim keeps these cheap: the sum of the first n odd numbers is n^2 (true), and
n <= 1 or "the sum of the first n odd numbers is n" (false, yet true at n = 1).
"""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from proofs import axioms as ax
from proofs import check_all
from proofs.checker import Algebra, ByAxiom, Combine, Induction, ProofError, Step, Theorem
from proofs.dimension import DIAGONAL_INDUCTIONS, KL_DIAGONAL, STANDARD, _diagonal_induction, d, j, m, v
from proofs.gaussian import KL_PRODUCT, KL_STANDARD, KL_TWO_GAUSSIANS, mu, mu1, mu2, s1, s2, sigma
from proofs.dimension import PRIOR_MEAN, PRIOR_VAR, STANDARD_MEAN, STANDARD_VAR, mu_p, v_p

ODD = 2 * j - 1


def odd_sum(n, value=None):
    """P(n): 1 + 3 + ... + (2n - 1) = value (n^2 unless given)."""
    return sp.Eq(sp.Sum(ODD, (j, 1, n)), n**2 if value is None else value(n))


def base_of(claim, name="base"):
    return Theorem(name, "base case", claim(sp.Integer(1)), [Step("1", claim(sp.Integer(1)), Algebra())])


SOUND_BASE = base_of(odd_sum)
SOUND_STEP = Theorem(
    "odd_step", "step", odd_sum(d + 1), hypotheses={"induction": odd_sum(d)},
    steps=[
        Step("1", sp.Eq(sp.Sum(ODD, (j, 1, d + 1)), sp.Sum(ODD, (j, 1, d)) + 2 * (d + 1) - 1),
             ByAxiom(ax.SUM_LAST_TERM, f=sp.Lambda(j, ODD), j=j, lo=sp.Integer(1), n=d)),
        Step("2", odd_sum(d + 1), Combine("1", "induction")),
    ],
)


def by_induction(claim, base, step, var=d, name="odd_sum"):
    return Theorem(name, "by induction", claim(var) if isinstance(var, sp.Symbol) else claim(d),
                   [Step("1", claim(var) if isinstance(var, sp.Symbol) else claim(d), Induction(base, step, var))],
                   uses=(base, step))


def test_a_sound_induction_checks():
    report = by_induction(odd_sum, SOUND_BASE, SOUND_STEP).check(witness=False)
    assert report.ok and report.steps[0].detail == "induction on d from base and odd_step"


def test_base_case_alone_is_rejected():
    with pytest.raises(ProofError, match=r"odd_sum, step \(1\): the step 'base' must have exactly one hypothesis"):
        by_induction(odd_sum, SOUND_BASE, SOUND_BASE).check(witness=False)


def test_step_alone_is_rejected():
    with pytest.raises(ProofError, match=r"step \(1\): the base case 'odd_step' has hypotheses \['induction'\]"):
        by_induction(odd_sum, SOUND_STEP, SOUND_STEP).check(witness=False)


def test_unproved_step_is_rejected():
    bad = by_induction(odd_sum, SOUND_BASE, SOUND_STEP)
    bad = dataclasses.replace(bad, uses=(SOUND_BASE,))
    with pytest.raises(ProofError, match=r"the step 'odd_step' is not proved yet"):
        bad.check(witness=False)


def linear(n):
    return n  # the false claim "1 + 3 + ... + (2n - 1) = n", true at n = 1 only


def test_step_whose_hypothesis_is_not_p_d_is_rejected():
    """Hypothesis P(d + 1), conclusion P(d + 1): a trivial 'step' that would prove the false claim."""
    claim = lambda n: odd_sum(n, linear)  # noqa: E731
    step = Theorem("shifted", "step", claim(d + 1), hypotheses={"induction": claim(d + 1)},
                   steps=[Step("1", claim(d + 1), Combine("induction"))])
    with pytest.raises(ProofError, match=r"the hypothesis induction of the step 'shifted' is not P\(d\)"):
        by_induction(claim, base_of(claim), step).check(witness=False)


def at_most_one(n):
    return sp.Le(n, 1, evaluate=False)  # false for every n >= 2


def test_step_proved_only_for_d_at_least_2_is_rejected():
    """From d <= 1 and d >= 2 anything follows; the extra hypothesis d >= 2 must not pass."""
    step = Theorem("from_two", "step", at_most_one(d + 1),
                   hypotheses={"induction": at_most_one(d), "large": sp.Ge(d, 2, evaluate=False)},
                   steps=[Step("1", at_most_one(d + 1), Combine(("induction", 2), "large"))])
    step.check(witness=False)  # the step itself is a valid implication
    with pytest.raises(ProofError, match=r"the step 'from_two' must have exactly one hypothesis, P\(d\); "
                                         r"it has \['induction', 'large'\]"):
        by_induction(at_most_one, base_of(at_most_one), step).check(witness=False)


def test_step_that_does_not_advance_is_rejected():
    """Hypothesis P(d), conclusion P(d): it would prove the false claim d <= 1 for every d."""
    step = Theorem("stay", "step", at_most_one(d), hypotheses={"induction": at_most_one(d)},
                   steps=[Step("1", at_most_one(d), Combine("induction"))])
    with pytest.raises(ProofError, match=r"the step 'stay' does not conclude P\(d \+ 1\)"):
        by_induction(at_most_one, base_of(at_most_one), step).check(witness=False)


def test_base_case_at_2_is_rejected():
    """P(n): n >= 2 holds at 2 and passes from d to d + 1, but fails at 1."""
    claim = lambda n: sp.Ge(n, 2, evaluate=False)  # noqa: E731
    base = Theorem("base2", "base", claim(sp.Integer(2)), [Step("1", claim(sp.Integer(2)), Algebra())])
    step = Theorem("up", "step", claim(d + 1), hypotheses={"induction": claim(d)},
                   steps=[Step("1", claim(d + 1), Combine("induction"))])
    with pytest.raises(ProofError, match=r"the base case 'base2' does not conclude P\(1\)"):
        by_induction(claim, base, step).check(witness=False)


@pytest.mark.parametrize("var", [
    sp.Symbol("d", positive=True),
    sp.Symbol("d", integer=True),
    sp.Symbol("d", integer=True, nonnegative=True),
    sp.Symbol("d", integer=True, positive=True, even=True),
    sp.Dummy("d", integer=True, positive=True),
], ids=["real", "any integer", "from zero", "even", "dummy"])
def test_variable_not_a_plain_positive_integer_is_rejected(var):
    claim = lambda n: odd_sum(n)  # noqa: E731
    bad = Theorem("odd_sum", "by induction", claim(var), [Step("1", claim(var), Induction(SOUND_BASE, SOUND_STEP, var))],
                  uses=(SOUND_BASE, SOUND_STEP))
    with pytest.raises(ProofError, match=r"must be a symbol declared integer=True, positive=True and nothing more|"
                                         r"the bound d is not provably an integer"):
        bad.check(witness=False)


def test_variable_absent_from_the_statement_is_rejected():
    bad = Theorem("odd_sum", "by induction", odd_sum(d), [Step("1", odd_sum(d), Induction(SOUND_BASE, SOUND_STEP, j))],
                  uses=(SOUND_BASE, SOUND_STEP))
    with pytest.raises(ProofError, match=r"the statement does not depend on the induction variable j"):
        bad.check(witness=False)


def test_step_with_a_definition_is_rejected():
    e = sp.Symbol("e", integer=True, positive=True)
    step = dataclasses.replace(SOUND_STEP, name="defined", definitions={e: d + 1})
    with pytest.raises(ProofError, match=r"the step 'defined' has definitions or index ranges"):
        by_induction(odd_sum, SOUND_BASE, step).check(witness=False)


def test_step_for_another_variable_is_rejected():
    """A step whose hypothesis is P(e) for another symbol e is not a step from P(d)."""
    e = sp.Symbol("e", integer=True, positive=True)
    step = Theorem("other", "step", at_most_one(e), hypotheses={"induction": at_most_one(e)},
                   steps=[Step("1", at_most_one(e), Combine("induction"))])
    with pytest.raises(ProofError, match=r"the hypothesis induction of the step 'other' is not P\(d\)"):
        by_induction(at_most_one, base_of(at_most_one), step).check(witness=False)


def test_sum_last_term_needs_n_at_least_the_lower_bound():
    n = sp.Symbol("n", integer=True)
    bad = Theorem("peel", "peel", sp.Eq(sp.Sum(ODD, (j, 1, n + 1)), sp.Sum(ODD, (j, 1, n)) + 2 * n + 1), [
        Step("1", sp.Eq(sp.Sum(ODD, (j, 1, n + 1)), sp.Sum(ODD, (j, 1, n)) + 2 * n + 1),
             ByAxiom(ax.SUM_LAST_TERM, f=sp.Lambda(j, ODD), j=j, lo=sp.Integer(1), n=n))])
    with pytest.raises(ProofError, match=r"side condition of splitting off the last term of a finite sum not proved: "
                                         r"n >= the lower bound"):
        bad.check(witness=False)


HALF = sp.Rational(1, 2)
WRONG_DIAGONAL = {
    "missing -1": (STANDARD_MEAN, STANDARD_VAR, KL_STANDARD, lambda t: {mu: m[t], sigma: sp.sqrt(v[t])},
                   lambda t: v[t] + m[t] ** 2 - sp.log(v[t])),
    "log v for -log v": (STANDARD_MEAN, STANDARD_VAR, KL_STANDARD, lambda t: {mu: m[t], sigma: sp.sqrt(v[t])},
                         lambda t: v[t] + m[t] ** 2 - 1 + sp.log(v[t])),
    "prior's log ratio reversed": (PRIOR_MEAN, PRIOR_VAR, KL_TWO_GAUSSIANS,
                                   lambda t: {mu1: m[t], s1: sp.sqrt(v[t]), mu2: mu_p[t], s2: sp.sqrt(v_p[t])},
                                   lambda t: v[t] / v_p[t] + (m[t] - mu_p[t]) ** 2 / v_p[t] - 1 + sp.log(v[t] / v_p[t])),
    "prior's mean ignored": (PRIOR_MEAN, PRIOR_VAR, KL_TWO_GAUSSIANS,
                             lambda t: {mu1: m[t], s1: sp.sqrt(v[t]), mu2: mu_p[t], s2: sp.sqrt(v_p[t])},
                             lambda t: v[t] / v_p[t] + m[t] ** 2 / v_p[t] - 1 + sp.log(v_p[t] / v[t])),
}


@pytest.fixture(scope="module")
def one_dimensional():
    """The theorems the diagonal inductions cite, proved once (symbolic check)."""
    return [r.thm for r in check_all((KL_TWO_GAUSSIANS, KL_STANDARD, KL_PRODUCT), witness=False)]


@pytest.mark.parametrize("wrong", WRONG_DIAGONAL.values(), ids=WRONG_DIAGONAL.keys())
def test_wrong_diagonal_closed_form_is_rejected(wrong, one_dimensional):
    base, step, _ = _diagonal_induction("wrong", "wrong", *wrong, "")
    with pytest.raises(ProofError, match=r"wrong_base, step \(2\): not an instance of"):
        base.check(one_dimensional, witness=False)


def test_wrong_step_is_rejected(one_dimensional):
    _, step, _ = _diagonal_induction("wrong", "wrong", *WRONG_DIAGONAL["missing -1"], "")
    with pytest.raises(ProofError, match=r"wrong_step, step \(3\): not an instance of"):
        step.check(one_dimensional, witness=False)


def test_kl_diagonal_rests_on_induction_and_states_the_script_form():
    from proofs.dimension import SCRIPT_KL
    (only,) = KL_DIAGONAL.steps
    assert isinstance(only.why, Induction) and only.why.base is STANDARD.base and only.why.step is STANDARD.step
    assert sp.simplify(KL_DIAGONAL.conclusion.rhs - SCRIPT_KL.doit()) == 0 or \
        sp.simplify((KL_DIAGONAL.conclusion.rhs - SCRIPT_KL).subs(d, 3).doit()) == 0
    assert len(DIAGONAL_INDUCTIONS) == 6


def _axiom_step(rel, axiom, **args):
    return Theorem("use", "use", rel, [Step("1", rel, ByAxiom(axiom, **args))])


def test_sum_of_one_term_needs_an_integer_bound():
    t, k = sp.Symbol("t", real=True), sp.Symbol("k", integer=True)
    rel = sp.Eq(sp.Sum(2 * k - 1, (k, t, t)), 2 * t - 1, evaluate=False)
    with pytest.raises(ProofError, match=r"side condition of a sum of one term not proved: the bound is an integer|"
                                         r"the bound t is not provably an integer"):
        _axiom_step(rel, ax.SUM_ONE_TERM, f=sp.Lambda(k, 2 * k - 1), j=k, lo=t).check(witness=False)


def _split(**changes):
    from proofs.axioms_dimension import _diagonal_split
    from proofs.gaussian import x, y
    args = dict(mean=STANDARD_MEAN, var=STANDARD_VAR, prior_mean=STANDARD_MEAN, prior_var=STANDARD_VAR, d=d, x=x, y=y)
    rel = _diagonal_split(**args)
    args.update(changes)
    return _axiom_step(_diagonal_split(**args) if "y" not in changes else rel, ax.DIAGONAL_SPLIT, **args)


@pytest.mark.parametrize("changes, reason", [
    ({"d": sp.Integer(0)}, "d >= 1"),
    ({"d": d - 1}, "d >= 1"),
    ({"d": d / 2}, "d is an integer"),
    ({"var": sp.Lambda(j, m[j])}, "the variances are positive"),
    ({"prior_var": sp.Lambda(j, -v[j])}, "the prior's variances are positive"),
    ({"mean": sp.Lambda(j, sp.I * v[j])}, "the means are real"),
], ids=["d = 0", "d - 1", "d / 2", "variance of any sign", "zero prior variance", "complex mean"])
def test_diagonal_split_checks_its_side_conditions(changes, reason):
    with pytest.raises(ProofError, match=rf"side condition of a diagonal Gaussian is the product of its coordinates "
                                         rf"not proved: {reason}"):
        _split(**changes).check(witness=False)


def test_diagonal_split_needs_two_different_points():
    from proofs.gaussian import x
    with pytest.raises(ProofError, match=r"a diagonal Gaussian is the product of its coordinates: the arguments do not "
                                         r"fit the schema \(BadSignatureError"):
        _split(y=x).check(witness=False)


def test_step_whose_record_was_changed_after_proof_is_rejected():
    """Dropping the extra hypothesis from the proved record of a step does not make it a step from P(d)."""
    step = Theorem("from_two", "step", at_most_one(d + 1),
                   hypotheses={"induction": at_most_one(d), "large": sp.Ge(d, 2, evaluate=False)},
                   steps=[Step("1", at_most_one(d + 1), Combine(("induction", 2), "large"))])
    base = base_of(at_most_one)
    proved = [base.check([], witness=False).thm, step.check([], witness=False).thm]
    del proved[1].hypotheses["large"]
    with pytest.raises(ProofError, match=r"the record of the step 'from_two' was changed after it was proved"):
        by_induction(at_most_one, base, step).check(proved, witness=False)
