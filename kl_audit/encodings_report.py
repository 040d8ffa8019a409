"""``kl-audit encodings``: the ELBO-surgery report for a set of encoder outputs."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from numeric import DiagonalMixture, decompose  # noqa: E402
from numeric.encodings import ACTIVE_THRESHOLD, Decomposition  # noqa: E402

from .cost import announce_cost  # noqa: E402
from .output import dump_json  # noqa: E402
from .report import versions  # noqa: E402

__all__ = ["build_encodings_report", "digits_example", "encodings_verdict"]


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


def _data(dec: Decomposition, source: str, n_samples: int, seed: int) -> dict:
    b = dec.bounds
    return {
        "tool": "vae-kl-audit", "kind": "encodings", "source": source, "n": dec.n, "d": dec.d, "seed": seed,
        "samples": n_samples,
        "avg_kl": dec.avg_kl, "kl_aggregate": _est(dec.kl_aggregate),
        "pairwise_bounds": {"lower": b.lower, "upper": b.upper, "lower_stderr": b.lower_stderr,
                            "upper_stderr": b.upper_stderr, "rows": b.rows, "exact": b.exact},
        "mutual_information": _est(dec.mutual_information), "log_n": dec.log_n,
        "total_correlation": _est(dec.total_correlation), "dimwise_kl_sum": float(dec.dimwise_kl.sum()),
        "decomposition_residual": _est(dec.residual),
        "moment_matched_kl": dec.moment_matched_kl, "moment_matched_kl_diag": dec.moment_matched_kl_diag,
        "active_threshold": ACTIVE_THRESHOLD, "active_units": int(dec.active.sum()),
        "per_dimension": {
            "variance_of_means": dec.variance_of_means.tolist(), "active": dec.active.tolist(),
            "avg_kl": dec.avg_kl_per_dim.tolist(), "dimwise_kl": dec.dimwise_kl.tolist(),
            "dimwise_kl_error": dec.dimwise_error.tolist(), "moment_matched_kl": dec.moment_matched_kl_per_dim.tolist(),
        },
        "versions": versions(),
    }


def encodings_verdict(data: dict) -> list[str]:
    """Two lines for the terminal."""
    mi, kl = data["mutual_information"], data["kl_aggregate"]
    return [
        f"avg KL {data['avg_kl']:.3f} nats = I(i; z) {mi['value']:.3f} ± {1.96 * mi['stderr']:.3f} "
        f"(log N = {data['log_n']:.3f}) + KL(qbar||p) {kl['value']:.3f} ± {1.96 * kl['stderr']:.3f}",
        f"{data['active_units']} of {data['d']} dimensions active; total correlation "
        f"{data['total_correlation']['value']:.3f}, dimension-wise KL {data['dimwise_kl_sum']:.3f} nats.",
    ]


def _bars(dec: Decomposition, path: Path) -> None:
    d = dec.d
    x = np.arange(d)
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(max(6, 0.25 * d + 3), 6), dpi=120, sharex=True)
    ax1.bar(x - 0.2, dec.avg_kl_per_dim, 0.4, label="avg KL (latent loss)")
    ax1.bar(x + 0.2, dec.dimwise_kl, 0.4, label="KL(q̄_j || p_j), dimension-wise")
    ax1.set_ylabel("nats")
    ax1.legend(fontsize=8)
    ax1.set_title("Per latent dimension")
    colors = np.where(dec.active, "tab:green", "0.6")
    ax2.bar(x, dec.variance_of_means, color=colors)
    ax2.axhline(ACTIVE_THRESHOLD, color="tab:red", lw=1, ls="--", label=f"active above {ACTIVE_THRESHOLD}")
    ax2.set_yscale("log")
    ax2.set(xlabel="latent dimension j", ylabel="variance of the means")
    ax2.legend(fontsize=8)
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
        ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _markdown(data: dict) -> str:
    kl, mi, tc, res = data["kl_aggregate"], data["mutual_information"], data["total_correlation"], data["decomposition_residual"]
    b = data["pairwise_bounds"]
    ci = lambda e: f"{e['value']:.4f} [{e['ci_low']:.4f}, {e['ci_high']:.4f}]"  # noqa: E731
    bound_note = ("over all N² pairs" if b["exact"] else
                  f"from {b['rows']} rows drawn with probability w_i (every column kept); standard errors "
                  f"{b['lower_stderr']:.4f} and {b['upper_stderr']:.4f}")
    pd = data["per_dimension"]
    rows = "\n".join(
        f"| {j} | {'yes' if pd['active'][j] else 'no'} | {pd['variance_of_means'][j]:.4g} | {pd['avg_kl'][j]:.4f} | "
        f"{pd['dimwise_kl'][j]:.4f} | {pd['moment_matched_kl'][j]:.4f} |" for j in range(data["d"]))
    return "\n".join([
        "# What this VAE's KL term is made of",
        "",
        f"Encodings: {data['source']}; N = {data['n']} examples, d = {data['d']} latent dimensions, "
        f"prior N(0, I). Monte Carlo: {data['samples']} draws per estimate, seed {data['seed']}; intervals are 95%.",
        "",
        "## The decomposition",
        "",
        "| quantity (nats) | value [95% CI] |",
        "|---|---|",
        f"| avg KL, the model's KL term (exact) | {data['avg_kl']:.4f} |",
        f"| I(i; z), index-code mutual information | {ci(mi)} |",
        f"| log N, its ceiling | {data['log_n']:.4f} |",
        f"| KL(q̄ \\|\\| p), aggregate posterior to prior | {ci(kl)} |",
        f"| pairwise bounds on KL(q̄ \\|\\| p) | [{b['lower']:.4f}, {b['upper']:.4f}] ({bound_note}) |",
        f"| total correlation KL(q̄ \\|\\| Π_j q̄_j) | {ci(tc)} |",
        f"| Σ_j KL(q̄_j \\|\\| p_j), dimension-wise (quadrature) | {data['dimwise_kl_sum']:.4f} |",
        f"| moment-matched KL(G \\|\\| p), full / diagonal | {data['moment_matched_kl']:.4g} / {data['moment_matched_kl_diag']:.4g} |",
        "",
        f"**Adds up:** avg KL - (I(i; z) + TC + Σ_j dimension-wise KL) = {ci(res)}, an interval that "
        f"{'contains' if res['ci_low'] <= 0 <= res['ci_high'] else 'does NOT contain'} 0. "
        "I(i; z) and KL(q̄ || p) are estimated from independent draws.",
        "",
        f"{100 * mi['value'] / data['avg_kl']:.1f}% of the KL term is information about the example "
        f"(I(i; z) can be at most log N = {data['log_n']:.3f}); the rest is the distance of the aggregate "
        "posterior from the prior.",
        "",
        "## Per dimension",
        "",
        "![per-dimension bars](figures/per_dimension.png)",
        "",
        f"Active units (variance of the means above {data['active_threshold']}): {data['active_units']} of {data['d']}.",
        "",
        "| j | active | variance of means | avg KL | KL(q̄_j \\|\\| p_j) | moment-matched |",
        "|---|---|---|---|---|---|",
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
                           max_bound_rows: int, progress=None) -> dict:
    """Compute the decomposition and write report.md, report.json and figures into ``folder``."""
    announce_cost(mix, n_samples=n_samples, max_bound_rows=max_bound_rows)
    rng = np.random.default_rng(seed)
    dec = decompose(mix, rng, n_samples=n_samples, max_bound_rows=max_bound_rows, progress=progress)
    data = _data(dec, source, n_samples, seed)
    fig = folder / "figures"
    fig.mkdir()
    _bars(dec, fig / "per_dimension.png")
    _aggregate_2d(mix, dec, fig / "aggregate_posterior.png", np.random.default_rng(seed + 1))
    dump_json(folder / "report.json", data)
    (folder / "report.md").write_text(_markdown(data))
    return data
