"""Symbolic derivations about the VAE's KL term, each step checked by sympy.

>>> from proofs import check_all
>>> reports = check_all()          # raises ProofError at the first bad step
>>> [r.theorem.name for r in reports][:2]
['kl_two_gaussians', 'kl_standard']

``THEOREMS`` lists every theorem in an order where each follows the ones it
uses; ``AXIOMS`` lists what is assumed.  ``proofs`` never imports ``numeric``.
"""

from __future__ import annotations

from .axioms import AXIOMS
from .chain import CHAIN, CHAIN_DIAGONAL_PRIOR
from .checker import Axiom, ProofError, Step, Theorem, TheoremReport, Thm
from .covariance import COVARIANCE_THEOREMS
from .convexity import LOG_SUM, MIXTURE_INEQUALITY, T_LOG_T_CONVEX
from .dimension import DIAGONAL_INDUCTIONS
from .gaussian import KL_FULL_COVARIANCE, KL_FULL_TO_DIAGONAL, KL_PRODUCT, KL_STANDARD, KL_TWO_GAUSSIANS
from .information import ENTROPY_BELOW_LOG_N, GAP_IDENTITY, GAP_NONNEGATIVE, MI_BELOW_ENTROPY
from .moments import HADAMARD_2D, MOMENT_MATCHING, MOMENTS_MATCH_1D, MOMENTS_MATCH_D

__all__ = ["AXIOMS", "THEOREMS", "Axiom", "ProofError", "Step", "Theorem", "TheoremReport", "Thm", "check_all", "theorem"]

#: Every theorem, each after the theorems it uses.
THEOREMS: tuple[Theorem, ...] = (
    KL_TWO_GAUSSIANS,
    KL_STANDARD,
    KL_PRODUCT,
    *DIAGONAL_INDUCTIONS,
    KL_FULL_COVARIANCE[2],
    KL_FULL_TO_DIAGONAL[2],
    KL_FULL_COVARIANCE[3],
    KL_FULL_TO_DIAGONAL[3],
    *COVARIANCE_THEOREMS,
    T_LOG_T_CONVEX,
    LOG_SUM,
    MIXTURE_INEQUALITY,
    GAP_IDENTITY,
    GAP_NONNEGATIVE,
    MI_BELOW_ENTROPY,
    ENTROPY_BELOW_LOG_N,
    MOMENT_MATCHING,
    MOMENTS_MATCH_1D,
    MOMENTS_MATCH_D,
    HADAMARD_2D,
    CHAIN,
    CHAIN_DIAGONAL_PRIOR,
)


def theorem(name: str) -> Theorem:
    """The theorem called ``name``; the error lists the names that exist."""
    for t in THEOREMS:
        if t.name == name:
            return t
    raise KeyError(f"no theorem named {name!r}; known: {', '.join(t.name for t in THEOREMS)}")


def check_all(theorems: tuple[Theorem, ...] = THEOREMS, witness: bool = True) -> list[TheoremReport]:
    """Check every theorem once, in order, through the kernel; raise :class:`ProofError` at the first failure.

    ``witness=False`` skips the numeric witness (the symbolic check alone).
    """
    proved: list[Thm] = []
    reports = []
    for t in theorems:
        reports.append(t.check(proved, witness))
        proved.append(reports[-1].thm)
    return reports
