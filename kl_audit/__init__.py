"""The thin layer where ``proofs`` and ``numeric`` meet: the ``kl-audit`` command, its report, and the training-time monitor."""

__all__ = ["LatentMonitor", "main"]

from .cli import main


def __getattr__(name: str):
    if name == "LatentMonitor":  # imported on first use: the command line does not pay for numeric's imports
        from .monitor import LatentMonitor

        return LatentMonitor
    raise AttributeError(f"module 'kl_audit' has no attribute {name!r}")
