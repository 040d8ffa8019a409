"""``python -m benchmarks.device``: the torch path of :mod:`numeric.device` beside numpy's, on every device at hand.

Cases: Monte Carlo KL(q̄ || p) and one ``LatentMonitor.compute()`` (avg KL, KL(q̄ || p) and
I(i; z) by Monte Carlo, active units), at N = 10^5, d = 64 on the CPU (numpy, torch float64,
torch float32); these and the encodings report's computation at N = 10^6, d = 64 and
N = 10^5, d = 1024 on a CUDA GPU when there is one (a row says "not yet measured" otherwise).  A time is the median of the repeats after
one warm-up (a single run when it takes over 2 s); GPU times end with ``torch.cuda.synchronize()``.
Beside the wall-clock time, the process's CPU time (all threads) is reported: on a shared
machine it is the steadier figure.  Prints a Markdown table and
writes ``benchmarks/device_results.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

SAMPLES = 10_000


def _encodings(n: int, d: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.normal(size=(n, d)), rng.normal(-2.0, 0.5, (n, d))


def _setup(case: str, n: int, d: int, device: str):
    """The callable to time for ``case`` ('mc', 'monitor' or, on torch, 'decompose') on ``device`` ('numpy', 'cpu', 'cpu-float32', 'cuda')."""
    mean, logvar = _encodings(n, d)
    if device == "numpy":
        from numeric import DiagonalMixture, avg_kl, kl_monte_carlo, mutual_information_monte_carlo
        from numeric.encodings import ACTIVE_THRESHOLD

        mix = DiagonalMixture.create(mean, logvar=logvar)
        if case == "mc":
            return lambda: kl_monte_carlo(mix, SAMPLES, np.random.default_rng(2)).value

        def monitor():
            kl_rng, mi_rng = np.random.default_rng(2).spawn(2)
            w = mix.weights
            active = int(((w @ (mix.means - w @ mix.means) ** 2) > ACTIVE_THRESHOLD).sum())
            return (avg_kl(mix), kl_monte_carlo(mix, SAMPLES, kl_rng).value,
                    mutual_information_monte_carlo(mix, SAMPLES, mi_rng).value, active)
        return monitor
    import torch

    from numeric import device as dev

    where, _, precision = device.partition("-")
    dtype = precision or "float64"
    mu = torch.as_tensor(mean, device=where)
    lv = torch.as_tensor(logvar, device=where)
    sync = torch.cuda.synchronize if where.startswith("cuda") else (lambda: None)
    if case == "decompose":
        mix = dev.DeviceMixture.create(mu, logvar=lv, dtype=dtype)

        def report():
            result = dev.decompose(mix, np.random.default_rng(2), n_samples=2 * SAMPLES)
            sync()
            return result
        return report
    if case == "mc":
        mix = dev.DeviceMixture.create(mu, logvar=lv, dtype=dtype)

        def mc():
            value = dev.kl_monte_carlo(mix, SAMPLES, np.random.default_rng(2)).value
            sync()
            return value
        return mc
    from kl_audit import LatentMonitor

    def monitor():
        m = LatentMonitor(n_samples=SAMPLES, dtype=dtype)
        for start in range(0, n, 4096):                                   # an evaluation pass, batch by batch
            m.update(mu[start:start + 4096], lv[start:start + 4096])
        result = m.compute()
        sync()
        return result
    return monitor


def _time(case: str, n: int, d: int, device: str, repeats: int) -> dict:
    try:
        run = _setup(case, n, d, device)
    except ImportError as exc:
        return {"skipped": f"not installed: {exc.name}"}
    times, cpu = [], []
    for i in range(repeats + 1):                 # the first run is a warm-up unless it alone takes over 2 s
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        if i == 0 and times[0] > 2.0:
            break
        if i == 0:
            times, cpu = [], []
    return {"times": times, "median_s": statistics.median(times), "cpu_s": statistics.median(cpu)}


def _plan(quick: bool, cuda: bool) -> list[tuple[str, int, int, str]]:
    n_cpu = 10_000 if quick else 100_000
    plan = [(case, n_cpu, 64, device) for case in ("mc", "monitor") for device in ("numpy", "cpu", "cpu-float32")]
    for n, d in ((1_000_000, 64), (100_000, 1024)):
        for case in ("mc", "monitor", "decompose"):
            plan.append((case, n, d, "cuda" if cuda else "cuda (not available)"))
    return plan


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.device", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 10^4 on the CPU (a smoke run)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=Path("benchmarks/device_results.json"))
    args = parser.parse_args(argv)
    try:
        import torch

        cuda = torch.cuda.is_available()
        gpu = torch.cuda.get_device_name(0) if cuda else None
        threads = torch.get_num_threads()
    except ImportError:
        cuda, gpu, threads = False, None, None
    rows = []
    for case, n, d, device in _plan(args.quick, cuda):
        if device.endswith("(not available)"):
            result = {"skipped": "not yet measured (no GPU here)"}
        else:
            result = _time(case, n, d, device, args.repeats)
        rows.append({"case": case, "n": n, "d": d, "device": device, **result})
        print(f"{case} N={n} d={d} {device}: {result.get('median_s', result.get('skipped'))}", file=sys.stderr)
    names = {"mc": f"Monte Carlo KL(q̄ || p), {SAMPLES:,} draws",
             "monitor": f"LatentMonitor.compute(), {SAMPLES:,} draws each for KL(q̄ || p) and I(i; z)",
             "decompose": f"encodings report computation (numeric.device.decompose), {2 * SAMPLES:,} draws"}
    label = {"numpy": "numpy (CPU)", "cpu": "torch CPU, float64", "cpu-float32": "torch CPU, float32",
             "cuda": f"torch {gpu}, float64" if gpu else "GPU", "cuda (not available)": "GPU"}
    lines = ["| work | N | d | device | seconds (median) | CPU seconds |", "|---|---|---|---|---|---|"]
    for r in rows:
        t = f"{r['median_s']:.3g}" if "median_s" in r else r["skipped"]
        c = f"{r['cpu_s']:.3g}" if "cpu_s" in r else "-"
        lines.append(f"| {names[r['case']]} | {r['n']:,} | {r['d']} | {label[r['device']]} | {t} | {c} |")
    table = "\n".join(lines)
    print(table)
    machine = {"python": platform.python_version(), "machine": platform.machine(), "torch_threads": threads,
               "gpu": gpu}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"machine": machine, "rows": rows, "table": table}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
