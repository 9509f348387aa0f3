"""Reductions: sum, mean, var/std, max/min, logsumexp, prod, norm.

``dim`` (or numpy's ``axis``) may be an int, a tuple or None (all axes); ``keepdim`` (or
``keepdims``) keeps the reduced axes with size 1. Backward rules first put the reduced axes
back (``_unreduce``) so the gradient broadcasts against the input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _generic as xp
from ..function import Function
from ..tensor import Tensor
from ._args import normalize_dims, pick

__all__ = ["sum", "mean"]


def _reduce_args(op: str, x: Tensor, dim: Any, keepdim: Any, axis: Any, keepdims: Any) -> tuple:
    dims = normalize_dims(op, pick(op, "dim", dim, "axis", axis), x.ndim)
    keep = bool(pick(op, "keepdim", keepdim, "keepdims", keepdims))
    return dims, keep


def _unreduce(g: Any, dims: tuple | None, keepdim: bool, ndim: int) -> Any:
    """Give ``g`` back the reduced axes (size 1), so that it broadcasts against the input."""
    if keepdim or ndim == 0:
        return g
    return xp.expand_dims(g, tuple(range(ndim)) if dims is None else dims)


class Sum(Function):
    """y = Σ x over dims.   dy/dx = 1 for every summed element (g is broadcast back)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return x.sum(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return xp.broadcast_to(_unreduce(g, ctx.dims, ctx.keepdim, len(ctx.shape)), ctx.shape)


class Mean(Function):
    """y = (1/n) Σ x over dims (n elements reduced).   dy/dx = 1/n"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.n = x.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
        return x.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        g = _unreduce(g, ctx.dims, ctx.keepdim, len(ctx.shape)) / ctx.n
        return xp.broadcast_to(g, ctx.shape)


def sum(  # noqa: A001 - PyTorch's name
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: Any = None,
    dtype: Any = None,
) -> Tensor:
    """Sum over ``dim`` (all elements when None)."""
    dims, keep = _reduce_args("sum", input, dim, keepdim, axis, keepdims)
    if dtype is not None:
        input = input.astype(dtype)
    elif input.dtype.kind in "bi":
        input = input.astype(np.int64)
    return Sum.apply(input, dims=dims, keepdim=keep)


def mean(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: Any = None,
    dtype: Any = None,
) -> Tensor:
    """Average over ``dim`` (all elements when None)."""
    dims, keep = _reduce_args("mean", input, dim, keepdim, axis, keepdims)
    if dtype is not None:
        input = input.astype(dtype)
    if input.dtype.kind != "f":
        raise RuntimeError(
            f"mean(): could not infer output dtype: input dtype {input.dtype} is not floating "
            f"point; pass dtype=autograd_core.float32 or convert with .float()"
        )
    return Mean.apply(input, dims=dims, keepdim=keep)
