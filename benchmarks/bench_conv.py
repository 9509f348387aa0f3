"""Convolution and pooling at LeNet-5 size: forward + backward, against numpy and torch.

Timed in one run, per workload (batch 32, float32):

- ``conv1``:   conv2d 1->6, 5x5, padding 2, on (32, 1, 28, 28); gradients of W and b only
               (the input is the data: no dx, as in a first layer);
- ``conv2``:   conv2d 6->16, 5x5, on (32, 6, 14, 14); gradients of x, W and b;
- ``pool1`` / ``pool2``: max_pool2d(2) on (32, 6, 28, 28) and (32, 16, 10, 10);
- ``stack``:   conv1 -> relu -> pool -> conv2 -> relu -> pool -> sum, then backward: the
               convolutional half of a LeNet training step.

Three columns: ``numpy`` is a hand-written im2col implementation with no autodiff at all
(activations kept batch-last, ``(C, H, W, N)``; the lower bound for these ops on numpy),
``autograd_core`` the library, ``torch`` PyTorch eager when it is installed. Figures are
median milliseconds and the ratio to numpy. Inputs to conv2 and the pools are given in the
memory order they have inside a network (what conv2d and relu hand on).

Run: ``python benchmarks/bench_conv.py [--threads 1] [--seconds 1.0]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from timing import median_time, set_blas_threads

set_blas_threads()  # before numpy is imported

import numpy as np  # noqa: E402

import autograd_core as ag  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

N = 32
F32 = np.float32


# --------------------------------------------------------------------------------------------
# Hand-written numpy: im2col conv and strided max-pool, batch-last (C, H, W, N)
# --------------------------------------------------------------------------------------------
def np_conv_fwd(x: np.ndarray, w2: np.ndarray, b: np.ndarray, k: int, pad: int):
    """x (C, H, W, N) -> y (F, Ho, Wo, N), and the columns for backward."""
    c, h, wd, n = x.shape
    if pad:
        xp = np.zeros((c, h + 2 * pad, wd + 2 * pad, n), x.dtype)
        xp[:, pad : pad + h, pad : pad + wd] = x
    else:
        xp = x
    ho, wo = xp.shape[1] - k + 1, xp.shape[2] - k + 1
    cols = np.empty((c, k, k, ho, wo, n), x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, i, j] = xp[:, i : i + ho, j : j + wo]
    cols = cols.reshape(c * k * k, -1)
    y = w2 @ cols
    y += b[:, None]
    return y.reshape(-1, ho, wo, n), cols


def np_conv_bwd(g, cols, w2, xshape, k: int, pad: int, need_dx: bool):
    f, ho, wo, n = g.shape
    g2 = g.reshape(f, -1)
    dw, db = g2 @ cols.T, g2.sum(axis=1)
    if not need_dx:
        return None, dw, db
    c, h, wd, _ = xshape
    dcols = (w2.T @ g2).reshape(c, k, k, ho, wo, n)
    dxp = np.zeros((c, h + 2 * pad, wd + 2 * pad, n), g.dtype)
    for i in range(k):
        for j in range(k):
            dxp[:, i : i + ho, j : j + wo] += dcols[:, i, j]
    return (dxp[:, pad : pad + h, pad : pad + wd] if pad else dxp), dw, db


def np_pool_fwd(x: np.ndarray, k: int = 2) -> np.ndarray:
    out = np.maximum(x[:, 0::k, 0::k], x[:, 0::k, 1::k])
    for i in range(k):
        for j in range(k):
            if i or j > 1:
                np.maximum(out, x[:, i::k, j::k], out=out)
    return out


def np_pool_bwd(g: np.ndarray, x: np.ndarray, out: np.ndarray, k: int = 2) -> np.ndarray:
    dx = np.empty_like(x)
    for i in range(k):
        for j in range(k):
            np.multiply(x[:, i::k, j::k] == out, g, out=dx[:, i::k, j::k])
    return dx


# --------------------------------------------------------------------------------------------
# The workloads, one callable per library
# --------------------------------------------------------------------------------------------
def make_workloads(rng: np.random.Generator) -> dict:
    x1 = rng.normal(size=(N, 1, 28, 28)).astype(F32)
    w1 = (rng.normal(size=(6, 1, 5, 5)) * 0.2).astype(F32)
    b1 = (rng.normal(size=6) * 0.1).astype(F32)
    w2 = (rng.normal(size=(16, 6, 5, 5)) * 0.08).astype(F32)
    b2 = (rng.normal(size=16) * 0.1).astype(F32)
    x2 = rng.normal(size=(N, 6, 14, 14)).astype(F32)
    p1 = rng.normal(size=(N, 6, 28, 28)).astype(F32)
    p2 = rng.normal(size=(N, 16, 10, 10)).astype(F32)
    g_c1 = rng.normal(size=(N, 6, 28, 28)).astype(F32)
    g_c2 = rng.normal(size=(N, 16, 10, 10)).astype(F32)
    g_p1 = rng.normal(size=(N, 6, 14, 14)).astype(F32)
    g_p2 = rng.normal(size=(N, 16, 5, 5)).astype(F32)

    def chwn(a: np.ndarray) -> np.ndarray:  # batch-last memory, NCHW logical view
        return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)

    def last(a: np.ndarray) -> np.ndarray:  # the batch-last array itself
        return np.ascontiguousarray(a.transpose(1, 2, 3, 0))

    # numpy: data already batch-last (prepared once, as a batch-last engine would)
    nx1, nx2, np1, np2 = last(x1), last(x2), last(p1), last(p2)
    ng_c1, ng_c2, ng_p1, ng_p2 = last(g_c1), last(g_c2), last(g_p1), last(g_p2)
    nw1, nw2 = w1.reshape(6, -1), w2.reshape(16, -1)

    def np_conv1():
        y, cols = np_conv_fwd(nx1, nw1, b1, 5, 2)
        return np_conv_bwd(ng_c1, cols, nw1, nx1.shape, 5, 2, False)

    def np_conv2():
        y, cols = np_conv_fwd(nx2, nw2, b2, 5, 0)
        return np_conv_bwd(ng_c2, cols, nw2, nx2.shape, 5, 0, True)

    def np_pool1():
        out = np_pool_fwd(np1)
        return np_pool_bwd(ng_p1, np1, out)

    def np_pool2():
        out = np_pool_fwd(np2)
        return np_pool_bwd(ng_p2, np2, out)

    def np_stack():
        h1, c1 = np_conv_fwd(nx1, nw1, b1, 5, 2)
        np.maximum(h1, 0, out=h1)
        q1 = np_pool_fwd(h1)
        h2, c2 = np_conv_fwd(q1, nw2, b2, 5, 0)
        np.maximum(h2, 0, out=h2)
        q2 = np_pool_fwd(h2)
        d = np.ones_like(q2)
        d = np_pool_bwd(d, h2, q2)
        d *= h2 > 0
        d, dw2, db2 = np_conv_bwd(d, c2, nw2, q1.shape, 5, 0, True)
        d = np_pool_bwd(d, h1, q1)
        d *= h1 > 0
        return np_conv_bwd(d, c1, nw1, nx1.shape, 5, 2, False)

    # autograd_core
    aw1, ab1 = ag.tensor(w1, requires_grad=True), ag.tensor(b1, requires_grad=True)
    aw2, ab2 = ag.tensor(w2, requires_grad=True), ag.tensor(b2, requires_grad=True)
    ax1 = ag.tensor(x1)
    ax2 = ag.Tensor._make(chwn(x2), True, None)
    ap1 = ag.Tensor._make(chwn(p1), True, None)
    ap2 = ag.Tensor._make(chwn(p2), True, None)
    leaves = (aw1, ab1, aw2, ab2, ax2, ap1, ap2)

    def ag_run(fn: Callable) -> Callable:
        def run():
            for t in leaves:
                t.grad = None
            fn()

        return run

    # Per-op cells take gradients with grad(), which hands them back as they are: backward()
    # would add a copy into .grad of each leaf, which a layer inside a network never pays.
    gc1, gc2, gp1, gp2 = (chwn(a) for a in (g_c1, g_c2, g_p1, g_p2))

    def ag_conv1():
        ag.grad(ag.conv2d(ax1, aw1, ab1, padding=2), (aw1, ab1), gc1)

    def ag_conv2():
        ag.grad(ag.conv2d(ax2, aw2, ab2), (ax2, aw2, ab2), gc2)

    def ag_pool1():
        ag.grad(ag.max_pool2d(ap1, 2), ap1, gp1)

    def ag_pool2():
        ag.grad(ag.max_pool2d(ap2, 2), ap2, gp2)

    def ag_stack():
        h = ag.max_pool2d(ag.conv2d(ax1, aw1, ab1, padding=2).relu(), 2)
        h = ag.max_pool2d(ag.conv2d(h, aw2, ab2).relu(), 2)
        h.sum().backward()

    work = {
        "conv1": {"numpy": np_conv1, "autograd_core": ag_conv1},
        "conv2": {"numpy": np_conv2, "autograd_core": ag_conv2},
        "pool1": {"numpy": np_pool1, "autograd_core": ag_pool1},
        "pool2": {"numpy": np_pool2, "autograd_core": ag_pool2},
        "stack": {"numpy": np_stack, "autograd_core": ag_run(ag_stack)},
    }
    if torch is not None:
        tf = torch.nn.functional
        tw1, tb1 = torch.tensor(w1, requires_grad=True), torch.tensor(b1, requires_grad=True)
        tw2, tb2 = torch.tensor(w2, requires_grad=True), torch.tensor(b2, requires_grad=True)
        tx1 = torch.tensor(x1)
        tx2, tp1, tp2 = (torch.tensor(a, requires_grad=True) for a in (x2, p1, p2))
        tg = [torch.tensor(a) for a in (g_c1, g_c2, g_p1, g_p2)]
        tleaves = (tw1, tb1, tw2, tb2, tx2, tp1, tp2)

        def t_run(fn: Callable) -> Callable:
            def run():
                for t in tleaves:
                    t.grad = None
                fn()

            return run

        def t_stack():
            h = tf.max_pool2d(torch.relu(tf.conv2d(tx1, tw1, tb1, padding=2)), 2)
            h = tf.max_pool2d(torch.relu(tf.conv2d(h, tw2, tb2)), 2)
            h.sum().backward()

        tgrad = torch.autograd.grad
        work["conv1"]["torch"] = lambda: tgrad(
            tf.conv2d(tx1, tw1, tb1, padding=2), (tw1, tb1), tg[0]
        )
        work["conv2"]["torch"] = lambda: tgrad(tf.conv2d(tx2, tw2, tb2), (tx2, tw2, tb2), tg[1])
        work["pool1"]["torch"] = lambda: tgrad(tf.max_pool2d(tp1, 2), tp1, tg[2])
        work["pool2"]["torch"] = lambda: tgrad(tf.max_pool2d(tp2, 2), tp2, tg[3])
        work["stack"]["torch"] = t_run(t_stack)
    return work


def time_call(
    fn: Callable,
    seconds: float,
    clock: Callable = time.perf_counter,
    stat: Callable = statistics.median,
) -> float:
    """``stat`` (median or min) of the seconds per call under ``clock``: 2 warm-up calls,
    then at least 10 calls or ``seconds``. The defaults (wall clock, median) are the shared
    rule of ``timing.median_time``; the others help on a busy machine."""
    if clock is time.perf_counter and stat is statistics.median:
        return median_time(fn, seconds)
    fn()
    fn()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < 10 or time.perf_counter() - start < seconds:
        t0 = clock()
        fn()
        times.append(clock() - t0)
        if len(times) >= 5000:
            break
    return stat(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS / torch threads")
    parser.add_argument("--seconds", type=float, default=1.0, help="time budget per cell")
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall: perf_counter; cpu: process CPU time (steadier on a busy machine)",
    )
    parser.add_argument(
        "--stat",
        choices=("median", "min"),
        default="median",
        help="per-call statistic (min is the least disturbed by a busy machine)",
    )
    args = parser.parse_args()
    stat = statistics.median if args.stat == "median" else min
    clock = time.perf_counter if args.clock == "wall" else time.process_time
    if torch is not None:
        torch.set_num_threads(args.threads)
    work = make_workloads(np.random.default_rng(0))
    libs = ["numpy", "autograd_core"] + (["torch"] if torch is not None else [])
    print(
        f"conv/pool forward+backward, batch {N}, float32, {args.threads} thread(s), "
        f"{args.clock} clock"
    )
    print(f"{args.stat} ms per call; (x) = ratio to the hand-written numpy im2col\n")
    print(f"| {'workload':8} | " + " | ".join(f"{lib:>20}" for lib in libs) + " |")
    print("|" + "-" * 10 + "|" + "|".join("-" * 22 for _ in libs) + "|")
    for name, cells in work.items():
        base = time_call(cells["numpy"], args.seconds, clock, stat)
        row = []
        for lib in libs:
            t = base if lib == "numpy" else time_call(cells[lib], args.seconds, clock, stat)
            row.append(f"{t * 1e3:9.3f} ms ({t / base:5.2f}x)")
        print(f"| {name:8} | " + " | ".join(f"{c:>20}" for c in row) + " |")


if __name__ == "__main__":
    main()
