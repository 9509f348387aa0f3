"""Step through one backward pass: what each op received, the rule it applied, and what it sent.

>>> x = ag.tensor([1., 2., 3.], requires_grad=True)
>>> tr = ag.trace_backward((x * x + x).sum(), names={"x": x})
>>> print(tr)          # one row per step: op, upstream gradient, local rule, contributions
>>> tr.frame(2)        # the graph with step 2 highlighted (a GraphDrawing)
>>> tr.player()        # all frames: a slider with ipywidgets, else a click-through in HTML

For every step the engine visits a node (newest first) and calls the recorder: the upstream
gradient dL/d(output), the tuple the node's backward rule returned, and the gradients waiting
so far. A contribution to an input that already received one is a fan-out accumulation
(``x.grad += ...``: x feeds two ops); one whose shape differs from its input's was broadcast in
forward and is summed (``Σ axes``). The trace records the first backward pass run in its block.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._generic import broadcast_axes, sum_to
from ..function import Function
from ..grad_mode import STATE
from ..tensor import Tensor
from .dot import build_dot
from .drawing import GraphDrawing, drawing_from_source
from .labels import esc, grad_summary, shape_text
from .render import HINT, RendererError, RendererNotFoundError, render
from .style import Overlay, op_formula

__all__ = ["BackwardTrace", "Contribution", "Step", "record", "trace", "trace_backward"]


class record:
    """Keep every value and gradient on the graph for the drawings, however large (normally
    only those with at most ``KEEP_SIZE`` elements are kept). Context manager:

    >>> with ag.viz.record():
    ...     loss = model(x).sum(); loss.backward()
    >>> ag.draw_graph(loss, module=model)
    """

    def __enter__(self) -> record:
        self._prev = STATE.record
        STATE.record = True
        return self

    def __exit__(self, *exc: object) -> None:
        STATE.record = self._prev


def _arr(g: Any) -> np.ndarray:
    """A private copy of a gradient (an array, or a Tensor with create_graph=True)."""
    return np.array(g if isinstance(g, np.ndarray) else getattr(g, "data", g), copy=True)


@dataclass
class Contribution:
    """What one step sent to one input: ``grad`` as the rule returned it, ``summed`` after the
    broadcast sum (what is added to the input's gradient), the ``axes`` summed, and whether the
    input had already received a gradient (``accumulated``: ``+=``)."""

    input: int
    target: Any  # the node that produced the input, or the leaf Tensor
    grad: np.ndarray
    summed: np.ndarray
    axes: tuple
    accumulated: bool


@dataclass
class Step:
    """One visited node: ``index`` (1 = first), the ``node``, the ``upstream`` gradient
    dL/d(output), the op's ``formula`` and local ``rule`` (from its docstring), and what it sent
    to each input."""

    index: int
    node: Function
    upstream: np.ndarray
    formula: str
    rule: str
    contributions: list

    @property
    def op(self) -> str:
        return self.node.name


def _short(a: np.ndarray, max_full: int = 6) -> str:
    return grad_summary(a, max_full)[0]


class BackwardTrace:
    """The record of one backward pass (see the module docstring). Use it as a context manager
    (``with ag.viz.trace() as tr: ...``), or get one from :func:`trace_backward`."""

    def __init__(self, names: Any = None, module: Any = None) -> None:
        self.steps: list[Step] = []
        self.leaf_grads: list[tuple[Tensor, np.ndarray]] = []  # (leaf, total it received)
        self.values: dict = {}  # id(node) -> its output, as recorded
        self.root: Any = None
        self.names, self.module = names, module
        self._done = False
        self._label: dict | None = None

    # -- recording (called by the engine) ------------------------------------------------------
    def __enter__(self) -> BackwardTrace:
        self._prev = (STATE.record, STATE.recorder)
        STATE.record, STATE.recorder = True, self
        return self

    def __exit__(self, *exc: object) -> None:
        STATE.record, STATE.recorder = self._prev
        self._done = self._done or bool(self.steps)

    def visit(self, node: Function, g: Any, in_grads: tuple, pending: dict) -> None:
        """The engine calls this for each node, before it passes the gradients on."""
        if self._done or (self.steps and node._step == 0):
            self._done = True  # a second backward pass in the same block: keep the first
            return
        sent, contributions = set(), []
        for i, (edge, ig, shape) in enumerate(zip(node.next_edges, in_grads, node.in_shapes)):
            if edge is None or ig is None:
                continue
            grad = _arr(ig)
            shape = tuple(shape)
            axes = broadcast_axes(grad.shape, shape) if grad.shape != shape else ()
            summed = sum_to(grad, shape) if grad.shape != shape else grad
            acc = id(edge) in pending or id(edge) in sent
            sent.add(id(edge))
            contributions.append(Contribution(i, edge, grad, summed, axes, acc))
        if node._out is not None:
            self.values[id(node)] = np.array(node._out, copy=True)
        fwd, rule = op_formula(node)
        self.steps.append(Step(len(self.steps) + 1, node, _arr(g), fwd, rule, contributions))

    def visit_leaf(self, leaf: Tensor, g: Any) -> None:
        """The engine calls this for each leaf at the end of the pass."""
        if not self._done:
            self.leaf_grads.append((leaf, _arr(g)))

    # -- reading it ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, k: int) -> Step:
        return self.steps[k]

    def __iter__(self) -> Any:
        return iter(self.steps)

    def grads(self) -> dict:
        """id(leaf) -> the sum of the contributions the trace saw reach it (equals what
        ``backward()`` adds to ``leaf.grad``)."""
        out: dict = {}
        for s in self.steps:
            for c in s.contributions:
                if isinstance(c.target, Tensor):
                    k = id(c.target)
                    out[k] = c.summed if k not in out else out[k] + c.summed
        return out

    def name(self, e: Any) -> str:
        """How the table names a leaf (``x``, ``0.weight``) or a node (``MulBackward@3``)."""
        if self._label is None:
            lab: dict = {}
            if self.module is not None:
                lab.update({id(p): n for n, p in self.module.named_parameters()})
            if self.names is not None:
                pairs = (
                    self.names.items()
                    if hasattr(self.names, "items")
                    else ((t.name, t) for t in self.names)
                )
                for n, t in pairs:
                    lab[id(t.grad_fn) if t.grad_fn is not None else id(t)] = str(n)
            self._steps = {id(s.node): s.index for s in self.steps}
            self._label = lab
        if id(e) in self._label:
            return self._label[id(e)]
        if isinstance(e, Tensor):
            return e.name or f"leaf{shape_text(e.shape)}"
        return f"{e.name}@{self._steps.get(id(e), '?')}"

    def _sends(self, s: Step, max_full: int = 6) -> list[str]:
        out = []
        for c in s.contributions:
            t = c.target
            who = f"{self.name(t)}.grad" if isinstance(t, Tensor) else f"g[{self.name(t)}]"
            text = f"{who} {'+=' if c.accumulated else '='} {_short(c.summed, max_full)}"
            if c.axes:
                text += (
                    f"   (Σ axes {', '.join(map(str, c.axes))}: "
                    f"{shape_text(c.grad.shape)} → {shape_text(c.summed.shape)})"
                )
            out.append(text)
        return out or ["(no input needs a gradient)"]

    def table(self, max_full: int = 6, rule_width: int = 44) -> str:
        """The pass as a text table: step, op, upstream gradient, local rule, what it sent."""
        rows = []
        for s in self.steps:
            rule = s.rule if len(s.rule) <= rule_width else s.rule[: rule_width - 1] + "…"
            sends = self._sends(s, max_full)
            rows.append((str(s.index), s.op, _short(s.upstream, max_full), rule, sends[0]))
            rows += [("", "", "", "", more) for more in sends[1:]]
        head = ("step", "op", "dL/d(output)", "local rule", "sends")
        width = [max([len(head[j])] + [len(r[j]) for r in rows]) for j in range(4)]
        fmt = "  ".join(f"{{:{'>' if j == 0 else '<'}{width[j]}}}" for j in range(4)) + "  {}"
        lines = [f"backward pass: {len(self.steps)} steps", fmt.format(*head)]
        lines += [fmt.format(*r).rstrip() for r in rows]
        for leaf, g in self.leaf_grads:
            lines.append(f"leaf {self.name(leaf)}: receives {_short(g, max_full)}")
        lines.append(
            "(g[Op@k]: the gradient of Op's output, Op being visited at step k; '+=': a value "
            "used twice adds both contributions; Σ axes: a broadcast input's gradient is summed)"
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()

    def __repr__(self) -> str:
        return f"<BackwardTrace: {len(self.steps)} steps; print() it for the table>"

    def _repr_html_(self) -> str:
        cells = []
        for s in self.steps:
            sends = "<br>".join(esc(t) for t in self._sends(s))
            cells.append(
                f"<tr><td>{s.index}</td><td><code>{esc(s.op)}</code></td>"
                f"<td>{esc(_short(s.upstream))}</td><td>{esc(s.formula)}<br><i>{esc(s.rule)}</i>"
                f"</td><td style='text-align:left'>{sends}</td></tr>"
            )
        return (
            "<table><tr><th>step</th><th>op</th><th>dL/d(output)</th><th>forward, local rule"
            "</th><th>sends</th></tr>" + "".join(cells) + "</table>"
        )

    # -- frames ----------------------------------------------------------------------------------
    def overlay(self, k: int) -> Overlay:
        """The drawing's state after step ``k`` (0 = before the first step)."""
        if not 0 <= k <= len(self.steps):
            raise IndexError(f"step {k} out of range: this trace has steps 1..{len(self.steps)}")
        ov = Overlay(values=self.values)
        total: dict = {}
        for s in self.steps:
            for c in s.contributions:
                total[id(c.target)] = total.get(id(c.target), 0) + 1
                if c.axes:
                    ov.broadcast[(id(s.node), c.input)] = c.axes
        if self.steps:
            ov.grads[id(self.steps[0].node)] = self.steps[0].upstream
        got: dict = {}
        for s in self.steps[:k]:
            ov.steps[id(s.node)] = s.index
            ov.grads[id(s.node)] = s.upstream
            ov.partial.pop(id(s.node), None)
            for c in s.contributions:
                t = id(c.target)
                got[t] = got.get(t, 0) + 1
                ov.grads[t] = c.summed if t not in ov.grads else ov.grads[t] + c.summed
                if got[t] < total[t]:
                    ov.partial[t] = (got[t], total[t])
                else:
                    ov.partial.pop(t, None)
        if k:
            cur = self.steps[k - 1]
            ov.current = id(cur.node)
            for c in cur.contributions:
                t = c.target
                who = f"{self.name(t)}.grad" if isinstance(t, Tensor) else "g"
                op = "+=" if c.accumulated else "="
                ov.edge_notes[(id(cur.node), c.input)] = f"{who} {op} {_short(c.summed)}"

        return ov

    def frame(self, k: int, **kwargs: Any) -> GraphDrawing:
        """The graph after step ``k`` (1-based; 0 = before backward), the step's node
        highlighted and its input edges labelled with what it sent. Keyword arguments go to
        :func:`~autograd_core.draw_graph`."""
        root = self.root if self.root is not None else self.steps[0].node
        kwargs.setdefault("names", self.names)
        kwargs.setdefault("module", self.module)
        source, info = build_dot(root, overlay=self.overlay(k), **kwargs)
        return drawing_from_source(source, info)

    def frames(self, **kwargs: Any) -> list[GraphDrawing]:
        """Every frame, 0 to ``len(self)``."""
        return [self.frame(k, **kwargs) for k in range(len(self.steps) + 1)]

    def caption(self, k: int) -> str:
        if k == 0:
            return "before backward: dL/d(output) is seeded"
        s = self.steps[k - 1]
        return f"step {k}: {s.op}  ({s.formula};  {s.rule})"

    def player(self, **kwargs: Any) -> Any:
        """The frames to click through: an ipywidgets slider when ipywidgets is installed, else
        an HTML stepper that needs no JavaScript (every frame is rendered up front)."""
        try:
            import ipywidgets
        except ImportError:
            return StepPlayer(self, **kwargs)
        cache: dict = {}

        def html(k: int) -> str:
            if k not in cache:
                cache[k] = f"<div><b>{esc(self.caption(k))}</b></div>" + _svg_or_source(
                    self.frame(k, **kwargs)
                )
            return cache[k]

        slider = ipywidgets.IntSlider(value=0, min=0, max=len(self.steps), description="step")
        view = ipywidgets.HTML(html(0))
        slider.observe(lambda ch: setattr(view, "value", html(ch["new"])), names="value")
        return ipywidgets.VBox([slider, view])


def _svg_or_source(drawing: GraphDrawing) -> str:
    try:
        return render(drawing.source, "svg").decode("utf-8")
    except RendererError as exc:
        why = HINT if isinstance(exc, RendererNotFoundError) else str(exc)
        return f"<div>{esc(why)}</div><pre style='font-size:75%'>{esc(drawing.source)}</pre>"


class StepPlayer:
    """All frames of a trace in one HTML block with step buttons (CSS only: radio buttons, so
    it works in a notebook without ipywidgets or JavaScript; without CSS the frames are simply
    listed one after another)."""

    def __init__(self, tr: BackwardTrace, **kwargs: Any) -> None:
        self.trace, self.kwargs = tr, kwargs

    def _repr_html_(self) -> str:
        uid = "agv" + uuid.uuid4().hex[:8]
        n = len(self.trace) + 1
        css = [f"#{uid} .f{{display:none}} #{uid} input{{display:none}}"]
        css += [f"#{uid}-r{k}:checked ~ .frames .f{k}{{display:block}}" for k in range(n)]
        css += [
            f"#{uid}-r{k}:checked ~ .bar label[for={uid}-r{k}]{{background:#fde68a}}"
            for k in range(n)
        ]
        radios = "".join(
            f'<input type="radio" name="{uid}" id="{uid}-r{k}"{" checked" if k == 0 else ""}>'
            for k in range(n)
        )
        labels = " ".join(
            f'<label for="{uid}-r{k}" style="cursor:pointer;border:1px solid #cbd5e1;'
            f'padding:1px 6px;margin:1px;display:inline-block">{k}</label>'
            for k in range(n)
        )
        frames = "".join(
            f'<div class="f f{k}"><div><b>{esc(self.trace.caption(k))}</b></div>'
            f"{_svg_or_source(self.trace.frame(k, **self.kwargs))}</div>"
            for k in range(n)
        )
        return (
            f'<div id="{uid}"><style>{" ".join(css)}</style>{radios}'
            f'<div class="bar">step: {labels}</div><div class="frames">{frames}</div></div>'
        )

    def __repr__(self) -> str:
        return f"<StepPlayer: {len(self.trace) + 1} frames; display it in a notebook>"


def trace(names: Any = None, module: Any = None) -> BackwardTrace:
    """A context manager that records the first backward pass run inside it (and keeps every
    value for the frames): ``with ag.viz.trace() as tr: loss = f(x); loss.backward()``."""
    return BackwardTrace(names, module)


def trace_backward(
    root: Tensor,
    gradient: Any = None,
    retain_graph: bool | None = None,
    names: Any = None,
    module: Any = None,
) -> BackwardTrace:
    """Run ``root.backward(gradient, retain_graph)`` while recording every step; return the
    :class:`BackwardTrace` (print it, draw ``.frame(k)``, or ``.player()``)."""
    tr = BackwardTrace(names, module)
    tr.root = root
    with tr:
        root.backward(gradient, retain_graph=retain_graph)
    return tr
