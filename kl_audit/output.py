"""Write a report folder safely: build it in a temporary folder beside its destination, then move it in.

The rules, checked before any work:

* a new folder is built whole in a hidden temporary folder and renamed into place;
* an existing folder is updated file by file (each file replaced atomically), and
  only if it is an earlier report (it holds :data:`MARKER`, which lists the files
  kl-audit wrote) or with ``force``.  Only files kl-audit wrote are replaced or
  removed; a file it did not write is never deleted, and ``force`` refuses to
  overwrite one that has the name of a report file;
* ``-o`` may be a symbolic link to a folder: the report is written into the
  link's target and the link stays; a link to nothing is refused.  ``-o .`` is
  an existing folder like any other.  The temporary folder always lies on the
  destination's filesystem (inside it, or beside a new one), so no move crosses
  filesystems;
* folders and files get the usual permissions, 0777 and 0666 less the umask;
* a temporary folder holds :data:`PARTIAL` with the writer's host name and process id,
  so that the folders of runs that were killed are recognized and removed by later
  runs on the same host (a folder written from another host is left alone).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["MARKER", "PARTIAL", "check_file_target", "check_target", "dump_json", "remove_stale", "write_folder",
           "OutputError"]

#: Every report folder holds this file, listing the files kl-audit wrote there.
MARKER = ".kl-audit-report"
#: Every temporary folder of a run in progress holds this file, with the writer's process id.
PARTIAL = ".kl-audit-partial"
_TMP_TAG = ".kl-audit-tmp."


class OutputError(ValueError):
    """The output folder cannot be written."""


def _is_report(path: Path) -> bool:
    return (path / MARKER).is_file()


def _our_files(folder: Path) -> set[str]:
    """Files listed in ``folder``'s marker (relative paths); an old marker without a list claims none."""
    try:
        listed = json.loads((folder / MARKER).read_text()).get("files", [])
    except (OSError, ValueError, AttributeError):
        return set()
    return {str(f) for f in listed if isinstance(f, str) and ".." not in Path(f).parts and not Path(f).is_absolute()}


def _resolve(target: Path) -> Path:
    """Where the report goes: ``target`` itself, or a symbolic link's target; a link to nothing is refused."""
    target = Path(target)
    if target.is_symlink():
        real = target.resolve()
        if not real.exists():
            raise OutputError(f"output {str(target)!r} is a symbolic link to {str(real)!r}, which does not exist")
        return real
    return target.absolute()


#: Names a report writes at the top of its folder.
REPORT_NAMES = ("report.md", "report.json", "figures", "derivations.tex", "derivations.md")


def check_target(target: Path, *, force: bool = False, names: tuple[str, ...] = REPORT_NAMES) -> None:
    """Raise :class:`OutputError` now if ``target`` could not receive a report (checked before any work).

    ``names`` are files the report will write; with ``force`` a non-report folder holding one of
    them is refused, since replacing it would delete a file kl-audit did not write.
    """
    real = _resolve(target)
    if real.exists() and not real.is_dir():
        raise OutputError(f"output {str(target)!r} exists and is not a folder")
    if real.is_dir():
        entries = [p for p in real.iterdir() if _TMP_TAG not in p.name]
        if entries and not _is_report(real):
            if not force:
                raise OutputError(f"output folder {str(target)!r} exists and is not a kl-audit report; "
                                  "choose another folder or pass --force (which adds the report beside its files)")
            clash = [n for n in names if (real / n).exists()]
            if clash:
                raise OutputError(f"--force would overwrite {str(real / clash[0])!r}, which kl-audit did not write; "
                                  "move it or choose another folder")
        if not os.access(real, os.W_OK | os.X_OK):
            raise OutputError(f"cannot write in {str(real)!r}: permission denied")
        return
    _require_writable_parent(real)


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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def remove_stale(folder: Path) -> list[Path]:
    """Remove the temporary folders in ``folder`` left by killed runs (ours only: they hold :data:`PARTIAL`)."""
    removed = []
    try:
        candidates = [p for p in folder.iterdir() if p.name.startswith(".") and _TMP_TAG in p.name and p.is_dir()
                      and not p.is_symlink()]
    except OSError:
        return removed
    for tmp in candidates:
        try:
            writer = json.loads((tmp / PARTIAL).read_text())
            pid, host = int(writer["pid"]), writer.get("host", socket.gethostname())
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue                                   # not ours, or not recognizably: keep it
        if host == socket.gethostname() and not _alive(pid):
            shutil.rmtree(tmp, ignore_errors=True)
            removed.append(tmp)
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _normal_permissions(folder: Path) -> None:
    """0777 for folders and 0666 for files, less the umask (``mkdtemp`` makes 0700)."""
    mask = _umask()
    for root, dirs, files in os.walk(folder):
        os.chmod(root, 0o777 & ~mask)
        for f in files:
            os.chmod(os.path.join(root, f), 0o666 & ~mask)


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != PARTIAL)


def write_folder(target: Path, build: Callable[[Path], None], *, force: bool = False) -> Path:
    """Call ``build(tmp)`` to fill a temporary folder, then move its files to ``target``.

    The rules are those of this module's docstring; a failure (or a signal) inside
    ``build`` leaves ``target`` as it was and no temporary folder behind.
    """
    check_target(target, force=force)
    real = _resolve(target)
    home = real if real.is_dir() else real.parent
    try:
        home.mkdir(parents=True, exist_ok=True)
        remove_stale(home)
        tmp = Path(tempfile.mkdtemp(prefix=f".{real.name}{_TMP_TAG}", dir=home))
    except OSError as exc:
        raise OutputError(f"cannot write in {str(home)!r}: {exc.strerror or exc}") from None
    try:
        (tmp / PARTIAL).write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
        build(tmp)
        (tmp / PARTIAL).unlink()
        files = _listing(tmp)
        (tmp / MARKER).write_text(json.dumps({"written by": "kl-audit", "files": files}, indent=1) + "\n")
        _normal_permissions(tmp)
        if not real.exists():
            tmp.rename(real)
        else:
            _merge(tmp, real, files)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return Path(target)


def _merge(tmp: Path, real: Path, files: list[str]) -> None:
    """Move the new report's files into the existing folder ``real``; remove files of the old report not rewritten."""
    old = _our_files(real) if _is_report(real) else set()
    for name in files:
        dest = real / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp / name, dest)
    for name in sorted(old - set(files)):
        stale = real / name
        if stale.is_file() and not stale.is_symlink():
            stale.unlink()
    for name in sorted({str(Path(n).parent) for n in old - set(files)}, reverse=True):
        if name != "." and (real / name).is_dir() and not any((real / name).iterdir()):
            (real / name).rmdir()
    os.replace(tmp / MARKER, real / MARKER)


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
