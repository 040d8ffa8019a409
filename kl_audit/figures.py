"""The report's figures (matplotlib, Agg backend), each written as a PNG."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from numeric.script import ScriptTrials  # noqa: E402

__all__ = ["script_scatter", "gap_scatter", "sweep_plot", "GAP_TITLE"]

#: The bracket KL(q̄ || p) <= avg KL <= KL(q̄ || p) + log N holds for the blue points only; KL(G || p) is
#: at most KL(q̄ || p), so the green points lie left of the blue ones and may lie above y = x + log N.
GAP_TITLE = ("Exact quantities: blue points (KL(q̄ || p)) lie between the lines;\n"
             "green points (KL(G || p) <= KL(q̄ || p)) lie to their left")

_X_LABEL = "KL of samples from per-example Gaussians (script's x, nats)"
_Y_LABEL = "Average of per-example KL (latent loss, nats)"


def _diagonal(ax, top: float) -> None:
    ax.plot([0, top], [0, top], color="0.3", lw=1, label="y = x")


def script_scatter(trials: ScriptTrials, path: Path, title: str) -> Path:
    """The script's own figure: x = plotted estimate, y = average KL; wrong-side points in red."""
    fig, ax = plt.subplots(figsize=(6, 5), dpi=120)
    ws = trials.wrong_side
    ax.plot(trials.plotted_kl[~ws], trials.avg_kl[~ws], ".", ms=4, label="y >= x")
    ax.plot(trials.plotted_kl[ws], trials.avg_kl[ws], ".", ms=6, color="tab:red", label=f"x > y ({ws.sum()} points)")
    _diagonal(ax, float(max(trials.plotted_kl.max(), trials.avg_kl.max())))
    ax.set(xlabel=_X_LABEL, ylabel=_Y_LABEL, title=title)
    ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def gap_scatter(kl_aggregate: np.ndarray, kl_g: np.ndarray, avg: np.ndarray, log_n: float, path: Path,
                max_points: int = 4000) -> Path:
    """Average KL against the exact KL(q̄ || p) and KL(G || p), with y = x and y = x + log N."""
    fig, ax = plt.subplots(figsize=(6, 5), dpi=120)
    sl = slice(0, max_points)
    ax.plot(kl_g[sl], avg[sl], ".", ms=2, alpha=0.5, color="tab:green", label="x = KL(G || p), moment-matched")
    ax.plot(kl_aggregate[sl], avg[sl], ".", ms=2, alpha=0.5, color="tab:blue", label="x = KL(q̄ || p), exact")
    top = float(avg[sl].max())
    _diagonal(ax, top)
    ax.plot([0, top], [log_n, top + log_n], ls="--", color="tab:orange", lw=1, label="y = x + log N")
    ax.set(xlabel="exact KL to the prior (nats)", ylabel=_Y_LABEL)
    ax.set_title(GAP_TITLE, fontsize=10)
    ax.legend(loc="upper left", fontsize=8, markerscale=4)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def sweep_plot(rows: list[dict], axis: str, path: Path, *, log_x: bool = True) -> Path:
    """Wrong-side rate with its 95% interval against one parameter of the script."""
    x = np.array([r[axis] for r in rows], dtype=float)
    rate = np.array([r["rate"] for r in rows])
    lo = np.array([r["ci_low"] for r in rows])
    hi = np.array([r["ci_high"] for r in rows])
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    ax.errorbar(x, rate, yerr=[rate - lo, hi - rate], fmt="o-", capsize=3)
    if log_x:
        ax.set_xscale("log")
    names = {"k": "k, samples per component", "d": "d, dimensions", "n": "N, components"}
    ax.set(xlabel=names[axis], ylabel="share of points with x > y", ylim=(0, max(0.05, float(hi.max()) * 1.1)),
           title=f"Wrong-side rate of the script's plot against {names[axis].split(',')[0]} (95% intervals)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
