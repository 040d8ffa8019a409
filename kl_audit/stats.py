"""Small statistics helpers for the report: intervals for rates and means."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["rate_interval", "mean_interval"]


def rate_interval(successes: int, trials: int, level: float = 0.95) -> dict[str, float]:
    """A proportion with its Wilson score interval (scipy's ``binomtest``)."""
    ci = stats.binomtest(int(successes), int(trials)).proportion_ci(confidence_level=level, method="wilson")
    return {"rate": successes / trials, "ci_low": float(ci.low), "ci_high": float(ci.high),
            "count": int(successes), "trials": int(trials), "level": level}


def mean_interval(values: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """A sample mean with its t interval."""
    values = np.asarray(values, dtype=np.float64)
    n = values.size
    mean = float(values.mean())
    se = float(values.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * se if n > 1 else float("nan")
    return {"mean": mean, "stderr": se, "ci_low": mean - half, "ci_high": mean + half, "n": n, "level": level}
