"""Closed-form KL divergences between Gaussians.

Each function cites the checked theorem of ``proofs`` whose formula it evaluates.
All functions broadcast over leading batch axes; the last axis holds the d
coordinates.  Results are in nats.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import anchor, as_real_array, require_finite, require_positive, spread_to_variance
from ._xp import finfo_name, namespace

__all__ = ["ratio_term", "kl_diag", "kl_diag_standard", "kl_full_standard", "entropy_diag"]


def ratio_term(log_ratio: ArrayLike) -> NDArray[np.float64]:
    """``r - 1 - log r`` for ``r = exp(log_ratio)``, accurate near ``r = 1``.

    Computed as ``expm1(t) - t`` with a Taylor series for ``|t| < 1e-2`` so
    that the cancellation of ``r - 1`` against ``log r`` loses no digits.
    Array-API generic: a torch tensor gives a tensor of its dtype on its device;
    anything else a float64 numpy array.
    """
    xp = namespace(log_ratio)
    t = np.asarray(log_ratio, dtype=np.float64) if xp is np else log_ratio
    small = xp.abs(t) < 1e-2
    series = t * t * (0.5 + t * (1 / 6 + t * (1 / 24 + t * (1 / 120 + t / 720))))
    with np.errstate(over="ignore"):
        direct = xp.expm1(t) - t
    return xp.where(small, series, direct)


def kl_diag(mean1: ArrayLike, var1: ArrayLike, mean2: ArrayLike, var2: ArrayLike) -> NDArray[np.float64]:
    """KL(N(mean1, diag var1) || N(mean2, diag var2)), summed over the last axis.

    ½ Σ_j [v1/v2 - 1 - log(v1/v2) + (m1 - m2)²/v2]  (theorem `kl_two_gaussians`,
    summed over coordinates by theorem `kl_product`).

    Array-API generic: numpy input (and Python numbers) gives float64 numpy; when
    an argument is a torch tensor (CPU or CUDA) the others move to its device and
    dtype and the result is a tensor there (float32 in, float32 out).

    Parameters
    ----------
    mean1, var1, mean2, var2 : array_like, shape (..., d)
        Means and variances (variances > 0); broadcast against each other.

    Returns
    -------
    ndarray, shape (...)
    """
    xp = namespace(mean1, var1, mean2, var2)
    like = anchor(mean1, var1, mean2, var2)             # a tensor's namespace, device and dtype for all
    m1, m2 = (require_finite(n, as_real_array(n, a, min_ndim=1, like=like)) for n, a in (("mean1", mean1), ("mean2", mean2)))
    v1, v2 = (require_positive(n, as_real_array(n, a, min_ndim=1, like=like)) for n, a in (("var1", var1), ("var2", var2)))
    log_ratio = xp.log(v1) - xp.log(v2)
    with np.errstate(over="ignore"):
        terms = ratio_term(log_ratio) + (m1 - m2) ** 2 / v2
    out = 0.5 * xp.sum(terms, axis=-1)
    _require_representable(out, "the KL divergence")
    return out


def kl_diag_standard(mean: ArrayLike, var: ArrayLike | None = None, *, logvar: ArrayLike | None = None,
                     prior_mean: ArrayLike = 0.0, prior_var: ArrayLike = 1.0) -> NDArray[np.float64]:
    """KL(N(mean, diag var) || prior), the prior N(0, I) unless given.

    With the default prior this is the script's
    ``KL = @(m,v) .5*sum(v + m.^2 - 1 - log(v))``.

    Parameters
    ----------
    mean : array_like, shape (..., d)
    var, logvar : array_like, shape (..., d)
        Exactly one: the variances, or their logarithms (as VAE encoders output).
    prior_mean, prior_var : array_like, broadcastable to (d,)
        A diagonal Gaussian prior.

    Returns
    -------
    ndarray, shape (...)
    """
    v = spread_to_variance(var, logvar)
    mean = as_real_array("mean", mean, min_ndim=1)
    if mean.shape[-1:] != v.shape[-1:] and v.ndim:
        raise ValueError(f"mean has shape {mean.shape} but the variances have shape {v.shape}")
    pm = np.broadcast_to(as_real_array("prior_mean", prior_mean), mean.shape[-1:])
    pv = np.broadcast_to(as_real_array("prior_var", prior_var), mean.shape[-1:])
    return kl_diag(mean, v, pm, pv)


def kl_full_standard(mean: ArrayLike, cov: ArrayLike) -> NDArray[np.float64]:
    """KL(N(mean, cov) || N(0, I)) = ½(tr cov + meanᵀmean - d - log det cov)  (theorem `kl_full_covariance_3`).

    Parameters
    ----------
    mean : array_like, shape (..., d)
    cov : array_like, shape (..., d, d), symmetric positive definite

    Returns
    -------
    ndarray, shape (...)
    """
    m = require_finite("mean", as_real_array("mean", mean, min_ndim=1))
    s = require_finite("cov", as_real_array("cov", cov, min_ndim=2))
    d = m.shape[-1]
    if s.shape[-2:] != (d, d):
        raise ValueError(f"cov must have shape (..., {d}, {d}) to match mean, got {s.shape}")
    try:
        chol = np.linalg.cholesky(s)
    except np.linalg.LinAlgError:
        raise ValueError("cov is not positive definite") from None
    logdet = 2.0 * np.log(np.diagonal(chol, axis1=-2, axis2=-1)).sum(axis=-1)
    out = 0.5 * (np.trace(s, axis1=-2, axis2=-1) + (m * m).sum(axis=-1) - d - logdet)
    _require_representable(out, "the KL divergence")
    return out


def entropy_diag(var: ArrayLike) -> NDArray[np.float64]:
    """Differential entropy of N(·, diag var): ½ Σ_j log(2πe v_j).  Shape (..., d) -> (...)."""
    v = require_positive("var", as_real_array("var", var, min_ndim=1))
    return 0.5 * (np.log(2 * np.pi * np.e) + np.log(v)).sum(axis=-1)


def _require_representable(out: NDArray[np.float64], what: str) -> None:
    xp = namespace(out)
    if not bool(xp.all(xp.isfinite(out))):
        raise ValueError(f"{what} is not representable in {finfo_name(xp, out.dtype)} (overflow) for these inputs")
