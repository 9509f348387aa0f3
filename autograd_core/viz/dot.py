"""The graph behind a tensor as DOT text (pure Python: no Graphviz binary needed).

What the drawing shows, for a graph walked from the output back to the leaves:

* **tensor nodes** (boxes): name, shape, dtype, the value (in full when tiny, else
  min/mean/max) and, after ``backward()``, the gradient dL/d(tensor) (in full when tiny, else
  norm, min/max and % zeros). Leaves that require grad are blue, parameters green,
  intermediate values grey, the output amber. NaN/Inf is written out and painted red.
* **op nodes** (ellipses): the node's name (``MulBackward``) and ``step k``: the k-th node the
  last backward pass visited (1 = first). Hover over one in the SVG for its formula and, under
  ``detect_anomaly()``, the line of your code that created it.
* **edges** run forward (input to op to output); an orange dashed edge marks where the input
  was broadcast, so backward summed the gradient over the named axes (of the op's output).
* inputs that need no gradient (the data batch, the labels) are small grey notes.
* ``collapse=depth`` with ``module=`` draws one box per sub-module (the rule: :mod:`.collapse`).

Values and gradients with more than ``autograd_core.function.KEEP_SIZE`` elements are only
kept for the drawing inside ``autograd_core.viz.record()``; otherwise the box says "not kept".

Node ids in the DOT text: ``op<k>`` ops, ``t<k>`` their outputs, ``v<k>`` leaves, ``c<k>_<i>``
inputs that need no gradient, ``g<k>`` module boxes, ``legend``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine import topological_order
from ..function import Function
from ..tensor import Tensor
from .collapse import module_groups, owner
from .labels import esc, grad_summary, shape_text, value_summary
from .style import (
    BCAST,
    COLORS,
    CULPRIT,
    CURRENT,
    HEADER,
    RED,
    GraphInfo,
    Overlay,
    box,
    finite,
    legend,
    op_formula,
    quote,
    row,
    table,
    where,
)

__all__ = ["DIRECTIONS", "build_dot"]

DIRECTIONS = ("TB", "LR", "BT", "RL")
_GREY = '<font color="#94a3b8">{}</font>'


def _starts(root: Any) -> tuple[list, list, Any]:
    """(graph entries to walk from, root tensors, anomaly node) for what draw_graph was given."""
    items = list(root) if isinstance(root, list | tuple) else [root]
    starts, tensors, culprit = [], [], None
    for r in items:
        if isinstance(r, Tensor):
            starts.append(r.grad_fn if r.grad_fn is not None else r)
            tensors.append(r)
        elif isinstance(r, Function):
            starts.append(r)
        elif isinstance(getattr(r, "node", None), Function):  # an AnomalyError
            starts.append(r.node)
            culprit = r.node
        else:
            raise TypeError(
                f"draw_graph(): expected a Tensor, a graph node or an AnomalyError, got "
                f"{type(r).__name__}"
            )
    return starts, tensors, culprit


def _broadcast(out_shape: tuple | None, in_shapes: tuple, i: int) -> tuple:
    """Axes (of the output) that backward sums input ``i``'s gradient over, when the op
    broadcast its inputs elementwise (the inputs broadcast together to the output shape).
    Without a recorded trace this is inferred from shapes; ``viz.trace()`` records it."""
    shape = tuple(in_shapes[i])
    if out_shape is None or shape == out_shape or len(shape) > len(out_shape):
        return ()
    try:
        if np.broadcast_shapes(*[s for s in in_shapes if s is not None]) != tuple(out_shape):
            return ()
    except ValueError:
        return ()
    lead = len(out_shape) - len(shape)
    axes = [a for a in range(lead) if out_shape[a] != 1]
    axes += [lead + k for k, n in enumerate(shape) if n == 1 and out_shape[lead + k] != 1]
    return tuple(axes)


def _bcast_label(axes: tuple, out_shape: tuple, in_shape: tuple) -> str:
    word = "axis" if len(axes) == 1 else "axes"
    return f"Σ {word} {', '.join(map(str, axes))}: {shape_text(out_shape)} → {shape_text(in_shape)}"


class _Drawer:
    """Walks the graph once and writes DOT lines (kept in a list, joined at the end)."""

    def __init__(self, root: Any, names: Any, module: Any, anomaly: Any, ov: Overlay | None):
        starts, self.roots, culprit = _starts(root)
        if anomaly is not None:
            culprit = getattr(anomaly, "node", anomaly)
        self.order = topological_order(starts)
        self.nodes = [e for e in self.order if isinstance(e, Function)]
        self.ident = {id(e): k for k, e in enumerate(self.order)}
        self.consumers: dict = {}  # id(producer) -> [(consumer node, input index)]
        self.out_shape: dict = {}
        for n in self.nodes:
            for i, (e, s) in enumerate(zip(n.next_edges, n.in_shapes)):
                if e is not None:
                    self.consumers.setdefault(id(e), []).append((n, i))
                    if isinstance(e, Function):
                        self.out_shape[id(e)] = tuple(s)
        # the outputs drawn: id(node) -> the root Tensor (None when a node was given)
        self.root_fns = {id(t.grad_fn): t for t in self.roots if t.grad_fn is not None}
        for k, t in self.root_fns.items():
            self.out_shape[k] = tuple(t.shape)
        for s in starts:
            if isinstance(s, Function) and id(s) not in self.root_fns:
                self.root_fns[id(s)] = None
        for n in self.nodes:
            if id(n) not in self.out_shape and n._out is not None:
                self.out_shape[id(n)] = n._out.shape
        self.params = {}
        self.types = {}
        if module is not None:
            self.params = {id(p): n for n, p in module.named_parameters()}
            self.types = {n: type(m).__name__ for n, m in module.named_modules()}
        self.label_of = dict(self.params)
        if names is not None:
            pairs = names.items() if hasattr(names, "items") else ((t.name, t) for t in names)
            for n, t in pairs:
                if isinstance(t, Tensor):
                    self.label_of[id(t.grad_fn) if t.grad_fn is not None else id(t)] = str(n)
        for t in self.roots:
            key = id(t.grad_fn) if t.grad_fn is not None else id(t)
            if t.name and key not in self.label_of:
                self.label_of[key] = t.name
        self.ov = ov
        if culprit is None and ov is None:
            culprit = self._find_culprit()
        self.culprit = culprit
        self.info = GraphInfo()

    # -- what each node shows ----------------------------------------------------------------
    def _find_culprit(self) -> Any:
        """The first node that made a NaN/Inf: in forward, the oldest op whose output is
        non-finite though its inputs are finite; else, in backward, the first-visited node
        that received a finite gradient and sent a non-finite one."""
        for n in sorted(self.nodes, key=lambda n: n.seq):
            if n._out is not None and not finite(n._out):
                ins = [
                    e._out if isinstance(e, Function) else e.data
                    for e in n.next_edges
                    if e is not None
                ]
                if all(finite(a) for a in ins):
                    return n
        best = None
        for e in self.order:
            if finite(self.grad(e)):
                continue
            for u, _ in self.consumers.get(id(e), ()):
                if u._step is not None and u._gout is not None and finite(u._gout):
                    if best is None or u._step < best._step:
                        best = u
        return best

    def grad(self, e: Any) -> Any:
        if self.ov is not None:
            return self.ov.grads.get(id(e))
        if isinstance(e, Function):
            return e._gout
        return None if e.grad is None else e.grad.data

    def step(self, n: Function) -> int | None:
        if self.ov is not None:
            return self.ov.steps.get(id(n))
        return None if n._step is None else n._step + 1

    def value(self, n: Function) -> Any:
        if self.ov is not None and id(n) in self.ov.values:
            return self.ov.values[id(n)]
        t = self.root_fns.get(id(n))
        return t.data if t is not None else n._out

    def tensor_rows(self, e: Any, name: str, shape: Any, dtype: Any, value: Any) -> tuple:
        """HTML rows for a tensor box, and whether it holds a NaN/Inf."""
        o = self.opts
        head = (f"<b>{esc(name)}</b>  " if name else "") + (
            shape_text(shape) if shape is not None else "?"
        )
        rows, bad = [head + (f"  {dtype}" if dtype is not None else "")], False
        if o["show_values"]:
            if value is None:
                rows.append(_GREY.format("value not kept (large: draw inside viz.record())"))
            else:
                text, b = value_summary(value, o["max_full"])
                bad |= b
                rows.append(row("value", text, b))
        if o["show_grads"]:
            g = self.grad(e)
            part = self.ov.partial.get(id(e)) if self.ov is not None else None
            if g is not None:
                text, b = grad_summary(g, o["max_full"])
                bad |= b
                what = "grad" if part is None else f"grad so far ({part[0]} of {part[1]})"
                rows.append(row(what, text, b))
            elif self.ov is not None:
                rows.append(_GREY.format("grad: not reached yet"))
            elif isinstance(e, Function) and e._step is not None:
                rows.append(_GREY.format("grad not kept (large)"))
        return rows, bad

    # -- the drawing -------------------------------------------------------------------------
    def build(self, **opts: Any) -> str:
        self.opts = opts
        depth = int(opts["collapse"])
        self.group = module_groups(self.nodes, self.consumers, self.params, depth) if depth else {}
        lines = ["digraph autograd {\n", HEADER.format(rankdir=opts["direction"])]
        self.absorbed = set()
        for e in self.order:
            if not isinstance(e, Function):
                self.leaf(e, depth, lines)
        self.boxes: dict = {}
        for n in self.nodes:
            g = self.group.get(id(n))
            if g is not None:
                self.boxes.setdefault(g, []).append(n)
            else:
                self.op(n, lines)
        self.gid = {g: f"g{j}" for j, g in enumerate(self.boxes)}
        for g, members in self.boxes.items():
            self.module_box(g, members, lines)
        self.edges(lines)
        if self.culprit is not None and id(self.culprit) in self.ident:
            self.info.culprit = self.culprit
            self.info.culprit_where = where(self.culprit._trace)
        if opts["legend"]:
            lines.append(legend(bool(self.boxes), self.ov is not None))
        lines.append("}\n")
        return "".join(lines)

    def leaf(self, e: Tensor, depth: int, lines: list) -> None:
        users = self.consumers.get(id(e), ())
        if depth and id(e) in self.params and users:
            home = owner(self.params[id(e)], depth)
            if all(self.group.get(id(u)) == home for u, _ in users):
                self.absorbed.add(id(e))  # drawn inside its module's box
                return
        if not users:
            kind = "output"
        elif id(e) in self.params or type(e).__name__ == "Parameter":
            kind = "param"
        else:
            kind = "input"
        name = self.label_of.get(id(e)) or e.name or ("output" if kind == "output" else "leaf")
        rows, bad = self.tensor_rows(e, name, e.shape, e.dtype, e.data)
        lines.append(box(f"v{self.ident[id(e)]}", rows, kind, bad))
        self.info.leaves += 1

    def op(self, n: Function, lines: list) -> None:
        k = self.ident[id(n)]
        fill, border = COLORS["op"]
        pen = ""
        rows = [f"<b>{esc(n.name)}</b>"]
        step = self.step(n)
        if step is not None:
            rows.append(f'<font point-size="9">step {step}</font>')
        fwd, rule = op_formula(n)
        tip = fwd + (f"\n{rule}" if rule else "")
        at = where(n._trace)
        if at:
            tip += f"\ncreated at {at}"
        if self.ov is not None and self.ov.current == id(n):
            fill, border, pen = CURRENT[0], CURRENT[1], ", penwidth=3"
        if self.culprit is n:
            fill, border, pen = CULPRIT[0], CULPRIT[1], ", penwidth=3"
            what = "forward" if n._out is not None and not finite(n._out) else "backward"
            rows.append(f'<font color="{RED}"><b>first NaN/Inf ({what})</b></font>')
            if at:
                rows.append(f'<font color="{RED}">{esc(at)}</font>')
        lines.append(
            f'op{k} [shape=ellipse, style=filled, fillcolor="{fill}", color="{border}"{pen}, '
            f"tooltip={quote(tip)}, label=<{'<br/>'.join(rows)}>]\n"
        )
        kind = "output" if id(n) in self.root_fns else "tensor"
        val = self.value(n)
        dtype = val.dtype if val is not None else getattr(n._gout, "dtype", None)
        name = self.label_of.get(id(n)) or ("output" if kind == "output" else "")
        rows, bad = self.tensor_rows(n, name, self.out_shape.get(id(n)), dtype, val)
        lines.append(box(f"t{k}", rows, kind, bad))
        lines.append(f"op{k} -> t{k}\n")
        self.info.ops += 1
        self.info.tensors += 1

    def module_box(self, g: str, members: list, lines: list) -> None:
        """One box for the ops of module ``g``: its name and type, the ops and their steps,
        its parameters with their gradients, and its output's shape, value and gradient."""
        o = self.opts
        title = (f"{g} · " if g else "") + self.types.get(g, "Module")
        ops = [n.name for n in members]
        about = ", ".join(ops[:3]) + (f" +{len(ops) - 3}" if len(ops) > 3 else "")
        steps = sorted(s for s in map(self.step, members) if s is not None)
        if steps:
            about += f"  step {steps[0]}" if len(steps) == 1 else f"  steps {steps[0]}–{steps[-1]}"
        rows = [f"<b>{esc(title)}</b>", f'<font point-size="9">{esc(about)}</font>']
        bad, seen = False, set()
        for n in members:
            for e in n.next_edges:
                if id(e) not in self.absorbed or id(e) in seen:
                    continue
                seen.add(id(e))
                pname = self.params[id(e)][len(g) + 1 if g else 0 :]
                head = f"{esc(pname)} {shape_text(e.shape)}"
                pg = self.grad(e)
                if o["show_grads"] and pg is not None:
                    gtext, b = grad_summary(pg, o["max_full"])
                    bad |= b
                    head = row(head + "  grad", gtext, b)
                rows.append(head)
        outs = [
            n
            for n in members
            if id(n) in self.root_fns
            or any(self.group.get(id(u)) != g for u, _ in self.consumers.get(id(n), ()))
        ]
        last = max(outs or members, key=lambda n: n.seq)
        val = self.value(last)
        rows.append(f"out {shape_text(self.out_shape.get(id(last), ()))}")
        if o["show_values"] and val is not None:
            vtext, b = value_summary(val, o["max_full"])
            bad |= b
            rows.append(row("value", vtext, b))
        if o["show_grads"] and self.grad(last) is not None:
            gtext, b = grad_summary(self.grad(last), o["max_full"])
            bad |= b
            rows.append(row("grad", gtext, b))
        fill, border = COLORS["module"]
        pen = f'color="{RED}", penwidth=2.5' if bad else f'color="{border}", penwidth=1.5'
        if self.ov is not None and any(self.ov.current == id(n) for n in members):
            fill, pen = CURRENT[0], f'color="{CURRENT[1]}", penwidth=3'
        if any(n is self.culprit for n in members):
            fill = CULPRIT[0]
            at = where(self.culprit._trace)
            rows.append(
                f'<font color="{RED}"><b>first NaN/Inf: {esc(self.culprit.name)}</b></font>'
            )
            if at:
                rows.append(f'<font color="{RED}">{esc(at)}</font>')
        lines.append(
            f'{self.gid[g]} [shape=box3d, style=filled, fillcolor="{fill}", {pen}, '
            f"label={table(rows)}]\n"
        )
        self.info.modules += 1

    def edges(self, lines: list) -> None:
        """From each input's drawn source into the op (or module box) that used it."""
        ov, seen = self.ov, set()
        for n in self.nodes:
            gn = self.group.get(id(n))
            k = self.ident[id(n)]
            dst = self.gid[gn] if gn is not None else f"op{k}"
            for i, e in enumerate(n.next_edges):
                if e is None:
                    if not self.opts["show_constants"] or n.in_shapes[i] is None:
                        continue  # (None: an argument that is not a Tensor, e.g. a number)
                    src = f"c{k}_{i}"
                    lines.append(
                        f'{src} [shape=note, fontsize=8, fontcolor="#64748b", color="#cbd5e1", '
                        f'label="{shape_text(tuple(n.in_shapes[i]))}\\nno grad"]\n'
                    )
                    self.info.constants += 1
                elif isinstance(e, Function):
                    ge = self.group.get(id(e))
                    if ge is not None and ge == gn:
                        continue
                    src = self.gid[ge] if ge is not None else f"t{self.ident[id(e)]}"
                elif id(e) in self.absorbed:
                    continue
                else:
                    src = f"v{self.ident[id(e)]}"
                if gn is not None or src[0] == "g":  # one edge per pair around module boxes
                    if (src, dst) in seen:
                        continue
                    seen.add((src, dst))
                attrs = ""
                if gn is None:
                    if ov is not None:
                        axes = ov.broadcast.get((id(n), i), ())
                    else:
                        axes = _broadcast(self.out_shape.get(id(n)), n.in_shapes, i)
                    label = []
                    note = ov.edge_notes.get((id(n), i)) if ov is not None else None
                    if note:
                        label.append(note)
                        attrs = f'color="{CURRENT[1]}", penwidth=2.6, fontcolor="#92400e", '
                    if axes:
                        label.append(_bcast_label(axes, self.out_shape[id(n)], n.in_shapes[i]))
                        if not note:
                            attrs = f'color="{BCAST}", fontcolor="{BCAST}", penwidth=1.6, '
                        attrs += "style=dashed, "
                    if label:
                        attrs += f"label={quote(chr(10).join(label))}"
                lines.append(f"{src} -> {dst}" + (f" [{attrs}]" if attrs else "") + "\n")


def build_dot(
    root: Any,
    names: Any = None,
    module: Any = None,
    show_values: bool = True,
    show_grads: bool = True,
    direction: str = "TB",
    collapse: int | bool = 0,
    legend: bool = True,
    show_constants: bool = True,
    max_full: int = 6,
    anomaly: Any = None,
    overlay: Overlay | None = None,
) -> tuple[str, GraphInfo]:
    """DOT source (one ``digraph``) and counts; see :func:`autograd_core.draw_graph`."""
    rankdir = str(direction).upper()
    if rankdir not in DIRECTIONS:
        raise ValueError(f"draw_graph(): direction must be one of {DIRECTIONS}, got {direction!r}")
    if collapse and module is None:
        raise ValueError("draw_graph(): collapse= needs module= (the model whose layers to box)")
    if isinstance(collapse, bool):
        collapse = int(collapse)
    elif int(collapse) < 0:
        raise ValueError(f"draw_graph(): collapse must be a depth >= 0, got {collapse}")
    d = _Drawer(root, names, module, anomaly, overlay)
    text = d.build(
        show_values=show_values,
        show_grads=show_grads,
        direction=rankdir,
        collapse=collapse,
        legend=legend,
        show_constants=show_constants,
        max_full=max_full,
    )
    return text, d.info
