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
