"""The one timing rule every benchmark here uses, and the BLAS thread setting."""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable


def set_blas_threads() -> int:
    """Set the BLAS thread counts from ``--threads N`` on the command line (default 1).
    Call it before numpy (or torch) is imported: BLAS reads them once, when it loads."""
    n = 1
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            n = int(sys.argv[i + 1])
        elif a.startswith("--threads="):
            n = int(a.split("=", 1)[1])
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(n)
    return n


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
