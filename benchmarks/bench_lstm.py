"""A one-layer LSTM over a sequence, forward + backward through time, against numpy and torch.

Workload (float32, random data, the same weights for every implementation): ``nn.LSTM`` with
input size 64 and hidden size 128 over 50 time steps at batch 32 (input (50, 32, 64)); the loss
is sum(output ⊙ W) for a fixed random W of the output's shape, so dL/d(output) = W. Backward
gives the gradients of the four parameters (the input is data: no gradient). Target: at most
1.5x torch.

Three columns: ``numpy`` is a hand-written LSTM forward and backward through time with no
autodiff at all (the input projection for all steps in one GEMM up front, one GEMM per step
for the recurrence, the gate gradients of all steps collected so that dW_ih, dW_hh and the
biases are one GEMM or sum each at the end; the lower bound on numpy), ``autograd_core`` the
library's ``nn.LSTM``, ``torch`` PyTorch eager. Each column is the median over the shared timing
rule (benchmarks/timing.py), the columns taking turns in short rounds (medians over the rounds),
and the ratio to numpy; the last column is autograd_core / torch (median of per-round ratios).
Gradients are checked against the numpy ones before timing.

Run: ``python benchmarks/bench_lstm.py [--threads 1] [--budget 2.0] [--rounds 5] [--repeat 2]``.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Callable

from timing import median_time, set_blas_threads

set_blas_threads()  # before numpy is imported

import numpy as np  # noqa: E402

T, N, I, H = 50, 32, 64, 128
TARGET = 1.5


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * np.tanh(0.5 * x) + 0.5  # = 1 / (1 + exp(-x)), without overflow


# -- hand-written numpy ------------------------------------------------------------------------
def numpy_lstm_grads(
    x: np.ndarray, w_out: np.ndarray, params: list[np.ndarray]
) -> list[np.ndarray]:
    """Forward over T steps, then backpropagation through time by hand.
    Returns [dW_ih, dW_hh, db_ih, db_hh] for the loss sum(output * w_out)."""
    w_ih, w_hh, b_ih, b_hh = params
    steps, batch, _ = x.shape
    hid = w_hh.shape[1]
    pre = (x.reshape(steps * batch, -1) @ w_ih.T).reshape(steps, batch, 4 * hid)
    pre += b_ih + b_hh
    acts = np.empty_like(pre)  # i, f, g, o after their nonlinearities
    hs = np.zeros((steps + 1, batch, hid), x.dtype)  # hs[t] = h before step t
    cs = np.zeros((steps + 1, batch, hid), x.dtype)
    tanh_c = np.empty((steps, batch, hid), x.dtype)
    for t in range(steps):
        z = pre[t] + hs[t] @ w_hh.T
        a = acts[t]
        a[:, : 2 * hid] = _sigmoid(z[:, : 2 * hid])
        a[:, 2 * hid : 3 * hid] = np.tanh(z[:, 2 * hid : 3 * hid])
        a[:, 3 * hid :] = _sigmoid(z[:, 3 * hid :])
        i, f, g, o = a[:, :hid], a[:, hid : 2 * hid], a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
        np.add(f * cs[t], i * g, out=cs[t + 1])
        np.tanh(cs[t + 1], out=tanh_c[t])
        np.multiply(o, tanh_c[t], out=hs[t + 1])
    dz = np.empty_like(pre)
    dh = np.zeros((batch, hid), x.dtype)
    dc = np.zeros((batch, hid), x.dtype)
    for t in reversed(range(steps)):
        a = acts[t]
        i, f, g, o = a[:, :hid], a[:, hid : 2 * hid], a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
        dh += w_out[t]
        tc = tanh_c[t]
        dc += dh * o * (1 - tc * tc)
        d = dz[t]
        d[:, :hid] = dc * g * i * (1 - i)
        d[:, hid : 2 * hid] = dc * cs[t] * f * (1 - f)
        d[:, 2 * hid : 3 * hid] = dc * i * (1 - g * g)
        d[:, 3 * hid :] = dh * tc * o * (1 - o)
        dc *= f
        dh = d @ w_hh
    dz2 = dz.reshape(steps * batch, -1)
    dw_ih = dz2.T @ x.reshape(steps * batch, -1)
    dw_hh = dz2.T @ hs[:-1].reshape(steps * batch, -1)
    db = dz2.sum(axis=0)
    return [dw_ih, dw_hh, db, db.copy()]


# -- the libraries ------------------------------------------------------------------------------
def library_grads(lib: str, x: np.ndarray, w_out: np.ndarray, params) -> Callable[[], list]:
    if lib == "torch":
        import torch

        model = torch.nn.LSTM(I, H)
        with torch.no_grad():
            for p, v in zip(model.parameters(), params):
                p.copy_(torch.from_numpy(v))
        xt, wt = torch.from_numpy(x), torch.from_numpy(w_out)
    else:
        import autograd_core as ag
        import nn

        model = nn.LSTM(I, H)
        for p, v in zip(model.parameters(), params):
            p.data[...] = v
        xt, wt = ag.tensor(x), ag.tensor(w_out)

    def step() -> list:
        for p in model.parameters():
            p.grad = None
        out, _ = model(xt)
        (out * wt).sum().backward()
        return [p.grad.numpy() if lib == "torch" else p.grad.data for p in model.parameters()]

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="BLAS / torch threads")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per measurement")
    parser.add_argument("--repeat", type=int, default=2, help="measure every column this often")
    parser.add_argument("--rounds", type=int, default=5, help="turns per measurement")
    args = parser.parse_args()
    try:
        import torch

        torch.set_num_threads(args.threads)
        libs = ["numpy", "autograd_core", "torch"]
    except ImportError:
        libs = ["numpy", "autograd_core"]
    rng = np.random.default_rng(0)
    bound = 1 / np.sqrt(H)
    shapes = [(4 * H, I), (4 * H, H), (4 * H,), (4 * H,)]
    params = [rng.uniform(-bound, bound, s).astype(np.float32) for s in shapes]
    x = rng.normal(size=(T, N, I)).astype(np.float32)
    w_out = rng.normal(size=(T, N, H)).astype(np.float32)
    steps = {"numpy": lambda: numpy_lstm_grads(x, w_out, params)}
    for lib in libs[1:]:
        steps[lib] = library_grads(lib, x, w_out, params)
    ref = steps["numpy"]()
    for lib in libs[1:]:
        for name, a, b in zip(["W_ih", "W_hh", "b_ih", "b_hh"], steps[lib](), ref):
            if not np.allclose(a, b, rtol=1e-3, atol=1e-3 * np.abs(b).max()):
                raise SystemExit(f"{lib}: gradient of {name} differs from numpy's")
    print(
        f"LSTM input {I}, hidden {H}, {T} steps, batch {N}, float32, forward+backward, "
        f"{args.threads} thread(s); median of ~{args.budget:g} s per column"
    )
    print("".join(f"{name:>16}" for name in libs) + f"{'ag/torch':>10}{'target':>8}")
    for _ in range(args.repeat):
        # The columns take turns in short rounds (each through the shared timing rule), so a
        # burst of load on a shared machine hits all of them; medians over the rounds.
        rounds: dict[str, list[float]] = {lib: [] for lib in libs}
        for _ in range(args.rounds):
            for lib, s in steps.items():
                rounds[lib].append(median_time(s, args.budget / args.rounds, warmup=1))
        times = {lib: statistics.median(ts) for lib, ts in rounds.items()}
        base = times["numpy"]
        cells = "".join(
            f"{t * 1e3:>8.2f}ms {t / base:>4.2f}x" if lib != "numpy" else f"{t * 1e3:>14.2f}ms"
            for lib, t in times.items()
        )
        ratio = ""
        if "torch" in times:  # the median of the per-round ratios
            r = [a / t for a, t in zip(rounds["autograd_core"], rounds["torch"])]
            ratio = f"{statistics.median(r):>9.2f}x"
        print(f"{cells}{ratio}{TARGET:>7.1f}x")


if __name__ == "__main__":
    main()
