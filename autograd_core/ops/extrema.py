"""Extrema: max, min, amax, amin, argmax, argmin (re-exported by :mod:`.reduce`).

Where the gradient goes when several elements tie for the maximum follows PyTorch:

- ``max(x, dim)`` / ``min(x, dim)`` return ``(values, indices)``; the gradient goes to the
  element at ``indices`` (the first occurrence), as the value was *selected* from there.
- ``amax``/``amin`` and ``max(x)``/``min(x)`` without ``dim`` split the gradient evenly
  among the tied elements.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from .. import _generic as xp
from ..function import Function
from ..tensor import Tensor
from ._args import normalize_dims, pick
from .elementwise import maximum, minimum
from .reduce import _reduce_args, _unreduce

__all__ = ["max", "min", "amax", "amin", "argmax", "argmin"]

#: What ``max(x, dim)`` returns (PyTorch's ``torch.return_types.max``): a tuple that also
#: has the attributes ``.values`` and ``.indices``.
MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


class Amax(Function):
    """y = max x over dims.   dy/dx = 1/k at each of the k elements equal to y, else 0"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        y = x.max(axis=dims, keepdims=keepdim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        return _split_among_ties(ctx, g)


class Amin(Function):
    """y = min x over dims.   dy/dx = 1/k at each of the k elements equal to y, else 0"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        y = x.min(axis=dims, keepdims=keepdim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        return _split_among_ties(ctx, g)


def _split_among_ties(ctx: Any, g: Any) -> Any:
    """g spread evenly over the elements that reached the extreme value (a constant mask)."""
    x, y = ctx.saved_tensors
    x, y = xp.value(x), xp.value(y)
    hit = x == _unreduce(y, ctx.dims, ctx.keepdim, x.ndim)
    share = hit / hit.sum(axis=ctx.dims, keepdims=True).astype(x.dtype)
    return _unreduce(g, ctx.dims, ctx.keepdim, x.ndim) * share.astype(x.dtype)


class SelectAlong(Function):
    """y = x at ``index`` along ``dim`` (the values of max/min with a dim).
    dy/dx = 1 at the selected element of each slice, else 0"""

    @staticmethod
    def forward(ctx, x, dim, keepdim, index):
        ctx.dim, ctx.keepdim, ctx.index = dim, keepdim, index
        y = np.take_along_axis(x, index, axis=dim)
        return y if keepdim else y.squeeze(dim)

    @staticmethod
    def backward(ctx, g):
        n, dim, index = ctx.in_shapes[0][ctx.dim], ctx.dim, ctx.index
        positions = np.arange(n).reshape([n if a == dim else 1 for a in range(index.ndim)])
        g = g if ctx.keepdim else xp.expand_dims(g, dim)
        return xp.where(positions == index, g, 0.0)


class MaxDim(SelectAlong):
    """values of max(x, dim): x at its argmax along dim; the gradient goes to that element"""


class MinDim(SelectAlong):
    """values of min(x, dim): x at its argmin along dim; the gradient goes to that element"""


# --------------------------------------------------------------------------------------------
# The functions users call
# --------------------------------------------------------------------------------------------
def _extreme(
    op: str, x: Tensor, dim: Any, keepdim: Any, axis: Any, keepdims: Any, largest: bool
) -> Any:
    """max / min: the scalar, ``(values, indices)`` for an int dim, or the elementwise
    extreme when the second argument is a tensor (``max(a, b)``)."""
    if isinstance(dim, Tensor):
        return maximum(x, dim) if largest else minimum(x, dim)
    d = pick(op, "dim", dim, "axis", axis)
    keep = bool(pick(op, "keepdim", keepdim, "keepdims", keepdims))
    if d is None or not isinstance(d, int | np.integer):
        if d is None and x.data.size == 0:
            raise RuntimeError(
                f"{op}(): Expected reduction dim to be specified for input.numel() == 0 "
                f"(the input has shape {x.shape}); give the 'dim' argument"
            )
        # all elements (torch's max(x)), or a tuple of axes (numpy's x.max(axis=(0, 1)))
        dims = normalize_dims(op, d, x.ndim) if x.ndim else None
        return (Amax if largest else Amin).apply(x, dims=dims, keepdim=keep)
    (axis_,) = normalize_dims(op, d, x.ndim)
    if x.ndim == 0:
        index = np.zeros((), np.int64)
        return (MaxResult if largest else MinResult)(x, Tensor._make(index, False, None))
    if x.data.shape[axis_] == 0:
        raise IndexError(
            f"{op}(): Expected reduction dim {d} to have non-zero size (input shape {x.shape})"
        )
    pick_index = np.argmax if largest else np.argmin
    index = pick_index(x.data, axis=axis_, keepdims=True)
    values = (MaxDim if largest else MinDim).apply(x, dim=axis_, keepdim=keep, index=index)
    indices = index if keep else index.squeeze(axis_)
    result = MaxResult if largest else MinResult
    return result(values, Tensor._make(indices.astype(np.int64, copy=False), False, None))


def max(  # noqa: A001 - PyTorch's name
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: Any = None,
) -> Any:
    """The largest element (a 0-d tensor); with an int ``dim``, the named tuple
    ``(values, indices)`` along it; with a tensor second argument, ``maximum(input, other)``."""
    return _extreme("max", input, dim, keepdim, axis, keepdims, largest=True)


def min(  # noqa: A001 - PyTorch's name
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: Any = None,
) -> Any:
    """The smallest element; with an int ``dim``, ``(values, indices)``; with a tensor second
    argument, ``minimum(input, other)``."""
    return _extreme("min", input, dim, keepdim, axis, keepdims, largest=False)


def amax(
    input: Tensor,
    dim: Any = (),
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """The maximum over ``dim`` (an int or a tuple; ``()`` or None means all); ties share the
    gradient evenly."""
    dims, keep = _reduce_args("amax", input, None if dim == () else dim, keepdim, axis, keepdims)
    return Amax.apply(input, dims=dims or None, keepdim=keep)


def amin(
    input: Tensor,
    dim: Any = (),
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """The minimum over ``dim`` (an int or a tuple; ``()`` or None means all); ties share the
    gradient evenly."""
    dims, keep = _reduce_args("amin", input, None if dim == () else dim, keepdim, axis, keepdims)
    return Amin.apply(input, dims=dims or None, keepdim=keep)


def _arg_extreme(op: str, x: Tensor, dim: Any, keepdim: Any, axis: Any, keepdims: Any) -> Tensor:
    d = pick(op, "dim", dim, "axis", axis)
    keep = bool(pick(op, "keepdim", keepdim, "keepdims", keepdims))
    fn = np.argmax if op == "argmax" else np.argmin
    if d is None:  # the index into the flattened tensor
        out = np.asarray(fn(x.data))
        if keep:
            out = out.reshape((1,) * x.ndim)
    else:
        (axis_,) = normalize_dims(op, int(d), x.ndim)
        out = np.asarray(fn(x.data, axis=axis_, keepdims=keep)) if x.ndim else np.zeros((), int)
    return Tensor._make(out.astype(np.int64, copy=False), False, None)


def argmax(
    input: Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """The index (int64) of the largest element along ``dim`` (first one on ties), or into the
    flattened tensor when ``dim`` is None. Not differentiable."""
    return _arg_extreme("argmax", input, dim, keepdim, axis, keepdims)


def argmin(
    input: Tensor,
    dim: int | None = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """The index (int64) of the smallest element along ``dim`` (first one on ties), or into
    the flattened tensor when ``dim`` is None. Not differentiable."""
    return _arg_extreme("argmin", input, dim, keepdim, axis, keepdims)
