"""Gradients of whole random graphs, not one op at a time.

A hypothesis strategy draws a *recipe*: 2-4 float64 leaves of mutually broadcastable shapes,
then 3-10 nodes, each an op applied to earlier values (leaves or nodes, so values are shared
and the graph is a DAG with many paths): smooth unary ops, broadcasting binary ops,
reductions over random dims, reshapes and transposes, slicing and integer-array indexing
with repeats, and matmul. The scalar loss is a weighted sum of every value nothing else
consumes. The same recipe is run by :func:`build` with ``lib = autograd_core`` or
``lib = torch``; every leaf gradient is checked against central finite differences
(``ag.gradcheck``) and against torch, and second derivatives with ``ag.gradgradcheck``.

Example counts: ``AUTOGRAD_CORE_RANDOM_GRAPHS`` (default 150) graphs for the first-order
tests, a fifth of that (at least 10) for the second-order test; set it higher for a long run,
e.g. ``AUTOGRAD_CORE_RANDOM_GRAPHS=5000 pytest tests/test_random_graphs.py``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag

try:
    import torch
except ImportError:  # the torch comparison skips cleanly without it
    torch = None

N_GRAPHS = int(os.environ.get("AUTOGRAD_CORE_RANDOM_GRAPHS", "150"))
N_SECOND_ORDER = max(10, N_GRAPHS // 5)

#: Kinks (abs, maximum) must be at least this far from their switching point, and every
#: value at most this large, for finite differences (step 1e-6) to be meaningful.
KINK_MARGIN = 1e-3
MAX_VALUE = 1e4

UNARY = ["exp_tanh", "tanh", "sigmoid", "sin", "square", "softplus", "log1p_sq", "abs"]
BINARY = ["add", "mul", "sub", "div", "maximum"]
SHAPE = ["sum", "mean", "reshape", "transpose", "permute", "slice", "take", "matmul"]


@dataclass
class Recipe:
    """Leaves (shapes and values) and nodes ``(op, input indices, params)``; value ``i`` is
    leaf ``i`` for ``i < len(leaves)``, else node ``i - len(leaves)``."""

    leaves: list[np.ndarray]
    nodes: list[tuple[str, tuple[int, ...], dict]] = field(default_factory=list)
    shapes: list[tuple[int, ...]] = field(default_factory=list)

    def outputs(self) -> list[int]:
        """Values that no node consumes (unused leaves included): the loss sums them."""
        used = {i for _, ins, _ in self.nodes for i in ins}
        return [i for i in range(len(self.shapes)) if i not in used]

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        lines = [f"leaf {i}: shape {a.shape}" for i, a in enumerate(self.leaves)]
        n = len(self.leaves)
        for k, (op, ins, p) in enumerate(self.nodes):
            lines.append(
                f"v{n + k} = {op}{tuple(f'v{i}' for i in ins)} {p} -> {self.shapes[n + k]}"
            )
        return "Recipe(\n  " + "\n  ".join(lines) + f"\n  loss over {self.outputs()})"


def _broadcasts(a: tuple, b: tuple) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def _matmul_shape(a: tuple, b: tuple) -> tuple | None:
    """Shape of ``a @ b^T`` (b's last two axes swapped), or None when it is not defined."""
    if len(a) == 0 or len(b) == 0 or a[-1] != b[-1] or (len(a) == 1) != (len(b) == 1):
        return None
    if len(a) == 1:
        return ()
    if not _broadcasts(a[:-2], b[:-2]):
        return None
    return np.broadcast_shapes(a[:-2], b[:-2]) + (a[-2], b[-2])


@st.composite
def recipes(draw: Any, max_nodes: int = 10) -> Recipe:
    n_leaves = draw(st.integers(2, 4))
    shapes = draw(
        hnp.mutually_broadcastable_shapes(
            num_shapes=n_leaves, min_dims=0, max_dims=3, min_side=1, max_side=3
        )
    ).input_shapes
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    r = Recipe([rng.uniform(-2.0, 2.0, size=s) for s in shapes], shapes=list(shapes))
    for _ in range(draw(st.integers(3, max_nodes))):
        n = len(r.shapes)
        i = draw(st.integers(0, n - 1))
        s = r.shapes[i]
        kind = draw(st.sampled_from(["unary", "binary", "shape"]))
        if kind == "binary":
            partners = [j for j in range(n) if _broadcasts(s, r.shapes[j])]
            j = draw(st.sampled_from(partners))  # i itself is always a partner
            op = draw(st.sampled_from(BINARY))
            r.nodes.append((op, (i, j), {}))
            r.shapes.append(np.broadcast_shapes(s, r.shapes[j]))
            continue
        op = draw(st.sampled_from(UNARY if kind == "unary" or not s else SHAPE))
        params: dict = {}
        ins: tuple = (i,)
        if op in ("sum", "mean"):
            dims = draw(st.lists(st.integers(0, len(s) - 1), min_size=1, unique=True))
            params = {"dim": tuple(sorted(dims)), "keepdim": draw(st.booleans())}
            out = np.empty(s).sum(axis=params["dim"], keepdims=params["keepdim"]).shape
        elif op == "reshape":
            size = int(np.prod(s))
            options = [(size,), tuple(reversed(s)), (1, *s), (*s[:-1], 1, s[-1])]
            divisors = [d for d in range(2, size) if size % d == 0]
            if divisors:
                d = draw(st.sampled_from(divisors))
                options.append((d, size // d))
            out = params["shape"] = draw(st.sampled_from(options))
        elif op == "transpose":
            d0, d1 = draw(st.integers(-len(s), len(s) - 1)), draw(st.integers(-len(s), len(s) - 1))
            params = {"dims": (d0, d1)}
            out = np.swapaxes(np.empty(s), d0, d1).shape
        elif op == "permute":
            params = {"perm": tuple(draw(st.permutations(range(len(s)))))}
            out = np.empty(s).transpose(params["perm"]).shape
        elif op == "slice":
            key = []
            for side in s[: draw(st.integers(1, len(s)))]:
                start = draw(st.integers(0, side - 1))
                stop = draw(st.integers(start + 1, side))
                key.append(slice(start, stop, draw(st.integers(1, 2))))
            params = {"key": tuple(key)}
            out = np.empty(s)[params["key"]].shape
        elif op == "take":  # integer-array indexing along one axis, repeats allowed
            axis = draw(st.integers(0, len(s) - 1))
            idx = draw(st.lists(st.integers(-s[axis], s[axis] - 1), min_size=1, max_size=4))
            params = {"axis": axis, "index": np.array(idx, dtype=np.int64)}
            out = np.take(np.empty(s), params["index"], axis=axis).shape
        elif op == "matmul":
            partners = [j for j in range(n) if _matmul_shape(s, r.shapes[j]) is not None]
            if not partners:
                op, out = "tanh", s
            else:
                j = draw(st.sampled_from(partners))
                ins = (i, j)
                out = _matmul_shape(s, r.shapes[j])
        else:
            out = s
        r.nodes.append((op, ins, params))
        r.shapes.append(tuple(out))
    return r


def _weights(shape: tuple, k: int) -> np.ndarray:
    """Distinct fixed weights per output, so a permuted gradient can't hide in a plain sum."""
    size = int(np.prod(shape))
    return np.linspace(0.5 + 0.1 * k, 1.5 + 0.1 * k, size).reshape(shape)


def build(lib: Any, r: Recipe, leaves: list, margins: list | None = None) -> Any:
    """Run recipe ``r`` with ``lib`` (autograd_core or torch) on the leaf tensors; return the
    scalar loss. ``margins`` (if given) collects each kink's distance from its switching
    point and each value's size, for the caller to reject ill-conditioned examples."""
    vals = list(leaves)
    for op, ins, p in r.nodes:
        a = vals[ins[0]]
        b = vals[ins[1]] if len(ins) > 1 else None
        if op == "exp_tanh":
            y = a.tanh().exp()
        elif op == "tanh":
            y = a.tanh()
        elif op == "sigmoid":
            y = a.sigmoid()
        elif op == "sin":
            y = a.sin()
        elif op == "square":
            y = a * a
        elif op == "softplus":
            y = (a.tanh().exp() + 1.0).log()
        elif op == "log1p_sq":
            y = (a * a).log1p()
        elif op == "abs":
            y = a.abs()
            if margins is not None:
                margins.append(np.abs(np.asarray(a.detach())).min() / KINK_MARGIN)
        elif op == "add":
            y = a + b
        elif op == "mul":
            y = a * b
        elif op == "sub":
            y = a - b
        elif op == "div":
            y = a / (b * b + 1.0)
        elif op == "maximum":
            y = lib.maximum(a, b)
            if margins is not None:
                gap = np.asarray(a.detach()) - np.asarray(b.detach())
                # a value compared with itself has no kink: both sides move together
                margins.append(np.inf if ins[0] == ins[1] else np.abs(gap).min() / KINK_MARGIN)
        elif op == "sum":
            y = a.sum(dim=p["dim"], keepdim=p["keepdim"])
        elif op == "mean":
            y = a.mean(dim=p["dim"], keepdim=p["keepdim"])
        elif op == "reshape":
            y = a.reshape(p["shape"])
        elif op == "transpose":
            y = a.transpose(*p["dims"])
        elif op == "permute":
            y = a.permute(*p["perm"])
        elif op == "slice":
            y = a[p["key"]]
        elif op == "take":
            idx = p["index"] if lib is ag else torch.as_tensor(p["index"])
            y = a[(slice(None),) * p["axis"] + (idx,)]
        elif op == "matmul":
            y = a @ (b if b.ndim == 1 else b.transpose(-2, -1))
        else:
            raise AssertionError(op)
        if margins is not None:
            margins.append(MAX_VALUE / max(1.0, float(np.abs(np.asarray(y.detach())).max())))
        vals.append(y)
    loss = None
    for k, i in enumerate(r.outputs()):
        w = _weights(tuple(vals[i].shape), k)
        term = (vals[i] * (w if lib is ag else torch.tensor(w))).sum()
        loss = term if loss is None else loss + term
    return loss


def _well_conditioned(r: Recipe) -> None:
    margins: list = []
    with ag.no_grad():
        build(ag, r, [ag.tensor(a) for a in r.leaves], margins)
    assume(min(margins, default=np.inf) >= 1.0)


def _leaves(r: Recipe) -> list:
    return [ag.tensor(a.copy(), requires_grad=True) for a in r.leaves]


SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much],
    "database": None,
}


@settings(max_examples=N_GRAPHS, **SETTINGS)
@given(recipes())
def test_random_graph_gradients_match_finite_differences(r: Recipe) -> None:
    _well_conditioned(r)
    assert ag.gradcheck(lambda *xs: build(ag, r, list(xs)), tuple(_leaves(r)), atol=1e-6)


@pytest.mark.skipif(torch is None, reason="torch is not installed")
@settings(max_examples=N_GRAPHS, **SETTINGS)
@given(recipes())
def test_random_graph_gradients_match_torch(r: Recipe) -> None:
    _well_conditioned(r)
    ours = _leaves(r)
    theirs = [torch.tensor(a, requires_grad=True) for a in r.leaves]
    loss, tloss = build(ag, r, ours), build(torch, r, theirs)
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-12)
    for i, (x, tx) in enumerate(zip(ours, theirs)):
        got = np.zeros_like(r.leaves[i]) if x.grad is None else x.grad.data
        want = np.zeros_like(r.leaves[i]) if tx.grad is None else tx.grad.numpy()
        assert got.shape == r.leaves[i].shape and got.dtype == np.float64
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=f"leaf {i}")


@settings(max_examples=N_SECOND_ORDER, **SETTINGS)
@given(recipes(max_nodes=6))
def test_random_graph_second_derivatives(r: Recipe) -> None:
    _well_conditioned(r)
    assert ag.gradgradcheck(lambda *xs: build(ag, r, list(xs)), tuple(_leaves(r)), atol=1e-6)


def test_the_strategy_covers_every_op() -> None:
    """The recipes really draw every op, shared values, and graphs with several outputs."""
    seen: set = set()
    shared = multi_out = 0

    @settings(max_examples=100, database=None, deadline=None, derandomize=True)
    @given(recipes())
    def collect(r: Recipe) -> None:
        nonlocal shared, multi_out
        seen.update(op for op, _, _ in r.nodes)
        uses = [i for _, ins, _ in r.nodes for i in ins]
        shared += len(uses) != len(set(uses))
        multi_out += len(r.outputs()) > 1

    collect()
    assert seen == set(UNARY + BINARY + SHAPE)
    assert shared > 15 and multi_out > 15
