"""Attacks on the proof kernel: each builds a false (or unjustified) derivation and expects a rejection.

Grouped by class; every attack must be rejected with a ProofError whose message names the step (or the
statement) and the reason.  The symbolic kernel is attacked with the numeric witness off, so that each
class is closed at its root; a few attacks at the end target the witness itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import pytest
import sympy as sp

from proofs import axioms as ax
from proofs import kernel
from proofs.checker import Algebra, Axiom, ByAxiom, ByTheorem, Combine, Integrate, Justification, ProofError, Step, Theorem
from proofs.convexity import LOG_SUM, A, B, a, b
from proofs.gaussian import KL_TWO_GAUSSIANS, mu1, mu2, s1, s2
from proofs.mixture import N, i as mix_i
from proofs.objects import KL, density, gaussian_pdf, z

R = (z, -sp.oo, sp.oo)
x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
u = sp.Symbol("u", positive=True)
s = sp.Symbol("s", real=True)
i = sp.Symbol("i", integer=True)
n = sp.Symbol("n", integer=True, positive=True)
t = sp.Symbol("t", real=True)
U = 1 + s**2
PHI = gaussian_pdf(z, 0, 1)

ATTACKS: dict[str, tuple[str, object]] = {}


def attack(cls: str, reason: str):
    """Register an attack of class ``cls``; ``reason`` is a regex the rejection must contain."""
    def register(build):
        ATTACKS[f"{cls}:{build.__name__}"] = (reason, build)
        return build
    return register


def thm(conclusion, *steps, **kw) -> Theorem:
    return Theorem(name="attack", title="attack", conclusion=conclusion, steps=list(steps), **kw)


def proved(*theorems):
    out = []
    for th in theorems:
        out.append(th.check(out, witness=False).thm)
    return out


def simple(statement) -> Theorem:
    return Theorem(name="lemma", title="lemma", conclusion=statement, steps=[Step("1", statement, Algebra())])


def jensen(f, w, pt, n_=2):
    lhs = sp.Sum(w(i) * f(pt(i)), (i, 1, n_))
    rhs = f(sp.Sum(w(i) * pt(i), (i, 1, n_)))
    return lhs, rhs, Step("1", sp.Ge(lhs, rhs, evaluate=False), ByAxiom(ax.JENSEN, f=f, weight=w, point=pt, i=i, n=n_))


# --- A. axiom schemas: side conditions ----------------------------------------------------------------
@attack("axiom", "no attribute 'INDUCTION_PRODUCT'")
def induction_asserts_any_equation():
    """The issue's first example: 'induction' as a bare Eq(lhs, rhs) is no longer an axiom."""
    return thm(sp.Eq(x**2, x), Step("1", sp.Eq(x**2, x), ByAxiom(ax.INDUCTION_PRODUCT, lhs=x**2, rhs=x)))


@attack("axiom", r"step \(1\): normalization of a density: .* not a density: it does not integrate to one")
def normalization_of_twice_a_density():
    """The issue's second example: ∫2φ = 1."""
    g = 2 * gaussian_pdf(z, s, 1)
    f = sp.Lambda(z, g)
    return thm(sp.Eq(2, 1, evaluate=False), Step("1", sp.Eq(sp.Integral(g, R), 1), ByAxiom(ax.NORMALIZATION, f=f)),
               Step("2", sp.Eq(sp.Integral(g, R), 2), Integrate()),
               Step("3", sp.Eq(2, 1, evaluate=False), Combine("1", ("2", -1))))


@attack("axiom", r"step \(1\): Gibbs' inequality: .* not a density")
def gibbs_on_half_a_density():
    f, g = sp.Lambda(z, gaussian_pdf(z, s, 1) / 2), sp.Lambda(z, gaussian_pdf(z, s, 1))
    return thm(sp.Ge(KL(f, g), 0), Step("1", sp.Ge(KL(f, g), 0), ByAxiom(ax.GIBBS, f=f, g=g)))


@attack("axiom", r"step \(1\): definition of the KL divergence: .* not a density")
def kl_definition_of_a_negative_function():
    f, g = sp.Lambda(z, -PHI), sp.Lambda(z, PHI)
    st = sp.Eq(KL(f, g), sp.Integral(f(z) * sp.log(f(z) / g(z)), R))
    return thm(st, Step("1", st, ByAxiom(ax.KL_DEFINITION, f=f, g=g)))


@attack("axiom", r"step \(1\): .*not a density")
def normalization_of_a_gaussian_with_unknown_sign_variance():
    f = sp.Lambda(z, gaussian_pdf(z, 0, y))
    return thm(sp.Eq(sp.Integral(f(z), R), 1), Step("1", sp.Eq(sp.Integral(f(z), R), 1), ByAxiom(ax.NORMALIZATION, f=f)))


@attack("axiom", r"step \(1\): .*not a density: no factor is a weight")
def mixture_with_weights_not_summing_to_one():
    q = density("q")
    wb = sp.IndexedBase("w", positive=True)
    mix = sp.Lambda(z, sp.Sum(wb[i] * q(i, z), (i, 1, n)))
    return thm(sp.Eq(sp.Integral(mix(z), R), 1), Step("1", sp.Eq(sp.Integral(mix(z), R), 1), ByAxiom(ax.NORMALIZATION, f=mix)))


@attack("axiom", r"step \(1\): .*not a density: (a product density needs one factor|not a recognised density in several)")
def product_density_sharing_a_variable():
    q = density("q")
    f = sp.Lambda((x, y), q(x) * q(x))
    st = sp.Eq(sp.Integral(f(x, y), (x, -sp.oo, sp.oo), (y, -sp.oo, sp.oo)), 1)
    return thm(st, Step("1", st, ByAxiom(ax.NORMALIZATION, f=f)))


@attack("axiom", r"step \(1\): does not match expectation of a quadratic form")
def quadratic_expectation_with_a_free_left_side():
    m = sp.Symbol("m", real=True)
    E = sp.Integral(z**2 * gaussian_pdf(z, m, 1), R)
    M, pt = sp.ImmutableMatrix, sp.ImmutableMatrix([z])
    return thm(sp.Eq(E, 2 + m**2), Step("1", sp.Eq(E, 2 + m**2), ByAxiom(
        ax.QUADRATIC_EXPECTATION, point=pt, mean=M([[m]]), cov=M([[2]]), A=M([[1]]), a=M([[0]]))))


@attack("axiom", r"step \(1\): (does not match|side condition of) KL as an expected log-density ratio")
def expected_log_ratio_with_a_free_value():
    M = sp.ImmutableMatrix
    from proofs.objects import KLNormal
    st = sp.Eq(KLNormal(M([[0]]), M([[1]])), 5)
    return thm(st, Step("1", st, ByAxiom(ax.EXPECTED_LOG_RATIO, point=M([z]), mean=M([[0]]), cov=M([[1]]),
                                         terms=[(5, 1)])))


@attack("axiom", r"step \(1\): side condition of KL as an expected log-density ratio not proved: the covariance")
def expected_log_ratio_of_an_indefinite_covariance():
    """det J = 5 > 0 and a positive diagonal, but J (eigenvalues 5, -1, -1) is no covariance."""
    J = sp.ImmutableMatrix([[1, 2, 2], [2, 1, 2], [2, 2, 1]])
    pts, mean = sp.ImmutableMatrix(sp.symbols("z1:4", real=True)), sp.ImmutableMatrix([0, 0, 0])
    log_ratio = ax.gaussian_log_density(pts, mean, J) - ax.gaussian_log_density(pts, mean, sp.ImmutableMatrix(sp.eye(3)))
    terms = [(1, sp.expand(log_ratio))]
    inst = ax.EXPECTED_LOG_RATIO.schema(point=pts, mean=mean, cov=J, terms=tuple(terms))
    return thm(inst, Step("1", inst, ByAxiom(ax.EXPECTED_LOG_RATIO, point=pts, mean=mean, cov=J, terms=terms)))


@attack("axiom", r"step \(1\): side condition of a term of a sum .* the index i is in 1..n")
def term_below_sum_outside_the_range():
    j = sp.Symbol("j", integer=True)
    al = sp.Lambda(j, j**2 * U)
    st = sp.Le(al(10), sp.Sum(al(j), (j, 1, 2)), evaluate=False)
    return thm(st, Step("1", st, ByAxiom(ax.TERM_BELOW_SUM, a=al, i=sp.Integer(10), j=j, n=2)))


@attack("axiom", r"step \(1\): side condition of a term of a sum .* terms nonnegative")
def term_below_sum_of_signed_terms():
    j = sp.Symbol("j", integer=True)
    al = sp.Lambda(j, (j - 2) * U)
    st = sp.Le(al(2), sp.Sum(al(j), (j, 1, 2)), evaluate=False)
    return thm(st, Step("1", st, ByAxiom(ax.TERM_BELOW_SUM, a=al, i=sp.Integer(2), j=j, n=2)))


@attack("axiom", r"step \(1\): .*k is negative but .* is not provably negative")
def term_below_sum_lambda_on_negative_indices():
    k = sp.Symbol("k", integer=True, negative=True)
    j = sp.Symbol("j", integer=True)
    al = sp.Lambda(k, -k * u)
    st = sp.Le(al(1), sp.Sum(al(j), (j, 1, 2)), evaluate=False)
    return thm(st, Step("1", st, ByAxiom(ax.TERM_BELOW_SUM, a=al, i=sp.Integer(1), j=j, n=sp.Integer(2))))


@attack("axiom", r"step \(1\): side condition of Gibbs' inequality \(finite\) not proved: w is positive")
def gibbs_discrete_with_negative_weights():
    w = sp.Lambda(i, 5 - 3 * i + s**2 * (3 - 2 * i))
    uu = sp.Lambda(i, sp.Rational(1, 2))
    st = sp.Ge(sp.Sum(w(i) * sp.log(w(i) / uu(i)), (i, 1, 2)), 0, evaluate=False)
    return thm(st, Step("1", st, ByAxiom(ax.GIBBS_DISCRETE, w=w, u=uu, i=i, n=2)))


@attack("axiom", r"step \(1\): (side condition of Gibbs' inequality \(finite\) not proved: u is positive|Gibbs' inequality \(finite\): the arguments do not fit)")
def gibbs_discrete_with_a_zero_reference():
    w = sp.Lambda(i, sp.Rational(1, 2))
    uu = sp.Lambda(i, (i - 1))
    st = sp.Ge(sp.Sum(w(i) * sp.log(w(i) / uu(i)), (i, 1, 2)), 0, evaluate=False)
    return thm(st, Step("1", st, ByAxiom(ax.GIBBS_DISCRETE, w=w, u=uu, i=i, n=2)))


@attack("axiom", r"step \(1\): .*k is negative")
def gibbs_discrete_lambda_on_negative_indices():
    k = sp.Symbol("k", integer=True, negative=True)
    w = sp.Lambda(k, 5 - 3 * k + s**2 * (3 - 2 * k))
    uu = sp.Lambda(k, 8 - 5 * k)
    st = sp.Ge(sp.Sum(w(i) * sp.log(w(i) / uu(i)), (i, 1, 2)), 0, evaluate=False)
    return thm(st, Step("1", st, ByAxiom(ax.GIBBS_DISCRETE, w=w, u=uu, i=i, n=sp.Integer(2))))


@attack("axiom", r"step \(1\): side condition of Jensen's inequality not proved: f is real with f'' finite and >= 0")
def jensen_on_a_concave_function():
    tp = sp.Symbol("t", positive=True)
    lhs, rhs, step = jensen(sp.Lambda(tp, -tp * sp.log(tp)), sp.Lambda(i, sp.Rational(1, 2)), sp.Lambda(i, i * u))
    return thm(step.statement, step)


@attack("axiom", r"step \(1\): side condition of Jensen's inequality not proved: f is real")
def jensen_on_a_piecewise_kink():
    f = sp.Lambda(t, sp.Piecewise((t, t < 0), (0, True)))
    lhs, rhs, step = jensen(f, sp.Lambda(i, sp.Rational(1, 2)), sp.Lambda(i, (2 * i - 3) * U))
    return thm(step.statement, step)


@attack("axiom", r"step \(1\): .*t is nonnegative but .* is not provably nonnegative")
def jensen_points_outside_a_nonnegative_domain():
    tn = sp.Symbol("t", nonnegative=True)
    lhs, rhs, step = jensen(sp.Lambda(tn, tn**3), sp.Lambda(i, sp.Rational(1, 2)), sp.Lambda(i, (2 * i - 4) * U))
    return thm(step.statement, step)


@attack("axiom", r"step \(1\): .*t is negative but .* is not provably negative")
def jensen_points_outside_a_negative_domain():
    tn = sp.Symbol("t", negative=True)
    lhs, rhs, step = jensen(sp.Lambda(tn, -tn**3), sp.Lambda(i, sp.Rational(1, 2)), sp.Lambda(i, (2 * i - 2) * U))
    return thm(step.statement, step)


@attack("axiom", r"step \(1\): side condition of Jensen's inequality not proved: f is real")
def jensen_convexity_from_a_hypothesis_about_one_point():
    lhs, rhs, step = jensen(sp.Lambda(t, t**3), sp.Lambda(i, sp.Rational(1, 2)), sp.Lambda(i, (2 * i - 4) * U))
    return thm(step.statement, step, hypotheses={"h": sp.Ge(6 * t, 0)})


@attack("axiom", r"step \(1\): side condition of Jensen's inequality not proved: the weights sum to one")
def jensen_with_weights_summing_to_two():
    lhs, rhs, step = jensen(sp.Lambda(t, t**2), sp.Lambda(i, sp.Integer(1)), sp.Lambda(i, i * U))
    return thm(step.statement, step)


@attack("axiom", r"step \(1\): side condition of Jensen's inequality not proved: the (range is nonempty|weights are nonnegative)")
def jensen_over_a_range_of_unknown_length():
    K = sp.Symbol("K", integer=True)
    w = sp.Lambda(i, 1 / K)
    lhs = sp.Sum(w(i) * (i * U) ** 2, (i, 1, K))
    rhs = sp.Sum(w(i) * i * U, (i, 1, K)) ** 2
    return thm(sp.Ge(lhs, rhs, evaluate=False), Step("1", sp.Ge(lhs, rhs, evaluate=False), ByAxiom(
        ax.JENSEN, f=sp.Lambda(t, t**2), weight=w, point=sp.Lambda(i, i * U), i=i, n=K)))


@attack("axiom", r"step \(1\): .*k is negative")
def jensen_weights_lambda_on_negative_indices():
    k = sp.Symbol("k", integer=True, negative=True)
    lhs, rhs, step = jensen(sp.Lambda(t, t**2), sp.Lambda(k, 5 - 3 * k), sp.Lambda(i, (i - 1) * U))
    return thm(step.statement, step)


@attack("axiom", r"(step \(1\): argument weight must be a lambda|an axiom argument must be a sympy object)")
def jensen_with_a_stateful_callable():
    class Weight:
        calls = 0

        def __call__(self, k):
            self.calls += 1
            return sp.Integer(1) if self.calls == 2 else sp.Rational(1, 2)
    st = sp.Ge(sp.Sum(sp.Rational(1, 2) * x**2, (i, 1, 2)), sp.Sum(x, (i, 1, 2)) ** 2, evaluate=False)
    return thm(st, Step("1", st, ByAxiom(ax.JENSEN, f=sp.Lambda(t, t**2), weight=Weight(), point=sp.Lambda(i, x), i=i, n=2)))


@attack("axiom", r"step \(1\): side condition of linearity of the integral not proved: the coefficients do not depend")
def linearity_with_a_step_function_coefficient():
    c = sp.Piecewise((1, z < 0), (2, True))
    st = sp.Eq(sp.Integral(c * PHI, R), c * sp.Integral(PHI, R))
    return thm(st, Step("1", st, ByAxiom(ax.LINEARITY, variables=(z,), coefficients=(c,), functions=(PHI,))))


@attack("axiom", r"step \((1|statement)\): .*(summation index|bounds do not depend|bound z is not provably an integer)")
def linearity_with_a_bound_that_is_the_variable():
    phi = u * PHI
    st = sp.Eq(sp.Integral(sp.Sum(phi, (i, 1, z)), R), sp.Sum(sp.Integral(phi, R), (i, 1, z)))
    return thm(st, Step("1", st, ByAxiom(ax.LINEARITY, variables=(z,), summand=(1, phi, (i, 1, z)))))


@attack("axiom", r"step \(1\): side condition of Fubini's theorem not proved: f does not depend on y")
def fubini_with_a_factor_depending_on_both():
    f = sp.Piecewise((sp.exp(-x**2), y < 0), (2 * sp.exp(-x**2), True))
    g = sp.exp(-y**2)
    st = sp.Eq(sp.Integral(f * g, (x, -sp.oo, sp.oo), (y, -sp.oo, sp.oo)),
               sp.Integral(f, (x, -sp.oo, sp.oo)) * sp.Integral(g, (y, -sp.oo, sp.oo)))
    return thm(st, Step("1", st, ByAxiom(ax.FUBINI, f=f, g=g, x=x, y=y)))


@attack("axiom", r"step \(1\): side condition of monotonicity of the integral not proved: the pointwise inequality")
def monotone_integral_without_the_pointwise_fact():
    f, g = z * PHI, PHI
    st = sp.Ge(sp.Integral(f, R), sp.Integral(g, R))
    return thm(st, Step("1", st, ByAxiom(ax.MONOTONE_INTEGRAL, f=f, g=g, variables=(z,))))


@attack("axiom", r"step \(2\): side condition of monotonicity of the integral not proved: the pointwise inequality")
def monotone_integral_from_a_hypothesis_at_one_point():
    f = u * z * sp.exp(-(z + 1) ** 2)
    st = sp.Ge(sp.Integral(f, R), sp.Integral(0, R))
    return thm(st, Step("2", st, ByAxiom(ax.MONOTONE_INTEGRAL, f=f, g=sp.Integer(0), variables=(z,))),
               hypotheses={"h": sp.Ge(f, 0)})


@attack("axiom", r"step \(statement\): the integration variable z of .* must be real with no assumption")
def monotone_integral_of_a_fact_about_positive_points():
    zp = sp.Symbol("z", positive=True)
    f = u * zp * sp.exp(-(zp + 1) ** 2)
    st = sp.Ge(sp.Integral(f, (zp, -sp.oo, sp.oo)), sp.Integral(0, (zp, -sp.oo, sp.oo)))
    return thm(st, Step("0", sp.Ge(f, 0, evaluate=False), Algebra()),
               Step("1", st, ByAxiom(ax.MONOTONE_INTEGRAL, f=f, g=sp.Integer(0), variables=(zp,))))


@attack("axiom", r"step \(1\): side condition of monotonicity of the logarithm not proved: b > 0")
def log_monotone_with_b_only_nonnegative():
    b_ = x**2
    st = sp.Ge(sp.log(x**2 + 1), sp.log(b_))
    return thm(st, Step("1", st, ByAxiom(ax.LOG_MONOTONE, a=x**2 + 1, b=b_)))


@attack("axiom", r"step \(1\): \"Gibbs' inequality\" is not a registered axiom")
def a_forged_axiom_with_a_registered_name():
    forged = Axiom(ax.GIBBS.name, ax.GIBBS.statement, (), lambda: sp.Eq(x**2, x))
    return thm(sp.Eq(x**2, x), Step("1", sp.Eq(x**2, x), ByAxiom(forged)))


@attack("axiom", r"the axioms are sealed")
def registering_a_new_axiom():
    kernel.register_axioms([Axiom("x", "x", (), lambda: sp.Eq(x**2, x))])


@attack("axiom", r"step \(1\): Fubini's theorem: unknown arguments")
def an_axiom_with_an_unknown_argument():
    st = sp.Eq(x, x, evaluate=False)
    return thm(st, Step("1", st, ByAxiom(ax.FUBINI, f=x, g=y, x=x, y=y, extra=1)))


# --- B. strict inequalities ---------------------------------------------------------------------------
@attack("strict", r"step \(1\): algebra: 0 does not have a provable strict sign")
def zero_greater_than_zero():
    """The issue's fourth example."""
    return thm(sp.Gt(0, 0, evaluate=False), Step("1", sp.Gt(0, 0, evaluate=False), Algebra()))


@attack("strict", r"no step states the conclusion x\*\*2 > 0")
def strict_conclusion_from_a_non_strict_step():
    return thm(sp.Gt(x**2, 0), Step("1", sp.Ge(x**2, 0, evaluate=False), Algebra()))


@attack("strict", r"step \(2\): does not follow strictly")
def strict_combination_of_non_strict_facts():
    return thm(sp.Gt(x**2, 0), Step("1", sp.Ge(x**2, 0, evaluate=False), Algebra()),
               Step("2", sp.Gt(x**2, 0), Combine("1")))


@attack("strict", r"step \(1\): does not match Gibbs' inequality")
def strict_instance_of_a_non_strict_axiom():
    f = sp.Lambda(z, gaussian_pdf(z, s, 1))
    return thm(sp.Gt(KL(f, f), 0), Step("1", sp.Gt(KL(f, f), 0), ByAxiom(ax.GIBBS, f=f, g=f)))


@attack("strict", r"step \(1\): not an instance of 'lemma'")
def strict_instance_of_a_non_strict_theorem():
    lemma = simple(sp.Ge(x**2, 0, evaluate=False))
    return thm(sp.Gt(x**2, 0), Step("1", sp.Gt(x**2, 0), ByTheorem(lemma))), proved(lemma)


@attack("strict", r"step \(2\): does not follow strictly")
def strict_from_an_equality_hypothesis():
    return thm(sp.Gt(x, 0), Step("2", sp.Gt(x, 0), Combine("h")), hypotheses={"h": sp.Eq(x, 0)})


# --- C. internal names ----------------------------------------------------------------------------------
@attack("names", r"step \(1\): .*(reserved|does not reduce)")
def a_symbol_named_like_an_old_placeholder():
    c0 = sp.Symbol("_atom0")
    st = sp.Eq(sp.Integral(sp.exp(-z**2), R), c0)
    return thm(st, Step("1", st, Algebra()))


@attack("names", r"step \((1|statement)\): a name starting with '_kernel' is reserved")
def a_function_named_like_a_kernel_placeholder():
    f = sp.Function(kernel.RESERVED + "0", real=True)
    st = sp.Eq(sp.Integral(sp.exp(-z**2), R), f())
    return thm(st, Step("1", st, Algebra()))


@attack("names", r"step \(statement\): a name starting with '_kernel' is reserved")
def a_hypothesis_naming_a_reserved_symbol():
    r_ = sp.Symbol(kernel.RESERVED + "x", real=True)
    return thm(sp.Eq(x, x, evaluate=False), Step("1", sp.Eq(x, x, evaluate=False), Algebra()),
               hypotheses={"h": sp.Eq(r_, 1)})


# --- D. identity of proved theorems ------------------------------------------------------------------
@attack("identity", r"step \(1\): 'lemma' is not proved yet")
def citing_an_unchecked_theorem_with_a_proved_name():
    honest = simple(sp.Ge(x**2, 0, evaluate=False))
    fake = Theorem(name="lemma", title="forged", conclusion=sp.Eq(x**2, x), steps=[])
    return thm(sp.Eq(x**2, x), Step("1", sp.Eq(x**2, x), ByTheorem(fake))), proved(honest)


@attack("identity", r"step \(1\): not an instance of 'lemma'; expected x\*\*2 >= 0")
def citing_a_theorem_changed_after_its_check():
    honest = simple(sp.Ge(x**2, 0, evaluate=False))
    done = proved(honest)
    honest.conclusion = sp.Eq(x**2, x)
    return thm(sp.Eq(x**2, x), Step("1", sp.Eq(x**2, x), ByTheorem(honest))), done


@attack("identity", r"step \(1\): 'lemma' is not proved yet")
def citing_a_copy_of_a_proved_theorem():
    honest = simple(sp.Ge(x**2, 0, evaluate=False))
    done = proved(honest)
    copy = dataclasses.replace(honest, conclusion=sp.Eq(x**2, x))
    return thm(sp.Eq(x**2, x), Step("1", sp.Eq(x**2, x), ByTheorem(copy))), done


@attack("identity", r"issued by the kernel's prove\(\) only")
def forging_a_thm():
    kernel.Thm(object(), name="lemma")


@attack("identity", r"cannot be changed")
def mutating_a_thm():
    (done,) = proved(simple(sp.Ge(x**2, 0, evaluate=False)))
    done.conclusions = (sp.Eq(x**2, x),)


@attack("identity", r"step \(1\): 'lemma' is not proved yet")
def a_list_of_names_is_not_a_proof():
    honest = simple(sp.Ge(x**2, 0, evaluate=False))
    return thm(sp.Ge(x**2, 0, evaluate=False), Step("1", sp.Ge(x**2, 0, evaluate=False), ByTheorem(honest))), ["lemma"]


@attack("identity", r"step \(1\): Trusted is not a primitive rule")
def a_justification_that_vouches_for_itself():
    class Trusted(Justification):
        def check(self, step, ctx):
            return "checked", "by fiat"
    return thm(sp.Eq(2, 1, evaluate=False), Step("1", sp.Eq(2, 1, evaluate=False), Trusted()))


@attack("identity", r"step \(1\): AlgebraPlus is not a primitive rule")
def a_subclass_of_a_primitive_rule():
    @dataclasses.dataclass(frozen=True)
    class AlgebraPlus(Algebra):
        pass
    return thm(sp.Eq(2, 1, evaluate=False), Step("1", sp.Eq(2, 1, evaluate=False), AlgebraPlus()))


# --- E. citing a theorem ----------------------------------------------------------------------------
@attack("cite", r"step \(1\): .*(definition A = Sum\(a\[i\], \(i, 1, N\)\) of 'log_sum' does not hold|indexed base a must be replaced|symbol N must be replaced by an expression)")
def log_sum_ignoring_its_definitions():
    """The issue's third example: LOG_SUM with N = 1, a = 1, b = y, A = B = 1 'gives' log y <= 0."""
    yp = sp.Symbol("y", positive=True)
    st = sp.Ge(sp.Sum(sp.log(1 / yp), (mix_i, 1, 1)), 0, evaluate=False)
    return thm(st, Step("1", st, ByTheorem(LOG_SUM, {N: 1, a: 1, b: yp, A: 1, B: 1}))), proved(
        *LOG_SUM.dependencies(), LOG_SUM)


@attack("cite", r"step \(1\): .*(definition A = Sum\(a\[i\], \(i, 1, N\)\) of 'log_sum' does not hold|symbol N must be replaced by an expression)")
def log_sum_with_lambdas_but_wrong_sums():
    yp = sp.Symbol("y", positive=True)
    subs = {N: 1, a: sp.Lambda(mix_i, 1), b: sp.Lambda(mix_i, yp), A: 1, B: 1}
    inst = kernel.subst(LOG_SUM.conclusion, subs)
    return thm(inst, Step("1", inst, ByTheorem(LOG_SUM, subs))), proved(*LOG_SUM.dependencies(), LOG_SUM)


@attack("cite", r"step \(1\): n is an integer but is given x/2")
def an_integer_replaced_by_a_half():
    nn = sp.Symbol("n", integer=True, positive=True)
    lemma = simple(sp.Eq(sp.sin(sp.pi * nn, evaluate=False), 0, evaluate=False))
    xp = sp.Symbol("x", positive=True)
    st = sp.Eq(sp.sin(sp.pi * xp / 2), 0)
    return thm(st, Step("1", st, ByTheorem(lemma, {nn: xp / 2}))), proved(lemma)


@attack("cite", r"step \(1\): x is negative but y is not provably negative")
def a_negative_symbol_replaced_by_a_real():
    xn = sp.Symbol("x", negative=True)
    lemma = simple(sp.Eq(sp.Abs(xn, evaluate=False), -xn, evaluate=False))
    st = sp.Eq(sp.Abs(y), -y)
    return thm(st, Step("1", st, ByTheorem(lemma, {xn: y}))), proved(lemma)


@attack("cite", r"step \(1\): x is real but I\*y is not provably real")
def a_real_symbol_replaced_by_an_imaginary():
    lemma = simple(sp.Ge(x**2, 0, evaluate=False))
    st = sp.Ge(-y**2, 0)
    return thm(st, Step("1", st, ByTheorem(lemma, {x: sp.I * y}))), proved(lemma)


@attack("cite", r"step \(1\): n is odd but m is not provably odd")
def an_odd_symbol_replaced_by_any_integer():
    no = sp.Symbol("n", integer=True, odd=True)
    m = sp.Symbol("m", integer=True)
    lemma = simple(sp.Eq(sp.Pow(-1, no, evaluate=False), -1, evaluate=False))
    st = sp.Eq((-1) ** m, -1)
    return thm(st, Step("1", st, ByTheorem(lemma, {no: m}))), proved(lemma)


@attack("cite", r"step \(1\): substituting the density q: .*not a density")
def a_density_replaced_by_a_cube():
    q = density("q")
    tp = sp.Symbol("t", positive=True)
    lemma = simple(sp.Ge(q(z), 0, evaluate=False))
    st = sp.Ge(z**3, 0)
    return thm(st, Step("1", st, ByTheorem(lemma, {q: sp.Lambda(tp, tp**3)}))), proved(lemma)


@attack("cite", r"step \(1\): cannot substitute log\(y\)")
def substituting_a_subexpression():
    yp = sp.Symbol("y", positive=True)
    lemma = simple(sp.Eq(sp.log(yp**2), 2 * sp.log(yp)))
    st = sp.Eq(sp.log(yp**2), 0)
    return thm(st, Step("1", st, ByTheorem(lemma, {sp.log(yp): sp.Integer(0)}))), proved(lemma)


@attack("cite", r"step \(1\): cannot substitute log\(sigma_2\*\*2/sigma_1\*\*2\)")
def dropping_the_log_term_of_the_kl_closed_form():
    logterm = sp.log(s2**2 / s1**2)
    q = sp.Lambda(z, gaussian_pdf(z, mu1, s1**2))
    p = sp.Lambda(z, gaussian_pdf(z, mu2, s2**2))
    wrong = sp.Rational(1, 2) * (s1**2 / s2**2 + (mu1 - mu2) ** 2 / s2**2 - 1)
    st = sp.Eq(KL(q, p), wrong)
    return thm(st, Step("1", st, ByTheorem(KL_TWO_GAUSSIANS, {logterm: sp.Integer(0)}))), proved(KL_TWO_GAUSSIANS)


@attack("cite", r"step \(1\): not an instance of 'lemma'")
def substitution_capturing_a_bound_variable():
    m = sp.Symbol("m", real=True)
    st0 = sp.Eq(sp.Integral(x * sp.exp(-(z - m) ** 2), R), x * sp.sqrt(sp.pi))
    lemma = Theorem(name="lemma", title="l", conclusion=st0, steps=[Step("1", st0, Integrate())])
    st = sp.Eq(sp.Integral(x, R), x * sp.sqrt(sp.pi))
    return thm(st, Step("1", st, ByTheorem(lemma, {m: z}))), proved(lemma)


@attack("cite", r"step \(1\): definition A = 2\*y of 'lemma' does not hold")
def substituting_a_defined_symbol_freely():
    Ar = sp.Symbol("A", real=True)
    lemma = Theorem(name="lemma", title="l", conclusion=sp.Eq(Ar, 2 * y), definitions={Ar: 2 * y},
                    steps=[Step("1", sp.Eq(Ar, 2 * y), Algebra())])
    st = sp.Eq(sp.Integer(5), 2 * y)
    return thm(st, Step("1", st, ByTheorem(lemma, {Ar: sp.Integer(5)}))), proved(lemma)


@attack("cite", r"step \(1\): hypothesis h of 'lemma' not met")
def citing_without_the_hypothesis():
    lemma = Theorem(name="lemma", title="l", conclusion=sp.Eq(x, 1), hypotheses={"h": sp.Eq(x, 1)},
                    steps=[Step("1", sp.Eq(x, 1), Combine("h"))])
    return thm(sp.Eq(y, 1), Step("1", sp.Eq(y, 1), ByTheorem(lemma, {x: y}))), proved(lemma)


@attack("cite", r"step \(1\): index 5 is not provably in 1..2")
def citing_outside_a_declared_range():
    xb = sp.IndexedBase("x", positive=True)
    lemma = Theorem(name="lemma", title="l", conclusion=sp.Ge(xb[mix_i], 0, evaluate=False), ranges={mix_i: (1, N)},
                    steps=[Step("1", sp.Ge(xb[mix_i], 0, evaluate=False), Algebra())])
    st = sp.Ge(xb[5], 0, evaluate=False)
    return thm(st, Step("1", st, ByTheorem(lemma, {mix_i: sp.Integer(5), N: sp.Integer(2)}))), proved(lemma)


@attack("cite", r"step \(1\): (x is positive but y is not provably positive|not an instance of 'lemma')")
def a_mapping_that_answers_differently_each_time():
    xp = sp.Symbol("x", positive=True)
    lemma = simple(sp.Ge(xp, 0, evaluate=False))

    class Shifty(Mapping):
        calls = 0

        def __getitem__(self, k):
            return dict(self.items())[k]

        def __iter__(self):
            return iter(dict(self.items()))

        def __len__(self):
            return 1

        def items(self):
            self.calls += 1
            return {xp: sp.Integer(1) if self.calls > 1 else y}.items()
    return thm(sp.Ge(y, 0), Step("1", sp.Ge(y, 0), ByTheorem(lemma, Shifty()))), proved(lemma)


# --- F. summation -----------------------------------------------------------------------------------
@attack("sum", r"step \(2\): summing inequality '1' over 3..1: the range may be reversed")
def summing_over_a_reversed_range():
    return thm(sp.Ge(-4, 0, evaluate=False), Step("1", sp.Ge(i**2, 0, evaluate=False), Algebra()),
               Step("2", sp.Ge(-4, 0, evaluate=False), Combine(("1", 1, (i, 3, 1)))))


@attack("sum", r"step \(1\): summing 'h': the index i is pinned down by a hypothesis")
def summing_a_hypothesis_about_one_index():
    return thm(sp.Eq(6, 3, evaluate=False), Step("1", sp.Eq(6, 3, evaluate=False), Combine(("h", 1, (i, 1, 3)))),
               hypotheses={"h": sp.Eq(i, 1)})


@attack("sum", r"step \(1\): applying termwise: the index j is pinned down")
def summing_a_cited_instance_about_one_index():
    j = sp.Symbol("j", integer=True)
    lemma = Theorem(name="lemma", title="l", conclusion=sp.Eq(u * j, u), hypotheses={"h": sp.Eq(j, 1)},
                    steps=[Step("1", sp.Eq(u * j, u), Combine(("h", u)))])
    return thm(sp.Eq(6 * u, 3 * u, evaluate=False), Step("1", sp.Eq(sp.Sum(u * j, (j, 1, 3)), sp.Sum(u, (j, 1, 3))),
                                         ByTheorem(lemma, {}, over=(j, 1, 3))),
               hypotheses={"h": sp.Eq(j, 1)}), proved(lemma)


@attack("sum", r"step \(statement\): in Sum\(j, \(j, -2, -1\)\), the index j is declared positive")
def summing_a_positive_index_over_negative_values():
    j = sp.Symbol("j", integer=True, positive=True)
    st = sp.Ge(sp.Sum(j, (j, -2, -1)), 0, evaluate=False)
    return thm(st, Step("1", sp.Ge(j, 0, evaluate=False), Algebra()), Step("2", st, Combine(("1", 1, (j, -2, -1)))))


@attack("sum", r"step \(1\): .*the index j is declared positive but the range starts at -2")
def citing_termwise_over_negative_values():
    j = sp.Symbol("j", integer=True, positive=True)
    lemma = simple(sp.Eq(sp.log(j**2), 2 * sp.log(j)))
    st = sp.Eq(sp.Sum(sp.log(j**2), (j, -2, -1)), sp.Sum(2 * sp.log(j), (j, -2, -1)))
    return thm(sp.Eq(x, x, evaluate=False), Step("1", st, ByTheorem(lemma, {}, over=(j, -2, -1)))), proved(lemma)


@attack("sum", r"step \(statement\): in Sum\(\(-1\)\*\*i, \(i, 1, 2\)\), the summation index i carries assumptions .*'odd'")
def summing_a_fact_about_odd_indices():
    io = sp.Symbol("i", integer=True, odd=True)
    st = sp.Eq(sp.Sum(sp.Pow(-1, io, evaluate=False), (io, 1, 2)), -2, evaluate=False)
    return thm(st, Step("1", sp.Eq(sp.Pow(-1, io, evaluate=False), -1, evaluate=False), Algebra()),
               Step("2", st, Combine(("1", 1, (io, 1, 2)))))


@attack("sum", r"step \(2\): summing '1': the summation index x is not an integer symbol")
def summing_over_a_real_variable():
    return thm(sp.Ge(x, 0), Step("1", sp.Ge(x**2, 0, evaluate=False), Algebra()),
               Step("2", sp.Ge(x, 0), Combine(("1", 1, (x, 1, 2)))))


@attack("sum", r"step \(statement\): the range 1..0 of i must be of an integer symbol and provably nonempty")
def an_empty_declared_range():
    return thm(sp.Eq(x, x, evaluate=False), Step("1", sp.Eq(x, x, evaluate=False), Algebra()), ranges={i: (1, 0)})


# --- G. definitions ---------------------------------------------------------------------------------
@attack("definition", r"step \(statement\): the defined x appears in a hypothesis")
def defining_a_symbol_a_hypothesis_speaks_of():
    return thm(sp.Eq(x, 1), Step("1", sp.Eq(x, 1), Algebra()), definitions={x: 1}, hypotheses={"h": sp.Ge(x, 2)})


@attack("definition", r"step \(statement\): definition of 2: only a fresh symbol")
def defining_a_number():
    st = sp.Eq(sp.sqrt(2), 1, evaluate=False)
    return thm(st, Step("1", st, Algebra()), definitions={sp.Integer(2): sp.Integer(1)})


@attack("definition", r"step \(statement\): definition of Sum\(w\[i\], \(i, 1, N\)\): only a fresh symbol")
def defining_a_compound_expression():
    wb = sp.IndexedBase("w", positive=True)
    return thm(sp.Eq(x, x, evaluate=False), Step("1", sp.Eq(x, x, evaluate=False), Algebra()),
               definitions={sp.Sum(wb[mix_i], (mix_i, 1, N)): 1})


@attack("definition", r"step \(statement\): x is positive but y - 1 is not provably positive")
def a_definition_violating_the_symbol_assumptions():
    xp = sp.Symbol("x", positive=True)
    return thm(sp.Ge(y - 1, 0), Step("1", sp.Ge(xp, 0, evaluate=False), Algebra()),
               Step("2", sp.Ge(y - 1, 0), Combine("1")), definitions={xp: y - 1})


@attack("definition", r"step \(statement\): f\(x\) is positive but -x\*\*2 - 1 is not provably positive")
def a_function_definition_violating_its_assumptions():
    F = sp.Function("f", positive=True)
    st = sp.Ge(-1 - x**2, 0, evaluate=False)
    return thm(st, Step("1", sp.Ge(F(x), 0, evaluate=False), Algebra()),
               Step("2", st, Combine("1")), definitions={F(x): -1 - x**2})


@attack("definition", r"step \(4\): does not follow")
def a_definition_captured_by_an_integral():
    Ix, Iz = sp.Integral(x * sp.exp(-z**2), R), sp.Integral(z * sp.exp(-z**2), R)
    st = sp.Eq(z * sp.sqrt(sp.pi), 0)
    return thm(st, Step("1", sp.Eq(Ix, x * sp.sqrt(sp.pi)), Integrate()),
               Step("2", sp.Eq(Iz, 0, evaluate=False), Integrate()),
               Step("4", st, Combine(("1", -1), "2")), definitions={x: z})


@attack("definition", r"step \(1\): algebra")
def a_hypothesis_rule_captured_by_an_integral():
    Ix, Iz = sp.Integral(x * sp.exp(-z**2), R), sp.Integral(z * sp.exp(-z**2), R)
    return thm(sp.Eq(Ix, Iz), Step("1", sp.Eq(Ix, Iz, evaluate=False), Algebra()), hypotheses={"h": sp.Eq(x, z)})


@attack("definition", r"step \(statement\): the defined x appears in a definition's right side")
def circular_definitions():
    return thm(sp.Eq(x, y + 1), Step("1", sp.Eq(x, y + 1), Algebra()), definitions={x: y + 1, y: x + 1})


@attack("definition", r"step \(statement\): .*not a density")
def defining_a_density_as_twice_another():
    q, p = density("qq"), density("pp")
    return thm(sp.Eq(x, x, evaluate=False), Step("1", sp.Eq(x, x, evaluate=False), Algebra()),
               definitions={q(z): 2 * p(z)})


# --- H. floats ------------------------------------------------------------------------------------
@attack("float", r"step \((1|statement)\): contains a floating-point number")
def one_at_least_one_plus_a_tiny_float():
    """The issue's float example: 1 >= 1 + 1e-20."""
    st = sp.Ge(x**2 + 1, sp.Add(x**2 + 1, sp.Float(1e-20), evaluate=False), evaluate=False)
    return thm(st, Step("1", st, Algebra()))


@attack("float", r"step \((1|statement)\): contains a floating-point number")
def a_low_precision_float_equal_to_a_rational():
    st = sp.Eq(sp.Float("1.4", 1) * x, sp.Rational(7, 5) * x, evaluate=False)
    return thm(st, Step("1", st, Algebra()))


@attack("float", r"step \((1|statement)\)(: substitution)?: contains a floating-point number")
def a_float_in_a_substitution():
    lemma = simple(sp.Ge(x**2, 0, evaluate=False))
    st = sp.Ge(sp.Float(0.5) * y**2, 0, evaluate=False)
    return thm(sp.Eq(y, y, evaluate=False), Step("1", st, ByTheorem(lemma, {x: sp.Float(0.5) * y}))), proved(lemma)


@attack("float", r"step \((1|statement)\)(: axiom argument)?: contains a floating-point number")
def a_float_in_an_axiom_argument():
    st = sp.Ge(sp.log(x**2 + 2), sp.log(sp.Float(1.0) + y**2))
    return thm(st, Step("1", st, ByAxiom(ax.LOG_MONOTONE, a=x**2 + 2, b=sp.Float(1.0) + y**2)))


@attack("float", r"step \((2|statement)\): contains a floating-point number")
def a_float_in_a_combination_factor():
    return thm(sp.Ge(x**2, 0, evaluate=False), Step("1", sp.Ge(x**2, 0, evaluate=False), Algebra()),
               Step("2", sp.Ge(x**2 / 3, 0, evaluate=False), Combine(("1", sp.Float(1 / 3)))))


@attack("float", r"step \(statement\): contains a floating-point number")
def a_float_in_a_hypothesis():
    return thm(sp.Eq(x, x, evaluate=False), Step("1", sp.Eq(x, x, evaluate=False), Algebra()),
               hypotheses={"h": sp.Ge(x, sp.Float(0.1) + y)})


# --- I. integrals ----------------------------------------------------------------------------------
@attack("integral", r"step \(1\): cannot establish absolute convergence")
def the_dirichlet_integral():
    """∫ sin z / z dz = π converges, but not absolutely: it is no Lebesgue integral."""
    st = sp.Eq(sp.Integral(sp.sin(z) / z, R), sp.pi)
    return thm(st, Step("1", st, Integrate()))


@attack("integral", r"step \(1\): cannot establish absolute convergence")
def an_integral_across_a_pole():
    a_ = sp.Symbol("a", real=True)
    st = sp.Eq(sp.Integral(1 / (z - a_) ** 2, (z, 0, 1)), -1 / (1 - a_) - 1 / a_)
    return thm(st, Step("1", st, Integrate()))


@attack("integral", r"step \(1\): cannot establish absolute convergence")
def an_odd_integrand_that_does_not_decay():
    st = sp.Eq(sp.Integral(z / (1 + z**2), R), 0)
    return thm(st, Step("1", st, Integrate()))


@attack("integral", r"step \(1\): cannot establish absolute convergence")
def a_gaussian_of_unknown_width():
    st = sp.Eq(sp.Integral(sp.exp(-x * z**2), R), sp.sqrt(sp.pi / x))
    return thm(st, Step("1", st, Integrate()))


@attack("integral", r"step \(1\): the integral evaluates to 1, not 2")
def a_wrong_gaussian_moment():
    st = sp.Eq(sp.Integral(z**2 * PHI, R), 2, evaluate=False)
    return thm(st, Step("1", st, Integrate()))


# --- J. arithmetic of combinations ---------------------------------------------------------------------
@attack("combine", r"step \(2\): factor .* is not provably (finite|nonzero)")
def scaling_by_one_over_zero():
    A_ = sp.sin(z) ** 2 + sp.cos(z) ** 2 - 1
    return thm(sp.Eq(1, 0, evaluate=False), Step("1", sp.Eq(sp.sin(z) ** 2 + sp.cos(z) ** 2, 1), Algebra()),
               Step("2", sp.Eq(1, 0, evaluate=False), Combine(("1", 1 / A_))))


@attack("combine", r"step \(1\): algebra: .* does not have a provable sign")
def the_square_of_a_complex_integral():
    I1 = sp.Integral(sp.I * sp.exp(-z**2), R)
    return thm(sp.Ge(-sp.pi, 0, evaluate=False), Step("1", sp.Ge(I1**2, 0, evaluate=False), Algebra()),
               Step("2", sp.Eq(I1, sp.I * sp.sqrt(sp.pi)), Integrate()),
               Step("3", sp.Ge(-sp.pi, 0, evaluate=False), Combine("1", ("2", -(I1 + sp.I * sp.sqrt(sp.pi))))))


@attack("combine", r"step \(2\): factor -1 on '1' is not provably >= 0")
def an_inequality_scaled_by_a_negative_factor():
    return thm(sp.Ge(-x**2, 0), Step("1", sp.Ge(x**2, 0, evaluate=False), Algebra()),
               Step("2", sp.Ge(-x**2, 0), Combine(("1", -1))))


@attack("combine", r"step \(2\): an equality cannot follow from inequality '1'")
def an_equality_from_an_inequality():
    return thm(sp.Eq(x**2 + y, y), Step("1", sp.Ge(x**2, 0, evaluate=False), Algebra()),
               Step("2", sp.Eq(x**2 + y, y), Combine("1")))


@attack("combine", r"step \(1\): algebra: .*does not reduce to 0")
def log_of_a_square_of_a_real():
    st = sp.Eq(sp.log(x**2), 2 * sp.log(x))
    return thm(st, Step("1", st, Algebra()))


@attack("combine", r"step \((1|statement)\): (factor gamma\(x\) on 'h' is not provably finite|applies gamma, outside)")
def a_factor_with_a_hidden_pole():
    """x = 0 times gamma(x) 'gives' gamma(x + 1) = 0: gamma has a pole at 0 and no denominator."""
    goal = sp.Eq(sp.gamma(x + 1), 0, evaluate=False)
    return thm(goal, Step("1", goal, Combine(("h", sp.gamma(x)))), hypotheses={"h": sp.Eq(x, 0)})


@attack("axiom", r"step \(1\): side condition of Jensen's inequality not proved: f is real")
def jensen_on_a_variable_declared_nonzero():
    """1/t^2 has f'' >= 0 on t != 0 but is not convex across 0."""
    tz = sp.Symbol("t", real=True, nonzero=True)
    lhs, rhs, step = jensen(sp.Lambda(tz, 1 / tz**2), sp.Lambda(i, sp.Rational(1, 2)), sp.Lambda(i, (4 * i - 5) * u))
    return thm(step.statement, step)


@attack("axiom", r"step \(1\): .*t is negative but .* is not provably negative")
def jensen_negative_domain_outside_the_sampling_box():
    p = sp.Symbol("p", positive=True)
    tn = sp.Symbol("t", negative=True)
    lhs, rhs, step = jensen(sp.Lambda(tn, -tn**3), sp.Lambda(i, sp.Rational(1, 2)), sp.Lambda(i, (2 * i - 2) * (p - 3)))
    return thm(step.statement, step)


@attack("sum", r"step \(statement\): in Sum\(.*, \(i, -1, 1\)\), the summation index i carries .*'nonzero'")
def a_nonzero_summation_index_over_zero():
    inz = sp.Symbol("i", integer=True, nonzero=True)
    goal = sp.Eq(sp.Sum(sp.sign(inz) ** 2, (inz, -1, 1)), 3, evaluate=False)
    return thm(goal, Step("1", goal, Algebra()))


@attack("cite", r"step \(1\): algebra")
def a_hypothesis_about_a_kl_term_captured_by_an_integral():
    f, g = sp.Lambda(z, PHI), sp.Lambda(z, gaussian_pdf(z, 1, 1))
    K = KL(f, g)
    IK, Iz = sp.Integral(K * sp.exp(-z**2), R), sp.Integral(z * sp.exp(-z**2), R)
    return thm(sp.Eq(IK, Iz, evaluate=False), Step("1", sp.Eq(IK, Iz, evaluate=False), Algebra()),
               hypotheses={"h": sp.Eq(K, z)})


@attack("identity", r"step \(1\): the record of 'lemma' was changed after it was proved")
def a_thm_changed_through_object_setattr():
    (done,) = proved(simple(sp.Ge(x**2, 0, evaluate=False)))
    object.__setattr__(done, "conclusions", (sp.Eq(x**2, x),))
    return thm(sp.Eq(x**2, x), Step("1", sp.Eq(x**2, x), ByTheorem(done.source))), [done]


@attack("integral", r"step \(1\): .*only single integrals are evaluated")
def a_double_integral_dominated_in_each_variable_alone():
    """(x - 2y) exp(-x^2 + 4xy - y^2): each variable alone sees a Gaussian, the joint form is indefinite."""
    yy = sp.Symbol("y", real=True)
    st = sp.Eq(sp.Integral((x - 2 * yy) * sp.exp(-x**2 + 4 * x * yy - yy**2), (x, -sp.oo, sp.oo), (yy, -sp.oo, sp.oo)),
               0, evaluate=False)
    return thm(st, Step("1", st, Integrate()))


@attack("axiom", r"step \(3\): side condition of linearity of the integral not proved: the sum is finite")
def linearity_over_an_infinite_sum():
    ip = sp.Symbol("i", integer=True, positive=True)
    f = u * sp.exp(-(z - ip) ** 2) - u * sp.exp(-(z - ip - 1) ** 2)
    st = sp.Eq(sp.Integral(sp.Sum(f, (ip, 1, sp.oo)), R), sp.Sum(sp.Integral(f, R), (ip, 1, sp.oo)), evaluate=False)
    return thm(st, Step("3", st, ByAxiom(ax.LINEARITY, variables=(z,), summand=(sp.Integer(1), f, (ip, 1, sp.oo)))))


@attack("sum", r"step \(1\): algebra")
def a_sum_hypothesis_rewriting_a_bound_copy_of_its_size():
    """Sum_{i<=N} w_i = 1 must not rewrite the inner sum of Product_{N=1}^{3} (1 + Sum_{i<=N} w_i)."""
    wb = sp.IndexedBase("w", positive=True)
    inner = sp.Sum(wb[mix_i], (mix_i, 1, N))
    goal = sp.Eq(sp.Product(inner + 1, (N, 1, 3)), 8, evaluate=False)
    return thm(goal, Step("1", goal, Algebra()), hypotheses={"w": sp.Eq(inner, 1)})



# --- special functions whose sympy closed forms are wrong at the edges of their domains ---------------
W3 = {"w3": sp.Ge(sp.Symbol("w", real=True) ** 2, 9)}   # satisfiable, but by no point the witness draws
m_int = sp.Symbol("m", integer=True)


@attack("function", r"step \(statement\): applies binomial, outside the kernel's functions")
def binomial_n_n_is_one_for_every_integer():
    """sympy takes C(n, n) = 1 for every integer n; at n = -1 it evaluates to 0: cited there, 0 = 1."""
    lemma = Theorem(name="binom_nn", title="C(n, n) = 1", conclusion=sp.Eq(sp.binomial(m_int, m_int), 1),
                    hypotheses=W3, steps=[Step("1", sp.Eq(sp.binomial(m_int, m_int), 1), Algebra())])
    return lemma


@attack("function", r"applies binomial, outside the kernel's functions")
def alternating_binomial_sum_vanishes_at_zero():
    """Σ_{i=0}^{n} (-1)^i C(n, i) = 0 is false at n = 0 (it is 1); sympy's closed form is 0."""
    k = sp.Symbol("n", integer=True, nonnegative=True)
    st = sp.Eq(sp.Sum((-1) ** i * sp.binomial(k, i), (i, 0, k)), 0)
    return thm(st, Step("1", st, Algebra()), hypotheses=W3)


@attack("function", r"applies gamma, outside the kernel's functions")
def gamma_pole_as_a_value():
    st = sp.Eq(sp.gamma(x + 1), x * sp.gamma(x))
    return thm(st, Step("1", st, Algebra()))


@attack("function", r"applies factorial, outside the kernel's functions")
def factorial_of_a_negative_integer():
    """sympy's factorial(n) for a symbolic integer n hides that it is undefined (zoo) below 0."""
    st = sp.Eq(sp.factorial(m_int + 1), (m_int + 1) * sp.factorial(m_int))
    return thm(st, Step("1", st, Algebra()))




# --- a bound point: the sample point of an expectation is not a free symbol ---------------------------
def _expectation(h):
    from proofs.objects import GaussianExpectation
    return GaussianExpectation(h, sp.Matrix([[z]]), sp.Matrix([[0]]), sp.Matrix([[1]]))


@attack("names", r"step \(3\): does not follow from 1, 2")
def a_hypothesis_on_the_point_of_an_expectation():
    """Under z = 3, E[(z - 3)^2] (= 1 + 9 for z ~ N(0, 1)) and E[0] must stay different: 0 = 10 otherwise."""
    M = sp.Matrix
    goal = sp.Eq(0, 10, evaluate=False)
    quad = dict(point=M([[z]]), mean=M([[0]]), cov=M([[1]]))
    return thm(goal,
               Step("1", sp.Eq(_expectation((z - 3) ** 2), 10, evaluate=False),
                    ByAxiom(ax.QUADRATIC_EXPECTATION, **quad, A=M([[1]]), a=M([[3]]))),
               Step("2", sp.Eq(_expectation(sp.Integer(0)), 0, evaluate=False),
                    ByAxiom(ax.QUADRATIC_EXPECTATION, **quad, A=M([[0]]), a=M([[0]]))),
               Step("3", goal, Combine("1", ("2", -1))), hypotheses={"h": sp.Eq(z, 3)})


@attack("names", r"step \(1\): not an instance of 'shifted_square'")
def substitution_captured_by_the_point_of_an_expectation():
    """E[(z - y)^2] = 1 + y^2 for z ~ N(0, 1); citing it with y := z must rename the bound z, not give E[0]."""
    M = sp.Matrix
    lemma_st = sp.Eq(_expectation((z - y) ** 2), 1 + y**2, evaluate=False)
    lemma = Theorem(name="shifted_square", title="shifted square", conclusion=lemma_st, steps=[
        Step("1", lemma_st, ByAxiom(ax.QUADRATIC_EXPECTATION, point=M([[z]]), mean=M([[0]]), cov=M([[1]]),
                                    A=M([[1]]), a=M([[y]])))])
    st = sp.Eq(_expectation(sp.Integer(0)), 1 + z**2, evaluate=False)
    return thm(st, Step("1", st, ByTheorem(lemma, {y: z}))), proved(lemma)


@attack("names", r"step \(1\): algebra: .*does not reduce to 0")
def expectations_identified_through_their_point():
    st = sp.Eq(_expectation((z - 3) ** 2), _expectation(sp.Integer(0)), evaluate=False)
    return thm(st, Step("1", st, Algebra()), hypotheses={"h": sp.Eq(z, 3)})


# --- opaque atoms: one numbering of their classes across the passes around a hypothesis rewrite --------
def _kl_from(var):
    return KL(sp.Lambda(z, gaussian_pdf(z, s, var)), sp.Lambda(z, PHI))


@attack("names", r"step \(1\): algebra: .*does not reduce to 0")
def an_atom_from_a_hypothesis_takes_the_function_of_another():
    """Under x = KL(N(s, 2) || N(0, 1)), KL(N(s, 1) || N(0, 1)) = x is false; the KL term the rewrite brings in
    must not take the reserved function of the unrelated KL term made opaque before it (both depend on s alone)."""
    st = sp.Eq(_kl_from(1), x)
    return thm(st, Step("1", st, Algebra()), hypotheses={"h": sp.Eq(x, _kl_from(2))})


@attack("names", r"step \(1\): algebra: .*does not reduce to 0")
def an_integral_from_a_hypothesis_takes_the_function_of_another():
    """The same for integrals: under x = ∫ s exp(-2 z²), ∫ s exp(-z²) = x is false (√π s vs √(π/2) s)."""
    st = sp.Eq(sp.Integral(s * sp.exp(-z**2), R), x)
    return thm(st, Step("1", st, Algebra()), hypotheses={"h": sp.Eq(x, sp.Integral(s * sp.exp(-2 * z**2), R))})


def test_an_atom_from_a_hypothesis_still_meets_its_own_class():
    """The rewrite's atom and a congruent atom of the goal are one class: x = KL(..) gives KL(..) = x."""
    st = sp.Eq(_kl_from(1), x)
    thm(st, Step("1", st, Algebra()), hypotheses={"h": sp.Eq(x, _kl_from(1))}).check([], witness=False)


# --- capture: a lambda argument applied under a binder the schema builds --------------------------------
_jp = sp.Symbol("j", integer=True, positive=True)
_kp = sp.Symbol("k", integer=True, positive=True)


@attack("axiom", r"step \(1\): a sum of one term: the argument f = .* has the free symbol\(s\) j, bound in the instance")
def sum_one_term_capturing_its_index():
    """f = (k -> j + t) is constant in k; under the schema's sum over j its free j would be bound: 1 + t = j + t."""
    st = sp.Eq(sp.Sum(_jp + t, (_jp, 1, 1)), _jp + t)
    return thm(st, Step("1", st, ByAxiom(ax.SUM_ONE_TERM, f=sp.Lambda(_kp, _jp + t), j=_jp, lo=sp.Integer(1))))


@attack("axiom", r"step \(1\): splitting off the last term .*: the argument f = .* free symbol\(s\) j, bound")
def sum_last_term_capturing_its_index():
    st = sp.Eq(sp.Sum(_jp + t, (_jp, 1, n + 1)), sp.Sum(_jp + t, (_jp, 1, n)) + _jp + t)
    return thm(st, Step("1", st, ByAxiom(ax.SUM_LAST_TERM, f=sp.Lambda(_kp, _jp + t), j=_jp, lo=sp.Integer(1), n=n)))


@attack("axiom", r"step \(1\): a term of a sum .*: the argument a = .* free symbol\(s\) j, bound in the instance")
def term_below_sum_capturing_its_index():
    """a = (k -> j + e^t) >= 0: a(1) <= sum_{j=1}^1 a(j) would read j + e^t <= 1 + e^t for every j."""
    st = sp.Le(_jp + sp.exp(t), sp.Sum(_jp + sp.exp(t), (_jp, 1, 1)), evaluate=False)
    return thm(st, Step("1", st, ByAxiom(ax.TERM_BELOW_SUM, a=sp.Lambda(_kp, _jp + sp.exp(t)), i=sp.Integer(1),
                                         j=_jp, n=sp.Integer(1))))


@attack("axiom", r"step \(1\): definition of the KL divergence: the argument g = .* free symbol\(s\) z, bound")
def kl_definition_capturing_the_variable():
    """g = N(z, 1) as a density in x: under the integral over f's variable z, g(z) = N(z; z, 1) would be a
    constant, and KL(N(0, 1) || N(z, 1)) (= z²/2) would be -1/2, below Gibbs' bound 0."""
    f, g = sp.Lambda(z, PHI), sp.Lambda(x, gaussian_pdf(x, z, 1))
    integral = sp.Integral(PHI * sp.log(PHI * sp.sqrt(2 * sp.pi)), R)
    goal = sp.Ge(sp.Rational(-1, 2), 0, evaluate=False)
    return thm(goal, Step("1", sp.Eq(KL(f, g), integral), ByAxiom(ax.KL_DEFINITION, f=f, g=g)),
               Step("2", sp.Eq(integral, sp.Rational(-1, 2)), Integrate()),
               Step("3", sp.Ge(KL(f, g), 0), ByAxiom(ax.GIBBS, f=f, g=g)),
               Step("4", goal, Combine("3", ("1", -1), ("2", -1))))


# --- citing: the ranges of indices named only in a definition's value or another range's bound ---------
_ip = sp.Symbol("i", integer=True, positive=True)
_np = sp.Symbol("n", integer=True, positive=True)


@attack("cite", r"step \(1\): index 6 is not provably in 1..1 as 'term_le_sum' requires")
def citing_with_an_index_only_in_a_definition():
    """y := i + e^t with 1 <= i <= n gives y <= sum_{j=1}^n (j + e^t); cited at n = 1, i = 6: 6 + e^t <= 1 + e^t."""
    yv, c = sp.Symbol("y", real=True), sp.exp(t)
    total = sp.Sum(_jp + c, (_jp, 1, _np))
    lemma = Theorem(name="term_le_sum", title="l", conclusion=sp.Le(yv, total), ranges={_ip: (1, _np)},
                    definitions={yv: _ip + c}, steps=[
                        Step("1", sp.Le(_ip + c, total), ByAxiom(ax.TERM_BELOW_SUM, a=sp.Lambda(_kp, _kp + c), i=_ip,
                                                                 j=_jp, n=_np)),
                        Step("2", sp.Le(yv, total), Combine("1"))])
    st = sp.Le(6 + c, sp.Sum(_jp + c, (_jp, 1, 1)), evaluate=False)
    return thm(st, Step("1", st, ByTheorem(lemma, {_np: sp.Integer(1), _ip: sp.Integer(6), yv: 6 + c}))), \
        proved(lemma)


@attack("cite", r"step \(1\): index 5 is not provably in 1..1 as 'range_bound' requires")
def citing_with_an_index_only_in_a_range_bound():
    """i <= n and n in 1..1 give i <= 1; n occurs only in i's range, yet citing at i = n = 5 must check n's range."""
    a = sp.Lambda(_kp, _kp)
    lemma = Theorem(name="range_bound", title="l", conclusion=sp.Le(_ip, 1), ranges={_ip: (1, _np), _np: (1, 1)},
                    steps=[Step("1", sp.Le(_np, sp.Sum(_jp, (_jp, 1, 1))),
                                ByAxiom(ax.TERM_BELOW_SUM, a=a, i=_np, j=_jp, n=sp.Integer(1))),
                           Step("2", sp.Le(_ip, sp.Sum(_jp, (_jp, 1, _np))),
                                ByAxiom(ax.TERM_BELOW_SUM, a=a, i=_ip, j=_jp, n=_np)),
                           Step("3", sp.Le(_ip, 1), Combine("2", ("1", (_np + 2) / 2)))])
    st = sp.Le(5, 1, evaluate=False)
    return thm(st, Step("1", st, ByTheorem(lemma, {_ip: sp.Integer(5), _np: sp.Integer(5)}))), proved(lemma)


# --- definitions of functions: unfolded only where they were checked -----------------------------------
@attack("definition", r"step \(2\): does not follow strictly from 1; remainder .*f\(-1\)")
def a_defined_function_unfolded_outside_its_domain():
    """f(x) := 2x for x > 0, f declared positive: f(-1) > 0 by the declaration, and f(-1) must not unfold to -2."""
    xp, F = sp.Symbol("x", positive=True), sp.Function("f", positive=True)
    goal = sp.Gt(-2 + t, t, evaluate=False)
    return thm(goal, Step("1", sp.Gt(F(-1) + t, t, evaluate=False), Algebra()), Step("2", goal, Combine("1")),
               definitions={F(xp): 2 * xp})


@attack("definition", r"step \(statement\): definition of f\(x\): a function defined as its own variable")
def a_function_defined_as_its_own_variable():
    """sympy turns Lambda(x, x) into Lambda(_x, _x), losing x > 0: f(x) := x would unfold f(-1) to -1."""
    xp, F = sp.Symbol("x", positive=True), sp.Function("f", positive=True)
    goal = sp.Gt(-1 + t, t, evaluate=False)
    return thm(goal, Step("1", sp.Gt(F(-1) + t, t, evaluate=False), Algebra()), Step("2", goal, Combine("1")),
               definitions={F(xp): xp})


# --- summation over an index that bounds another index's range -----------------------------------------
@attack("sum", r"step \(3\): summing '2': the index n is pinned down by .*the bound of an index range")
def summing_over_the_bound_of_a_range():
    """i + c <= sum_{j<=n} (j + c) needs i <= n; summed over n = 1..1 it would claim i + c <= 1 + c for all i <= n."""
    c = sp.exp(t)
    st1 = sp.Le(_ip + c, sp.Sum(_jp + c, (_jp, 1, _np)))
    st2 = sp.Le(_ip + c, _np * (_np + 1) / 2 + _np * c)
    st3 = sp.Le(_ip + c, 1 + c, evaluate=False)
    return thm(st3, Step("1", st1, ByAxiom(ax.TERM_BELOW_SUM, a=sp.Lambda(_kp, _kp + c), i=_ip, j=_jp, n=_np)),
               Step("2", st2, Combine("1")), Step("3", st3, Combine(("2", 1, (_np, 1, 1)))), ranges={_ip: (1, _np)})


# --- binders the substitution does not rename: refused -----------------------------------------------
@attack("names", r"step \(statement\): Subs binds a variable")
def substitution_captured_by_a_subs():
    """Subs(y x, x, 1) = y; citing it with y -> x would give Subs(x x, x, 1) = x, i.e. 1 = x."""
    st = sp.Eq(sp.Subs(y * x, x, 1) + t, y + t)
    return thm(st, Step("1", st, Algebra()))


@attack("names", r"step \(statement\): Limit binds a variable")
def substitution_captured_by_a_limit():
    st = sp.Eq(sp.Limit(y * x, x, 1) + t, y + t)
    return thm(st, Step("1", st, Algebra()))


@attack("names", r"step \(1\): cannot substitute into the derivative Derivative\(x\*y, x\) a value containing its var")
def substitution_captured_by_a_derivative():
    """d/dx (y x) = y; citing it with y -> x would give d/dx (x x) = x, i.e. 2x = x."""
    lemma = simple(sp.Eq(sp.Derivative(y * x, x) + t, y + t))
    st = sp.Eq(sp.Derivative(x * x, x) + t, x + t)
    return thm(st, Step("1", st, ByTheorem(lemma, {y: x}))), proved(lemma)


@attack("names", r"step \(1\): cannot substitute into the derivative Derivative\(x\*y, x\) a value containing its var")
def a_hypothesis_rule_captured_by_a_derivative():
    """Under y = x, d/dx (y x) is y = x, not d/dx (x x) = 2x."""
    st = sp.Eq(sp.Derivative(y * x, x), 2 * x)
    return thm(st, Step("1", st, Algebra()), hypotheses={"h": sp.Eq(y, x)})


# --- citing: every assumption of a substituted symbol or indexed base, true or false, is kept ---------
@attack("cite", r"step \(1\): v is negative but the indexed base u is not declared so")
def a_negative_sequence_replaced_by_a_positive_one():
    vb, ub = sp.IndexedBase("v", negative=True), sp.IndexedBase("u", positive=True)
    lemma = simple(sp.Lt(vb[1] + t, t, evaluate=False))
    st = sp.Lt(ub[1] + t, t, evaluate=False)
    return thm(st, Step("1", st, ByTheorem(lemma, {vb: ub}))), proved(lemma)


@attack("cite", r"step \(1\): x is not integer but 1 is not provably not integer")
def a_noninteger_symbol_replaced_by_an_integer():
    """(x - 1)² + t > t for a noninteger x; at x = 1 it would read t > t."""
    xn = sp.Symbol("x", real=True, noninteger=True)
    lemma = simple(sp.Gt((xn - 1) ** 2 + t, t, evaluate=False))
    st = sp.Gt(t, t, evaluate=False)
    return thm(st, Step("1", st, ByTheorem(lemma, {xn: sp.Integer(1)}))), proved(lemma)


@attack("cite", r"step \(1\): v is not integer but 1 is not provably not integer")
def a_noninteger_sequence_replaced_by_an_integer_lambda():
    vb = sp.IndexedBase("v", real=True, noninteger=True)
    lemma = simple(sp.Gt((vb[1] - 1) ** 2 + t, t, evaluate=False))
    st = sp.Gt(t, t, evaluate=False)
    return thm(st, Step("1", st, ByTheorem(lemma, {vb: sp.Lambda(_kp, 1)}))), proved(lemma)


@attack("definition", r"step \(statement\): f\(x\) is not integer but 1 is not provably not integer")
def a_noninteger_function_defined_as_an_integer():
    F = sp.Function("f", real=True, noninteger=True)
    goal = sp.Gt(t, t, evaluate=False)
    return thm(goal, Step("1", sp.Gt((F(x) - 1) ** 2 + t, t, evaluate=False), Algebra()),
               Step("2", goal, Combine("1")), definitions={F(x): 1})


# --- sums: bounds are integers (sympy sums to a non-integer bound by a formal closed form) --------------
@attack("sum", r"step \(statement\): in Sum\(1, \(i, 1, x\)\), the bound x is not provably an integer")
def a_sum_to_a_real_bound():
    """sum_{i=1}^x 1 = x for real x; cited at x = 1/2 it would make an empty sum 1/2."""
    st = sp.Eq(sp.Sum(1, (i, 1, x)) + t, x + t)
    return thm(st, Step("1", st, Algebra()))


@attack("sum", r"step \(1\): in Sum\(.*, \(i, 1, 3/2\)\), the bound 3/2 is not provably an integer")
def jensen_over_a_fractional_number_of_points():
    """n = 3/2, weights 2/3 (formally summing to one), points (i-1)(i-2)(i-3), f = t²: 0 >= (3/32)²."""
    ip, n_ = sp.Symbol("i", integer=True, positive=True), sp.Rational(3, 2)
    f, w, pt = sp.Lambda(t, t**2), sp.Lambda(ip, 1 / n_), sp.Lambda(ip, (ip - 1) * (ip - 2) * (ip - 3))
    st, goal = ax.JENSEN.schema(f=f, weight=w, point=pt, i=ip, n=n_), sp.Ge(t, sp.Rational(9, 1024) + t, evaluate=False)
    return thm(goal, Step("1", st, ByAxiom(ax.JENSEN, f=f, weight=w, point=pt, i=ip, n=n_)),
               Step("2", goal, Combine("1")))


@attack("sum", r"step \(2\): summing '1': the bounds 1..1/2 of i are not provably integers")
def summing_a_fact_to_a_fractional_bound():
    goal = sp.Ge(sp.Rational(-1, 8), 0, evaluate=False)
    return thm(goal, Step("1", sp.Ge(_ip - 1, 0, evaluate=False), Algebra()),
               Step("2", goal, Combine(("1", 1, (_ip, 1, sp.Rational(1, 2))))))


@attack("definition", r"step \(statement\): x is not integer but 1 is not provably not integer")
def a_noninteger_symbol_defined_as_an_integer():
    xn = sp.Symbol("x", real=True, noninteger=True)
    goal = sp.Gt(t, t, evaluate=False)
    return thm(goal, Step("1", sp.Gt((xn - 1) ** 2 + t, t, evaluate=False), Algebra()),
               Step("2", goal, Combine("1")), definitions={xn: sp.Integer(1)})


@attack("cite", r"step \(1\): x is not integer but 1 is not provably not integer")
def an_imaginary_symbol_replaced_by_one():
    """x² < 0 for an imaginary x; at x = 1 it would read 1 + t < t."""
    xi = sp.Symbol("x", imaginary=True)
    lemma = simple(sp.Lt(xi**2 + t, t, evaluate=False))
    st = sp.Lt(1 + t, t, evaluate=False)
    return thm(st, Step("1", st, ByTheorem(lemma, {xi: sp.Integer(1)}))), proved(lemma)


@pytest.mark.parametrize("key", list(ATTACKS), ids=list(ATTACKS))
def test_attack_is_rejected(key):
    reason, build = ATTACKS[key]
    with pytest.raises((ProofError, AttributeError)) as info:
        built = build()
        if built is None:
            return
        theorem, done = built if isinstance(built, tuple) else (built, [])
        theorem.check(done, witness=False)
    import re
    assert re.search(reason, str(info.value)), str(info.value)
    if isinstance(info.value, ProofError) and "sealed" not in str(info.value) and "Thm" not in key:
        assert re.search(r"step \(|statement|no step states|issued by|cannot be changed", str(info.value))


def test_catalogue_size_by_class():
    classes = {}
    for key in ATTACKS:
        classes[key.split(":")[0]] = classes.get(key.split(":")[0], 0) + 1
    assert len(ATTACKS) >= 60, classes
    assert set(classes) >= {"axiom", "strict", "names", "identity", "cite", "sum", "definition", "float", "integral"}


# --- the witness --------------------------------------------------------------------------------------
def test_witness_rejects_a_step_the_symbolic_route_accepts(monkeypatch):
    """With the symbolic algebra forced to accept, the witness still catches a false identity."""
    monkeypatch.setattr(kernel, "_holds", lambda kind, diff: True)
    st = sp.Eq(x**2 + 1, 2 * x)
    with pytest.raises(ProofError, match=r"attack, step \(1\): numeric witness: the sides differ"):
        thm(st, Step("1", st, Algebra())).check([], witness=True)


def test_witness_rejects_a_false_inequality_under_hypotheses(monkeypatch):
    monkeypatch.setattr(kernel, "_holds", lambda kind, diff: True)
    st = sp.Ge(x, 1)
    with pytest.raises(ProofError, match=r"step \(1\): numeric witness: the sides are in the wrong order"):
        thm(st, Step("1", st, Algebra()), hypotheses={"h": sp.Ge(x, 0)}).check([], witness=True)


def test_witness_evaluates_kl_terms_by_quadrature(monkeypatch):
    """KL(N(m, 1) || N(0, 1)) = m^2 is false (it is m^2/2); the witness integrates the definition."""
    monkeypatch.setattr(kernel, "_holds", lambda kind, diff: True)
    m = sp.Symbol("m", real=True)
    st = sp.Eq(KL(sp.Lambda(z, gaussian_pdf(z, m, 1)), sp.Lambda(z, PHI)), m**2)
    with pytest.raises(ProofError, match=r"numeric witness"):
        thm(st, Step("1", st, Algebra())).check([], witness=True)


def test_witness_rejects_a_tiny_false_gap(monkeypatch):
    """The tolerance is relative to the sides: a false identity scaled by 1e-9 is still caught."""
    monkeypatch.setattr(kernel, "_holds", lambda kind, diff: True)
    st = sp.Eq(sp.Rational(1, 10**9) * (x**2 + 1), 0, evaluate=False)
    with pytest.raises(ProofError, match=r"numeric witness"):
        thm(st, Step("1", st, Algebra())).check([], witness=True)


def test_witness_draws_zero_for_a_nonnegative_integer(monkeypatch):
    """sympy calls the alternating binomial sum 0 for every n >= 0; at n = 0 it is 1.

    binomial is outside the kernel's functions; with it let in, the witness alone still catches the step.
    """
    monkeypatch.setattr(kernel, "_FUNCTIONS", (*kernel._FUNCTIONS, sp.binomial))
    n0 = sp.Symbol("n", integer=True, nonnegative=True)
    k0 = sp.Symbol("k", integer=True, nonnegative=True)
    st = sp.Eq(sp.Sum((-1) ** k0 * sp.binomial(n0, k0), (k0, 0, n0)), 0, evaluate=False)
    with pytest.raises(ProofError, match=r"numeric witness"):
        thm(st, Step("1", st, Algebra())).check([], witness=True)


def test_witness_satisfies_a_bound_on_an_unused_symbol(monkeypatch):
    """A hypothesis w >= 3 on an unused symbol does not leave the witness without points."""
    monkeypatch.setattr(kernel, "_FUNCTIONS", (*kernel._FUNCTIONS, sp.binomial))
    wv = sp.Symbol("w", real=True)
    n1 = sp.Symbol("n", integer=True)
    st = sp.Eq(sp.binomial(n1, n1), 1, evaluate=False)
    with pytest.raises(ProofError, match=r"numeric witness: the sides differ"):
        thm(st, Step("1", st, Algebra()), hypotheses={"w3": sp.Ge(wv, 3)}).check([], witness=True)


def test_witness_evaluates_gaussian_kl_terms(monkeypatch):
    """KLNormal atoms are evaluated by the textbook formula, so a wrong mean identity inside one is caught."""
    monkeypatch.setattr(kernel, "_FUNCTIONS", (*kernel._FUNCTIONS, sp.binomial))
    from proofs.objects import KLNormal
    n0 = sp.Symbol("n", integer=True, nonnegative=True)
    k0 = sp.Symbol("k", integer=True, nonnegative=True)
    S_n = sp.Sum((-1) ** k0 * sp.binomial(n0, k0), (k0, 0, n0))
    M, one = sp.ImmutableMatrix, sp.ImmutableMatrix([[1]])
    st = sp.Eq(KLNormal(M([[S_n + n0]]), one), KLNormal(M([[n0]]), one), evaluate=False)
    with pytest.raises(ProofError, match=r"numeric witness"):
        thm(st, Step("1", st, Algebra())).check([], witness=True)


def test_witness_counts_steps(proof_reports):
    counts = {name: r.witnessed for name, r in proof_reports.items()}
    assert counts["kl_two_gaussians"] == 4 and counts["log_sum"] == 4, counts
    assert sum(counts.values()) >= 40, counts
