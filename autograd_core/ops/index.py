"""Indexing: ``x[key]`` and ``x[key] = v``, with ints, slices, None, ``...``, integer arrays
(lists, numpy arrays or Tensors) and boolean masks, mixed as numpy allows.

The backward of ``y = x[key]`` puts g back where the elements came from, in a tensor of
zeros of x's shape. With ints, slices and masks every element of x is picked at most once,
so that is a plain assignment ``out[key] = g``; integer arrays may pick an element several
times (``x[[0, 0]]``), and then the gradients add up (``np.add.at``). That scatter is itself
an op, :class:`IndexAdd`, whose backward is indexing again: second derivatives work.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np

from ..function import Function
from ..grad_mode import STATE
from ..tensor import Tensor

__all__: list[str] = []


class GetItem(Function):
    """y = x[key].   dL/dx = zeros of x's shape with g put (added, for repeated integer
    indices) at the indexed places"""

    @staticmethod
    def forward(ctx, x, key, unique):
        ctx.shape, ctx.key, ctx.unique = x.shape, key, unique
        return x[key]

    @staticmethod
    def backward(ctx, g):
        if isinstance(g, Tensor):  # create_graph: record the scatter, to differentiate it
            return IndexAdd.apply(g, shape=ctx.shape, key=ctx.key, unique=ctx.unique)
        return _scatter_add(g, ctx.shape, ctx.key, ctx.unique)


class IndexAdd(Function):
    """y = zeros(shape) with g added at [key] (the backward of x[key], as an op).
    dy/dg = picking those places again: dL/dg = gg[key]"""

    @staticmethod
    def forward(ctx, g, shape, key, unique):
        ctx.key = key
        return _scatter_add(g, shape, key, unique)

    @staticmethod
    def backward(ctx, gg):
        return gg[ctx.key]


class SetItem(Function):
    """y = x with y[key] = v (v broadcast to the shape of x[key]).
    dy/dx = 1 outside key and 0 at key;   dy/dv = g[key] (summed back to v's shape)

    ``keys`` is the key as one or two steps (see :func:`_ints_first`): y[k1][k2] = v.
    """

    @staticmethod
    def forward(ctx, x, v, keys):
        ctx.keys, ctx.v_ndim = keys, v.ndim
        out = x.copy()
        _write(out, keys, v)
        return out

    @staticmethod
    def backward(ctx, g):
        gx = gv = None
        if ctx.needs_input_grad[0]:
            if isinstance(g, Tensor):
                keep = np.ones(g.shape, g.dtype)
                _write(keep, ctx.keys, 0)
                gx = g * keep
            else:
                gx = g.copy()
                _write(gx, ctx.keys, 0)
        if ctx.needs_input_grad[1]:
            gv = g
            for k in ctx.keys:
                gv = gv[k]
            if gv.ndim < ctx.v_ndim:  # v had extra leading axes of size 1
                gv = gv.reshape((1,) * (ctx.v_ndim - gv.ndim) + tuple(gv.shape))
        return gx, gv


def _write(a: np.ndarray, keys: tuple, v: Any) -> None:
    """``a[k1][k2] = v`` (all keys but the last are basic, so they give views of ``a``)."""
    for k in keys[:-1]:
        a = a[k]
    a[keys[-1]] = v


def _scatter_add(g: np.ndarray, shape: tuple, key: tuple, unique: bool) -> np.ndarray:
    """zeros(shape) with g added at [key]."""
    out = np.zeros(shape, g.dtype)
    if unique:  # each place is picked once: assign (much faster than add.at)
        out[key] = g
    else:
        np.add.at(out, key, g)
    return out


# --------------------------------------------------------------------------------------------
# The key: Tensors and lists made arrays, checked against the shape, with clear errors
# --------------------------------------------------------------------------------------------
def index_key(key: Any, shape: tuple) -> tuple[tuple, bool]:
    """``key`` as a tuple numpy indexes with, checked against ``shape``; and whether every
    element it picks is picked once (True unless it has an integer array)."""
    parts = key if type(key) is tuple else (key,)
    out = []
    unique = True
    consumed = 0  # axes of x that the key walks over
    has_ellipsis = False
    for k in parts:
        if isinstance(k, Tensor):
            k = k.data
        elif isinstance(k, list):
            k = np.asarray(k)
            if k.size == 0:
                k = k.astype(np.intp)
        if k is None or isinstance(k, slice):
            consumed += k is not None
        elif k is Ellipsis:
            if has_ellipsis:
                raise IndexError("an index can only have a single ellipsis ('...')")
            has_ellipsis = True
        elif isinstance(k, bool | np.bool_):
            k = np.asarray(k)
        elif isinstance(k, Integral):
            k = int(k)
            consumed += 1
        elif isinstance(k, np.ndarray):
            if k.dtype.kind in "iu":
                if k.ndim == 0:
                    k = int(k)
                else:
                    unique = False
                consumed += 1
            elif k.dtype.kind == "b":
                consumed += k.ndim
            else:
                raise IndexError(
                    f"tensors used as indices must be long, int or bool tensors, got dtype "
                    f"{k.dtype}"
                )
        else:
            raise IndexError(
                f"only integers, slices (`:`), ellipsis (`...`), None and long or bool "
                f"tensors are valid indices, got {type(k).__name__} {k!r}"
            )
        out.append(k)
    ndim = len(shape)
    if consumed > ndim:
        raise IndexError(
            f"too many indices for tensor of dimension {ndim} (shape {shape}): the index "
            f"uses {consumed} dimensions"
        )
    _check_bounds(out, shape, consumed)
    if not has_ellipsis and unique and not any(isinstance(k, np.ndarray) for k in out):
        out.append(Ellipsis)  # basic key: x[0, 1, ...] is a 0-d view where x[0, 1] is a copy
    return tuple(out), unique


def _check_bounds(parts: list, shape: tuple, consumed: int) -> None:
    """IndexError naming the index, the dimension and its size when an int or an integer
    array points outside the tensor, or a mask's shape doesn't match."""
    d = 0
    for k in parts:
        if k is None:
            continue
        if k is Ellipsis:
            d += len(shape) - consumed
            continue
        if isinstance(k, int):
            if not -shape[d] <= k < shape[d]:
                raise IndexError(
                    f"index {k} is out of bounds for dimension {d} with size {shape[d]} "
                    f"(tensor of shape {shape})"
                )
        elif isinstance(k, np.ndarray) and k.dtype.kind == "b":
            if k.shape != shape[d : d + k.ndim]:
                raise IndexError(
                    f"the shape of the mask {list(k.shape)} at index {d} does not match the "
                    f"shape of the indexed tensor {list(shape)} at index {d}"
                )
            d += k.ndim
            continue
        elif isinstance(k, np.ndarray) and k.size:
            n = shape[d]
            bad = (k >= n) | (k < -n)
            if bad.any():
                raise IndexError(
                    f"index {k[bad].flat[0]} is out of bounds for dimension {d} with size {n} "
                    f"(tensor of shape {shape})"
                )
        d += 1


# --------------------------------------------------------------------------------------------
# The functions Tensor's [] calls
# --------------------------------------------------------------------------------------------
def _ints_first(key: tuple) -> tuple:
    """The key as steps applied one after the other: ``(key,)``, or, when it mixes ints with
    arrays, the ints first and the rest next. PyTorch treats an int as slicing that drops the
    axis, while numpy counts it among the array indices, which changes where the axes of
    the array indices go (``x[1, :, [0, 2]]`` is (3, 2) for a (2, 3, 4) x in PyTorch, (2, 3)
    in numpy); two steps give PyTorch's answer."""
    has_int = any(type(k) is int for k in key)
    if not has_int or not any(isinstance(k, np.ndarray) for k in key):
        return (key,)
    first, rest = [], []
    for k in key:
        if type(k) is int:
            first.append(k)
        elif k is None:
            rest.append(k)
        elif k is Ellipsis:
            first.append(k)
            rest.append(k)
        else:
            first.extend(
                [slice(None)] * (k.ndim if isinstance(k, np.ndarray) and k.dtype == bool else 1)
            )
            rest.append(k)
    return tuple(first), tuple(rest)


def getitem(input: Tensor, key: Any) -> Tensor:
    """``input[key]``, differentiable: ints, slices, None, ``...``, integer arrays (lists,
    arrays or Tensors; repeated indices get the sum of their gradients) and boolean masks.
    With ints, slices and None only, the result is a view (it shares memory), as PyTorch."""
    if type(key) is slice or (type(key) is int and input.ndim and -len(input) <= key < len(input)):
        return as_view(GetItem.apply(input, key=(key, Ellipsis), unique=True), input)  # x[i]
    k, unique = index_key(key, input.shape)
    steps = _ints_first(k)
    if len(steps) == 2:
        input = GetItem.apply(input, key=steps[0], unique=True)
    return as_view(GetItem.apply(input, key=steps[-1], unique=unique), input)


def as_view(out: Tensor, input: Tensor) -> Tensor:
    """When ``out``'s array is a view of ``input``'s (basic indexing, reshape, permute, ...),
    give them one version counter, as PyTorch's views have: an in-place change through either
    one then makes every op that saved the other refuse to backward."""
    base = out.data.base  # numpy points a view at the array that owns the memory
    if base is not None and (base is input.data or base is input.data.base):
        out._vc = input._vc
    return out


def setitem(input: Tensor, key: Any, value: Any) -> None:
    """``input[key] = value``, in place, as PyTorch.

    Without gradients involved (under ``no_grad()``, or when neither side requires grad) the
    values are written into the array. A leaf that requires grad refuses. Otherwise the write
    is recorded: the gradient flows to ``input`` everywhere outside ``key`` and to ``value``
    at ``key``.
    """
    keys = _ints_first(index_key(key, input.shape)[0])
    value_requires_grad = isinstance(value, Tensor) and value.requires_grad
    if not (STATE.enabled and (input.requires_grad or value_requires_grad)):
        _write(input.data, keys, value.data if isinstance(value, Tensor) else value)
        input._bump()
        return
    if input.dtype.kind != "f":
        raise RuntimeError(
            f"setitem: a value that requires grad can't be written into a tensor of dtype "
            f"{input.dtype} (only floating point tensors can require gradients)"
        )
    if not isinstance(value, Tensor):
        value = Tensor._make(np.asarray(value, dtype=input.dtype), False, None)
    input._inplace(lambda old, v: SetItem.apply(old, v, keys=keys), value)
