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

__all__ = ["MOMENT_MATCHING", "MOMENTS_MATCH_1D", "HADAMARD_2D", "G", "GL", "GDIAG", "GDIAGL", "MATCH"]

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
