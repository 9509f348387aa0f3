"""Stress: wide fan-out, graphs that are never backpropagated, and no reference cycles.

(The 100,000-op chain and the 30 stacked diamonds are in ``test_engine.py``.)

The graph must be freed by reference counting alone: a Tensor points to its node, a node to
the nodes of its inputs, never back. These tests switch the cycle collector off and check
with weak references that every node and every saved array is gone as soon as the last
reference to the output is dropped.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
import optim
from autograd_core.engine import topological_order
from autograd_core.function import Function


@pytest.fixture
def no_gc() -> Iterator[None]:
    """The cycle collector off (after a collection), restored afterwards."""
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _graph_refs(root: ag.Tensor, keep: tuple = ()) -> list:
    """Weak references to every node behind ``root`` and to every array they saved or keep
    as attributes (masks, im2col columns), except the arrays of the leaves and of the
    tensors in ``keep`` (inputs the caller still holds)."""
    order = topological_order([root.grad_fn])
    held = {id(e.data) for e in order if isinstance(e, ag.Tensor)}
    held |= {id(t.data) for t in keep}
    refs = []
    for e in order:
        if isinstance(e, Function):
            refs.append(weakref.ref(e))
            arrays = [*e._saved, *e.__dict__.values()]
            refs += [
                weakref.ref(a) for a in arrays if isinstance(a, np.ndarray) and id(a) not in held
            ]
    return refs


def _alive(refs: list) -> int:
    return sum(r() is not None for r in refs)


def test_one_tensor_feeding_10000_consumers():
    n = 10_000
    x = ag.tensor(np.linspace(-1.0, 1.0, 8), requires_grad=True)
    c = np.linspace(0.0, 2.0, n)
    outs = [(x * float(ci)).sin() for ci in c]
    total = ag.stack(outs).sum()
    total.backward()
    want = (c[:, None] * np.cos(c[:, None] * x.data)).sum(axis=0)
    np.testing.assert_allclose(x.grad.data, want, rtol=1e-10)
    # Linear work: each of the 2n + 2 nodes ran once, in one sequence of steps.
    steps = {o.grad_fn._step for o in outs} | {o.grad_fn.next_edges[0]._step for o in outs}
    assert len(steps) == 2 * n and total.grad_fn._step == 0 and max(steps) == 2 * n + 1


def test_graph_never_backpropagated_is_freed_without_gc(no_gc):
    x = ag.tensor(np.random.default_rng(0).normal(size=(64, 64)) / 64, requires_grad=True)
    h = x
    for _ in range(50):
        h = (h @ x).tanh() * 0.5 + h.sin().exp().mean()  # saves inputs and outputs along the way
    refs = _graph_refs(h)
    assert len(refs) > 200 and _alive(refs) == len(refs)
    del h
    assert _alive(refs) == 0
    assert gc.collect() == 0


def test_graph_is_freed_after_backward_without_gc(no_gc):
    x = ag.tensor(np.random.default_rng(1).normal(size=(16, 8)), requires_grad=True)
    h = (x.exp() * x.sin()).sum(dim=1).softmax(dim=0)
    loss = (h * h).sum()
    refs = _graph_refs(loss)
    loss.backward()
    del h, loss
    assert _alive(refs) == 0
    assert x.grad is not None and gc.collect() == 0


def test_create_graph_backward_leaves_no_cycle(no_gc):
    x = ag.tensor(np.random.default_rng(2).normal(size=5), requires_grad=True)
    y = (x.tanh() * x.exp()).sum()
    (g,) = ag.grad(y, x, create_graph=True)
    refs = _graph_refs(g) + _graph_refs(y)
    (g * g).sum().backward()
    del g, y
    assert _alive(refs) == 0
    assert gc.collect() == 0


@pytest.mark.parametrize("arch", ["mlp", "lenet5"])
def test_training_step_leaves_no_reference_cycle(no_gc, arch):
    ag.manual_seed(0)
    if arch == "mlp":
        model = nn.models.mlp(784, (32, 16), 10)
    else:
        model = nn.models.lenet5()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    xb = ag.tensor(rng.normal(size=(8, 1, 28, 28)).astype(np.float32))
    yb = ag.tensor(rng.integers(0, 10, size=8))
    for _ in range(2):  # the first step creates the optimiser's state
        gc.collect()
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        refs = _graph_refs(loss, keep=(xb, yb))
        assert len(refs) >= 8
        loss.backward()
        opt.step()
        value = loss.item()
        del loss
        assert _alive(refs) == 0, f"{_alive(refs)} graph objects outlived the step"
        assert gc.collect() == 0
    assert np.isfinite(value)
    assert all(p.grad is not None and p.grad.grad_fn is None for p in model.parameters())
