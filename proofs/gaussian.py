"""Closed forms of the KL divergence between Gaussians, derived from the integral.

Theorems
--------
KL_TWO_GAUSSIANS
    KL(N(mu1, s1^2) || N(mu2, s2^2)), one dimension, by evaluating the integral.
KL_STANDARD
    KL(N(mu, sigma^2) || N(0, 1)) = (sigma^2 + mu^2 - 1 - log sigma^2) / 2.
KL_PRODUCT
    The KL of two product densities is the sum of the factors' KLs.
KL_FULL_COVARIANCE
    (tr S + m'm - d - log det S) / 2 for d = 2 and 3 with symbolic matrices, and
    its reduction to the diagonal form.
"""

from __future__ import annotations

import sympy as sp

from . import axioms as ax
from .checker import Algebra, ByAxiom, ByTheorem, Combine, Integrate, Step, Theorem
from .objects import KL, GaussianExpectation, KLNormal, density, gaussian_pdf, z

__all__ = [
    "KL_FULL_COVARIANCE",
    "KL_FULL_TO_DIAGONAL",
    "KLNormal",
    "full_covariance_closed_form",
    "positive_definite",
    "KL_PRODUCT",
    "KL_STANDARD",
    "KL_TWO_GAUSSIANS",
    "kl_full_covariance",
]

R = (z, -sp.oo, sp.oo)

# --- one dimension, two Gaussians -----------------------------------------
mu1, mu2 = sp.symbols("mu_1 mu_2", real=True)
s1, s2 = sp.symbols("sigma_1 sigma_2", positive=True)
_q = sp.Lambda(z, gaussian_pdf(z, mu1, s1**2))
_p = sp.Lambda(z, gaussian_pdf(z, mu2, s2**2))
_log_ratio = sp.expand(sp.log(s2 / s1) - (z - mu1) ** 2 / (2 * s1**2) + (z - mu2) ** 2 / (2 * s2**2))
_closed_two = sp.Rational(1, 2) * (s1**2 / s2**2 + (mu1 - mu2) ** 2 / s2**2 - 1 + sp.log(s2**2 / s1**2))

KL_TWO_GAUSSIANS = Theorem(
    name="kl_two_gaussians",
    title="KL divergence between two univariate Gaussians",
    conclusion=sp.Eq(KL(_q, _p), _closed_two),
    summary="The closed form follows from the definition by evaluating one Gaussian integral.",
    steps=[
        Step("1", sp.Eq(KL(_q, _p), sp.Integral(_q(z) * sp.log(_q(z) / _p(z)), R)),
             ByAxiom(ax.KL_DEFINITION, f=_q, g=_p)),
        Step("2", sp.Eq(sp.Integral(_q(z) * sp.log(_q(z) / _p(z)), R), sp.Integral(_q(z) * _log_ratio, R)),
             Algebra(), "the log-ratio of two Gaussian densities is a quadratic in z"),
        Step("3", sp.Eq(sp.Integral(_q(z) * _log_ratio, R), _closed_two), Integrate()),
        Step("4", sp.Eq(KL(_q, _p), _closed_two), Combine("1", "2", "3")),
    ],
)

mu = sp.Symbol("mu", real=True)
sigma = sp.Symbol("sigma", positive=True)
_qs = sp.Lambda(z, gaussian_pdf(z, mu, sigma**2))
_std = sp.Lambda(z, gaussian_pdf(z, 0, 1))
_closed_std = sp.Rational(1, 2) * (sigma**2 + mu**2 - 1 - sp.log(sigma**2))

KL_STANDARD = Theorem(
    name="kl_standard",
    title="KL divergence from a univariate Gaussian to the standard normal",
    conclusion=sp.Eq(KL(_qs, _std), _closed_std),
    uses=(KL_TWO_GAUSSIANS,),
    steps=[
        Step("1", sp.Eq(KL(_qs, _std), _closed_std),
             ByTheorem(KL_TWO_GAUSSIANS, {mu1: mu, s1: sigma, mu2: sp.Integer(0), s2: sp.Integer(1)}),
             r"the second Gaussian is $\mathcal N(0, 1)$"),
    ],
)

# --- products of independent coordinates ----------------------------------
x, y = sp.symbols("x y", real=True)
f1, f2 = density("f1", "f_1"), density("f2", "f_2")
g1, g2 = density("g1", "g_1"), density("g2", "g_2")
_F = sp.Lambda((x, y), f1(x) * f2(y))
_G = sp.Lambda((x, y), g1(x) * g2(y))
_Rx, _Ry = (x, -sp.oo, sp.oo), (y, -sp.oo, sp.oo)
_a = f1(x) * sp.log(f1(x) / g1(x))
_b = f2(y) * sp.log(f2(y) / g2(y))
_I1, _I2 = sp.Integral(_a, _Rx), sp.Integral(_b, _Ry)
_kl1, _kl2 = KL(sp.Lambda(x, f1(x)), sp.Lambda(x, g1(x))), KL(sp.Lambda(y, f2(y)), sp.Lambda(y, g2(y)))

KL_PRODUCT = Theorem(
    name="kl_product",
    title="KL divergence of product densities",
    conclusion=sp.Eq(KL(_F, _G), _kl1 + _kl2),
    summary=r"$x$ and $y$ may be blocks of coordinates of any size.",
    steps=[
        Step("1", sp.Eq(KL(_F, _G), sp.Integral(_F(x, y) * sp.log(_F(x, y) / _G(x, y)), _Rx, _Ry)),
             ByAxiom(ax.KL_DEFINITION, f=_F, g=_G)),
        Step("2", sp.Eq(sp.Integral(_F(x, y) * sp.log(_F(x, y) / _G(x, y)), _Rx, _Ry),
                        sp.Integral(_a * f2(y) + f1(x) * _b, _Rx, _Ry)),
             Algebra(), "the log of a product is the sum of the logs"),
        Step("3", sp.Eq(sp.Integral(_a * f2(y) + f1(x) * _b, _Rx, _Ry),
                        sp.Integral(_a * f2(y), _Rx, _Ry) + sp.Integral(f1(x) * _b, _Rx, _Ry)),
             ByAxiom(ax.LINEARITY, coefficients=[1, 1], functions=[_a * f2(y), f1(x) * _b], variables=(x, y))),
        Step("4", sp.Eq(sp.Integral(_a * f2(y), _Rx, _Ry), _I1 * sp.Integral(f2(y), _Ry)),
             ByAxiom(ax.FUBINI, f=_a, g=f2(y), x=x, y=y)),
        Step("5", sp.Eq(sp.Integral(f1(x) * _b, _Rx, _Ry), sp.Integral(f1(x), _Rx) * _I2),
             ByAxiom(ax.FUBINI, f=f1(x), g=_b, x=x, y=y)),
        Step("6", sp.Eq(sp.Integral(f2(y), _Ry), 1), ByAxiom(ax.NORMALIZATION, f=sp.Lambda(y, f2(y)))),
        Step("7", sp.Eq(sp.Integral(f1(x), _Rx), 1), ByAxiom(ax.NORMALIZATION, f=sp.Lambda(x, f1(x)))),
        Step("8", sp.Eq(_kl1, _I1), ByAxiom(ax.KL_DEFINITION, f=sp.Lambda(x, f1(x)), g=sp.Lambda(x, g1(x)))),
        Step("9", sp.Eq(_kl2, _I2), ByAxiom(ax.KL_DEFINITION, f=sp.Lambda(y, f2(y)), g=sp.Lambda(y, g2(y)))),
        Step("10", sp.Eq(KL(_F, _G), _kl1 + _kl2),
             Combine("1", "2", "3", "4", "5", ("6", _I1), ("7", _I2), ("8", -1), ("9", -1))),
    ],
)

# --- full covariance --------------------------------------------------------
def _symmetric(name: str, dim: int) -> sp.ImmutableMatrix:
    entries = {}
    for r in range(dim):
        for c in range(r, dim):
            kw = {"positive": True} if r == c else {"real": True}
            entries[r, c] = entries[c, r] = sp.Symbol(f"{name}_{r + 1}{c + 1}", **kw)
    return sp.ImmutableMatrix(dim, dim, lambda r, c: entries[r, c])


def full_covariance_closed_form(mean: sp.MatrixBase, cov: sp.MatrixBase) -> sp.Expr:
    """(tr S + m'm - d - log det S) / 2."""
    dim = cov.shape[0]
    return sp.Rational(1, 2) * (cov.trace() + (mean.T * mean)[0, 0] - dim - sp.log(cov.det()))


def _mean(dim: int) -> sp.ImmutableMatrix:
    return sp.ImmutableMatrix([sp.Symbol(f"m_{k + 1}", real=True) for k in range(dim)])


def positive_definite(S: sp.MatrixBase) -> dict[str, sp.Basic]:
    """Hypotheses: the leading principal minors of order 2..d are positive (Sylvester); order 1 is an assumption."""
    return {("pd" if k == S.shape[0] else f"minor{k}"): sp.Gt(S[:k, :k].det(), 0) for k in range(2, S.shape[0] + 1)}


def kl_full_covariance(dim: int) -> Theorem:
    """The full-covariance closed form in ``dim`` dimensions."""
    S = _symmetric("S", dim)
    mean = _mean(dim)
    zs = sp.ImmutableMatrix([sp.Symbol(f"z_{k + 1}", real=True) for k in range(dim)])
    Sinv = sp.ImmutableMatrix(S.inv())
    form1 = ((zs - mean).T * Sinv * (zs - mean))[0, 0]
    form2 = (zs.T * zs)[0, 0]
    e1 = GaussianExpectation(form1, zs, mean, S)
    e2 = GaussianExpectation(form2, zs, mean, S)
    kl = KLNormal(mean, S)
    zero = sp.ImmutableMatrix(sp.zeros(dim, 1))
    closed = full_covariance_closed_form(mean, S)
    return Theorem(
        name=f"kl_full_covariance_{dim}",
        title=f"KL divergence from a full-covariance Gaussian to the standard normal (d = {dim})",
        conclusion=sp.Eq(kl, closed),
        summary=r"$S$ is a symbolic symmetric positive-definite matrix; $z \sim q = \mathcal N(m, S)$.",
        hypotheses=positive_definite(S),
        steps=[
            Step("1", sp.Eq(kl, -sp.log(S.det()) / 2 - e1 / 2 + e2 / 2),
                 ByAxiom(ax.EXPECTED_LOG_RATIO, point=zs, mean=mean, cov=S,
                         terms=[(-sp.log(S.det()) / 2, 1), (-sp.Rational(1, 2), form1), (sp.Rational(1, 2), form2)]),
                 "the log-density ratio is a constant plus two quadratic forms"),
            Step("2", sp.Eq(e1, (Sinv * S).trace()),
                 ByAxiom(ax.QUADRATIC_EXPECTATION, point=zs, mean=mean, cov=S, A=Sinv, a=mean)),
            Step("3", sp.Eq(e2, S.trace() + (mean.T * mean)[0, 0]),
                 ByAxiom(ax.QUADRATIC_EXPECTATION, point=zs, mean=mean, cov=S,
                         A=sp.ImmutableMatrix(sp.eye(dim)), a=zero)),
            Step("4", sp.Eq(kl, closed), Combine("1", ("2", -sp.Rational(1, 2)), ("3", sp.Rational(1, 2))),
                 r"$\operatorname{tr}(S^{-1} S) = d$"),
        ],
    )


def kl_full_to_diagonal(dim: int, full: Theorem) -> Theorem:
    """With S = diag(v) the full-covariance form is the diagonal (script's) form."""
    S = _symmetric("S", dim)
    mean = _mean(dim)
    vs = [sp.Symbol(f"v_{k + 1}", positive=True) for k in range(dim)]
    diag = sp.ImmutableMatrix(sp.diag(*vs))
    diag_form = sp.Rational(1, 2) * sum(vs[k] + mean[k] ** 2 - 1 - sp.log(vs[k]) for k in range(dim))
    return Theorem(
        name=f"kl_full_to_diagonal_{dim}",
        title=f"The full-covariance form reduces to the diagonal form (d = {dim})",
        conclusion=sp.Eq(KLNormal(mean, diag), diag_form),
        uses=(full,),
        steps=[
            Step("1", sp.Eq(KLNormal(mean, diag), diag_form),
                 ByTheorem(full, {S[r, c]: diag[r, c] for r in range(dim) for c in range(r, dim)}),
                 r"for $S = \operatorname{diag}(v)$ the trace is a sum and the log-determinant a sum of logs"),
        ],
    )


KL_FULL_COVARIANCE = {dim: kl_full_covariance(dim) for dim in (2, 3)}
KL_FULL_TO_DIAGONAL = {dim: kl_full_to_diagonal(dim, KL_FULL_COVARIANCE[dim]) for dim in (2, 3)}
