"""Array namespaces: numpy for numpy input, the array API standard (``array-api-compat``) for the rest.

numpy arrays, Python numbers and sequences keep the numpy route unchanged.  Any
other array (a torch tensor on the CPU or a GPU) selects its namespace through
``array-api-compat``, imported only then: it comes with the ``torch`` extra.
The checks here repeat those of :mod:`numeric._validate` for such arrays, with the
same messages, and copy nothing to the host but the booleans they test (and the
offending value when there is one).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["is_foreign", "namespace", "device_of", "as_float", "require_finite", "require_positive", "finfo_name"]


def is_foreign(value: Any) -> bool:
    """True for an array that is not numpy's (a torch tensor, a CuPy array, ...)."""
    if isinstance(value, (np.ndarray, np.generic, int, float, bool, list, tuple)) or value is None:
        return False
    return hasattr(value, "__array_namespace__") or type(value).__module__.split(".")[0] == "torch"


def namespace(*arrays: Any) -> ModuleType:
    """``numpy`` unless one of ``arrays`` is another library's array; then that array's namespace."""
    foreign = [a for a in arrays if is_foreign(a)]
    if not foreign:
        return np
    try:
        import array_api_compat
    except ImportError:
        raise ImportError(f"arrays of type {type(foreign[0]).__module__}.{type(foreign[0]).__name__} need "
                          "array-api-compat: pip install 'vae-kl-audit[torch]'") from None
    return array_api_compat.array_namespace(*foreign)


def device_of(xp: ModuleType, array: Any) -> Any:
    import array_api_compat

    return array_api_compat.device(array)


def finfo_name(xp: ModuleType, dtype: Any) -> str:
    """'float32' or 'float64' (the name used in overflow messages)."""
    return "float32" if dtype == xp.float32 else "float64" if dtype == xp.float64 else str(dtype)


def as_float(xp: ModuleType, name: str, value: Any, *, like: Any = None, min_ndim: int = 0,
             ndim: int | None = None) -> Any:
    """``value`` as a real floating array of namespace ``xp``.

    A foreign floating array keeps its dtype and device; integers and booleans become
    float64 (float32 where ``like`` is float32).  numpy arrays and Python numbers move
    to the device and dtype of ``like``.  Complex or non-numeric data raise ``TypeError``.
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be numeric, got a string {value!r:.40}")
    if is_foreign(value):
        if hasattr(value, "detach"):
            value = value.detach()
        if xp.isdtype(value.dtype, "complex floating"):
            raise TypeError(f"{name} must be real, got complex values")
        if not xp.isdtype(value.dtype, "real floating"):
            if not xp.isdtype(value.dtype, ("integral", "bool")):
                raise TypeError(f"{name} must be numeric, got dtype {value.dtype}")
            dtype = like.dtype if like is not None else xp.float64
            value = xp.astype(value, dtype)
        arr = value
    else:
        host = np.asarray(value)
        if host.dtype == object or not (np.issubdtype(host.dtype, np.number) or host.dtype == np.bool_):
            raise TypeError(f"{name} must be numeric, got dtype {host.dtype}")
        if np.iscomplexobj(host):
            raise TypeError(f"{name} must be real, got complex values")
        dtype = like.dtype if like is not None else xp.float64
        kwargs = {"device": device_of(xp, like)} if like is not None else {}
        arr = xp.asarray(host.astype(np.float64), dtype=dtype, **kwargs)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {tuple(arr.shape)}")
    if arr.ndim < min_ndim:
        raise ValueError(f"{name} must have at least {min_ndim} dimension(s), got shape {tuple(arr.shape)}")
    return arr


def _first_bad(xp: ModuleType, arr: Any, bad: Any) -> tuple[float, str]:
    """The first offending value and its index, as numpy's checks word them."""
    idx = xp.nonzero(bad)
    count = int(idx[0].shape[0])
    first = tuple(int(i[0]) for i in idx)
    where = f"index {first[0] if len(first) == 1 else first}" + (f" (and {count - 1} more)" if count > 1 else "")
    return float(arr[first]), where


def require_finite(xp: ModuleType, name: str, arr: Any) -> Any:
    """Reject NaN and infinities, naming the first offending index (one boolean leaves the device)."""
    bad = ~xp.isfinite(arr)
    if bool(xp.any(bad)):
        value, where = _first_bad(xp, arr, bad)
        raise ValueError(f"{name} has a non-finite value {value} at {where}")
    return arr


def require_positive(xp: ModuleType, name: str, arr: Any) -> Any:
    """Reject NaN, infinities and values <= 0."""
    require_finite(xp, name, arr)
    bad = arr <= 0
    if bool(xp.any(bad)):
        value, where = _first_bad(xp, arr, bad)
        raise ValueError(f"{name} must be > 0, got {value} at {where}")
    return arr
