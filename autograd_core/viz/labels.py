"""How numbers appear in the drawings and the step-through table.

* a value with at most ``max_full`` elements is written in full, 4 significant digits;
  a larger one as ``min / mean / max``;
* a gradient likewise in full when tiny, else its norm ``‖g‖``, its range and the share of
  exact zeros (dead ReLUs show up there);
* NaN and Inf are counted and reported (the drawing paints them red).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["array_text", "esc", "grad_summary", "num", "shape_text", "value_summary"]

_ESC = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"})


def esc(text: str) -> str:
    """Escape text for a Graphviz HTML-like label (and for HTML)."""
    return text.translate(_ESC)


def num(v: Any) -> str:
    """One number with 4 significant digits (``nan``, ``inf`` as such; booleans and integers
    exactly)."""
    if isinstance(v, bool | np.bool_):
        return "True" if v else "False"
    if isinstance(v, int | np.integer):
        return str(int(v))
    if isinstance(v, complex):
        return f"{v:.4g}"
    return f"{float(v):.4g}"


def _nested(x: Any) -> str:
    if isinstance(x, list):
        return "[" + ", ".join([_nested(e) for e in x]) + "]"
    return num(x)


def array_text(a: Any) -> str:
    """An array in full: ``1.5``, ``[1, 2.5]``, ``[[1, 2], [3, 4]]``."""
    return _nested(np.asarray(a).tolist())


def shape_text(shape: tuple) -> str:
    """``(2, 3)``, ``(4,)``; a scalar is ``()``."""
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def _bad(a: np.ndarray) -> tuple[int, int]:
    """(number of NaN, number of Inf) in a float array."""
    if a.dtype.kind not in "fc" or a.size == 0:
        return 0, 0
    finite = np.isfinite(a)
    if finite.all():
        return 0, 0
    n_nan = int(np.isnan(a).sum())
    return n_nan, int(a.size - finite.sum()) - n_nan


def _bad_text(n_nan: int, n_inf: int) -> str:
    parts = ([f"{n_nan} NaN"] if n_nan else []) + ([f"{n_inf} Inf"] if n_inf else [])
    return ", ".join(parts)


def value_summary(a: Any, max_full: int = 6) -> tuple[str, bool]:
    """(text, has NaN/Inf) for a value."""
    a = np.asarray(a)
    n_nan, n_inf = _bad(a)
    if a.size <= max_full:
        return array_text(a), bool(n_nan or n_inf)
    if a.dtype.kind == "b":
        return f"{int(a.sum())} of {a.size} True", False
    if n_nan or n_inf:
        fin = a[np.isfinite(a)]
        stats = (
            f"; finite: min {num(fin.min())}  mean {num(fin.mean())}  max {num(fin.max())}"
            if fin.size
            else ""
        )
        return _bad_text(n_nan, n_inf) + stats, True
    return f"min {num(a.min())}  mean {num(a.mean())}  max {num(a.max())}", False


def grad_summary(g: Any, max_full: int = 6) -> tuple[str, bool]:
    """(text, has NaN/Inf) for a gradient."""
    g = np.asarray(g)
    n_nan, n_inf = _bad(g)
    if g.size <= max_full:
        return array_text(g), bool(n_nan or n_inf)
    if n_nan or n_inf:
        return _bad_text(n_nan, n_inf) + f" of {g.size}", True
    zeros = 100.0 * float(np.count_nonzero(g == 0)) / g.size
    norm = float(np.sqrt(np.vdot(g, g).real)) if g.dtype.kind in "fc" else float(np.abs(g).sum())
    return (
        f"‖g‖ {num(norm)}  min {num(g.min())}  max {num(g.max())}  zeros {zeros:.0f}%",
        False,
    )
