"""Reading encoder outputs: .npz, a pair of .npy files, or .csv; every failure is a one-line ValueError.

Sizes are checked before anything is read: an array header's shape against the
bytes the file holds and against the memory available.  ``.npy`` files are
memory-mapped; of a ``.npz`` only the members used are decompressed.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from numeric import DiagonalMixture
from numeric._validate import require_no_overflow

from .memory import available_memory, format_bytes

__all__ = ["read_encodings", "MEAN_KEYS", "SPREAD_KEYS"]

MEAN_KEYS = ("mean", "mu", "means", "z_mean")
#: Accepted spread keys and how each becomes a variance.
SPREAD_KEYS = {"logvar": "logvar", "log_var": "logvar", "z_log_var": "logvar", "var": "var", "variance": "var",
               "std": "std", "sigma": "std"}
#: Working copies made of the input (float64 means, variances, their checks) per input byte, roughly.
_COPIES = 6


def _require_memory(source: str, shape: tuple[int, ...], dtype: np.dtype) -> None:
    need = _COPIES * 8 * int(np.prod(shape, dtype=object))
    have = available_memory()
    if need > have:
        raise ValueError(f"{source} has shape {shape} ({dtype}); working on it needs about {format_bytes(need)} "
                         f"of memory, {format_bytes(have)} available")


def _check_header(source: str, fh, data_bytes: int) -> tuple[tuple[int, ...], np.dtype]:
    """Shape and dtype from an open .npy stream, checked against the ``data_bytes`` that follow the header."""
    try:
        version = np.lib.format.read_magic(fh)
        reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, _, dtype = reader(fh)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(f"cannot read {source} as .npy: {exc}") from None
    if dtype.hasobject:
        raise ValueError(f"{source} holds Python objects, not numbers (dtype {dtype})")
    claimed = int(np.prod(shape, dtype=object)) * dtype.itemsize
    if claimed > data_bytes - fh.tell():
        raise ValueError(f"{source}: its header claims shape {shape} ({dtype}, {format_bytes(claimed)}) but the file "
                         f"holds {format_bytes(max(0, data_bytes - fh.tell()))} of data (truncated or corrupt)")
    _require_memory(source, shape, dtype)
    return shape, dtype


def _to_mixture(mean: np.ndarray, spread: np.ndarray, kind: str, weights, source: str) -> DiagonalMixture:
    if mean.ndim == 1:
        mean = mean[:, None]
        spread = spread[:, None] if np.ndim(spread) == 1 else spread
    if np.shape(spread) != mean.shape:
        raise ValueError(f"{source}: the means have shape {mean.shape} but the {kind} has shape {np.shape(spread)}")
    if kind == "logvar":
        return _checked(DiagonalMixture.create(mean, logvar=spread, weights=weights), source)
    if kind == "std":
        std = np.asarray(spread, dtype=float)
        bad = ~(std > 0)
        if bad.any():
            idx = tuple(int(k) for k in np.argwhere(bad)[0])
            raise ValueError(f"{source}: std must be > 0, got {std[idx]} at row {idx[0]}, column {idx[1]}")
        return _checked(DiagonalMixture.create(mean, std**2, weights=weights), source)
    return _checked(DiagonalMixture.create(mean, spread, weights=weights), source)


def _checked(mix: DiagonalMixture, source: str) -> DiagonalMixture:
    """The mixture, once no value in it can overflow the work (checked before the work)."""
    try:
        require_no_overflow(mix.means, mix.variances)
    except ValueError as exc:
        raise ValueError(f"{source}: {exc}") from None
    return mix


def _load_weights(path: Path | None) -> np.ndarray | None:
    if path is None:
        return None
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"--weights: no such file: {str(path)!r}")
    if path.suffix == ".npy":
        return _load_npy(path, "--weights")
    try:
        return np.loadtxt(path, delimiter=",", ndmin=1, encoding="utf-8-sig")
    except (ValueError, OSError) as exc:
        raise ValueError(f"--weights: cannot read {str(path)!r}: {exc}") from None


def _numeric(arr: np.ndarray, source: str) -> np.ndarray:
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise ValueError(f"{source} must hold numbers, got dtype {arr.dtype}")
    return arr


def read_encodings(files: list[Path], *, spread: str | None = None, weights: Path | None = None,
                   notes: list[str] | None = None) -> DiagonalMixture:
    """Encodings from ``files``: one .npz or .csv, or two .npy (means, then spread).

    ``spread`` names what the spread array holds (logvar, var or std) for .npy and .csv
    input; in a .npz the key says it.  A .csv has one row per example: d mean columns,
    then d spread columns; its first row is a header if every field is a name.
    What was read (keys used, rows, header) is appended to ``notes``.
    """
    notes = [] if notes is None else notes
    files = [Path(f) for f in files]
    for f in files:
        if not f.exists():
            raise ValueError(f"no such file: {str(f)!r}")
        if f.is_dir():
            raise ValueError(f"{str(f)!r} is a folder, not a file")
    w = _load_weights(weights)
    if len(files) == 1 and files[0].suffix == ".npz":
        return _read_npz(files[0], w, notes)
    if len(files) == 2 and all(f.suffix == ".npy" for f in files):
        kind = _spread_kind(spread, "two .npy files")
        mean, sp = (_numeric(_load_npy(f, f.name), f"{f.name}") for f in files)
        notes.append(f"{files[0].name}: means {mean.shape}; {files[1].name}: {kind} {sp.shape}")
        return _to_mixture(mean, sp, kind, w, f"{files[0].name}/{files[1].name}")
    if len(files) == 1 and files[0].suffix == ".csv":
        return _read_csv(files[0], _spread_kind(spread, "a .csv file"), w, notes)
    kinds = ", ".join(f.suffix or "(no suffix)" for f in files)
    raise ValueError(f"expected one .npz, one .csv, or two .npy files (means, spread); got {len(files)} file(s): {kinds}")


def _spread_kind(spread: str | None, what: str) -> str:
    if spread is None:
        raise ValueError(f"with {what}, say what the spread is: --spread logvar, var or std")
    if spread not in ("logvar", "var", "std"):
        raise ValueError(f"--spread must be logvar, var or std, got {spread!r}")
    return spread


def _load_npy(path: Path, source: str) -> np.ndarray:
    """A memory-mapped .npy, its header checked against the file's size and the memory available first."""
    try:
        with open(path, "rb") as fh:
            _check_header(repr(source), fh, os.path.getsize(path))
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, EOFError) as exc:
        raise ValueError(f"cannot read {str(path)!r} as .npy: {exc}") from None


def _one_key(path: Path, present: list[str], accepted, what: str) -> str | None:
    found = [k for k in accepted if k in present]
    if len(found) > 1:
        raise ValueError(f"{path.name}: the {what} key is ambiguous: {', '.join(repr(k) for k in found)} are all "
                         "present; keep one")
    return found[0] if found else None


def _read_npz(path: Path, weights, notes: list[str]) -> DiagonalMixture:
    try:
        with zipfile.ZipFile(path) as zf:
            members = {Path(i.filename).stem: i for i in zf.infolist() if i.filename.endswith(".npy")}
            mean_key = _one_key(path, list(members), MEAN_KEYS, "mean")
            spread_key = _one_key(path, list(members), SPREAD_KEYS, "spread")
            if mean_key is None or spread_key is None:
                raise ValueError(f"{path.name}: need a mean array ({'/'.join(MEAN_KEYS)}) and a spread array "
                                 f"({'/'.join(SPREAD_KEYS)}); found keys: {', '.join(sorted(members)) or 'none'}")
            used = [mean_key, spread_key] + (["weights"] if weights is None and "weights" in members else [])
            for key in used:
                with zf.open(members[key]) as fh:
                    _check_header(f"{path.name}[{key!r}]", fh, members[key].file_size)
        with np.load(path, allow_pickle=False) as npz:               # lazy: only the members asked for are read
            arrays = {k: npz[k] for k in used}
    except ValueError:
        raise
    except (OSError, EOFError, zipfile.BadZipFile, KeyError, RuntimeError) as exc:
        raise ValueError(f"cannot read {str(path)!r} as .npz (truncated or corrupt?): {exc}") from None
    if "weights" in arrays:
        weights = arrays["weights"]
    mean = _numeric(arrays[mean_key], f"{path.name}[{mean_key!r}]")
    spread = _numeric(arrays[spread_key], f"{path.name}[{spread_key!r}]")
    unused = sorted(set(members) - set(used))
    notes.append(f"{path.name}: keys used: {', '.join(used)}" + (f"; not used: {', '.join(unused)}" if unused else ""))
    return _to_mixture(mean, spread, SPREAD_KEYS[spread_key], weights, path.name)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_csv(path: Path, kind: str, weights, notes: list[str]) -> DiagonalMixture:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {str(path)!r}: {exc}") from None
    lines = [(number, ln) for number, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    if not lines:
        raise ValueError(f"{path.name} is empty")
    header = None
    first_fields = [c.strip() for c in lines[0][1].split(",")]
    if not any(_is_number(c) for c in first_fields):
        header, lines = lines[0][0], lines[1:]
    rows = []
    for number, ln in lines:
        fields = [c.strip() for c in ln.split(",")]
        bad = next((c for c in fields if not _is_number(c)), None)
        if bad is not None:
            raise ValueError(f"{path.name}, line {number}: {bad!r} is not a number (in {ln[:60]!r})")
        rows.append([float(c) for c in fields])
    if not rows:
        raise ValueError(f"{path.name} has a header but no rows")
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        raise ValueError(f"{path.name}: rows have different numbers of columns ({sorted(widths)})")
    table = np.array(rows, dtype=float)
    if table.shape[1] % 2:
        raise ValueError(f"{path.name}: expected 2d columns (d means, then d {kind}), got {table.shape[1]}")
    notes.append(f"{path.name}: {len(rows)} rows read, " + (f"header on line {header} skipped" if header else "no header"))
    d = table.shape[1] // 2
    return _to_mixture(table[:, :d], table[:, d:], kind, weights, path.name)
