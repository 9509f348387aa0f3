"""Joining, splitting and padding: cat/concatenate, stack, split, chunk, pad.

Each one only moves values around, so each backward rule moves the gradient back: cat and
stack hand every input its own slice of g; a piece of a split is an index (``x[a:b]``) whose
backward puts g back in place; pad's backward crops g, which is a pad with negative widths.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor
from ._args import axis_arg, pick
from .elementwise import as_operand
from .index import getitem

__all__ = ["cat", "concatenate", "stack", "split", "chunk", "pad"]


class Cat(Function):
    """y = (x₁, x₂, ...) joined along ``dim``.   dy/dxᵢ = the slice of g where xᵢ sits"""

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        ctx.bounds = [0]
        for x in xs:
            ctx.bounds.append(ctx.bounds[-1] + x.shape[dim])
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):
        lead, b = (slice(None),) * ctx.dim, ctx.bounds
        return tuple(
            g[lead + (slice(b[i], b[i + 1]),)] if needed else None
            for i, needed in enumerate(ctx.needs_input_grad)
        )


class Stack(Function):
    """y = (x₁, x₂, ...) stacked along a new axis ``dim``.   dy/dxᵢ = g[..., i, ...] (index i
    on that axis)"""

    @staticmethod
    def forward(ctx, *xs, dim):
        ctx.dim = dim
        return np.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):
        lead = (slice(None),) * ctx.dim
        return tuple(
            g[lead + (i,)] if needed else None for i, needed in enumerate(ctx.needs_input_grad)
        )


class Pad(Function):
    """y = x with borders of ``value`` added (widths > 0) or cut off (widths < 0), per axis.

    dy/dx = g with those borders cut off (or zeros put back where x was cropped): that is
    ``pad(g, -widths)``, so the backward of a pad is a pad, and differentiable again.
    """

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.widths = widths
        return _pad_constant(x, widths, value)

    @staticmethod
    def backward(ctx, g):
        back = tuple((-lo, -hi) for lo, hi in ctx.widths)
        if isinstance(g, Tensor):
            return Pad.apply(g, widths=back, value=0)
        return _pad_constant(g, back, 0)


def _pad_constant(x: np.ndarray, widths: tuple, value: Any) -> np.ndarray:
    """``x`` with ``(lo, hi)`` elements of ``value`` added before and after it on each axis; a
    negative width removes elements instead."""
    shape = tuple(n + lo + hi for n, (lo, hi) in zip(x.shape, widths))
    out = np.zeros(shape, x.dtype) if value == 0 else np.full(shape, value, x.dtype)
    src, dst = [], []
    for n, (lo, hi) in zip(x.shape, widths):
        start = max(-lo, 0)  # cropped from the front of x
        length = max(n - start - max(-hi, 0), 0)  # elements of x kept
        src.append(slice(start, start + length))
        dst.append(slice(max(lo, 0), max(lo, 0) + length))
    out[tuple(dst)] = x[tuple(src)]
    return out


# --------------------------------------------------------------------------------------------
# The functions users call
# --------------------------------------------------------------------------------------------
def _tensors(op: str, tensors: Any) -> list:
    if isinstance(tensors, Tensor | np.ndarray) or not isinstance(tensors, Sequence):
        raise TypeError(
            f"{op}(): expected a sequence (list or tuple) of tensors, got {type(tensors).__name__}"
        )
    if len(tensors) == 0:
        raise RuntimeError(f"{op}(): expected a non-empty list of tensors")
    return [as_operand(t) for t in tensors]


def cat(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors along an existing axis ``dim``; their other sizes must match."""
    ts = _tensors("cat", tensors)
    dim = pick("cat", "dim", dim or None, "axis", axis) or 0
    first = ts[0]
    for i, t in enumerate(ts):
        if t.ndim == 0:
            raise RuntimeError(
                f"cat(): zero-dimensional tensor (at position {i}) cannot be concatenated"
            )
    d = axis_arg("cat", dim, first.ndim, first.shape)
    for i, t in enumerate(ts):
        if t.ndim != first.ndim or t.shape[:d] + t.shape[d + 1 :] != (
            first.shape[:d] + first.shape[d + 1 :]
        ):
            raise RuntimeError(
                f"cat(): sizes of tensors must match except in dimension {d}: tensor 0 has "
                f"shape {first.shape} but tensor {i} has shape {t.shape}"
            )
    return Cat.apply(*ts, dim=d)


def concatenate(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """numpy's (and PyTorch's alias) name for :func:`cat`."""
    return cat(tensors, axis if dim is None else dim)


def stack(tensors: Sequence[Tensor], dim: int = 0, *, axis: int | None = None) -> Tensor:
    """Join tensors of one shape along a new axis ``dim`` (from -ndim-1 to ndim)."""
    ts = _tensors("stack", tensors)
    dim = pick("stack", "dim", dim or None, "axis", axis) or 0
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise RuntimeError(
                f"stack(): expects each tensor to be equal size, but got {ts[0].shape} at "
                f"entry 0 and {t.shape} at entry {i}"
            )
    return Stack.apply(*ts, dim=axis_arg("stack", dim, ts[0].ndim + 1, ts[0].shape))


def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple:
    """Cut ``tensor`` along ``dim`` into pieces of ``split_size_or_sections`` elements (an
    int: the last piece may be smaller) or of the sizes listed (they must add up to the size
    of ``dim``). Returns a tuple; each piece is an index of the input, so differentiable."""
    if tensor.ndim == 0:
        raise RuntimeError("split(): a zero-dimensional tensor cannot be split")
    d = axis_arg("split", dim, tensor.ndim, tensor.shape)
    n = tensor.shape[d]
    if isinstance(split_size_or_sections, Integral):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and n > 0):
            raise RuntimeError(f"split(): split_size must be a positive integer, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if n else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(
                f"split(): split_with_sizes expects split_sizes to sum exactly to {n} (the "
                f"size of dimension {d} of the input of shape {tensor.shape}), but got "
                f"split_sizes={sizes}"
            )
    lead = (slice(None),) * d
    pieces, start = [], 0
    for s in sizes:
        pieces.append(getitem(tensor, lead + (slice(start, start + s),)))
        start += s
    return tuple(pieces)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """Split into ``chunks`` pieces of ceil(size / chunks) elements along ``dim`` (the last may
    be smaller, and there may be fewer pieces than asked for, as in PyTorch)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk(): chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input.ndim == 0:
        raise RuntimeError("chunk(): a zero-dimensional tensor cannot be chunked")
    n = input.shape[axis_arg("chunk", dim, input.ndim, input.shape)]
    if n == 0:  # nothing to share out: ``chunks`` empty pieces, as PyTorch
        return split(input, [0] * chunks, dim)
    return split(input, -(-n // chunks), dim)


_NUMPY_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: Any = None) -> Tensor:
    """Pad as ``torch.nn.functional.pad``: ``pad`` is a flat tuple of (before, after) widths,
    last axis first: ``(1, 2)`` pads the last axis, ``(1, 1, 2, 2)`` the last two. Negative
    widths crop. ``mode`` is 'constant' (with ``value``, default 0), 'reflect' (mirror without
    repeating the edge), 'replicate' (repeat the edge) or 'circular' (wrap around)."""
    widths = [int(p) for p in pad]
    if len(widths) % 2:
        raise ValueError(f"pad(): padding length must be divisible by 2, got {tuple(widths)}")
    if len(widths) // 2 > input.ndim:
        raise ValueError(
            f"pad(): padding length should be less than or equal to two times the input "
            f"dimension but got padding length {len(widths)} and input of shape {input.shape}"
        )
    per_axis = [(0, 0)] * input.ndim
    for i in range(len(widths) // 2):
        per_axis[input.ndim - 1 - i] = (widths[2 * i], widths[2 * i + 1])
    if mode == "constant":
        for d, (n, (lo, hi)) in enumerate(zip(input.shape, per_axis)):
            if n + lo + hi < 0:
                raise RuntimeError(
                    f"pad(): the input size {n}, plus negative padding {lo} and {hi}, gives a "
                    f"negative output size at dimension {d} of the input of shape {input.shape}"
                )
        return Pad.apply(input, widths=tuple(per_axis), value=0 if value is None else value)
    if mode not in _NUMPY_MODES:
        raise ValueError(
            f"pad(): mode must be 'constant', 'reflect', 'replicate' or 'circular', got {mode!r}"
        )
    if value is not None and value != 0:
        raise ValueError(f'pad(): padding mode "{mode}" doesn\'t take in value argument')
    # Negative widths crop: 'circular' wraps what is left after cropping, the other modes
    # reflect or replicate the whole input and are cropped afterwards (as PyTorch).
    crop = tuple((min(lo, 0), min(hi, 0)) for lo, hi in per_axis)
    cropping = any(lo or hi for lo, hi in crop)
    out = input
    if cropping and mode == "circular":
        out = Pad.apply(out, widths=crop, value=0)
    for d, (n, (lo, hi)) in enumerate(zip(out.shape, per_axis)):
        lo, hi = max(lo, 0), max(hi, 0)
        if lo == hi == 0:
            continue
        limit = n - 1 if mode == "reflect" else n
        if max(lo, hi) > limit or n == 0:
            raise ValueError(
                f"pad(): {mode} padding ({lo}, {hi}) at dimension {d} of the input of shape "
                f"{input.shape} is invalid: the padding must be at most {limit} (the size of "
                + ("that dimension minus 1)" if mode == "reflect" else "that dimension)")
            )
        # The position in the input that each output position copies (np.pad of 0, 1, ...,
        # n-1 in that mode); taking those positions is an index, with an index's backward.
        source = np.pad(np.arange(n), (lo, hi), mode=_NUMPY_MODES[mode])
        out = getitem(out, (slice(None),) * d + (source,))
    if cropping and mode != "circular":
        out = Pad.apply(out, widths=crop, value=0)
    return out
