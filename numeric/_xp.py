"""Array namespaces: ``numpy`` itself for numpy input, the array API standard for the rest.

numpy arrays, Python numbers and sequences select the module ``numpy``, so the
formulas of ``numeric`` written against a namespace ``xp`` run on numpy without
``array-api-compat`` (they use only functions that numpy >= 1.25 and the standard
share; the few that differ are wrapped here).  Any other array (a torch tensor on
the CPU or a GPU) selects its namespace through ``array-api-compat``, imported only
then: it comes with the ``torch`` extra.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np

__all__ = ["argsort_descending", "astype", "clip_below", "concat", "device_of", "empty", "finfo_name", "full", "is_foreign", "namespace", "to_host"]


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


def device_of(array: Any) -> Any:
    """The device an array lives on ("cpu" for numpy)."""
    if not is_foreign(array):
        return "cpu"
    import array_api_compat

    return array_api_compat.device(array)


def finfo_name(xp: ModuleType, dtype: Any) -> str:
    """'float32' or 'float64' (the name used in overflow messages)."""
    return "float32" if dtype == xp.float32 else "float64" if dtype == xp.float64 else str(dtype)


def astype(a: Any, dtype: Any) -> Any:
    """``a`` in ``dtype`` (no copy when it already is)."""
    if isinstance(a, np.ndarray):
        return a.astype(dtype, copy=False)
    return a if a.dtype == dtype else namespace(a).astype(a, dtype)


def full(shape: tuple[int, ...], value: float, like: Any, dtype: Any = None) -> Any:
    """An array of ``value`` in the namespace, on the device and (unless ``dtype``) of the dtype of ``like``."""
    dtype = like.dtype if dtype is None else dtype
    if isinstance(like, np.ndarray):
        return np.full(shape, value, dtype=dtype)
    return namespace(like).full(shape, value, dtype=dtype, device=device_of(like))


def clip_below(a: Any, low: float) -> Any:
    """max(a, low) elementwise."""
    if isinstance(a, np.ndarray):
        return np.maximum(a, low)
    return namespace(a).clip(a, min=low)


def argsort_descending(a: Any) -> Any:
    """Indices that sort the 1-D ``a`` from largest to smallest (numpy: ``argsort(a)[::-1]``; ties in any order)."""
    if isinstance(a, np.ndarray):
        return np.argsort(a)[::-1]
    return namespace(a).argsort(a, descending=True)


def empty(shape: tuple[int, ...], like: Any) -> Any:
    """An uninitialized array in the namespace, dtype and device of ``like``."""
    if isinstance(like, np.ndarray):
        return np.empty(shape, dtype=like.dtype)
    return namespace(like).empty(shape, dtype=like.dtype, device=device_of(like))


def concat(parts: list[Any], axis: int = 0) -> Any:
    """The arrays of ``parts`` (one namespace) joined along ``axis``."""
    if len(parts) == 1:
        return parts[0]
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts, axis=axis)
    return namespace(parts[0]).concat(parts, axis=axis)


def to_host(a: Any) -> np.ndarray:
    """A small final array (d-vector, d x d matrix) or scalar as float64 numpy."""
    if isinstance(a, (np.ndarray, np.generic, float, int)):
        return np.asarray(a, dtype=np.float64)
    xp = namespace(a)
    return np.asarray(astype(a, xp.float64).cpu() if hasattr(a, "cpu") else a, dtype=np.float64)
