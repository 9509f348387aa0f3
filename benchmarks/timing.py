"""The one timing rule every benchmark here uses."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_time(fn: Callable, budget: float, warmup: int = 3, min_reps: int = 5) -> float:
    """Median seconds of ``fn()`` over about ``budget`` seconds, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    end = time.perf_counter() + budget
    while time.perf_counter() < end or len(times) < min_reps:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
