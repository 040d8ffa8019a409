"""Write a report folder atomically: build it in a temporary folder, then move it into place."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["MARKER", "check_file_target", "check_target", "write_folder", "OutputError"]

#: Every report folder holds this file; a folder without it is never replaced without ``force``.
MARKER = ".kl-audit-report"


class OutputError(ValueError):
    """The output folder cannot be written."""


def _is_report(path: Path) -> bool:
    return (path / MARKER).is_file()


def check_target(target: Path, *, force: bool = False) -> None:
    """Raise :class:`OutputError` now if ``target`` could not receive a report (checked before any work)."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise OutputError(f"output {str(target)!r} exists and is not a folder")
    if target.exists() and any(target.iterdir()) and not _is_report(target) and not force:
        raise OutputError(f"output folder {str(target)!r} exists and is not a kl-audit report; "
                          "choose another folder or pass --force")
    _require_writable_parent(target)


def check_file_target(target: Path) -> None:
    """Raise :class:`OutputError` now if a file could not be written at ``target``."""
    target = Path(target)
    if target.is_dir():
        raise OutputError(f"output {str(target)!r} is a folder, not a file")
    _require_writable_parent(target)


def _require_writable_parent(target: Path) -> None:
    """The nearest existing ancestor of ``target`` must be a folder we can write in."""
    parent = target.resolve().parent
    existing = next((p for p in (parent, *parent.parents) if p.exists()), None)
    if existing is None or not existing.is_dir():
        raise OutputError(f"cannot create {str(target)!r}: {str(existing)!r} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write in {str(existing)!r}: permission denied")


def write_folder(target: Path, build: Callable[[Path], None], *, force: bool = False) -> Path:
    """Call ``build(tmp)`` to fill a temporary folder, then move it to ``target``.

    An existing ``target`` is replaced only if it is an earlier report (or
    ``force``); a failure inside ``build`` leaves ``target`` untouched.
    """
    target = Path(target)
    check_target(target, force=force)
    parent = target.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=parent))
    except OSError as exc:
        raise OutputError(f"cannot write in {str(parent)!r}: {exc.strerror or exc}") from None
    try:
        build(tmp)
        (tmp / MARKER).write_text("written by kl-audit\n")
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=parent))
            target.rename(old / "previous")
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def dump_json(path: Path, data: dict) -> None:
    """JSON with NaN and infinities refused (strict), indented."""
    path.write_text(json.dumps(data, indent=2, allow_nan=False, default=_default) + "\n")


def _default(obj):
    import numpy as np

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")
