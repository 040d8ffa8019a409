"""The two routes cite each other: docstrings in ``numeric/`` and ``tests/`` name checked theorems.

The convention is the word "theorem" followed by the theorem's name in
backticks, e.g. theorem `kl_diagonal`.  Every name cited so must be a
theorem of ``proofs.THEOREMS``, and no Python file of the repository may cite
a document outside it instead.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from proofs import THEOREMS

ROOT = Path(__file__).resolve().parent.parent
#: ``theorem `name```, the word case-insensitive ("Theorem `chain`" at a sentence's start).
CITATION = re.compile(r"\btheorem `([^`]+)`", re.IGNORECASE)
SCANNED = ("numeric", "tests")


def _python_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def _docstrings(path: Path) -> list[str]:
    """The module's, classes' and functions' docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                   ast.ClassDef)))]
    return [doc for n in nodes if (doc := ast.get_docstring(n))]


def citations(text: str) -> list[str]:
    """Theorem names cited in ``text`` as theorem `name`."""
    return CITATION.findall(text)


def _cited() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in _python_files(*SCANNED):
        if path.name == Path(__file__).name:
            continue  # this file's docstrings show the convention, with placeholder names
        for doc in _docstrings(path):
            for name in citations(doc):
                found.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_convention_is_recognised():
    assert citations("evaluates theorem `kl_diagonal`; Theorem `chain` and theorem `gap_identity`.") == \
        ["kl_diagonal", "chain", "gap_identity"]
    assert citations("the theorem kl_diagonal, `kl_diagonal` alone") == []


def test_every_cited_theorem_exists():
    known = {t.name for t in THEOREMS}
    cited = _cited()
    unknown = {name: sorted(where) for name, where in cited.items() if name not in known}
    assert not unknown, f"cited but not in proofs.THEOREMS: {unknown}; known: {sorted(known)}"


@pytest.mark.parametrize("folder", SCANNED)
def test_both_routes_cite_theorems(folder):
    cited = {name for name, where in _cited().items() if any(w.startswith(folder + "/") for w in where)}
    assert len(cited) >= 3, (folder, cited)


def test_no_python_file_cites_a_document_outside_the_repository():
    outside = "MATH" + ".md"  # spelled in two parts so this file does not find itself
    offenders = [str(p.relative_to(ROOT)) for p in _python_files("proofs", "numeric", "kl_audit", "tests",
                                                                  "benchmarks")
                 if outside in p.read_text(encoding="utf-8")]
    assert not offenders, offenders
