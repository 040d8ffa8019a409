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


def _plan(quick: bool) -> list[tuple[str, str, list, int]]:
    """(group, case, args, repeats)."""
    trials = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    plan = []
    for t in trials:
        for case, reps in (("reproduce_ours", 5), ("rng_floor", 5), ("reproduce_loop", 1 if t >= 10_000 else 3)):
            plan.append(("reproduction", case, [t, 1, 2, 100], reps))
    t = 1_000 if quick else 10_000
    for case, reps in (("reproduce_ours", 5), ("rng_floor", 5), ("reproduce_loop", 1)):
        plan.append(("reproduction", case, [t, 16, 8, 100], reps))
    sizes = [(1_000, 16, 10_000)] if quick else [(1_000, 16, 10_000), (10_000, 32, 10_000), (60_000, 64, 2_000)]
    for n, d, s in sizes:
        for case in ("mc_ours", "mc_torch", "mc_sklearn"):
            slow_peer = case == "mc_torch" and n * d * s > 10**9
            plan.append(("mixture", case, [n, d, s], 1 if slow_peer else 3))
    plan.append(("bounds", "bounds_ours", [2_000, 32] if quick else [10_000, 32], 3))
    plan.append(("proof", "proof_check", [], 3))
    plan.append(("encodings", "encodings_scale", [6_000, 16, 5_000] if quick else [60_000, 64, 20_000], 1))
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
    lines += ["", "### Monte Carlo KL(q̄ || p) of a diagonal mixture (seconds, median; peak memory above the inputs)", "",
              "| N | d | samples | ours | torch | scikit-learn | ours: peak | torch: peak | scikit-learn: peak | "
              "ours vs fastest peer |", "|---|---|---|---|---|---|---|---|---|---|"]
    for key, row in results["mixture"].items():
        n, d, s = json.loads(key)
        ours, th, sk = row["mc_ours"], row["mc_torch"], row["mc_sklearn"]
        peers = [r["median_s"] for r in (th, sk) if "median_s" in r]
        speed = f"{min(peers) / ours['median_s']:.2f}x" if peers and "median_s" in ours else "-"
        lines.append(f"| {n:,} | {d} | {s:,} | {_fmt_t(ours)} | {_fmt_t(th)} | {_fmt_t(sk)} | {_fmt_mem(ours)} | "
                     f"{_fmt_mem(th)} | {_fmt_mem(sk)} | {speed} |")
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
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    parser.add_argument("--json", type=Path, default=Path("benchmarks/results.json"), help="where to write JSON")
    args = parser.parse_args(argv)
    results: dict = {}
    plan = _plan(args.quick)
    for group, case, case_args, repeats in tqdm(plan, desc="benchmarks", unit="case"):
        results.setdefault(group, {}).setdefault(json.dumps(case_args), {})[case] = _run(case, case_args, repeats)
    machine = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
               "processor": platform.processor() or "unknown"}
    table = _table(results)
    print(f"Machine: {machine['cpus']} CPUs ({machine['machine']}), Python {machine['python']}\n")
    print(table)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"machine": machine, "results": results, "table": table}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
