"""Reading encoder outputs: .npz, a pair of .npy files, or .csv; every failure is a one-line ValueError."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from numeric import DiagonalMixture

__all__ = ["read_encodings", "MEAN_KEYS", "SPREAD_KEYS"]

MEAN_KEYS = ("mean", "mu", "means", "z_mean")
#: Accepted spread keys and how each becomes a variance.
SPREAD_KEYS = {"logvar": "logvar", "log_var": "logvar", "z_log_var": "logvar", "var": "var", "variance": "var",
               "std": "std", "sigma": "std"}


def _to_mixture(mean: np.ndarray, spread: np.ndarray, kind: str, weights, source: str) -> DiagonalMixture:
    if mean.ndim == 1:
        mean = mean[:, None]
        spread = spread[:, None] if np.ndim(spread) == 1 else spread
    if np.shape(spread) != mean.shape:
        raise ValueError(f"{source}: the means have shape {mean.shape} but the {kind} has shape {np.shape(spread)}")
    if kind == "logvar":
        return DiagonalMixture.create(mean, logvar=spread, weights=weights)
    if kind == "std":
        std = np.asarray(spread, dtype=float)
        bad = ~(std > 0)
        if bad.any():
            idx = tuple(int(k) for k in np.argwhere(bad)[0])
            raise ValueError(f"{source}: std must be > 0, got {std[idx]} at row {idx[0]}, column {idx[1]}")
        return DiagonalMixture.create(mean, std**2, weights=weights)
    return DiagonalMixture.create(mean, spread, weights=weights)


def _load_weights(path: Path | None) -> np.ndarray | None:
    if path is None:
        return None
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"--weights: no such file: {str(path)!r}")
    try:
        return np.load(path, allow_pickle=False) if path.suffix == ".npy" else np.loadtxt(path, delimiter=",", ndmin=1)
    except (ValueError, OSError) as exc:
        raise ValueError(f"--weights: cannot read {str(path)!r}: {exc}") from None


def _numeric(arr: np.ndarray, source: str) -> np.ndarray:
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise ValueError(f"{source} must hold numbers, got dtype {arr.dtype}")
    return arr


def read_encodings(files: list[Path], *, spread: str | None = None, weights: Path | None = None) -> DiagonalMixture:
    """Encodings from ``files``: one .npz or .csv, or two .npy (means, then spread).

    ``spread`` names what the spread array holds (logvar, var or std) for .npy and .csv
    input; in a .npz the key says it.  A .csv has one row per example: d mean columns,
    then d spread columns (a header row, if any, is skipped).
    """
    files = [Path(f) for f in files]
    for f in files:
        if not f.exists():
            raise ValueError(f"no such file: {str(f)!r}")
        if f.is_dir():
            raise ValueError(f"{str(f)!r} is a folder, not a file")
    w = _load_weights(weights)
    if len(files) == 1 and files[0].suffix == ".npz":
        return _read_npz(files[0], w)
    if len(files) == 2 and all(f.suffix == ".npy" for f in files):
        kind = _spread_kind(spread, "two .npy files")
        mean, sp = (_numeric(_load_npy(f), f"{f.name}") for f in files)
        return _to_mixture(mean, sp, kind, w, f"{files[0].name}/{files[1].name}")
    if len(files) == 1 and files[0].suffix == ".csv":
        return _read_csv(files[0], _spread_kind(spread, "a .csv file"), w)
    kinds = ", ".join(f.suffix or "(no suffix)" for f in files)
    raise ValueError(f"expected one .npz, one .csv, or two .npy files (means, spread); got {len(files)} file(s): {kinds}")


def _spread_kind(spread: str | None, what: str) -> str:
    if spread is None:
        raise ValueError(f"with {what}, say what the spread is: --spread logvar, var or std")
    if spread not in ("logvar", "var", "std"):
        raise ValueError(f"--spread must be logvar, var or std, got {spread!r}")
    return spread


def _load_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(f"cannot read {str(path)!r} as .npy: {exc}") from None


def _read_npz(path: Path, weights) -> DiagonalMixture:
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise ValueError(f"cannot read {str(path)!r} as .npz (truncated or corrupt?): {exc}") from None
    mean_key = next((k for k in MEAN_KEYS if k in arrays), None)
    spread_key = next((k for k in SPREAD_KEYS if k in arrays), None)
    if mean_key is None or spread_key is None:
        raise ValueError(f"{path.name}: need a mean array ({'/'.join(MEAN_KEYS)}) and a spread array "
                         f"({'/'.join(SPREAD_KEYS)}); found keys: {', '.join(sorted(arrays)) or 'none'}")
    if weights is None and "weights" in arrays:
        weights = arrays["weights"]
    mean = _numeric(arrays[mean_key], f"{path.name}[{mean_key!r}]")
    spread = _numeric(arrays[spread_key], f"{path.name}[{spread_key!r}]")
    return _to_mixture(mean, spread, SPREAD_KEYS[spread_key], weights, path.name)


def _read_csv(path: Path, kind: str, weights) -> DiagonalMixture:
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {str(path)!r}: {exc}") from None
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        raise ValueError(f"{path.name} is empty")
    first = lines[0].split(",")
    try:
        [float(c) for c in first]
        body = lines
    except ValueError:
        body = lines[1:]
    rows = []
    for number, ln in enumerate(body, start=len(lines) - len(body) + 1):
        try:
            rows.append([float(c) for c in ln.split(",")])
        except ValueError:
            raise ValueError(f"{path.name}, line {number}: a non-numeric value in {ln[:60]!r}") from None
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        raise ValueError(f"{path.name}: rows have different numbers of columns ({sorted(widths)})")
    table = np.array(rows, dtype=float)
    if table.ndim != 2 or table.size == 0:
        raise ValueError(f"{path.name}: rows have different numbers of columns, or there are none")
    if table.shape[1] % 2:
        raise ValueError(f"{path.name}: expected 2d columns (d means, then d {kind}), got {table.shape[1]}")
    d = table.shape[1] // 2
    return _to_mixture(table[:, :d], table[:, d:], kind, weights, path.name)
