"""Shape ops: reshape/view, permute/transpose, expand/broadcast_to, and friends.

None of them changes a value, so each backward rule only moves the gradient back into the
input's layout: reshape it back, permute it back, or (for expand) sum it back, which the
engine's ``sum_to`` does for every op.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _generic as xp
from ..function import Function
from ..tensor import Tensor
from ._args import normalize_dims, shape_arg

__all__ = ["reshape", "view", "permute", "transpose", "expand", "broadcast_to"]


class Reshape(Function):
    """y = x with a new shape (same elements, row-major order).   dy/dx: reshape g back"""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape)


class Permute(Function):
    """y = x with its axes reordered by ``dims``.   dy/dx: permute g by the inverse order"""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, g):
        return xp.permute(g, ctx.inverse)


class Expand(Function):
    """y = x broadcast to a larger shape (no copy).   dy/dx: sum g over the broadcast axes
    (the engine's ``sum_to`` does it, as for every broadcasting op)"""

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape; one dimension may be -1 (inferred)."""
    shape = shape_arg(shape)
    try:
        target = _infer_shape("reshape", input.shape, shape)
    except ValueError as e:
        raise RuntimeError(str(e)) from None
    if target == input.shape:
        return input
    return Reshape.apply(input, shape=target)


def _infer_shape(op: str, old: tuple, shape: tuple) -> tuple:
    size = int(np.prod(old))
    if shape.count(-1) > 1:
        raise ValueError(f"{op}(): only one dimension can be inferred (-1), got {shape}")
    known = int(np.prod([s for s in shape if s != -1]))
    if -1 in shape:
        if known == 0 or size % known:
            raise ValueError(
                f"{op}(): shape {list(shape)} is invalid for input of size {size} "
                f"(shape {tuple(old)})"
            )
        shape = tuple(size // known if s == -1 else s for s in shape)
    elif known != size or any(s < 0 for s in shape):
        raise ValueError(
            f"{op}(): shape {list(shape)} is invalid for input of size {size} (shape {tuple(old)})"
        )
    return shape


def view(input: Tensor, *shape: Any) -> Tensor:
    """As :func:`reshape` (numpy arrays need no contiguity for it)."""
    return reshape(input, *shape)


def permute(input: Tensor, *dims: Any) -> Tensor:
    """Reorder the axes: ``x.permute(2, 0, 1)``."""
    dims = shape_arg(dims)
    if len(dims) != input.ndim:
        raise RuntimeError(
            f"permute(): number of dims {len(dims)} doesn't match the tensor's {input.ndim} "
            f"dimensions (shape {input.shape})"
        )
    norm = normalize_dims("permute", dims, input.ndim)
    order = tuple(d % input.ndim for d in dims) if input.ndim else ()
    if norm is not None and len(norm) != len(dims):
        raise RuntimeError(f"permute(): repeated dim in {dims}")
    if order == tuple(range(input.ndim)):
        return input
    return Permute.apply(input, dims=order)


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two axes."""
    n = input.ndim
    if n == 0:
        return input
    normalize_dims("transpose", (dim0,), n)
    normalize_dims("transpose", (dim1,), n)
    order = list(range(n))
    order[dim0 % n], order[dim1 % n] = order[dim1 % n], order[dim0 % n]
    return permute(input, *order)


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """Broadcast to ``sizes`` without copying; -1 keeps a dimension's size."""
    sizes = shape_arg(sizes)
    lead = len(sizes) - input.ndim
    if lead < 0:
        raise RuntimeError(
            f"expand(): the number of sizes {len(sizes)} must be at least the tensor's "
            f"{input.ndim} dimensions (shape {input.shape})"
        )
    target = tuple(
        input.shape[i - lead] if s == -1 and i >= lead else s for i, s in enumerate(sizes)
    )
    for i, n in enumerate(input.shape):
        if n != 1 and n != target[lead + i]:
            raise RuntimeError(
                f"expand(): the expanded size {target[lead + i]} must match the existing size "
                f"{n} at dimension {lead + i} (shape {input.shape} to {target})"
            )
    if target == input.shape:
        return input
    return Expand.apply(input, shape=target)


def broadcast_to(input: Tensor, shape: Any) -> Tensor:
    """numpy's name for :func:`expand`."""
    return expand(input, tuple(shape))
