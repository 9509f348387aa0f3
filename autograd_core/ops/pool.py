"""Pooling: max_pool1d/2d and avg_pool1d/2d with PyTorch's semantics.

A kh×kw window slides over the last two axes. Rather than building a view of every window and
reducing it, both directions loop over the kh·kw *kernel offsets*: offset (i, j) picks, with one
strided slice, the (i, j)-th element of every window at once, so

    max pool:  y = max over offsets of xpad[..., i·dh :: sh, j·dw :: sw]   (np.maximum, in place)
    avg pool:  y = (sum over offsets of the same slices) / divisor

and the backward passes write or add one slice per offset. Arrays keep the memory order of the
input (the batch-last order conv2d produces stays batch-last). 1-D pooling runs the same code
on signals seen as images of height 1.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor
from .elementwise import as_operand

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d"]


class MaxPool2d(Function):
    """y[..., p, q] = max_(i, j) xpad[..., p·sh + i·dh, q·sw + j·dw]   (padding is -inf)

    dL/dx: each g[..., p, q] goes to the *first* maximum of its window in scan order (row by
    row), exactly where PyTorch sends it (a window whose maximum is NaN: to its last NaN, as
    PyTorch). That routing is the op :class:`MaxPoolScatter`, so it can be differentiated again.
    """

    @staticmethod
    def forward(ctx, x, geom):
        xp = _pad(_four(x, geom), geom.pads, _lowest(x.dtype))
        first, *rest = geom.windows
        out = xp[first].copy() if not rest else np.maximum(xp[first], xp[rest[0]])
        for w in rest[1:]:
            np.maximum(out, xp[w], out=out)
        out = _public(out, geom)
        ctx.save_for_backward(x, out)
        ctx.geom, ctx.xp = geom, xp
        return out

    @staticmethod
    def backward(ctx, g):
        _, out = ctx.saved_tensors
        maxima = (ctx.xp, _four(_value(out), ctx.geom), ctx.geom)
        return _run(MaxPoolScatter, g, maxima=maxima)


class MaxPoolScatter(Function):
    """dx = Σ_(i, j) (g where the window's first maximum sits at offset (i, j)), put back at
    that offset: the gradient of max pooling. Linear in g; its derivative gathers gg from the
    same positions (:class:`MaxPoolGather`). ``maxima`` = (padded input, output, geometry)."""

    @staticmethod
    def forward(ctx, g, maxima):
        ctx.maxima = maxima
        xp, _, geom = maxima
        g = _four(g, geom)
        dxp = _alloc(_order(xp), xp.shape, np.result_type(g, xp), zero=not geom.tiles)

        def scatter(k: int, hit: np.ndarray) -> None:
            w = geom.windows[k]
            if geom.disjoint:
                np.multiply(hit, g, out=dxp[w])
            else:
                dxp[w] += hit * g

        _first_max(*maxima, scatter)
        return _public(dxp[geom.crop], geom)

    @staticmethod
    def backward(ctx, gg):
        return _run(MaxPoolGather, gg, maxima=ctx.maxima)


class MaxPoolGather(Function):
    """y[..., p, q] = a at the first maximum of window (p, q) of the pooled input: the
    derivative of :class:`MaxPoolScatter` (and its backward is that op again)."""

    @staticmethod
    def forward(ctx, a, maxima):
        ctx.maxima = maxima
        xp, out, geom = maxima
        ap = _pad(_four(a, geom), geom.pads, 0)
        y = np.zeros(out.shape, np.result_type(a, out))

        def gather(k: int, hit: np.ndarray) -> None:
            y[...] += hit * ap[geom.windows[k]]

        _first_max(*maxima, gather)
        return _public(y, geom)

    @staticmethod
    def backward(ctx, g):
        return _run(MaxPoolScatter, g, maxima=ctx.maxima)


def _first_max(xp: np.ndarray, out: np.ndarray, geom: _Geom, route: Any) -> None:
    """Call ``route(k, hit)`` once per offset k, in scan order, with ``hit`` True in the
    windows whose first maximum sits at offset k: each window is hit exactly once (a window
    whose maximum is NaN at its last NaN, as PyTorch). Padding never wins, not even at -inf."""
    last_nan = None
    if out.dtype.kind == "f" and np.isnan(out).any():
        last_nan = np.full(out.shape, -1)
        for k, w in enumerate(geom.windows):
            np.copyto(last_nan, k, where=np.isnan(xp[w]))
    free = None  # windows not yet served (None: all of them)
    last = len(geom.windows) - 1
    for k, w in enumerate(geom.windows):
        hit = xp[w] == out
        if geom.valid[k] is not None:
            hit &= geom.valid[k]
        if last_nan is not None:
            hit |= last_nan == k
        if free is None:
            free = ~hit
        else:
            hit &= free
            if k < last:
                free ^= hit
        route(k, hit)


class AvgPool2d(Function):
    """y[..., p, q] = Σ_(i, j) xpad[..., p·sh + i·dh, q·sw + j·dw] / divisor[p, q]

    (zero padding; divisor = window area, without the padding when count_include_pad=False,
    or divisor_override).   dL/dx: g / divisor added back into every window position
    (:class:`AvgPoolScatter`, whose own derivative is this op again).
    """

    @staticmethod
    def forward(ctx, x, geom, divisor):
        xp = _pad(_four(x, geom), geom.pads, 0)
        first, *rest = geom.windows
        out = xp[first].copy() if not rest else xp[first] + xp[rest[0]]
        for w in rest[1:]:
            np.add(out, xp[w], out=out)
        out /= divisor
        ctx.geom, ctx.divisor, ctx.xpshape, ctx.order = geom, divisor, xp.shape, _order(xp)
        return _public(out, geom)

    @staticmethod
    def backward(ctx, g):
        return _run(
            AvgPoolScatter, g, geom=ctx.geom, divisor=ctx.divisor, xp=(ctx.xpshape, ctx.order)
        )


class AvgPoolScatter(Function):
    """dx = Σ_(i, j) g / divisor, added at offset (i, j) of every window: the gradient of
    average pooling. Linear in g; its derivative is average pooling of gg (:class:`AvgPool2d`).
    ``xp`` = (shape, memory order) of the padded input."""

    @staticmethod
    def forward(ctx, g, geom, divisor, xp):
        ctx.geom, ctx.divisor = geom, divisor
        shape, order = xp
        gd = _four(g, geom) / divisor
        dxp = _alloc(order, shape, gd.dtype, zero=not geom.tiles)
        for w in geom.windows:
            if geom.disjoint:
                dxp[w] = gd
            else:
                dxp[w] += gd
        return _public(dxp[geom.crop], geom)

    @staticmethod
    def backward(ctx, gg):
        return _run(AvgPool2d, gg, geom=ctx.geom, divisor=ctx.divisor)


def _run(op: type, a: Any, **params: Any) -> Any:
    """``op`` on a numpy array, or, on a Tensor (create_graph), as a differentiable op."""
    if isinstance(a, Tensor):
        return op.apply(a, **params)
    return op.forward(object.__new__(op), a, **params)


def _value(a: Any) -> np.ndarray:
    return a.data if isinstance(a, Tensor) else a


def _four(a: np.ndarray, geom: _Geom) -> np.ndarray:
    """1-D pooling's (..., L) arrays as (..., 1, L)."""
    return a[..., None, :] if geom.one_d else a


def _public(a: np.ndarray, geom: _Geom) -> np.ndarray:
    return a[..., 0, :] if geom.one_d else a


def _lowest(dtype: np.dtype) -> Any:
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


# --------------------------------------------------------------------------------------------
# Window geometry, shared by both ops
# --------------------------------------------------------------------------------------------
class _Geom:
    """Where the windows are: the padding (incl. ceil_mode's overhang), one slice per kernel
    offset, the crop back to the input, and masks of the offsets that may land on padding."""

    __slots__ = (
        "one_d",
        "kernel",
        "stride",
        "dilation",
        "out",
        "pads",
        "windows",
        "crop",
        "valid",
        "disjoint",
        "tiles",
    )

    def __init__(self, shape, kernel, stride, pad, dilation, out, one_d, need_valid) -> None:
        (kh, kw), (sh, sw), (ph, pw), (dh, dw), (ho, wo) = kernel, stride, pad, dilation, out
        h, w = shape[-2:]
        # bottom/right padding reaches as far as the last window does (ceil_mode may need more)
        pb = max(ph, (ho - 1) * sh + dh * (kh - 1) + 1 - h - ph)
        pr = max(pw, (wo - 1) * sw + dw * (kw - 1) + 1 - w - pw)
        self.one_d, self.kernel, self.stride, self.dilation, self.out = (
            one_d,
            kernel,
            stride,
            dilation,
            out,
        )
        self.pads = (ph, pb, pw, pr)
        rows = [slice(i * dh, i * dh + (ho - 1) * sh + 1, sh) for i in range(kh)]
        cols = [slice(j * dw, j * dw + (wo - 1) * sw + 1, sw) for j in range(kw)]
        self.windows = [(Ellipsis, r, c) for r in rows for c in cols]
        self.crop = (Ellipsis, slice(ph, ph + h), slice(pw, pw + w))
        # windows never overlap: each offset writes its own positions in the backward pass
        self.disjoint = sh >= dh * (kh - 1) + 1 and sw >= dw * (kw - 1) + 1
        # ... and together cover the (unpadded) input exactly: nothing to zero first
        self.tiles = (
            self.disjoint
            and dh == dw == 1
            and (sh, sw) == (kh, kw)
            and (ho * sh, wo * sw) == (h, w)
        ) and not any(self.pads)
        self.valid = [None] * len(self.windows)
        if need_valid and any(self.pads):  # which outputs of offset (i, j) read real input
            oh, ow = np.arange(ho) * sh - ph, np.arange(wo) * sw - pw
            k = 0
            for i in range(kh):
                vr = (oh + i * dh >= 0) & (oh + i * dh < h)
                for j in range(kw):
                    vc = (ow + j * dw >= 0) & (ow + j * dw < w)
                    if not (vr.all() and vc.all()):
                        self.valid[k] = vr[:, None] & vc[None, :]
                    k += 1


def _pad(x: np.ndarray, pads: tuple, fill: Any) -> np.ndarray:
    """``x`` with its last two axes padded by (top, bottom, left, right) ``fill`` values."""
    pt, pb, pl, pr = pads
    if not (pt or pb or pl or pr):
        return x
    h, w = x.shape[-2:]
    xp = _alloc(_order(x), (*x.shape[:-2], h + pt + pb, w + pl + pr), x.dtype, zero=False)
    xp[..., :pt, :] = fill
    xp[..., pt + h :, :] = fill
    xp[..., :, :pl] = fill
    xp[..., :, pl + w :] = fill
    xp[..., pt : pt + h, pl : pl + w] = x
    return xp


def _order(x: np.ndarray) -> tuple:
    """The axes of ``x`` from the outermost in memory to the innermost."""
    return tuple(sorted(range(x.ndim), key=lambda a: -x.strides[a]))


def _alloc(order: tuple, shape: tuple, dtype: Any, zero: bool) -> np.ndarray:
    """A new array of ``shape`` whose axes lie in memory in ``order`` (so a batch-last input
    gets batch-last buffers, and every slice copy stays contiguous)."""
    buf = (np.zeros if zero else np.empty)([shape[a] for a in order], dtype)
    return buf.transpose(np.argsort(order))


# --------------------------------------------------------------------------------------------
# The functions users call, and PyTorch's argument rules
# --------------------------------------------------------------------------------------------
def _tuple(op: str, name: str, v: Any, n: int, minimum: int) -> tuple:
    t = (v,) * n if isinstance(v, int | np.integer) else tuple(v)
    if len(t) == 1 and n > 1:
        t = t * n
    if len(t) != n or any(not isinstance(e, int | np.integer) for e in t):
        raise ValueError(f"{op}(): {name} must be an int or a tuple of {n} ints, got {v!r}")
    if any(e < minimum for e in t):
        raise ValueError(f"{op}(): {name} must be >= {minimum}, got {v!r}")
    return tuple(int(e) for e in t)


def _out_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's pooling output length (ceil_mode: the last window must start inside the
    input or its left padding)."""
    o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (o - 1) * s >= n + p:
        o -= 1
    return o


_GEOMETRIES: dict = {}  # the same layer sees the same shapes every step: build each _Geom once


def _geometry(op: str, x: Tensor, nd: int, *args: Any) -> tuple:
    """(_Geom, (kernel, stride, padding, 4-D shape)) for these arguments, checked; cached."""
    key = (op, x.shape, nd, *(tuple(a) if isinstance(a, list) else a for a in args))
    found = _GEOMETRIES.get(key)
    if found is None:
        if len(_GEOMETRIES) > 512:
            _GEOMETRIES.clear()
        found = _GEOMETRIES[key] = _new_geometry(op, x.shape, nd, *args)
    return found


def _new_geometry(op, xshape, nd, kernel_size, stride, padding, dilation, ceil_mode) -> tuple:
    if len(xshape) not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"{op}(): expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got "
            f"input of shape {xshape}"
        )
    k = _tuple(op, "kernel_size", kernel_size, nd, 1)
    no_stride = stride is None or (not isinstance(stride, int) and len(stride) == 0)
    s = k if no_stride else _tuple(op, "stride", stride, nd, 1)
    p = _tuple(op, "padding", padding, nd, 0)
    d = _tuple(op, "dilation", dilation, nd, 1)
    for kk, pp in zip(k, p):
        if pp > kk // 2:
            raise ValueError(
                f"{op}(): padding {padding} is too large for kernel_size {kernel_size}: pad "
                f"should be at most half of the kernel size"
            )
    sizes = xshape[-nd:]
    out = tuple(_out_size(*a, ceil_mode) for a in zip(sizes, k, s, p, d))
    if min(out) < 1:
        raise RuntimeError(
            f"{op}(): input of shape {xshape} is too small for kernel_size {kernel_size} "
            f"(stride {s}, padding {p}, dilation {d}): the output size would be {out}"
        )
    if nd == 1:
        k, s, p, d, out = (1, *k), (1, *s), (0, *p), (1, *d), (1, *out)
    shape = xshape if nd == 2 else (*xshape[:-1], 1, xshape[-1])
    return _Geom(shape, k, s, p, d, out, nd == 1, op.startswith("max")), (k, s, p, shape)


def _max_pool(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    x = as_operand(input)
    geom, _ = _geometry(op, x, nd, kernel_size, stride, padding, dilation, ceil_mode)
    out = MaxPool2d.apply(x, geom=geom)
    if not return_indices:
        return out
    return out, Tensor._make(_argmax_indices(x.data, out.data, geom), False, None)


def _argmax_indices(x: np.ndarray, out: np.ndarray, geom: _Geom) -> np.ndarray:
    """For return_indices: where each maximum came from, as a flat index into the (unpadded)
    last two axes of the input (into the last axis for 1-D), the index PyTorch returns."""
    if geom.one_d:
        x, out = x[..., None, :], out[..., None, :]
    (_, kw), (sh, sw), (dh, dw) = geom.kernel, geom.stride, geom.dilation
    (ho, wo), w = geom.out, x.shape[-1]
    oh = np.arange(ho)[:, None] * sh - geom.pads[0]
    ow = np.arange(wo)[None, :] * sw - geom.pads[2]
    idx = np.zeros(out.shape, np.int64)

    def route(k: int, hit: np.ndarray) -> None:
        i, j = divmod(k, kw)
        np.copyto(idx, (oh + i * dh) * w + (ow + j * dw), where=hit)

    _first_max(_pad(x, geom.pads, _lowest(x.dtype)), out, geom, route)
    return idx[..., 0, :] if geom.one_d else idx


def _avg_pool(op, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad, div):
    x = as_operand(input)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}(): expected a floating point input, got dtype {x.dtype}")
    geom, (k, s, p, shape) = _geometry(op, x, nd, kernel_size, stride, padding, 1, ceil_mode)
    if div is not None:
        if div == 0:
            raise ValueError(f"{op}(): divisor_override must not be zero")
        divisor = np.asarray(div, x.dtype)
    else:
        sizes = []
        for n, kk, ss, pp, o in zip(shape[-2:], k, s, p, geom.out):
            start = np.arange(o) * ss - pp
            end = np.minimum(start + kk, n + pp)
            if not count_include_pad:
                start, end = np.maximum(start, 0), np.minimum(end, n)
            sizes.append(end - start)
        divisor = (sizes[0][:, None] * sizes[1][None, :]).astype(x.dtype)
    return AvgPool2d.apply(x, geom=geom, divisor=divisor)


def max_pool2d(
    input: Tensor,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    dilation: int | tuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """2-D max pooling of (N, C, H, W) or (C, H, W), as ``torch.nn.functional.max_pool2d``.

    ``stride`` defaults to ``kernel_size``; padding is -inf (at most half the kernel).
    ``return_indices=True`` also returns the flat index (into H·W) of each maximum.
    """
    args = (kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    return _max_pool("max_pool2d", 2, input, *args)


def max_pool1d(
    input: Tensor,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    dilation: int | tuple = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """1-D max pooling of (N, C, L) or (C, L), as ``torch.nn.functional.max_pool1d``."""
    args = (kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    return _max_pool("max_pool1d", 1, input, *args)


def avg_pool2d(
    input: Tensor,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """2-D average pooling of (N, C, H, W) or (C, H, W), as ``torch.nn.functional.avg_pool2d``.

    Zero padding (at most half the kernel) counts in the divisor unless
    ``count_include_pad=False``; ``divisor_override`` replaces the divisor.
    """
    args = (kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)
    return _avg_pool("avg_pool2d", 2, input, *args)


def avg_pool1d(
    input: Tensor,
    kernel_size: int | tuple,
    stride: int | tuple | None = None,
    padding: int | tuple = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """1-D average pooling of (N, C, L) or (C, L), as ``torch.nn.functional.avg_pool1d``."""
    args = (kernel_size, stride, padding, ceil_mode, count_include_pad, None)
    return _avg_pool("avg_pool1d", 1, input, *args)
