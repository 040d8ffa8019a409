"""No test that passes whatever the code computes: a static scan of ``tests/test_*.py``.

Each rule names a pattern that makes a check vacuous:

* ``approx(0)`` (or of a literal below 1e-6 in size) without ``abs=``: pytest's default
  absolute tolerance of 1e-12 then accepts any result of that size; likewise
  ``np.isclose``/``np.allclose`` against such a literal without ``atol=`` (default 1e-8);
* a relative tolerance of 5 % or more (``rel=``, ``rtol=``): a formula off by a lost
  factor of 1.05 passes;
* ``assert`` of a constant (``assert True``), of two identical sides (``assert x == x``,
  ``assert_allclose(x, x)``, ``x == approx(x)``), or ``assert x is not None`` as the only
  check of a test;
* a test function with no ``assert``, no ``pytest.raises``/``pytest.warns`` and no call
  of a function (of the test files) that asserts;
* ``pytest.importorskip`` or ``pytest.skip`` outside :mod:`tests.extras`, and the marks
  ``skip``, ``skipif`` and ``xfail``: in CI (``CI`` set) a missing extra must fail, not skip.

Every exception is in :data:`ALLOWED`, with the reason it can fail.  What a static scan
cannot see, an expected value computed at run time that is tiny, ``tests/conftest.py``
refuses when the test runs: ``pytest.approx`` of a value below 1e-9 without ``abs=``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
FILES = sorted(TESTS.glob("test_*.py"))
#: names of calls that assert by themselves
ASSERTING_CALLS = {"raises", "warns", "fail", "assert_allclose", "assert_array_equal", "assert_equal",
                   "assert_array_less", "assert_almost_equal", "assert_array_almost_equal", "assert_frame_equal"}
TINY = 1e-6
WIDE = 0.05

#: (file, test or line, rule): the reason each exception can still fail
ALLOWED: dict[tuple[str, str, str], str] = {
    ("test_check.py", "need_torch", "skip"):
        "fails instead of skipping when CI is set (the same rule as tests/extras.py)",
    ("test_render.py", "compiled", "skip"):
        "skips only where no LaTeX engine is installed and CI is not set; in CI it compiles",
    ("test_monitor.py", "test_encodings_device_cuda_without_a_gpu_is_one_line", "skip"):
        "checks the message for a missing GPU, so it cannot run where one is present; CI has none",
    ("test_suite_can_fail.py", "test_approx_refuses_the_default_absolute_tolerance_for_tiny_values", "approx-tiny"):
        "a planted vacuous approx that the guard in tests/conftest.py must refuse",
    ("test_suite_can_fail.py", "test_approx_refuses_the_default_absolute_tolerance_for_tiny_values", "same-sides"):
        "a planted vacuous approx that the guard in tests/conftest.py must refuse",
}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _number(node: ast.AST) -> float | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _number(node.operand)
        return None if inner is None else -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    return None


def _functions() -> dict[str, ast.FunctionDef]:
    """Every function of the test package by name (a later file's name wins; names are distinct enough)."""
    out: dict[str, ast.FunctionDef] = {}
    for path in sorted(TESTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.setdefault(node.name, node)
    return out


FUNCTIONS = _functions()


def _asserts(func: ast.AST, functions: dict[str, ast.FunctionDef], seen: frozenset = frozenset()) -> bool:
    """Whether ``func`` asserts, itself or through a function (of ``functions``, by name) it calls."""
    for node in ast.walk(func):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in ASSERTING_CALLS or name.startswith("assert"):
                return True
            if name in functions and name not in seen and _asserts(functions[name], functions, seen | {name}):
                return True
            if name == "check" and isinstance(node.func, ast.Attribute):   # a catalogue entry's check
                return True
    return False


def _findings(path: Path, functions: dict[str, ast.FunctionDef] = FUNCTIONS) -> list[tuple[str, str, str, str]]:
    """(file, test or function, rule, what) for each vacuous pattern in ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    found = []
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def owner(node):
        while node in parents:
            node = parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node.name
        return "<module>"

    for node in ast.walk(tree):
        where = (path.name, owner(node))
        if isinstance(node, ast.Call):
            name, kw = _name(node.func), {k.arg: k.value for k in node.keywords}
            if name == "approx" and node.args and "abs" not in kw:
                value = _number(node.args[0])
                if value is not None and abs(value) < TINY:
                    found.append((*where, "approx-tiny", f"line {node.lineno}: approx({value}) without abs="))
            if name in ("isclose", "allclose") and len(node.args) >= 2 and "atol" not in kw:
                values = [_number(a) for a in node.args[:2]]
                if any(v is not None and abs(v) < TINY for v in values):
                    found.append((*where, "approx-tiny", f"line {node.lineno}: {name}(..., {values}) without atol="))
            if (name in ASSERTING_CALLS or name in ("isclose", "allclose")) and len(node.args) >= 2 \
                    and ast.dump(node.args[0]) == ast.dump(node.args[1]):
                found.append((*where, "same-sides", f"line {node.lineno}: {ast.unparse(node)}"))
            for key in ("rel", "rtol"):
                tol = _number(kw[key]) if key in kw else None
                if tol is not None and tol >= WIDE:
                    found.append((*where, "wide", f"line {node.lineno}: {key}={tol}"))
            if name in ("importorskip", "skip") and _name(getattr(node.func, "value", ast.Name(""))) == "pytest":
                found.append((*where, "skip", f"line {node.lineno}: pytest.{name}"))
        if isinstance(node, ast.Assert):
            test = node.test
            if isinstance(test, ast.Constant):
                found.append((*where, "constant", f"line {node.lineno}: assert {test.value!r}"))
            if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.Is)):
                right = test.comparators[0]
                if isinstance(right, ast.Call) and _name(right.func) == "approx" and right.args:
                    right = right.args[0]
                if ast.dump(test.left) == ast.dump(right):
                    found.append((*where, "same-sides", f"line {node.lineno}: {ast.unparse(test)}"))
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for mark in node.decorator_list:
                target = mark.func if isinstance(mark, ast.Call) else mark
                if _name(target) in ("skip", "skipif", "xfail") and "mark" in ast.unparse(target):
                    found.append((path.name, node.name, "skip", f"line {mark.lineno}: {ast.unparse(target)}"))
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            if not _asserts(node, functions):
                found.append((path.name, node.name, "no-assert", f"line {node.lineno}: no assertion"))
            asserts = [n for n in ast.walk(node) if isinstance(n, ast.Assert)]
            if asserts and all(isinstance(a.test, ast.Compare) and isinstance(a.test.ops[0], ast.IsNot)
                               and _number(a.test.comparators[0]) is None
                               and isinstance(a.test.comparators[0], ast.Constant) for a in asserts) \
                    and not any(isinstance(n, ast.Call) and _name(n.func) in ASSERTING_CALLS for n in ast.walk(node)):
                found.append((path.name, node.name, "not-none-only", f"line {node.lineno}: only `is not None`"))
    return found


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_no_check_that_cannot_fail(path):
    found = [f for f in _findings(path) if f[:3] not in ALLOWED]
    assert not found, "\n".join(f"{file} {func}: {rule}: {what}" for file, func, rule, what in found)


def test_every_exception_is_still_needed():
    present = {f[:3] for path in FILES for f in _findings(path)}
    assert set(ALLOWED) <= present, sorted(set(ALLOWED) - present)


# The scan itself must catch each pattern: a planted file of vacuous checks.
PLANTED = '''
import pytest
def test_a():
    assert f() == pytest.approx(0)
def test_b():
    assert f() == pytest.approx(1.0, rel=0.1)
def test_c():
    assert True
def test_d():
    x = f()
    assert x == x
def test_e():
    f()
def test_f():
    pytest.importorskip("sklearn")
    assert f() == 1
def test_g():
    assert f() is not None
def test_h():
    assert f() == pytest.approx(1e-13)
def test_k():
    assert g(1) == pytest.approx(g(1))
def test_l():
    np.testing.assert_allclose(h(x), h(x))
def test_m():
    assert np.isclose(f(), 0)
def _helper(x):
    assert x > 0
def test_i():
    _helper(f())
@pytest.mark.skipif(True, reason="never")
def test_n():
    assert f() == 1
def test_j():
    assert f() == pytest.approx(0, abs=1e-15)
'''


def test_the_scan_finds_each_planted_pattern(tmp_path):
    path = tmp_path / "test_planted.py"
    path.write_text(PLANTED)
    functions = {**FUNCTIONS, **{n.name: n for n in ast.parse(PLANTED).body if isinstance(n, ast.FunctionDef)}}
    rules = {(func, rule) for _, func, rule, _ in _findings(path, functions)}
    assert rules == {("test_a", "approx-tiny"), ("test_b", "wide"), ("test_c", "constant"), ("test_d", "same-sides"),
                     ("test_e", "no-assert"), ("test_f", "skip"), ("test_g", "not-none-only"),
                     ("test_h", "approx-tiny"), ("test_k", "same-sides"), ("test_l", "same-sides"),
                     ("test_m", "approx-tiny"), ("test_n", "skip")}


def test_approx_refuses_the_default_absolute_tolerance_for_tiny_values():
    """tests/conftest.py replaces pytest.approx: a tiny expected value needs abs=, and the refusal escapes raises()."""
    with pytest.raises(pytest.fail.Exception, match="without abs="):
        with pytest.raises(AssertionError):
            assert 3e-13 == pytest.approx(1e-13)        # would pass: |3e-13 - 1e-13| < 1e-12
    with pytest.raises(pytest.fail.Exception, match="without abs="):
        assert [1.0, 0.0] == pytest.approx([1.0, 0.0])
    assert 3e-13 != pytest.approx(1e-13, abs=0) and 1e-13 == pytest.approx(1e-13, rel=1e-12, abs=0)
    assert 0.21 == pytest.approx(0.21 + 1e-14, rel=1e-12)    # large values keep pytest's default
