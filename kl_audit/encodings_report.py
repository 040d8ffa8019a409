"""``kl-audit encodings``: the ELBO-surgery report for a set of encoder outputs."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from matplotlib.ticker import MaxNLocator  # noqa: E402

from numeric import DiagonalMixture, decompose, entropy_of_weights, kl_diag  # noqa: E402
from numeric.encodings import ACTIVE_THRESHOLD, Decomposition  # noqa: E402

from .cost import announce_cost  # noqa: E402
from .output import dump_json  # noqa: E402
from .report import versions  # noqa: E402

__all__ = ["build_encodings_report", "digits_example", "encodings_verdict", "impossible_values", "best_bounds",
           "ImpossibleResult", "MAX_BARS"]

#: The per-dimension figure shows at most this many dimensions (those with the largest avg KL).
MAX_BARS = 40
#: 95% normal quantile, for the intervals of the checks.
_Z95 = 1.959963984540054
#: A residual this many standard errors from 0 is beyond sampling noise (two-sided p < 1e-4).
_RESIDUAL_ALARM = 4.0


class ImpossibleResult(RuntimeError):
    """A computed value is impossible beyond its error (rounding at large magnitudes); nothing is reported."""


def digits_example(latent: int = 10) -> tuple[np.ndarray, np.ndarray, str]:
    """Encodings of the optimal linear VAE fitted to scikit-learn's handwritten digits (1797 x 64)."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise RuntimeError("the digits example needs scikit-learn: pip install 'vae-kl-audit[examples]'") from None
    from numeric import linear_vae_encodings

    data = load_digits().data
    means, variances = linear_vae_encodings(data, latent)
    return means, variances, f"optimal linear VAE (probabilistic PCA), latent size {latent}, on scikit-learn's digits (N = {data.shape[0]}, D = {data.shape[1]})"


def _est(e) -> dict:
    return e.as_dict()


def best_bounds(avg_kl: float, pairwise_lower: float, pairwise_upper: float, kl_g: float) -> dict:
    """The tightest bracket on KL(q̄ || p) that holds, and which bound gives each end.

    Lower: the largest of 0, the pairwise bound and KL(G || p) (moment-matched; KL(G || p) <= KL(q̄ || p)).
    Upper: the smaller of the pairwise bound and avg KL (convexity).
    """
    lows = {"0 (a KL is never negative)": 0.0, "the pairwise bound": pairwise_lower, "KL(G || p), moment-matched": kl_g}
    highs = {"the pairwise bound": pairwise_upper, "avg KL (convexity)": avg_kl}
    low = max(lows, key=lows.get)
    high = min(highs, key=highs.get)
    return {"lower": float(lows[low]), "lower_from": low, "upper": float(highs[high]), "upper_from": high}


def impossible_values(data: dict) -> list[str]:
    """What in ``data`` is impossible beyond its error: a negative I(i; z), KL or total correlation,
    I(i; z) above its ceiling, KL(q̄ || p) above avg KL, a pairwise lower bound above the upper one.

    "Beyond its error" is more than 4 standard errors (chance: p < 1e-4, so a sound result is not
    refused 1 time in 40 as a 95% interval would) plus float64 rounding: at the size of avg KL for
    KL(q̄ || p), the total correlation and the bounds; at the size of the ceiling for I(i; z), an
    average of log-density differences whose exact value lies in [0, ceiling] whatever avg KL is.
    """
    mi, kl, b = data["mutual_information"], data["kl_aggregate"], data["pairwise_bounds"]
    rounding = 1e-12 * max(1.0, abs(data["avg_kl"])) * max(1, data["d"])
    mi_rounding = 1e-9 * max(1.0, data["ceiling"])
    k = _RESIDUAL_ALARM
    show = lambda e: f"{e['value']:.6g} ± {k * e['stderr']:.3g} (4 standard errors)"  # noqa: E731
    out = []
    if mi["value"] + k * mi["stderr"] < -mi_rounding:
        out.append(f"I(i; z) = {show(mi)} is negative")
    if mi["value"] - k * mi["stderr"] > data["ceiling"] + mi_rounding:
        out.append(f"I(i; z) = {show(mi)} is above its ceiling {data['ceiling_name']} = {data['ceiling']:.6g}")
    if kl["value"] + k * kl["stderr"] < -rounding:
        out.append(f"KL(qbar||p) = {show(kl)} is negative")
    if kl["value"] - k * kl["stderr"] > data["avg_kl"] + rounding:
        out.append(f"KL(qbar||p) = {show(kl)} is above avg KL = {data['avg_kl']:.6g}")
    tc = data.get("total_correlation")
    if tc is not None and tc["value"] + k * tc["stderr"] < -rounding:
        out.append(f"the total correlation = {show(tc)} is negative")
    if b["lower"] - k * b["lower_stderr"] > b["upper"] + k * b["upper_stderr"] + rounding:
        out.append(f"the pairwise lower bound {b['lower']:.6g} is above the upper bound {b['upper']:.6g}")
    return out


def _data(dec: Decomposition, mix: DiagonalMixture, source: str, n_samples: int, seed: int) -> dict:
    b = dec.bounds
    uniform = bool(np.all(mix.weights == mix.weights[0]))
    ceiling = float(np.log(mix.n)) if uniform else entropy_of_weights(mix.weights)
    per_example = kl_diag(mix.means, mix.variances, np.zeros(mix.d), np.ones(mix.d))
    return {
        "tool": "vae-kl-audit", "kind": "encodings", "source": source, "n": dec.n, "d": dec.d, "seed": seed,
        "samples": n_samples,
        "avg_kl": dec.avg_kl, "kl_aggregate": _est(dec.kl_aggregate),
        "pairwise_bounds": {"lower": b.lower, "upper": b.upper, "lower_stderr": b.lower_stderr,
                            "upper_stderr": b.upper_stderr, "rows": b.rows, "exact": b.exact},
        "mutual_information": _est(dec.mutual_information), "log_n": dec.log_n,
        "ceiling": ceiling, "ceiling_name": "log N" if uniform else "H(w)",
        "best_bounds": best_bounds(dec.avg_kl, b.lower, b.upper, dec.moment_matched_kl),
        "per_example_kl": {"min": float(per_example.min()), "median": float(np.median(per_example)),
                           "max": float(per_example.max())},
        "total_correlation": _est(dec.total_correlation), "dimwise_kl_sum": float(dec.dimwise_kl.sum()),
        "decomposition_residual": _est(dec.residual), "gap_residual": _est(dec.gap_residual),
        "routes": dict(dec.routes),
        "moment_matched_kl": dec.moment_matched_kl, "moment_matched_kl_diag": dec.moment_matched_kl_diag,
        "active_threshold": ACTIVE_THRESHOLD, "active_units": int(dec.active.sum()),
        "per_dimension": {
            "variance_of_means": dec.variance_of_means.tolist(), "active": dec.active.tolist(),
            "mean_posterior_variance": (mix.weights @ mix.variances).tolist(),
            "avg_kl": dec.avg_kl_per_dim.tolist(), "dimwise_kl": dec.dimwise_kl.tolist(),
            "dimwise_kl_error": dec.dimwise_error.tolist(), "moment_matched_kl": dec.moment_matched_kl_per_dim.tolist(),
        },
        "versions": versions(),
    }


def _share(data: dict) -> str | None:
    """I(i; z) as a share of avg KL, or None when avg KL is zero within I(i; z)'s error."""
    mi = data["mutual_information"]
    if data["avg_kl"] <= 10 * _Z95 * mi["stderr"] + 1e-12:
        return None
    return f"{100 * mi['value'] / data['avg_kl']:.1f}%"


def _at_ceiling(data: dict) -> bool:
    return data["mutual_information"]["ci_high"] >= data["ceiling"]


def _mc_outside_bounds(data: dict) -> str | None:
    """Where the Monte Carlo KL(q̄ || p) lies outside the best bracket (its 95% interval misses it), or None."""
    kl, b = data["kl_aggregate"], data["best_bounds"]
    pb = data["pairwise_bounds"]
    rounding = 1e-12 * max(1.0, abs(data["avg_kl"])) * max(1, data["d"])
    low = b["lower"] - rounding - (_Z95 * pb["lower_stderr"] if b["lower_from"] == "the pairwise bound" else 0.0)
    high = b["upper"] + rounding + (_Z95 * pb["upper_stderr"] if b["upper_from"] == "the pairwise bound" else 0.0)
    se = kl["stderr"] if kl["stderr"] > 0 else float("inf")
    if kl["ci_high"] < low:
        return (f"below the lower bound {b['lower']:.4f} ({b['lower_from']}), {(b['lower'] - kl['value']) / se:.1f} "
                "standard errors away")
    if kl["ci_low"] > high:
        return (f"above the upper bound {b['upper']:.4f} ({b['upper_from']}), {(kl['value'] - b['upper']) / se:.1f} "
                "standard errors away")
    return None


def _num(x: float) -> str:
    """Three decimals, or four significant digits beyond a million (and no minus sign on a rounded zero)."""
    text = f"{x:.3f}" if abs(x) < 1e6 else f"{x:.4g}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def encodings_verdict(data: dict) -> list[str]:
    """The lines for the terminal."""
    mi, kl = data["mutual_information"], data["kl_aggregate"]
    lines = [
        f"avg KL {_num(data['avg_kl'])} nats = I(i; z) {_num(mi['value'])} ± {_num(_Z95 * mi['stderr'])} "
        f"(ceiling {data['ceiling_name']} = {_num(data['ceiling'])}) + KL(qbar||p) {_num(kl['value'])} ± "
        f"{_num(_Z95 * kl['stderr'])}",
        f"{data['active_units']} of {data['d']} dimensions active; total correlation "
        f"{_num(data['total_correlation']['value'])}, dimension-wise KL {_num(data['dimwise_kl_sum'])} nats.",
    ]
    if _at_ceiling(data):
        lines.append(f"warning: I(i; z) is at its ceiling {data['ceiling_name']} within its error: the encoder tells "
                     "the examples apart completely, and this part of the KL term measures N, not the model.")
    outside = _mc_outside_bounds(data)
    if outside:
        lines.append(f"warning: the Monte Carlo KL(qbar||p) lies {outside}; chance does this 1 time in 40 near "
                     "2 standard errors, far more rarely beyond 4; more --samples settle it.")
    return lines


def _dims_shown(dec: Decomposition) -> np.ndarray:
    """Indices of the dimensions a figure shows: all, or the MAX_BARS with the largest avg KL (in index order)."""
    if dec.d <= MAX_BARS:
        return np.arange(dec.d)
    return np.sort(np.argsort(dec.avg_kl_per_dim)[::-1][:MAX_BARS])


def _bars(dec: Decomposition, mean_post_var: np.ndarray, path: Path) -> None:
    dims = _dims_shown(dec)
    x = np.arange(dims.size)
    width = min(14.0, max(6.0, 0.3 * dims.size + 3))
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(width, 6.5), dpi=120, sharex=True)
    ax1.bar(x - 0.2, dec.avg_kl_per_dim[dims], 0.4, label="avg KL (latent loss)")
    ax1.bar(x + 0.2, dec.dimwise_kl[dims], 0.4, label="KL(q̄_j || p_j), dimension-wise")
    ax1.set_ylabel("nats")
    shown = "" if dims.size == dec.d else f": the {dims.size} of {dec.d} with the largest avg KL"
    ax1.set_title(f"Per latent dimension{shown}", fontsize=10, pad=24)
    ax1.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    colors = np.where(dec.active[dims], "tab:green", "0.6")
    ax2.bar(x - 0.2, dec.variance_of_means[dims], 0.4, color=colors, label="variance of the means (green: active)")
    ax2.bar(x + 0.2, mean_post_var[dims], 0.4, color="tab:purple", alpha=0.7, label="mean posterior variance")
    ax2.axhline(ACTIVE_THRESHOLD, color="tab:red", lw=1, ls="--", label=f"active above {ACTIVE_THRESHOLD}")
    ax2.set_yscale("log")
    ax2.set(xlabel="latent dimension j", ylabel="variance")
    ax2.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=3, frameon=False)
    ticks = x[::int(np.ceil(dims.size / 20))]                   # integer ticks, at most 20, labelled by index
    ax2.set_xticks(ticks, [str(j) for j in dims[ticks]], rotation=90 if dims.size > 20 else 0)
    ax2.set_xlim(-0.6, dims.size - 0.4)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _per_example_histogram(per_example: np.ndarray, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
    ax.hist(per_example, bins=min(60, max(5, per_example.size // 10)), color="tab:blue", alpha=0.8)
    ax.axvline(float(per_example.mean()), color="tab:red", lw=1, label=f"mean (unweighted) {per_example.mean():.3g}")
    ax.set(xlabel="KL(q_i || p) of example i (nats)", ylabel="examples", title="Per-example KL")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _split(data: dict, path: Path) -> None:
    """The headline split: avg KL = I(i; z) + TC + Σ_j KL(q̄_j || p_j), one stacked bar."""
    mi, tc = data["mutual_information"]["value"], data["total_correlation"]["value"]
    parts = [("I(i; z)", mi, "tab:orange"), ("total correlation", tc, "tab:purple"),
             ("dimension-wise KL", data["dimwise_kl_sum"], "tab:blue")]
    fig, ax = plt.subplots(figsize=(6, 3), dpi=120)
    left = 0.0
    for label, value, color in parts:
        ax.barh(0, value, left=left, color=color, label=f"{label}: {value:.3g}")
        left += value
    ax.axvline(data["avg_kl"], color="k", lw=1.5, ls="--", label=f"avg KL: {data['avg_kl']:.3g}")
    ax.axvline(data["ceiling"], color="tab:red", lw=1, ls=":", label=f"{data['ceiling_name']} (I's ceiling)")
    ax.set(xlabel="nats", yticks=[], title="What the KL term is made of")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=2, frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _aggregate_2d(mix: DiagonalMixture, dec: Decomposition, path: Path, rng: np.random.Generator) -> None:
    order = np.argsort(dec.variance_of_means)[::-1]
    j, k = (int(order[0]), int(order[1])) if mix.d > 1 else (0, 0)
    z = mix.sample(min(20_000, 20 * mix.n), rng)
    fig, ax = plt.subplots(figsize=(5.5, 5), dpi=120)
    if mix.d > 1:
        ax.hist2d(z[:, j], z[:, k], bins=120, cmap="Blues", density=True)
        grid = np.linspace(-3.5, 3.5, 200)
        gx, gy = np.meshgrid(grid, grid)
        prior = np.exp(-(gx**2 + gy**2) / 2) / (2 * np.pi)
        cs = ax.contour(gx, gy, prior, levels=np.exp(-np.array([4.5, 2.0, 0.5])) / (2 * np.pi), colors="tab:red")
        ax.clabel(cs, fmt={lv: f"{int(round(100 * (1 - np.exp(-c))))}%" for lv, c in zip(cs.levels, [4.5, 2.0, 0.5])},
                  fontsize=7)
        ax.set(xlabel=f"z_{j}", ylabel=f"z_{k}", aspect="equal")
        ax.set_title("Aggregate posterior (blue) against the prior's contours (red)", fontsize=9)
    else:
        ax.hist(z[:, 0], bins=150, density=True, alpha=0.6, label="aggregate posterior")
        grid = np.linspace(-4, 4, 400)
        ax.plot(grid, np.exp(-grid**2 / 2) / np.sqrt(2 * np.pi), color="tab:red", label="prior")
        ax.set(xlabel="z_0", ylabel="density", title="Aggregate posterior against the prior")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _residual_sentence(res: dict) -> str:
    z = res["value"] / res["stderr"] if res["stderr"] > 0 else (0.0 if res["value"] == 0 else np.inf)
    head = (f"**Adds up?** avg KL - (I(i; z) + TC + Σ_j dimension-wise KL) = {res['value']:.4f} "
            f"[{res['ci_low']:.4f}, {res['ci_high']:.4f}], {abs(z):.1f} standard errors from 0. ")
    if abs(z) > _RESIDUAL_ALARM:
        return head + (f"**Beyond sampling noise** (more than {_RESIDUAL_ALARM:g} standard errors): the estimates "
                       "do not add up; report this.")
    return head + ("A consistency check, not a verdict: with independent draws for I(i; z), TC and KL(q̄ || p), a 95% "
                   "interval misses 0 one time in 20 by chance; only a residual of more than "
                   f"{_RESIDUAL_ALARM:g} standard errors would mean the numbers do not add up.")


def _markdown(data: dict) -> str:
    kl, mi, tc, res = data["kl_aggregate"], data["mutual_information"], data["total_correlation"], data["decomposition_residual"]
    b = data["pairwise_bounds"]
    best = data["best_bounds"]
    ci = lambda e: f"{e['value']:.4f} [{e['ci_low']:.4f}, {e['ci_high']:.4f}]"  # noqa: E731
    bound_note = ("over all N² pairs" if b["exact"] else
                  f"from {b['rows']} rows drawn with probability w_i (every column kept); standard errors "
                  f"{b['lower_stderr']:.4f} and {b['upper_stderr']:.4f}")
    pd = data["per_dimension"]
    rows = "\n".join(
        f"| {j} | {'yes' if pd['active'][j] else 'no'} | {pd['variance_of_means'][j]:.4g} | "
        f"{pd['mean_posterior_variance'][j]:.4g} | {pd['avg_kl'][j]:.4f} | "
        f"{pd['dimwise_kl'][j]:.4f} | {pd['moment_matched_kl'][j]:.4f} |" for j in range(data["d"]))
    share = _share(data)
    if share is None:
        share_line = (f"avg KL = {data['avg_kl']:.3g} nats is zero within the error of I(i; z) "
                      f"(± {_Z95 * mi['stderr']:.3g}), so no share of it is given.")
    else:
        share_line = (f"{share} of the KL term is information about the example (I(i; z) can be at most "
                      f"{data['ceiling_name']} = {data['ceiling']:.3f}); the rest is the distance of the aggregate "
                      "posterior from the prior.")
    flags = []
    if _at_ceiling(data):
        flags.append(f"- **I(i; z) is at its ceiling** {data['ceiling_name']} = {data['ceiling']:.4f} within its "
                     "error: the encoder tells the examples apart completely (it memorizes them), so this part of "
                     "the KL term measures the number of examples, not the model.")
    outside = _mc_outside_bounds(data)
    if outside:
        flags.append(f"- **The Monte Carlo KL(q̄ || p) lies {outside}**, outside a bracket that holds "
                     "deterministically. Near 2 standard errors chance does this 1 time in 40; far beyond, the "
                     "draws were too few for their standard error to be trusted (`--samples`).")
    pe = data["per_example_kl"]
    return "\n".join([
        "# What this VAE's KL term is made of",
        "",
        f"Encodings: {data['source']}; N = {data['n']} examples, d = {data['d']} latent dimensions, "
        f"prior N(0, I). Monte Carlo: {data['samples']} draws per estimate, seed {data['seed']}; intervals are 95%.",
        *([""] + flags if flags else []),
        "",
        "## The decomposition",
        "",
        "![the split of the KL term](figures/split.png)",
        "",
        "| quantity (nats) | value [95% CI] |",
        "|---|---|",
        f"| avg KL, the model's KL term (exact) | {data['avg_kl']:.4f} |",
        f"| I(i; z), index-code mutual information | {ci(mi)} |",
        f"| {data['ceiling_name']}, its ceiling" + (" (the weights' entropy)" if data["ceiling_name"] == "H(w)" else "")
        + f" | {data['ceiling']:.4f} |",
        f"| KL(q̄ \\|\\| p), aggregate posterior to prior | {ci(kl)} |",
        f"| best bounds on KL(q̄ \\|\\| p) | [{best['lower']:.4f}, {best['upper']:.4f}] (lower: {best['lower_from']}; "
        f"upper: {best['upper_from']}) |",
        f"| pairwise bounds on KL(q̄ \\|\\| p) | [{b['lower']:.4f}, {b['upper']:.4f}] ({bound_note}) |",
        f"| total correlation KL(q̄ \\|\\| Π_j q̄_j) | {ci(tc)} |",
        f"| Σ_j KL(q̄_j \\|\\| p_j), dimension-wise (quadrature) | {data['dimwise_kl_sum']:.4f} |",
        f"| moment-matched KL(G \\|\\| p), full / diagonal | {data['moment_matched_kl']:.4g} / {data['moment_matched_kl_diag']:.4g} |",
        "",
        _residual_sentence(res),
        "",
        share_line,
        "",
        "## Per example",
        "",
        "![per-example KL](figures/per_example_kl.png)",
        "",
        f"KL(q_i || p) over the examples: min {pe['min']:.4g}, median {pe['median']:.4g}, max {pe['max']:.4g} nats.",
        "",
        "## Per dimension",
        "",
        "![per-dimension bars](figures/per_dimension.png)",
        "",
        (f"The figure shows the {MAX_BARS} dimensions with the largest avg KL; the table has all {data['d']}.\n\n"
         if data["d"] > MAX_BARS else "")
        + f"Active units (variance of the means above {data['active_threshold']}): {data['active_units']} of {data['d']}.",
        "",
        "| j | active | variance of means | mean posterior variance | avg KL | KL(q̄_j \\|\\| p_j) | moment-matched |",
        "|---|---|---|---|---|---|---|",
        rows,
        "",
        "## The aggregate posterior",
        "",
        "![aggregate posterior](figures/aggregate_posterior.png)",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in data["versions"].items()) + ".",
        "",
    ])


def build_encodings_report(mix: DiagonalMixture, source: str, folder: Path, *, n_samples: int, seed: int,
                           max_bound_rows: int, progress=None, decompose_with=None) -> dict:
    """Compute the decomposition and write report.md, report.json and figures into ``folder``.

    ``decompose_with`` replaces :func:`numeric.decompose` (same signature), e.g. to compute on a torch device.
    Raises :class:`ImpossibleResult`, before anything is written, when a value is impossible beyond its error.
    """
    announce_cost(mix, n_samples=n_samples, max_bound_rows=max_bound_rows)
    rng = np.random.default_rng(seed)
    dec = (decompose_with or decompose)(mix, rng, n_samples=n_samples, max_bound_rows=max_bound_rows, progress=progress)
    data = _data(dec, mix, source, n_samples, seed)
    wrong = impossible_values(data)
    if wrong:
        scale = float(np.abs(mix.means).max())
        raise ImpossibleResult(f"refusing to report an impossible value: {wrong[0]}. The means reach |m| = {scale:.3g} "
                               f"and avg KL is {data['avg_kl']:.3g} nats; float64 rounding at that magnitude swamps "
                               "quantities of a few nats, so no result is given.")
    fig = folder / "figures"
    fig.mkdir()
    _split(data, fig / "split.png")
    _bars(dec, mix.weights @ mix.variances, fig / "per_dimension.png")
    _per_example_histogram(kl_diag(mix.means, mix.variances, np.zeros(mix.d), np.ones(mix.d)), fig / "per_example_kl.png")
    _aggregate_2d(mix, dec, fig / "aggregate_posterior.png", np.random.default_rng(seed + 1))
    dump_json(folder / "report.json", data)
    (folder / "report.md").write_text(_markdown(data))
    return data
