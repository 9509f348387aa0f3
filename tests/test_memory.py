"""Memory: training releases each step's graph, and one step's peak stays near hand-written numpy.

The RSS test runs 2,000 LeNet-5 training steps. On the shared 2-core test machine a batch-32
step is too slow for 2,000 of them in a test, so the batch defaults to **2**
(``AUTOGRAD_CORE_MEMORY_BATCH=32`` runs the full-size check; ``benchmarks/bench_memory.py``
reports both figures). What leaks, a graph or saved arrays kept past the step, leaks at any
batch size.
"""

from __future__ import annotations

import os
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
import optim

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from bench_memory import lenet_steps, rss, step_peak  # noqa: E402

MB = 2**20
BATCH = int(os.environ.get("AUTOGRAD_CORE_MEMORY_BATCH", "2"))
STEPS = 2000
WARMUP = 200


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_resident_memory_is_flat_over_2000_lenet_steps():
    ag.manual_seed(0)
    model = nn.models.lenet5()
    opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(0)
    # a few different batches, as a data loader would give
    data = [
        (
            ag.tensor(rng.normal(size=(BATCH, 1, 28, 28)).astype(np.float32)),
            ag.tensor(rng.integers(0, 10, BATCH)),
        )
        for _ in range(4)
    ]
    trace = []
    for i in range(1, STEPS + 1):
        x, y = data[i % len(data)]
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if i >= WARMUP and i % 100 == 0:
            trace.append(rss())
    assert np.isfinite(loss.item())
    growth = (max(trace) - trace[0]) / MB
    assert growth < 3.0, f"RSS grew by {growth:.2f} MB between step {WARMUP} and {STEPS}"


def test_tensor_memory_is_flat_over_training_steps():
    """Allocations traced by tracemalloc (numpy arrays included) return to the same level."""
    ours, _ = lenet_steps(batch=2, seed=2)
    for _ in range(5):
        ours()
    tracemalloc.start()
    try:
        ours()
        base, _ = tracemalloc.get_traced_memory()
        for _ in range(50):
            ours()
        now, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert now - base < 64 * 1024, f"{(now - base) / 1024:.0f} KB still allocated"


def test_peak_memory_of_a_lenet_step_is_near_numpy():
    ours, ref = lenet_steps(batch=8)
    assert np.isclose(ours(), ref(), rtol=2e-3)
    ratio = step_peak(ours) / step_peak(ref)
    assert ratio <= 1.3, f"peak memory {ratio:.2f}x the hand-written numpy step"
