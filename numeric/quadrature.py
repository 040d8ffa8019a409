"""KL(q̄ || p) and I(i; z) of one-dimensional mixtures by composite Gauss-Legendre quadrature.

Both are sums of expectations under the components, Σ_i w_i E_{q_i}[g_i(z)]:
g = log q̄ - log p for KL(q̄ || p), g_i = log q_i - log q̄ for I(i; z).  The panels
follow the components: wherever a component lives (within ``reach`` standard
deviations of its mean) no panel is wider than 1/``panels_per_sd`` of its standard
deviation, and nothing is spent where none lives.  A component too narrow for
float64 to place nodes inside it (s < 1e-9 |m|) is integrated in its own
coordinate t = (z - m) / s.  The cost therefore grows with N and with the
accuracy asked (``panels_per_sd``), not with 1/σ_min.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import require_finite, require_positive
from .density import logsumexp_rows
from .mixture import Prior

__all__ = ["kl_quadrature_1d", "mutual_information_quadrature_1d", "panel_edges", "RESOLVABLE"]

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(20)

#: A component with standard deviation below RESOLVABLE·|mean| is integrated in its own coordinate.
RESOLVABLE = 1e-9


def kl_quadrature_1d(weights: ArrayLike, means: ArrayLike, variances: ArrayLike, *, prior: Prior = Prior(),
                     panels_per_sd: float = 0.25, reach: float = 10.0) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """KL(q̄ || p) for a batch of one-dimensional mixtures, by Gauss-Legendre quadrature.

    ∫ q̄ log(q̄/p) over the union of [m_i - reach·s_i, m_i + reach·s_i] (beyond it q̄
    has mass below 1e-22), cut into panels no wider than 1/``panels_per_sd`` of the
    standard deviation of any component living there, 20 nodes per panel.  The
    error estimate is the change when the panel width is halved.

    Parameters
    ----------
    weights, means, variances : array_like, shape (..., N)
        One mixture per leading index.
    prior : Prior
        A one-dimensional N(mean, var).

    Returns
    -------
    value, error : ndarray, shape (...)
    """
    pm, pv = prior.arrays(1)
    pm, pv = float(pm[0]), float(pv[0])

    def log_p(x):
        return -0.5 * np.log(2 * np.pi * pv) - (x - pm) ** 2 / (2 * pv)

    return _quadrature_1d("kl", log_p, weights, means, variances, panels_per_sd, reach)


def mutual_information_quadrature_1d(weights: ArrayLike, means: ArrayLike, variances: ArrayLike, *,
                                     panels_per_sd: float = 0.25,
                                     reach: float = 10.0) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """I(i; z) = Σ_i w_i KL(q_i || q̄) for one-dimensional mixtures, by the same quadrature.

    A route to the gap that does not pass through the prior: by the gap
    identity it equals avg KL - KL(q̄ || p) (theorem `gap_identity`).  Shapes as in
    :func:`kl_quadrature_1d`.
    """
    return _quadrature_1d("mi", None, weights, means, variances, panels_per_sd, reach)


def _quadrature_1d(kind, log_p, weights, means, variances, panels_per_sd, reach):
    w = require_finite("weights", np.asarray(weights, dtype=np.float64))
    m = require_finite("means", np.asarray(means, dtype=np.float64))
    v = require_positive("variances", np.asarray(variances, dtype=np.float64))
    w, m, v = np.broadcast_arrays(w, m, v)
    batch = m.shape[:-1]
    w, m, v = (np.ascontiguousarray(a.reshape(-1, a.shape[-1])) for a in (w, m, v))
    value = np.empty(m.shape[0])
    error = np.empty(m.shape[0])
    rows = 256
    for start in range(0, m.shape[0], rows):
        sl = slice(start, start + rows)
        fine = _integrate(kind, log_p, w[sl], m[sl], v[sl], 2 * panels_per_sd, reach)
        coarse = _integrate(kind, log_p, w[sl], m[sl], v[sl], panels_per_sd, reach)
        value[sl], error[sl] = fine, np.abs(fine - coarse)
    return value.reshape(batch), error.reshape(batch)


def _log_terms(w, m, v):
    """log w_i and the constant of log(w_i q_i), shape (B, N) each."""
    with np.errstate(divide="ignore"):
        logw = np.log(w)
    return logw, logw - 0.5 * np.log(2 * np.pi * v)


def _integrate(kind, log_p, w, m, v, panels_per_sd, reach):
    """Σ_i w_i E_{q_i}[g_i] for a block of mixtures, shape (B, N) -> (B,)."""
    s = np.sqrt(v)
    narrow = s < RESOLVABLE * np.abs(m)
    total = _integrate_panels(kind, log_p, w, m, v, s, ~narrow, panels_per_sd, reach)
    for b, i in zip(*np.nonzero(narrow)):
        total[b] += _integrate_local(kind, log_p, w[b], m[b], v[b], s[b], ~narrow[b], int(i), panels_per_sd, reach)
    return total


def panel_edges(m: NDArray[np.float64], s: NDArray[np.float64], live: NDArray[np.bool_], panels_per_sd: float,
                reach: float) -> NDArray[np.float64]:
    """Edges of panels that follow the components, shape (B, K + 1) for means and deviations of shape (B, N).

    Walking left to right, the next edge is at most 1/``panels_per_sd`` of the smallest
    standard deviation among the components living at the current point (those with
    ``live`` true, within ``reach`` standard deviations), and never past the start
    of the next component, so a narrow component is never stepped over.  Gaps where
    no component lives are one panel each.  Rows that finish early repeat their last edge.
    """
    lo = np.where(live, m - reach * s, np.inf)
    hi = np.where(live, m + reach * s, -np.inf)
    x = np.where(live.any(axis=1), lo.min(axis=1), 0.0)
    end = np.where(live.any(axis=1), hi.max(axis=1), 0.0)
    edges = [x]
    while (x < end).any():
        inside = (lo <= x[:, None]) & (hi > x[:, None])
        h = np.where(inside, s, np.inf).min(axis=1) / panels_per_sd
        finer = (lo > x[:, None]) & (s < panels_per_sd * h[:, None])    # would be under-resolved by this step
        upcoming = np.where(finer, lo, np.inf).min(axis=1)
        x = np.where(x < end, np.minimum(np.minimum(x + h, upcoming), end), x)
        edges.append(x)
    return np.stack(edges, axis=1)


def _integrate_panels(kind, log_p, w, m, v, s, live, panels_per_sd, reach, max_points=2**22):
    """The components with ``live`` true, integrated on panels in z; every component enters q̄."""
    edges = panel_edges(m, s, live, panels_per_sd, reach)
    left, width = edges[:, :-1], np.diff(edges, axis=1)                        # (B, K)
    logw, const = _log_terms(w, m, v)
    live_w = np.where(live, 0.0, -np.inf)                                       # restricts sums to live ones
    n_panels = left.shape[1]
    block = max(1, max_points // (_GL_NODES.size * m.shape[0] * m.shape[1]))
    unit = (_GL_NODES + 1) / 2
    total = np.zeros(m.shape[0])
    for first in range(0, n_panels, block):
        sl = slice(first, min(first + block, n_panels))
        x = (left[:, sl, None] + width[:, sl, None] * unit).reshape(m.shape[0], -1)        # (B, X)
        gw = (0.5 * width[:, sl, None] * _GL_WEIGHTS).reshape(m.shape[0], -1)             # (B, X)
        a = const[:, None, :] - (x[:, :, None] - m[:, None, :]) ** 2 / (2 * v[:, None, :])  # (B, X, N)
        logq = logsumexp_rows(a, axis=2)
        with np.errstate(invalid="ignore", over="ignore"):
            f = _integrand(kind, log_p, x, a + live_w[:, None, :], logq, logw)
        total += (np.where(gw > 0, f, 0.0) * gw).sum(axis=1)
    return total


def _integrand(kind, log_p, x, a, logq, logw):
    """Σ_i w_i q_i(x) g_i(x) over the components whose log(w_i q_i) are ``a`` (others -inf)."""
    if kind == "kl":
        return np.where(np.isfinite(logq), np.exp(logsumexp_rows(a, axis=2)) * (logq - log_p(x)), 0.0)
    terms = np.exp(a) * (a - logw[:, None, :] - logq[:, :, None])
    return np.where(np.isfinite(a), terms, 0.0).sum(axis=2)                    # zero weights contribute nothing


def _integrate_local(kind, log_p, w, m, v, s, live, i, panels_per_sd, reach):
    """Component i, too narrow for nodes in z, integrated in t = (z - m_i)/s_i on [-reach, reach].

    Besides w_i E_{q_i}[g_i] this adds what its spike changes in the live components'
    integral, ∫ q_live log(q̄/q_live) over its support (the panels in z cannot see it).
    Two such components closer than their own widths would count that change twice;
    it is at most s_i times the live density, below 1e-9 |m_i| of it.
    """
    n_panels = max(1, int(np.ceil(2 * reach * panels_per_sd)))
    t_edges = np.linspace(-reach, reach, n_panels + 1)
    t = (t_edges[:-1, None] + np.diff(t_edges)[:, None] * (_GL_NODES + 1) / 2).ravel()          # (X,)
    gw = np.repeat(0.5 * np.diff(t_edges), _GL_NODES.size) * np.tile(_GL_WEIGHTS, n_panels)
    logw, const = _log_terms(w, m, v)
    a = const[None, :] - ((m[i] - m)[None, :] + s[i] * t[:, None]) ** 2 / (2 * v[None, :])     # (X, N)
    a[:, i] = const[i] - 0.5 * t**2
    logq = logsumexp_rows(a, axis=1)
    phi = np.exp(-0.5 * t**2) / np.sqrt(2 * np.pi)
    if kind == "kl":
        own = w[i] * phi * (logq - log_p(m[i] + s[i] * t))
    else:
        own = w[i] * phi * (a[:, i] - logw[i] - logq)
    if live.any():
        log_live = logsumexp_rows(np.where(live[None, :], a, -np.inf), axis=1)
        spike = s[i] * np.exp(log_live) * (logq - log_live)
        own = own + (spike if kind == "kl" else -spike)
    return float(np.where(np.isfinite(own), own, 0.0) @ gw)
