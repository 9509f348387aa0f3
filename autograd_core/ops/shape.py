"""Shape ops: reshape/view/flatten/squeeze/unsqueeze, permute/transpose, expand/broadcast_to,
flip and repeat.

None of them changes a value, so each backward rule only moves the gradient back into the
input's layout: reshape it back, permute it back, flip it back, or (for expand and repeat) sum
it back. Joining, splitting and padding (cat, stack, split, chunk, pad) are in ``join.py``.
"""

from __future__ import annotations

import math
from numbers import Integral
from typing import Any

import numpy as np

from .. import _generic as xp
from ..function import Function
from ..tensor import Tensor
from ._args import axis_arg, normalize_dims, pick, shape_arg
from .index import as_view
from .join import chunk, split  # noqa: F401 - Tensor.split/chunk reach them through here

__all__ = [
    "reshape",
    "view",
    "flatten",
    "squeeze",
    "unsqueeze",
    "permute",
    "transpose",
    "expand",
    "broadcast_to",
    "flip",
    "repeat",
]


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


class Flip(Function):
    """y = x with the order of elements reversed along ``dims``.   dy/dx: flip g the same way"""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims)

    @staticmethod
    def backward(ctx, g):
        return xp.flip(g, ctx.dims)


class Repeat(Function):
    """y = x tiled: ``sizes[i]`` copies along axis i (x first gets leading axes of size 1).

    Axis i of y, of size rᵢ·nᵢ, is copy k of x at positions k·nᵢ ... k·nᵢ + nᵢ - 1, so
    dy/dx = Σ over the copies: g reshaped to (r₀, n₀, r₁, n₁, ...) and summed over the r axes.
    """

    @staticmethod
    def forward(ctx, x, sizes):
        padded = (1,) * (len(sizes) - x.ndim) + x.shape
        ctx.shape = x.shape
        ctx.pairs = tuple(v for r, n in zip(sizes, padded) for v in (r, n))
        return np.tile(x.reshape(padded), sizes)

    @staticmethod
    def backward(ctx, g):
        copies = tuple(range(0, len(ctx.pairs), 2))
        return g.reshape(ctx.pairs).sum(axis=copies).reshape(ctx.shape)


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape; one dimension may be -1 (inferred)."""
    shape = shape_arg(shape)
    try:
        target = _infer_shape("reshape", input.shape, shape)
    except ValueError as e:
        raise RuntimeError(str(e)) from None
    if target == input.shape:
        return input
    return as_view(Reshape.apply(input, target), input)


def _infer_shape(op: str, old: tuple, shape: tuple) -> tuple:
    size = math.prod(old)
    if shape.count(-1) > 1:
        raise ValueError(f"{op}(): only one dimension can be inferred (-1), got {shape}")
    known = math.prod([s for s in shape if s != -1])
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


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the axes ``start_dim`` ... ``end_dim`` (both included) into one:
    a (2, 3, 4) tensor flattens to (24,), or with ``start_dim=1`` to (2, 12)."""
    shape = input.data.shape
    nd = len(shape) or 1
    s = axis_arg("flatten", start_dim, nd, shape)
    e = axis_arg("flatten", end_dim, nd, shape)
    if not shape:
        return reshape(input, 1)
    if s > e:
        raise RuntimeError(
            f"flatten(): start_dim {start_dim} cannot come after end_dim {end_dim} "
            f"(tensor of shape {shape})"
        )
    target = shape[:s] + (math.prod(shape[s : e + 1]),) + shape[e + 1 :]  # always valid
    if target == shape:
        return input
    return as_view(Reshape.apply(input, target), input)


def squeeze(input: Tensor, dim: Any = None, *dims: int, axis: Any = None) -> Tensor:
    """Remove axes of size 1: all of them, or those among ``dim`` (an int or a tuple; also
    ``x.squeeze(0, 2)``). A listed axis whose size is not 1 is left alone, as in PyTorch."""
    dim = pick("squeeze", "dim", dim, "axis", axis)
    if dims:
        dim = (dim, *dims)
    axes = normalize_dims("squeeze", dim, input.ndim)
    drop = range(input.ndim) if axes is None else axes
    shape = tuple(n for i, n in enumerate(input.shape) if n != 1 or i not in drop)
    return reshape(input, shape)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert an axis of size 1 at position ``dim`` (from -ndim-1 to ndim)."""
    d = axis_arg("unsqueeze", dim, input.ndim + 1, input.shape)
    return reshape(input, input.shape[:d] + (1,) + input.shape[d:])


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
    return as_view(Permute.apply(input, dims=order), input)


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
    return as_view(Expand.apply(input, shape=target), input)


def broadcast_to(input: Tensor, shape: Any) -> Tensor:
    """numpy's name for :func:`expand`."""
    return expand(input, tuple(shape))


def flip(input: Tensor, *args: Any, dims: Any = None, axis: Any = None) -> Tensor:
    """Reverse the order of elements along ``dims``: ``x.flip(0)``, ``x.flip(0, 1)``,
    ``flip(x, (0, 1))`` or ``flip(x, dims=[0])`` (numpy's ``axis=`` too)."""
    dims = pick("flip", "dims", dims, "axis", axis)
    if dims is None:
        dims = args[0] if len(args) == 1 else args
    if isinstance(dims, Integral):
        dims = (dims,)
    axes = normalize_dims("flip", tuple(dims), input.ndim)
    if input.ndim == 0:
        axes = ()
    return as_view(Flip.apply(input, dims=axes), input)


def repeat(input: Tensor, *sizes: Any) -> Tensor:
    """Copies of the whole tensor along each axis, as ``torch.Tensor.repeat`` (numpy's
    ``tile``): ``(2, 3)`` repeated ``(2, 1)`` is ``(4, 3)``; with more sizes than axes the
    tensor first gets leading axes of size 1, so ``(3,)`` repeated ``(2, 2)`` is ``(2, 6)``."""
    sizes = shape_arg(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"repeat(): number of dimensions of repeat dims {list(sizes)} can not be smaller "
            f"than number of dimensions of tensor (shape {input.shape})"
        )
    if any(r < 0 for r in sizes):
        raise RuntimeError(f"repeat(): repeats can not be negative, got {list(sizes)}")
    return Repeat.apply(input, sizes=sizes)
