"""Functions that work on numpy arrays *and* on Tensors, for writing backward rules once.

The engine runs a backward rule on numpy arrays, or on Tensors when ``create_graph=True``
(so the backward pass is itself recorded). Operators (``+ - * / ** @``), ``.sum(axis=...,
keepdims=...)``, ``.reshape(shape)`` and ``.T`` already work on both; everything else a rule
needs is here, dispatching on the argument's type.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _is_tensor(x: Any) -> bool:
    if type(x) is np.ndarray:  # the fast path: no import on every call
        return False
    from .tensor import Tensor

    return isinstance(x, Tensor)


def value(x: Any) -> Any:
    """The numpy array behind ``x`` (for masks computed inside a backward rule)."""
    return x.data if _is_tensor(x) else x


def exp(x: Any) -> Any:
    return x.exp() if _is_tensor(x) else np.exp(x)


def log(x: Any) -> Any:
    return x.log() if _is_tensor(x) else np.log(x)


def sqrt(x: Any) -> Any:
    return x.sqrt() if _is_tensor(x) else np.sqrt(x)


def sin(x: Any) -> Any:
    return x.sin() if _is_tensor(x) else np.sin(x)


def cos(x: Any) -> Any:
    return x.cos() if _is_tensor(x) else np.cos(x)


def sign(x: Any) -> Any:
    return x.sign() if _is_tensor(x) else np.sign(x)


def where(cond: Any, a: Any, b: Any) -> Any:
    """``cond`` is a boolean array (a constant: no gradient flows through it)."""
    if _is_tensor(a) or _is_tensor(b):
        from .ops.elementwise import where as t_where

        return t_where(cond, a, b)
    return np.where(cond, a, b)


def permute(x: Any, axes: tuple) -> Any:
    return x.permute(*axes) if _is_tensor(x) else x.transpose(axes)


def swapaxes(x: Any, a: int, b: int) -> Any:
    return x.transpose(a, b) if _is_tensor(x) else x.swapaxes(a, b)


def expand_dims(x: Any, axis: int | tuple) -> Any:
    if not _is_tensor(x):
        return np.expand_dims(x, axis)
    shape = list(x.shape)
    axes = (axis,) if isinstance(axis, int) else axis
    ndim = len(shape) + len(axes)
    for a in sorted(a % ndim for a in axes):
        shape.insert(a, 1)
    return x.reshape(tuple(shape))


def broadcast_to(x: Any, shape: tuple) -> Any:
    return x.expand(*shape) if _is_tensor(x) else np.broadcast_to(x, shape)


def flip(x: Any, axes: tuple) -> Any:
    return x.flip(axes) if _is_tensor(x) else np.flip(x, axes)


def sum_to(g: Any, shape: tuple) -> Any:
    """Sum ``g`` down to ``shape``: the gradient of numpy broadcasting from ``shape``.

    Leading axes that broadcasting added are summed away; axes where ``shape`` has 1 and
    ``g`` has more are summed with ``keepdims``. This is the only place that undoes
    broadcasting: the engine calls it whenever a rule returns a gradient of another shape.
    """
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1
    )
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if lead or g.shape != tuple(shape):
        g = g.reshape(tuple(shape))
    return g


def broadcast_axes(g_shape: tuple, shape: tuple) -> tuple:
    """The axes (of the gradient) that ``sum_to(g, shape)`` sums over; for the drawings."""
    lead = len(g_shape) - len(shape)
    return tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and g_shape[lead + i] != 1
    )
