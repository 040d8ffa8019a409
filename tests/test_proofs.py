"""The proof check: every derivation's every step is checked by sympy or is a named axiom."""

from __future__ import annotations

import pytest

from proofs import AXIOMS, THEOREMS
from proofs.checker import Algebra, ByAxiom, ByTheorem, Combine, Induction, Integrate


@pytest.mark.parametrize("theorem", THEOREMS, ids=[t.name for t in THEOREMS])
def test_theorem_checks(theorem, proof_reports):
    report = proof_reports[theorem.name]
    assert report.ok
    for step, result in zip(theorem.steps, report.steps):
        if isinstance(step.why, ByAxiom):
            assert result.status == "axiom" and step.why.axiom in AXIOMS
        else:
            assert isinstance(step.why, (Algebra, Integrate, Combine, ByTheorem, Induction))
            assert result.status == "checked", (theorem.name, step.label)


def test_every_theorem_rechecks_alone():
    """A theorem checks on its own too (its dependencies first), not only in the suite's order."""
    chain = THEOREMS[-1]
    report = chain.check()
    assert [s.label for s in report.steps] == [s.label for s in chain.steps]


def test_dependencies_come_first():
    seen = set()
    for t in THEOREMS:
        assert all(u.name in seen for u in t.uses), t.name
        seen.add(t.name)


def test_axioms_have_names_and_statements():
    names = [a.name for a in AXIOMS]
    assert len(names) == len(set(names))
    assert all(a.statement for a in AXIOMS)


def test_every_axiom_is_used_somewhere(proof_reports):
    used = {a.name for r in proof_reports.values() for a in r.axioms}
    assert used == {a.name for a in AXIOMS}
