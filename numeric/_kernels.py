"""Compiled kernels (numba): the pairwise distances, and the mixture log-terms in the direct form."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["SUB_TILE", "direct_log_terms", "kl_bhattacharyya_block", "log_group_size"]


def log_group_size(log_variances: np.ndarray) -> int:
    """How many coordinates' v̄ = (v_i + v_j)/2 can be multiplied before one log without over- or underflow.

    Every v̄ lies within the range of the variances, so a product of g of them stays
    inside float64 (and above the subnormals) while g·max|log v| <= 700.
    """
    biggest = float(np.abs(log_variances).max())
    return int(max(1, min(4096, 700 // max(biggest, 1.0))))


@njit(nogil=True, cache=True)
def direct_log_terms(z, centred, inv_v, const, minus_shift, out):  # pragma: no cover - compiled
    """out[r, j] = const_j - ½ Σ_k (z_rk - m_jk)² / v_jk + minus_shift_r: the log-terms without expansion.

    Called from several threads at once (no ``parallel``; the GIL is released).
    """
    rows, d = z.shape
    n = centred.shape[0]
    for r in range(rows):
        for j in range(n):
            quad = 0.0
            for k in range(d):
                diff = z[r, k] - centred[j, k]
                quad += diff * diff * inv_v[j, k]
            out[r, j] = const[j] - 0.5 * quad + minus_shift[r]


#: Components per sub-tile of :func:`kl_bhattacharyya_block`: their (m, v, 1/v), coordinate-major, stay in L2.
SUB_TILE = 256


@njit(parallel=True, fastmath=True, cache=True)
def kl_bhattacharyya_block(mi, vi, m, v, inv_v, half_logdet_i, half_logdet, group, kl, bd):  # pragma: no cover
    """kl[r, j] = KL(q_r || q_j) and bd[r, j] = BD(q_r, q_j) for row r of (mi, vi) and component j of (m, v).

    KL = ½ Σ_k [(v_ik + (m_ik - m_jk)²)/v_jk - 1] + ½ Σ_k log v_jk - ½ Σ_k log v_ik, in the direct
    form (no expansion of the square, so no cancellation for means far from the origin);
    BD = ¼ Σ_k (m_ik - m_jk)² / (v_ik + v_jk) + ½ Σ_k log v̄_k - ¼ Σ_k log v_ik - ¼ Σ_k log v_jk,
    with v̄ = (v_i + v_j)/2 multiplied ``group`` at a time before each log; ``half_logdet``
    holds ½ Σ_k log v_jk and ``inv_v`` 1/v.  One pass over (m, v) gives both.  The components are
    visited :data:`SUB_TILE` at a time, copied coordinate-major, and the sums over k run for a whole
    sub-tile at once, vectorized over components (no horizontal sums); sub-tiles are shared among
    the threads, each meeting every row.  ``fastmath`` lets products and sums be contracted; inputs
    are finite, and results change by a few units in the last place.
    """
    rows, d = mi.shape
    n = m.shape[0]
    n_sub = (n + SUB_TILE - 1) // SUB_TILE
    for t in prange(n_sub):
        j0 = t * SUB_TILE
        w = min(SUB_TILE, n - j0)
        mt = np.empty((d, SUB_TILE))
        vt = np.empty((d, SUB_TILE))
        it = np.empty((d, SUB_TILE))
        for jj in range(w):
            for k in range(d):
                mt[k, jj] = m[j0 + jj, k]
                vt[k, jj] = v[j0 + jj, k]
                it[k, jj] = inv_v[j0 + jj, k]
        quad = np.empty(SUB_TILE)
        ratio = np.empty(SUB_TILE)
        logs = np.empty(SUB_TILE)
        prod = np.empty(SUB_TILE)
        for r in range(rows):
            quad[:] = 0.0
            ratio[:] = 0.0
            logs[:] = 0.0
            for start in range(0, d, group):
                prod[:] = 1.0
                for k in range(start, min(start + group, d)):
                    a = mi[r, k]
                    b = vi[r, k]
                    for jj in range(w):
                        s = b + vt[k, jj]
                        diff = a - mt[k, jj]
                        sq = diff * diff
                        quad[jj] += sq / s
                        ratio[jj] += (b + sq) * it[k, jj]
                        prod[jj] *= 0.5 * s
                for jj in range(w):
                    logs[jj] += np.log(prod[jj])
            for jj in range(w):
                j = j0 + jj
                kl[r, j] = 0.5 * (ratio[jj] - d) + half_logdet[j] - half_logdet_i[r]
                bd[r, j] = 0.25 * quad[jj] + 0.5 * logs[jj] - 0.5 * (half_logdet_i[r] + half_logdet[j])
