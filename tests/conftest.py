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


@pytest.fixture(scope="session")
def proof_reports():
    """Every theorem checked once, in order: {name: TheoremReport}."""
    from proofs import check_all

    return {r.theorem.name: r for r in check_all()}
