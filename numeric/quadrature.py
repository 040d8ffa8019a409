"""KL(q̄ || p) and I(i; z) of one-dimensional mixtures by adaptive Gauss-Kronrod quadrature.

Both are sums of expectations under the components, Σ_i w_i E_{q_i}[g_i(z)]:
g = log q̄ - log p for KL(q̄ || p), g_i = log q_i - log q̄ for I(i; z).

* **Panels follow the components.**  Wherever a component lives (within ``reach``
  standard deviations of its mean) no panel is wider than 1/``panels_per_sd`` of its
  standard deviation (8 by default), so no component, however narrow or isolated, is
  stepped over; nothing is spent where none lives.
* **Embedded error estimate.**  Each panel is integrated by the 21-node Kronrod rule and
  by the 10-node Gauss rule on the same nodes (Piessens et al., *QUADPACK*, 1983, rule
  qk21); the value is Kronrod's and the panel's error is |Kronrod - Gauss|, which bounds
  Kronrod's own error with a wide margin (Kronrod is exact for polynomials of degree 31,
  Gauss for 19).  Panels whose error exceeds their share of ``tol`` are halved, so where
  thousands of components overlap and q̄ is smooth, panels as wide as the rule allows
  suffice.  The reported error also holds the rounding of the log-density at the nodes.
* **One pass per node.**  log q̄ at a node is one logsumexp over the components; a
  compiled kernel (:func:`numeric._quadrature_kernel.panel_log_sums`) does it on every core
  for numpy arrays, and the array API standard (a torch tensor's namespace, on its
  device) does the same sums otherwise.

A component too narrow for float64 to place nodes inside it (s < 1e-9 |m|) is
integrated in its own coordinate t = (z - m) / s.  The cost is (nodes) x N per mixture:
it grows with N and with the accuracy asked, not with 1/σ_min.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _validate, _xp
from .mixture import Prior

__all__ = ["DEFAULT_TOLERANCE", "RESOLVABLE", "kl_quadrature_1d", "log_density_1d", "mutual_information_quadrature_1d",
           "panel_edges", "quadrature_nodes"]

#: A component with standard deviation below RESOLVABLE·|mean| is integrated in its own coordinate.
RESOLVABLE = 1e-9

#: Default absolute error asked of each integral (nats).
DEFAULT_TOLERANCE = 1e-10

#: Kronrod nodes on [-1, 1]; the Gauss nodes are those at odd positions (QUADPACK qk21).
_XGK = (0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
        0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
        0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
        0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
        0.294392862701460198131126603103866, 0.148874338981631210884826001129720, 0.0)
_WGK = (0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
        0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
        0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
        0.123491976262065851077958109831074, 0.134709217311473325928054001771707,
        0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
        0.149445554002916905664936468389821)
_WG = (0.066671344308688137593568809893332, 0.149451349150580593145776339657697,
       0.219086362515982043995534934228163, 0.269266719309996355091226921569469,
       0.295524224714752870173892994651338)

_EPS = float(np.finfo(np.float64).eps)
_MAX_HALVINGS = 8               # a panel is halved at most 8 times: at most 256 times its nodes
_LOCAL_PANEL = 2.0               # width, in its own standard deviations, of a narrow component's panels


def quadrature_nodes() -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The 21 Kronrod nodes on [-1, 1] in increasing order, their weights, and the 10-point Gauss weights
    on the same nodes (zero at the 11 Kronrod-only nodes); shape (21,) each."""
    x = np.array(_XGK)
    nodes = np.concatenate([-x, x[-2::-1]])
    kronrod = np.concatenate([np.array(_WGK), np.array(_WGK)[-2::-1]])
    gauss = np.zeros(21)
    gauss[1:10:2] = _WG
    gauss[11:20:2] = _WG[::-1]
    return nodes, kronrod, gauss


_NODES, _KRONROD, _GAUSS = quadrature_nodes()


def kl_quadrature_1d(weights: ArrayLike, means: ArrayLike, variances: ArrayLike, *, prior: Prior = Prior(),
                     panels_per_sd: float = 0.125, reach: float = 10.0, tol: float = DEFAULT_TOLERANCE,
                     progress: Callable[[int], None] | None = None
                     ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """KL(q̄ || p) for a batch of one-dimensional mixtures, by adaptive Gauss-Kronrod quadrature.

    ∫ q̄ log(q̄/p) over the union of [m_i - reach·s_i, m_i + reach·s_i] (beyond it q̄
    has mass below 1e-22), on panels no wider than 1/``panels_per_sd`` standard
    deviations of any component living there, halved where the panel's
    |Kronrod - Gauss| exceeds its share of ``tol``.

    Parameters
    ----------
    weights, means, variances : array_like, shape (..., N)
        One mixture per leading index: numpy arrays, or arrays of another namespace
        (torch tensors, on their device).
    prior : Prior
        A one-dimensional N(mean, var).
    tol : float
        Absolute error asked (nats); the error returned can exceed it only where
        eight halvings or rounding did not get below it.
    progress : callable, optional
        Called with the number of mixtures finished, block by block.

    Returns
    -------
    value, error : ndarray, shape (...), float64 on the host
        The error holds Σ |Kronrod - Gauss| over the panels and a bound on the
        rounding of log q̄ at the nodes.
    """
    pm, pv = prior.arrays(1)
    return _quadrature_1d("kl", (float(pm[0]), float(pv[0])), weights, means, variances, panels_per_sd, reach,
                          tol, progress)


def mutual_information_quadrature_1d(weights: ArrayLike, means: ArrayLike, variances: ArrayLike, *,
                                     panels_per_sd: float = 0.125, reach: float = 10.0,
                                     tol: float = DEFAULT_TOLERANCE, progress: Callable[[int], None] | None = None
                                     ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """I(i; z) = Σ_i w_i KL(q_i || q̄) for one-dimensional mixtures, by the same quadrature.

    A route to the gap that does not pass through the prior: by the gap
    identity it equals avg KL - KL(q̄ || p) (theorem `gap_identity`).  Arguments and
    shapes as in :func:`kl_quadrature_1d`.
    """
    return _quadrature_1d("mi", None, weights, means, variances, panels_per_sd, reach, tol, progress)


def log_density_1d(weights: ArrayLike, means: ArrayLike, variances: ArrayLike, points: ArrayLike, *,
                   group: int = 64) -> NDArray[np.float64]:
    """log q̄(x) = log Σ_i w_i N(x; m_i, v_i) of one one-dimensional mixture at points x: (N,) x 3, (P,) -> (P,).

    The log-sums the quadrature forms at its nodes (the terms a_i = c_i - (x - m_i)² h_i of
    :class:`_Rows`, summed by :func:`numeric._quadrature_kernel.point_log_sums`, compiled, on every
    core), at given points: x - m_i is rounded once, terms below e^-700 of the largest are dropped,
    and nothing is interpolated.  Cost: P·N exponentials.  numpy arrays of float64, not validated here.
    """
    from ._quadrature_kernel import block_bounds, point_log_sums

    row = _Rows.create(np, *(np.asarray(a, dtype=np.float64)[None, :] for a in (weights, means, variances)))
    m, h, c = (np.ascontiguousarray(a[0]) for a in (row.m, row.h, row.c))
    x = np.ascontiguousarray(points, dtype=np.float64)
    top, total = np.empty(x.shape[0]), np.empty(x.shape[0])
    point_log_sums(x, -m, h, c, block_bounds(m, h, c), group, top, total)
    return _log_of_sum(top, total)


# --- inputs --------------------------------------------------------------------------------

def _inputs(weights: Any, means: Any, variances: Any) -> tuple[ModuleType, Any, Any, Any]:
    """Validated float64 arrays of one namespace (numpy for host input), broadcast to one shape."""
    like = _validate.anchor(weights, means, variances)
    xp = _xp.namespace(weights, means, variances)

    def real(name: str, value: Any) -> Any:
        return _xp.astype(_validate.as_real_array(name, value, like=like), xp.float64)

    m = _validate.require_finite("means", real("means", means))
    w = _validate.require_finite("weights", real("weights", weights))
    v = _validate.require_positive("variances", real("variances", variances))
    w, m, v = (np.broadcast_arrays if xp is np else xp.broadcast_arrays)(w, m, v)
    return xp, w, m, v


def _quadrature_1d(kind, prior, weights, means, variances, panels_per_sd, reach, tol, progress):
    for name, value in (("panels_per_sd", panels_per_sd), ("reach", reach), ("tol", tol)):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be > 0 and finite, got {value!r}")
    xp, w, m, v = _inputs(weights, means, variances)
    if m.ndim == 0:
        raise ValueError("means must have at least 1 dimension(s), got shape ()")
    batch, n = tuple(m.shape[:-1]), int(m.shape[-1])
    w, m, v = (xp.reshape(a, (-1, n)) for a in (w, m, v))
    rows = int(w.shape[0])
    value, error = np.zeros(rows), np.zeros(rows)
    block = max(1, min(256, 2**21 // max(n, 1)))
    for start in range(0, rows, block):
        stop = min(start + block, rows)
        mix = _Rows.create(xp, w[start:stop], m[start:stop], v[start:stop])
        value[start:stop], error[start:stop] = _integrate(kind, prior, mix, panels_per_sd, reach, tol)
        if progress is not None:
            progress(stop - start)
    return value.reshape(batch), error.reshape(batch)


@dataclass(frozen=True)
class _Rows:
    """A block of B one-dimensional mixtures, shape (B, N) each, in the namespace ``xp``.

    a_i(x) = c_i - (x - m_i)² h_i = log w_i + log q_i(x) with h = 1/(2v), c = log w - ½ log 2πv
    (-inf for a zero weight), and lq = -½ log 2πv, so that log q_i(x) = lq_i - (x - m_i)² h_i.
    ``live`` marks the components integrated on panels in z (positive weight, resolvable);
    ``narrow`` those integrated in their own coordinate.
    """

    xp: ModuleType
    w: Any
    m: Any
    v: Any
    s: Any
    h: Any
    c: Any
    lq: Any
    live: Any
    narrow: Any
    c_max: NDArray[np.float64]        # (B,) largest |c_i|, on the host: the size that bounds rounding

    @classmethod
    def create(cls, xp, w, m, v):
        s = xp.sqrt(v)
        positive = w > 0
        narrow = (s < RESOLVABLE * xp.abs(m)) & positive
        lq = -0.5 * xp.log(2 * math.pi * v)
        logw = xp.log(xp.where(positive, w, xp.ones_like(w)))
        c = xp.where(positive, logw + lq, xp.full_like(w, -math.inf))
        c_max = _xp.to_host(xp.max(xp.where(positive, xp.abs(c), xp.zeros_like(c)), axis=1))
        return cls(xp, w, m, v, s, 0.5 / v, c, lq, positive & ~narrow, narrow, c_max)


def _host_bool(a: Any) -> NDArray[np.bool_]:
    return a if isinstance(a, np.ndarray) else np.asarray(a.cpu() if hasattr(a, "cpu") else a, dtype=bool)


# --- panels ---------------------------------------------------------------------------------

def panel_edges(m: Any, s: Any, live: Any, panels_per_sd: float, reach: float) -> Any:
    """Edges of panels that follow the components, shape (B, K + 1) for means and deviations of shape (B, N).

    Walking left to right from the first component's start, the next panel is as wide
    as it may be while no component whose support [m - reach·s, m + reach·s) meets the
    panel is covered by a panel wider than s/``panels_per_sd``: a component starting
    inside the step shortens it, to its own start when it is narrow, so a narrow
    component is never stepped over.  Gaps where no component lives are one panel each.
    Rows that finish early repeat their last edge.  Works on numpy arrays (walked by the
    compiled twin :func:`numeric._quadrature_kernel.panel_walk`) and on any array API namespace.
    """
    xp = _xp.namespace(m, s)
    if xp is np:
        from ._quadrature_kernel import panel_walk

        contiguous = lambda a, dtype: np.ascontiguousarray(a, dtype=dtype)  # noqa: E731
        rows = [panel_walk(contiguous(m[b], np.float64), contiguous(s[b], np.float64), contiguous(live[b], np.bool_),
                           float(panels_per_sd), float(reach)) for b in range(m.shape[0])]
        longest = max(r.size for r in rows)
        return np.stack([np.concatenate([r, np.full(longest - r.size, r[-1])]) for r in rows])
    return _panel_edges_xp(xp, m, s, live, panels_per_sd, reach)


def _panel_edges_xp(xp: ModuleType, m: Any, s: Any, live: Any, panels_per_sd: float, reach: float) -> Any:
    """:func:`panel_edges` in the array API standard: all rows walk together, one edge per step."""
    inf = math.inf
    width = s / panels_per_sd
    lo = xp.where(live, m - reach * s, xp.full_like(m, inf))
    hi = xp.where(live, m + reach * s, xp.full_like(m, -inf))
    any_live = xp.any(live, axis=1)
    zero = xp.zeros_like(m[:, 0])
    x = xp.where(any_live, xp.min(lo, axis=1), zero)
    end = xp.where(any_live, xp.max(hi, axis=1), zero)
    edges = [x]
    while bool(xp.any(x < end)):
        here = x[:, None]
        inside = (lo <= here) & (hi > here)
        step = xp.min(xp.where(inside, width, xp.full_like(m, inf)), axis=1)
        ahead = (lo > here) & (lo < here + step[:, None])
        step = xp.minimum(step, xp.min(xp.where(ahead, xp.maximum(lo - here, width), xp.full_like(m, inf)),
                                       axis=1))
        x = xp.where(x < end, xp.minimum(x + step, end), x)
        edges.append(x)
    return xp.stack(edges, axis=1)


# --- the integral ---------------------------------------------------------------------------

def _integrate(kind, prior, mix: _Rows, panels_per_sd, reach, tol):
    """Σ_i w_i E_{q_i}[g_i] and its error for each mixture of a block, shape (B,) each, on the host."""
    edges = _xp.to_host(panel_edges(mix.m, mix.s, mix.live, panels_per_sd, reach))
    length = edges[:, -1] - edges[:, 0]
    row, col = np.nonzero(np.diff(edges, axis=1) > 0)
    left, right = edges[row, col], edges[row, col + 1]
    value, error = np.zeros(edges.shape[0]), np.zeros(edges.shape[0])
    mass = None
    for level in range(_MAX_HALVINGS + 1):
        if row.size == 0:
            break
        width = right - left
        kronrod, gauss, absolute, rounding = _panels(kind, prior, mix, row, left, width)
        if mass is None:                                         # Σ ∫|f| over the first panels, per row
            mass = np.bincount(row, absolute, minlength=edges.shape[0])
        estimate = np.abs(kronrod - gauss)
        # half of tol shared by width, half by ∫|f|: the shares of a row's final panels add up to about tol
        share = 0.5 * tol * (width / np.where(length[row] > 0, length[row], 1.0)
                             + absolute / np.where(mass[row] > 0, mass[row], 1.0))
        done = (estimate <= share) | (estimate <= rounding) | (level == _MAX_HALVINGS)
        np.add.at(value, row[done], kronrod[done])
        np.add.at(error, row[done], estimate[done] + rounding[done])
        # halves that share their middle edge exactly: the panels keep tiling the same interval
        row, left, right = row[~done], left[~done], right[~done]
        middle = left + 0.5 * (right - left)
        row, left, right = (np.repeat(row, 2), np.stack([left, middle], axis=1).ravel(),
                            np.stack([middle, right], axis=1).ravel())
    for b, i in zip(*np.nonzero(_host_bool(mix.narrow))):
        v, e = _integrate_local(kind, prior, mix, int(b), int(i), reach)
        value[b] += v
        error[b] += e
    return value, error


def _log_prior(prior, origin, steps):
    """log p at the points origin + steps, with x - mean formed as (origin - mean) + steps."""
    pm, pv = prior
    d = (origin - pm) + steps
    return -0.5 * math.log(2 * math.pi * pv) - d * d / (2 * pv)


def _panels(kind, prior, mix: _Rows, row, left, width):
    """Kronrod and Gauss values of Σ_i w_i ∫ q_i g_i over panels [left, left + width] of rows ``row``,
    Kronrod's value of ∫ |integrand|, and a bound on the rounding; shape (P,) each, on the host."""
    half = 0.5 * width
    top, sums = _log_sums(mix, row, left, half, mix.c, moments=kind == "mi")
    logq = _log_of_sum(top, sums[..., 0])
    if bool(mix.xp.any(mix.narrow)):                                      # the outer sum over live ones only
        live_c = mix.xp.where(mix.live, mix.c, mix.xp.full_like(mix.c, -math.inf))
        top, sums = _log_sums(mix, row, left, half, live_c, moments=kind == "mi")
    log_p = _log_prior(prior, left[:, None], half[:, None] * (_NODES + 1.0)) if kind == "kl" else None  # (P, 21)
    f, rounding = _integrand(kind, log_p, top, sums, logq, _relative_rounding(mix, row, top))
    return half * (f @ _KRONROD), half * (f @ _GAUSS), half * (np.abs(f) @ _KRONROD), half * (rounding @ _KRONROD)


def _log_of_sum(top, total):
    with np.errstate(divide="ignore"):
        return np.where(total > 0, np.log(np.where(total > 0, total, 1.0)) + np.where(np.isfinite(top), top, 0.0),
                        -np.inf)


def _relative_rounding(mix: _Rows, row, top):
    """A bound on the relative error of the shifted sums at the nodes (and on the absolute error of log q̄).

    Each exponent a_i = c_i - (x - m_i)² h_i carries an error of a few units in the last place of
    |c_i| + |a_i|; a term e^{a_i - top} thus errs by at most 3ε(|c_i| + |top| + |a_i - top|) of itself,
    and Σ |y| e^y over y = a_i - top <= 0 is at most 41 Σ e^y + N·41e^{-41}.  The exponential adds
    4 units and an N-term sum N units (Higham, *Accuracy and Stability*, §4.2).
    """
    n = mix.m.shape[1]
    size = mix.c_max[row][:, None] + np.where(np.isfinite(top), np.abs(top), 0.0)
    return _EPS * (n + 8 + 3 * (size + 42))


def _integrand(kind, log_p, top, sums, logq, delta):
    """Σ_i w_i q_i(x) g_i(x) at the nodes, and the bound on its rounding; shape (P, 21) each."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        scale = np.exp(np.where(np.isfinite(top), top, -np.inf))
        if kind == "kl":
            outer = scale * sums[..., 0]
            g = logq - log_p
            f = np.where(outer > 0, outer * g, 0.0)
            err = np.where(outer > 0, delta * outer * (np.abs(g) + 1.0), 0.0)
        else:
            f = np.where(scale > 0, scale * (sums[..., 1] - sums[..., 0] * logq), 0.0)
            err = np.where(scale > 0, delta * scale * (sums[..., 2] + sums[..., 0] * (np.abs(logq) + 1.0)), 0.0)
    return f, err


# --- log-sums at the nodes ------------------------------------------------------------------

def _log_sums(mix: _Rows, row, left, half, c, *, moments: bool):
    """top = max_i a_i and the shifted sums (Σ e^{a_i - top}, Σ e^{a_i - top} log q_i, Σ e^{a_i - top}|log q_i|)
    at the nodes left + half·(ξ + 1) of panels of rows ``row``, shape (P,) each; results of shapes (P, 21) and
    (P, 21, 3), on the host.  x - m_i is formed as (left - m_i) + half·(ξ + 1)."""
    if mix.xp is np:
        from ._quadrature_kernel import panel_log_sums

        top = np.empty((row.size, _NODES.size))
        sums = np.zeros((row.size, _NODES.size, 3))
        panel_log_sums(np.ascontiguousarray(row, dtype=np.int64), np.ascontiguousarray(left, dtype=np.float64),
                       np.ascontiguousarray(half, dtype=np.float64), _NODES + 1.0, np.ascontiguousarray(mix.m),
                       np.ascontiguousarray(mix.h), np.ascontiguousarray(c), np.ascontiguousarray(mix.lq), moments,
                       top, sums)
        return top, sums
    return _log_sums_xp(mix, row, left, half, c, moments)


def _log_sums_xp(mix: _Rows, row, left, half, c, moments, budget: int = 2**24):
    """:func:`_log_sums` in the array API standard, on the arrays' device, (panels x nodes x N) in blocks."""
    xp = mix.xp
    n = int(mix.m.shape[1])
    dev = _xp.device_of(mix.m)
    unit = xp.asarray(_NODES + 1.0, dtype=xp.float64, device=dev)[None, :, None]
    per = max(1, budget // (_NODES.size * n))
    tops, parts = [], []
    for start in range(0, row.size, per):
        idx = xp.asarray(row[start:start + per], device=dev)
        lft = xp.asarray(left[start:start + per], dtype=xp.float64, device=dev)[:, None, None]
        hlf = xp.asarray(half[start:start + per], dtype=xp.float64, device=dev)[:, None, None]
        m, h = xp.take(mix.m, idx, axis=0)[:, None, :], xp.take(mix.h, idx, axis=0)[:, None, :]
        d = (lft - m) + hlf * unit
        quad = d * d * h
        a = xp.take(c, idx, axis=0)[:, None, :] - quad
        top = xp.max(a, axis=2)
        finite = xp.isfinite(top)
        y = a - xp.where(finite, top, xp.zeros_like(top))[:, :, None]
        keep = y > -700.0
        e = xp.where(keep, xp.exp(xp.where(keep, y, xp.zeros_like(y))), xp.zeros_like(y))
        cols = [xp.sum(e, axis=2)]
        if moments:
            log_qi = xp.take(mix.lq, idx, axis=0)[:, None, :] - quad
            safe = xp.where(keep, log_qi, xp.zeros_like(log_qi))
            cols += [xp.sum(e * safe, axis=2), xp.sum(e * xp.abs(safe), axis=2)]
        else:
            cols += [xp.zeros_like(cols[0])] * 2
        tops.append(_xp.to_host(top))
        parts.append(np.stack([_xp.to_host(col) for col in cols], axis=-1))
    return np.concatenate(tops), np.concatenate(parts)


# --- components below float64's resolution ---------------------------------------------------

def _integrate_local(kind, prior, mix: _Rows, b, i, reach):
    """Component i of row b, too narrow for nodes in z, integrated in t = (z - m_i)/s_i on [-reach, reach].

    Besides w_i E_{q_i}[g_i] this adds what its spike changes in the live components'
    integral, ∫ q_live log(q̄/q_live) over its support (the panels in z cannot see it).
    Two such components closer than their own widths would count that change twice;
    it is at most s_i times the live density, below 1e-9 |m_i| of it.
    Returns (value, error) as floats.
    """
    xp = mix.xp
    n_panels = max(1, math.ceil(2 * reach / _LOCAL_PANEL))
    width = 2 * reach / n_panels
    t = -reach + width * (np.arange(n_panels)[:, None] + 0.5 * (_NODES + 1.0))          # (P, 21)
    m_i, s_i = (float(_xp.to_host(a[b, i])) for a in (mix.m, mix.s))
    w_i, c_i, lq_i = (float(_xp.to_host(a[b, i])) for a in (mix.w, mix.c, mix.lq))
    n = int(mix.m.shape[1])
    index = np.arange(n) if xp is np else xp.arange(n, device=_xp.device_of(mix.m))
    others = xp.reshape(index != i, (1, n))
    shifted = _Rows(xp, mix.w[b:b + 1], mix.m[b:b + 1] - m_i, mix.v[b:b + 1], mix.s[b:b + 1], mix.h[b:b + 1],
                    mix.c[b:b + 1], mix.lq[b:b + 1], mix.live[b:b + 1], mix.narrow[b:b + 1], mix.c_max[b:b + 1])
    row = np.zeros(n_panels, dtype=np.int64)
    left, half = s_i * (-reach + width * np.arange(n_panels)), np.full(n_panels, 0.5 * width * s_i)
    minus_inf = xp.full_like(shifted.c, -math.inf)
    top, sums = _log_sums(shifted, row, left, half, xp.where(others, shifted.c, minus_inf), moments=False)
    own = c_i - 0.5 * t**2                                                              # log w_i + log q_i(z)
    logq = np.logaddexp(_log_of_sum(top, sums[..., 0]), own)
    phi = np.exp(-0.5 * t**2) / math.sqrt(2 * math.pi)
    if kind == "kl":
        f = w_i * phi * (logq - _log_prior(prior, m_i, s_i * t))
    else:
        f = w_i * phi * (lq_i - 0.5 * t**2 - logq)                                      # log q_i(z) - log q̄(z)
    if bool(xp.any(shifted.live)):
        top_l, sums_l = _log_sums(shifted, row, left, half, xp.where(shifted.live, shifted.c, minus_inf),
                                  moments=False)
        log_live = _log_of_sum(top_l, sums_l[..., 0])
        with np.errstate(invalid="ignore", under="ignore"):
            spike = np.where(np.isfinite(log_live), s_i * np.exp(log_live) * (logq - log_live), 0.0)
        f = f + (spike if kind == "kl" else -spike)
    f = np.where(np.isfinite(f), f, 0.0)
    delta = _relative_rounding(shifted, row, top)
    rounding = delta * (np.abs(f) + w_i * phi)
    half = 0.5 * width
    kronrod, gauss = half * float((f @ _KRONROD).sum()), half * float((f @ _GAUSS).sum())
    return kronrod, abs(kronrod - gauss) + half * float((rounding @ _KRONROD).sum())
