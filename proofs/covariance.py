"""Gaussians with a full covariance in every dimension d.

The covariances are d x d matrix symbols declared symmetric positive definite
(:class:`proofs.matrices.SPDMatrix`) for a positive integer symbol d; the
means are d x 1 matrix symbols.  Traces, determinants, quadratic forms and
expectations are opaque scalars (:mod:`proofs.matrices`): algebra only adds
and scales them, and every fact about them is a named axiom of
:mod:`proofs.axioms_matrix` whose side conditions the kernel checks (the
covariance is symmetric positive definite, the shapes agree with d, d is a
positive integer, summation indices are fresh).  Assumed, in words: the KL
divergence is the expected log-density ratio; the Gaussian log-density on R^d;
the expectation of a quadratic form; the trace and log-determinant of a
diagonal matrix; the squared norm of a column; S = D^(1/2) R D^(1/2) with the
correlation matrix R; the spectral theorem; and Jensen's inequality.  sympy's
canonical matrix simplifications (S^(-1) S = I, I S = S, m - m = 0, tr I = d,
det I = 1) are trusted, and S^(-1) may only be written for an S that is
symmetric positive definite by construction.

Theorems
--------
KL_GAUSSIANS_D
    KL(N(m, S) || N(a, A)) = 1/2 (tr(A^-1 S) + (m - a)' A^-1 (m - a) - d + log det A - log det S).
KL_FULL_COVARIANCE_D
    KL(N(m, S) || N(0, I)) = 1/2 (tr S + m'm - d - log det S), every d >= 1.
KL_FULL_TO_DIAGONAL_D
    With S = diag v and m = (m_1, ..., m_d), the same KL is the script's
    1/2 sum_j (v_j + m_j^2 - 1 - log v_j), and it equals the theorem ``kl_diagonal``'s KL.
HADAMARD_D
    log det S <= sum_j log S_jj (Hadamard's inequality), every d >= 1.
DROP_COVARIANCE_D
    KL(N(m, diag S) || N(0, I)) <= KL(N(m, S) || N(0, I)), every d >= 1.
DROP_COVARIANCE_PRIOR_D
    The same for a diagonal prior: KL(N(m, diag S) || N(a, diag v_p)) <= KL(N(m, S) || N(a, diag v_p)).
"""

from __future__ import annotations

import sympy as sp

from . import axioms as ax
from . import axioms_matrix as mx
from .checker import ByAxiom, ByTheorem, Combine, Step, Theorem
from .dimension import KL_DIAGONAL, SCRIPT_KL, d, diagonal_kl, j, m, v, v_p
from .axioms_matrix import gaussian
from .matrices import (Corr, Det, Diag, DiagEntry, Eigenvalue, ExpectedForm, ExpectedLogDensity, Form, RealMatrix, SPDMatrix,
                       Tr, Vec)
from .objects import KL

__all__ = ["KL_GAUSSIANS_D", "KL_FULL_COVARIANCE_D", "KL_FULL_TO_DIAGONAL_D", "HADAMARD_D", "DROP_COVARIANCE_D",
           "DROP_COVARIANCE_PRIOR_D", "PRIOR_DIAGONAL",
           "COVARIANCE_THEOREMS", "S", "A", "mean", "prior_mean", "kl_gaussians", "kl_standard_normal", "closed_form", "diagonal_part"]

S = SPDMatrix("Sigma", d)
A = SPDMatrix("A", d)
mean = RealMatrix("m", d, 1)
prior_mean = RealMatrix("a", d, 1)
I, ZERO = sp.Identity(d), sp.ZeroMatrix(d, 1)
half = sp.Rational(1, 2)


def kl_gaussians(mu: sp.MatrixExpr, cov: sp.MatrixExpr, a: sp.MatrixExpr, A: sp.MatrixExpr) -> KL:
    """KL(N(mu, cov) || N(a, A)) on R^d, unevaluated."""
    return KL(gaussian(mu, cov), gaussian(a, A))


def kl_standard_normal(mu: sp.MatrixExpr, cov: sp.MatrixExpr) -> KL:
    """KL(N(mu, cov) || N(0, I_d)), unevaluated."""
    return kl_gaussians(mu, cov, ZERO, I)


def closed_form(mu: sp.MatrixExpr, cov: sp.MatrixExpr) -> sp.Expr:
    """1/2 (tr cov + mu'mu - d - log det cov)."""
    return half * (Tr(cov) + Form(mu, I, mu) - d - sp.log(Det(cov)))


def diagonal_part(cov: sp.MatrixExpr) -> Diag:
    """diag(cov_11, ..., cov_dd)."""
    return Diag(sp.Lambda(j, DiagEntry(cov, j)), d)


# --- KL between two Gaussians on R^d ----------------------------------------------------------------------
_own = ExpectedLogDensity(mean, S, mean, S)
_prior = ExpectedLogDensity(prior_mean, A, mean, S)
_form_own = ExpectedForm(S.I, mean, mean, S)
_form_prior = ExpectedForm(A.I, prior_mean, mean, S)
_closed_two = half * (Tr(A.I * S) + Form(mean - prior_mean, A.I, mean - prior_mean) - d + sp.log(Det(A))
                      - sp.log(Det(S)))
_log_2pi = d * sp.log(2 * sp.pi) / 2

KL_GAUSSIANS_D = Theorem(
    name="kl_gaussians_d",
    title="KL divergence between two Gaussians with full covariances, every dimension d",
    conclusion=sp.Eq(kl_gaussians(mean, S, prior_mean, A), _closed_two),
    summary=r"$\Sigma$ and $A$ are $d \times d$ symmetric positive-definite matrices, $m$ and $a$ columns of "
            r"length $d$, for every integer $d \ge 1$; $z \sim q = \mathcal N(m, \Sigma)$.",
    steps=[
        Step("1", sp.Eq(kl_gaussians(mean, S, prior_mean, A), _own - _prior),
             ByAxiom(mx.KL_EXPECTED_LOG_RATIO_D, mean=mean, cov=S, prior_mean=prior_mean, prior_cov=A)),
        Step("2", sp.Eq(_own, -_log_2pi - sp.log(Det(S)) / 2 - _form_own / 2),
             ByAxiom(mx.GAUSSIAN_LOG_DENSITY_D, a=mean, A=S, mean=mean, cov=S)),
        Step("3", sp.Eq(_prior, -_log_2pi - sp.log(Det(A)) / 2 - _form_prior / 2),
             ByAxiom(mx.GAUSSIAN_LOG_DENSITY_D, a=prior_mean, A=A, mean=mean, cov=S)),
        Step("4", sp.Eq(_form_own, d), ByAxiom(mx.QUADRATIC_EXPECTATION_D, B=S.I, a=mean, mean=mean, cov=S),
             r"$\operatorname{tr}(\Sigma^{-1}\Sigma) = \operatorname{tr} I_d = d$ and $m - m = 0$"),
        Step("5", sp.Eq(_form_prior, Tr(A.I * S) + Form(mean - prior_mean, A.I, mean - prior_mean)),
             ByAxiom(mx.QUADRATIC_EXPECTATION_D, B=A.I, a=prior_mean, mean=mean, cov=S)),
        Step("6", sp.Eq(kl_gaussians(mean, S, prior_mean, A), _closed_two),
             Combine("1", "2", ("3", -1), ("4", -half), ("5", half))),
    ],
)

KL_FULL_COVARIANCE_D = Theorem(
    name="kl_full_covariance_d",
    title="KL divergence from a full-covariance Gaussian to the standard normal, every dimension d",
    conclusion=sp.Eq(kl_standard_normal(mean, S), closed_form(mean, S)),
    uses=(KL_GAUSSIANS_D,),
    summary=r"$\Sigma$ is a $d \times d$ symmetric positive-definite matrix and $m$ a column of length $d$, for "
            r"every integer $d \ge 1$.",
    steps=[
        Step("1", sp.Eq(kl_standard_normal(mean, S), closed_form(mean, S)),
             ByTheorem(KL_GAUSSIANS_D, {A: I, prior_mean: ZERO}),
             r"the prior is $\mathcal N(0, I)$: $\operatorname{tr}(I^{-1}\Sigma) = \operatorname{tr}\Sigma$, "
             r"$\log\det I = 0$"),
    ],
)

# --- the diagonal case is the script's KL ----------------------------------------------------------------
_v = sp.Lambda(j, v[j])
_m = sp.Lambda(j, m[j])
_diag, _vec = Diag(_v, d), Vec(_m, d)

KL_FULL_TO_DIAGONAL_D = Theorem(
    name="kl_full_to_diagonal_d",
    title="the full-covariance form reduces to the diagonal form, every dimension d",
    conclusion=(sp.Eq(kl_standard_normal(_vec, _diag), SCRIPT_KL),
                sp.Eq(kl_standard_normal(_vec, _diag), diagonal_kl(d))),
    uses=(KL_FULL_COVARIANCE_D, KL_DIAGONAL),
    summary=r"For $\Sigma = \operatorname{diag} v$ with $v_j > 0$ and $m = (m_1, \dots, m_d)$ the trace is a sum, "
            r"the log-determinant a sum of logs and $m^\top m$ a sum of squares; the result is the right side of "
            r"the theorem `kl_diagonal`, so the two derivations agree.",
    steps=[
        Step("1", sp.Eq(kl_standard_normal(_vec, _diag), closed_form(_vec, _diag)),
             ByTheorem(KL_FULL_COVARIANCE_D, {S: _diag, mean: _vec})),
        Step("2", sp.Eq(Tr(_diag), sp.Sum(v[j], (j, 1, d))), ByAxiom(mx.TRACE_DIAGONAL, f=_v, n=d, j=j)),
        Step("3", sp.Eq(sp.log(Det(_diag)), sp.Sum(sp.log(v[j]), (j, 1, d))),
             ByAxiom(mx.LOG_DET_DIAGONAL, f=_v, n=d, j=j)),
        Step("4", sp.Eq(Form(_vec, I, _vec), sp.Sum(m[j] ** 2, (j, 1, d))), ByAxiom(mx.SQUARED_NORM, f=_m, n=d, j=j)),
        Step("5", sp.Eq(kl_standard_normal(_vec, _diag), SCRIPT_KL),
             Combine("1", ("2", half), ("3", -half), ("4", half))),
        Step("6", sp.Eq(diagonal_kl(d), SCRIPT_KL), ByTheorem(KL_DIAGONAL, {})),
        Step("7", sp.Eq(kl_standard_normal(_vec, _diag), diagonal_kl(d)), Combine("5", ("6", -1))),
    ],
)

# --- Hadamard's inequality ---------------------------------------------------------------------------------
_R = Corr(S)
_lam = Eigenvalue(_R, j)
_t = sp.Symbol("t", positive=True)
_mean_eigenvalue = sp.Sum(_lam / d, (j, 1, d))
_log_diagonal = sp.Sum(sp.log(DiagEntry(S, j)), (j, 1, d))

HADAMARD_D = Theorem(
    name="hadamard_d",
    title="Hadamard's inequality, every dimension d",
    conclusion=sp.Le(sp.log(Det(S)), _log_diagonal),
    summary=r"$\det \Sigma \le \prod_j \Sigma_{jj}$ for a $d \times d$ symmetric positive-definite $\Sigma$. With the "
            r"correlation matrix $R_\Sigma$ ($\Sigma = D^{1/2} R_\Sigma D^{1/2}$, $D = \operatorname{diag}\Sigma$): "
            r"$\det R_\Sigma \le (\operatorname{tr} R_\Sigma / d)^d = 1$ by the inequality of arithmetic and "
            r"geometric means over its eigenvalues, which is Jensen's inequality for $-\log$.",
    steps=[
        Step("1", sp.Eq(Tr(_R), sp.Sum(_lam, (j, 1, d))), ByAxiom(mx.SPECTRAL_TRACE, A=_R, j=j)),
        Step("2", sp.Eq(Tr(_R), d), ByAxiom(mx.CORRELATION_TRACE, A=S)),
        Step("3", sp.Le(_mean_eigenvalue, 1), Combine(("1", 1 / d), ("2", -1 / d)),
             "the mean eigenvalue of a correlation matrix is one"),
        Step("4", sp.Ge(sp.log(1), sp.log(_mean_eigenvalue)), ByAxiom(ax.LOG_MONOTONE, a=sp.Integer(1), b=_mean_eigenvalue)),
        Step("5", sp.Ge(sp.Sum(-sp.log(_lam) / d, (j, 1, d)), -sp.log(_mean_eigenvalue)),
             ByAxiom(ax.JENSEN, f=sp.Lambda(_t, -sp.log(_t)), weight=sp.Lambda(j, 1 / d), point=sp.Lambda(j, _lam),
                     i=j, n=d), r"$-\log$ is convex; the weights are $1/d$"),
        Step("6", sp.Eq(sp.log(Det(_R)), sp.Sum(sp.log(_lam), (j, 1, d))), ByAxiom(mx.SPECTRAL_LOG_DET, A=_R, j=j)),
        Step("7", sp.Le(sp.log(Det(_R)), 0), Combine(("6", -1), ("5", d), ("4", d)), r"$\log\det R_\Sigma \le 0$"),
        Step("8", sp.Eq(sp.log(Det(S)), sp.log(Det(_R)) + _log_diagonal), ByAxiom(mx.CORRELATION_LOG_DET, A=S, j=j)),
        Step("9", sp.Le(sp.log(Det(S)), _log_diagonal), Combine(("8", -1), "7")),
    ],
)

_Sd = diagonal_part(S)

DROP_COVARIANCE_D = Theorem(
    name="drop_covariance_d",
    title="dropping the covariance lowers the KL to the standard normal, every dimension d",
    conclusion=sp.Le(kl_standard_normal(mean, _Sd), kl_standard_normal(mean, S)),
    uses=(KL_FULL_COVARIANCE_D, HADAMARD_D),
    summary=r"$\operatorname{diag}\Sigma$ keeps the variances of $\Sigma$ and drops its covariances; the trace "
            r"and $m^\top m$ are unchanged and the log-determinant can only grow (Hadamard).",
    steps=[
        Step("1", sp.Eq(kl_standard_normal(mean, S), closed_form(mean, S)), ByTheorem(KL_FULL_COVARIANCE_D, {})),
        Step("2", sp.Eq(kl_standard_normal(mean, _Sd), closed_form(mean, _Sd)),
             ByTheorem(KL_FULL_COVARIANCE_D, {S: _Sd})),
        Step("3", sp.Eq(Tr(_Sd), sp.Sum(DiagEntry(S, j), (j, 1, d))),
             ByAxiom(mx.TRACE_DIAGONAL, f=sp.Lambda(j, DiagEntry(S, j)), n=d, j=j)),
        Step("4", sp.Eq(Tr(S), sp.Sum(DiagEntry(S, j), (j, 1, d))), ByAxiom(mx.TRACE_DEFINITION, A=S, j=j)),
        Step("5", sp.Eq(sp.log(Det(_Sd)), _log_diagonal),
             ByAxiom(mx.LOG_DET_DIAGONAL, f=sp.Lambda(j, DiagEntry(S, j)), n=d, j=j)),
        Step("6", sp.Le(sp.log(Det(S)), _log_diagonal), ByTheorem(HADAMARD_D, {})),
        Step("7", sp.Le(kl_standard_normal(mean, _Sd), kl_standard_normal(mean, S)),
             Combine("1", ("2", -1), ("3", -half), ("4", half), ("5", half), ("6", half))),
    ],
)

# --- the same for a diagonal prior N(a, diag v_p) --------------------------------------------------------
_vp = sp.Lambda(j, v_p[j])
PRIOR_DIAGONAL = Diag(_vp, d)


def _kl_to_diagonal_prior(cov: sp.MatrixExpr) -> sp.Expr:
    """KL(N(m, cov) || N(a, diag v_p)) in closed form (the theorem ``kl_gaussians_d``)."""
    D_inv = PRIOR_DIAGONAL.I
    return half * (Tr(D_inv * cov) + Form(mean - prior_mean, D_inv, mean - prior_mean) - d
                   + sp.log(Det(PRIOR_DIAGONAL)) - sp.log(Det(cov)))


DROP_COVARIANCE_PRIOR_D = Theorem(
    name="drop_covariance_prior_d",
    title="dropping the covariance lowers the KL to a diagonal Gaussian prior, every dimension d",
    conclusion=sp.Le(kl_gaussians(mean, _Sd, prior_mean, PRIOR_DIAGONAL), kl_gaussians(mean, S, prior_mean, PRIOR_DIAGONAL)),
    uses=(KL_GAUSSIANS_D, HADAMARD_D),
    summary=r"The prior is $\mathcal N(a, \operatorname{diag} v_p)$ with $v_{p,j} > 0$: its inverse covariance is "
            r"diagonal, so $\operatorname{tr}(\operatorname{diag}(v_p)^{-1} \Sigma)$ sees only the variances of "
            r"$\Sigma$, and the log-determinant can only grow (Hadamard).",
    steps=[
        Step("1", sp.Eq(kl_gaussians(mean, S, prior_mean, PRIOR_DIAGONAL), _kl_to_diagonal_prior(S)),
             ByTheorem(KL_GAUSSIANS_D, {A: PRIOR_DIAGONAL})),
        Step("2", sp.Eq(kl_gaussians(mean, _Sd, prior_mean, PRIOR_DIAGONAL), _kl_to_diagonal_prior(_Sd)),
             ByTheorem(KL_GAUSSIANS_D, {A: PRIOR_DIAGONAL, S: _Sd})),
        Step("3", sp.Eq(Tr(PRIOR_DIAGONAL.I * S), Tr(PRIOR_DIAGONAL.I * _Sd)),
             ByAxiom(mx.DIAGONAL_WEIGHT_TRACE, f=_vp, n=d, X=S, j=j)),
        Step("4", sp.Eq(sp.log(Det(_Sd)), _log_diagonal),
             ByAxiom(mx.LOG_DET_DIAGONAL, f=sp.Lambda(j, DiagEntry(S, j)), n=d, j=j)),
        Step("5", sp.Le(sp.log(Det(S)), _log_diagonal), ByTheorem(HADAMARD_D, {})),
        Step("6", sp.Le(kl_gaussians(mean, _Sd, prior_mean, PRIOR_DIAGONAL), kl_gaussians(mean, S, prior_mean, PRIOR_DIAGONAL)),
             Combine("1", ("2", -1), ("3", half), ("4", half), ("5", half))),
    ],
)

#: In checking order.
COVARIANCE_THEOREMS: tuple[Theorem, ...] = (KL_GAUSSIANS_D, KL_FULL_COVARIANCE_D, KL_FULL_TO_DIAGONAL_D, HADAMARD_D,
                                            DROP_COVARIANCE_D, DROP_COVARIANCE_PRIOR_D)
