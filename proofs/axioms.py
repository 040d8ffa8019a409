"""The assumed principles every derivation may cite, each by name, as data for the kernel.

An axiom is not proved here.  Each has typed parameters (:class:`Param`), a
schema that builds the one relation it licenses from those parameters, and
side conditions (:class:`Condition`) that the kernel proves at every use:
densities are densities, weights are nonnegative and sum to one, index ranges
are nonempty, a convex function is convex on the whole domain of its
variable, ``b > 0`` is proved strictly, and every object the statement
speaks of (a KL term, an expectation) is built by the schema itself from the
parameters, never passed in.  The set is registered with the kernel and
sealed: no other axiom can be cited.
"""

from __future__ import annotations

import sympy as sp

from .axioms_dimension import DIAGONAL_ONE_COORDINATE, DIAGONAL_SPLIT, SUM_LAST_TERM, SUM_ONE_TERM
from .axioms_matrix import MATRIX_AXIOMS
from .kernel import Axiom, Condition, Param, register_axioms
from .objects import KL, GaussianExpectation, KLNormal

__all__ = [
    "AXIOMS",
    "DIAGONAL_ONE_COORDINATE",
    "DIAGONAL_SPLIT",
    "DIMENSION_AXIOMS",
    "EXPECTED_LOG_RATIO",
    "FUBINI",
    "GIBBS",
    "GIBBS_DISCRETE",
    "JENSEN",
    "KL_DEFINITION",
    "KLNormal",
    "LINEARITY",
    "LOG_MONOTONE",
    "MATRIX_AXIOMS",
    "MONOTONE_INTEGRAL",
    "NORMALIZATION",
    "QUADRATIC_EXPECTATION",
    "SUM_LAST_TERM",
    "SUM_ONE_TERM",
    "TERM_BELOW_SUM",
    "gaussian_log_density",
]

R = (-sp.oo, sp.oo)


def _integral(f: sp.Expr, *variables: sp.Symbol) -> sp.Integral:
    return sp.Integral(f, *[(v, *R) for v in variables])


def _holds(description: str, rel: sp.Basic) -> Condition:
    return Condition(description, "holds", (rel,))


def _kl_definition(f: sp.Lambda, g: sp.Lambda) -> sp.Basic:
    vs = f.signature
    return sp.Eq(KL(f, g), _integral(f(*vs) * sp.log(f(*vs) / g(*vs)), *vs))


KL_DEFINITION = Axiom(
    "definition of the KL divergence",
    r"For densities $q, p$: $\operatorname{KL}(q\,\|\,p) = \int q(z) \log\frac{q(z)}{p(z)}\,dz$.",
    (Param("f", "lambda"), Param("g", "lambda")),
    _kl_definition,
    lambda f, g: [Condition("f is a density", "density", (f,)), Condition("g is a density", "density", (g,)),
                  Condition("f and g have the same number of variables", "check",
                            (len(f.signature) == len(g.signature),))],
    reference="Kullback and Leibler (1951)",
)


def _linearity(variables, coefficients=(), functions=(), summand=None) -> sp.Basic:
    """Finite list ``sum_k c_k f_k``, or ``summand=(c, f, (i, 1, N))`` for a symbolic sum."""
    if summand is not None:
        c, f, over = summand
        return sp.Eq(_integral(sp.Sum(c * f, over), *variables), sp.Sum(c * _integral(f, *variables), over))
    if len(coefficients) != len(functions) or not functions:
        raise ValueError("one coefficient per function, at least one")
    lhs = _integral(sum(c * f for c, f in zip(coefficients, functions)), *variables)
    rhs = sum(c * _integral(f, *variables) for c, f in zip(coefficients, functions))
    return sp.Eq(lhs, rhs)


def _linearity_conditions(variables, coefficients=(), functions=(), summand=None):
    cs = [summand[0]] if summand is not None else list(coefficients)
    out = [Condition("the coefficients do not depend on the variables", "free", (c, tuple(variables))) for c in cs]
    if summand is not None:
        i, lo, hi = summand[2]
        out.append(Condition("the summation index is an integer", "integer", (i,)))
        out.append(Condition("the bounds do not depend on the variables", "free", (sp.Tuple(lo, hi), tuple(variables))))
        out.append(Condition("the sum is finite (finite bounds)", "check",
                             (sp.sympify(lo).is_finite is True and sp.sympify(hi).is_finite is True,)))
    return out


LINEARITY = Axiom(
    "linearity of the integral",
    r"$\int \sum_k c_k f_k = \sum_k c_k \int f_k$ for constants $c_k$ and integrable $f_k$; "
    "the same for a finite sum with a symbolic number of terms.",
    (Param("variables", "variables"), Param("coefficients", "terms"), Param("functions", "terms"),
     Param("summand", "terms")),
    _linearity,
    _linearity_conditions,
)


FUBINI = Axiom(
    "Fubini's theorem",
    r"For integrable $f(x)$ and $g(y)$: $\iint f(x) g(y)\,dx\,dy = \int f\,dx \int g\,dy$.",
    (Param("f", "expr"), Param("g", "expr"), Param("x", "symbol"), Param("y", "symbol")),
    lambda f, g, x, y: sp.Eq(_integral(f * g, x, y), _integral(f, x) * _integral(g, y)),
    lambda f, g, x, y: [
        Condition("f does not depend on y", "free", (f, (y,))),
        Condition("g does not depend on x", "free", (g, (x,))),
        Condition("x and y are different variables", "check", (x != y,)),
    ],
)

NORMALIZATION = Axiom(
    "normalization of a density",
    r"A density integrates to one: $\int q(z)\,dz = 1$.",
    (Param("f", "lambda"),),
    lambda f: sp.Eq(_integral(f(*f.signature), *f.signature), 1),
    lambda f: [Condition("f is a density", "density", (f,))],
)

MONOTONE_INTEGRAL = Axiom(
    "monotonicity of the integral",
    r"If $f(z) \ge g(z)$ for every $z$ then $\int f \ge \int g$.",
    (Param("f", "expr"), Param("g", "expr"), Param("variables", "variables")),
    lambda f, g, variables: sp.Ge(_integral(f, *variables), _integral(g, *variables)),
    lambda f, g, variables: [
        Condition("the pointwise inequality is an earlier fact about variables no hypothesis pins down",
                  "pointwise", (sp.Ge(f, g), tuple(variables))),
    ],
)


def _jensen(f: sp.Lambda, weight: sp.Lambda, point: sp.Lambda, i: sp.Symbol, n: sp.Expr) -> sp.Basic:
    return sp.Ge(
        sp.Sum(weight(i) * f(point(i)), (i, 1, n)),
        f(sp.Sum(weight(i) * point(i), (i, 1, n))),
    )


def _jensen_conditions(f, weight, point, i, n):
    (t,) = f.signature
    return [
        Condition("f is real with f'' finite and >= 0 on the whole domain of its variable", "convex", (f,)),
        Condition("every point is real", "real", (point,)),
        Condition("every point lies in the domain of f (the assumptions of its variable)", "maps_into", (point, t)),
        Condition("the weights are nonnegative", "generic", (weight, "ge")),
        Condition("the index is an integer", "integer", (i,)),
        _holds("the range is nonempty", sp.Ge(n, 1)),
        _holds("the weights sum to one", sp.Eq(sp.Sum(weight(i), (i, 1, n)), 1)),
    ]


JENSEN = Axiom(
    "Jensen's inequality",
    r"For $f$ convex on an interval, points $x_i$ in it and weights $\lambda_i \ge 0$ "
    r"with $\sum_i \lambda_i = 1$: $\sum_i \lambda_i f(x_i) \ge f\left(\sum_i \lambda_i x_i\right)$. "
    "Convexity is checked as a nonnegative second derivative on the whole domain of f's variable.",
    (Param("f", "lambda"), Param("weight", "lambda"), Param("point", "lambda"), Param("i", "symbol"),
     Param("n", "integer")),
    _jensen,
    _jensen_conditions,
    reference="Jensen (1906)",
)

GIBBS = Axiom(
    "Gibbs' inequality",
    r"For densities $q, r$: $\operatorname{KL}(q\,\|\,r) \ge 0$.",
    (Param("f", "lambda"), Param("g", "lambda")),
    lambda f, g: sp.Ge(KL(f, g), 0),
    lambda f, g: [Condition("f is a density", "density", (f,)), Condition("g is a density", "density", (g,))],
    reference="Cover and Thomas, Elements of Information Theory, Thm. 2.6.3",
)


def _gibbs_discrete(w: sp.Lambda, u: sp.Lambda, i: sp.Symbol, n: sp.Expr) -> sp.Basic:
    return sp.Ge(sp.Sum(w(i) * sp.log(w(i) / u(i)), (i, 1, n)), 0)


GIBBS_DISCRETE = Axiom(
    "Gibbs' inequality (finite)",
    r"For probability vectors $w, u$ with $w_i > 0$, $u_i > 0$: $\sum_i w_i \log\frac{w_i}{u_i} \ge 0$.",
    (Param("w", "lambda"), Param("u", "lambda"), Param("i", "symbol"), Param("n", "integer")),
    _gibbs_discrete,
    lambda w, u, i, n: [
        Condition("the index is an integer", "integer", (i,)),
        _holds("the range is nonempty", sp.Ge(n, 1)),
        Condition("w is positive", "generic", (w, "gt")),
        Condition("u is positive", "generic", (u, "gt")),
        _holds("w sums to one", sp.Eq(sp.Sum(w(i), (i, 1, n)), 1)),
        _holds("u sums to one", sp.Eq(sp.Sum(u(i), (i, 1, n)), 1)),
    ],
)

LOG_MONOTONE = Axiom(
    "monotonicity of the logarithm",
    r"If $a \ge b > 0$ then $\log a \ge \log b$.",
    (Param("a", "expr"), Param("b", "expr")),
    lambda a, b: sp.Ge(sp.log(a), sp.log(b)),
    lambda a, b: [_holds("a >= b", sp.Ge(a, b)), _holds("b > 0", sp.Gt(b, 0))],
)

TERM_BELOW_SUM = Axiom(
    "a term of a sum of nonnegative terms is at most the sum",
    r"If $a_j \ge 0$ for every $j$ and $1 \le i \le n$ then $a_i \le \sum_{j=1}^n a_j$.",
    (Param("a", "lambda"), Param("i", "expr"), Param("j", "symbol"), Param("n", "integer")),
    lambda a, i, j, n: sp.Le(a(i), sp.Sum(a(j), (j, 1, n))),
    lambda a, i, j, n: [
        Condition("terms nonnegative", "generic", (a, "ge")),
        Condition("the index i is in 1..n", "range", (i, 1, n)),
    ],
)


def gaussian_log_density(point: sp.MatrixBase, mean: sp.MatrixBase, cov: sp.MatrixBase) -> sp.Expr:
    """log N(point; mean, cov) for column vectors and a matrix (dimension from the shapes)."""
    dim = cov.shape[0]
    diff = point - mean
    return -sp.Rational(dim, 2) * sp.log(2 * sp.pi) - sp.log(cov.det()) / 2 - (diff.T * cov.inv() * diff)[0, 0] / 2


def _expected_log_ratio(point, mean, cov, terms) -> sp.Basic:
    return sp.Eq(KLNormal(mean, cov), sum(c * (GaussianExpectation(h, point, mean, cov) if h != 1 else 1)
                                          for c, h in terms))


def _expected_log_ratio_conditions(point, mean, cov, terms):
    dim = cov.shape[0]
    log_ratio = gaussian_log_density(point, mean, cov) - gaussian_log_density(point, sp.zeros(dim, 1), sp.eye(dim))
    return [
        Condition("the covariance is symmetric positive definite (leading minors > 0)", "pd", (cov,)),
        Condition("point, mean and covariance have matching shapes", "check",
                  (point.shape == mean.shape == (dim, 1) and cov.shape == (dim, dim),)),
        Condition("the point is a column of distinct real symbols", "check",
                  (len(set(point)) == dim and all(isinstance(s, sp.Symbol) and s.is_real for s in point),)),
        Condition("mean and covariance do not depend on the point", "free", (sp.Tuple(*mean, *cov), tuple(point))),
        *[Condition("the coefficients do not depend on the point", "free", (c, tuple(point))) for c, _ in terms],
        _holds("the log-density ratio is the stated combination", sp.Eq(log_ratio, sum(c * h for c, h in terms))),
    ]


EXPECTED_LOG_RATIO = Axiom(
    "KL as an expected log-density ratio",
    r"For $q = \mathcal N(m, S)$ and $p = \mathcal N(0, I)$: $\operatorname{KL}(q\,\|\,p) = \mathbb E_q[\log q(z) - \log p(z)]$, "
    r"and the expectation of $\sum_k c_k h_k(z)$ is $\sum_k c_k \mathbb E_q[h_k]$ for constants $c_k$ "
    "(the definition, linearity and normalization). The log-densities are built from m and S; "
    "the pointwise split is checked by algebra.",
    (Param("point", "matrix"), Param("mean", "matrix"), Param("cov", "matrix"), Param("terms", "terms")),
    _expected_log_ratio,
    _expected_log_ratio_conditions,
)


def _quadratic(point, mean, cov, A, a) -> sp.Basic:
    form = ((point - a).T * A * (point - a))[0, 0]
    return sp.Eq(GaussianExpectation(form, point, mean, cov), (A * cov).trace() + ((mean - a).T * A * (mean - a))[0, 0])


QUADRATIC_EXPECTATION = Axiom(
    "expectation of a quadratic form",
    r"For $z \sim \mathcal N(m, \Sigma)$ and a constant matrix $A$: "
    r"$\mathbb E[(z-a)^\top A (z-a)] = \operatorname{tr}(A\Sigma) + (m-a)^\top A (m-a)$.",
    (Param("point", "matrix"), Param("mean", "matrix"), Param("cov", "matrix"), Param("A", "matrix"),
     Param("a", "matrix")),
    _quadratic,
    lambda point, mean, cov, A, a: [
        Condition("the covariance is symmetric positive definite (leading minors > 0)", "pd", (cov,)),
        Condition("A, a, mean and covariance do not depend on the point", "free",
                  (sp.Tuple(*A, *a, *mean, *cov), tuple(point))),
        Condition("the point is a column of distinct real symbols", "check",
                  (len(set(point)) == len(point) and all(isinstance(s, sp.Symbol) and s.is_real for s in point),)),
        Condition("shapes match", "check", (point.shape == mean.shape == a.shape and A.shape == cov.shape
                                             == (point.shape[0], point.shape[0]),)),
    ],
    reference="Petersen and Pedersen, The Matrix Cookbook, eq. (318)",
)

DIMENSION_AXIOMS = (SUM_ONE_TERM, SUM_LAST_TERM, DIAGONAL_ONE_COORDINATE, DIAGONAL_SPLIT)

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
    *DIMENSION_AXIOMS,
    *MATRIX_AXIOMS,
)

register_axioms(AXIOMS)
