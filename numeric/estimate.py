"""A Monte Carlo estimate with its standard error and a normal-theory confidence interval."""

from __future__ import annotations

from dataclasses import dataclass

from scipy import stats

__all__ = ["Estimate"]


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo estimate with its standard error and a confidence interval."""

    value: float
    stderr: float
    low: float
    high: float
    n_samples: int
    level: float = 0.95

    @classmethod
    def normal(cls, value: float, stderr: float, n_samples: int, level: float = 0.95) -> "Estimate":
        """value ± z·stderr, the normal-theory interval at ``level``."""
        z = float(stats.norm.ppf(0.5 + level / 2))
        return cls(float(value), float(stderr), value - z * stderr, value + z * stderr, int(n_samples), level)

    def affine(self, offset: float, sign: float = 1.0) -> "Estimate":
        """The estimate of ``offset + sign * value`` (sign ±1): same error, interval mapped along."""
        ends = sorted((offset + sign * self.low, offset + sign * self.high))
        return Estimate(offset + sign * self.value, self.stderr, ends[0], ends[1], self.n_samples, self.level)

    def as_dict(self) -> dict[str, float]:
        return {"value": self.value, "stderr": self.stderr, "ci_low": self.low, "ci_high": self.high,
                "n_samples": self.n_samples, "level": self.level}
