"""proofs/ and numeric/ are two independent routes: neither imports the other (nor numeric sympy)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _imports(package: str) -> set[str]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_proofs_does_not_import_numeric():
    assert "numeric" not in _imports("proofs")


@pytest.mark.parametrize("forbidden", ["sympy", "proofs", "mpmath"])
def test_numeric_does_not_import(forbidden):
    assert forbidden not in _imports("numeric")


def test_importing_numeric_loads_no_sympy():
    code = "import sys, numeric; print('sympy' in sys.modules or 'proofs' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
