"""Shared symbols for derivations about a mixture q̄ = Σ_i w_i q_i against a prior p.

The point ``z`` ranges over R^d for any d: nothing in the derivations that use
these symbols depends on the dimension (integrals are over the whole space).
Weights are positive (a zero-weight component can be dropped) and sum to one.
"""

from __future__ import annotations

import sympy as sp

from .objects import KL, density, z

__all__ = ["i", "j", "N", "w", "q", "p", "qbar", "WEIGHTS_SUM_TO_ONE", "MIXTURE_DEFINITIONS",
           "kl", "Q", "P", "QBAR", "avg_kl", "entropy_w", "R"]

i = sp.Symbol("i", integer=True, positive=True)
j = sp.Symbol("j", integer=True, positive=True)
N = sp.Symbol("N", integer=True, positive=True)
w = sp.IndexedBase("w", positive=True)
q = density("q", "q")
p = density("p", "p")
qbar = density("qbar", r"\bar q")
R = (z, -sp.oo, sp.oo)

#: q_i, p and q̄ as functions of the point, the arguments of ``KL``.
Q = sp.Lambda(z, q(i, z))
P = sp.Lambda(z, p(z))
QBAR = sp.Lambda(z, qbar(z))

WEIGHTS_SUM_TO_ONE = sp.Eq(sp.Sum(w[i], (i, 1, N)), 1)

#: The definition of q̄ as the mixture (the weights' sum is the hypothesis WEIGHTS_SUM_TO_ONE).
MIXTURE_DEFINITIONS = {
    qbar(z): sp.Sum(w[i] * q(i, z), (i, 1, N)),
}


def kl(f: sp.Lambda, g: sp.Lambda) -> KL:
    """KL(f || g)."""
    return KL(f, g)


#: The VAE's latent loss, Σ_i w_i KL(q_i || p).
avg_kl = sp.Sum(w[i] * KL(Q, P), (i, 1, N))
#: Entropy of the weights, H(w) = -Σ_i w_i log w_i.
entropy_w = -sp.Sum(w[i] * sp.log(w[i]), (i, 1, N))
