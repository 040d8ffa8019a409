"""Compiled kernels (numba): the pairwise distances, and the mixture log-terms in the direct form."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

__all__ = ["direct_log_terms", "kl_bhattacharyya_block", "log_group_size"]


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


@njit(parallel=True, fastmath=True, cache=True)
def kl_bhattacharyya_block(mi, vi, m, v, inv_v, half_logdet_i, half_logdet, group, kl, bd):  # pragma: no cover
    """kl[r, j] = KL(q_r || q_j) and bd[r, j] = BD(q_r, q_j) for row r of (mi, vi) and component j of (m, v).

    KL = ½ Σ_k [(v_ik + (m_ik - m_jk)²)/v_jk - 1] + ½ Σ_k log v_jk - ½ Σ_k log v_ik, in the direct
    form (no expansion of the square, so no cancellation for means far from the origin);
    BD = ¼ Σ_k (m_ik - m_jk)² / (v_ik + v_jk) + ½ Σ_k log v̄_k - ¼ Σ_k log v_ik - ¼ Σ_k log v_jk,
    with v̄ = (v_i + v_j)/2 multiplied ``group`` at a time before each log; ``half_logdet``
    holds ½ Σ_k log v_jk and ``inv_v`` 1/v.  One pass over (m, v) gives both.  ``fastmath``
    lets the sums over k be reordered (vectorized): inputs are finite, and the reordering
    changes results by a few units in the last place.
    """
    rows, d = mi.shape
    n = m.shape[0]
    for r in prange(rows):
        for j in range(n):
            quad = 0.0
            ratio = 0.0
            for k in range(d):
                s = vi[r, k] + v[j, k]
                diff = mi[r, k] - m[j, k]
                sq = diff * diff
                quad += sq / s
                ratio += (vi[r, k] + sq) * inv_v[j, k]
            logs = 0.0
            for start in range(0, d, group):
                prod = 1.0
                for k in range(start, min(start + group, d)):
                    prod *= 0.5 * (vi[r, k] + v[j, k])
                logs += np.log(prod)
            kl[r, j] = 0.5 * (ratio - d) + half_logdet[j] - half_logdet_i[r]
            bd[r, j] = 0.25 * quad + 0.5 * logs - 0.5 * (half_logdet_i[r] + half_logdet[j])
