"""The assumed principles every derivation may cite, each by name.

An axiom is not proved here: it is stated in words, its instances must match
its schema exactly, and its side conditions are proved by sympy at each use
(for Jensen's inequality, the convexity of the function through the sign of
its second derivative; for the monotonicity rules, the pointwise inequality
must be an earlier step).
"""

from __future__ import annotations

import sympy as sp

from .checker import Axiom, Condition
from .objects import KL

__all__ = [
    "AXIOMS",
    "FUBINI",
    "GIBBS",
    "GIBBS_DISCRETE",
    "INDUCTION_PRODUCT",
    "JENSEN",
    "KL_DEFINITION",
    "LINEARITY",
    "LOG_MONOTONE",
    "MONOTONE_INTEGRAL",
    "NORMALIZATION",
    "TERM_BELOW_SUM",
    "QUADRATIC_EXPECTATION",
    "EXPECTED_LOG_RATIO",
]

R = (-sp.oo, sp.oo)


def _integral(f: sp.Expr, *variables: sp.Symbol) -> sp.Integral:
    return sp.Integral(f, *[(v, *R) for v in variables])


def _kl_definition(f: sp.Lambda, g: sp.Lambda) -> sp.Basic:
    vs = f.signature
    return sp.Eq(KL(f, g), _integral(f(*vs) * sp.log(f(*vs) / g(*vs)), *vs))


KL_DEFINITION = Axiom(
    "definition of the KL divergence",
    r"For densities $q, p$: $\operatorname{KL}(q\,\|\,p) = \int q(z) \log\frac{q(z)}{p(z)}\,dz$.",
    _kl_definition,
    reference="Kullback and Leibler (1951)",
)


def _linearity(variables, coefficients=(), functions=(), summand=None) -> sp.Basic:
    """Finite list ``sum_k c_k f_k``, or ``summand=(c, f, (i, 1, N))`` for a symbolic sum."""
    if summand is not None:
        c, f, over = summand
        return sp.Eq(_integral(sp.Sum(c * f, over), *variables), sp.Sum(c * _integral(f, *variables), over))
    lhs = _integral(sum(c * f for c, f in zip(coefficients, functions)), *variables)
    rhs = sum(c * _integral(f, *variables) for c, f in zip(coefficients, functions))
    return sp.Eq(lhs, rhs)


def _linearity_conditions(variables, coefficients=(), functions=(), summand=None):
    cs = [summand[0]] if summand is not None else list(coefficients)
    return [
        Condition("coefficients do not depend on the variables", sp.Eq(sp.diff(c, v), 0))
        for c in cs
        for v in variables
    ]


LINEARITY = Axiom(
    "linearity of the integral",
    r"$\int \sum_k c_k f_k = \sum_k c_k \int f_k$ for constants $c_k$ and integrable $f_k$; "
    "the same for a finite sum with a symbolic number of terms.",
    _linearity,
    _linearity_conditions,
)


def _fubini(f: sp.Expr, g: sp.Expr, x: sp.Symbol, y: sp.Symbol) -> sp.Basic:
    return sp.Eq(_integral(f * g, x, y), _integral(f, x) * _integral(g, y))


FUBINI = Axiom(
    "Fubini's theorem",
    r"For integrable $f(x)$ and $g(y)$: $\iint f(x) g(y)\,dx\,dy = \int f\,dx \int g\,dy$.",
    _fubini,
    lambda f, g, x, y: [
        Condition("f depends on x only", sp.Eq(sp.diff(f, y), 0)),
        Condition("g depends on y only", sp.Eq(sp.diff(g, x), 0)),
    ],
)

NORMALIZATION = Axiom(
    "normalization of a density",
    r"A density integrates to one: $\int q(z)\,dz = 1$.",
    lambda f, variables: sp.Eq(_integral(f, *variables), 1),
)

MONOTONE_INTEGRAL = Axiom(
    "monotonicity of the integral",
    r"If $f(z) \ge g(z)$ for every $z$ then $\int f \ge \int g$.",
    lambda f, g, variables: sp.Ge(_integral(f, *variables), _integral(g, *variables)),
    lambda f, g, variables: [Condition("the pointwise inequality is established", sp.Ge(f, g))],
)


def _jensen(f: sp.Lambda, weight: sp.Lambda, point: sp.Lambda, i: sp.Symbol, n: sp.Expr) -> sp.Basic:
    return sp.Ge(
        sp.Sum(weight(i) * f(point(i)), (i, 1, n)),
        f(sp.Sum(weight(i) * point(i), (i, 1, n))),
    )


def _jensen_conditions(f, weight, point, i, n):
    (t,) = f.signature
    return [
        Condition("f is convex on its domain: f'' >= 0", sp.Ge(sp.diff(f.expr, t, 2), 0)),
        Condition("the points lie in the domain of f", sp.Ge(point(i), 0) if t.is_positive else sp.true),
        Condition("the weights are nonnegative", sp.Ge(weight(i), 0)),
        Condition("the weights sum to one", sp.Eq(sp.Sum(weight(i), (i, 1, n)), 1)),
    ]


JENSEN = Axiom(
    "Jensen's inequality",
    r"For $f$ convex on an interval, points $x_i$ in it and weights $\lambda_i \ge 0$ "
    r"with $\sum_i \lambda_i = 1$: $\sum_i \lambda_i f(x_i) \ge f\left(\sum_i \lambda_i x_i\right)$. "
    "Convexity is checked as a nonnegative second derivative.",
    _jensen,
    _jensen_conditions,
    reference="Jensen (1906)",
)

GIBBS = Axiom(
    "Gibbs' inequality",
    r"For densities $q, r$: $\operatorname{KL}(q\,\|\,r) \ge 0$.",
    lambda f, g: sp.Ge(KL(f, g), 0),
    reference="Cover and Thomas, Elements of Information Theory, Thm. 2.6.3",
)


def _gibbs_discrete(w: sp.Lambda, u: sp.Lambda, i: sp.Symbol, n: sp.Expr) -> sp.Basic:
    return sp.Ge(sp.Sum(w(i) * sp.log(w(i) / u(i)), (i, 1, n)), 0)


GIBBS_DISCRETE = Axiom(
    "Gibbs' inequality (finite)",
    r"For probability vectors $w, u$ with $u_i > 0$: $\sum_i w_i \log\frac{w_i}{u_i} \ge 0$.",
    _gibbs_discrete,
    lambda w, u, i, n: [
        Condition("w sums to one", sp.Eq(sp.Sum(w(i), (i, 1, n)), 1)),
        Condition("u sums to one", sp.Eq(sp.Sum(u(i), (i, 1, n)), 1)),
        Condition("u is positive", sp.Ge(u(i), 0)),
    ],
)

LOG_MONOTONE = Axiom(
    "monotonicity of the logarithm",
    r"If $a \ge b > 0$ then $\log a \ge \log b$.",
    lambda a, b: sp.Ge(sp.log(a), sp.log(b)),
    lambda a, b: [Condition("a >= b", sp.Ge(a, b)), Condition("b > 0", sp.Ge(b, 0))],
)

TERM_BELOW_SUM = Axiom(
    "a term of a sum of nonnegative terms is at most the sum",
    r"If $a_j \ge 0$ for every $j$ then $a_i \le \sum_j a_j$.",
    lambda a, i, j, n: sp.Le(a(i), sp.Sum(a(j), (j, 1, n))),
    lambda a, i, j, n: [Condition("terms nonnegative", sp.Ge(a(j), 0))],
)

INDUCTION_PRODUCT = Axiom(
    "induction on the number of coordinates",
    "A statement proved for a product of two independent blocks of coordinates, "
    "each block of any size, holds for d coordinates by splitting off one "
    "coordinate at a time.",
    lambda lhs, rhs: sp.Eq(lhs, rhs),
)

QUADRATIC_EXPECTATION = Axiom(
    "expectation of a quadratic form",
    r"For $z \sim \mathcal N(m, \Sigma)$ and a constant matrix $A$: "
    r"$\mathbb E[(z-a)^\top A (z-a)] = \operatorname{tr}(A\Sigma) + (m-a)^\top A (m-a)$.",
    lambda expectation, A, Sigma, m, a: sp.Eq(
        expectation, (A * Sigma).trace() + ((m - a).T * A * (m - a))[0, 0]
    ),
    reference="Petersen and Pedersen, The Matrix Cookbook, eq. (318)",
)

def _expected_log_ratio(kl, log_q, log_p, terms) -> sp.Basic:
    return sp.Eq(kl, sum(c * e for c, e, _ in terms))


def _expected_log_ratio_conditions(kl, log_q, log_p, terms):
    pointwise = sum(c * (1 if h is None else h) for c, _, h in terms)
    return [Condition("the log-density ratio splits into the stated terms", sp.Eq(log_q - log_p, pointwise))]


EXPECTED_LOG_RATIO = Axiom(
    "KL as an expected log-density ratio",
    r"$\operatorname{KL}(q\,\|\,p) = \mathbb E_q[\log q(z) - \log p(z)]$, and the "
    r"expectation of a sum $\sum_k c_k h_k(z)$ is $\sum_k c_k \mathbb E_q[h_k]$ "
    "(the definition and linearity of the integral). The pointwise split is checked by algebra.",
    _expected_log_ratio,
    _expected_log_ratio_conditions,
)

#: Every axiom, in the order the documents list them.
AXIOMS: tuple[Axiom, ...] = (
    KL_DEFINITION,
    LINEARITY,
    FUBINI,
    NORMALIZATION,
    MONOTONE_INTEGRAL,
    TERM_BELOW_SUM,
    LOG_MONOTONE,
    JENSEN,
    GIBBS,
    GIBBS_DISCRETE,
    EXPECTED_LOG_RATIO,
    QUADRATIC_EXPECTATION,
    INDUCTION_PRODUCT,
)
