"""Benchmarks: ``python -m benchmarks`` prints a Markdown table and writes JSON (not part of the tests)."""
