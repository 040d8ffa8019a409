"""Convexity: t log t, the log-sum inequality, and the mixture inequality.

Theorems
--------
T_LOG_T_CONVEX
    (t log t)'' = 1/t >= 0 on t > 0.
LOG_SUM
    Σ a_i log(a_i/b_i) >= A log(A/B), A = Σ a_i, B = Σ b_i (from Jensen).
MIXTURE_INEQUALITY
    KL(q̄ || p) <= Σ_i w_i KL(q_i || p): the script's claim.
"""

from __future__ import annotations

import sympy as sp

from . import axioms as ax
from .checker import Algebra, ByAxiom, ByTheorem, Combine, Step, Theorem
from .mixture import MIXTURE_DEFINITIONS, N, P, Q, QBAR, R, WEIGHTS_SUM_TO_ONE, avg_kl, i, kl, p, q, qbar, w
from .objects import z

__all__ = ["T_LOG_T_CONVEX", "LOG_SUM", "MIXTURE_INEQUALITY"]

t = sp.Symbol("t", positive=True)
_f = sp.Lambda(t, t * sp.log(t))

T_LOG_T_CONVEX = Theorem(
    name="t_log_t_convex",
    title=r"$t \log t$ is convex on $t > 0$",
    conclusion=sp.Ge(sp.Derivative(_f(t), (t, 2)), 0),
    steps=[
        Step("1", sp.Eq(sp.Derivative(_f(t), (t, 2)), 1 / t), Algebra()),
        Step("2", sp.Ge(1 / t, 0, evaluate=False), Algebra(), "t > 0"),
        Step("3", sp.Ge(sp.Derivative(_f(t), (t, 2)), 0), Combine("1", "2")),
    ],
)

a = sp.IndexedBase("a", positive=True)
b = sp.IndexedBase("b", positive=True)
A = sp.Symbol("A", positive=True)
B = sp.Symbol("B", positive=True)
_lam = sp.Lambda(i, b[i] / B)
_x = sp.Lambda(i, a[i] / b[i])
_lhs = sp.Sum(a[i] * sp.log(a[i] / b[i]), (i, 1, N))
_jensen_lhs = sp.Sum(_lam(i) * _f(_x(i)), (i, 1, N))
_jensen_rhs = _f(sp.Sum(_lam(i) * _x(i), (i, 1, N)))

LOG_SUM = Theorem(
    name="log_sum",
    title="the log-sum inequality",
    conclusion=sp.Ge(_lhs, A * sp.log(A / B)),
    definitions={A: sp.Sum(a[i], (i, 1, N)), B: sp.Sum(b[i], (i, 1, N))},
    uses=(T_LOG_T_CONVEX,),
    summary=r"For positive $a_i, b_i$ with $A = \sum_i a_i$ and $B = \sum_i b_i$.",
    steps=[
        Step("1", sp.Ge(_jensen_lhs, _jensen_rhs),
             ByAxiom(ax.JENSEN, f=_f, weight=_lam, point=_x, i=i, n=N),
             r"$f(t) = t \log t$ is convex; weights $b_i/B$, points $a_i/b_i$"),
        Step("2", sp.Eq(_jensen_lhs, _lhs / B), Algebra()),
        Step("3", sp.Eq(_jensen_rhs, A / B * sp.log(A / B)), Algebra(), r"$\sum_i (b_i/B)(a_i/b_i) = A/B$"),
        Step("4", sp.Ge(_lhs, A * sp.log(A / B)), Combine(("1", B), ("2", -B), ("3", B))),
    ],
)

_pointwise_lhs = sp.Sum(w[i] * q(i, z) * sp.log(q(i, z) / p(z)), (i, 1, N))
_pointwise_rhs = qbar(z) * sp.log(qbar(z) / p(z))
_int_lhs = sp.Integral(_pointwise_lhs, R)
_int_rhs = sp.Integral(_pointwise_rhs, R)
_each = sp.Integral(q(i, z) * sp.log(q(i, z) / p(z)), R)

MIXTURE_INEQUALITY = Theorem(
    name="mixture_inequality",
    title="the average KL bounds the KL of the aggregate posterior",
    conclusion=sp.Le(kl(QBAR, P), avg_kl),
    hypotheses={"w": WEIGHTS_SUM_TO_ONE},
    definitions=MIXTURE_DEFINITIONS,
    uses=(LOG_SUM,),
    summary=r"$\bar q = \sum_i w_i q_i$ with $w_i > 0$ and $\sum_i w_i = 1$; $p$ is any density; $z$ ranges over $\mathbb R^d$.",
    steps=[
        Step("1", sp.Ge(sp.Sum(w[i] * q(i, z) * sp.log(w[i] * q(i, z) / (w[i] * p(z))), (i, 1, N)),
                        sp.Sum(w[i] * q(i, z), (i, 1, N))
                        * sp.log(sp.Sum(w[i] * q(i, z), (i, 1, N)) / sp.Sum(w[i] * p(z), (i, 1, N)))),
             ByTheorem(LOG_SUM, {a: sp.Lambda(i, w[i] * q(i, z)), b: sp.Lambda(i, w[i] * p(z)),
                                 A: sp.Sum(w[i] * q(i, z), (i, 1, N)), B: sp.Sum(w[i] * p(z), (i, 1, N))}),
             r"at every point $z$, with $a_i = w_i q_i(z)$ and $b_i = w_i p(z)$"),
        Step("2", sp.Ge(_pointwise_lhs, _pointwise_rhs), Combine("1"),
             r"the $w_i$ cancel inside the log, and $\sum_i w_i p(z) = p(z)$"),
        Step("3", sp.Ge(_int_lhs, _int_rhs),
             ByAxiom(ax.MONOTONE_INTEGRAL, f=_pointwise_lhs, g=_pointwise_rhs, variables=(z,))),
        Step("4", sp.Eq(_int_lhs, sp.Sum(w[i] * _each, (i, 1, N))),
             ByAxiom(ax.LINEARITY, variables=(z,), summand=(w[i], q(i, z) * sp.log(q(i, z) / p(z)), (i, 1, N)))),
        Step("5", sp.Eq(kl(Q, P), _each), ByAxiom(ax.KL_DEFINITION, f=Q, g=P)),
        Step("6", sp.Eq(kl(QBAR, P), _int_rhs), ByAxiom(ax.KL_DEFINITION, f=QBAR, g=P)),
        Step("7", sp.Le(kl(QBAR, P), avg_kl), Combine("3", ("4", -1), ("5", w[i], (i, 1, N)), ("6", -1))),
    ],
)
