"""Shared fixtures and the hypothesis profiles.

Profiles: ``ci`` (derandomized, no deadline; chosen when the CI variable is
set), ``dev`` (the default) and ``thorough`` (10x the examples), selected with
``--hypothesis-profile``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=50, derandomize=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")


_APPROX = pytest.approx   # pytest's own, wrapped by strict_approx below


def _expected_magnitudes(expected) -> list[float]:
    import numpy as np
    values = expected.values() if isinstance(expected, dict) else expected
    try:
        return [float(x) for x in np.abs(np.asarray(values, dtype=float)).ravel()]
    except (TypeError, ValueError):
        return []


def strict_approx(expected, rel=None, abs=None, nan_ok: bool = False):
    """``pytest.approx`` that refuses the default absolute tolerance where it decides the comparison.

    Without ``abs=``, pytest accepts any value within 1e-12 of the expected one.  For an
    expected value below 1e-9 that slack is 0.1% of it or more (all of it at 0), and more
    than the relative tolerance: a check of a tiny quantity (a margin of 1e-13, a value
    near 0) then passes whatever the code computes.  Such a call must state its absolute
    tolerance.  The refusal is a test failure that ``pytest.raises(AssertionError)`` cannot catch.
    """
    if abs is None:
        r = 1e-6 if rel is None else rel
        tiny = [m for m in _expected_magnitudes(expected) if m < 1e-9 and m * r < 1e-12]
        if tiny:
            pytest.fail(f"approx({expected!r}) without abs=: the default abs=1e-12 decides the comparison at "
                        f"{tiny[0]!r}; state the absolute tolerance (abs=0 for a purely relative one)")
    return _APPROX(expected, rel=rel, abs=abs, nan_ok=nan_ok)


pytest.approx = strict_approx

_SESSION: dict = {}


@pytest.fixture(scope="session")
def proof_reports():
    """Every theorem checked once, in order: {name: TheoremReport}."""
    import time

    from proofs import check_all
    from proofs.checker import clear_cache

    clear_cache()  # a cold check, so the time reported is the real cost
    start = time.perf_counter()
    reports = {r.theorem.name: r for r in check_all()}
    _SESSION["reports"] = reports
    _SESSION["seconds"] = time.perf_counter() - start
    return reports


def _axioms_rested_on(name: str, reports: dict) -> list[str]:
    theorem = reports[name].theorem
    names = {a.name for a in reports[name].axioms}
    for dep in theorem.dependencies():
        names |= {a.name for a in reports[dep.name].axioms}
    return sorted(names)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The proof-check summary: theorems proved, the axioms each rests on, properties and their examples."""
    from tests.properties import EXAMPLES

    reports = _SESSION.get("reports")
    if not reports and not EXAMPLES:
        return
    write = terminalreporter.write_line
    terminalreporter.section("proof check")
    if reports:
        steps = [s for r in reports.values() for s in r.steps]
        checked = sum(s.status == "checked" for s in steps)
        witnessed = sum(s.witnessed > 0 for s in steps)
        write(f"{len(reports)} theorems proved in {_SESSION['seconds']:.1f} s: {len(steps)} steps, "
              f"{checked} checked by sympy, {len(steps) - checked} applications of named axioms; "
              f"{witnessed} steps also evaluated at admissible random points (numeric witness)")
        for name, report in reports.items():
            axioms = _axioms_rested_on(name, reports)
            write(f"  {name}: {report.theorem.title} [witness: {report.witnessed}/{len(report.steps)} steps]")
            write(f"      rests on: {', '.join(axioms) if axioms else 'no axiom (algebra only)'}")
    else:
        write("theorems: not checked in this session (run tests/test_proofs.py)")
    if EXAMPLES:
        from hypothesis import settings

        write(f"properties checked (hypothesis profile {settings._current_profile!r}):")
        for prop, count in sorted(EXAMPLES.items()):
            write(f"  {prop}: {count} examples")
