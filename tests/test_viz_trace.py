"""Step-through backward: the recorded steps reproduce backward()'s gradients, name the rule,
the fan-out accumulations and the broadcast sums, and render as frames."""

from __future__ import annotations

import importlib
import re
import sys

import numpy as np
import pytest

import autograd_core as ag
import nn
from autograd_core.grad_mode import STATE
from autograd_core.viz.style import CURRENT
from autograd_core.viz.trace import StepPlayer


def worked_example():
    """L = Σ (x·b + x·x): x (3,) used three times, b (2, 1) broadcast against x, and x·x
    broadcast over the two rows of x·b by the addition."""
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ag.tensor([[0.5], [2.0]], requires_grad=True)
    loss = (x * b + x * x).sum()
    return x, b, loss


def test_steps_reproduce_backward_gradients():
    x, b, loss = worked_example()
    tr = ag.trace_backward(loss, names={"x": x, "b": b})
    got = tr.grads()
    np.testing.assert_allclose(got[id(x)], x.grad.numpy())
    np.testing.assert_allclose(got[id(b)], b.grad.numpy())
    # by hand: dL/dx = Σ_rows b + 2·(2x) = 2.5 + 4x (x·x counted once per row); dL/db = Σ x
    np.testing.assert_allclose(x.grad.numpy(), [6.5, 10.5, 14.5])
    np.testing.assert_allclose(b.grad.numpy(), [[6.0], [6.0]])
    assert {id(leaf) for leaf, _ in tr.leaf_grads} == {id(x), id(b)}
    for leaf, g in tr.leaf_grads:
        np.testing.assert_allclose(g, leaf.grad.numpy())
    assert [s.index for s in tr] == list(range(1, len(tr) + 1)) and len(tr) == 4


def test_step_records_upstream_rule_and_contributions():
    x, b, loss = worked_example()
    tr = ag.trace_backward(loss, names={"x": x, "b": b})
    ops = [s.op for s in tr]
    assert ops[0] == "SumBackward" and ops[1] == "AddBackward"
    np.testing.assert_allclose(tr[0].upstream, 1.0)
    np.testing.assert_allclose(tr[1].upstream, np.ones((2, 3)))
    mul = tr[3]  # x*b, created before x*x, is visited after it
    assert mul.formula == "z = a * b" and mul.rule.startswith("dz/da = b,")
    # the broadcast product x*b sends (2, 3) gradients, summed to each input's shape
    to_x = [c for c in mul.contributions if c.target is x][0]
    to_b = [c for c in mul.contributions if c.target is b][0]
    assert to_x.grad.shape == (2, 3) and to_x.axes == (0,) and to_x.summed.shape == (3,)
    assert to_b.axes == (1,) and to_b.summed.shape == (2, 1)
    np.testing.assert_allclose(to_b.summed, [[6.0], [6.0]])


def test_fan_out_accumulation_and_table():
    x, b, loss = worked_example()
    tr = ag.trace_backward(loss, names={"x": x, "b": b})
    flags = [(c.target is x, c.accumulated) for s in tr for c in s.contributions]
    to_x = [acc for is_x, acc in flags if is_x]
    assert to_x == [False, True, True]  # x feeds three inputs: =, then +=, +=
    table = str(tr)
    assert table.splitlines()[0] == "backward pass: 4 steps"
    assert re.search(r"^\s+1\s+SumBackward\s+1\s+dy/dx = 1", table, re.M)
    assert "x.grad = [2, 4, 6]" in table and "x.grad += [2, 4, 6]" in table
    assert "x.grad += [2.5, 2.5, 2.5]   (Σ axes 0: (2, 3) → (3,))" in table
    assert "b.grad = [[6], [6]]   (Σ axes 1: (2, 3) → (2, 1))" in table
    assert "leaf x: receives [6.5, 10.5, 14.5]" in table
    html = tr._repr_html_()
    assert html.count("<tr>") == 5 and "x.grad +=" in html


def test_frames_highlight_each_step():
    x, b, loss = worked_example()
    tr = ag.trace_backward(loss, names={"x": x, "b": b})
    frames = tr.frames()
    assert len(frames) == len(tr) + 1
    first = frames[0].source
    assert CURRENT[0] not in first.split("legend [")[0]  # nothing highlighted yet
    assert first.count("grad: not reached yet") == 5  # of 6 tensors, only the output knows
    for k in range(1, len(tr) + 1):
        src = frames[k].source.split("legend [")[0]
        lit = [ln for ln in src.splitlines() if f'fillcolor="{CURRENT[0]}"' in ln]
        assert len(lit) == 1 and f"<b>{tr[k - 1].op}</b>" in lit[0]
        assert f"step {k}</font>" in lit[0]
    # after step 3 (x*x) x has 2 of its 3 contributions, labelled on the current edges
    mid = frames[3].source
    assert "grad so far (2 of 3) [4, 8, 12]" in mid
    assert 'label="x.grad += [2, 4, 6]"' in mid
    last = frames[4].source  # x*b: the broadcast sums, named on the edges
    assert 'label="x.grad += [2.5, 2.5, 2.5]\\nΣ axis 0: (2, 3) → (3,)"' in last
    assert "grad [6.5, 10.5, 14.5]" in frames[-1].source
    with pytest.raises(IndexError, match="steps 1..4"):
        tr.frame(9)


def test_player_without_ipywidgets(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # import fails
    x, b, loss = worked_example()
    tr = ag.trace_backward(loss, names={"x": x, "b": b})
    player = tr.player()
    assert isinstance(player, StepPlayer)
    html = player._repr_html_()
    assert html.count('type="radio"') == 5 and html.count('class="f f') == 5
    assert "step 3: MulBackward" in html
    assert ("<svg" in html) or ("digraph autograd" in html)  # rendered, or the source


def test_context_manager_records_first_pass_and_restores_state():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(40, 30), nn.ReLU(), nn.Linear(30, 1))
    x = ag.randn(50, 40)
    before = (STATE.record, STATE.recorder)
    with ag.viz.trace(module=model) as tr:
        out = model(x).sum()
        out.backward(retain_graph=True)
        n = len(tr)
        out.backward()  # a second pass in the block is ignored
    assert (STATE.record, STATE.recorder) == before
    assert len(tr) == n == 4
    for name, p in model.named_parameters():
        np.testing.assert_allclose(tr.grads()[id(p)] * 2, p.grad.numpy(), rtol=1e-6)
    assert "0.weight.grad = ‖g‖" in str(tr)
    # values of large tensors were kept for the frames (recording mode)
    assert "value not kept" not in tr.frame(2).source


def test_create_graph_pass_is_traced():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x * x).sum()
    with ag.viz.trace() as tr:
        (g,) = ag.grad(y, x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), [3.0, 12.0])
    assert len(tr) == 3 and isinstance(tr[0].upstream, np.ndarray)


def test_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a, w = rng.normal(size=(4, 3)), rng.normal(size=(3,))
    x, wt = ag.tensor(a, requires_grad=True), ag.tensor(w, requires_grad=True)
    tr = ag.trace_backward((x * wt).tanh().sum() + (x @ wt).sum())
    xt = torch.tensor(a, requires_grad=True)
    wtt = torch.tensor(w, requires_grad=True)
    ((xt * wtt).tanh().sum() + (xt @ wtt).sum()).backward()
    np.testing.assert_allclose(tr.grads()[id(x)], xt.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(tr.grads()[id(wt)], wtt.grad.numpy(), rtol=1e-10)


def test_player_with_ipywidgets_is_a_slider(monkeypatch):
    """ipywidgets is an optional extra: a stand-in module checks how the slider is wired."""
    import types

    fake = types.ModuleType("ipywidgets")

    class Widget:
        def __init__(self, *children, **kw):
            self.children, self.observers = children, []
            self.__dict__.update(kw)

        def observe(self, fn, names):
            self.observers.append((fn, names))

    fake.IntSlider, fake.VBox = Widget, Widget
    fake.HTML = lambda value: Widget(value=value)
    monkeypatch.setitem(sys.modules, "ipywidgets", fake)
    trace_module = importlib.import_module("autograd_core.viz.trace")  # (viz.trace: the function)
    monkeypatch.setattr(trace_module, "render", lambda s, f: b"<svg>frame</svg>")
    x, b, loss = worked_example()
    tr = ag.trace_backward(loss, names={"x": x, "b": b})
    box = tr.player()
    slider, view = box.children[0]
    assert slider.min == 0 and slider.max == 4 and slider.value == 0
    assert "before backward" in view.value and "<svg>frame</svg>" in view.value
    fn, names = slider.observers[0]
    assert names == "value"
    fn({"new": 2})
    assert "step 2: AddBackward" in view.value


def test_local_rule_of_fused_layer_and_loss_ops():
    """The rule column names the derivatives even where the op's docstring writes them in the
    same sentence as the formula (MSELoss) or after an explanatory line (Linear)."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    loss = nn.functional.mse_loss(model(ag.randn(4, 2)), ag.randn(4, 1))
    tr = ag.trace_backward(loss, module=model)
    rules = {s.op: (s.formula, s.rule) for s in tr}
    assert rules["MSELossBackward"] == (
        "Squared error: loss = (x - y)²",
        "dloss/dx = 2(x - y),   dloss/dy = -2(x - y)",
    )
    assert rules["LinearBackward"][1].startswith("dL/dx = G W,")
    assert "dL/dW = Gᵀ x" in rules["LinearBackward"][1]
    assert "dL/dx = G W" in tr.table(rule_width=60)
