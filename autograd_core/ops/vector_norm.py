"""Vector norms: ``norm(x, p, dim)`` for p = 2 ('fro'), 1, ±inf, 0 and any other p
(re-exported by :mod:`.reduce`). Like PyTorch, the gradient is 0 where the norm is 0."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _generic as xp
from ..function import Function
from ..tensor import Tensor
from .reduce import _reduce_args, _reduced, _unreduce

__all__ = ["norm"]


class Norm2(Function):
    """y = √(Σ x²) over dims.   dy/dx = x / y   (0 where y = 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        y = np.sqrt((x * x).sum(axis=dims, keepdims=keepdim))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        y = _unreduce(y, ctx.dims, ctx.keepdim, x.ndim)
        zero = xp.value(y) == 0
        w = xp.where(
            zero, 0.0, _unreduce(g, ctx.dims, ctx.keepdim, x.ndim) / xp.where(zero, 1.0, y)
        )
        return w * x


class Norm1(Function):
    """y = Σ |x| over dims.   dy/dx = sign(x)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.sign = np.sign(x)
        return np.abs(x).sum(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, g):
        return _unreduce(g, ctx.dims, ctx.keepdim, len(ctx.in_shapes[0])) * ctx.sign


class NormInf(Function):
    """y = max |x| (p = inf) or min |x| (p = -inf) over dims.
    dy/dx = sign(x)/k at each of the k elements with |x| = y, else 0"""

    @staticmethod
    def forward(ctx, x, dims, keepdim, largest):
        ctx.dims, ctx.keepdim = dims, keepdim
        a = np.abs(x)
        y = a.max(axis=dims, keepdims=True) if largest else a.min(axis=dims, keepdims=True)
        hit = a == y
        ctx.share = (np.sign(x) * hit / hit.sum(axis=dims, keepdims=True)).astype(x.dtype)
        return y if keepdim else y.reshape(_reduced(x.shape, dims))

    @staticmethod
    def backward(ctx, g):
        return _unreduce(g, ctx.dims, ctx.keepdim, len(ctx.in_shapes[0])) * ctx.share


class NormP(Function):
    """y = (Σ |x|ᵖ)^(1/p) over dims (p = 0 counts the non-zeros).
    dy/dx = sign(x) |x|^(p-1) / y^(p-1)   (0 where x = 0 or y = 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim, p):
        ctx.dims, ctx.keepdim, ctx.p = dims, keepdim, p
        if p == 0:
            return (x != 0).sum(axis=dims, keepdims=keepdim).astype(x.dtype)
        with np.errstate(divide="ignore"):
            y = (np.abs(x) ** p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        p, dims, keep = ctx.p, ctx.dims, ctx.keepdim
        g = _unreduce(g, dims, keep, len(ctx.in_shapes[0]))
        if p == 0:
            return xp.broadcast_to(g * 0.0, ctx.in_shapes[0])
        x, y = ctx.saved_tensors
        y = _unreduce(y, dims, keep, x.ndim)
        dead = (xp.value(x) == 0) | (xp.value(y) == 0)
        s = xp.sign(x)
        ratio = xp.where(dead, 1.0, x * s) / xp.where(dead, 1.0, y)  # |x| / y
        return xp.where(dead, 0.0, g * s * ratio ** (p - 1))


def norm(
    input: Tensor,
    p: Any = "fro",
    dim: Any = None,
    keepdim: bool = False,
    dtype: Any = None,
    *,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """The vector p-norm over ``dim`` (all elements when None): ``p`` = 2 or 'fro' (the
    default, √Σx²), 1, inf, -inf, 0 (count of non-zeros) or any other number."""
    dims, keep = _reduce_args("norm", input, dim, keepdim, axis, keepdims)
    if dtype is not None:
        input = input.astype(dtype)
    if input.dtype.kind != "f":
        raise RuntimeError(
            f"norm(): expected a floating point tensor, got dtype {input.dtype} "
            f"(convert with .float())"
        )
    if isinstance(p, str):
        if p != "fro":
            raise ValueError(
                f"norm(): p={p!r} is not supported; give 'fro' or a number (the nuclear norm "
                f"'nuc' is a matrix norm that this library does not implement)"
            )
        p = 2
    p = float(p)
    if p == 2:
        return Norm2.apply(input, dims=dims, keepdim=keep)
    if p == 1:
        return Norm1.apply(input, dims=dims, keepdim=keep)
    if np.isinf(p):
        return NormInf.apply(input, dims=dims, keepdim=keep, largest=p > 0)
    return NormP.apply(input, dims=dims, keepdim=keep, p=p)
