"""Memory of training: peak of one LeNet-5 step, and resident memory over many steps.

1. **Peak of one step** (forward, cross-entropy, backward, SGD; batch 32, float32): the highest
   memory allocated during the step above what was allocated before it, measured with
   ``tracemalloc`` (numpy reports its array buffers to it), for autograd_core and for the
   hand-written numpy LeNet of ``bench_train.py``. Target: autograd_core at most 1.3x numpy.
2. **Resident memory over training** (``--steps N``, default 2,000): the process's RSS (from
   ``/proc/self/statm``) after step 100 and every 100 steps after, for autograd_core; the graph
   and its saved arrays must be released after each step, so RSS stays flat.

Run: ``python benchmarks/bench_memory.py [--batch 32] [--steps 2000]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import tracemalloc
from collections.abc import Callable

import numpy as np
from bench_train import NumpyLeNet, init_params, library_step

MB = 2**20


def step_peak(step: Callable[[], float], repeats: int = 3) -> int:
    """Bytes allocated at the peak of ``step()`` above what was allocated before it."""
    step()  # warm up: optimiser state, caches
    peaks = []
    for _ in range(repeats):
        gc.collect()
        tracemalloc.start()
        before, _ = tracemalloc.get_traced_memory()
        step()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peaks.append(peak - before)
    return min(peaks)


def rss() -> int:
    """Resident set size of this process in bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def lenet_steps(batch: int, seed: int = 0) -> tuple[Callable, Callable]:
    """One step of autograd_core's LeNet and one of the numpy LeNet, same weights and data."""
    rng = np.random.default_rng(seed)
    params = init_params("lenet", None, rng)
    x = rng.normal(size=(batch, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, batch).astype(np.int64)
    ours = library_step("autograd_core", "lenet", None, params, x, y, 0.01)
    ref = NumpyLeNet(params)
    xr = np.ascontiguousarray(x.transpose(1, 2, 3, 0))
    return ours, lambda: ref.step(xr, y, 0.01)


def rss_over_training(
    batch: int, steps: int, every: int = 100, verbose: bool = False
) -> list[tuple[int, int]]:
    """(step, RSS bytes) after step ``every`` and every ``every`` steps after."""
    ours, _ = lenet_steps(batch, seed=1)
    trace = []
    for i in range(1, steps + 1):
        ours()
        if i % every == 0:
            trace.append((i, rss()))
            if verbose:
                print(f"  step {i:5d}: RSS {trace[-1][1] / MB:.1f} MB", flush=True)
    return trace


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=2000, help="0 skips the RSS run")
    parser.add_argument("--verbose", action="store_true", help="print RSS every 100 steps")
    args = parser.parse_args()
    ours, ref = lenet_steps(args.batch)
    a, b = ours(), ref()
    if not np.isclose(a, b, rtol=2e-3):
        raise SystemExit(f"losses differ: autograd_core {a}, numpy {b}")
    p_ours, p_ref = step_peak(ours), step_peak(ref)
    print(f"peak memory of one LeNet-5 step, batch {args.batch} (tracemalloc, above baseline):")
    print(f"  numpy         {p_ref / MB:8.2f} MB")
    print(f"  autograd_core {p_ours / MB:8.2f} MB  {p_ours / p_ref:.2f}x  (target <= 1.3x)")
    if args.steps:
        trace = rss_over_training(args.batch, args.steps, verbose=args.verbose)
        vals = [r for _, r in trace]
        print(f"RSS over {args.steps} LeNet-5 steps, batch {args.batch} (after step 100 on):")
        print(f"  first {vals[0] / MB:.1f} MB, last {vals[-1] / MB:.1f} MB, ", end="")
        print(f"min {min(vals) / MB:.1f} MB, max {max(vals) / MB:.1f} MB, ", end="")
        print(f"growth {(vals[-1] - vals[0]) / MB:+.2f} MB")


if __name__ == "__main__":
    main()
