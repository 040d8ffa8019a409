"""Input checks shared by ``numeric``: each error names the argument and the offending value."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["as_real_array", "require_positive", "require_finite", "spread_to_variance", "normalize_weights",
           "require_no_overflow", "WEIGHT_SUM_TOLERANCE", "MAX_LOGVAR", "MAX_ABS_MEAN"]

#: Weights must sum to one within this absolute tolerance before they are renormalized.
WEIGHT_SUM_TOLERANCE = 1e-6

#: Largest log-variance whose KL terms can be squared and summed over 10^6 draws in float64
#: (the Monte Carlo variance needs (v/2)^2 < 1.8e308 / 10^6, i.e. log v < 351; kept at 340).
MAX_LOGVAR = 340.0
#: Largest |mean| for the same reason ((m^2/2)^2 summed over 10^6 draws).
MAX_ABS_MEAN = 1e75


def _where(bad: NDArray[np.bool_]) -> str:
    idx = np.argwhere(bad)
    first = tuple(int(k) for k in idx[0])
    where = f"index {first[0] if len(first) == 1 else first}"
    return where + (f" (and {len(idx) - 1} more)" if len(idx) > 1 else "")


def as_real_array(name: str, value: ArrayLike, *, ndim: int | None = None, min_ndim: int = 0) -> NDArray[np.float64]:
    """``value`` as a float64 array; ``TypeError`` for non-numeric data, ``ValueError`` for bad shape."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be numeric, got a string {value!r:.40}")
    try:
        arr = np.asarray(value)
    except ValueError as exc:  # ragged nested lists
        raise ValueError(f"{name} is ragged: its rows have different lengths ({exc})") from None
    if arr.dtype == object:
        raise ValueError(f"{name} is ragged or holds non-numbers (dtype object)")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex values")
    arr = arr.astype(np.float64, copy=False)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}")
    if arr.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimension(s), got shape {arr.shape}")
    return arr


def require_finite(name: str, arr: NDArray[np.float64]) -> NDArray[np.float64]:
    """Reject NaN and infinities, naming the first offending index."""
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ValueError(f"{name} has a non-finite value {arr[bad][0]} at {_where(bad)}")
    return arr


def require_positive(name: str, arr: NDArray[np.float64]) -> NDArray[np.float64]:
    """Reject NaN, infinities and values <= 0."""
    require_finite(name, arr)
    bad = arr <= 0
    if bad.any():
        raise ValueError(f"{name} must be > 0, got {arr[bad][0]} at {_where(bad)}")
    return arr


def spread_to_variance(var: ArrayLike | None, logvar: ArrayLike | None, *, name: str = "var") -> NDArray[np.float64]:
    """Exactly one of ``var`` and ``logvar`` as a positive variance array."""
    if (var is None) == (logvar is None):
        raise TypeError(f"give exactly one of {name} and log{name}")
    if var is not None:
        return require_positive(name, as_real_array(name, var))
    lv = require_finite(f"log{name}", as_real_array(f"log{name}", logvar))
    too_big = lv > np.log(np.finfo(np.float64).max)
    if too_big.any():
        raise ValueError(f"log{name} = {lv[too_big][0]} at {_where(too_big)} overflows float64 (variance > 1.8e308)")
    v = np.exp(lv)
    tiny = v == 0
    if tiny.any():
        raise ValueError(f"log{name} = {lv[tiny][0]} at {_where(tiny)} underflows to a zero variance")
    return v


def normalize_weights(weights: ArrayLike | None, n: int, *, name: str = "weights") -> NDArray[np.float64]:
    """Uniform weights when ``None``; else nonnegative weights summing to one (within tolerance)."""
    if weights is None:
        if n == 0:
            raise ValueError("the mixture has no components (N = 0)")
        return np.full(n, 1.0 / n)
    w = require_finite(name, as_real_array(name, weights, ndim=1))
    if w.shape[0] != n:
        raise ValueError(f"{name} has {w.shape[0]} entries but there are {n} components")
    if (w < 0).any():
        raise ValueError(f"{name} must be >= 0, got {w[w < 0][0]} at {_where(w < 0)}")
    total = w.sum()
    if not abs(total - 1.0) <= WEIGHT_SUM_TOLERANCE:
        raise ValueError(f"{name} must sum to 1 (within {WEIGHT_SUM_TOLERANCE:g}), got a sum of {float(total):.6g}")
    return w / total


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
