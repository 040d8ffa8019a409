"""Compiled kernel (numba) of the one-dimensional quadrature: the mixture's log-sums at the nodes of panels."""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

__all__ = ["EXP_ULPS", "FLOOR", "block_bounds", "exp_bounded", "exp_nonpositive", "panel_log_sums", "point_log_sums",
           "sum_exp_rows"]

#: Shifted log-terms below this are dropped (each is below e^-700 of the largest term, which is 1).
FLOOR = -700.0

#: :func:`exp_bounded` is within this many units in the last place of exp (tested over [-700, 700]).
EXP_ULPS = 4

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01      # fdlibm's split of log 2: k·_LN2_HI is exact for |k| < 2^20
_LN2_LO = 1.90821492927058770002e-10
_BLOCK = 2048                              # components per block: the block's (m, h, c, lq) stay in cache
_FLAGS = {"reassoc", "contract", "nsz"}     # sums may be reordered (vectorized); no assumption on inf or NaN


@intrinsic
def _power_of_two(typingctx, k):  # pragma: no cover - compiled
    """2^-k for an integer 0 <= k <= 1022, by writing 1023 - k into the exponent field of a float64."""
    def codegen(context, builder, signature, args):
        biased = builder.shl(builder.sub(ir.Constant(ir.IntType(64), 1023), args[0]), ir.Constant(ir.IntType(64), 52))
        return builder.bitcast(biased, ir.DoubleType())

    return types.float64(types.int64), codegen


@njit(fastmath={"contract"})
def exp_bounded(y):  # pragma: no cover - compiled
    """e^y for y in [-700, 700], vectorizable: y = r - k log 2 with |r| <= log(2)/2, e^r by its Taylor
    polynomial of degree 13 (truncation below 2^-60), times 2^-k written directly into a float64's
    exponent field (exact: |k| <= 1010 keeps 2^-k and the product normal and finite)."""
    k = np.int64(np.floor(-y * _LOG2E + 0.5))
    r = (y + k * _LN2_HI) + k * _LN2_LO
    p = 1.0 / 6227020800.0
    p = 1.0 / 479001600.0 + r * p
    p = 1.0 / 39916800.0 + r * p
    p = 1.0 / 3628800.0 + r * p
    p = 1.0 / 362880.0 + r * p
    p = 1.0 / 40320.0 + r * p
    p = 1.0 / 5040.0 + r * p
    p = 1.0 / 720.0 + r * p
    p = 1.0 / 120.0 + r * p
    p = 1.0 / 24.0 + r * p
    p = 1.0 / 6.0 + r * p
    p = 0.5 + r * p
    p = 1.0 + r * p
    p = 1.0 + r * p
    return p * _power_of_two(k)


#: e^y for y in [-700, 0]: :func:`exp_bounded` (on that range k >= 0).
exp_nonpositive = exp_bounded


@njit(fastmath=_FLAGS)
def _raise_shift(acc, new_top):  # pragma: no cover - compiled
    """Raise the running shift acc[0] to ``new_top`` when it is larger, rescaling the running sums acc[1:]."""
    shift = acc[0]
    if new_top > shift:
        if shift > -np.inf:
            scale = np.exp(shift - new_top)
            acc[1] *= scale
            acc[2] *= scale
            acc[3] *= scale
        acc[0] = new_top


@njit(fastmath=_FLAGS)
def _shifted_sums(step, diff, h, c, lq, start, stop, moments, acc):  # pragma: no cover - compiled
    """Add Σ e^{a_i - shift} (and, when ``moments``, Σ e^{a_i - shift} log q_i and Σ e^{a_i - shift} |log q_i|)
    over components start:stop to acc[1:], with a_i = c_i - (diff_i + step)² h_i, log q_i = lq_i - (diff_i + step)² h_i
    and the shift acc[0] (>= every a_i, or above it by no more than rounding); terms with a_i - shift <= -700
    are dropped.  The one formula of the terms, shared by :func:`panel_log_sums` and :func:`point_log_sums`."""
    shift = acc[0]
    s0 = 0.0
    if moments:
        s1 = 0.0
        s2 = 0.0
        for i in range(start, stop):
            d = diff[i] + step
            q = d * d * h[i]
            y = c[i] - q - shift
            e = exp_nonpositive(max(y, FLOOR))
            keep = y > FLOOR
            s0 += e if keep else 0.0
            log_qi = lq[i] - q
            s1 += e * log_qi if keep else 0.0
            s2 += e * abs(log_qi) if keep else 0.0
        acc[2] += s1
        acc[3] += s2
    else:
        for i in range(start, stop):
            d = diff[i] + step
            y = c[i] - d * d * h[i] - shift
            e = exp_nonpositive(max(y, FLOOR))
            s0 += e if y > FLOOR else 0.0
    acc[1] += s0


@njit(fastmath=_FLAGS)
def _block_sums(step, diff, h, c, lq, start, stop, moments, acc):  # pragma: no cover - compiled
    """Add components start:stop to the running (shift, Σ e^{a - shift}, Σ e^{a - shift} log q_i, Σ ... |log q_i|)
    of one node, held in ``acc``, where the node minus m_i is diff_i + step; the block's maximum first, then
    its shifted sums (:func:`_shifted_sums`); the sums are rescaled when the block raises the maximum."""
    block_top = -np.inf
    for i in range(start, stop):
        d = diff[i] + step
        block_top = max(block_top, c[i] - d * d * h[i])
    _raise_shift(acc, block_top)
    if acc[0] == -np.inf:
        return
    _shifted_sums(step, diff, h, c, lq, start, stop, moments, acc)


#: A shifted sum below this (e^-600) means its shift, an upper bound, lay far above the maximum.
_LOOSE = 2.6e-261


@njit(parallel=True, cache=True)
def panel_log_sums(rows, left, half, unit, m, h, c, lq, moments, top, sums):  # pragma: no cover - compiled
    """Shifted sums over the components of row ``rows[p]`` at the nodes x = left[p] + half[p]·unit[k] of panel p.

    With a_i(x) = c_i - (x - m_i)² h_i (= log w_i + log q_i(x) for h = 1/(2v), c = log w - ½ log 2πv,
    -inf for a zero weight): top[p, k] is a shift no term exceeds (beyond rounding), and sums[p, k] holds
    Σ_i e^{a_i - top} and, when ``moments``, Σ_i e^{a_i - top} log q_i and Σ_i e^{a_i - top} |log q_i| with
    log q_i = lq_i - (x - m_i)² h_i; log q̄(x) = top + log sums[p, k, 0].
    x - m_i is formed as (left - m_i) + half·unit, so that it is exact to a few units of |x - m_i|
    (not of |x|) and a narrow component far from the origin sees its nodes where they are meant to be.
    Terms below e^-700 of the shift are dropped.  Panels are shared among the threads; each visits
    the components a cache-sized block at a time for all its nodes.  No pass for each node's maximum:
    a block's terms are bounded above by c_max - h_min·dist(x, [m_min, m_max])², which serves as the
    shift (rescaling the running sums when it grows; a block 700 below the running shift holds only
    dropped terms and is skipped); a node whose sum comes out below e^-600 had a shift far above its
    maximum and is summed again with each block's maximum (:func:`_block_sums`).
    """
    n_panels = left.shape[0]
    n_nodes = unit.shape[0]
    n = m.shape[1]
    for p in prange(n_panels):
        b = rows[p]
        mb, hb, cb, lqb = m[b], h[b], c[b], lq[b]
        acc = np.zeros((n_nodes, 4))
        acc[:, 0] = -np.inf
        diff = np.empty(_BLOCK)
        for start in range(0, n, _BLOCK):
            stop = min(start + _BLOCK, n)
            lo, hi, h_min, c_max = np.inf, -np.inf, np.inf, -np.inf
            for i in range(start, stop):
                t = left[p] - mb[i]
                diff[i - start] = t
                lo, hi = min(lo, t), max(hi, t)
                h_min, c_max = min(h_min, hb[i]), max(c_max, cb[i])
            for k in range(n_nodes):
                step = half[p] * unit[k]
                dist = max(lo + step, -(hi + step), 0.0)
                bound = c_max - h_min * dist * dist
                if bound <= acc[k, 0] + FLOOR:
                    continue
                _raise_shift(acc[k], bound)
                _shifted_sums(step, diff[:stop - start], hb[start:stop], cb[start:stop], lqb[start:stop],
                              0, stop - start, moments, acc[k])
        for k in range(n_nodes):
            if acc[k, 0] > -np.inf and not acc[k, 1] >= _LOOSE:
                acc[k, :] = 0.0
                acc[k, 0] = -np.inf
                for start in range(0, n, _BLOCK):
                    stop = min(start + _BLOCK, n)
                    for i in range(start, stop):
                        diff[i - start] = left[p] - mb[i]
                    _block_sums(half[p] * unit[k], diff[:stop - start], hb[start:stop], cb[start:stop],
                                lqb[start:stop], 0, stop - start, moments, acc[k])
            top[p, k] = acc[k, 0]
            sums[p, k, 0] = acc[k, 1]
            sums[p, k, 1] = acc[k, 2]
            sums[p, k, 2] = acc[k, 3]


def block_bounds(m, h, c):
    """Per block of :data:`_BLOCK` components of a one-dimensional mixture (shape (N,) each): the smallest and
    largest mean, the smallest h and the largest c, shape (4, blocks), for :func:`point_log_sums`."""
    n = m.shape[0]
    starts = np.arange(0, n, _BLOCK)
    lo, hi = np.minimum.reduceat(m, starts), np.maximum.reduceat(m, starts)
    return np.stack([lo, hi, np.minimum.reduceat(h, starts), np.maximum.reduceat(c, starts)])


@njit(parallel=True, cache=True)
def point_log_sums(x, minus_m, h, c, bounds, group, top, total):  # pragma: no cover - compiled
    """top[p] and total[p] with log q̄(x_p) = top[p] + log total[p], at points x (P,) of one mixture.

    a_i(x) = c_i - (x - m_i)² h_i as in :func:`panel_log_sums` (the same sums, :func:`_shifted_sums`), with
    x - m_i formed as (-m_i) + x, which is x - m_i rounded once; ``minus_m``, ``h`` and ``c`` have shape (N,),
    ``bounds`` is :func:`block_bounds`.  No pass for the maximum: each block's a_i are bounded above by
    c_max - h_min·dist(x, [m_min, m_max])², which serves as the shift (a block whose bound lies 700 below the
    running shift holds only terms that would be dropped, and is skipped).  A point whose shifted sum comes out
    below e^-600 had a shift far above its maximum and is summed again with the exact maxima
    (:func:`_block_sums`), so every point's terms are those of :func:`panel_log_sums` to rounding.
    Points are shared among the threads ``group`` at a time.
    """
    n_points = x.shape[0]
    n = minus_m.shape[0]
    n_groups = (n_points + group - 1) // group
    for g in prange(n_groups):
        first = g * group
        last = min(first + group, n_points)
        acc = np.zeros((last - first, 4))
        acc[:, 0] = -np.inf
        for b, start in enumerate(range(0, n, _BLOCK)):
            stop = min(start + _BLOCK, n)
            lo, hi, h_min, c_max = bounds[0, b], bounds[1, b], bounds[2, b], bounds[3, b]
            mb, hb, cb = minus_m[start:stop], h[start:stop], c[start:stop]     # slices: the loops vectorize
            for k in range(first, last):
                dist = max(lo - x[k], x[k] - hi, 0.0)
                bound = c_max - h_min * dist * dist
                a = acc[k - first]
                if bound <= a[0] + FLOOR:
                    continue
                _raise_shift(a, bound)
                _shifted_sums(x[k], mb, hb, cb, cb, 0, stop - start, False, a)
        for k in range(first, last):
            a = acc[k - first]
            if a[0] > -np.inf and not a[1] >= _LOOSE:
                a[0] = -np.inf
                a[1] = 0.0
                for start in range(0, n, _BLOCK):
                    stop = min(start + _BLOCK, n)
                    _block_sums(x[k], minus_m[start:stop], h[start:stop], c[start:stop], c[start:stop], 0,
                                stop - start, False, a)
            top[k] = a[0]
            total[k] = a[1]


@njit(cache=True)
def panel_walk(m, s, live, panels_per_sd, reach):  # pragma: no cover - compiled
    """The edges of :func:`numeric.quadrature.panel_edges` for one row (m, s, live of shape (N,)), compiled:
    the same rule and the same floating-point operations, two passes over the components per edge."""
    n = m.shape[0]
    lo = m - reach * s
    hi = m + reach * s
    width = s / panels_per_sd
    x = np.inf
    end = -np.inf
    for i in range(n):
        if live[i]:
            x = min(x, lo[i])
            end = max(end, hi[i])
    if x == np.inf:
        return np.zeros(1)
    edges = [x]
    while x < end:
        step = np.inf
        for i in range(n):
            if live[i] and lo[i] <= x and hi[i] > x:
                step = min(step, width[i])
        limit = x + step
        for i in range(n):
            if live[i] and lo[i] > x and lo[i] < limit:
                step = min(step, max(lo[i] - x, width[i]))
        x = min(x + step, end)
        edges.append(x)
    return np.array(edges)


@njit(nogil=True, fastmath=_FLAGS, cache=True)
def sum_exp_rows(a, out):  # pragma: no cover - compiled
    """out[r] = Σ_j e^{clip(a[r, j], -700, 700)} for a of shape (R, C), in one pass (:func:`exp_bounded`).

    For rows shifted so that their sum holds a term >= 1 the clamp below changes nothing that float64
    can hold (see :func:`numeric.density.sum_exp_clamped`); a row with a term above 700 sums to more than
    e^700 and is recognised by the caller as such.  Called from several threads at once (the GIL is released).
    """
    rows, cols = a.shape
    for r in range(rows):
        s = 0.0
        for j in range(cols):
            s += exp_bounded(min(max(a[r, j], FLOOR), -FLOOR))
        out[r] = s
