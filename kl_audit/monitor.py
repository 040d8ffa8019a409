"""A training-time monitor of what the KL term is made of, on the device where the encoder runs.

``update(mu, logvar)`` with each batch of an evaluation pass, ``compute()`` at its end
(torchmetrics' protocol); the numbers come from :mod:`numeric.device`, so tensors stay
on their device and only scalars come back::

    monitor = LatentMonitor(log_to="run.jsonl")
    ...
    monitor.update(mu, logvar)        # in the evaluation loop
    print(monitor.compute())          # at the end of the epoch: one JSON line appended to run.jsonl
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from numeric.encodings import ACTIVE_THRESHOLD
from numeric.estimate import Estimate

__all__ = ["LatentMonitor", "MonitorResult", "MEMORIZING_RTOL"]

#: Rounding allowance when I(i; z)'s interval is compared with its ceiling.
MEMORIZING_RTOL = 1e-9


@dataclass(frozen=True)
class MonitorResult:
    """One ``compute()``: nats, with 95% intervals for the Monte Carlo estimates.

    The intervals are intersected with the range each quantity can take (I(i; z) in
    [0, min(ceiling, avg KL)], KL(q̄ || p) in [0, avg KL]: the two add up to avg KL), so no
    impossible number is reported.
    ``memorizing``: the interval of I(i; z) reaches its ceiling (log N, or H(w) with
    weights): the codes identify the examples.  ``collapsed``: no active unit (no
    dimension whose means vary by more than ``active_threshold`` across examples).
    """

    epoch: int
    step: int | None
    n: int
    d: int
    avg_kl: float
    mutual_information: Estimate
    ceiling: float
    ceiling_name: str
    kl_aggregate: Estimate
    active_units: int
    active_threshold: float
    variance_of_means: list[float]
    memorizing: bool
    collapsed: bool
    device: str
    samples: int
    seed: int = field(default=0)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["mutual_information"] = self.mutual_information.as_dict()
        out["kl_aggregate"] = self.kl_aggregate.as_dict()
        return out

    def scalars(self) -> dict[str, float]:
        """Flat numbers for a logger (``pl_module.log_dict``, TensorBoard, ...)."""
        mi, kl = self.mutual_information, self.kl_aggregate
        return {"avg_kl": self.avg_kl, "mutual_information": mi.value, "mutual_information_low": mi.low,
                "mutual_information_high": mi.high, "mi_ceiling": self.ceiling, "kl_aggregate": kl.value,
                "kl_aggregate_low": kl.low, "kl_aggregate_high": kl.high, "active_units": float(self.active_units),
                "memorizing": float(self.memorizing), "collapsed": float(self.collapsed)}

    def __str__(self) -> str:
        mi, kl = self.mutual_information, self.kl_aggregate
        flags = [f for f, on in (("MEMORIZING", self.memorizing), ("COLLAPSED", self.collapsed)) if on]
        return (f"epoch {self.epoch}: avg KL {self.avg_kl:.4f} = I(i; z) {mi.value:.4f} [{mi.low:.4f}, {mi.high:.4f}] "
                f"(ceiling {self.ceiling_name} = {self.ceiling:.4f}) + KL(qbar||p) {kl.value:.4f} "
                f"[{kl.low:.4f}, {kl.high:.4f}]; {self.active_units}/{self.d} active units"
                + (f"; {', '.join(flags)}" if flags else ""))


class LatentMonitor:
    """avg KL, I(i; z) against its ceiling, KL(q̄ || p) and active units of an encoder, per evaluation pass.

    Parameters
    ----------
    weights : array or tensor, shape (N,), optional
        Per-example weights of the whole pass (summing to one); the ceiling of I(i; z)
        is then H(w) instead of log N.
    n_samples : int
        Monte Carlo draws for each of KL(q̄ || p) and I(i; z) (independent streams).
    seed : int
        Seed of ``numpy.random.default_rng([seed, epoch])``, so each epoch is reproducible.
    log_to : path, optional
        A JSON-lines file; each ``compute()`` appends one line (never truncates the file).
    dtype : "float64" or "float32"
        Working precision on the device (see :mod:`numeric.device`).
    reset_after_compute : bool
        Clear the collected batches after ``compute()`` (default), so the next pass starts afresh.
    """

    def __init__(self, *, weights: Any = None, n_samples: int = 20_000, seed: int = 0, log_to: str | os.PathLike | None = None,
                 dtype: str = "float64", reset_after_compute: bool = True):
        if not isinstance(n_samples, int) or isinstance(n_samples, bool) or n_samples < 2:
            raise ValueError(f"n_samples must be an integer >= 2, got {n_samples!r}")
        if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
        if dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32', got {dtype!r}")
        self.weights, self.n_samples, self.seed, self.dtype = weights, n_samples, seed, dtype
        self.reset_after_compute = reset_after_compute
        self.log_to = None if log_to is None else Path(log_to)
        if self.log_to is not None:
            _check_log_target(self.log_to)
        self._mu: list[Any] = []
        self._logvar: list[Any] = []
        self._epoch = 0

    def update(self, mu: Any, logvar: Any) -> None:
        """Collect one batch: ``mu`` and ``logvar`` of shape (B, d), tensors or arrays (detached, kept on their device)."""
        for name, a in (("mu", mu), ("logvar", logvar)):
            if not hasattr(a, "shape") or len(a.shape) != 2:
                raise ValueError(f"{name} must have shape (batch, d), got "
                                 f"{tuple(a.shape) if hasattr(a, 'shape') else type(a).__name__}")
        if tuple(mu.shape) != tuple(logvar.shape):
            raise ValueError(f"mu has shape {tuple(mu.shape)} but logvar has shape {tuple(logvar.shape)}")
        if self._mu and mu.shape[1] != self._mu[0].shape[1]:
            raise ValueError(f"mu has d = {mu.shape[1]} latent dimensions but earlier batches had {self._mu[0].shape[1]}")
        self._mu.append(mu.detach() if hasattr(mu, "detach") else np.asarray(mu))
        self._logvar.append(logvar.detach() if hasattr(logvar, "detach") else np.asarray(logvar))

    def reset(self) -> None:
        """Forget the collected batches."""
        self._mu.clear()
        self._logvar.clear()

    @property
    def n(self) -> int:
        """Examples collected since the last reset."""
        return sum(int(m.shape[0]) for m in self._mu)

    def compute(self, *, epoch: int | None = None, step: int | None = None) -> MonitorResult:
        """The numbers for the batches collected so far; appends a line to ``log_to`` when given.

        ``epoch`` defaults to the count of earlier ``compute()`` calls.
        """
        from numeric import device as dev
        from numeric._xp import to_host

        if not self._mu:
            raise ValueError("compute() before any update(mu, logvar): there are no encodings")
        epoch = self._epoch if epoch is None else int(epoch)
        mix = dev.DeviceMixture.create(_concat(self._mu), logvar=_concat(self._logvar), weights=self.weights,
                                       dtype=self.dtype, names=("mu", "logvar"))
        kl_rng, mi_rng = np.random.default_rng([self.seed, epoch]).spawn(2)
        kl = dev.kl_monte_carlo(mix, self.n_samples, kl_rng)
        mi = dev.mutual_information_monte_carlo(mix, self.n_samples, mi_rng)
        if self.weights is None:
            ceiling, ceiling_name = math.log(mix.n), "log N"
        else:
            ceiling, ceiling_name = dev.entropy_of_weights(mix), "H(w)"
        avg = dev.avg_kl(mix)
        mi, kl = _within(mi, 0.0, min(ceiling, avg)), _within(kl, 0.0, avg)   # each in [0, avg KL], I(i; z) <= ceiling
        var_means = dev.variance_of_means(mix)
        active = dev.active_units(mix)
        result = MonitorResult(
            epoch=epoch, step=step, n=mix.n, d=mix.d, avg_kl=avg, mutual_information=mi,
            ceiling=ceiling, ceiling_name=ceiling_name, kl_aggregate=kl, active_units=active,
            active_threshold=ACTIVE_THRESHOLD, variance_of_means=[float(x) for x in to_host(var_means)],
            memorizing=ceiling > 0 and mi.high >= ceiling * (1 - MEMORIZING_RTOL), collapsed=active == 0, device=str(mix.device),
            samples=self.n_samples, seed=self.seed)
        if self.log_to is not None:
            line = json.dumps(result.as_dict(), allow_nan=False) + "\n"
            with open(self.log_to, "a", encoding="utf-8") as fh:
                fh.write(line)
        self._epoch = epoch + 1
        if self.reset_after_compute:
            self.reset()
        return result


def _within(est: Estimate, lo: float, hi: float) -> Estimate:
    """The estimate and its interval intersected with [lo, hi], the range the quantity can take."""
    clip = lambda x: min(max(x, lo), hi)  # noqa: E731
    return Estimate(clip(est.value), est.stderr, clip(est.low), clip(est.high), est.n_samples, est.level)


def _concat(parts: list[Any]) -> Any:
    """One array from the batches, on the device of the first tensor among them (numpy batches move there)."""
    from numeric._xp import device_of, is_foreign, namespace

    xp = namespace(*parts)
    if xp is np:
        return np.concatenate(parts) if len(parts) > 1 else parts[0]
    first = next(p for p in parts if is_foreign(p))
    parts = [p if is_foreign(p) else xp.asarray(p, dtype=first.dtype, device=device_of(first)) for p in parts]
    return xp.concat(parts) if len(parts) > 1 else parts[0]


def _check_log_target(path: Path) -> None:
    if path.is_dir():
        raise ValueError(f"log_to {str(path)!r} is a folder, not a file")
    parent = path.resolve().parent
    if not parent.is_dir():
        raise ValueError(f"log_to {str(path)!r}: the folder {str(parent)!r} does not exist")
    if path.exists() and not os.access(path, os.W_OK):
        raise ValueError(f"log_to {str(path)!r}: permission denied")
    if not path.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise ValueError(f"log_to {str(path)!r}: cannot write in {str(parent)!r}")
