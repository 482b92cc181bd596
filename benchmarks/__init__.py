"""Speed and scale benchmarks, run by ``make bench`` (``python -m benchmarks``); each prints a ratio."""
