"""``python -m benchmarks.stages MEANS.npy LOGVAR.npy``: the stages of ``kl-audit encodings``, timed one by one.

Each stage runs as :func:`numeric.decompose` runs it, on the memory-mapped input, the costly
ones on a fraction of their work (draws, bound rows, dimensions).  What a stage computes once
(coefficients, logarithms of every variance; for the total correlation, the setup of the d
marginals, once per chunk of 4,096 draws) is timed apart, and only the rest is scaled linearly
to the full run.  Both wall time and CPU time (all threads) are reported: on a shared machine the
CPU time divided by the cores is close to what an idle machine takes.  Prints a Markdown table
with the load average beside every figure.
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
    from numeric.bounds import _prepare, pairwise_bounds_sampled
    from numeric.density import density_terms, log_normalizers
    from numeric.encodings import total_correlation_monte_carlo
    from numeric.mixture import avg_kl, avg_kl_per_dimension
    from numeric.moments import matched_gaussian_kl_per_dimension, moment_matched_kl, variance_of_means
    from numeric.montecarlo import kl_monte_carlo, mutual_information_monte_carlo
    from numeric.quadrature import kl_quadrature_1d, log_density_1d

    out = []

    def once(f):
        t0, c0 = time.perf_counter(), time.process_time()
        value = f()
        return value, time.perf_counter() - t0, time.process_time() - c0

    def timed(stage, f, fraction=1.0, work="", fixed=None, repeated=None, times=1):
        """f() on ``fraction`` of the work; ``fixed()`` is paid once per run, ``repeated()`` ``times`` times
        in the full run and once in f()."""
        load = os.getloadavg()[0]
        _, fw, fc = once(fixed) if fixed is not None else (None, 0.0, 0.0)
        _, rw, rc = once(repeated) if repeated is not None else (None, 0.0, 0.0)
        value, wall, cpu = once(f)
        row = {"stage": stage, "measured_s": wall, "cpu_s": cpu, "work": work,
               "scaled_s": fw + times * rw + max(wall - fw - rw, 0.0) / fraction,
               "scaled_cpu_s": fc + times * rc + max(cpu - fc - rc, 0.0) / fraction,
               "load": (load + os.getloadavg()[0]) / 2, "peak_gib": _peak_gib()}
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
          f"{draws:,} of {n_samples:,} draws", fixed=lambda: density_terms(mix))
    timed("Monte Carlo I(i; z)", lambda: mutual_information_monte_carlo(mix, draws, rng), draws / n_samples,
          f"{draws:,} of {n_samples:,} draws", fixed=lambda: (density_terms(mix), log_normalizers(mix.variances)))
    timed("pairwise bounds", lambda: pairwise_bounds_sampled(mix, max_rows=rows, rng=rng),
          rows / min(mix.n, bound_rows), f"{rows} of {min(mix.n, bound_rows):,} rows",
          fixed=lambda: (avg_kl(mix), _prepare(mix)))
    spread = np.asarray(mix.means[:1000]).std(axis=0)
    pick = [int(np.argmax(spread)), int(np.argmin(spread))][:dims]   # an active and a near-prior dimension

    def dimwise():
        for j in pick:
            kl_quadrature_1d(mix.weights, mix.means[:, j], mix.variances[:, j])

    timed("dimension-wise KL", dimwise, len(pick) / mix.d, f"{len(pick)} of {mix.d} dimensions")
    x = np.zeros(1)

    def marginal_setup():
        for j in range(mix.d):
            log_density_1d(mix.weights, mix.means[:, j], mix.variances[:, j], x)

    timed("total correlation", lambda: total_correlation_monte_carlo(mix, tc_draws, rng), tc_draws / n_samples,
          f"{tc_draws:,} of {n_samples:,} draws", fixed=lambda: density_terms(mix), repeated=marginal_setup,
          times=-(-n_samples // 4096))
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
