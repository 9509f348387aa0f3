"""The drawings' colours and legend, and small shared pieces: DOT quoting, op formulas read
from docstrings, source locations, and the records a drawing is built from."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .labels import esc

__all__ = [
    "BCAST",
    "COLORS",
    "CULPRIT",
    "CURRENT",
    "HEADER",
    "RED",
    "GraphInfo",
    "Overlay",
    "finite",
    "legend",
    "op_formula",
    "quote",
    "where",
    "box",
    "row",
    "table",
]

#: kind -> (fill, border)
COLORS = {
    "input": ("#dbeafe", "#1d4ed8"),
    "param": ("#dcfce7", "#15803d"),
    "tensor": ("#f8fafc", "#64748b"),
    "output": ("#fef3c7", "#b45309"),
    "op": ("#ede9fe", "#6d28d9"),
    "module": ("#ecfccb", "#4d7c0f"),
}
RED = "#dc2626"
BCAST = "#ea580c"
CURRENT = ("#fde68a", "#d97706")
CULPRIT = ("#fee2e2", RED)
HEADER = (
    'graph [rankdir={rankdir}, fontname="Helvetica", fontsize=10, nodesep=0.3, ranksep=0.35]\n'
    'node [fontname="Helvetica", fontsize=10, margin="0.08,0.04"]\n'
    'edge [fontname="Helvetica", fontsize=9, arrowsize=0.7, color="#475569"]\n'
)


@dataclass
class Overlay:
    """What a frame of a step-through shows instead of the nodes' own bookkeeping (keys are
    ``id`` of a node or leaf): step numbers (1-based), the gradient known so far, how many of
    its consumers have sent theirs (received, total), the node being visited, notes on its
    input edges ``(id(node), i) -> text``, exact broadcast axes ``(id(node), i) -> axes``, and
    recorded outputs."""

    steps: dict = field(default_factory=dict)
    grads: dict = field(default_factory=dict)
    partial: dict = field(default_factory=dict)
    current: int | None = None
    edge_notes: dict = field(default_factory=dict)
    broadcast: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)


@dataclass
class GraphInfo:
    """Counts and findings of one drawing (``drawing.info``)."""

    ops: int = 0
    tensors: int = 0
    leaves: int = 0
    constants: int = 0
    modules: int = 0
    culprit: Any = None  # the node highlighted as the first NaN/Inf
    culprit_where: str | None = None  # where the user's code created it (anomaly mode)

    @property
    def nodes(self) -> int:
        """Nodes drawn, the legend not counted."""
        return self.ops + self.tensors + self.leaves + self.constants + self.modules


def quote(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def finite(a: Any) -> bool:
    """False when ``a`` (array, Tensor or None) holds a NaN or Inf."""
    if a is None:
        return True
    if not isinstance(a, np.ndarray | np.generic):
        a = getattr(a, "data", a)  # a Tensor
    return not (isinstance(a, np.ndarray) and a.dtype.kind in "fc" and not np.isfinite(a).all())


def where(loc: Any) -> str | None:
    """``file.py:12  y = x.log()`` for a source location recorded under detect_anomaly()."""
    if loc is None:
        return None
    fn, line = getattr(loc, "filename", None), getattr(loc, "lineno", None)
    if fn is None:
        return str(loc)
    code = getattr(loc, "code", "") or ""
    return f"{os.path.basename(fn)}:{line}" + (f"  {code}" if code else "")


_FORMULA: dict[type, tuple[str, str]] = {}
_SPLIT = re.compile(r"\.\s{2,}")
_RULE = re.compile(r"d\w*/d")
_EQUATION = re.compile(r"\bd\w*/d\w+\s*=")  # "dloss/dx = ...", not "G = dL/dy and"


def op_formula(node: Any) -> tuple[str, str]:
    """(forward formula, local derivative rule) read from the op's docstring, e.g.
    ``("z = a * b", "dz/da = b,   dz/db = a")``, so that each rule is written once, in the op.

    The first paragraph is "formula.   rule"; when it has no rule, the first later line that
    contains one (``dL/dx = ...``) is used."""
    cls = type(node)
    got = _FORMULA.get(cls)
    if got is None:
        doc = (cls.__doc__ or "").strip()
        first = " ".join(line.strip() for line in doc.split("\n\n")[0].splitlines())
        parts = _SPLIT.split(first, maxsplit=1)
        eq = _EQUATION.search(first)
        if len(parts) == 1 and eq:  # "loss = (x - y)²,   dloss/dx = ..." in one sentence
            parts = [first[: eq.start()].rstrip(" ,;"), first[eq.start() :]]
        fwd = parts[0].rstrip(".")
        rule = parts[1].strip() if len(parts) > 1 else ""
        if not _RULE.search(rule):
            lines = [ln.strip() for ln in doc.splitlines()[1:]]
            rule = next((ln for ln in lines if _EQUATION.search(ln)), "") or next(
                (ln for ln in lines if _RULE.search(ln)), ""
            )
        got = _FORMULA[cls] = (fwd, rule)
    return got


def legend(modules: bool, frames: bool) -> str:
    """One plaintext node with a table explaining the colours."""

    def swatch(fill: str, border: str, text: str) -> str:
        return (
            f'<tr><td bgcolor="{fill}" border="1" color="{border}" width="18"> </td>'
            f'<td align="left">{text}</td></tr>'
        )

    rows = [
        '<tr><td colspan="2"><b>legend</b></td></tr>',
        swatch(*COLORS["input"], "leaf input (requires grad)"),
        swatch(*COLORS["param"], "parameter"),
        swatch(*COLORS["tensor"], "intermediate value"),
        swatch(*COLORS["output"], "output"),
        swatch(*COLORS["op"], "op; step k = k-th visited by backward"),
    ]
    if modules:
        rows.append(swatch(*COLORS["module"], "module (collapsed)"))
    if frames:
        rows.append(swatch(*CURRENT, "current step"))
    rows.append(
        f'<tr><td><font color="{BCAST}"><b>- - →</b></font></td>'
        f'<td align="left">broadcast: backward sums the gradient (Σ axes)</td></tr>'
    )
    rows.append(
        f'<tr><td><font color="{RED}"><b>■</b></font></td><td align="left">NaN / Inf</td></tr>'
    )
    table = (
        '<<table border="1" color="#cbd5e1" cellborder="0" cellspacing="2" cellpadding="2">'
        + "".join(rows)
        + "</table>>"
    )
    return f"legend [shape=plaintext, fontsize=9, label={table}]\n"


def row(what: str, text: str, bad: bool) -> str:
    body = f"{what} {esc(text)}"
    return f'<font color="{RED}">{body}</font>' if bad else body


def table(rows: list) -> str:
    cells = "".join(f'<tr><td align="left">{r}</td></tr>' for r in rows)
    return f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="1">{cells}</table>>'


def box(node_id: str, rows: list, kind: str, bad: bool) -> str:
    fill, border = COLORS[kind]
    pen = f'color="{RED}", penwidth=2.5' if bad else f'color="{border}"'
    if kind == "output" and not bad:
        pen += ", penwidth=2"
    return (
        f'{node_id} [shape=box, style="rounded,filled", fillcolor="{fill}", {pen}, '
        f"label={table(rows)}]\n"
    )
