"""The exact gap: avg KL - KL(q̄ || p) is the mutual information I(i; z).

Theorems
--------
GAP_IDENTITY
    Σ_i w_i KL(q_i || p) - KL(q̄ || p) = Σ_i w_i KL(q_i || q̄)
    (Hoffman and Johnson 2016, "ELBO surgery").
GAP_NONNEGATIVE
    Σ_i w_i KL(q_i || q̄) >= 0 (Gibbs), a second proof of the script's claim.
MI_BELOW_ENTROPY
    Σ_i w_i KL(q_i || q̄) <= H(w) = -Σ_i w_i log w_i.
ENTROPY_BELOW_LOG_N
    H(w) <= log N.
"""

from __future__ import annotations

import sympy as sp

from . import axioms as ax
from .checker import Algebra, ByAxiom, Combine, Step, Theorem
from .mixture import (MIXTURE_DEFINITIONS, N, P, Q, QBAR, R, WEIGHTS_SUM_TO_ONE, avg_kl, entropy_w, i, j,
                      kl, p, q, qbar, w)
from .objects import z

__all__ = ["GAP_IDENTITY", "GAP_NONNEGATIVE", "MI_BELOW_ENTROPY", "ENTROPY_BELOW_LOG_N", "MUTUAL_INFORMATION"]

#: I(i; z) = Σ_i w_i KL(q_i || q̄).
MUTUAL_INFORMATION = sp.Sum(w[i] * kl(Q, QBAR), (i, 1, N))

_to_p = q(i, z) * sp.log(q(i, z) / p(z))
_to_qbar = q(i, z) * sp.log(q(i, z) / qbar(z))
_cross = q(i, z) * sp.log(qbar(z) / p(z))

GAP_IDENTITY = Theorem(
    name="gap_identity",
    title="the gap is the mutual information",
    conclusion=sp.Eq(avg_kl - kl(QBAR, P), MUTUAL_INFORMATION),
    hypotheses={"w": WEIGHTS_SUM_TO_ONE},
    definitions=MIXTURE_DEFINITIONS,
    summary=r"Hoffman and Johnson (2016), ELBO surgery. $\bar q = \sum_i w_i q_i$ with $\sum_i w_i = 1$; "
            r"the prior $p$ is any density ($\mathcal N(0, I)$ and $\mathcal N(\mu_p, \operatorname{diag} v_p)$ alike).",
    steps=[
        Step("1", sp.Eq(sp.log(q(i, z) / p(z)), sp.log(q(i, z) / qbar(z)) + sp.log(qbar(z) / p(z))), Algebra(),
             r"split the log-ratio at $\bar q$"),
        Step("2", sp.Eq(sp.Integral(_to_p, R), sp.Integral(_to_qbar, R) + sp.Integral(_cross, R)),
             ByAxiom(ax.LINEARITY, variables=(z,), coefficients=[1, 1], functions=[_to_qbar, _cross])),
        Step("3", sp.Eq(sp.Sum(w[i] * sp.Integral(_cross, R), (i, 1, N)),
                        sp.Integral(sp.Sum(w[i] * _cross, (i, 1, N)), R)),
             ByAxiom(ax.LINEARITY, variables=(z,), summand=(w[i], _cross, (i, 1, N)))),
        Step("4", sp.Eq(sp.Integral(sp.Sum(w[i] * _cross, (i, 1, N)), R),
                        sp.Integral(qbar(z) * sp.log(qbar(z) / p(z)), R)),
             Algebra(), r"$\sum_i w_i q_i = \bar q$, and $\log(\bar q/p)$ does not depend on $i$"),
        Step("5", sp.Eq(kl(Q, P), sp.Integral(_to_p, R)), ByAxiom(ax.KL_DEFINITION, f=Q, g=P)),
        Step("6", sp.Eq(kl(Q, QBAR), sp.Integral(_to_qbar, R)), ByAxiom(ax.KL_DEFINITION, f=Q, g=QBAR)),
        Step("7", sp.Eq(kl(QBAR, P), sp.Integral(qbar(z) * sp.log(qbar(z) / p(z)), R)),
             ByAxiom(ax.KL_DEFINITION, f=QBAR, g=P)),
        Step("8", sp.Eq(avg_kl - kl(QBAR, P), MUTUAL_INFORMATION),
             Combine(("5", w[i], (i, 1, N)), ("2", w[i], (i, 1, N)), ("6", -w[i], (i, 1, N)), "3", "4",
                     ("7", -1))),
    ],
)

GAP_NONNEGATIVE = Theorem(
    name="gap_nonnegative",
    title="the mutual information is nonnegative",
    conclusion=sp.Ge(MUTUAL_INFORMATION, 0),
    summary=r"Each $\operatorname{KL}(q_i \| \bar q)$ is nonnegative and the weights are positive.",
    steps=[
        Step("1", sp.Ge(kl(Q, QBAR), 0), ByAxiom(ax.GIBBS, f=Q, g=QBAR)),
        Step("2", sp.Ge(MUTUAL_INFORMATION, 0), Combine(("1", w[i], (i, 1, N)))),
    ],
)

_wq = w[i] * q(i, z)
MI_BELOW_ENTROPY = Theorem(
    name="mi_below_entropy",
    title="the mutual information is at most the entropy of the weights",
    conclusion=sp.Le(MUTUAL_INFORMATION, entropy_w),
    hypotheses={"w": WEIGHTS_SUM_TO_ONE},
    definitions=MIXTURE_DEFINITIONS,
    ranges={i: (1, N)},
    summary=r"Because $w_i q_i(z) \le \bar q(z)$, $\log(q_i/\bar q) \le -\log w_i$ at every point.",
    steps=[
        Step("1", sp.Le(_wq, qbar(z)),
             ByAxiom(ax.TERM_BELOW_SUM, a=sp.Lambda(j, w[j] * q(j, z)), i=i, j=i, n=N)),
        Step("2", sp.Ge(sp.log(qbar(z)), sp.log(_wq)), ByAxiom(ax.LOG_MONOTONE, a=qbar(z), b=_wq)),
        Step("3", sp.Le(sp.log(q(i, z) / qbar(z)), -sp.log(w[i])), Combine("2")),
        Step("4", sp.Le(_to_qbar, -sp.log(w[i]) * q(i, z)), Combine(("3", q(i, z)))),
        Step("5", sp.Ge(sp.Integral(-sp.log(w[i]) * q(i, z), R), sp.Integral(_to_qbar, R)),
             ByAxiom(ax.MONOTONE_INTEGRAL, f=-sp.log(w[i]) * q(i, z), g=_to_qbar, variables=(z,))),
        Step("6", sp.Eq(sp.Integral(-sp.log(w[i]) * q(i, z), R), -sp.log(w[i]) * sp.Integral(q(i, z), R)),
             ByAxiom(ax.LINEARITY, variables=(z,), coefficients=[-sp.log(w[i])], functions=[q(i, z)])),
        Step("7", sp.Eq(sp.Integral(q(i, z), R), 1), ByAxiom(ax.NORMALIZATION, f=sp.Lambda(z, q(i, z)))),
        Step("8", sp.Eq(kl(Q, QBAR), sp.Integral(_to_qbar, R)), ByAxiom(ax.KL_DEFINITION, f=Q, g=QBAR)),
        Step("9", sp.Le(kl(Q, QBAR), -sp.log(w[i])),
             Combine("5", ("6", -1), ("7", sp.log(w[i])), ("8", -1))),
        Step("10", sp.Le(MUTUAL_INFORMATION, entropy_w), Combine(("9", w[i], (i, 1, N)))),
    ],
)

ENTROPY_BELOW_LOG_N = Theorem(
    name="entropy_below_log_n",
    title="the entropy of N weights is at most log N",
    conclusion=sp.Le(entropy_w, sp.log(N)),
    hypotheses={"w": WEIGHTS_SUM_TO_ONE},
    definitions=MIXTURE_DEFINITIONS,
    summary=r"Gibbs' inequality against the uniform weights $1/N$.",
    steps=[
        Step("1", sp.Ge(sp.Sum(w[i] * sp.log(w[i] / (1 / N)), (i, 1, N)), 0),
             ByAxiom(ax.GIBBS_DISCRETE, w=sp.Lambda(i, w[i]), u=sp.Lambda(i, 1 / N), i=i, n=N)),
        Step("2", sp.Le(entropy_w, sp.log(N)), Combine("1"), r"$\sum_i w_i \log(N w_i) = \log N - H(w)$"),
    ],
)
