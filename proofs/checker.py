"""Theorems as ordered steps, each checked by the kernel (:mod:`proofs.kernel`).

A :class:`Theorem` holds a statement (conclusions, hypotheses, definitions,
index ranges) and a list of :class:`Step` objects, each a sympy relation with
one justification, a primitive rule of the kernel:

``Algebra``
    the two sides differ by something sympy reduces to zero, or that it proves
    nonnegative (positive for a strict relation) from the symbols' assumptions.
``Integrate``
    sympy evaluates the absolutely convergent integrals on the left; the result
    reduces to the right-hand side.
``Combine``
    a combination of earlier steps and hypotheses, inequalities with factors
    proved nonnegative, optionally summed over an index no hypothesis pins down.
``ByTheorem``
    an instance of a theorem the kernel proved; substituted values satisfy its
    symbols' assumptions, its hypotheses, definitions and index ranges.
``ByAxiom``
    an instance of a registered axiom (:mod:`proofs.axioms`) whose typed
    parameters and side conditions the kernel checks.

Only :func:`proofs.kernel.prove` marks a theorem proved; this module holds the
containers and the report.  Numbers obtained by sampling never prove a step:
the kernel's numeric witness can only reject one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from .kernel import (Algebra, Axiom, ByAxiom, ByTheorem, Combine, Condition, Induction, Integrate, Justification, Param,
                     ProofError, StepResult, Thm, clear_cache, is_nonnegative, is_positive, is_zero, prove, subst)

__all__ = ["Algebra", "Axiom", "ByAxiom", "ByTheorem", "Combine", "Condition", "Induction", "Integrate", "Justification",
           "Param", "ProofError", "Step", "StepResult", "Theorem", "TheoremReport", "Thm", "clear_cache",
           "instantiate", "is_nonnegative", "is_positive", "is_zero"]


def instantiate(expr: sp.Basic, subs: dict) -> sp.Basic:
    """Simultaneous, capture-free substitution (the kernel's)."""
    return subst(expr, subs)


@dataclass(frozen=True)
class Step:
    """One line of a derivation: a relation, why it holds, and a note in words."""

    label: str
    statement: sp.Basic
    why: Justification
    note: str = ""

    def __post_init__(self):
        if self.statement in (sp.true, sp.false):
            raise TypeError(
                f"step ({self.label}): sympy already evaluated the statement to {self.statement}; "
                "build the relation with evaluate=False"
            )


@dataclass
class TheoremReport:
    """Per-step outcome of :meth:`Theorem.check`, with the kernel's :class:`Thm`."""

    theorem: "Theorem"
    steps: list[StepResult]
    axioms: list[Axiom]
    thm: Thm | None = None

    @property
    def ok(self) -> bool:
        return self.thm is not None and len(self.steps) == len(self.theorem.steps)

    @property
    def witnessed(self) -> int:
        """How many steps the numeric witness evaluated at admissible points."""
        return sum(s.witnessed > 0 for s in self.steps)


@dataclass(eq=False)
class Theorem:
    """A named result: hypotheses, definitions, a conclusion, and the steps that reach it.

    Symbol assumptions (``positive=True``...) are part of the statement, and
    so are ``definitions`` (fresh names: ``{A: Sum(a[i], (i, 1, N))}``) and
    ``ranges`` (``{i: (1, N)}``: the free index i lies in 1..N).  ``uses``
    lists theorems that must be checked first.
    """

    name: str
    title: str
    conclusion: Any
    steps: list[Step]
    hypotheses: dict[str, sp.Basic] = field(default_factory=dict)
    definitions: dict[sp.Basic, sp.Basic] = field(default_factory=dict)
    summary: str = ""
    uses: tuple["Theorem", ...] = ()
    ranges: dict[sp.Basic, tuple] = field(default_factory=dict)

    @property
    def conclusions(self) -> tuple[sp.Basic, ...]:
        """The conclusion as a tuple (a theorem may conclude several relations)."""
        c = self.conclusion
        return tuple(c) if isinstance(c, (tuple, list)) else (c,)

    def check(self, proved: list[Thm] | None = None, witness: bool = True) -> TheoremReport:
        """Check every step through the kernel; raise :class:`ProofError` at the first failure.

        ``proved`` holds the kernel's :class:`Thm` of theorems already checked;
        when omitted, the dependencies are checked first.
        """
        if proved is None:
            proved = []
            for dep in self.dependencies():
                proved.append(dep.check(proved, witness).thm)
        thm = prove(self, self.name, self.conclusions, self.steps, self.hypotheses, self.definitions, self.ranges,
                    list(proved), witness=witness)
        return TheoremReport(self, list(thm.results), list(thm.axioms), thm)

    def dependencies(self) -> list["Theorem"]:
        """Theorems this one rests on, in an order where each follows its own."""
        order: list[Theorem] = []

        def visit(t: Theorem) -> None:
            for u in t.uses:
                visit(u)
                if u not in order:
                    order.append(u)

        visit(self)
        return order

    def _repr_latex_(self) -> str:
        from .render import theorem_repr_latex  # rendering is not part of the checker

        return theorem_repr_latex(self)

    def _repr_markdown_(self) -> str:
        from .render import theorem_repr_markdown

        return theorem_repr_markdown(self)
