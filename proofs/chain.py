"""The chain of inequalities around the script's claim, in every dimension d.

KL(diag G || p) <= KL(G || p) <= KL(q̄ || p) <= avg KL <= KL(q̄ || p) + H(w),  H(w) <= log N,

for q_i = N(m_i, Σ_i) on R^d, q̄ = Σ_i w_i q_i, G = N(μ̄, Σ̄) with the mixture's mean and covariance,
diag G = N(μ̄, diag Σ̄) and p = N(0, I).  Every link is an instance of a proved theorem, for every
integer d >= 1 and N >= 1; the only hypothesis is that the weights sum to one.
"""

from __future__ import annotations

import sympy as sp

from .checker import ByTheorem, Combine, Step, Theorem
from .convexity import MIXTURE_INEQUALITY
from .covariance import A, DROP_COVARIANCE_D, S, diagonal_part, kl_standard_normal, mean, prior_mean
from .dimension import d
from .information import ENTROPY_BELOW_LOG_N, GAP_IDENTITY, MI_BELOW_ENTROPY, MUTUAL_INFORMATION
from .mixture import N, P, QBAR, WEIGHTS_SUM_TO_ONE, avg_kl, entropy_w, kl
from .moments import GAUSSIAN_MIXTURE_DEFINITIONS, GDIAGL, GL, MATCH, MBAR, MOMENT_MATCHING, MOMENTS_MATCH_D, SBAR

__all__ = ["CHAIN"]

_links = (
    sp.Le(kl(GDIAGL, P), kl(GL, P)),
    sp.Le(kl(GL, P), kl(QBAR, P)),
    sp.Le(kl(QBAR, P), avg_kl),
    sp.Le(avg_kl, kl(QBAR, P) + entropy_w),
    sp.Le(entropy_w, sp.log(N)),
)

CHAIN = Theorem(
    name="chain",
    title="the chain from the script's plotted quantity to the latent loss",
    conclusion=_links,
    hypotheses={"w": WEIGHTS_SUM_TO_ONE},
    definitions=GAUSSIAN_MIXTURE_DEFINITIONS,
    uses=(MOMENTS_MATCH_D, MOMENT_MATCHING, DROP_COVARIANCE_D, MIXTURE_INEQUALITY, GAP_IDENTITY, MI_BELOW_ENTROPY,
          ENTROPY_BELOW_LOG_N),
    summary=r"$q_i = \mathcal N(m_i, \Sigma_i)$ on $\mathbb R^d$, $\bar q = \sum_{i=1}^N w_i q_i$, "
            r"$G = \mathcal N(\bar\mu, \bar\Sigma)$ with the mean and covariance of $\bar q$, "
            r"$G_{\mathrm{diag}} = \mathcal N(\bar\mu, \operatorname{diag}\bar\Sigma)$ and $p = \mathcal N(0, I)$; "
            r"every link holds for every $d \ge 1$ and $N \ge 1$.",
    steps=[
        Step("1", sp.Le(kl_standard_normal(MBAR, diagonal_part(SBAR)), kl_standard_normal(MBAR, SBAR)),
             ByTheorem(DROP_COVARIANCE_D, {S: SBAR, mean: MBAR}), r"for $\Sigma = \bar\Sigma$ and $m = \bar\mu$"),
        Step("2", _links[0], Combine("1"), r"$G$ and $G_{\mathrm{diag}}$ are these Gaussians"),
        Step("3", MATCH, ByTheorem(MOMENTS_MATCH_D, {A: sp.Identity(d), prior_mean: sp.ZeroMatrix(d, 1)})),
        Step("4", sp.Ge(kl(QBAR, P), kl(GL, P)), ByTheorem(MOMENT_MATCHING, {}, part=1)),
        Step("5", _links[1], Combine("4")),
        Step("6", _links[2], ByTheorem(MIXTURE_INEQUALITY, {})),
        Step("7", sp.Eq(avg_kl - kl(QBAR, P), MUTUAL_INFORMATION), ByTheorem(GAP_IDENTITY, {})),
        Step("8", sp.Le(MUTUAL_INFORMATION, entropy_w), ByTheorem(MI_BELOW_ENTROPY, {})),
        Step("9", _links[3], Combine(("7", -1), "8")),
        Step("10", _links[4], ByTheorem(ENTROPY_BELOW_LOG_N, {})),
    ],
)
