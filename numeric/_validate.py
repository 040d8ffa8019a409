"""Input checks shared by ``numeric``: each error names the argument and the offending value.

The checks are written against an array namespace: numpy arrays and Python data are
checked as float64 numpy arrays, a torch tensor (CPU or GPU) where it lives, with the
same messages; only the booleans tested (and the offending value, when there is one)
leave its device.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._xp import astype, device_of, finfo_name, full, is_foreign, namespace

__all__ = ["anchor", "as_real_array", "require_positive", "require_finite", "spread_to_variance", "normalize_weights",
           "require_no_overflow", "require_sampling", "validate_mixture", "WEIGHT_SUM_TOLERANCE", "MAX_LOGVAR", "MAX_ABS_MEAN"]

#: Weights must sum to one within this absolute tolerance before they are renormalized.
WEIGHT_SUM_TOLERANCE = 1e-6

#: Largest log-variance whose KL terms can be squared and summed over 10^6 draws in float64
#: (the Monte Carlo variance needs (v/2)^2 < 1.8e308 / 10^6, i.e. log v < 351; kept at 340).
MAX_LOGVAR = 340.0
#: Largest |mean| for the same reason ((m^2/2)^2 summed over 10^6 draws).
MAX_ABS_MEAN = 1e75


def _first_bad(arr: Any, bad: Any) -> tuple[float, str]:
    """The first offending value of ``arr`` where ``bad`` holds, and where it is ("index 3 (and 2 more)")."""
    if arr.ndim == 0:
        return float(arr), "index ()"
    idx = namespace(bad).nonzero(bad)
    count = int(idx[0].shape[0])
    first = tuple(int(i[0]) for i in idx)
    where = f"index {first[0] if len(first) == 1 else first}" + (f" (and {count - 1} more)" if count > 1 else "")
    return float(arr[first]), where


def _where(bad: NDArray[np.bool_]) -> str:
    return _first_bad(np.zeros(bad.shape), bad)[1]


def as_real_array(name: str, value: Any, *, ndim: int | None = None, min_ndim: int = 0, like: Any = None) -> Any:
    """``value`` as a real floating array; ``TypeError`` for non-numeric data, ``ValueError`` for bad shape.

    Without ``like`` (or with a numpy ``like``) the result is a float64 numpy array (a torch
    CPU tensor is converted).  When ``like`` is another library's array (a torch tensor),
    numpy arrays, Python numbers and sequences move to its namespace, device and dtype, and
    such an array itself keeps its namespace, device and floating dtype (detached from
    autograd; integers and booleans become ``like``'s dtype).
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be numeric, got a string {value!r:.40}")
    if is_foreign(value) and is_foreign(like):
        xp = namespace(value)
        arr = value.detach() if hasattr(value, "detach") else value
        if xp.isdtype(arr.dtype, "complex floating"):
            raise TypeError(f"{name} must be real, got complex values")
        if not xp.isdtype(arr.dtype, "real floating"):
            if not xp.isdtype(arr.dtype, ("integral", "bool")):
                raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
            arr = xp.astype(arr, like.dtype)
    else:
        try:
            host = np.asarray(value)
        except ValueError as exc:  # ragged nested lists
            raise ValueError(f"{name} is ragged: its rows have different lengths ({exc})") from None
        if host.dtype == object:
            raise ValueError(f"{name} is ragged or holds non-numbers (dtype object)")
        if not (np.issubdtype(host.dtype, np.number) or host.dtype == np.bool_):
            raise TypeError(f"{name} must be numeric, got dtype {host.dtype}")
        if np.iscomplexobj(host):
            raise TypeError(f"{name} must be real, got complex values")
        arr = host.astype(np.float64, copy=False)
        if is_foreign(like):
            arr = namespace(like).asarray(arr, dtype=like.dtype, device=device_of(like))
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {tuple(arr.shape)}")
    if arr.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimension(s), got shape {tuple(arr.shape)}")
    return arr


def anchor(*values: Any) -> Any:
    """The first of ``values`` that is another library's array (in a floating dtype), or None.

    Passed as ``like`` to :func:`as_real_array`, it puts every argument of a computation in
    that array's namespace and on its device.
    """
    first = next((a for a in values if is_foreign(a)), None)
    if first is None:
        return None
    xp = namespace(first)
    if xp.isdtype(first.dtype, "real floating"):
        return first
    return xp.zeros((), dtype=xp.float64, device=device_of(first))       # its namespace and device, in float64


def require_finite(name: str, arr: Any) -> Any:
    """Reject NaN and infinities, naming the first offending index."""
    xp = namespace(arr)
    bad = ~xp.isfinite(arr)
    if bool(xp.any(bad)):
        value, where = _first_bad(arr, bad)
        raise ValueError(f"{name} has a non-finite value {value} at {where}")
    return arr


def require_positive(name: str, arr: Any) -> Any:
    """Reject NaN, infinities and values <= 0."""
    require_finite(name, arr)
    xp = namespace(arr)
    bad = arr <= 0
    if bool(xp.any(bad)):
        value, where = _first_bad(arr, bad)
        raise ValueError(f"{name} must be > 0, got {value} at {where}")
    return arr


def spread_to_variance(var: Any, logvar: Any, *, name: str = "var", logname: str | None = None,
                       like: Any = None, dtype: Any = None) -> Any:
    """Exactly one of ``var`` and ``logvar`` as a positive variance array (in ``dtype``, default float64).

    ``name`` and ``logname`` (default "log" + ``name``) name the two in messages; ``like``
    as in :func:`as_real_array`.  A log-variance whose exponential overflows or underflows
    ``dtype`` is refused, naming it.
    """
    logname = f"log{name}" if logname is None else logname
    if (var is None) == (logvar is None):
        raise TypeError(f"give exactly one of {name} and {logname}, got {'both' if var is not None else 'neither'}")
    if var is not None:
        v = as_real_array(name, var, like=like)
        return require_positive(name, v if dtype is None else astype(v, dtype))
    lv = as_real_array(logname, logvar, like=like)
    lv = require_finite(logname, lv if dtype is None else astype(lv, dtype))
    xp = namespace(lv)
    biggest = xp.finfo(lv.dtype).max
    too_big = lv > math.log(biggest)
    if bool(xp.any(too_big)):
        value, where = _first_bad(lv, too_big)
        raise ValueError(f"{logname} = {value} at {where} overflows {finfo_name(xp, lv.dtype)} "
                         f"(variance > {float(biggest):.2g})")
    v = xp.exp(lv)
    tiny = v == 0
    if bool(xp.any(tiny)):
        value, where = _first_bad(lv, tiny)
        raise ValueError(f"{logname} = {value} at {where} underflows to a zero variance")
    return v


def normalize_weights(weights: Any, n: int, *, name: str = "weights", like: Any = None, dtype: Any = None) -> Any:
    """Uniform weights when ``None``; else nonnegative weights summing to one (within tolerance).

    ``like`` as in :func:`as_real_array`; ``dtype`` the working precision (default float64).
    The sum is taken in float64.
    """
    if weights is None:
        if n == 0:
            raise ValueError("the mixture has no components (N = 0)")
        return full((n,), 1.0 / n, np.zeros(0) if like is None else like, dtype=dtype or np.float64)
    w = as_real_array(name, weights, ndim=1, like=like)
    w = require_finite(name, w if dtype is None else astype(w, dtype))
    xp = namespace(w)
    if w.shape[0] != n:
        raise ValueError(f"{name} has {w.shape[0]} entries but there are {n} components")
    if bool(xp.any(w < 0)):
        value, where = _first_bad(w, w < 0)
        raise ValueError(f"{name} must be >= 0, got {value} at {where}")
    total = float(xp.sum(astype(w, xp.float64)))
    if not abs(total - 1.0) <= WEIGHT_SUM_TOLERANCE:
        raise ValueError(f"{name} must sum to 1 (within {WEIGHT_SUM_TOLERANCE:g}), got a sum of {total:.6g}")
    return w / total


def validate_mixture(means: Any, var: Any = None, *, logvar: Any = None, weights: Any = None,
                     names: tuple[str, str] | None = None, dtype: Any = None,
                     on_device: bool = False) -> tuple[Any, Any, Any]:
    """Means (N, d), variances (N, d) and weights (N,) of a mixture, checked, in one namespace and dtype.

    Exactly one of ``var`` and ``logvar``; uniform weights when ``weights`` is None.  Float64
    numpy arrays, or with ``on_device`` arrays of the namespace and on the device of
    ``means`` (a torch tensor stays where it is), ``dtype`` then being the working precision
    of that namespace (default float64).  ``names``, when given, name the means and the
    spread given in messages (e.g. ``("mu", "logvar")``).
    """
    mean_name = "means" if names is None else names[0]
    name, logname = ("var", "logvar") if names is None else (names[1], names[1])
    m = as_real_array(mean_name, means, ndim=2, like=anchor(means, var, logvar, weights) if on_device else None)
    m = require_finite(mean_name, m if dtype is None else astype(m, dtype))
    v = spread_to_variance(var, logvar, name=name, logname=logname, like=m, dtype=m.dtype)
    if tuple(v.shape) != tuple(m.shape):
        raise ValueError(f"{mean_name} have shape {tuple(m.shape)} but the variances have shape {tuple(v.shape)}")
    n, d = m.shape
    if n == 0:
        raise ValueError("the mixture has no components (N = 0)")
    if d == 0:
        raise ValueError("the mixture has zero dimensions (d = 0)")
    return m, v, normalize_weights(weights, n, like=m, dtype=m.dtype)


def require_sampling(n_samples: Any, level: Any, chunk_samples: Any = 1) -> None:
    """Check a Monte Carlo estimate's arguments: ``n_samples`` an integer >= 2, ``level`` in (0, 1), ``chunk_samples`` >= 1."""
    if not isinstance(n_samples, (int, np.integer)) or isinstance(n_samples, bool) or n_samples < 2:
        raise ValueError(f"n_samples must be an integer >= 2, got {n_samples!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    if not isinstance(chunk_samples, (int, np.integer)) or isinstance(chunk_samples, bool) or chunk_samples < 1:
        raise ValueError(f"chunk_samples must be an integer >= 1, got {chunk_samples!r}")


def require_no_overflow(means: NDArray[np.float64], variances: NDArray[np.float64]) -> None:
    """Refuse, before any work, values whose KL terms overflow float64 once squared for a standard error.

    A variance above e^MAX_LOGVAR or a mean beyond ±MAX_ABS_MEAN gives KL terms near
    1e150 or more; the squares that a Monte Carlo standard error sums are then
    infinite and the interval NaN.  The error names the first offending entry.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        big_v = np.log(variances) > MAX_LOGVAR
    if big_v.any():
        v = float(variances[big_v][0])
        raise ValueError(f"variance {v:.3g} (log-variance {np.log(v):.4g}) at {_where(big_v)} overflows float64 in "
                         f"the KL terms' squares; log-variances must be <= {MAX_LOGVAR:g}")
    big_m = np.abs(means) > MAX_ABS_MEAN
    if big_m.any():
        raise ValueError(f"mean {float(means[big_m][0]):.3g} at {_where(big_m)} overflows float64 in the KL terms' "
                         f"squares; |means| must be <= {MAX_ABS_MEAN:g}")
