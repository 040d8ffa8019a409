"""Moment matching and the diagonal approximation.

Theorems
--------
MOMENT_MATCHING
    If E_q̄[log(G/p)] = E_G[log(G/p)] then KL(q̄ || p) - KL(G || p) = KL(q̄ || G) >= 0.
MOMENTS_MATCH_1D
    For a mixture of univariate Gaussians, G = N(μ̄, s̄²) with the mixture's mean and
    variance and p = N(0, 1), the hypothesis of MOMENT_MATCHING holds: log(G/p) is
    quadratic and its expectation needs only the first two moments.
HADAMARD_2D
    KL(N(m, diag S) || N(0, I)) <= KL(N(m, S) || N(0, I)) for d = 2 (Hadamard's inequality).
"""

from __future__ import annotations

import sympy as sp

from . import axioms as ax
from .checker import Algebra, ByAxiom, ByTheorem, Combine, Integrate, Step, Theorem
from .gaussian import KL_FULL_COVARIANCE, KLNormal, _mean, _symmetric, full_covariance_closed_form, positive_definite
from .mixture import N, P, QBAR, R, i, kl, p, qbar, w
from .objects import density, gaussian_pdf, z

__all__ = ["MOMENT_MATCHING", "MOMENTS_MATCH_1D", "MOMENTS_MATCH_D", "HADAMARD_2D", "G", "GL", "GDIAG", "GDIAGL", "MATCH",
           "GAUSSIAN_MIXTURE_DEFINITIONS", "MBAR", "SBAR", "gaussian_mixture_definitions"]

G = density("G", "G")
GDIAG = density("Gdiag", r"G_{\mathrm{diag}}")
GL = sp.Lambda(z, G(z))
GDIAGL = sp.Lambda(z, GDIAG(z))

#: The moment condition: q̄ and G give log(G/p) the same expectation.
MATCH = sp.Eq(sp.Integral(qbar(z) * sp.log(G(z) / p(z)), R), sp.Integral(G(z) * sp.log(G(z) / p(z)), R))

MOMENT_MATCHING = Theorem(
    name="moment_matching",
    title="moment matching splits the aggregate KL",
    conclusion=(sp.Eq(kl(QBAR, P) - kl(GL, P), kl(QBAR, GL)), sp.Ge(kl(QBAR, P), kl(GL, P))),
    hypotheses={"match": MATCH},
    summary=r"$G$ is any density for which $\log(G/p)$ has the same expectation under $\bar q$ and under $G$; "
            r"for Gaussian $G$ and $p$, $\log(G/p)$ is quadratic, so matching the mean and covariance suffices.",
    steps=[
        Step("1", sp.Eq(sp.Integral(qbar(z) * sp.log(qbar(z) / p(z)), R),
                        sp.Integral(qbar(z) * sp.log(qbar(z) / G(z)), R) + sp.Integral(qbar(z) * sp.log(G(z) / p(z)), R)),
             ByAxiom(ax.LINEARITY, variables=(z,), coefficients=[1, 1],
                     functions=[qbar(z) * sp.log(qbar(z) / G(z)), qbar(z) * sp.log(G(z) / p(z))])),
        Step("2", sp.Eq(kl(QBAR, P), sp.Integral(qbar(z) * sp.log(qbar(z) / p(z)), R)),
             ByAxiom(ax.KL_DEFINITION, f=QBAR, g=P)),
        Step("3", sp.Eq(kl(QBAR, GL), sp.Integral(qbar(z) * sp.log(qbar(z) / G(z)), R)),
             ByAxiom(ax.KL_DEFINITION, f=QBAR, g=GL)),
        Step("4", sp.Eq(kl(GL, P), sp.Integral(G(z) * sp.log(G(z) / p(z)), R)), ByAxiom(ax.KL_DEFINITION, f=GL, g=P)),
        Step("5", sp.Eq(kl(QBAR, P) - kl(GL, P), kl(QBAR, GL)), Combine("2", "1", ("3", -1), "match", ("4", -1))),
        Step("6", sp.Ge(kl(QBAR, GL), 0), ByAxiom(ax.GIBBS, f=QBAR, g=GL)),
        Step("7", sp.Ge(kl(QBAR, P), kl(GL, P)), Combine("5", "6")),
    ],
)

# --- the moment condition in one dimension ----------------------------------
m = sp.IndexedBase("m", real=True)
v = sp.IndexedBase("v", positive=True)
mbar = sp.Symbol(r"\bar{\mu}", real=True)
s2bar = sp.Symbol(r"\bar{s}^{2}", positive=True)
_qi = gaussian_pdf(z, m[i], v[i])
_G1 = gaussian_pdf(z, mbar, s2bar)
_p1 = gaussian_pdf(z, 0, 1)
c0 = -sp.log(s2bar) / 2 - mbar**2 / (2 * s2bar)
c1 = mbar / s2bar
c2 = sp.Rational(1, 2) - 1 / (2 * s2bar)
_quad = c0 + c1 * z + c2 * z**2
_target = c0 + c1 * mbar + c2 * (s2bar + mbar**2)

MOMENTS_MATCH_1D = Theorem(
    name="moments_match_1d",
    title="a Gaussian with the mixture's mean and variance satisfies the moment condition",
    conclusion=sp.Eq(sp.Integral(qbar(z) * sp.log(_G1 / _p1), R), sp.Integral(_G1 * sp.log(_G1 / _p1), R)),
    hypotheses={
        "w": sp.Eq(sp.Sum(w[i], (i, 1, N)), 1),
        "mean": sp.Eq(mbar, sp.Sum(w[i] * m[i], (i, 1, N))),
        "variance": sp.Eq(s2bar + mbar**2, sp.Sum(w[i] * (v[i] + m[i] ** 2), (i, 1, N))),
    },
    definitions={qbar(z): sp.Sum(w[i] * _qi, (i, 1, N))},
    summary=r"$q_i = \mathcal N(m_i, v_i)$, $\bar q = \sum_i w_i q_i$, $G = \mathcal N(\bar\mu, \bar s^2)$ with the mean and variance of $\bar q$, $p = \mathcal N(0, 1)$.",
    steps=[
        Step("1", sp.Eq(sp.Integral(qbar(z) * sp.log(_G1 / _p1), R), sp.Integral(qbar(z) * _quad, R)), Algebra(),
             r"$\log(G/p)$ is a quadratic in $z$"),
        Step("2", sp.Eq(sp.Integral(qbar(z) * _quad, R),
                        c0 * sp.Integral(qbar(z), R) + c1 * sp.Integral(z * qbar(z), R) + c2 * sp.Integral(z**2 * qbar(z), R)),
             ByAxiom(ax.LINEARITY, variables=(z,), coefficients=[c0, c1, c2], functions=[qbar(z), z * qbar(z), z**2 * qbar(z)])),
        Step("3", sp.Eq(sp.Integral(qbar(z), R), 1), ByAxiom(ax.NORMALIZATION, f=sp.Lambda(z, qbar(z)))),
        Step("4", sp.Eq(sp.Integral(z * qbar(z), R), sp.Sum(w[i] * sp.Integral(z * _qi, R), (i, 1, N))),
             ByAxiom(ax.LINEARITY, variables=(z,), summand=(w[i], z * _qi, (i, 1, N)))),
        Step("5", sp.Eq(sp.Integral(z**2 * qbar(z), R), sp.Sum(w[i] * sp.Integral(z**2 * _qi, R), (i, 1, N))),
             ByAxiom(ax.LINEARITY, variables=(z,), summand=(w[i], z**2 * _qi, (i, 1, N)))),
        Step("6", sp.Eq(sp.Integral(z * _qi, R), m[i]), Integrate(), r"first moment of $q_i$"),
        Step("7", sp.Eq(sp.Integral(z**2 * _qi, R), v[i] + m[i] ** 2), Integrate(), r"second moment of $q_i$"),
        Step("8", sp.Eq(sp.Integral(qbar(z) * sp.log(_G1 / _p1), R), _target),
             Combine("1", "2", ("3", c0), ("4", c1), ("6", c1 * w[i], (i, 1, N)), ("mean", -c1),
                     ("5", c2), ("7", c2 * w[i], (i, 1, N)), ("variance", -c2))),
        Step("9", sp.Eq(sp.Integral(_G1 * sp.log(_G1 / _p1), R), _target), Integrate()),
        Step("10", sp.Eq(sp.Integral(qbar(z) * sp.log(_G1 / _p1), R), sp.Integral(_G1 * sp.log(_G1 / _p1), R)),
             Combine("8", ("9", -1))),
    ],
)

# --- Hadamard in two dimensions ---------------------------------------------
_S = _symmetric("S", 2)
_m2 = _mean(2)
_Sd = sp.ImmutableMatrix(sp.diag(_S[0, 0], _S[1, 1]))

HADAMARD_2D = Theorem(
    name="hadamard_2d",
    title="dropping the covariance lowers the KL to the standard normal (d = 2)",
    conclusion=sp.Ge(KLNormal(_m2, _S), KLNormal(_m2, _Sd)),
    hypotheses=positive_definite(_S),
    uses=(KL_FULL_COVARIANCE[2],),
    summary=r"Hadamard's inequality $\det S \le S_{11} S_{22}$ for a positive-definite $S$.",
    steps=[
        Step("1", sp.Eq(KLNormal(_m2, _S), full_covariance_closed_form(_m2, _S)), ByTheorem(KL_FULL_COVARIANCE[2], {})),
        Step("2", sp.Eq(KLNormal(_m2, _Sd), full_covariance_closed_form(_m2, _Sd)),
             ByTheorem(KL_FULL_COVARIANCE[2], {_S[0, 1]: sp.Integer(0)})),
        Step("3", sp.Ge(_S[0, 0] * _S[1, 1], _S.det(), evaluate=False), Algebra(), r"$\det S = S_{11} S_{22} - S_{12}^2$"),
        Step("4", sp.Ge(sp.log(_S[0, 0] * _S[1, 1]), sp.log(_S.det())),
             ByAxiom(ax.LOG_MONOTONE, a=_S[0, 0] * _S[1, 1], b=_S.det())),
        Step("5", sp.Ge(KLNormal(_m2, _S), KLNormal(_m2, _Sd)), Combine("1", ("2", -1), ("4", sp.Rational(1, 2)))),
    ],
)

# --- the moment condition in every dimension d, for N full-covariance components ---------------------------
from .axioms_matrix import GAUSSIAN_LOG_DENSITY_D, GAUSSIAN_LOG_INTEGRAL, MIXTURE_SECOND_MOMENT, QUADRATIC_EXPECTATION_D  # noqa: E402
from .covariance import A as _A, KL_GAUSSIANS_D, S as _S_d, diagonal_part, mean as _mean_d  # noqa: E402
from .covariance import prior_mean as _a  # noqa: E402
from .dimension import d  # noqa: E402
from .matrices import (ColumnFamily, Det, ExpectedForm, ExpectedLogDensity, Form, MixtureCov, MixtureMean,  # noqa: E402
                       NormalFull, SPDFamily, Tr)
from .mixture import WEIGHTS_SUM_TO_ONE, q  # noqa: E402

m_i = ColumnFamily("m", i, d)
S_i = SPDFamily("Sigma", i, d)
MEANS, COVS = sp.Lambda(i, m_i), sp.Lambda(i, S_i)
#: The mixture's mean and covariance.
MBAR = MixtureMean(w, MEANS, N)
SBAR = MixtureCov(w, MEANS, COVS, N)
_I, _0 = sp.Identity(d), sp.ZeroMatrix(d, 1)



def gaussian_mixture_definitions(prior_mean: sp.MatrixExpr, prior_cov: sp.MatrixExpr) -> dict:
    """q_i = N(m_i, Sigma_i) on R^d, their mixture, G = N(mbar, Sbar), its diagonal version, p = N(prior)."""
    return {
        qbar(z): sp.Sum(w[i] * NormalFull(m_i, S_i, z), (i, 1, N)),
        q(i, z): NormalFull(m_i, S_i, z),
        G(z): NormalFull(MBAR, SBAR, z),
        GDIAG(z): NormalFull(MBAR, diagonal_part(SBAR), z),
        p(z): NormalFull(prior_mean, prior_cov, z),
    }


#: The mixture of Gaussians with the standard normal prior p = N(0, I).
GAUSSIAN_MIXTURE_DEFINITIONS = gaussian_mixture_definitions(_0, _I)
_MOMENT_DEFINITIONS = {k: v for k, v in gaussian_mixture_definitions(_a, _A).items() if k != GDIAG(z)}

_lg, _lp = sp.log(G(z)), sp.log(p(z))
_F1 = sp.Sum(w[i] * q(i, z) * _lg, (i, 1, N))
_F2 = sp.Sum(w[i] * q(i, z) * _lp, (i, 1, N))
_eld_g, _eld_p = ExpectedLogDensity(MBAR, SBAR, m_i, S_i), ExpectedLogDensity(_a, _A, m_i, S_i)
_ef_g, _ef_p = ExpectedForm(SBAR.I, MBAR, m_i, S_i), ExpectedForm(_A.I, _a, m_i, S_i)
_log_2pi = d * sp.log(2 * sp.pi) / 2
_half = sp.Rational(1, 2)
#: E[log(G/p)] under G and, by the second moments, under the mixture.
_VALUE = _half * (Tr(_A.I * SBAR) + Form(MBAR - _a, _A.I, MBAR - _a) - d + sp.log(Det(_A)) - sp.log(Det(SBAR)))
_over = (i, 1, N)
_t1 = Tr(SBAR.I * S_i) + Form(m_i - MBAR, SBAR.I, m_i - MBAR)
_t2 = Tr(_A.I * S_i) + Form(m_i - _a, _A.I, m_i - _a)
_by_component = sp.Integral(q(i, z) * _lg, R) - sp.Integral(q(i, z) * _lp, R)

MOMENTS_MATCH_D = Theorem(
    name="moments_match_d",
    title="a Gaussian with the mixture's mean and covariance satisfies the moment condition, every dimension d",
    conclusion=MATCH,
    hypotheses={"w": WEIGHTS_SUM_TO_ONE},
    definitions=_MOMENT_DEFINITIONS,
    uses=(KL_GAUSSIANS_D,),
    summary=r"$q_i = \mathcal N(m_i, \Sigma_i)$ on $\mathbb R^d$ with $\Sigma_i$ symmetric positive definite, "
            r"$\bar q = \sum_{i=1}^N w_i q_i$, $G = \mathcal N(\bar\mu, \bar\Sigma)$ with the mean "
            r"$\bar\mu = \sum_i w_i m_i$ and covariance $\bar\Sigma = \sum_i w_i (\Sigma_i + m_i m_i^\top) - "
            r"\bar\mu\bar\mu^\top$ of $\bar q$, and any Gaussian prior $p = \mathcal N(a, A)$; every $d \ge 1$ and $N \ge 1$. "
            r"$\log(G/p)$ is a quadratic form in $z$, so its expectation needs only the first two moments.",
    steps=[
        Step("1", sp.Eq(sp.Integral(qbar(z) * sp.log(G(z) / p(z)), R), sp.Integral(_F1 - _F2, R)), Algebra(),
             r"$\bar q = \sum_i w_i q_i$ and $\log(G/p) = \log G - \log p$"),
        Step("2", sp.Eq(sp.Integral(_F1 - _F2, R), sp.Integral(_F1, R) - sp.Integral(_F2, R)),
             ByAxiom(ax.LINEARITY, variables=(z,), coefficients=[1, -1], functions=[_F1, _F2])),
        Step("3", sp.Eq(sp.Integral(_F1, R), sp.Sum(w[i] * sp.Integral(q(i, z) * _lg, R), _over)),
             ByAxiom(ax.LINEARITY, variables=(z,), summand=(w[i], q(i, z) * _lg, _over))),
        Step("4", sp.Eq(sp.Integral(_F2, R), sp.Sum(w[i] * sp.Integral(q(i, z) * _lp, R), _over)),
             ByAxiom(ax.LINEARITY, variables=(z,), summand=(w[i], q(i, z) * _lp, _over))),
        Step("5", sp.Eq(sp.Integral(q(i, z) * _lg, R), _eld_g),
             ByAxiom(GAUSSIAN_LOG_INTEGRAL, a=MBAR, A=SBAR, mean=m_i, cov=S_i, x=z)),
        Step("6", sp.Eq(sp.Integral(q(i, z) * _lp, R), _eld_p),
             ByAxiom(GAUSSIAN_LOG_INTEGRAL, a=_a, A=_A, mean=m_i, cov=S_i, x=z)),
        Step("7", sp.Eq(_eld_g, -_log_2pi - sp.log(Det(SBAR)) / 2 - _ef_g / 2),
             ByAxiom(GAUSSIAN_LOG_DENSITY_D, a=MBAR, A=SBAR, mean=m_i, cov=S_i)),
        Step("8", sp.Eq(_eld_p, -_log_2pi - sp.log(Det(_A)) / 2 - _ef_p / 2),
             ByAxiom(GAUSSIAN_LOG_DENSITY_D, a=_a, A=_A, mean=m_i, cov=S_i)),
        Step("9", sp.Eq(_ef_g, Tr(SBAR.I * S_i) + Form(m_i - MBAR, SBAR.I, m_i - MBAR)),
             ByAxiom(QUADRATIC_EXPECTATION_D, B=SBAR.I, a=MBAR, mean=m_i, cov=S_i)),
        Step("10", sp.Eq(_ef_p, _t2), ByAxiom(QUADRATIC_EXPECTATION_D, B=_A.I, a=_a, mean=m_i, cov=S_i)),
        Step("11", sp.Eq(sp.Sum(w[i] * _t1, _over), d),
             ByAxiom(MIXTURE_SECOND_MOMENT, weights=w, means=MEANS, covs=COVS, size=N, B=SBAR.I, a=MBAR, i=i),
             r"$\operatorname{tr}(\bar\Sigma^{-1}\bar\Sigma) = d$"),
        Step("12", sp.Eq(sp.Sum(w[i] * _t2, _over), Tr(_A.I * SBAR) + Form(MBAR - _a, _A.I, MBAR - _a)),
             ByAxiom(MIXTURE_SECOND_MOMENT, weights=w, means=MEANS, covs=COVS, size=N, B=_A.I, a=_a, i=i)),
        Step("13", sp.Eq(_by_component, (sp.log(Det(_A)) - sp.log(Det(SBAR))) / 2 - _t1 / 2 + _t2 / 2),
             Combine("5", ("6", -1), "7", ("8", -1), ("9", -_half), ("10", _half)), r"for each component $i$"),
        Step("14", sp.Eq(sp.Sum(w[i] * _by_component, _over),
                         (sp.log(Det(_A)) - sp.log(Det(SBAR))) / 2 * sp.Sum(w[i], _over) - sp.Sum(w[i] * _t1, _over) / 2
                         + sp.Sum(w[i] * _t2, _over) / 2),
             Combine(("13", w[i], _over))),
        Step("15", sp.Eq(sp.Integral(qbar(z) * sp.log(G(z) / p(z)), R), _VALUE),
             Combine("1", "2", "3", ("4", -1), "14", ("11", -_half), ("12", _half), ("w", (sp.log(Det(_A)) - sp.log(Det(SBAR))) / 2))),
        Step("16", sp.Eq(kl(GL, P), sp.Integral(G(z) * sp.log(G(z) / p(z)), R)), ByAxiom(ax.KL_DEFINITION, f=GL, g=P)),
        Step("17", sp.Eq(kl(GL, P), _VALUE), ByTheorem(KL_GAUSSIANS_D, {_S_d: SBAR, _mean_d: MBAR}),
             r"$G$ and $p$ are Gaussians on $\mathbb R^d$"),
        Step("18", MATCH, Combine("15", "16", ("17", -1))),
    ],
)
