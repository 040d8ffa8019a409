"""``kl-audit monitor-plot run.jsonl``: each quantity of a :class:`~kl_audit.LatentMonitor` log over epochs."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

__all__ = ["read_monitor_log", "plot_monitor_log"]

_KEYS = ("epoch", "avg_kl", "mutual_information", "ceiling", "kl_aggregate", "active_units", "d", "collapsed",
         "memorizing")


def read_monitor_log(path: Path) -> list[list[dict]]:
    """The runs in a monitor log: lines split where the epoch stops increasing (a new run appended).

    A line that is not a monitor record raises ``ValueError`` naming the file and the line.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"monitor log {str(path)!r} " + ("is a folder" if path.is_dir() else "does not exist"))
    runs: list[list[dict]] = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number} is not JSON ({exc.msg})") from None
            missing = [k for k in _KEYS if not isinstance(record, dict) or k not in record]
            if missing:
                raise ValueError(f"{path}:{number} is not a monitor record: missing {', '.join(missing)}")
            if not runs or record["epoch"] <= runs[-1][-1]["epoch"]:
                runs.append([])
            runs[-1].append(record)
    if not runs:
        raise ValueError(f"monitor log {str(path)!r} has no records")
    return runs


def plot_monitor_log(path: Path, output: Path) -> int:
    """Plot the last run in ``path`` to the PNG ``output``; returns the number of epochs plotted.

    Three panels over epochs: I(i; z) with its 95% band against its ceiling (log N or H(w)),
    memorizing epochs marked; KL(q̄ || p) with its band and avg KL = I(i; z) + KL(q̄ || p);
    active units out of d, collapsed epochs marked.  Written to a temporary file and moved into place.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    runs = read_monitor_log(path)
    run = runs[-1]
    ep = [r["epoch"] for r in run]
    band = lambda key, end: [r[key][end] for r in run]  # noqa: E731
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(6.5, 7.5), dpi=110, sharex=True)
    ax1.fill_between(ep, band("mutual_information", "ci_low"), band("mutual_information", "ci_high"), alpha=0.3,
                     color="tab:blue", label="95% interval")
    ax1.plot(ep, band("mutual_information", "value"), "o-", color="tab:blue", ms=3, label="I(i; z)")
    ax1.plot(ep, [r["ceiling"] for r in run], "--", color="k", lw=1,
             label=f"ceiling, {run[-1].get('ceiling_name', 'log N')}")
    mem = [r for r in run if r["memorizing"]]
    if mem:
        ax1.plot([r["epoch"] for r in mem], [r["mutual_information"]["value"] for r in mem], "s", color="tab:red",
                 ms=6, mfc="none", label="memorizing")
    ax1.set_ylabel("nats")
    ax1.set_title("Information about the example, I(i; z)", fontsize=10)
    ax1.legend(fontsize=7, loc="best")
    ax2.fill_between(ep, band("kl_aggregate", "ci_low"), band("kl_aggregate", "ci_high"), alpha=0.3, color="tab:orange",
                     label="95% interval")
    ax2.plot(ep, band("kl_aggregate", "value"), "o-", color="tab:orange", ms=3, label="KL(q̄ || p)")
    ax2.plot(ep, [r["avg_kl"] for r in run], "-", color="tab:green", lw=1.2, label="avg KL = I(i; z) + KL(q̄ || p)")
    ax2.set_ylabel("nats")
    ax2.set_title("The KL term and the aggregate posterior's distance from the prior", fontsize=10)
    ax2.legend(fontsize=7, loc="best")
    d = run[-1]["d"]
    ax3.step(ep, [r["active_units"] for r in run], where="mid", color="tab:purple", label="active units")
    col = [r for r in run if r["collapsed"]]
    if col:
        ax3.plot([r["epoch"] for r in col], [0] * len(col), "x", color="tab:red", ms=7, label="collapsed")
    ax3.set_ylim(-0.5, d + 0.5)
    ax3.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax3.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax3.set(xlabel="epoch", ylabel=f"of d = {d}")
    ax3.set_title(f"Active units (variance of the means > {run[-1].get('active_threshold', 0.01)})", fontsize=10)
    ax3.legend(fontsize=7, loc="best")
    if len(runs) > 1:
        fig.suptitle(f"{Path(path).name}: the last of {len(runs)} runs", fontsize=9)
    fig.tight_layout()
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=output.parent)
    os.close(fd)
    try:
        fig.savefig(tmp)
        os.replace(tmp, output)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)
    return len(run)
