"""Assumed principles about d coordinates: finite sums and diagonal Gaussians as products.

Registered with the rest of :data:`proofs.axioms.AXIOMS`.  A diagonal Gaussian
on R^d (:class:`proofs.objects.NormalDiag`) is, by definition, the law of d
independent coordinates; the two axioms below say exactly that for the KL
divergence between two of them, one coordinate at a time, and the kernel's
induction rule carries it to every d.
"""

from __future__ import annotations

import sympy as sp

from .kernel import Axiom, Condition, Param, subst
from .objects import KL, NormalDiag, gaussian_pdf

__all__ = ["DIAGONAL_ONE_COORDINATE", "DIAGONAL_SPLIT", "SUM_LAST_TERM", "SUM_ONE_TERM"]


def _at(f: sp.Lambda, t: sp.Expr) -> sp.Expr:
    """``f(t)`` by capture-free substitution."""
    return subst(f.expr, {f.signature[0]: t})


def _sequence_conditions(mean, var, prior_mean, prior_var) -> list[Condition]:
    lams = (mean, var, prior_mean, prior_var)
    return [
        Condition("means and variances are Lambdas of one integer index", "check",
                  (all(isinstance(f, sp.Lambda) and len(f.signature) == 1 and f.signature[0].is_integer
                       for f in lams),)),
        Condition("the means are real", "real", (mean,)),
        Condition("the prior's means are real", "real", (prior_mean,)),
        Condition("the variances are positive", "generic", (var, "gt")),
        Condition("the prior's variances are positive", "generic", (prior_var, "gt")),
    ]


def _point_conditions(seqs, d, points) -> list[Condition]:
    return [
        Condition("the points are distinct real symbols", "check",
                  (len(set(points)) == len(points) and all(isinstance(s, sp.Symbol) and s.is_real for s in points),)),
        Condition("the sequences and the dimension do not depend on the points", "free",
                  (sp.Tuple(*seqs, d), tuple(points))),
    ]


def _diagonal_one(mean, var, prior_mean, prior_var, x) -> sp.Basic:
    one = sp.Integer(1)
    return sp.Eq(KL(sp.Lambda(x, NormalDiag(mean, var, one, x)), sp.Lambda(x, NormalDiag(prior_mean, prior_var, one, x))),
                 KL(sp.Lambda(x, gaussian_pdf(x, _at(mean, one), _at(var, one))),
                    sp.Lambda(x, gaussian_pdf(x, _at(prior_mean, one), _at(prior_var, one)))))


DIAGONAL_ONE_COORDINATE = Axiom(
    "a diagonal Gaussian in one dimension",
    r"$\mathcal N(a, \operatorname{diag} b)$ on $\mathbb R^1$ is $\mathcal N(a_1, b_1)$: "
    r"$\operatorname{KL}(\mathcal N(a, \operatorname{diag} b)\,\|\,\mathcal N(c, \operatorname{diag} e)) = "
    r"\operatorname{KL}(\mathcal N(a_1, b_1)\,\|\,\mathcal N(c_1, e_1))$ for $d = 1$.",
    (Param("mean", "lambda"), Param("var", "lambda"), Param("prior_mean", "lambda"), Param("prior_var", "lambda"),
     Param("x", "symbol")),
    _diagonal_one,
    lambda mean, var, prior_mean, prior_var, x: [
        *_sequence_conditions(mean, var, prior_mean, prior_var),
        *_point_conditions((mean, var, prior_mean, prior_var), sp.Integer(1), (x,)),
    ],
)


def _diagonal_split(mean, var, prior_mean, prior_var, d, x, y) -> sp.Basic:
    def product(a, b):
        return sp.Lambda((x, y), NormalDiag(a, b, d, x) * gaussian_pdf(y, _at(a, d + 1), _at(b, d + 1)))

    return sp.Eq(KL(sp.Lambda(x, NormalDiag(mean, var, d + 1, x)), sp.Lambda(x, NormalDiag(prior_mean, prior_var, d + 1, x))),
                 KL(product(mean, var), product(prior_mean, prior_var)))


DIAGONAL_SPLIT = Axiom(
    "a diagonal Gaussian is the product of its coordinates",
    r"For an integer $d \ge 1$, $\mathcal N(a, \operatorname{diag} b)$ on $\mathbb R^{d+1}$ is the product of "
    r"$\mathcal N(a_{1..d}, \operatorname{diag} b_{1..d})$ in the first $d$ coordinates $x$ and "
    r"$\mathcal N(a_{d+1}, b_{d+1})$ in the last one $y$; so is $\mathcal N(c, \operatorname{diag} e)$, and the KL "
    "divergence between the two is the KL divergence between the two products.",
    (Param("mean", "lambda"), Param("var", "lambda"), Param("prior_mean", "lambda"), Param("prior_var", "lambda"),
     Param("d", "integer"), Param("x", "symbol"), Param("y", "symbol")),
    _diagonal_split,
    lambda mean, var, prior_mean, prior_var, d, x, y: [
        *_sequence_conditions(mean, var, prior_mean, prior_var),
        *_point_conditions((mean, var, prior_mean, prior_var), d, (x, y)),
        Condition("d is an integer", "integer", (d,)),
        Condition("d >= 1", "holds", (sp.Ge(d, 1),)),
    ],
)


def _sum_last_term(f, j, lo, n) -> sp.Basic:
    return sp.Eq(sp.Sum(_at(f, j), (j, lo, n + 1)), sp.Sum(_at(f, j), (j, lo, n)) + _at(f, n + 1))


SUM_LAST_TERM = Axiom(
    "splitting off the last term of a finite sum",
    r"For integers $n \ge a$: $\sum_{j=a}^{n+1} f(j) = \sum_{j=a}^{n} f(j) + f(n+1)$.",
    (Param("f", "lambda"), Param("j", "symbol"), Param("lo", "integer"), Param("n", "integer")),
    _sum_last_term,
    lambda f, j, lo, n: [
        Condition("f takes one argument", "check", (len(f.signature) == 1,)),
        Condition("the index is an integer", "integer", (j,)),
        Condition("the lower bound is an integer", "integer", (lo,)),
        Condition("the upper bound is an integer", "integer", (n,)),
        Condition("the bounds do not depend on the index", "free", (sp.Tuple(lo, n), (j,))),
        Condition("n >= the lower bound", "holds", (sp.Ge(n, lo),)),
    ],
)

SUM_ONE_TERM = Axiom(
    "a sum of one term",
    r"For an integer $a$: $\sum_{j=a}^{a} f(j) = f(a)$.",
    (Param("f", "lambda"), Param("j", "symbol"), Param("lo", "integer")),
    lambda f, j, lo: sp.Eq(sp.Sum(_at(f, j), (j, lo, lo)), _at(f, lo)),
    lambda f, j, lo: [
        Condition("f takes one argument", "check", (len(f.signature) == 1,)),
        Condition("the index is an integer", "integer", (j,)),
        Condition("the bound is an integer", "integer", (lo,)),
        Condition("the bound does not depend on the index", "free", (lo, (j,))),
    ],
)
