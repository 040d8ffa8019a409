"""A PyTorch Lightning callback around :class:`kl_audit.LatentMonitor` (needs ``lightning``).

::

    from kl_audit.lightning import LatentMonitorCallback

    def encode(pl_module, batch):                 # your model's encoder outputs for one batch
        mu, logvar = pl_module.encoder(batch[0])
        return mu, logvar

    trainer = L.Trainer(callbacks=[LatentMonitorCallback(encode, log_to="run.jsonl")])

Each validation pass (not the sanity check) is collected batch by batch on the model's
device; at its end the monitor computes and the scalars are logged with ``pl_module.log``
under ``latent/...``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:
    import lightning.pytorch as pl
except ImportError:  # the older package name
    try:
        import pytorch_lightning as pl
    except ImportError:
        raise ImportError("kl_audit.lightning needs PyTorch Lightning: pip install 'vae-kl-audit[lightning]'") from None

import torch

from .monitor import LatentMonitor, MonitorResult

__all__ = ["LatentMonitorCallback"]


class LatentMonitorCallback(pl.Callback):
    """Collect (mu, logvar) from validation batches; compute and log at the end of each validation epoch.

    Parameters
    ----------
    encode : callable ``(pl_module, batch) -> (mu, logvar)``
        The encoder's outputs for one validation batch, each of shape (B, d).
    prefix : str
        Prefix of the logged names (``latent/avg_kl``, ``latent/mutual_information``, ...).
    **monitor_options
        Passed to :class:`~kl_audit.LatentMonitor` (``n_samples``, ``seed``, ``log_to``, ``weights``, ``dtype``).
    """

    def __init__(self, encode: Callable[[Any, Any], tuple[Any, Any]], *, prefix: str = "latent/", **monitor_options):
        super().__init__()
        if not callable(encode):
            raise TypeError(f"encode must be a function (pl_module, batch) -> (mu, logvar), got {type(encode).__name__}")
        self.encode, self.prefix = encode, prefix
        self.monitor = LatentMonitor(**monitor_options)
        self.results: list[MonitorResult] = []

    def on_validation_epoch_start(self, trainer, pl_module) -> None:
        self.monitor.reset()

    def on_validation_batch_end(self, trainer, pl_module, outputs, batch, batch_idx, dataloader_idx=0) -> None:
        if trainer.sanity_checking:
            return
        with torch.no_grad():
            mu, logvar = self.encode(pl_module, batch)
        self.monitor.update(mu, logvar)

    def on_validation_epoch_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking or self.monitor.n == 0:
            self.monitor.reset()
            return
        result = self.monitor.compute(epoch=trainer.current_epoch, step=trainer.global_step)
        self.results.append(result)
        pl_module.log_dict({self.prefix + k: float(v) for k, v in result.scalars().items()})
