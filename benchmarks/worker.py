"""Run one case in this process: ``python -m benchmarks.worker CASE REPEATS JSON_ARGS``; prints JSON.

Peak memory is the high-water mark of resident memory during the timed calls, above
the resident memory just before them (Linux: VmHWM reset through /proc/self/clear_refs).
"""

from __future__ import annotations

import json
import sys
import time


def _status(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def main() -> None:
    name, repeats, args = sys.argv[1], int(sys.argv[2]), json.loads(sys.argv[3])
    try:
        from benchmarks.cases import CASES

        run = CASES[name](*args)
    except ImportError as exc:
        print(json.dumps({"skipped": f"not installed: {exc.name}"}))
        return
    if repeats > 1:
        run()  # warm-up (caches, compilation); single-repeat cases are the slow peers
    else:
        import numba  # noqa: F401  (import costs outside the timing even without a warm-up)
    base = _status("VmRSS")
    measured_peak = _reset_peak()
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    peak = max(_status("VmHWM") - base, 0) if measured_peak else None
    out = {"times": times, "peak_bytes": peak}
    if isinstance(result, dict):   # cases that time their own parts (races, scaling, the command line)
        out["result"] = result
    print(json.dumps(out))


if __name__ == "__main__":
    main()
