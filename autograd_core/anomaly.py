"""Anomaly detection: find the line of *your* code where the first NaN or Inf appeared.

Inside ``with autograd_core.detect_anomaly():`` every op records, on its graph node, the place
in the user's code that created it (the first stack frame outside the ``autograd_core``,
``nn`` and ``optim`` packages) and

* in forward, the first op whose output contains NaN or Inf raises :class:`AnomalyError`
  naming the op, its input shapes, and that file, line and code;
* in backward, the first node that returns a NaN or Inf gradient raises, naming the node and
  the forward line that created it.

``Function.apply`` calls :func:`check_forward` and the engine calls :func:`check_backward`
only while the per-thread flag ``grad_mode.STATE.anomaly`` is set, so the normal path pays
nothing. Recording stack frames and scanning every array is slow: use it to debug, not to
train.
"""

from __future__ import annotations

import functools
import linecache
import os
import sys
import threading
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import numpy as np

from .grad_mode import STATE

__all__ = [
    "AnomalyError",
    "SourceLocation",
    "detect_anomaly",
    "is_anomaly_check_nan_enabled",
    "is_anomaly_enabled",
    "set_detect_anomaly",
]

F = TypeVar("F", bound=Callable[..., Any])


class SourceLocation(NamedTuple):
    """Where in the user's code a graph node was created."""

    filename: str
    lineno: int
    function: str
    code: str

    def __str__(self) -> str:
        where = f"{self.filename}:{self.lineno} in {self.function}"
        return f"{where}\n    {self.code}" if self.code else where


class AnomalyError(RuntimeError):
    """A NaN or Inf appeared in forward or backward while anomaly detection was on.

    ``node`` is the offending graph node (a :class:`~autograd_core.function.Function`) and
    ``location`` the :class:`SourceLocation` that created it (None if it was not recorded);
    the graph drawing uses them to highlight the culprit."""

    def __init__(self, message: str, node: Any = None, location: SourceLocation | None = None):
        super().__init__(message)
        self.node = node
        self.location = location


class _Local(threading.local):
    def __init__(self) -> None:
        self.check_nan = True


_LOCAL = _Local()

# Frames in these folders are library code; the location recorded is the first frame outside.
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY_DIRS = tuple(os.path.join(_ROOT, p) + os.sep for p in ("autograd_core", "nn", "optim"))
_is_library: dict[str, bool] = {}


def _library_file(filename: str) -> bool:
    known = _is_library.get(filename)
    if known is None:
        known = os.path.abspath(filename).startswith(_LIBRARY_DIRS)
        _is_library[filename] = known
    return known


def user_location() -> SourceLocation | None:
    """The innermost stack frame outside the library packages (None if there is none)."""
    f = sys._getframe(1)
    while f is not None and _library_file(f.f_code.co_filename):
        f = f.f_back
    if f is None:
        return None
    code = linecache.getline(f.f_code.co_filename, f.f_lineno).strip()
    return SourceLocation(f.f_code.co_filename, f.f_lineno, f.f_code.co_name, code)


# -- switching it on -----------------------------------------------------------------------------
def is_anomaly_enabled() -> bool:
    """True inside ``detect_anomaly()`` (in this thread)."""
    return bool(STATE.anomaly)


def is_anomaly_check_nan_enabled() -> bool:
    """True when anomaly mode also checks values for NaN/Inf (not only records locations)."""
    return bool(STATE.anomaly) and _LOCAL.check_nan


class set_detect_anomaly:
    """Turn anomaly detection on or off, as a plain call or as a ``with`` block (which
    restores the previous mode on exit). ``check_nan=False`` only records where each node was
    created, without checking values."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._prev = (STATE.anomaly, _LOCAL.check_nan)
        STATE.anomaly, _LOCAL.check_nan = bool(mode), bool(check_nan)

    def __enter__(self) -> None:
        pass  # already switched by __init__

    def __exit__(self, *exc: object) -> None:
        STATE.anomaly, _LOCAL.check_nan = self._prev


class detect_anomaly:
    """Context manager (and decorator) that finds where NaN/Inf values first appear.

    >>> with detect_anomaly():
    ...     y = x.log()      # AnomalyError if x has values <= 0: names LogBackward and this line
    ...     y.sum().backward()

    ``check_nan=False`` keeps the source locations (for error messages and the graph drawing)
    without checking the values.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = bool(check_nan)

    def __enter__(self) -> None:
        self._prev = (STATE.anomaly, _LOCAL.check_nan)
        STATE.anomaly, _LOCAL.check_nan = True, self.check_nan

    def __exit__(self, *exc: object) -> None:
        STATE.anomaly, _LOCAL.check_nan = self._prev

    def __call__(self, fn: F) -> F:
        check_nan = self.check_nan

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(check_nan):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


# -- the two checks the core calls ---------------------------------------------------------------
def _nonfinite(a: Any) -> str | None:
    """ "NaN", "Inf", "NaN and Inf" or None, for a float array (or Tensor)."""
    if not isinstance(a, np.ndarray | np.generic):
        a = getattr(a, "data", a)  # a Tensor (create_graph=True)
    if not isinstance(a, np.ndarray | np.generic) or a.dtype.kind not in "fc":
        return None
    if np.isfinite(a).all():
        return None
    nan, inf = bool(np.isnan(a).any()), bool(np.isinf(a).any())
    return "NaN and Inf" if nan and inf else ("NaN" if nan else "Inf")


def _count(a: np.ndarray) -> str:
    return f"{int(a.size - np.isfinite(a).sum())} of {a.size} values"


def check_forward(ctx: Any, inputs: tuple, result: Any) -> None:
    """Called by ``Function.apply`` in anomaly mode, after ``forward``: record where ``ctx``
    was created and raise if ``result`` holds NaN or Inf."""
    loc = user_location()
    if result.grad_fn is ctx:
        ctx._trace = loc
    if not _LOCAL.check_nan:
        return
    bad = _nonfinite(result.data)
    if bad is None:
        return
    lines = [
        f"detect_anomaly: {ctx.name} produced {bad} in its output in forward "
        f"({_count(result.data)}, output shape {tuple(result.shape)})."
    ]
    from .tensor import Tensor

    pre = []
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor):  # a constant argument (x * 2.0)
            lines.append(f"  input {i}: the constant {t!r}")
            continue
        had = _nonfinite(t.data)
        note = f" (already contains {had})" if had else ""
        lines.append(f"  input {i}: shape {tuple(t.shape)}, dtype {t.dtype}{note}")
        if had:
            pre.append(i)
    if pre:
        which = ", ".join(str(i) for i in pre)
        lines.append(
            f"  The NaN/Inf was already in input {which}: it came from outside detect_anomaly() "
            f"(the data, or an op run before the with block), not from {ctx.name} itself."
        )
    lines.append(_where(loc, "created at"))
    outer = _running_backward()
    if outer is not None:
        lines.append(
            f"  It ran inside the backward rule of {outer.name} (create_graph=True); "
            + _where(outer._trace, f"{outer.name} was created at").lstrip()
        )
    raise AnomalyError("\n".join(lines), ctx, loc)


def _running_backward() -> Any:
    """The node whose backward rule is running (with create_graph=True), if any: the rule
    gets a ``GraphCtx`` as ``ctx``. Only looked up to word an error, so the cost is no issue."""
    from .function import GraphCtx

    f = sys._getframe(1)
    while f is not None:
        ctx = f.f_locals.get("ctx") if f.f_code.co_name == "backward" else None
        if isinstance(ctx, GraphCtx):
            return ctx._node
        f = f.f_back
    return None


def check_backward(node: Any, in_grads: tuple) -> None:
    """Called by the engine in anomaly mode after ``node.backward``: raise if one of the
    gradients it returned holds NaN or Inf, naming the forward line that created ``node``."""
    if not _LOCAL.check_nan:
        return
    shapes = node.in_shapes
    for i, g in enumerate(in_grads):
        if g is None:
            continue
        data = g if isinstance(g, np.ndarray | np.generic) else g.data
        bad = _nonfinite(data)
        if bad is None:
            continue
        shape = tuple(shapes[i]) if i < len(shapes) else tuple(np.shape(data))
        loc = node._trace
        msg = (
            f"detect_anomaly: {node.name} returned {bad} in its gradient for input {i} "
            f"(shape {shape}; {_count(np.asarray(data))}) in backward.\n"
            + _where(loc, "The forward op was created at")
        )
        raise AnomalyError(msg, node, loc)


def _where(loc: SourceLocation | None, what: str) -> str:
    if loc is None:
        return (
            f"  {what}: unknown (the op was created outside detect_anomaly(); run the forward "
            f"pass inside the with block too, to see its line)"
        )
    return f"  {what} {loc.filename}:{loc.lineno} in {loc.function}\n    {loc.code}"
