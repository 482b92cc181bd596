"""Timing helper shared by the benchmark cases: the best of a few runs, the usual way to discount noise."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

REPEAT = 3


def best_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """The shortest wall-clock time of ``repeat`` calls of ``fn``, and the result of the last call."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result
