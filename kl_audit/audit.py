"""The audit of the script's claim: every number of the report, computed with ``numeric``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

from numeric import (kl_diag_standard, kl_full_standard, kl_monte_carlo_batch, kl_quadrature_1d, mixture_moments,
                     reproduce)
from numeric.script import ScriptTrials

from .stats import mean_interval, rate_interval

__all__ = ["AuditConfig", "ChainResult", "run_audit", "exact_chain"]

#: Slack allowed when comparing exact quantities: quadrature error and rounding.
CHAIN_TOLERANCE = 1e-8


@dataclass(frozen=True)
class AuditConfig:
    """Parameters of the audit; the first four are the script's defaults."""

    d: int = 1
    n: int = 2
    k: int = 100
    iterations: int = 200
    trials: int = 20_000
    seed: int = 0
    k_sweep: tuple[int, ...] = (2, 5, 10, 20, 50, 100, 200, 500, 1000)
    d_sweep: tuple[int, ...] = (1, 2, 4, 8, 16)
    n_sweep: tuple[int, ...] = (1, 2, 4, 8, 16)
    sweep_trials: int = 4_000
    mc_samples: int = 4_000

    def validate(self) -> None:
        """Raise ``ValueError`` naming the first option out of range."""
        least = {"d": 1, "n": 1, "k": 2, "iterations": 1, "trials": 1, "sweep_trials": 1, "mc_samples": 2}
        for name, lo in least.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lo:
                raise ValueError(f"--{name.replace('_', '-')} must be an integer >= {lo}, got {value!r}")
        for name in ("k_sweep", "d_sweep", "n_sweep"):
            lo = 2 if name == "k_sweep" else 1
            bad = [x for x in getattr(self, name) if x < lo]
            if bad or not getattr(self, name):
                raise ValueError(f"--{name.replace('_', '-')} needs integers >= {lo}, got {list(getattr(self, name))}")
        if self.seed < 0:
            raise ValueError(f"--seed must be >= 0, got {self.seed}")


@dataclass
class ChainResult:
    """Exact quantities per trial (nats), shape (T,) each."""

    kl_diag_g: np.ndarray
    kl_g: np.ndarray
    kl_aggregate: np.ndarray
    kl_aggregate_error: np.ndarray
    avg_kl: np.ndarray
    entropy_w: float
    method: str

    def breaks(self, tol: float = CHAIN_TOLERANCE) -> dict[str, int]:
        """How many trials violate each link (beyond ``tol`` plus the estimate's own error)."""
        slack = tol + self.kl_aggregate_error
        return {
            "KL(diag G||p) <= KL(G||p)": int((self.kl_diag_g > self.kl_g + tol).sum()),
            "KL(G||p) <= KL(qbar||p)": int((self.kl_g > self.kl_aggregate + slack).sum()),
            "KL(qbar||p) <= avg KL": int((self.kl_aggregate > self.avg_kl + slack).sum()),
            "avg KL <= KL(qbar||p) + H(w)": int((self.avg_kl > self.kl_aggregate + self.entropy_w + slack).sum()),
        }


def exact_chain(means: np.ndarray, variances: np.ndarray, *, mc_samples: int, rng: np.random.Generator,
                progress: Callable[[int], None] | None = None) -> ChainResult:
    """The chain's quantities for uniform mixtures, (T, N, d) -> (T,) each.

    KL(q̄ || p) by quadrature when d = 1 (error below 1e-8), else by Monte Carlo
    (its error is then 4 standard errors, so that a break is beyond noise).
    """
    t, n, d = means.shape
    weights = np.full((t, n), 1.0 / n)
    mu, cov = mixture_moments(weights, means, variances)
    kl_diag_g = kl_diag_standard(mu, np.diagonal(cov, axis1=1, axis2=2))
    kl_g = kl_full_standard(mu, cov)
    if d == 1:
        value = np.empty(t)
        error = np.empty(t)
        step = 1000
        for start in range(0, t, step):
            sl = slice(start, start + step)
            value[sl], error[sl] = kl_quadrature_1d(weights[sl], means[sl, :, 0], variances[sl, :, 0])
            if progress is not None:
                progress(value[sl].size)
        method = "Gauss-Kronrod quadrature (21 nodes), error below 1e-8"
    else:
        value, se = kl_monte_carlo_batch(weights, means, variances, mc_samples, rng)
        error = 4 * se
        if progress is not None:
            progress(t)
        method = f"Monte Carlo, {mc_samples} samples per trial, slack of 4 standard errors"
    avg = kl_diag_standard(means, variances).mean(axis=1)
    return ChainResult(kl_diag_g, kl_g, value, error, avg, float(np.log(n)), method)


@dataclass
class AuditResult:
    """Everything the report shows."""

    config: AuditConfig
    script: ScriptTrials
    trials: ScriptTrials
    chain: ChainResult
    summary: dict = field(default_factory=dict)


def _wrong_side(trials: ScriptTrials) -> dict[str, float]:
    return rate_interval(int(trials.wrong_side.sum()), trials.plotted_kl.size)


def run_audit(config: AuditConfig = AuditConfig(), *, progress: Callable[[str, int], Callable[[int], None]] | None = None) -> AuditResult:
    """Run the script as published, then enough seeded trials for tight statistics, the exact chain and sweeps.

    ``progress(label, total)`` returns a callback that advances a bar.
    """
    config.validate()
    bar = progress or (lambda label, total: None)
    root = np.random.SeedSequence(config.seed)
    s_script, s_trials, s_chain, s_sweep = root.spawn(4)
    script = reproduce(d=config.d, n=config.n, k=config.k, iterations=config.iterations,
                       rng=np.random.default_rng(s_script))
    trials = reproduce(d=config.d, n=config.n, k=config.k, iterations=config.trials,
                       rng=np.random.default_rng(s_trials), progress=bar("script trials", config.trials))
    chain = exact_chain(trials.means, trials.variances, mc_samples=config.mc_samples,
                        rng=np.random.default_rng(s_chain), progress=bar("exact KL(qbar||p)", config.trials))

    sweep_rng = np.random.default_rng(s_sweep)
    sweeps: dict[str, list] = {"k": [], "d": [], "n": []}
    total = len(config.k_sweep) + len(config.d_sweep) + len(config.n_sweep)
    tick = bar("sweeps", total * config.sweep_trials)
    for axis, values in (("k", config.k_sweep), ("d", config.d_sweep), ("n", config.n_sweep)):
        for value in values:
            params = {"d": config.d, "n": config.n, "k": config.k, axis: value}
            run = reproduce(**params, iterations=config.sweep_trials, rng=sweep_rng, progress=tick)
            sweeps[axis].append({**params, **_wrong_side(run)})

    gap = chain.avg_kl - chain.kl_aggregate
    exact_gap = chain.avg_kl - chain.kl_diag_g
    noise = trials.plotted_kl - chain.kl_diag_g
    ws = trials.wrong_side
    summary = {
        "script_as_published": {"wrong_side": _wrong_side(script)},
        "trials": {
            "wrong_side": _wrong_side(trials),
            "exact_diag_g_wrong_side": int((chain.kl_diag_g > chain.avg_kl + CHAIN_TOLERANCE).sum()),
            "estimate_minus_exact": mean_interval(noise),
            "estimate_minus_exact_sd": float(noise.std(ddof=1)),
            "median_margin_wrong_side": float(np.median(exact_gap[ws])) if ws.any() else None,
            "median_margin_right_side": float(np.median(exact_gap[~ws])) if (~ws).any() else None,
        },
        "chain": {"method": chain.method, "breaks": chain.breaks(), "tolerance": CHAIN_TOLERANCE,
                  "max_quadrature_error": float(chain.kl_aggregate_error.max())},
        "gap": {
            "avg_kl": mean_interval(chain.avg_kl),
            "kl_aggregate": mean_interval(chain.kl_aggregate),
            "mutual_information": mean_interval(gap),
            "mi_share_of_avg_kl": mean_interval(np.divide(gap, chain.avg_kl, out=np.zeros_like(gap),
                                                          where=chain.avg_kl > 0)),
            "log_n": float(np.log(config.n)),
            "max_mutual_information": float(gap.max()),
            "kl_g_share_of_kl_aggregate": mean_interval(
                np.divide(chain.kl_g, chain.kl_aggregate, out=np.ones_like(gap), where=chain.kl_aggregate > 0)),
        },
        "sweeps": sweeps,
        "config": asdict(config),
    }
    return AuditResult(config, script, trials, chain, summary)
