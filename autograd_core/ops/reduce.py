"""Reductions: sum, mean, var/std, max/min, logsumexp, prod, norm.

``dim`` (or numpy's ``axis``) may be an int, a tuple or None (all axes); ``keepdim`` (or
``keepdims``) keeps the reduced axes with size 1. Backward rules first put the reduced axes
back (``_unreduce``) so the gradient broadcasts against the input.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import _generic as xp
from ..function import Function
from ..tensor import Tensor
from ._args import normalize_dims, pick

__all__ = [
    "sum",
    "mean",
    "var",
    "std",
    "prod",
    "logsumexp",
    "norm",
    "max",
    "min",
    "amax",
    "amin",
    "argmax",
    "argmin",
]


def _reduce_args(op: str, x: Tensor, dim: Any, keepdim: Any, axis: Any, keepdims: Any) -> tuple:
    dims = normalize_dims(op, pick(op, "dim", dim, "axis", axis), x.ndim)
    keep = bool(pick(op, "keepdim", keepdim, "keepdims", keepdims))
    return (dims if x.ndim else None), keep  # a 0-d tensor accepts dim 0 / -1, as in PyTorch


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


# --------------------------------------------------------------------------------------------
# Spread: var, std
# --------------------------------------------------------------------------------------------
def _count(shape: tuple, dims: tuple | None) -> int:
    """How many elements each output element reduces."""
    return int(np.prod(shape if dims is None else [shape[d] for d in dims]))


class Var(Function):
    """y = Σ (x - x̄)² / (n - c) over dims (c: the correction, 1 = unbiased).
    dy/dx = 2 (x - x̄) / (n - c)   (the x̄ term drops out because Σ (x - x̄) = 0)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim, correction):
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.dof = _dof("var", x.shape, dims, correction)
        ctx.save_for_backward(x)
        d = x - x.mean(axis=dims, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (d * d).sum(axis=dims, keepdims=keepdim) / ctx.dof

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        g = _unreduce(g, ctx.dims, ctx.keepdim, x.ndim)
        return g * (x - x.mean(axis=ctx.dims, keepdims=True)) * (2.0 / ctx.dof)


class Std(Function):
    """y = √var(x).   dy/dx = (x - x̄) / ((n - c) y)   (0 where y = 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim, correction):
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.dof = _dof("std", x.shape, dims, correction)
        d = x - x.mean(axis=dims, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.sqrt((d * d).sum(axis=dims, keepdims=keepdim) / ctx.dof)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        y = _unreduce(y, ctx.dims, ctx.keepdim, x.ndim)
        g = _unreduce(g, ctx.dims, ctx.keepdim, x.ndim)
        zero = xp.value(y) == 0
        w = xp.where(zero, 0.0, g / (xp.where(zero, 1.0, y) * ctx.dof))
        return w * (x - x.mean(axis=ctx.dims, keepdims=True))


def _dof(op: str, shape: tuple, dims: tuple | None, correction: float) -> float:
    """n - correction, floored at 0 (then the result is inf or nan, with PyTorch's warning)."""
    dof = _count(shape, dims) - correction
    if dof <= 0:
        warnings.warn(
            f"{op}(): degrees of freedom is <= 0 (reducing {_count(shape, dims)} elements with "
            f"correction={correction}); the result is inf or nan",
            RuntimeWarning,
            stacklevel=5,
        )
    return float(dof) if dof > 0 else 0.0


def _spread_args(
    op: str,
    x: Tensor,
    dim: Any,
    unbiased: Any,
    keepdim: Any,
    correction: Any,
    axis: Any,
    keepdims: Any,
    ddof: Any,
) -> tuple:
    """(dims, keepdim, correction) from PyTorch's and numpy's spellings. PyTorch's old form
    ``var(x, unbiased)`` passes a bool where ``dim`` goes."""
    if isinstance(dim, bool | np.bool_):
        dim, unbiased = None, bool(dim)
    given = [c for c in (unbiased, correction, ddof) if c is not None]
    if len(given) > 1:
        raise TypeError(f"{op}(): give only one of 'unbiased', 'correction' and 'ddof'")
    if unbiased is not None:
        c = 1 if unbiased else 0
    else:
        c = 1 if not given else given[0]
    dims, keep = _reduce_args(op, x, dim, keepdim, axis, keepdims)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{op}(): expected a floating point tensor, got dtype {x.dtype}")
    return dims, keep, c


def var(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
    axis: Any = None,
    keepdims: Any = None,
    ddof: float | None = None,
) -> Tensor:
    """Variance over ``dim``: unbiased (divides by n - 1) unless ``unbiased=False`` or
    ``correction=0`` (``ddof`` is numpy's name for the correction; the default stays 1)."""
    args = _spread_args("var", input, dim, unbiased, keepdim, correction, axis, keepdims, ddof)
    dims, keep, c = args
    return Var.apply(input, dims=dims, keepdim=keep, correction=c)


def std(
    input: Tensor,
    dim: Any = None,
    unbiased: bool | None = None,
    keepdim: bool = False,
    *,
    correction: float | None = None,
    axis: Any = None,
    keepdims: Any = None,
    ddof: float | None = None,
) -> Tensor:
    """Standard deviation over ``dim``, √var (unbiased by default, as :func:`var`)."""
    args = _spread_args("std", input, dim, unbiased, keepdim, correction, axis, keepdims, ddof)
    dims, keep, c = args
    return Std.apply(input, dims=dims, keepdim=keep, correction=c)


# --------------------------------------------------------------------------------------------
# prod, logsumexp
# --------------------------------------------------------------------------------------------
class Prod(Function):
    """y = Π x over dims.   dy/dxᵢ = Π_{j≠i} xⱼ: y / xᵢ when no factor is 0. With zeros, y / xᵢ
    is 0 at the non-zero factors, and at a zero it is the product of the other factors: of
    the non-zero ones with one zero, times the other zero with two (0, but its derivative is
    not, for create_graph), and 0 with more."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        y = x.prod(axis=dims, keepdims=keepdim)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        dims = ctx.dims
        zero = xp.value(x) == 0
        y = _unreduce(y, dims, ctx.keepdim, x.ndim)
        if not zero.any():
            return _unreduce(g, dims, ctx.keepdim, x.ndim) * y / x
        safe = xp.where(zero, 1.0, x)
        count = zero.sum(axis=dims, keepdims=True)
        rest = safe.prod(axis=dims, keepdims=True)  # the product of the non-zero factors
        other_zero = xp.where(zero, x, 0.0).sum(axis=dims, keepdims=True) - x
        at_zero = xp.where(count == 1, rest, xp.where(count == 2, rest * other_zero, 0.0))
        return _unreduce(g, dims, ctx.keepdim, x.ndim) * xp.where(zero, at_zero, y / safe)


class LogSumExp(Function):
    """y = log Σ exp(x) over dims, computed as m + log Σ exp(x - m) with m = max x (so ±1000
    neither overflows nor underflows).   dy/dx = exp(x - y) = softmax(x)"""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        m = np.max(x, axis=dims, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0).astype(x.dtype)  # rows of ±inf need no shift
        with np.errstate(divide="ignore"):
            y = np.log(np.exp(x - m).sum(axis=dims, keepdims=True)) + m
        if not keepdim:
            y = y.reshape(_reduced(x.shape, dims))
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        y = _unreduce(y, ctx.dims, ctx.keepdim, x.ndim)
        with np.errstate(invalid="ignore"):  # -inf - (-inf): nan for an all -inf row, as torch
            return _unreduce(g, ctx.dims, ctx.keepdim, x.ndim) * xp.exp(x - y)


def _reduced(shape: tuple, dims: tuple | None) -> tuple:
    """``shape`` without the reduced axes (all of them when ``dims`` is None)."""
    return () if dims is None else tuple(n for i, n in enumerate(shape) if i not in dims)


def prod(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    dtype: Any = None,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """Product over ``dim`` (all elements when None); the gradient is exact with zeros."""
    dims, keep = _reduce_args("prod", input, dim, keepdim, axis, keepdims)
    if dtype is not None:
        input = input.astype(dtype)
    elif input.dtype.kind in "bi":
        input = input.astype(np.int64)
    return Prod.apply(input, dims=dims, keepdim=keep)


def logsumexp(
    input: Tensor,
    dim: Any = None,
    keepdim: bool = False,
    *,
    axis: Any = None,
    keepdims: Any = None,
) -> Tensor:
    """log(Σ exp(x)) over ``dim`` without overflow (PyTorch requires ``dim``; None here means
    all elements). Rows that are all -inf give -inf."""
    dims, keep = _reduce_args("logsumexp", input, dim, keepdim, axis, keepdims)
    if input.dtype.kind != "f":
        input = input.astype(np.float32)
    return LogSumExp.apply(input, dims=dims, keepdim=keep)


# max / min and friends live in extrema.py, the vector norms in vector_norm.py (one family per
# file); they are part of this module's public names, so ``Tensor.max`` and ``autograd_core.max``
# find them here.
from .extrema import amax, amin, argmax, argmin, max, min  # noqa: E402, A004
from .vector_norm import norm  # noqa: E402
