"""Diagonal Gaussians in every dimension d, by induction on the number of coordinates.

Each closed form is the kernel's induction rule applied to a base case (d = 1)
and a step (d to d + 1), both checked theorems.  The step splits the last
coordinate off (axiom: a diagonal Gaussian is the product of its
coordinates), applies the theorem on product densities, and the
one-dimensional closed form to the last coordinate.

Theorems
--------
KL_DIAGONAL
    KL(N(m, diag v) || N(0, I_d)) = 1/2 sum_j (v_j + m_j^2 - 1 - log v_j), the
    script's ``KL`` function, for every integer d >= 1.
KL_DIAGONAL_PRIOR
    KL(N(m, diag v) || N(mu_p, diag v_p)) =
    1/2 sum_j (v_j / v_pj + (m_j - mu_pj)^2 / v_pj - 1 + log(v_pj / v_j)), every d >= 1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import sympy as sp

from . import axioms as ax
from .checker import ByAxiom, ByTheorem, Combine, Induction, Step, Theorem
from .gaussian import KL_PRODUCT, KL_STANDARD, KL_TWO_GAUSSIANS, f1, f2, g1, g2, mu, mu1, mu2, s1, s2, sigma, x, y
from .objects import KL, NormalDiag, gaussian_pdf

__all__ = ["KL_DIAGONAL", "KL_DIAGONAL_PRIOR", "DIAGONAL_INDUCTIONS", "Induced", "diagonal_kl", "d", "j", "m", "v",
           "mu_p", "v_p", "SCRIPT_KL"]

d = sp.Symbol("d", integer=True, positive=True)
j = sp.Symbol("j", integer=True, positive=True)
m = sp.IndexedBase("m", real=True)
v = sp.IndexedBase("v", positive=True)
mu_p = sp.IndexedBase("mu_p", real=True)
v_p = sp.IndexedBase("v_p", positive=True)

MEAN, VAR = sp.Lambda(j, m[j]), sp.Lambda(j, v[j])
STANDARD_MEAN, STANDARD_VAR = sp.Lambda(j, sp.Integer(0)), sp.Lambda(j, sp.Integer(1))
PRIOR_MEAN, PRIOR_VAR = sp.Lambda(j, mu_p[j]), sp.Lambda(j, v_p[j])


def diagonal_kl(n: sp.Expr, prior_mean: sp.Lambda = STANDARD_MEAN, prior_var: sp.Lambda = STANDARD_VAR) -> KL:
    """KL(N(m, diag v) || N(prior_mean, diag prior_var)) in ``n`` dimensions, unevaluated."""
    return KL(sp.Lambda(x, NormalDiag(MEAN, VAR, n, x)), sp.Lambda(x, NormalDiag(prior_mean, prior_var, n, x)))


class Induced(NamedTuple):
    """The three theorems of one induction: the base case, the step and the conclusion for every d."""

    base: Theorem
    step: Theorem
    result: Theorem


def _diagonal_induction(name: str, title: str, prior_mean: sp.Lambda, prior_var: sp.Lambda, coordinate: Theorem,
                        coordinate_subs: Callable[[sp.Expr], dict], bracket: Callable[[sp.Expr], sp.Expr],
                        summary: str) -> Induced:
    """Base case, step and conclusion for KL(N(m, diag v) || prior) = 1/2 sum_{j=1}^{d} bracket(j)."""
    kl = lambda n: diagonal_kl(n, prior_mean, prior_var)  # noqa: E731
    closed = lambda n: sp.Rational(1, 2) * sp.Sum(bracket(j), (j, 1, n))  # noqa: E731
    claim = lambda n: sp.Eq(kl(n), closed(n))  # noqa: E731
    one = sp.Integer(1)

    def coordinate_kl(t: sp.Expr, var: sp.Symbol) -> KL:
        return KL(sp.Lambda(var, gaussian_pdf(var, m[t], v[t])),
                  sp.Lambda(var, gaussian_pdf(var, prior_mean(t), prior_var(t))))

    base = Theorem(
        name=f"{name}_base",
        title=f"{title}: one coordinate",
        conclusion=claim(one),
        uses=(coordinate,),
        steps=[
            Step("1", sp.Eq(kl(one), coordinate_kl(one, x)),
                 ByAxiom(ax.DIAGONAL_ONE_COORDINATE, mean=MEAN, var=VAR, prior_mean=prior_mean, prior_var=prior_var,
                         x=x)),
            Step("2", sp.Eq(coordinate_kl(one, x), bracket(one) / 2), ByTheorem(coordinate, coordinate_subs(one))),
            Step("3", sp.Eq(sp.Sum(bracket(j), (j, 1, 1)), bracket(one)),
                 ByAxiom(ax.SUM_ONE_TERM, f=sp.Lambda(j, bracket(j)), j=j, lo=one)),
            Step("4", claim(one), Combine("1", "2", ("3", -sp.Rational(1, 2)))),
        ],
    )
    last = d + 1
    product = lambda a, b: sp.Lambda((x, y), NormalDiag(a, b, d, x) * gaussian_pdf(y, a(last), b(last)))  # noqa: E731
    split = KL(product(MEAN, VAR), product(prior_mean, prior_var))
    step = Theorem(
        name=f"{name}_step",
        title=f"{title}: from d to d + 1 coordinates",
        conclusion=claim(last),
        hypotheses={"induction": claim(d)},
        uses=(KL_PRODUCT, coordinate),
        summary="The induction hypothesis is the claim for $d$ coordinates.",
        steps=[
            Step("1", sp.Eq(kl(last), split),
                 ByAxiom(ax.DIAGONAL_SPLIT, mean=MEAN, var=VAR, prior_mean=prior_mean, prior_var=prior_var, d=d,
                         x=x, y=y), "split off the last coordinate"),
            Step("2", sp.Eq(split, kl(d) + coordinate_kl(last, y)),
                 ByTheorem(KL_PRODUCT, {f1: sp.Lambda(x, NormalDiag(MEAN, VAR, d, x)),
                                        g1: sp.Lambda(x, NormalDiag(prior_mean, prior_var, d, x)),
                                        f2: sp.Lambda(y, gaussian_pdf(y, m[last], v[last])),
                                        g2: sp.Lambda(y, gaussian_pdf(y, prior_mean(last), prior_var(last)))}),
                 "the first d coordinates form one block"),
            Step("3", sp.Eq(coordinate_kl(last, y), bracket(last) / 2), ByTheorem(coordinate, coordinate_subs(last))),
            Step("4", sp.Eq(sp.Sum(bracket(j), (j, 1, last)), sp.Sum(bracket(j), (j, 1, d)) + bracket(last)),
                 ByAxiom(ax.SUM_LAST_TERM, f=sp.Lambda(j, bracket(j)), j=j, lo=one, n=d)),
            Step("5", claim(last), Combine("1", "2", "induction", "3", ("4", -sp.Rational(1, 2)))),
        ],
    )
    result = Theorem(
        name=name,
        title=title,
        conclusion=claim(d),
        uses=(base, step),
        summary=summary,
        steps=[Step("1", claim(d), Induction(base, step, d), "induction on the number of coordinates $d$")],
    )
    return Induced(base, step, result)


#: The script's ``KL = @(m,v) .5*sum(v + m.^2 - 1 - log(v))``.
SCRIPT_KL = sp.Rational(1, 2) * sp.Sum(v[j] + m[j] ** 2 - 1 - sp.log(v[j]), (j, 1, d))

STANDARD = _diagonal_induction(
    "kl_diagonal", "KL divergence from a diagonal Gaussian to the standard normal",
    STANDARD_MEAN, STANDARD_VAR, KL_STANDARD,
    lambda t: {mu: m[t], sigma: sp.sqrt(v[t])},
    lambda t: v[t] + m[t] ** 2 - 1 - sp.log(v[t]),
    r"For every integer $d \ge 1$; the right-hand side is the script's "
    r"`KL = @(m,v) .5*sum(v + m.^2 - 1 - log(v))`.",
)
PRIOR = _diagonal_induction(
    "kl_diagonal_prior", "KL divergence between two diagonal Gaussians",
    PRIOR_MEAN, PRIOR_VAR, KL_TWO_GAUSSIANS,
    lambda t: {mu1: m[t], s1: sp.sqrt(v[t]), mu2: mu_p[t], s2: sp.sqrt(v_p[t])},
    lambda t: v[t] / v_p[t] + (m[t] - mu_p[t]) ** 2 / v_p[t] - 1 + sp.log(v_p[t] / v[t]),
    r"For every integer $d \ge 1$: a diagonal Gaussian prior $\mathcal N(\mu_p, \operatorname{diag} v_p)$.",
)
KL_DIAGONAL = STANDARD.result
KL_DIAGONAL_PRIOR = PRIOR.result
#: Base case, step and conclusion of each induction, in checking order.
DIAGONAL_INDUCTIONS: tuple[Theorem, ...] = (*STANDARD, *PRIOR)
