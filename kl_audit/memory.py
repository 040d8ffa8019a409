"""Memory available and byte counts in words; imports nothing heavy, so it runs before the work."""

from __future__ import annotations

import os

__all__ = ["available_memory", "format_bytes"]


def format_bytes(n: float) -> str:
    """``n`` bytes in decimal units: '8.0 TB'."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(n) < 1000 or unit == "PB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} PB"


def available_memory() -> int:
    """Bytes of memory available now (MemAvailable on Linux; else free physical pages)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**63
