"""Deterministic bounds on KL(q̄ || p) from pairwise distances (Kolchinsky and Tracey 2017).

With D_ij = KL(q_i || q_j) and BD_ij the Bhattacharyya distance,
avg KL + Σ_i w_i log Σ_j w_j e^{-D_ij} <= KL(q̄ || p) <= avg KL + Σ_i w_i log Σ_j w_j e^{-BD_ij}.

The bounds are reported as guarantees, so each is widened by :func:`rounding_margin`,
a bound on the floating-point error of its evaluation: D_ij is formed by matrix
products whose terms (m_i²/v_j, m_i m_j/v_j, m_j²/v_j) cancel when components are
narrow and far from the origin, so the error follows the size of those terms, not of D.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._kernels import kl_bhattacharyya_block, log_group_size
from ._xp import namespace
from .density import accumulate_logsumexp
from .mixture import DiagonalMixture, Prior, avg_kl

#: Working memory for the (rows x N) blocks of D and BD (each row is scored on its own core).
DEFAULT_CHUNK_BYTES = 64 * 2**20

#: Components per tile in :func:`pairwise_row_terms` (means, variances and 1/v of a tile: 24·d·TILE bytes).
TILE = 16_384

__all__ = ["BoundsEstimate", "TILE", "bounds_from_row_terms", "pairwise_bhattacharyya", "pairwise_bounds",
           "pairwise_bounds_sampled", "pairwise_distances", "pairwise_kl", "pairwise_row_terms", "rounding_margin"]


def pairwise_distances(mi: Any, vi: Any, m: Any, v: Any) -> tuple[Any, Any]:
    """D_ij = KL(q_i || q_j) and BD_ij for rows (mi, vi) (B, d) against components (m, v) (N, d): (B, N) each.

    D_ij = ½ Σ_k [(v_ik + (m_ik - m_jk)²)/v_jk - 1] + ½ Σ_k log v_jk - ½ Σ_k log v_ik,
    BD_ij = ⅛ Σ_k (m_ik - m_jk)²/v̄_k + ½ Σ_k log v̄_k - ¼ Σ_k log v_ik - ¼ Σ_k log v_jk, v̄ = (v_i + v_j)/2,
    in the direct form (the square (m_ik - m_jk)² is never expanded) over a (B x N x d) block:
    any array namespace, on the arrays' device.  The compiled kernel
    (:func:`numeric._kernels.kl_bhattacharyya_block`) fuses the same sums for numpy.
    """
    xp = namespace(mi, m)
    half_logdet_i = 0.5 * xp.sum(xp.log(vi), axis=1)[:, None]                          # (B, 1)
    half_logdet = 0.5 * xp.sum(xp.log(v), axis=1)[None, :]                             # (1, N)
    sq = mi[:, None, :] - m[None, :, :]                                                # (B, N, d)
    sq *= sq
    ratio = vi[:, None, :] + sq
    ratio /= v[None, :, :]
    kl = 0.5 * (xp.sum(ratio, axis=2) - m.shape[1]) + half_logdet - half_logdet_i
    vbar = 0.5 * vi[:, None, :] + 0.5 * v[None, :, :]                                  # no overflow
    sq /= vbar
    bd = 0.125 * xp.sum(sq, axis=2) + 0.5 * xp.sum(xp.log(vbar), axis=2) - 0.5 * (half_logdet_i + half_logdet)
    return kl, bd


def _pairwise_block(mix: DiagonalMixture, rows: slice | NDArray[np.int64],
                    prepared: tuple[NDArray[np.float64], NDArray[np.float64], int] | None = None
                    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(D, BD) for i in ``rows`` and every j, each of shape (len(rows), N), by one compiled pass.

    Both are evaluated in the direct form (the square (m_ik - m_jk)² is never expanded), so
    means far from the origin lose no digits; no (rows x N x d) temporary is formed.
    ``prepared`` is ``_prepare(mix)``, computed once for many blocks.
    """
    m, v = mix.means, mix.variances
    inv_v, half_logdet, group = prepared if prepared is not None else _prepare(mix)
    mi, vi = np.ascontiguousarray(m[rows]), np.ascontiguousarray(v[rows])
    kl = np.empty((mi.shape[0], mix.n))
    bd = np.empty((mi.shape[0], mix.n))
    kl_bhattacharyya_block(mi, vi, np.ascontiguousarray(m), np.ascontiguousarray(v), inv_v, half_logdet[rows], half_logdet,
                           group, kl, bd)
    return kl, bd


def _prepare(mix: DiagonalMixture, block: int = 65_536) -> tuple[NDArray[np.float64], NDArray[np.float64], int]:
    """1/v, shape (N, d); ½ Σ_k log v_ik, shape (N,); and the kernel's group size for the logs.

    The logarithms are taken ``block`` components at a time: no (N, d) temporary besides 1/v.
    """
    v = mix.variances
    half_logdet = np.empty(mix.n)
    largest = np.zeros(1)                       # the largest |log v| seen, all log_group_size needs
    for start in range(0, mix.n, block):
        log_v = np.log(v[start:start + block])
        half_logdet[start:start + block] = 0.5 * log_v.sum(1)
        largest[0] = max(largest[0], float(np.abs(log_v).max()))
    return 1.0 / v, half_logdet, log_group_size(largest)


def pairwise_kl(mix: DiagonalMixture, rows: slice | NDArray[np.int64] = slice(None)) -> NDArray[np.float64]:
    """D_ij = KL(q_i || q_j) for i in ``rows`` and every j, shape (len(rows), N).

    ½ Σ_k [log v_jk - log v_ik + (v_ik + (m_ik - m_jk)²)/v_jk - 1]: the formula of
    :func:`pairwise_distances`, evaluated by the compiled kernel.
    """
    return _pairwise_block(mix, rows)[0]


def pairwise_bhattacharyya(mix: DiagonalMixture, rows: slice | NDArray[np.int64] = slice(None)) -> NDArray[np.float64]:
    """BD_ij for i in ``rows`` and every j, shape (len(rows), N).

    ⅛ Σ_k (m_ik - m_jk)²/v̄_k + ½ Σ_k log(v̄_k / sqrt(v_ik v_jk)), v̄ = (v_i + v_j)/2: the formula
    of :func:`pairwise_distances`, evaluated by the compiled kernel.
    """
    return _pairwise_block(mix, rows)[1]


def pairwise_row_terms(mix: DiagonalMixture, rows: NDArray[np.int64], *, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                       progress: Callable[[int], None] | None = None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """log Σ_j w_j e^{-D_ij} and log Σ_j w_j e^{-BD_ij} for each row i in ``rows``, shape (len(rows),) each.

    Up to 256 rows at a time meet the components a tile of :data:`TILE` at a time (a tile
    stays in cache while every row passes over it), and each row's two sums are carried
    across tiles as running logsumexps; both distances come from one pass.
    """
    logw = np.log(mix.weights, where=mix.weights > 0, out=np.full(mix.n, -np.inf))
    inv_v, half_logdet, group = _prepare(mix)
    m, v = np.ascontiguousarray(mix.means), np.ascontiguousarray(mix.variances)
    lower = np.empty(rows.size)
    upper = np.empty(rows.size)
    tile = min(mix.n, TILE)
    block = int(np.clip(chunk_bytes // (8 * 2 * tile), 1, 256))
    kl_buf, bd_buf = np.empty((block, tile)), np.empty((block, tile))
    for start in range(0, rows.size, block):
        idx = rows[start:start + block]
        mi, vi = np.ascontiguousarray(m[idx]), np.ascontiguousarray(v[idx])
        top_l, top_u = np.full(idx.size, -np.inf), np.full(idx.size, -np.inf)
        sum_l, sum_u = np.zeros(idx.size), np.zeros(idx.size)
        for first in range(0, mix.n, tile):
            cols = slice(first, min(first + tile, mix.n))
            width = cols.stop - first
            kl, bd = kl_buf[:idx.size, :width], bd_buf[:idx.size, :width]
            kl_bhattacharyya_block(mi, vi, m[cols], v[cols], inv_v[cols], half_logdet[idx], half_logdet[cols], group,
                                   kl, bd)
            np.subtract(logw[cols], kl, out=kl)
            np.subtract(logw[cols], bd, out=bd)
            top_l = accumulate_logsumexp(kl, top_l, sum_l)
            top_u = accumulate_logsumexp(bd, top_u, sum_u)
        lower[start:start + block] = np.log(sum_l) + top_l
        upper[start:start + block] = np.log(sum_u) + top_u
        if progress is not None:
            progress(idx.size)
    return lower, upper


def pairwise_bounds(mix: DiagonalMixture, *, prior: Prior = Prior(), chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                    progress: Callable[[int], None] | None = None) -> tuple[float, float]:
    """Deterministic lower and upper bounds on KL(q̄ || p) (Kolchinsky and Tracey 2017).

    avg KL + Σ_i w_i log Σ_j w_j e^{-D_ij} <= KL(q̄ || p) <= avg KL + Σ_i w_i log Σ_j w_j e^{-BD_ij}.
    """
    rows = np.arange(mix.n)
    lower, upper = pairwise_row_terms(mix, rows, chunk_bytes=chunk_bytes, progress=progress)
    b = bounds_from_row_terms(mix, avg_kl(mix, prior=prior), rows, mix.weights, lower, upper, exact=True, prior=prior)
    return b.lower, b.upper


def rounding_margin(mix: DiagonalMixture, rows: NDArray[np.int64], row_weights: NDArray[np.float64],
                    lower_terms: NDArray[np.float64], upper_terms: NDArray[np.float64], *,
                    prior: Prior = Prior(), block: int = 65_536) -> float:
    """A bound on the rounding error of avg KL + Σ_i r_i log Σ_j w_j e^{-D_ij} (and of the BD analogue), nats.

    A sum of n floating-point terms is off by at most γ_n Σ |terms|, γ_n = n u / (1 - n u)
    (Higham 2002, Accuracy and Stability of Numerical Algorithms, §3.1); here γ is taken
    as (n + 8)·eps = 2(n + 8)·u, which covers the elementwise operations as well.

    * D_ij (and BD_ij, whose terms are no larger: v̄ >= v_j / 2) is computed in the direct form
      (m_ik - m_jk)²/v_jk, where fl(a - b) = (a - b)(1 + δ), so it is off by at most γ_d · S_i
      with S_i >= Σ_k [v_ik/v_jk + (m_ik - m_jk)²/v_jk + |log v_ik| + |log v_jk| + 1] for
      every j.  With means centred at μ̄ (the distances do not change),
      (m_ik - m_jk)² <= 2 m̃_ik² + 2 m̃_jk², so per-coordinate maxima over j give S_i in
      O(N d), with no pass over the pairs and no dependence on where the mixture sits;
      logsumexp is 1-Lipschitz in the largest of its arguments, so row i's term is off by
      at most that plus γ_N (its own sum).
    * avg KL is off by at most γ_{N+d} Σ_i w_i Σ_k (v_ik/p_k + |log(v_ik/p_k)| + 1 + (m_ik - μ_k)²/p_k).
    * the final weighted sum is off by at most γ_N (|avg KL| + Σ_i r_i |term_i|).

    Parameters
    ----------
    rows : ndarray of int, shape (R,)
        The rows whose terms were summed.
    row_weights : ndarray, shape (R,)
        Their weights r_i in the outer sum.
    lower_terms, upper_terms : ndarray, shape (R,)
        The row terms, from :func:`pairwise_row_terms`.
    block : int
        Components per pass over the sizes (temporaries of (block, d), not (N, d)).

    Returns
    -------
    float
        The margin, >= 0; ~1e-15 times the bound for moderate components.
    """
    xp = namespace(mix.means)
    eps = float(xp.finfo(mix.means.dtype).eps)
    n, d = mix.n, mix.d
    m, v = mix.means, mix.variances
    gamma_d, gamma_n = (d + 8) * eps, (n + d + 8) * eps
    center = mix.weights @ m                                       # means centred here: D_ij and BD_ij are unchanged
    pm, pv = prior.arrays(d, like=m)
    abs_logv, max_inv_v, max_sq, avg_scale = [], None, None, 0.0
    for start in range(0, n, block):                               # (block, d) temporaries, not (N, d)
        vb, mb = v[start:start + block], m[start:start + block]
        inv_v = 1.0 / vb
        centred = mb - center
        abs_logv.append(xp.sum(xp.abs(xp.log(vb)), axis=1))
        top_inv, top_sq = xp.max(inv_v, axis=0), xp.max((centred * centred) * inv_v, axis=0)
        max_inv_v = top_inv if max_inv_v is None else xp.maximum(max_inv_v, top_inv)
        max_sq = top_sq if max_sq is None else xp.maximum(max_sq, top_sq)
        avg_scale += float(mix.weights[start:start + block]
                           @ xp.sum(vb / pv + xp.abs(xp.log(vb / pv)) + 1.0 + (mb - pm) ** 2 / pv, axis=1))
    abs_logv = xp.concat(abs_logv)
    mi, vi = xp.take(m, rows, axis=0) - center, xp.take(v, rows, axis=0)
    scale = ((vi + 2.0 * mi * mi) @ max_inv_v + 2.0 * float(xp.sum(max_sq))
             + xp.take(abs_logv, rows) + float(xp.max(abs_logv)) + d)
    terms = xp.abs(lower_terms) + xp.abs(upper_terms)
    row_error = gamma_d * scale + gamma_n * (1.0 + terms)
    return float(row_weights @ row_error + gamma_n * (avg_scale + row_weights @ terms))


def bounds_from_row_terms(mix: DiagonalMixture, base: float, rows: Any, row_weights: Any, lower_terms: Any,
                          upper_terms: Any, *, exact: bool, prior: Prior = Prior()) -> "BoundsEstimate":
    """avg KL + Σ_i r_i log Σ_j w_j e^{-D_ij} and its BD analogue, widened by :func:`rounding_margin`.

    ``base`` is avg KL; ``rows`` (R,) the rows whose terms were computed (every row when
    ``exact``, else R rows drawn with probability w_i, weights r_i = 1/R, and the standard
    errors of the mean over them reported).  Any array namespace; only scalars leave the device.
    """
    margin = rounding_margin(mix, rows, row_weights, lower_terms, upper_terms, prior=prior)
    lower = base + float(row_weights @ lower_terms) - margin
    upper = base + float(row_weights @ upper_terms) + margin
    count = int(rows.shape[0])
    if exact:
        return BoundsEstimate(lower, upper, 0.0, 0.0, count, True)
    return BoundsEstimate(lower, upper, _stderr_of_mean(lower_terms), _stderr_of_mean(upper_terms), count, False)


def _stderr_of_mean(t: Any) -> float:
    """s / sqrt(R) for R values, s the sample standard deviation (divisor R - 1)."""
    xp = namespace(t)
    count = int(t.shape[0])
    dev = t - xp.mean(t)
    return math.sqrt(float(xp.sum(dev * dev)) / (count - 1)) / math.sqrt(count)


@dataclass(frozen=True)
class BoundsEstimate:
    """Pairwise-distance bounds on KL(q̄ || p); exact, or from a subsample of rows with standard errors."""

    lower: float
    upper: float
    lower_stderr: float
    upper_stderr: float
    rows: int
    exact: bool


def pairwise_bounds_sampled(mix: DiagonalMixture, *, prior: Prior = Prior(), max_rows: int = 2048,
                            rng: np.random.Generator | None = None, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                            progress: Callable[[int], None] | None = None) -> BoundsEstimate:
    """The Kolchinsky-Tracey bounds, over every row when N <= ``max_rows``.

    Otherwise ``max_rows`` rows i are drawn with probability w_i and the outer
    sum Σ_i w_i log Σ_j w_j e^{-D_ij} is estimated by their mean (every j is
    kept); the standard errors of that mean are reported, and the bounds then
    hold within them.
    """
    base = avg_kl(mix, prior=prior)
    exact = mix.n <= max_rows
    if exact:
        rows_idx, row_w = np.arange(mix.n), mix.weights
    else:
        rng = rng if rng is not None else np.random.default_rng(0)
        rows_idx = np.sort(rng.choice(mix.n, size=max_rows, p=mix.weights))
        row_w = np.full(max_rows, 1.0 / max_rows)
    lower_terms, upper_terms = pairwise_row_terms(mix, rows_idx, chunk_bytes=chunk_bytes, progress=progress)
    return bounds_from_row_terms(mix, base, rows_idx, row_w, lower_terms, upper_terms, exact=exact, prior=prior)
