"""Assumed principles about Gaussians and matrices of symbolic size d.

Registered with the rest of :data:`proofs.axioms.AXIOMS`.  Each axiom builds
its one relation from matrix expressions (:mod:`proofs.matrices`) and checks,
at every use: every covariance is symmetric positive definite by construction
(:func:`proofs.matrices.spd`), every shape agrees with the dimension n of the
covariance (n x n matrices, n x 1 columns), n is a positive integer, and a
summation index is an integer symbol that occurs in nothing it is summed
against.  The expectations and traces are built by the schema, never passed in.

What is assumed, in words: the KL divergence between two Gaussians on R^n is
the expectation of the log-density ratio; the log-density of N(a, A) on R^n;
the expectation of a quadratic form; the trace is the sum of the diagonal
entries; the trace and the log-determinant of a diagonal matrix; the squared
norm of a column; the factorization S = D^(1/2) R D^(1/2) with the correlation
matrix R (whose diagonal is one); and the spectral theorem (the trace and the
log-determinant of a symmetric positive-definite matrix are the sum of its
eigenvalues and of their logarithms).
"""

from __future__ import annotations

import sympy as sp

from .kernel import Axiom, Condition, Param, subst
from .matrices import (ColumnFamily, Corr, Det, Diag, DiagEntry, Eigenvalue, ExpectedForm, ExpectedLogDensity, Form,
                       MixtureCov, MixtureMean, NormalFull, SPDFamily, Tr, Vec, column_size, spd, square_size)
from .objects import KL, z

__all__ = ["MATRIX_AXIOMS", "KL_EXPECTED_LOG_RATIO_D", "GAUSSIAN_LOG_DENSITY_D", "QUADRATIC_EXPECTATION_D",
           "TRACE_DEFINITION", "TRACE_DIAGONAL", "LOG_DET_DIAGONAL", "SQUARED_NORM", "CORRELATION_LOG_DET",
           "CORRELATION_TRACE", "SPECTRAL_TRACE", "SPECTRAL_LOG_DET", "GAUSSIAN_LOG_INTEGRAL", "MIXTURE_SECOND_MOMENT",
           "DIAGONAL_WEIGHT_TRACE", "gaussian"]


def gaussian(mean: sp.Expr, cov: sp.Expr, x: sp.Symbol = z) -> sp.Lambda:
    """The density of N(mean, cov) on R^n as a function of the block x."""
    return sp.Lambda(x, NormalFull(mean, cov, x))


def _at(f: sp.Lambda, t: sp.Expr) -> sp.Expr:
    """``f(t)`` by capture-free substitution."""
    return subst(f.expr, {f.signature[0]: t})


def _size(cov) -> sp.Expr:
    n = square_size(cov)
    if n is None:
        raise ValueError(f"{cov} is not a square matrix")
    return n


def _dimension(n) -> list[Condition]:
    return [Condition("the dimension is an integer", "integer", (n,)),
            Condition("the dimension is at least 1", "holds", (sp.Ge(n, 1),))]


def _spd(A, role: str) -> Condition:
    return Condition(f"{role} is symmetric positive definite by construction", "check", (spd(A),))


def _columns(n, **columns) -> list[Condition]:
    return [Condition(f"{name} is a column of length {n}", "check", (column_size(x) == n,)) for name, x in columns.items()]


def _squares(n, **squares) -> list[Condition]:
    return [Condition(f"{name} is {n} x {n}", "check", (square_size(A) == n,)) for name, A in squares.items()]


def _index(j, *outside) -> list[Condition]:
    return [Condition("the summation index is an integer symbol", "check",
                      (isinstance(j, sp.Symbol) and j.is_integer is True,)),
            Condition("the summation index occurs in nothing it is summed against", "check",
                      (not any(_occurs(j, e) for e in outside),))]


def _occurs(j: sp.Symbol, e) -> bool:
    """``j`` is free in ``e`` (bound variables do not count; the size of a matrix symbol does)."""
    e = sp.sympify(e)
    return j in e.free_symbols or any(j in sp.sympify(n).free_symbols for M in e.atoms(sp.MatrixSymbol) for n in M.shape)


def _gaussians(mean, cov, prior_mean, prior_cov) -> list[Condition]:
    n = _size(cov)
    return [*_dimension(n), _spd(cov, "the covariance"), _spd(prior_cov, "the prior's covariance"),
            *_squares(n, prior_covariance=prior_cov), *_columns(n, mean=mean, prior_mean=prior_mean),
            Condition("the means and covariances are free of the point z", "check",
                      (not any(_occurs(z, e) for e in (mean, cov, prior_mean, prior_cov)),))]


KL_EXPECTED_LOG_RATIO_D = Axiom(
    "KL between Gaussians on $\\mathbb R^n$ as an expected log-density ratio",
    r"For $q = \mathcal N(m, S)$ and $p = \mathcal N(a, A)$ on $\mathbb R^n$ with $S, A$ symmetric positive definite: "
    r"$\operatorname{KL}(q\,\|\,p) = \mathbb E_q[\log q(z)] - \mathbb E_q[\log p(z)]$ (the definition of the KL "
    "divergence and linearity of the expectation).",
    (Param("mean", "matrix_expr"), Param("cov", "matrix_expr"), Param("prior_mean", "matrix_expr"),
     Param("prior_cov", "matrix_expr")),
    lambda mean, cov, prior_mean, prior_cov: sp.Eq(
        KL(gaussian(mean, cov), gaussian(prior_mean, prior_cov)),
        ExpectedLogDensity(mean, cov, mean, cov) - ExpectedLogDensity(prior_mean, prior_cov, mean, cov)),
    _gaussians,
    reference="Kullback and Leibler (1951)",
)


def _log_density(a, A, mean, cov) -> sp.Basic:
    n = _size(A)
    return sp.Eq(ExpectedLogDensity(a, A, mean, cov),
                 -n * sp.log(2 * sp.pi) / 2 - sp.log(Det(A)) / 2 - ExpectedForm(A.I, a, mean, cov) / 2)


GAUSSIAN_LOG_DENSITY_D = Axiom(
    "the Gaussian log-density on $\\mathbb R^n$",
    r"$\log \mathcal N(z; a, A) = -\frac n2 \log(2\pi) - \frac12 \log\det A - \frac12 (z - a)^\top A^{-1} (z - a)$ "
    r"for $A$ symmetric positive definite; so, for $z \sim \mathcal N(m, S)$, "
    r"$\mathbb E[\log \mathcal N(z; a, A)] = -\frac n2 \log(2\pi) - \frac12 \log\det A - \frac12 "
    r"\mathbb E[(z - a)^\top A^{-1} (z - a)]$.",
    (Param("a", "matrix_expr"), Param("A", "matrix_expr"), Param("mean", "matrix_expr"), Param("cov", "matrix_expr")),
    _log_density,
    lambda a, A, mean, cov: _gaussians(mean, cov, a, A),
)


def _quadratic(B, a, mean, cov) -> sp.Basic:
    return sp.Eq(ExpectedForm(B, a, mean, cov), Tr(B * cov) + Form(mean - a, B, mean - a))


QUADRATIC_EXPECTATION_D = Axiom(
    "expectation of a quadratic form on $\\mathbb R^n$",
    r"For $z \sim \mathcal N(m, S)$ on $\mathbb R^n$ and constant $B$ ($n \times n$) and $a$ ($n \times 1$): "
    r"$\mathbb E[(z-a)^\top B (z-a)] = \operatorname{tr}(B S) + (m-a)^\top B (m-a)$.",
    (Param("B", "matrix_expr"), Param("a", "matrix_expr"), Param("mean", "matrix_expr"), Param("cov", "matrix_expr")),
    _quadratic,
    lambda B, a, mean, cov: [*_dimension(_size(cov)), _spd(cov, "the covariance"), *_squares(_size(cov), B=B),
                             *_columns(_size(cov), a=a, mean=mean)],
    reference="Petersen and Pedersen, The Matrix Cookbook, eq. (318)",
)

TRACE_DEFINITION = Axiom(
    "the trace is the sum of the diagonal",
    r"For an $n \times n$ matrix $A$: $\operatorname{tr} A = \sum_{j=1}^n A_{jj}$.",
    (Param("A", "matrix_expr"), Param("j", "symbol")),
    lambda A, j: sp.Eq(Tr(A), sp.Sum(DiagEntry(A, j), (j, 1, _size(A)))),
    lambda A, j: [*_dimension(_size(A)), *_index(j, A, _size(A))],
)


def _diagonal(f: sp.Lambda, n, j, g=lambda t: t):
    return sp.Sum(g(_at(f, j)), (j, 1, n))


TRACE_DIAGONAL = Axiom(
    "the trace of a diagonal matrix",
    r"$\operatorname{tr} \operatorname{diag}(f_1, \dots, f_n) = \sum_{j=1}^n f_j$.",
    (Param("f", "lambda"), Param("n", "integer"), Param("j", "symbol")),
    lambda f, n, j: sp.Eq(Tr(Diag(f, n)), _diagonal(f, n, j)),
    lambda f, n, j: [*_dimension(n), *_index(j, f, n), Condition("the entries are real", "real", (f,))],
)

LOG_DET_DIAGONAL = Axiom(
    "the log-determinant of a positive diagonal matrix",
    r"For $f_j > 0$: $\log \det \operatorname{diag}(f_1, \dots, f_n) = \sum_{j=1}^n \log f_j$.",
    (Param("f", "lambda"), Param("n", "integer"), Param("j", "symbol")),
    lambda f, n, j: sp.Eq(sp.log(Det(Diag(f, n))), _diagonal(f, n, j, sp.log)),
    lambda f, n, j: [*_dimension(n), *_index(j, f, n),
                     Condition("the entries are positive", "generic", (f, "gt"))],
)

SQUARED_NORM = Axiom(
    "the squared norm of a column",
    r"For real $f_j$: $(f_1, \dots, f_n)(f_1, \dots, f_n)^\top$ is $\sum_{j=1}^n f_j^2$.",
    (Param("f", "lambda"), Param("n", "integer"), Param("j", "symbol")),
    lambda f, n, j: sp.Eq(Form(Vec(f, n), sp.Identity(n), Vec(f, n)), _diagonal(f, n, j, lambda t: t ** 2)),
    lambda f, n, j: [*_dimension(n), *_index(j, f, n), Condition("the entries are real", "real", (f,))],
)

CORRELATION_LOG_DET = Axiom(
    "the determinant through the correlation matrix",
    r"For $A$ symmetric positive definite, $D = \operatorname{diag}(A_{11}, \dots, A_{nn})$ and the correlation "
    r"matrix $R_A = D^{-1/2} A D^{-1/2}$: $A = D^{1/2} R_A D^{1/2}$, so "
    r"$\log\det A = \log\det R_A + \sum_{j=1}^n \log A_{jj}$.",
    (Param("A", "matrix_expr"), Param("j", "symbol")),
    lambda A, j: sp.Eq(sp.log(Det(A)), sp.log(Det(Corr(A))) + sp.Sum(sp.log(DiagEntry(A, j)), (j, 1, _size(A)))),
    lambda A, j: [*_dimension(_size(A)), _spd(A, "A"), *_index(j, A, _size(A))],
)

CORRELATION_TRACE = Axiom(
    "the diagonal of a correlation matrix is one",
    r"For $A$ symmetric positive definite on $\mathbb R^n$: $(R_A)_{jj} = A_{jj} / A_{jj} = 1$, so "
    r"$\operatorname{tr} R_A = n$.",
    (Param("A", "matrix_expr"),),
    lambda A: sp.Eq(Tr(Corr(A)), _size(A)),
    lambda A: [*_dimension(_size(A)), _spd(A, "A")],
)

_SPECTRAL = (r"For $A$ symmetric positive definite on $\mathbb R^n$ with eigenvalues "
             r"$0 < \lambda_1(A) \le \dots \le \lambda_n(A)$ (spectral theorem): ")

SPECTRAL_TRACE = Axiom(
    "the trace is the sum of the eigenvalues",
    _SPECTRAL + r"$\operatorname{tr} A = \sum_{j=1}^n \lambda_j(A)$.",
    (Param("A", "matrix_expr"), Param("j", "symbol")),
    lambda A, j: sp.Eq(Tr(A), sp.Sum(Eigenvalue(A, j), (j, 1, _size(A)))),
    lambda A, j: [*_dimension(_size(A)), _spd(A, "A"), *_index(j, A, _size(A))],
    reference="the spectral theorem for symmetric matrices",
)

SPECTRAL_LOG_DET = Axiom(
    "the log-determinant is the sum of the log-eigenvalues",
    _SPECTRAL + r"$\log\det A = \sum_{j=1}^n \log \lambda_j(A)$.",
    (Param("A", "matrix_expr"), Param("j", "symbol")),
    lambda A, j: sp.Eq(sp.log(Det(A)), sp.Sum(sp.log(Eigenvalue(A, j)), (j, 1, _size(A)))),
    lambda A, j: [*_dimension(_size(A)), _spd(A, "A"), *_index(j, A, _size(A))],
    reference="the spectral theorem for symmetric matrices",
)

GAUSSIAN_LOG_INTEGRAL = Axiom(
    "the expected Gaussian log-density as an integral",
    r"For Gaussian densities $\mathcal N(m, S)$ and $\mathcal N(a, A)$ on $\mathbb R^n$: "
    r"$\int \mathcal N(z; m, S) \log \mathcal N(z; a, A)\,dz = \mathbb E_{z \sim \mathcal N(m, S)}"
    r"[\log \mathcal N(z; a, A)]$ (the definition of the expectation; $z$ stands for the $n$ coordinates).",
    (Param("a", "matrix_expr"), Param("A", "matrix_expr"), Param("mean", "matrix_expr"), Param("cov", "matrix_expr"),
     Param("x", "symbol")),
    lambda a, A, mean, cov, x: sp.Eq(sp.Integral(NormalFull(mean, cov, x) * sp.log(NormalFull(a, A, x)), (x, -sp.oo, sp.oo)),
                                     ExpectedLogDensity(a, A, mean, cov)),
    lambda a, A, mean, cov, x: [*_gaussians(mean, cov, a, A),
                                Condition("N(m, S) is a density", "density", (gaussian(mean, cov, x),)),
                                Condition("N(a, A) is a density", "density", (gaussian(a, A, x),))],
)


def _second_moment(weights, means, covs, size, B, a, i) -> sp.Basic:
    m_i, S_i = _at(means, i), _at(covs, i)
    mbar, Sbar = MixtureMean(weights, means, size), MixtureCov(weights, means, covs, size)
    return sp.Eq(sp.Sum(weights[i] * (Tr(B * S_i) + Form(m_i - a, B, m_i - a)), (i, 1, size)),
                 Tr(B * Sbar) + Form(mbar - a, B, mbar - a))


def _second_moment_conditions(weights, means, covs, size, B, a, i):
    n = means.expr.shape[0] if _is_family(means, ColumnFamily) else None
    return [
        Condition("the weights are an indexed base; the means and covariances families", "check",
                  (isinstance(weights, sp.IndexedBase) and _is_family(means, ColumnFamily) and
                   _is_family(covs, SPDFamily),)),
        Condition("the covariances have the means' size", "check", (n is not None and square_size(covs.expr) == n,)),
        *_squares(n, B=B), *_columns(n, a=a),
        Condition("the number of components is an integer", "integer", (size,)),
        Condition("there is at least one component", "holds", (sp.Ge(size, 1),)),
        Condition("the weights are nonnegative", "generic", (sp.Lambda(i, weights[i]), "ge")),
        Condition("the weights sum to one", "holds", (sp.Eq(sp.Sum(weights[i], (i, 1, size)), 1),)),
        *_index(i, B, a, size, weights, means, covs),
    ]


def _is_family(f, cls) -> bool:
    return isinstance(f, sp.Lambda) and len(f.signature) == 1 and isinstance(f.expr, cls) and \
        f.expr.args[1] == f.signature[0]


MIXTURE_SECOND_MOMENT = Axiom(
    "the second moments of a mixture",
    r"For the mixture $\bar q = \sum_{i=1}^N w_i \mathcal N(m_i, S_i)$ on $\mathbb R^n$ with $w_i \ge 0$, "
    r"$\sum_i w_i = 1$, its mean $\bar\mu = \sum_i w_i m_i$ and covariance "
    r"$\bar\Sigma = \sum_i w_i (S_i + m_i m_i^\top) - \bar\mu \bar\mu^\top$: "
    r"$\sum_i w_i [S_i + (m_i - a)(m_i - a)^\top] = \bar\Sigma + (\bar\mu - a)(\bar\mu - a)^\top$, so for "
    r"$n \times n$ $B$: $\sum_i w_i [\operatorname{tr}(B S_i) + (m_i - a)^\top B (m_i - a)] = "
    r"\operatorname{tr}(B \bar\Sigma) + (\bar\mu - a)^\top B (\bar\mu - a)$.",
    (Param("weights", "expr"), Param("means", "lambda"), Param("covs", "lambda"), Param("size", "integer"),
     Param("B", "matrix_expr"), Param("a", "matrix_expr"), Param("i", "symbol")),
    _second_moment,
    _second_moment_conditions,
)

DIAGONAL_WEIGHT_TRACE = Axiom(
    "a diagonal weight sees only the diagonal",
    r"For $D = \operatorname{diag}(f_1, \dots, f_n)$ with $f_j > 0$ and an $n \times n$ matrix $X$: "
    r"$\operatorname{tr}(D^{-1} X) = \sum_j X_{jj} / f_j = \operatorname{tr}(D^{-1} \operatorname{diag} X)$.",
    (Param("f", "lambda"), Param("n", "integer"), Param("X", "matrix_expr"), Param("j", "symbol")),
    lambda f, n, X, j: sp.Eq(Tr(Diag(f, n).I * X), Tr(Diag(f, n).I * Diag(sp.Lambda(j, DiagEntry(X, j)), n))),
    lambda f, n, X, j: [*_dimension(n), *_squares(n, X=X), *_index(j, X, n),
                        Condition("the entries are positive", "generic", (f, "gt"))],
)

#: In the order the documents list them.
MATRIX_AXIOMS = (KL_EXPECTED_LOG_RATIO_D, GAUSSIAN_LOG_DENSITY_D, GAUSSIAN_LOG_INTEGRAL, QUADRATIC_EXPECTATION_D,
                 MIXTURE_SECOND_MOMENT, TRACE_DEFINITION,
                 TRACE_DIAGONAL, LOG_DET_DIAGONAL, DIAGONAL_WEIGHT_TRACE, SQUARED_NORM, CORRELATION_LOG_DET, CORRELATION_TRACE,
                 SPECTRAL_TRACE, SPECTRAL_LOG_DET)
