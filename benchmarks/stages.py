"""``python -m benchmarks.stages MEANS.npy LOGVAR.npy``: the stages of ``kl-audit encodings``, timed one by one.

Each stage runs as :func:`numeric.decompose` runs it, on the memory-mapped input, the costly
ones on a fraction of their work (draws, bound rows, dimensions), and is scaled linearly
to the full run (their cost is linear in that work).  Prints a Markdown table with the
load average beside every figure, and what ``kl_audit.cost`` predicts for the same run.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def stage_times(means: Path, logvar: Path, *, n_samples: int = 20_000, bound_rows: int = 2048,
                draws: int = 400, rows: int = 32, dims: int = 2, tc_draws: int = 100) -> list[dict]:
    """[{stage, measured_s, work, scaled_s, load, peak_gib}] for the stages of the encodings command."""
    from kl_audit.inputs import read_encodings
    from numeric.bounds import pairwise_bounds_sampled
    from numeric.encodings import total_correlation_monte_carlo
    from numeric.mixture import avg_kl, avg_kl_per_dimension
    from numeric.moments import matched_gaussian_kl_per_dimension, moment_matched_kl, variance_of_means
    from numeric.montecarlo import kl_monte_carlo, mutual_information_monte_carlo
    from numeric.quadrature import kl_quadrature_1d

    out = []

    def timed(stage, f, fraction=1.0, work=""):
        load = os.getloadavg()[0]
        t0 = time.perf_counter()
        value = f()
        seconds = time.perf_counter() - t0
        out.append({"stage": stage, "measured_s": seconds, "work": work, "scaled_s": seconds / fraction,
                    "load": load, "peak_gib": _peak_gib()})
        return value

    mix = timed("read (memory-mapped) and validate", lambda: read_encodings([means, logvar], spread="logvar"))
    timed("avg KL", lambda: (avg_kl(mix), avg_kl_per_dimension(mix)))

    def moments():
        w = mix.weights
        mean_j = w @ mix.means
        var = variance_of_means(w, mix.means)
        matched_gaussian_kl_per_dimension(mean_j, var + w @ mix.variances)
        moment_matched_kl(mix)
        moment_matched_kl(mix, diagonal=True)

    timed("moments", moments)
    rng = np.random.default_rng(0)
    timed("Monte Carlo KL(q̄ || p)", lambda: kl_monte_carlo(mix, draws, rng), draws / n_samples,
          f"{draws:,} of {n_samples:,} draws")
    timed("Monte Carlo I(i; z)", lambda: mutual_information_monte_carlo(mix, draws, rng), draws / n_samples,
          f"{draws:,} of {n_samples:,} draws")
    timed("pairwise bounds", lambda: pairwise_bounds_sampled(mix, max_rows=rows, rng=rng),
          rows / min(mix.n, bound_rows), f"{rows} of {min(mix.n, bound_rows):,} rows")
    spread = np.asarray(mix.means[:1000]).std(axis=0)
    pick = [int(np.argmax(spread)), int(np.argmin(spread))][:dims]   # an active and a near-prior dimension

    def dimwise():
        for j in pick:
            kl_quadrature_1d(mix.weights, mix.means[:, j], mix.variances[:, j])

    timed("dimension-wise KL", dimwise, len(pick) / mix.d, f"{len(pick)} of {mix.d} dimensions")
    timed("total correlation", lambda: total_correlation_monte_carlo(mix, tc_draws, rng), tc_draws / n_samples,
          f"{tc_draws:,} of {n_samples:,} draws")
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stages", description=__doc__.splitlines()[0])
    parser.add_argument("means", type=Path)
    parser.add_argument("logvar", type=Path)
    parser.add_argument("--samples", type=int, default=20_000)
    parser.add_argument("--draws", type=int, default=400, help="draws timed per Monte Carlo pass")
    parser.add_argument("--tc-draws", type=int, default=100, help="draws timed for the total correlation")
    parser.add_argument("--rows", type=int, default=32, help="bound rows timed")
    parser.add_argument("--estimate", action="store_true", help="also print kl_audit.cost's estimate")
    args = parser.parse_args(argv)
    rows = stage_times(args.means, args.logvar, n_samples=args.samples, draws=args.draws, rows=args.rows,
                       tc_draws=args.tc_draws)
    print("| stage | measured (s) | work timed | scaled to the full run (s) | load average | peak RSS (GiB) |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['stage']} | {r['measured_s']:.3g} | {r['work']} | {r['scaled_s']:.4g} | {r['load']:.1f} | "
              f"{r['peak_gib']:.2f} |")
    print(f"| total | | | {sum(r['scaled_s'] for r in rows):.4g} | | |")
    if args.estimate:
        from kl_audit.cost import estimate_encodings_cost
        from kl_audit.inputs import read_encodings

        mix = read_encodings([args.means, args.logvar], spread="logvar")
        t0 = time.perf_counter()
        est = estimate_encodings_cost(mix, n_samples=args.samples, max_bound_rows=2048)
        print(f"\nkl_audit.cost ({time.perf_counter() - t0:.1f} s to measure): {est.line()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
