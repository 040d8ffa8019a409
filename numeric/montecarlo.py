"""Monte Carlo KL(q̄ || p) and I(i; z) of a diagonal-Gaussian mixture, with intervals.

Draws are stratified by component when there are at least two per component
(:func:`stratified_counts`), and scored a chunk at a time so memory stays bounded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._validate import require_positive, require_sampling
from ._xp import argsort_descending, astype, clip_below, namespace
from .density import (DEFAULT_CHUNK_BYTES, density_terms, log_density_at_draws, log_normalizers, log_prior,
                      logsumexp_rows, mixture_log_sum)
from .estimate import Estimate
from .mixture import DiagonalMixture, Prior, log_weights

__all__ = ["kl_monte_carlo", "kl_monte_carlo_batch", "monte_carlo_expectation", "mutual_information",
           "mutual_information_monte_carlo", "own_log_term", "pooled_estimate", "stratified_counts", "stratified_estimate",
           "draw_count"]


def stratified_counts(weights: Any, n_samples: int) -> Any:
    """Draws per component for stratified sampling: proportional to w_i, with a floor.

    The floor, ``clip(n_samples // 4N, 2, 30)``, gives each component enough draws
    for its variance estimate to be usable (with 2 draws a light component's
    standard error is often far too small).  The counts sum to ``n_samples``,
    or slightly more when the floors need it.  Any array namespace (int64 counts on
    the device of ``weights``).
    """
    xp = namespace(weights)
    raw = weights * n_samples
    floor = min(max(n_samples // (4 * weights.shape[0]), 2), 30)
    counts = astype(clip_below(xp.floor(raw), float(floor)), xp.int64)
    short = n_samples - int(xp.sum(counts))
    if short > 0:
        counts[argsort_descending(raw - xp.floor(raw))[:short]] += 1
    return counts


def draw_count(weights: Any, n_samples: int) -> int:
    """The number of draws an estimate asked for ``n_samples`` makes from a mixture with these weights.

    ``n_samples`` when the component is drawn at random (``n_samples < 2N``); otherwise the sum of
    :func:`stratified_counts`, which the per-component floor can make a little larger.  Progress
    bars announce this total.
    """
    if n_samples < 2 * weights.shape[0]:
        return int(n_samples)
    return int(namespace(weights).sum(stratified_counts(weights, n_samples)))


def stratified_estimate(weights: Any, counts: Any, sums: Any, sums_of_squares: Any, shift: Any, *,
                        level: float) -> Estimate:
    """Σ_i w_i mean_i with variance Σ_i w_i² s_i² / n_i, from each stratum's sums of shifted values.

    ``counts``, ``sums`` and ``sums_of_squares`` (shape (N,)) are n_i, Σ (f - shift) and
    Σ (f - shift)² over the n_i draws of component i; s_i² is the unbiased variance.
    Any array namespace; only the two scalars leave the device.
    """
    xp = namespace(sums)
    means = sums / counts
    var_i = clip_below(sums_of_squares / counts - means * means, 0.0) * counts / (counts - 1)
    value = float(shift) + float(weights @ means)
    se = math.sqrt(float(xp.sum(weights * weights * var_i / counts)))
    return Estimate.normal(value, se, int(xp.sum(counts)), level)


def pooled_estimate(total: int, sum_: Any, sum_of_squares: Any, shift: Any, *, level: float) -> Estimate:
    """The mean of ``total`` draws with standard error s/sqrt(total), from the sums of shifted values."""
    mean = float(sum_) / total
    var = max(float(sum_of_squares) / total - mean**2, 0.0) * total / (total - 1)
    return Estimate.normal(float(shift) + mean, math.sqrt(var / total), total, level)


def monte_carlo_expectation(mix: DiagonalMixture, n_samples: int, rng: np.random.Generator,
                 f: Callable[[NDArray[np.float64], NDArray[np.int64], NDArray[np.float64]], NDArray[np.float64]],
                 *, level: float, chunk_samples: int, progress: Callable[[int], None] | None,
                 center: NDArray[np.float64] | None = None) -> Estimate:
    """E_{i ~ w, z ~ q_i}[f(z - center, i, eps)] by Monte Carlo with a normal-theory interval.

    With ``n_samples >= 2N`` the draws are stratified by component (proportional
    allocation with a floor, :func:`stratified_counts`) and the estimate is Σ_i w_i mean_i with
    variance Σ_i w_i² s_i² / n_i: no component, however light, goes unseen, which
    plain sampling cannot promise and its standard error cannot reveal.  Otherwise the
    component index is drawn with probability w_i.  Draws z = m_i + sqrt(v_i) eps reach
    ``f`` measured from ``center`` (d,), formed as (m_i - center) + sqrt(v_i) eps so that
    means far from the origin lose no digits.
    """
    require_sampling(n_samples, level, chunk_samples)
    stratified = n_samples >= 2 * mix.n
    if stratified:  # the same rule as draw_count
        comp_all = np.repeat(np.arange(mix.n), stratified_counts(mix.weights, n_samples))
    else:
        comp_all = rng.choice(mix.n, size=n_samples, p=mix.weights)
    total = comp_all.size
    sums = np.zeros(mix.n)
    sq = np.zeros(mix.n)
    shift = None
    for start in range(0, total, chunk_samples):
        comp = comp_all[start:start + chunk_samples]
        eps = rng.standard_normal((comp.size, mix.d))
        offset = mix.means[comp] if center is None else mix.means[comp] - center
        z = offset + np.sqrt(mix.variances[comp]) * eps
        values = f(z, comp, eps)
        if shift is None:
            shift = float(values.mean())  # shifted sums keep the variance accurate
        values = values - shift
        sums += np.bincount(comp, weights=values, minlength=mix.n)
        sq += np.bincount(comp, weights=values * values, minlength=mix.n)
        if progress is not None:
            progress(comp.size)
    if stratified:
        return stratified_estimate(mix.weights, np.bincount(comp_all, minlength=mix.n), sums, sq, shift, level=level)
    return pooled_estimate(total, sums.sum(), sq.sum(), shift, level=level)


def kl_monte_carlo(mix: DiagonalMixture, n_samples: int, rng: np.random.Generator, *, prior: Prior = Prior(),
                   level: float = 0.95, chunk_samples: int = 4096, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                   progress: Callable[[int], None] | None = None) -> Estimate:
    """Monte Carlo KL(q̄ || p) = E_q̄[log q̄(z) - log p(z)] with a 95% interval.

    Stratified by component when ``n_samples >= 2N`` (see :func:`monte_carlo_expectation`);
    draws are scored ``chunk_samples`` at a time, so memory stays bounded, and
    ``progress(k)`` is called with the number scored in each chunk.
    """
    terms = density_terms(mix)

    def f(z, comp, eps):
        return (mixture_log_sum(terms, z, own_log_term(mix, comp, eps), chunk_bytes=chunk_bytes)
                - log_prior(z + terms.center, prior))

    return monte_carlo_expectation(mix, n_samples, rng, f, level=level, chunk_samples=chunk_samples,
                                   progress=progress, center=terms.center)


def own_log_term(mix: DiagonalMixture, comp: NDArray[np.int64], eps: NDArray[np.float64]) -> NDArray[np.float64]:
    """log w_c + log q_c(z) for draws z = m_c + sqrt(v_c) eps, shape (S,): -inf where w_c = 0.

    log q_c(z) = -½(d log 2π + Σ_k log v_ck + Σ_k eps_k²), with no subtraction of z and m_c.
    """
    return log_weights(mix.weights[comp]) + log_density_at_draws(log_normalizers(mix.variances[comp]), eps)


def mutual_information(avg: float, kl_aggregate: Estimate | float) -> Estimate | float:
    """I(i; z) = avg KL - KL(q̄ || p) (theorem `gap_identity`); an interval maps to an interval."""
    if isinstance(kl_aggregate, Estimate):
        return kl_aggregate.affine(avg, -1.0)
    return avg - float(kl_aggregate)


def kl_monte_carlo_batch(weights: ArrayLike, means: ArrayLike, variances: ArrayLike, n_samples: int,
                         rng: np.random.Generator, *,
                         prior: Prior = Prior()) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Monte Carlo KL(q̄ || p) for many small mixtures at once.

    Parameters
    ----------
    weights : array_like, shape (T, N)
    means, variances : array_like, shape (T, N, d)
    n_samples : int
        Draws per mixture.

    Returns
    -------
    value, stderr : ndarray, shape (T,)
    """
    w = np.asarray(weights, dtype=np.float64)
    m = np.asarray(means, dtype=np.float64)
    v = require_positive("variances", np.asarray(variances, dtype=np.float64))
    t, n, d = m.shape
    prior.arrays(d)  # validate the prior against d before any work
    values = np.empty(t)
    errors = np.empty(t)
    rows = max(1, (2**23) // (n_samples * n * d))
    cum = np.cumsum(w, axis=1)
    for start in range(0, t, rows):
        sl = slice(start, start + rows)
        u = rng.random((cum[sl].shape[0], n_samples))
        comp = (u[:, :, None] > cum[sl, None, :]).sum(axis=2).clip(max=n - 1)       # (B, S)
        mi = np.take_along_axis(m[sl], comp[:, :, None], axis=1)                    # (B, S, d)
        vi = np.take_along_axis(v[sl], comp[:, :, None], axis=1)
        z = mi + np.sqrt(vi) * rng.standard_normal(mi.shape)
        with np.errstate(divide="ignore"):
            logw = np.log(w[sl])
        a = (logw - log_normalizers(v[sl]))[:, None, :] - 0.5 * (
            (z[:, :, None, :] - m[sl, None, :, :]) ** 2 / v[sl, None, :, :]).sum(3)
        logq = logsumexp_rows(a, axis=2)
        f = logq - log_prior(z, prior)
        values[sl] = f.mean(axis=1)
        errors[sl] = f.std(axis=1, ddof=1) / np.sqrt(n_samples)
    return values, errors


def mutual_information_monte_carlo(mix: DiagonalMixture, n_samples: int, rng: np.random.Generator, *,
                                   chunk_samples: int = 4096, chunk_bytes: int = DEFAULT_CHUNK_BYTES,
                                   progress: Callable[[int], None] | None = None) -> Estimate:
    """I(i; z) = E_{i ~ w, z ~ q_i}[log q_i(z) - log q̄(z)], with a 95% interval (stratified as for the KL)."""
    terms = density_terms(mix)
    normalizers = log_normalizers(mix.variances)

    def f(z, comp, eps):
        return (log_density_at_draws(normalizers[comp], eps)
                - mixture_log_sum(terms, z, own_log_term(mix, comp, eps), chunk_bytes=chunk_bytes))

    return monte_carlo_expectation(mix, n_samples, rng, f, level=0.95, chunk_samples=chunk_samples,
                                   progress=progress, center=terms.center)
