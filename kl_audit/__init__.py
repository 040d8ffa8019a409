"""The thin layer where ``proofs`` and ``numeric`` meet: the ``kl-audit`` command, its report, and ``check_kl``."""

__all__ = ["check_kl", "main"]

from .cli import main


def __getattr__(name: str):
    if name == "check_kl":  # imported on first use: sympy and hypothesis load only when a check runs
        from .check import check_kl

        return check_kl
    raise AttributeError(f"module 'kl_audit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
