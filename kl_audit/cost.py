"""How long ``kl-audit encodings`` will take, measured on this machine before the work starts.

Each stage's cost is linear in its size (the benchmarks' table and figure of time
against N and S show slopes near 1), so a stage is timed on a small block of the input
and scaled up:

* Monte Carlo (two passes, KL(q̄ || p) and I(i; z)): seconds per (draw x component) pair,
  from 512 draws scored against up to 16,384 components (best of 3), times S·N;
* total correlation: the joint's pairs as one Monte Carlo pass, plus seconds per (draw x component x
  dimension) of the one-dimensional marginals, from 2,048 points scored against one marginal of up
  to 16,384 components (less the time of one point: the setup), times S·N·d, plus the setup per
  (component x dimension) for every chunk of draws;
* pairwise bounds: seconds per (row x component) pair, from 32 rows (best of 3), times min(N, rows)·N;
* dimension-wise KL: each dimension's quadrature costs (nodes) x N pairs, and its nodes are set by
  the spreads of the components, not by their number; so every dimension is integrated on an evenly
  strided sample of up to 4,096 components (same spreads, same nodes) and the time scaled by N/4,096;
* setup: what every stage computes once per component (the coefficients of the three Monte Carlo
  passes, the logarithms of the bounds, avg KL and the moments), timed on the same block and scaled by N.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from numeric import DiagonalMixture
from numeric.bounds import _prepare, pairwise_row_terms
from numeric.density import density_terms, mixture_log_sum
from numeric.mixture import avg_kl, avg_kl_per_dimension
from numeric.moments import moment_matched_kl
from numeric.montecarlo import own_log_term
from numeric.quadrature import kl_quadrature_1d, log_density_1d

__all__ = ["DIMENSIONWISE_SAMPLE", "CostEstimate", "announce_cost", "estimate_encodings_cost"]

#: Below this many seconds of predicted work nothing is measured or printed.
ANNOUNCE_AFTER_S = 10.0

#: Components sampled (evenly strided) to time the dimension-wise quadrature.
DIMENSIONWISE_SAMPLE = 4_096

#: A deliberately fast guess (flop/s) used only to decide whether measuring is worth it.
_OPTIMISTIC_FLOPS = 2e11


@dataclass(frozen=True)
class CostEstimate:
    """Predicted seconds for each stage of the encodings report."""

    monte_carlo: float
    bounds: float
    dimensionwise: float
    total_correlation: float = 0.0
    setup: float = 0.0

    @property
    def total(self) -> float:
        return self.monte_carlo + self.bounds + self.dimensionwise + self.total_correlation + self.setup

    def line(self) -> str:
        """One line for the terminal."""
        return (f"estimated time: about {_duration(self.total)} (Monte Carlo {_duration(self.monte_carlo)}, "
                f"total correlation {_duration(self.total_correlation)}, "
                f"pairwise bounds {_duration(self.bounds)}, dimension-wise KL {_duration(self.dimensionwise)}, "
                f"setup {_duration(self.setup)}), from small blocks of this input timed on this machine")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _head(mix: DiagonalMixture, n: int) -> DiagonalMixture:
    """The first n components, reweighted uniformly (same cost per pair as the whole mixture)."""
    return DiagonalMixture(mix.means[:n], mix.variances[:n], np.full(n, 1.0 / n))


def _seconds(f) -> float:
    start = time.perf_counter()
    f()
    return time.perf_counter() - start


#: Draws per chunk of the total-correlation pass (its default ``chunk_samples``): each chunk sets up every marginal.
TC_CHUNK = 4096

#: Rows timed for the pairwise bounds (best of 3, as the Monte Carlo probe): enough work per compiled call that
#: starting its threads does not count.
BOUND_PROBE_ROWS = 32

#: Points scored against one marginal to time the total correlation's terms (best of 3, as is the 1-point setup).
TC_PROBE = 2048


def estimate_encodings_cost(mix: DiagonalMixture, *, n_samples: int, max_bound_rows: int) -> CostEstimate:
    """Predicted seconds for the Monte Carlo passes, the total correlation, the pairwise bounds, the
    dimension-wise KL and the per-component setup."""
    rng = np.random.default_rng(0)
    head = _head(mix, min(mix.n, 16_384))
    terms = density_terms(head)
    draws = 512
    comp = rng.integers(0, head.n, draws)
    eps = rng.standard_normal((draws, mix.d))
    z = head.means[comp] - terms.center + np.sqrt(head.variances[comp]) * eps
    mixture_log_sum(terms, z[:8], own_log_term(head, comp[:8], eps[:8]))           # warm-up
    per_pair = min(_seconds(lambda: mixture_log_sum(terms, z, own_log_term(head, comp, eps)))
                   for _ in range(3)) / (draws * head.n)
    monte_carlo = 2 * per_pair * n_samples * mix.n

    m0, v0 = np.ascontiguousarray(head.means[:, 0]), np.ascontiguousarray(head.variances[:, 0])
    x = np.ascontiguousarray(np.resize(z[:, 0] + terms.center[0], TC_PROBE))
    log_density_1d(head.weights, m0, v0, x[:2])                                       # warm-up (compilation)
    setup_s = min(_seconds(lambda: log_density_1d(head.weights, m0, v0, x[:1])) for _ in range(3))
    probe_s = min(_seconds(lambda: log_density_1d(head.weights, m0, v0, x)) for _ in range(3))
    per_setup = setup_s / head.n
    per_term = max(probe_s - setup_s, 0.0) / ((TC_PROBE - 1) * head.n)
    chunks = -(-n_samples // TC_CHUNK)
    total_correlation = per_pair * n_samples * mix.n + mix.d * mix.n * (per_term * n_samples + per_setup * chunks)

    def once_per_component():
        for _ in range(3):                     # KL(q̄ || p), I(i; z) and TC each build the coefficients
            density_terms(head)
        _prepare(head)
        avg_kl(head)
        avg_kl_per_dimension(head)
        moment_matched_kl(head)
        moment_matched_kl(head, diagonal=True)

    setup = _seconds(once_per_component) * mix.n / head.n

    rows = np.arange(min(BOUND_PROBE_ROWS, head.n))
    pairwise_row_terms(head, rows[:1])                                                # warm-up (compilation)
    per_row_pair = min(_seconds(lambda: pairwise_row_terms(head, rows)) for _ in range(3)) / (rows.size * head.n)
    bounds = per_row_pair * min(mix.n, max_bound_rows) * mix.n

    sample = np.arange(0, mix.n, max(1, mix.n // DIMENSIONWISE_SAMPLE))[:DIMENSIONWISE_SAMPLE]
    means, variances = np.asarray(mix.means[sample]).T, np.asarray(mix.variances[sample]).T          # (d, k)
    weights = np.full(means.shape, 1.0 / sample.size)
    kl_quadrature_1d(weights[:1, :2], means[:1, :2], variances[:1, :2])                      # warm-up (compilation)
    every_dim = _seconds(lambda: kl_quadrature_1d(weights, means, variances))
    dimensionwise = every_dim * mix.n / sample.size
    return CostEstimate(monte_carlo, bounds, dimensionwise, total_correlation, setup)


def announce_cost(mix: DiagonalMixture, *, n_samples: int, max_bound_rows: int,
                  stream: TextIO | None = None) -> CostEstimate | None:
    """Print the estimate to ``stream`` (stderr) when the work may take longer than :data:`ANNOUNCE_AFTER_S`.

    Returns the estimate, or None when even an optimistic count of the Monte Carlo
    flops (3 passes x 4·S·N·d) says the work is short, in which case nothing is measured.
    """
    optimistic = 3 * 4.0 * n_samples * mix.n * mix.d / _OPTIMISTIC_FLOPS
    if optimistic < ANNOUNCE_AFTER_S / 4:
        return None
    estimate = estimate_encodings_cost(mix, n_samples=n_samples, max_bound_rows=max_bound_rows)
    if estimate.total >= ANNOUNCE_AFTER_S:
        print(estimate.line(), file=stream or sys.stderr, flush=True)
    return estimate
