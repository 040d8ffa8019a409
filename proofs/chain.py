"""The chain of inequalities around the script's claim.

KL(diag G || p) <= KL(G || p) <= KL(q̄ || p) <= avg KL <= KL(q̄ || p) + H(w),  H(w) <= log N.

Every link is an instance of a proved theorem; the setting is d = 2 for the
first link (Hadamard), any dimension for the others.
"""

from __future__ import annotations

import sympy as sp

from .checker import ByTheorem, Combine, Step, Theorem
from .convexity import MIXTURE_INEQUALITY
from .objects import KLNormal
from .information import ENTROPY_BELOW_LOG_N, GAP_IDENTITY, MI_BELOW_ENTROPY, MUTUAL_INFORMATION
from .mixture import MIXTURE_DEFINITIONS, N, P, QBAR, WEIGHTS_SUM_TO_ONE, avg_kl, entropy_w, kl
from .moments import GDIAGL, GL, HADAMARD_2D, MATCH, MOMENT_MATCHING, _m2, _S, _Sd

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
    hypotheses={"w": WEIGHTS_SUM_TO_ONE, "match": MATCH.xreplace(MIXTURE_DEFINITIONS), "pd": sp.Gt(_S.det(), 0),
                "G": sp.Eq(kl(GL, P), KLNormal(_m2, _S)), "Gdiag": sp.Eq(kl(GDIAGL, P), KLNormal(_m2, _Sd))},
    definitions=MIXTURE_DEFINITIONS,
    uses=(HADAMARD_2D, MOMENT_MATCHING, MIXTURE_INEQUALITY, GAP_IDENTITY, MI_BELOW_ENTROPY, ENTROPY_BELOW_LOG_N),
    summary=r"$p = \mathcal N(0, I)$; $G = \mathcal N(\bar\mu, \bar\Sigma)$ has the mean and covariance of "
            r"$\bar q$ (hypothesis match); $G_{\mathrm{diag}} = \mathcal N(\bar\mu, \operatorname{diag}\bar\Sigma)$. "
            r"The first link is proved for $d = 2$, the others in any dimension.",
    steps=[
        Step("1", sp.Ge(KLNormal(_m2, _S), KLNormal(_m2, _Sd)), ByTheorem(HADAMARD_2D, {})),
        Step("2", _links[0], Combine("1"), r"$G$ and $G_{\mathrm{diag}}$ are the Gaussians of the previous theorem"),
        Step("3", sp.Ge(kl(QBAR, P), kl(GL, P)), ByTheorem(MOMENT_MATCHING, {}, part=1)),
        Step("4", _links[1], Combine("3")),
        Step("5", _links[2], ByTheorem(MIXTURE_INEQUALITY, {})),
        Step("6", sp.Eq(avg_kl - kl(QBAR, P), MUTUAL_INFORMATION), ByTheorem(GAP_IDENTITY, {})),
        Step("7", sp.Le(MUTUAL_INFORMATION, entropy_w), ByTheorem(MI_BELOW_ENTROPY, {})),
        Step("8", _links[3], Combine(("6", -1), "7")),
        Step("9", _links[4], ByTheorem(ENTROPY_BELOW_LOG_N, {})),
    ],
)
