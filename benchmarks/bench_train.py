"""One full training step (forward, cross-entropy, backward, SGD) against hand-written numpy.

Workloads (float32, random data, the same starting weights for every implementation):

- ``mlp-seed``: 784-16-16-10 MLP, ReLU, batch 64 (target: at most 1.5x numpy)
- ``mlp-wide``: 784-256-128-10 MLP, ReLU, batch 128 (target: at most 1.2x numpy)
- ``lenet``: LeNet-5 (conv 1->6 5x5 pad 2, ReLU, max-pool 2, conv 6->16 5x5, ReLU, max-pool 2,
  120, 84, 10), batch 32 (target: at most 1.4x numpy)

``numpy`` is a hand-written forward and backward with no autodiff machinery (convolutions as
im2col + one GEMM, activations laid out (C, H, W, N) so that no transposes are needed);
``autograd_core`` uses ``nn``, ``nn.functional.cross_entropy`` and ``optim.SGD``; ``torch``
(when installed) the same model in PyTorch eager. Each step's loss is checked against the numpy
one before timing. Run: ``python benchmarks/bench_train.py [--threads 1]``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable

import numpy as np
from timing import median_time


# -- hand-written numpy ------------------------------------------------------------------------
def softmax_ce_grad(logits: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean cross-entropy of row logits and its gradient."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    p = e / e.sum(axis=1, keepdims=True)
    n = len(y)
    loss = float(-np.log(p[np.arange(n), y]).mean())
    p[np.arange(n), y] -= 1.0
    return loss, p / n


class NumpyMLP:
    def __init__(self, params: list[np.ndarray]) -> None:
        self.params = [p.copy() for p in params]  # W1, b1, W2, b2, ... (PyTorch layout)

    def step(self, x: np.ndarray, y: np.ndarray, lr: float) -> float:
        ps = self.params
        acts, h = [], x
        n_layers = len(ps) // 2
        for i in range(n_layers):
            acts.append(h)
            h = h @ ps[2 * i].T + ps[2 * i + 1]
            if i < n_layers - 1:
                h = np.maximum(h, 0, out=h)
        loss, g = softmax_ce_grad(h, y)
        for i in reversed(range(n_layers)):
            a = acts[i]
            gw, gb = g.T @ a, g.sum(axis=0)
            if i > 0:
                g = g @ ps[2 * i]
                g *= a > 0
            np.subtract(ps[2 * i], lr * gw, out=ps[2 * i])
            np.subtract(ps[2 * i + 1], lr * gb, out=ps[2 * i + 1])
        return loss


def im2col(x: np.ndarray, k: int) -> np.ndarray:
    """(C, H, W, N) -> (C*k*k, Ho*Wo*N) by k*k slice copies (valid, stride 1)."""
    c, h, w, n = x.shape
    ho, wo = h - k + 1, w - k + 1
    cols = np.empty((c, k, k, ho, wo, n), x.dtype)
    for i in range(k):
        for j in range(k):
            cols[:, i, j] = x[:, i : i + ho, j : j + wo]
    return cols.reshape(c * k * k, ho * wo * n)


def col2im(cols: np.ndarray, shape: tuple, k: int) -> np.ndarray:
    c, h, w, n = shape
    ho, wo = h - k + 1, w - k + 1
    cols = cols.reshape(c, k, k, ho, wo, n)
    out = np.zeros(shape, cols.dtype)
    for i in range(k):
        for j in range(k):
            out[:, i : i + ho, j : j + wo] += cols[:, i, j]
    return out


class NumpyLeNet:
    """Convs as im2col + one GEMM on (C, H, W, N) activations; 2x2 max-pool by 4 strided views."""

    def __init__(self, params: list[np.ndarray]) -> None:
        self.params = [p.copy() for p in params]

    @staticmethod
    def pool(a: np.ndarray) -> tuple[np.ndarray, list]:
        views = [a[:, i::2, j::2] for i in range(2) for j in range(2)]
        out = np.maximum(np.maximum(views[0], views[1]), np.maximum(views[2], views[3]))
        return out, views

    @staticmethod
    def unpool(g: np.ndarray, out: np.ndarray, views: list, shape: tuple) -> np.ndarray:
        grad = np.zeros(shape, g.dtype)
        taken = np.zeros(out.shape, bool)
        for idx, v in enumerate(views):
            hit = (v == out) & ~taken  # the first maximum in scan order gets the gradient
            taken |= hit
            grad[:, idx // 2 :: 2, idx % 2 :: 2] = g * hit
        return grad

    def step(self, x: np.ndarray, y: np.ndarray, lr: float) -> float:
        w1, b1, w2, b2, w3, b3, w4, b4, w5, b5 = self.params
        n = x.shape[-1]
        xp = np.pad(x, ((0, 0), (2, 2), (2, 2), (0, 0)))
        c1 = im2col(xp, 5)
        z1 = (w1.reshape(6, -1) @ c1 + b1[:, None]).reshape(6, 28, 28, n)
        a1 = np.maximum(z1, 0)
        p1, v1 = self.pool(a1)
        c2 = im2col(p1, 5)
        z2 = (w2.reshape(16, -1) @ c2 + b2[:, None]).reshape(16, 10, 10, n)
        a2 = np.maximum(z2, 0)
        p2, v2 = self.pool(a2)
        f = p2.reshape(400, n).T  # (N, 400) in PyTorch's flatten order (C, H, W)
        h3 = np.maximum(f @ w3.T + b3, 0)
        h4 = np.maximum(h3 @ w4.T + b4, 0)
        logits = h4 @ w5.T + b5
        loss, g = softmax_ce_grad(logits, y)
        gw5, gb5 = g.T @ h4, g.sum(0)
        g = (g @ w5) * (h4 > 0)
        gw4, gb4 = g.T @ h3, g.sum(0)
        g = (g @ w4) * (h3 > 0)
        gw3, gb3 = g.T @ f, g.sum(0)
        g = (g @ w3).T.reshape(p2.shape)
        g = self.unpool(g, p2, v2, a2.shape) * (z2 > 0)
        g2 = g.reshape(16, -1)
        gw2, gb2 = (g2 @ c2.T).reshape(w2.shape), g2.sum(1)
        g = col2im(w2.reshape(16, -1).T @ g2, p1.shape, 5)
        g = self.unpool(g, p1, v1, a1.shape) * (z1 > 0)
        g1 = g.reshape(6, -1)
        gw1, gb1 = (g1 @ c1.T).reshape(w1.shape), g1.sum(1)
        grads = [gw1, gb1, gw2, gb2, gw3, gb3, gw4, gb4, gw5, gb5]
        for p, gp in zip(self.params, grads):
            np.subtract(p, lr * gp, out=p)
        return loss


# -- the libraries ------------------------------------------------------------------------------
def build(lib: str, kind: str, sizes: tuple):
    if lib == "torch":
        import torch.nn as tnn

        mods = tnn
    else:
        import nn as mods
    if kind == "mlp":
        layers = [mods.Flatten()]
        for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(mods.Linear(a, b))
            if i < len(sizes) - 2:
                layers.append(mods.ReLU())
        return mods.Sequential(*layers)
    return mods.Sequential(
        mods.Conv2d(1, 6, 5, padding=2), mods.ReLU(), mods.MaxPool2d(2),
        mods.Conv2d(6, 16, 5), mods.ReLU(), mods.MaxPool2d(2), mods.Flatten(),
        mods.Linear(400, 120), mods.ReLU(), mods.Linear(120, 84), mods.ReLU(),
        mods.Linear(84, 10),
    )  # fmt: skip


def library_step(lib: str, kind: str, sizes: tuple, params, x, y, lr) -> Callable[[], float]:
    if lib == "torch":
        import torch

        model = build("torch", kind, sizes)
        with torch.no_grad():
            for p, v in zip(model.parameters(), params):
                p.copy_(torch.from_numpy(v))
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        xt, yt = torch.from_numpy(x), torch.from_numpy(y)
        ce = torch.nn.functional.cross_entropy
    else:
        import autograd_core as ag
        import nn.functional as F
        import optim

        model = build("autograd_core", kind, sizes)
        for p, v in zip(model.parameters(), params):
            p.data[...] = v
        opt = optim.SGD(model.parameters(), lr=lr)
        xt, yt = ag.tensor(x), ag.tensor(y)
        ce = F.cross_entropy

    def step() -> float:
        opt.zero_grad()
        loss = ce(model(xt), yt)
        loss.backward()
        opt.step()
        return loss.item()

    return step


WORKLOADS = {
    "mlp-seed": ("mlp", (784, 16, 16, 10), 64, 1.5),
    "mlp-wide": ("mlp", (784, 256, 128, 10), 128, 1.2),
    "lenet": ("lenet", None, 32, 1.4),
}


def init_params(kind: str, sizes: tuple, rng: np.random.Generator) -> list[np.ndarray]:
    """PyTorch-style uniform(±1/sqrt(fan_in)) weights and biases, float32, PyTorch layout."""
    if kind == "mlp":
        shapes = [((b, a), (b,)) for a, b in zip(sizes[:-1], sizes[1:])]
    else:
        shapes = [((6, 1, 5, 5), (6,)), ((16, 6, 5, 5), (16,)), ((120, 400), (120,)),
                  ((84, 120), (84,)), ((10, 84), (10,))]  # fmt: skip
    out = []
    for w, b in shapes:
        bound = 1 / np.sqrt(np.prod(w[1:]))
        out += [rng.uniform(-bound, bound, w).astype(np.float32),
                rng.uniform(-bound, bound, b).astype(np.float32)]  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=1.5, help="seconds per measurement")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    args = parser.parse_args()
    try:
        import torch

        torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
        libs = ["numpy", "autograd_core", "torch"]
    except ImportError:
        libs = ["numpy", "autograd_core"]
    lr = 0.01
    print(f"{'workload':<10}" + "".join(f"{name:>16}" for name in libs) + f"{'target':>9}")
    for name in args.workloads.split(","):
        kind, sizes, batch, target = WORKLOADS[name]
        rng = np.random.default_rng(0)
        params = init_params(kind, sizes, rng)
        x = rng.normal(size=(batch, 1, 28, 28)).astype(np.float32)
        y = rng.integers(0, 10, batch).astype(np.int64)
        if kind == "mlp":
            ref = NumpyMLP(params)
            xr = x.reshape(batch, -1)
        else:
            ref = NumpyLeNet(params)
            xr = np.ascontiguousarray(x.transpose(1, 2, 3, 0))
        steps = {"numpy": lambda ref=ref, xr=xr, y=y: ref.step(xr, y, lr)}
        for lib in libs[1:]:
            steps[lib] = library_step(lib, kind, sizes, params, x, y, lr)
        first = {lib: [s() for _ in range(3)] for lib, s in steps.items()}
        for lib, losses in first.items():
            if not np.allclose(losses, first["numpy"], rtol=2e-3):
                raise SystemExit(f"{name}: {lib} losses {losses} differ from {first['numpy']}")
        times = {lib: median_time(s, args.budget) for lib, s in steps.items()}
        base = times["numpy"]
        cells = "".join(
            f"{t * 1e3:>8.3f}ms {t / base:>4.2f}x" if lib != "numpy" else f"{t * 1e3:>14.3f}ms"
            for lib, t in times.items()
        )
        print(f"{name:<10}{cells}{target:>8.1f}x")


if __name__ == "__main__":
    main()
