"""The graph drawing's DOT text, asserted structurally: labels, backward step numbers,
broadcast marks, parameter names, NaN marking, collapsed node counts, scale."""

from __future__ import annotations

import re
import time

import graphviz
import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
from autograd_core.viz.style import COLORS, RED
from nn.models import lenet5

NODE = re.compile(r"^(\w+) \[(.*)\]$")
EDGE = re.compile(r"^(\w+) -> (\w+)(?: \[(.*)\])?$")


def parse(src: str) -> tuple[dict, list]:
    """DOT text -> ({node id: attributes text}, [(src, dst, attributes text)])."""
    nodes, edges = {}, []
    for line in src.splitlines():
        m = EDGE.match(line)
        if m:
            edges.append((m.group(1), m.group(2), m.group(3) or ""))
            continue
        m = NODE.match(line)
        if m and m.group(1) not in ("graph", "node", "edge"):
            nodes[m.group(1)] = m.group(2)
    return nodes, edges


def text(attrs: str) -> str:
    """A node's label without the HTML tags (the whole text when there is no label)."""
    label = attrs[attrs.index("label=") + 6 :] if "label=" in attrs else attrs
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", label)).strip()


def node_with(nodes: dict, needle: str) -> tuple[str, str]:
    hits = [(k, v) for k, v in nodes.items() if needle in v]
    assert len(hits) == 1, f"{needle!r} found in {len(hits)} nodes"
    return hits[0]


def drawn(nodes: dict) -> int:
    return sum(1 for k in nodes if k != "legend")


# -- labels ---------------------------------------------------------------------------------------
def test_tensor_labels_show_name_shape_dtype_value_and_grad():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = ag.tensor(np.arange(20, dtype=np.float32).reshape(4, 5) / 10, requires_grad=True)
    y = (x * 2).sum() + w.sum()
    y.backward()
    nodes, _ = parse(ag.to_dot(y, names={"x": x, "w": w}))
    _, xl = node_with(nodes, "<b>x</b>")
    assert "(3,)  float32" in xl
    assert "value [1, 2, 3]" in text(xl) and "grad [2, 2, 2]" in text(xl)
    _, wl = node_with(nodes, "<b>w</b>")
    assert "(4, 5)  float32" in wl
    assert "value min 0 mean 0.95 max 1.9" in text(wl)  # large: min/mean/max
    assert "grad ‖g‖ 4.472 min 1 max 1 zeros 0%" in text(wl)  # large: norm, range, zeros
    _, out = node_with(nodes, "<b>output</b>")
    assert "value 31" in text(out) and "grad 1" in text(out)
    assert COLORS["output"][0] in out and COLORS["input"][0] in xl


def test_names_from_tensor_name_and_for_intermediates():
    x = ag.tensor([1.0, -1.0], requires_grad=True)
    x.name = "inp"
    h = x.relu()
    loss = (h * 3).sum()
    loss.name = "loss"
    loss.backward()
    nodes, _ = parse(ag.to_dot(loss, names={"h": h}))
    assert "grad [3, 0]" in text(node_with(nodes, "<b>inp</b>")[1])
    assert "value [1, 0]" in text(node_with(nodes, "<b>h</b>")[1])
    assert "<b>loss</b>" in node_with(nodes, "<b>loss</b>")[1]


def test_step_numbers_follow_backward_order():
    x = ag.tensor([0.5, 1.5], requires_grad=True)
    a = x * 2
    b = a.exp()
    c = (b + a).sum()
    c.backward()
    nodes, edges = parse(ag.to_dot(c))
    steps = {}
    for k, v in nodes.items():
        m = re.search(r"<b>(\w+)</b><br/><font point-size=\"9\">step (\d+)</font>", v)
        if m:
            steps[k] = (m.group(1), int(m.group(2)))
    assert sorted(s for _, s in steps.values()) == [1, 2, 3, 4]
    by_name = {name: s for name, s in steps.values()}
    assert by_name["SumBackward"] == 1 and by_name["AddBackward"] == 2
    assert by_name["ExpBackward"] == 3 and by_name["MulScalarBackward"] == 4
    # every consumer is visited before the op that produced its input
    producer_of = {dst: src for src, dst, _ in edges if src.startswith("op")}  # op -> t
    for src, dst, _ in edges:
        if src.startswith("t") and dst.startswith("op"):
            prod = "op" + src[1:]
            assert steps[dst][1] < steps[prod][1]
    assert producer_of  # the op -> output edges exist
    assert c.grad_fn._step == 0  # the engine's own record, 0-based


def test_broadcast_edges_name_the_summed_axes():
    a = ag.tensor(np.ones((3, 1)), requires_grad=True)
    b = ag.tensor(np.ones(4), requires_grad=True)
    c = (a + b).sum()
    c.backward()
    nodes, edges = parse(ag.to_dot(c, names={"a": a, "b": b}))
    va, _ = node_with(nodes, "<b>a</b>")
    vb, _ = node_with(nodes, "<b>b</b>")
    la = [e[2] for e in edges if e[0] == va][0]
    lb = [e[2] for e in edges if e[0] == vb][0]
    assert 'label="Σ axis 1: (3, 4) → (3, 1)"' in la and "dashed" in la
    assert 'label="Σ axis 0: (3, 4) → (4,)"' in lb
    # the sum's input is not a broadcast
    assert not any("Σ" in e[2] for e in edges if e[1] == "op0")


def test_no_broadcast_mark_for_matmul_with_equal_sizes():
    m = ag.tensor(np.eye(3), requires_grad=True)
    v = ag.tensor(np.ones(3), requires_grad=True)
    y = (m @ v).sum()
    y.backward()
    _, edges = parse(ag.to_dot(y))
    assert not any("Σ" in e[2] for e in edges)


def test_parameter_names_and_styles_from_module():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = ag.randn(5, 4)
    loss = model(x).sum()
    loss.backward()
    nodes, edges = parse(ag.to_dot(loss, module=model))
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
        k, attrs = node_with(nodes, f"<b>{name}</b>")
        assert COLORS["param"][0] in attrs
        assert "grad ‖g‖" in attrs or "grad [" in attrs
    assert "(3, 4)  float32" in node_with(nodes, "<b>0.weight</b>")[1]
    # the data batch is drawn as a constant note with its shape
    notes = [v for k, v in nodes.items() if k.startswith("c")]
    assert len(notes) == 1 and "(5, 4)\\nno grad" in notes[0]


def test_nan_and_inf_marked_red():
    x = ag.tensor([1.0, -1.0, 0.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = x.log().sum()
    nodes, _ = parse(ag.to_dot(z))
    k, t = node_with(nodes, "value [0, nan, -inf]")
    assert f'<font color="{RED}">value [0, nan, -inf]</font>' in t
    assert f'color="{RED}", penwidth=2.5' in t
    _, op = node_with(nodes, "<b>LogBackward</b>")
    assert "first NaN/Inf (forward)" in op  # found from the kept values, no anomaly mode
    # a large value with NaN: counted
    big = ag.tensor(np.linspace(-1, 1, 50), requires_grad=True)
    with np.errstate(invalid="ignore"):
        nodes, _ = parse(ag.to_dot(big.sqrt().sum()))
    assert "value 25 NaN; finite: min 0.1429 mean" in text(node_with(nodes, "25 NaN")[1])


def test_collapsed_lenet_step_is_small():
    ag.manual_seed(0)
    model = lenet5()
    x, y = ag.randn(4, 1, 28, 28), ag.randint(0, 10, (4,))
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    full, _ = parse(ag.to_dot(loss, module=model))
    nodes, edges = parse(ag.to_dot(loss, module=model, collapse=True))
    boxes = {k: text(v) for k, v in nodes.items() if k.startswith("g")}
    assert drawn(nodes) < 40 and drawn(nodes) < drawn(full)
    titles = sorted(" ".join(t.split()[:3]) for t in boxes.values())
    assert titles == ["0 · Conv2d", "11 · Linear", "3 · Conv2d", "7 · Linear", "9 · Linear"]
    conv = [t for t in boxes.values() if t.startswith("0 · Conv2d")][0]
    assert "weight (6, 1, 5, 5) grad ‖g‖" in conv and "out (4, 6, 28, 28)" in conv
    # parameters live inside their boxes, not as separate nodes
    assert not any("<b>0.weight</b>" in v for v in nodes.values())
    # the layers are chained: each box feeds the next op outside it
    assert all(any(s == g for s, _, _ in edges) for g in boxes)


def test_collapse_depth_expands_nested_modules():
    ag.manual_seed(1)
    block = lambda: nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 3))  # noqa: E731
    model = nn.Sequential(block(), block())
    loss = model(ag.randn(2, 3)).sum()
    loss.backward()
    n1, _ = parse(ag.to_dot(loss, module=model, collapse=1))
    n2, _ = parse(ag.to_dot(loss, module=model, collapse=2))
    g1 = [text(v) for k, v in n1.items() if k.startswith("g")]
    g2 = [text(v) for k, v in n2.items() if k.startswith("g")]
    assert len(g1) == 2 and all("Sequential" in t for t in g1)
    assert len(g2) == 4 and all("Linear" in t for t in g2)
    # at depth 1 the ReLU between the two Linear layers of a block is inside the box
    assert not any("ReluBackward" in v for k, v in n1.items() if k.startswith("op"))
    assert sum("<b>ReluBackward</b>" in v for v in n2.values()) == 2
    with pytest.raises(ValueError, match="collapse= needs module="):
        ag.to_dot(loss, collapse=1)


# -- options -------------------------------------------------------------------------------------
def _small():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    return x, y


def test_hide_values_or_grads_direction_and_legend():
    x, y = _small()
    src = ag.to_dot(y)
    assert "value [1, 2]" in src and "grad [2, 4]" in src and "rankdir=TB" in src
    assert "\nlegend [" in src and "broadcast: backward sums the gradient" in src
    src = ag.to_dot(y, show_values=False, legend=False)
    assert ">value " not in src and "grad [2, 4]" in src
    src = ag.to_dot(y, show_grads=False, legend=False)
    assert ">grad " not in src and "value [1, 2]" in src
    assert "rankdir=LR" in ag.to_dot(y, direction="LR")
    assert "rankdir=BT" in ag.to_dot(y, rankdir="bt")
    assert "legend [" not in ag.to_dot(y, legend=False)
    with pytest.raises(ValueError, match="direction must be one of"):
        ag.to_dot(y, direction="sideways")
    with pytest.raises(TypeError, match="expected a Tensor"):
        ag.to_dot(3.0)


def test_x_times_x_draws_both_edges():
    x, y = _small()
    nodes, edges = parse(ag.to_dot(y))
    vx = [k for k in nodes if k.startswith("v")][0]
    assert sum(1 for s, _, _ in edges if s == vx) == 2  # fan-out: two uses of x


def test_draw_graph_is_a_digraph_with_the_same_source():
    x, y = _small()
    g = ag.draw_graph(y)
    assert isinstance(g, graphviz.Digraph)
    assert g.source == ag.to_dot(y)
    assert g.info.ops == 2 and g.info.leaves == 1 and g.info.nodes == 5
    plain = g.to_digraph()
    assert type(plain) is graphviz.Digraph and plain.source == g.source
    assert "GraphDrawing: 2 ops" in repr(g)


def test_large_values_need_record_mode():
    x = ag.randn(2000, requires_grad=True)
    y = (x * 2).sum()
    y.backward()
    assert "value not kept" in ag.to_dot(y)
    x.grad = None
    with ag.viz.record():
        y = (x * 2).sum()
        y.backward()
    src = ag.to_dot(y)
    assert "value not kept" not in src
    assert "grad ‖g‖ 89.44 min 2 max 2 zeros 0%" in text(src)


def test_leaf_root_and_several_roots():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    nodes, _ = parse(ag.to_dot(x))
    assert drawn(nodes) == 1 and COLORS["output"][0] in nodes["v0"]
    a, b = x.sum(), (x * 2).sum()
    nodes, _ = parse(ag.to_dot([a, b]))
    assert sum(COLORS["output"][0] in v for k, v in nodes.items() if k != "legend") == 2


# -- anomalies ------------------------------------------------------------------------------------
def test_forward_anomaly_error_is_drawn_with_its_source_line():
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    with pytest.raises(ag.AnomalyError) as info, np.errstate(invalid="ignore"):
        with ag.detect_anomaly():
            h = x * 0.5
            h.log()  # the culprit line
    g = ag.draw_graph(info.value, names={"x": x})
    assert g.info.culprit is info.value.node
    assert g.info.culprit_where.startswith("test_viz_dot.py:")
    assert "h.log()" in g.info.culprit_where
    _, op = node_with(parse(g.source)[0], "<b>LogBackward</b>")
    assert "first NaN/Inf (forward)" in op and "h.log()" in op and "#fee2e2" in op


def test_backward_anomaly_is_highlighted():
    x = ag.tensor([0.0, 4.0], requires_grad=True)
    with pytest.raises(ag.AnomalyError) as info, np.errstate(divide="ignore"):
        with ag.detect_anomaly():
            s = x.sqrt()
            loss = (s * 2).sum()
            loss.backward()
    g = ag.draw_graph(loss, anomaly=info.value)
    _, op = node_with(parse(g.source)[0], "<b>SqrtBackward</b>")
    assert "first NaN/Inf (backward)" in op and "x.sqrt()" in op
    assert "created at test_viz_dot.py" in op  # tooltip with the source line


def test_backward_nan_found_without_anomaly_mode():
    x = ag.tensor([0.0, 4.0], requires_grad=True)
    loss = (x.sqrt() * 2).sum()
    with np.errstate(divide="ignore"):
        loss.backward()
    g = ag.draw_graph(loss)
    assert g.info.culprit is not None and g.info.culprit.name == "SqrtBackward"
    assert "first NaN/Inf (backward)" in g.source


# -- scale ----------------------------------------------------------------------------------------
def test_dot_of_a_10000_node_graph_is_fast():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0001 + x
    root = y.sum()
    root.backward()
    t0 = time.process_time()
    src = ag.to_dot(root)
    spent = time.process_time() - t0
    nodes, edges = parse(src)
    assert sum(k.startswith("op") for k in nodes) == 10001
    assert len(edges) > 20000
    assert spent < 6.0, f"to_dot took {spent:.1f} s of CPU for 10,001 ops"


class _LogLayer(nn.Module):
    """y = log(x·w)·v: the log sits between the two ops that use the parameters."""

    def __init__(self):
        super().__init__()
        self.w = nn.Parameter(ag.tensor([1.0, 1.0]))
        self.v = nn.Parameter(ag.tensor([2.0, 2.0]))

    def forward(self, x):
        return (x * self.w).log() * self.v


def test_collapsed_box_shows_the_nan_culprit_inside():
    model = nn.Sequential(_LogLayer())
    x = ag.tensor([1.0, -1.0])
    with np.errstate(invalid="ignore"):
        loss = model(x).sum()
    nodes, _ = parse(ag.to_dot(loss, module=model, collapse=1))
    boxes = [v for k, v in nodes.items() if k.startswith("g")]
    assert len(boxes) == 1 and "0 · _LogLayer" in boxes[0]
    assert "first NaN/Inf: LogBackward" in boxes[0] and "#fee2e2" in boxes[0]
    assert not any("<b>LogBackward</b>" in v for v in nodes.values())  # inside the box


def test_trace_frames_can_be_collapsed():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    tr = ag.trace_backward(model(ag.randn(5, 3)).sum(), module=model)
    src = tr.frame(2, collapse=1).source  # step 2: the last Linear
    nodes, _ = parse(src)
    lit = [v for k, v in nodes.items() if k.startswith("g") and 'fillcolor="#fde68a"' in v]
    assert len(lit) == 1 and "2 · Linear" in lit[0]
