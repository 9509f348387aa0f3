"""Per-op overhead: forward + backward of a chain of 1,000 small elementwise ops.

The chain is the one ``../shared/bench`` calls W4: on a 16-element float32 tensor, a period-10
pattern of ``x * 1.0001``, ``x + 0.001``, ``x - 0.001`` and one ``tanh``, then ``sum()`` and
``backward()``. It is timed three ways in one run:

- ``numpy``: a bare numpy loop (the forward ops, then a backward loop that does only the
  non-trivial derivative work) — the cost of the arithmetic alone;
- ``autograd_core``: the library;
- ``torch``: PyTorch eager, when it is installed.

The figure reported is microseconds per op (forward + backward) and the ratio to the numpy
loop. Target: autograd_core at most 3x the numpy loop. Run: ``python benchmarks/bench_ops.py``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from timing import median_time

import autograd_core as ag

PATTERN = ("mul", "add", "mul", "sub", "mul", "add", "mul", "sub", "mul", "tanh")
MUL, ADD = 1.0001, 0.001


def chain(x, n: int, tanh: Callable):
    for i in range(n):
        op = PATTERN[i % 10]
        if op == "mul":
            x = x * MUL
        elif op == "add":
            x = x + ADD
        elif op == "sub":
            x = x - ADD
        else:
            x = tanh(x)
    return x


def numpy_loop(x0: np.ndarray, n: int) -> np.ndarray:
    """Forward keeping what backward needs, then the backward loop: the bare arithmetic."""
    x = x0
    saved = []
    for i in range(n):
        op = PATTERN[i % 10]
        if op == "mul":
            x = x * MUL
        elif op == "add":
            x = x + ADD
        elif op == "sub":
            x = x - ADD
        else:
            x = np.tanh(x)
            saved.append(x)
    g = np.ones_like(x)
    for i in reversed(range(n)):
        op = PATTERN[i % 10]
        if op == "mul":
            g = g * MUL
        elif op == "tanh":
            y = saved.pop()
            g = g * (1.0 - y * y)
    return g


def autograd_core_chain(x0: np.ndarray, n: int) -> np.ndarray:
    x = ag.tensor(x0, requires_grad=True)
    chain(x, n, ag.tanh).sum().backward()
    return x.grad.data


def torch_chain(x0: np.ndarray, n: int) -> np.ndarray:
    import torch

    x = torch.tensor(x0, requires_grad=True)
    chain(x, n, torch.tanh).sum().backward()
    return x.grad.numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--budget", type=float, default=1.5, help="seconds per measurement")
    args = parser.parse_args()
    x0 = np.linspace(-0.1, 0.1, args.size).astype(np.float32)
    runs = {"numpy": numpy_loop, "autograd_core": autograd_core_chain}
    try:
        import torch

        torch.set_num_threads(1)
        runs["torch"] = torch_chain
    except ImportError:
        pass
    ref = numpy_loop(x0.astype(np.float64), args.ops)
    results = {}
    for name, fn in runs.items():
        got = fn(x0, args.ops)
        if not np.allclose(got, ref, rtol=1e-3):
            raise SystemExit(f"{name}: wrong gradient {got[:3]} vs {ref[:3]}")
        results[name] = median_time(lambda fn=fn: fn(x0, args.ops), args.budget)
    base = results["numpy"]
    print(f"chain of {args.ops} elementwise ops on {args.size} float32 values, fwd + bwd")
    print(f"{'library':<15}{'us/op':>10}{'x numpy':>10}")
    for name, t in results.items():
        print(f"{name:<15}{t / args.ops * 1e6:>10.2f}{t / base:>10.2f}")


if __name__ == "__main__":
    main()
