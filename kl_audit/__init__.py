"""The thin layer where ``proofs`` and ``numeric`` meet: the ``kl-audit`` command and its report."""

__all__ = ["main"]

from .cli import main
