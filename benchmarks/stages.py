"""``python -m benchmarks.stages MEANS.npy LOGVAR.npy``: the stages of ``kl-audit encodings``, timed one by one.

Each stage runs as :func:`numeric.decompose` runs it, on the memory-mapped input, the costly
ones on a fraction of their work (draws, bound rows, dimensions), twice (a fraction and twice
that), so that a fixed cost (coefficients, logarithms of every variance) is told apart from the
cost per unit of work, which is scaled linearly to the full run.  Both wall time and CPU time
(all threads) are reported: on a shared machine the CPU time divided by the cores is what an
idle machine would take.  Prints a Markdown table with the load average beside every figure.
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

    def once(f):
        t0, c0 = time.perf_counter(), time.process_time()
        value = f()
        return value, time.perf_counter() - t0, time.process_time() - c0

    def timed(stage, f, fraction=None, work="", twice=None):
        """f() once (fixed stages), or f() and twice() for a fraction of the work and twice that fraction."""
        load = os.getloadavg()[0]
        value, wall, cpu = once(f)
        row = {"stage": stage, "measured_s": wall, "cpu_s": cpu, "work": work, "scaled_s": wall, "scaled_cpu_s": cpu}
        if twice is not None:
            _, wall2, cpu2 = once(twice)
            per_w, per_c = wall2 - wall, cpu2 - cpu             # one fraction's share of the variable cost
            row.update(measured_s=wall2, cpu_s=cpu2, work=work + " (and half of it)",
                       scaled_s=max(wall - per_w, 0.0) + per_w / fraction,
                       scaled_cpu_s=max(cpu - per_c, 0.0) + per_c / fraction)
        row.update(load=(load + os.getloadavg()[0]) / 2, peak_gib=_peak_gib())
        out.append(row)
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
          f"{2 * draws:,} of {n_samples:,} draws", lambda: kl_monte_carlo(mix, 2 * draws, rng))
    timed("Monte Carlo I(i; z)", lambda: mutual_information_monte_carlo(mix, draws, rng), draws / n_samples,
          f"{2 * draws:,} of {n_samples:,} draws", lambda: mutual_information_monte_carlo(mix, 2 * draws, rng))
    timed("pairwise bounds", lambda: pairwise_bounds_sampled(mix, max_rows=rows, rng=rng),
          rows / min(mix.n, bound_rows), f"{2 * rows} of {min(mix.n, bound_rows):,} rows",
          lambda: pairwise_bounds_sampled(mix, max_rows=2 * rows, rng=rng))
    spread = np.asarray(mix.means[:1000]).std(axis=0)
    pick = [int(np.argmax(spread)), int(np.argmin(spread))][:dims]   # an active and a near-prior dimension

    def dimwise():
        for j in pick:
            kl_quadrature_1d(mix.weights, mix.means[:, j], mix.variances[:, j])

    timed("dimension-wise KL", dimwise, len(pick) / mix.d, f"{len(pick)} of {mix.d} dimensions")
    out[-1].update(scaled_s=out[-1]["measured_s"] * mix.d / len(pick), scaled_cpu_s=out[-1]["cpu_s"] * mix.d / len(pick))
    timed("total correlation", lambda: total_correlation_monte_carlo(mix, tc_draws, rng), tc_draws / n_samples,
          f"{2 * tc_draws:,} of {n_samples:,} draws", lambda: total_correlation_monte_carlo(mix, 2 * tc_draws, rng))
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
    cores = len(os.sched_getaffinity(0))
    print(f"| stage | work timed | wall (s) | CPU (s) | full run, wall (s) | full run, CPU / {cores} cores (s) | "
          "load average | peak RSS (GiB) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['stage']} | {r['work']} | {r['measured_s']:.3g} | {r['cpu_s']:.3g} | {r['scaled_s']:.4g} | "
              f"{r['scaled_cpu_s'] / cores:.4g} | {r['load']:.1f} | {r['peak_gib']:.2f} |")
    print(f"| total | | | | {sum(r['scaled_s'] for r in rows):.4g} | {sum(r['scaled_cpu_s'] for r in rows) / cores:.4g} "
          "| | |")
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
