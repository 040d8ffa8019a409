"""The chain of inequalities around the script's claim, in every dimension d.

KL(diag G || p) <= KL(G || p) <= KL(q̄ || p) <= avg KL <= KL(q̄ || p) + H(w),  H(w) <= log N,

for q_i = N(m_i, Σ_i) on R^d, q̄ = Σ_i w_i q_i, G = N(μ̄, Σ̄) with the mixture's mean and covariance and
diag G = N(μ̄, diag Σ̄).  Every link is an instance of a proved theorem, for every integer d >= 1 and
N >= 1; the only hypothesis is that the weights sum to one.

Theorems
--------
CHAIN
    The prior is the standard normal N(0, I).
CHAIN_DIAGONAL_PRIOR
    The prior is a diagonal Gaussian N(mu_p, diag v_p), as ``numeric/`` allows; the gap identity
    (avg KL - KL(q̄ || p) is the mutual information) is one of its links.
"""

from __future__ import annotations

import sympy as sp

from .checker import ByTheorem, Combine, Step, Theorem
from .convexity import MIXTURE_INEQUALITY
from .covariance import (A, DROP_COVARIANCE_D, DROP_COVARIANCE_PRIOR_D, PRIOR_DIAGONAL, S, diagonal_part, kl_gaussians,
                         mean, prior_mean)
from .dimension import d, j, mu_p
from .information import ENTROPY_BELOW_LOG_N, GAP_IDENTITY, MI_BELOW_ENTROPY, MUTUAL_INFORMATION
from .matrices import Vec
from .mixture import N, P, QBAR, WEIGHTS_SUM_TO_ONE, avg_kl, entropy_w, kl
from .moments import GDIAGL, GL, MATCH, MBAR, MOMENT_MATCHING, MOMENTS_MATCH_D, SBAR, gaussian_mixture_definitions

__all__ = ["CHAIN", "CHAIN_DIAGONAL_PRIOR"]

_links = (
    sp.Le(kl(GDIAGL, P), kl(GL, P)),
    sp.Le(kl(GL, P), kl(QBAR, P)),
    sp.Le(kl(QBAR, P), avg_kl),
    sp.Le(avg_kl, kl(QBAR, P) + entropy_w),
    sp.Le(entropy_w, sp.log(N)),
)

_SETTING = (r"$q_i = \mathcal N(m_i, \Sigma_i)$ on $\mathbb R^d$, $\bar q = \sum_{i=1}^N w_i q_i$, "
            r"$G = \mathcal N(\bar\mu, \bar\Sigma)$ with the mean and covariance of $\bar q$, "
            r"$G_{\mathrm{diag}} = \mathcal N(\bar\mu, \operatorname{diag}\bar\Sigma)$")


def _chain(name: str, title: str, prior_mean_value: sp.MatrixExpr, prior_cov: sp.MatrixExpr, drop: Theorem,
           drop_subs: dict, prior_text: str) -> Theorem:
    """The five links for the prior N(prior_mean_value, prior_cov); ``drop`` removes the covariance of G."""
    return Theorem(
        name=name,
        title=title,
        conclusion=_links,
        hypotheses={"w": WEIGHTS_SUM_TO_ONE},
        definitions=gaussian_mixture_definitions(prior_mean_value, prior_cov),
        uses=(MOMENTS_MATCH_D, MOMENT_MATCHING, drop, MIXTURE_INEQUALITY, GAP_IDENTITY, MI_BELOW_ENTROPY,
              ENTROPY_BELOW_LOG_N),
        summary=_SETTING + " and " + prior_text + r"; every link holds for every $d \ge 1$ and $N \ge 1$.",
        steps=[
            Step("1", sp.Le(kl_gaussians(MBAR, diagonal_part(SBAR), prior_mean_value, prior_cov),
                            kl_gaussians(MBAR, SBAR, prior_mean_value, prior_cov)),
                 ByTheorem(drop, {S: SBAR, mean: MBAR, **drop_subs})),
            Step("2", _links[0], Combine("1"), r"$G$, $G_{\mathrm{diag}}$ and $p$ are these Gaussians"),
            Step("3", MATCH, ByTheorem(MOMENTS_MATCH_D, {A: prior_cov, prior_mean: prior_mean_value})),
            Step("4", sp.Ge(kl(QBAR, P), kl(GL, P)), ByTheorem(MOMENT_MATCHING, {}, part=1)),
            Step("5", _links[1], Combine("4")),
            Step("6", _links[2], ByTheorem(MIXTURE_INEQUALITY, {})),
            Step("7", sp.Eq(avg_kl - kl(QBAR, P), MUTUAL_INFORMATION), ByTheorem(GAP_IDENTITY, {})),
            Step("8", sp.Le(MUTUAL_INFORMATION, entropy_w), ByTheorem(MI_BELOW_ENTROPY, {})),
            Step("9", _links[3], Combine(("7", -1), "8")),
            Step("10", _links[4], ByTheorem(ENTROPY_BELOW_LOG_N, {})),
        ],
    )


CHAIN = _chain("chain", "the chain from the script's plotted quantity to the latent loss",
               sp.ZeroMatrix(d, 1), sp.Identity(d), DROP_COVARIANCE_D, {}, r"$p = \mathcal N(0, I)$")

_MU_P = Vec(sp.Lambda(j, mu_p[j]), d)
CHAIN_DIAGONAL_PRIOR = _chain(
    "chain_diagonal_prior", "the chain for a diagonal Gaussian prior", _MU_P, PRIOR_DIAGONAL,
    DROP_COVARIANCE_PRIOR_D, {prior_mean: _MU_P},
    r"the prior $p = \mathcal N(\mu_p, \operatorname{diag} v_p)$ with $v_{p,j} > 0$")
