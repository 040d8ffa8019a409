"""The thin layer where ``proofs`` and ``numeric`` meet: the ``kl-audit`` command, its report, ``check_kl``
and the training-time monitor."""

__all__ = ["LatentMonitor", "check_kl", "main"]

from .cli import main


def __getattr__(name: str):
    # imported on first use: the command line pays for neither sympy, hypothesis nor numeric's imports
    if name == "check_kl":
        from .check import check_kl

        return check_kl
    if name == "LatentMonitor":
        from .monitor import LatentMonitor

        return LatentMonitor
    raise AttributeError(f"module 'kl_audit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
