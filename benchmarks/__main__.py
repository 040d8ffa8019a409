"""``python -m benchmarks``: our speed and memory beside the alternatives, in one run.

Every case runs in its own process (so its peak memory can be read); a time is the
median of the repeats.  Peers that are not installed are reported as skipped
(``pip install '.[bench]'`` installs them).  Prints a Markdown table, writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

ROOT = Path(__file__).resolve().parents[1]


def _run(case: str, args: list, repeats: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-m", "benchmarks.worker", case, str(repeats), json.dumps(args)],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    if proc.returncode != 0:
        return {"failed": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    if "times" in out:
        out["median_s"] = statistics.median(out["times"])
    return out


MIXTURE_SIZES = {"bench": (10_000, 32, 10_000), "vae": (20_000, 64, 10_000)}


def _plan(quick: bool, million: bool) -> list[tuple[str, str, list, int]]:
    """(group, case, args, repeats)."""
    trials = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    plan = []
    for t in trials:
        for case, reps in (("reproduce_ours", 5), ("rng_floor", 5), ("reproduce_loop", 1 if t >= 10_000 else 3)):
            plan.append(("reproduction", case, [t, 1, 2, 100], reps))
    t = 1_000 if quick else 10_000
    for case, reps in (("reproduce_ours", 5), ("rng_floor", 5), ("reproduce_loop", 1)):
        plan.append(("reproduction", case, [t, 16, 8, 100], reps))
    sizes = {"bench": (1_000, 16, 4_000), "vae": (2_000, 32, 4_000)} if quick else MIXTURE_SIZES
    for kind, (n, d, s) in sizes.items():
        plan.append(("race", "mc_race", [n, d, s, kind, 3], 1))
        for case, extra in (("mc_ours", []), ("mc_torch_expert", ["float64"]), ("mc_torch_expert", ["float32"]),
                            ("mc_sklearn", [])):
            plan.append(("memory", case, [n, d, s, kind, *extra], 1))
    if not quick:
        plan.append(("memory", "mc_torch", [1_000, 16, 10_000, "bench"], 1))   # MixtureSameFamily, for reference
    plan.append(("bounds", "bounds_ours", [2_000, 32] if quick else [10_000, 32], 3))
    plan.append(("proof", "proof_check", [], 3))
    enc = [6_000, 16, 5_000] if quick else [60_000, 64, 20_000]
    plan.append(("encodings", "encodings_scale", enc, 1))
    plan.append(("encodings", "mc_torch_expert", [enc[0], enc[1], enc[2], "vae", "float64"], 1))
    plan.append(("scaling", "mc_scaling", [], 1))
    plan.append(("quadrature", "dimwise_stage", [20_000, 16] if quick else [100_000, 64], 1))
    if million:
        plan.append(("million", "dimwise_stage", [1_000_000, 64], 1))
        plan.append(("million", "stages", [1_000_000, 64, 20_000], 1))
        plan.append(("million", "encodings_cli", [1_000_000, 64, 20_000], 1))
    return plan


def _fmt_t(r: dict) -> str:
    if "median_s" in r:
        return f"{r['median_s']:.3g}"
    return r.get("skipped") or f"failed: {r.get('failed')}"


def _fmt_mem(r: dict) -> str:
    if r.get("peak_bytes") is None:
        return "n/a"
    mib = r["peak_bytes"] / 2**20
    return "< 1 MiB" if mib < 1 else f"{mib:.0f} MiB"


def _ratio(a: dict, b: dict) -> float | None:
    return b["median_s"] / a["median_s"] if "median_s" in a and "median_s" in b else None


def _table(results: dict) -> str:
    lines = ["### Reproduction of the script (seconds, median)", "",
             "| trials | d | N | k | ours | loop port | RNG floor | ours vs loop | ours / floor |",
             "|---|---|---|---|---|---|---|---|---|"]
    for key, row in results["reproduction"].items():
        t, d, n, k = json.loads(key)
        ours, loop, floor = row["reproduce_ours"], row["reproduce_loop"], row["rng_floor"]
        speed, slow = _ratio(ours, loop), _ratio(floor, ours)
        lines.append(f"| {t:,} | {d} | {n} | {k} | {_fmt_t(ours)} | {_fmt_t(loop)} | {_fmt_t(floor)} | "
                     f"{f'{speed:.0f}x' if speed else '-'} | {f'{slow:.2f}x' if slow else '-'} |")
    lines += ["", "### Monte Carlo KL(q̄ || p) of a diagonal mixture (seconds, best of 3, interleaved in one process)", "",
              "| mixture | N | d | samples | ours | torch expert f64 | torch expert f32 | scikit-learn | floor | "
              "ours / floor | ours / floor, CPU time | torch f64 / ours | torch f32 / ours |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    memory = results.get("memory", {})
    for key, row in results["race"].items():
        n, d, s, kind, _ = json.loads(key)
        r = row["mc_race"].get("result")
        if r is None:
            lines.append(f"| {kind} | {n:,} | {d} | {s:,} | {_fmt_t(row['mc_race'])} |")
            continue
        sk = memory.get(json.dumps([n, d, s, kind]), {}).get("mc_sklearn", {})
        lines.append(f"| {kind} | {n:,} | {d} | {s:,} | {r['ours']:.3g} | {r.get('torch_f64', float('nan')):.3g} | "
                     f"{r.get('torch_f32', float('nan')):.3g} | {_fmt_t(sk)} | {r['floor']:.3g} | "
                     f"{r['ours'] / r['floor']:.2f} | {r.get('ours_cpu', float('nan')) / r.get('floor_cpu', float('nan')):.2f} | "
                     f"{r.get('torch_f64', float('nan')) / r['ours']:.2f}x | "
                     f"{r.get('torch_f32', float('nan')) / r['ours']:.2f}x |")
    lines += ["", "Each alone in its own process (seconds, one run; peak memory above the inputs):", "",
              "| mixture | N | d | samples | case | seconds | peak memory |", "|---|---|---|---|---|---|---|"]
    for key, row in memory.items():
        args = json.loads(key)
        for case, r in row.items():
            label = case + (f" ({args[4]})" if case == "mc_torch_expert" else "")
            n, d, s, kind = args[:4]
            lines.append(f"| {kind} | {n:,} | {d} | {s:,} | {label} | {_fmt_t(r)} | {_fmt_mem(r)} |")
    b = next(iter(results["bounds"].items()))
    p = results["proof"]["[]"]["proof_check"]
    e = next(iter(results["encodings"].items()))
    n, d = json.loads(b[0])
    en, ed, es = json.loads(e[0])
    lines += ["", "### Other work", "", "| work | seconds (median) | peak memory |", "|---|---|---|",
              f"| pairwise bounds, N = {n:,}, d = {d} | {_fmt_t(b[1]['bounds_ours'])} | {_fmt_mem(b[1]['bounds_ours'])} |",
              f"| proof check, all theorems, cold | {_fmt_t(p)} | {_fmt_mem(p)} |",
              f"| encodings report computation, N = {en:,}, d = {ed}, {es:,} draws | "
              f"{_fmt_t(e[1]['encodings_scale'])} | {_fmt_mem(e[1]['encodings_scale'])} |"]
    torch_enc = results["encodings"].get(json.dumps([en, ed, es, "vae", "float64"]), {}).get("mc_torch_expert", {})
    if "median_s" in torch_enc and "median_s" in e[1]["encodings_scale"]:
        lines.append(f"| one expert-torch float64 Monte Carlo KL of that size | {_fmt_t(torch_enc)} | "
                     f"{_fmt_mem(torch_enc)} |")
        lines.append(f"| report / torch estimate | {e[1]['encodings_scale']['median_s'] / torch_enc['median_s']:.2f} | |")
    scaling = next(iter(results.get("scaling", {}).values()), {}).get("mc_scaling", {}).get("result")
    if scaling:
        fit = results.get("scaling_fit", {})
        lines += ["", f"### Cost as the work grows: Monte Carlo KL(q̄ || p), d = {scaling['d']} (seconds, best of 2)", "",
                  f"| N (S = {scaling['s_fixed']:,}) | seconds | | S (N = {scaling['n_fixed']:,}) | seconds |",
                  "|---|---|---|---|---|"]
        for (n, tn), (s_, ts) in zip(scaling["by_n"], scaling["by_s"]):
            lines.append(f"| {n:,} | {tn:.3g} | | {s_:,} | {ts:.3g} |")
        lines.append(f"| fitted slope | {fit.get('by_n', float('nan')):.2f} | | fitted slope | "
                     f"{fit.get('by_s', float('nan')):.2f} |")
    stages = [(key, row["dimwise_stage"]) for group in ("quadrature", "million")
              for key, row in results.get(group, {}).items() if "dimwise_stage" in row]
    if stages:
        lines += ["", "### Dimension-wise KL, every dimension by quadrature (memory-mapped VAE-like input)", "",
                  "| N | d | seconds | per active dimension | per near-prior dimension | "
                  "predicted by `kl_audit.cost` | largest error | load average |", "|---|---|---|---|---|---|---|---|"]
        for key, stage in stages:
            n, d = json.loads(key)
            r = stage.get("result")
            if r is None:
                lines.append(f"| {n:,} | {d} | {_fmt_t(stage)} | | | | | |")
                continue
            lines.append(f"| {n:,} | {d} | {r['seconds']:.3g} | {r['active_per_dim']:.3g} | "
                         f"{r['near_prior_per_dim']:.3g} | {r['predicted']:.3g} | {r['max_error']:.1e} | "
                         f"{r['load_before']:.1f} to {r['load_after']:.1f} |")
    for key, row in results.get("million", {}).items():
        if "encodings_cli" not in row:
            continue
        n, d, s = json.loads(key)
        r = row["encodings_cli"].get("result")
        if r:
            lines.append(f"| `kl-audit encodings`, N = {n:,}, d = {d}, {s:,} draws, memory-mapped .npy | "
                         f"{r['seconds']:.0f} | {r['peak_bytes'] / 2**30:.2f} GiB (whole process) |")
        else:
            lines.append(f"| `kl-audit encodings`, N = {n:,}, d = {d} | {_fmt_t(row['encodings_cli'])} | |")
    for key, row in results.get("million", {}).items():
        staged = row.get("stages", {}).get("result")
        if staged:
            lines += ["", "### `kl-audit encodings` stage by stage (scaled to the full run; `python -m benchmarks.stages`)", "",
                      "| stage | wall (s) | CPU / core (s) | load average |", "|---|---|---|---|"]
            lines += [f"| {r['stage']} | {r['scaled_s']:.4g} | {r['scaled_cpu_s'] / 2:.4g} | {r['load']:.1f} |"
                      for r in staged["stages"]]
            lines.append(f"| predicted by `kl_audit.cost` | {staged['predicted_total']:.4g} | | |")
    return "\n".join(lines)


def _slope(points: list) -> float:
    """Least-squares slope of log time against log size."""
    x, y = (np.log([p[k] for p in points]) for k in (0, 1))
    return float(np.polyfit(x, y, 1)[0])


def _scaling_figure(scaling: dict, path: Path) -> dict:
    """Log-log plot of time against N and against S, with the expected slope 1; returns the fitted slopes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4), dpi=100)
    fits = {}
    for key, label, fixed in (("by_n", "N (components)", f"S = {scaling['s_fixed']:,}"),
                              ("by_s", "S (draws)", f"N = {scaling['n_fixed']:,}")):
        pts = scaling[key]
        x = np.array([p[0] for p in pts], float)
        y = np.array([p[1] for p in pts])
        fits[key] = _slope(pts)
        ax.loglog(x, y, "o-", label=f"against {label}, {fixed}: slope {fits[key]:.2f}")
        ax.loglog(x, y[-1] * x / x[-1], ":", color="0.5")
    ax.set(xlabel="N or S", ylabel="seconds", title=f"Monte Carlo KL(q̄ || p), d = {scaling['d']}; dotted: slope 1")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return fits


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results.json"), help="where to write JSON")
    parser.add_argument("--million", action="store_true",
                        help="also run `kl-audit encodings` on N = 10^6, d = 64 (writes 1 GB of input to a temporary "
                             "folder; about 10 minutes)")
    parser.add_argument("--only", help="run only this group of the plan (e.g. race, scaling, million)")
    parser.add_argument("--figure", type=Path, default=Path("benchmarks/cost.png"), help="where to draw time against N and S")
    args = parser.parse_args(argv)
    results: dict = {}
    if args.only is not None and args.json.exists():
        # one group re-measured: the other groups' results in the file are kept
        results = {k: v for k, v in json.loads(args.json.read_text()).get("results", {}).items() if k != args.only}
    plan = [p for p in _plan(args.quick, args.million) if args.only in (None, p[0])]
    for group, case, case_args, repeats in tqdm(plan, desc="benchmarks", unit="case"):
        results.setdefault(group, {}).setdefault(json.dumps(case_args), {})[case] = _run(case, case_args, repeats)
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
               "processor": platform.processor() or "unknown"}
    if "scaling" in results:
        scaling = next(iter(results["scaling"].values()))["mc_scaling"].get("result")
        if scaling:
            results["scaling_fit"] = _scaling_figure(scaling, args.figure)
    table = _table(results)
    print(f"Machine: {machine['cpus']} CPUs ({machine['machine']}), Python {machine['python']}\n")
    print(table)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"machine": machine, "results": results, "table": table}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
