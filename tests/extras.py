"""Optional extras in tests: skipped where missing, except in CI (``CI`` set), where a missing extra fails."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest

__all__ = ["require"]


def require(module: str, *, ci: bool = True) -> ModuleType:
    """Import ``module``; where it is missing, skip, or (in CI, when ``ci``) fail with the reason."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        if ci and os.environ.get("CI"):
            pytest.fail(f"{module} is required in CI (CI is set) but cannot be imported: {exc}", pytrace=False)
        pytest.skip(f"{module} is not installed", allow_module_level=True)
