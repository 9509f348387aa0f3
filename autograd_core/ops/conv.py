"""Convolution: ``conv1d`` and ``conv2d`` with PyTorch's semantics, by im2col and one GEMM.

Public tensors are NCHW, as in PyTorch. Inside, the batch axis goes *last*: the input is read as
``(C, H, W, N)``, and im2col copies, for each kernel offset ``(i, j)``, one strided slice of it
into a column buffer ``cols`` of shape ``(C, kh, kw, Ho, Wo, N)``. Seen as a matrix
``(C·kh·kw, Ho·Wo·N)``, that buffer turns the whole convolution into one matrix product per
group::

    Y = W @ cols            W: (F, C·kh·kw),  Y: (F, Ho·Wo·N) = (F, Ho, Wo, N)

The result is handed back as an NCHW *view* of that ``(F, Ho, Wo, N)`` array (no copy), so the
next convolution (after ReLU and pooling, which keep the memory order) reads its input already
batch-last, and its backward finds the gradient in the same order. The loops below run over
kernel offsets and groups only, never over pixels or batch items.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor
from .elementwise import as_operand

__all__ = ["conv1d", "conv2d"]


class Conv2d(Function):
    """y = conv(x, W) + b, cross-correlation as in PyTorch.

    Shapes: x (N, C, H, W), W (F, C/G, kh, kw), b (F,), y (N, F, Ho, Wo), G = groups, with
    ``Ho = (H + pad_top + pad_bottom - dh·(kh-1) - 1) // sh + 1`` (and the same for Wo).

    im2col:   cols[(c, i, j), (p, q, n)] = xpad[n, c, p·sh + i·dh, q·sw + j·dw]
    forward:  Y_g = W_g @ cols_g                  (one GEMM per group g)
    backward: dW_g = G_g @ cols_gᵀ,   db = Σ_(p,q,n) G,
              dcols_g = W_gᵀ @ G_g,   dx = col2im(dcols) (the kh·kw slices added back)

    where G is dL/dy as the matrix (F, Ho·Wo·N). With ``create_graph=True`` the two gradients
    are the differentiable ops :class:`ConvInputGrad` and :class:`ConvWeightGrad`, so
    convolutions can be differentiated twice. A 3-D x and W (conv1d) run as images of height 1.
    """

    @staticmethod
    def forward(ctx, x, w, *bias, geom):
        cols = _im2col(_four(x, geom), geom)
        y = _grouped_matmul(w.reshape(geom.f, -1), cols, geom.groups)
        if bias:
            y += bias[0][:, None]
        ctx.save_for_backward(x, w)
        ctx.geom, ctx.cols = geom, cols
        return _public(_from_rows(y, geom), geom)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        geom, need = ctx.geom, ctx.needs_input_grad
        if isinstance(g, Tensor):  # create_graph: differentiable gradients
            dx = _input_grad(g, w, geom) if need[0] else None
            dw = _weight_grad(x, g, geom) if need[1] else None
            db = g.sum(axis=(0, 2) if geom.one_d else (0, 2, 3)) if len(need) > 2 else None
            return (dx, dw, db)[: len(need)]
        gm = _as_rows(_four(g, geom), geom)  # G: (F, Ho·Wo·N), free when g is batch-last
        dx = dw = db = None
        if need[0]:
            dcols = _grouped_matmul(_wmat(w, geom), gm, geom.groups, ta=True)
            dx = _public(_col2im(dcols, geom), geom)
        if need[1]:
            dw = _grouped_matmul(gm, ctx.cols, geom.groups, tb=True).reshape(w.shape)
        if len(need) > 2 and need[2]:
            db = gm.sum(axis=1)
        return (dx, dw, db)[: len(need)]


class Conv1d(Conv2d):
    """y = conv1d(x, W) + b: :class:`Conv2d` on (N, C, 1, L) images (see there)."""


class ConvInputGrad(Function):
    """dx = col2im(Wᵀ G): the gradient of a convolution with respect to its input (a transposed
    convolution of g). It is linear in g and in W:
    d/dg = conv(gg, W),   d/dW = ConvWeightGrad(gg, g)   (gg = dL/d(dx))."""

    @staticmethod
    def forward(ctx, g, w, geom):
        ctx.save_for_backward(g, w)
        ctx.geom = geom
        gm = _as_rows(_four(g, geom), geom)
        return _public(
            _col2im(_grouped_matmul(_wmat(w, geom), gm, geom.groups, ta=True), geom), geom
        )

    @staticmethod
    def backward(ctx, gg):
        g, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (
            _conv(gg, w, ctx.geom) if need[0] else None,
            _weight_grad(gg, g, ctx.geom) if need[1] else None,
        )


class ConvWeightGrad(Function):
    """dW = G @ im2col(x)ᵀ: the gradient of a convolution with respect to its weight. It is
    linear in x and in g:   d/dx = ConvInputGrad(g, gw),   d/dg = conv(x, gw)."""

    @staticmethod
    def forward(ctx, x, g, geom):
        ctx.save_for_backward(x, g)
        ctx.geom = geom
        gm = _as_rows(_four(g, geom), geom)
        cols = _im2col(_four(x, geom), geom)
        dw = _grouped_matmul(gm, cols, geom.groups, tb=True)
        return dw.reshape(geom.wshape)

    @staticmethod
    def backward(ctx, gw):
        x, g = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (
            _input_grad(g, gw, ctx.geom) if need[0] else None,
            _conv(x, gw, ctx.geom) if need[1] else None,
        )


# Each of the three, on numpy arrays or (differentiably) on Tensors: what backward rules call.
def _conv(x: Any, w: Any, geom: _Geom) -> Any:
    return _run(Conv1d if geom.one_d else Conv2d, x, w, geom)


def _input_grad(g: Any, w: Any, geom: _Geom) -> Any:
    return _run(ConvInputGrad, g, w, geom)


def _weight_grad(x: Any, g: Any, geom: _Geom) -> Any:
    return _run(ConvWeightGrad, x, g, geom)


def _run(op: type, a: Any, b: Any, geom: _Geom) -> Any:
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        a, b = (t if isinstance(t, Tensor) else Tensor._make(t, False, None) for t in (a, b))
        return op.apply(a, b, geom=geom)
    return op.forward(object.__new__(op), a, b, geom=geom)


# --------------------------------------------------------------------------------------------
# The numpy kernels: im2col, col2im, and the batch-last matrix views
# --------------------------------------------------------------------------------------------
class _Geom:
    """Shapes and hyper-parameters of one convolution, all 2-D (conv1d: height 1)."""

    __slots__ = (
        "n", "c", "h", "w", "f", "kh", "kw", "ho", "wo", "stride", "pads", "dilation",
        "groups", "one_d", "wshape",
    )  # fmt: skip

    def __init__(self, xshape, wshape, stride, pads, dilation, groups, one_d) -> None:
        self.n, self.c, self.h, self.w = xshape
        self.f, _, self.kh, self.kw = wshape
        self.stride, self.pads, self.dilation = stride, pads, dilation
        self.groups, self.one_d = groups, one_d
        self.wshape = (wshape[0], wshape[1], wshape[3]) if one_d else wshape
        (sh, sw), (pt, pb, pl, pr), (dh, dw) = stride, pads, dilation
        self.ho = (self.h + pt + pb - dh * (self.kh - 1) - 1) // sh + 1
        self.wo = (self.w + pl + pr - dw * (self.kw - 1) - 1) // sw + 1


def _four(a: np.ndarray, geom: _Geom) -> np.ndarray:
    """conv1d's (N, C, L) arrays as (N, C, 1, L)."""
    return a[:, :, None, :] if geom.one_d else a


def _public(a: np.ndarray, geom: _Geom) -> np.ndarray:
    return a[:, :, 0, :] if geom.one_d else a


def _wmat(w: np.ndarray, geom: _Geom) -> np.ndarray:
    """The weight as the matrix (F, C/G·kh·kw)."""
    return w.reshape(geom.f, -1)


def _as_rows(g: np.ndarray, geom: _Geom) -> np.ndarray:
    """(N, F, Ho, Wo) -> the matrix (F, Ho·Wo·N); no copy when g is batch-last in memory."""
    return g.transpose(1, 2, 3, 0).reshape(g.shape[1], -1)


def _from_rows(y: np.ndarray, geom: _Geom) -> np.ndarray:
    """The matrix (F, Ho·Wo·N) -> an (N, F, Ho, Wo) view of it."""
    return y.reshape(y.shape[0], geom.ho, geom.wo, geom.n).transpose(3, 0, 1, 2)


def _windows(geom: _Geom):
    """(i, j, slice of the padded batch-last input that kernel offset (i, j) reads)."""
    (sh, sw), (dh, dw) = geom.stride, geom.dilation
    for i in range(geom.kh):
        rows = slice(i * dh, i * dh + sh * (geom.ho - 1) + 1, sh)
        for j in range(geom.kw):
            yield i, j, (slice(None), rows, slice(j * dw, j * dw + sw * (geom.wo - 1) + 1, sw))


def _im2col(x: np.ndarray, geom: _Geom) -> np.ndarray:
    """x (N, C, H, W), any memory order -> cols (C·kh·kw, Ho·Wo·N): kh·kw slice copies."""
    pt, pb, pl, pr = geom.pads
    c, h, w, n = geom.c, geom.h, geom.w, geom.n
    xt = x.transpose(1, 2, 3, 0)  # batch-last view
    if pt or pb or pl or pr:
        xp = np.zeros((c, h + pt + pb, w + pl + pr, n), x.dtype)
        xp[:, pt : pt + h, pl : pl + w] = xt
    else:
        xp = np.ascontiguousarray(xt)  # one transposing copy at most (free if batch-last)
    cols = np.empty((c, geom.kh, geom.kw, geom.ho, geom.wo, n), x.dtype)
    for i, j, window in _windows(geom):
        cols[:, i, j] = xp[window]
    return cols.reshape(c * geom.kh * geom.kw, -1)


def _col2im(dcols: np.ndarray, geom: _Geom) -> np.ndarray:
    """dcols (C·kh·kw, Ho·Wo·N) -> dx (N, C, H, W), a view of batch-last memory: each kernel
    offset's slice is added back where im2col read it."""
    pt, pb, pl, pr = geom.pads
    c, h, w, n = geom.c, geom.h, geom.w, geom.n
    dcols = dcols.reshape(c, geom.kh, geom.kw, geom.ho, geom.wo, n)
    dxp = np.zeros((c, h + pt + pb, w + pl + pr, n), dcols.dtype)
    for i, j, window in _windows(geom):
        dxp[window] += dcols[:, i, j]
    return dxp[:, pt : pt + h, pl : pl + w].transpose(3, 0, 1, 2)


def _grouped_matmul(
    a: np.ndarray, b: np.ndarray, groups: int, ta: bool = False, tb: bool = False
) -> np.ndarray:
    """``op(a) @ op(b)`` for each group: block k of the result is ``op(a_k) @ op(b_k)``, where
    ``a_k``, ``b_k`` are the k-th row blocks of ``a`` and ``b`` and ``op`` transposes when
    ``ta`` / ``tb`` is set. With one group this is a single GEMM."""
    if groups == 1:
        return (a.T if ta else a) @ (b.T if tb else b)
    ra, rb = a.shape[0] // groups, b.shape[0] // groups
    rows = a.shape[1] if ta else ra
    out = np.empty((groups * rows, rb if tb else b.shape[1]), np.result_type(a, b))
    for k in range(groups):
        a_k, b_k = a[k * ra : (k + 1) * ra], b[k * rb : (k + 1) * rb]
        np.matmul(a_k.T if ta else a_k, b_k.T if tb else b_k, out=out[k * rows : (k + 1) * rows])
    return out


# --------------------------------------------------------------------------------------------
# Argument checks (PyTorch's rules and messages that name the shapes)
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


def _convolution(
    op: str,
    cls: type,
    nd: int,
    input: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
) -> Tensor:
    """Check the arguments of conv1d (nd=1) / conv2d (nd=2) and apply ``cls``."""
    x = as_operand(input)
    w = as_operand(weight, x)
    if w.ndim != nd + 2:
        dims = "(out_channels, in_channels/groups, kW)" if nd == 1 else "(out_channels, "
        dims += "" if nd == 1 else "in_channels/groups, kH, kW)"
        raise RuntimeError(f"{op}(): weight must be {nd + 2}-D {dims}, got shape {w.shape}")
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(
            f"{op}(): expected a {nd + 1}-D (unbatched) or {nd + 2}-D (batched) input, got "
            f"input of shape {x.shape}"
        )
    if not isinstance(groups, int | np.integer) or groups < 1:
        raise ValueError(f"{op}(): groups must be a positive int, got {groups!r}")
    batched = x.ndim == nd + 2
    xshape = x.shape if batched else (1, *x.shape)
    f, cg = w.shape[0], w.shape[1]
    if xshape[1] != cg * groups:
        raise RuntimeError(
            f"{op}(): input of shape {x.shape} has {xshape[1]} channels, but weight of shape "
            f"{w.shape} with groups={groups} expects {cg * groups} channels "
            f"(weight.shape[1] * groups)"
        )
    if f % groups:
        raise RuntimeError(
            f"{op}(): weight of shape {w.shape} has {f} output channels, which is not "
            f"divisible by groups={groups}"
        )
    ksize = w.shape[2:]
    strides = _tuple(op, "stride", stride, nd, 1)
    dils = _tuple(op, "dilation", dilation, nd, 1)
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in strides):
                raise ValueError(
                    f"{op}(): padding='same' is not supported for strided convolutions "
                    f"(stride={stride})"
                )
            total = [d * (k - 1) for d, k in zip(dils, ksize)]
            pads = tuple((t // 2, t - t // 2) for t in total)  # the odd one goes after
        else:
            raise ValueError(
                f"{op}(): padding must be 'valid', 'same', an int or a tuple, got {padding!r}"
            )
    else:
        pads = tuple((p, p) for p in _tuple(op, "padding", padding, nd, 0))
    for size, k, d, (lo, hi) in zip(xshape[2:], ksize, dils, pads):
        if d * (k - 1) + 1 > size + lo + hi:
            raise RuntimeError(
                f"{op}(): kernel of size {tuple(ksize)} (dilation {dils}) is larger than the "
                f"padded input: input of shape {x.shape}, padding {padding}, so the padded size "
                f"is {tuple(s + a + b for s, (a, b) in zip(xshape[2:], pads))}"
            )
    if nd == 1:
        strides, dils, pads = (1, *strides), (1, *dils), ((0, 0), *pads)
    x4shape = xshape if nd == 2 else (xshape[0], xshape[1], 1, xshape[2])
    w4shape = w.shape if nd == 2 else (w.shape[0], w.shape[1], 1, w.shape[2])
    geom = _Geom(x4shape, w4shape, strides, pads[0] + pads[1], dils, int(groups), nd == 1)
    if not batched:
        x = x.reshape((1, *x.shape))
    if bias is None:
        out = cls.apply(x, w, geom=geom)
    else:
        b = as_operand(bias, x)
        if b.shape != (f,):
            raise RuntimeError(
                f"{op}(): bias must have shape ({f},) (one value per output channel of weight "
                f"of shape {w.shape}), got shape {b.shape}"
            )
        out = cls.apply(x, w, b, geom=geom)
    return out if batched else out.reshape(out.shape[1:])


def conv2d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple = 1,
    padding: int | tuple | str = 0,
    dilation: int | tuple = 1,
    groups: int = 1,
) -> Tensor:
    """2-D convolution (cross-correlation) of NCHW images, as ``torch.nn.functional.conv2d``.

    input (N, C, H, W) or unbatched (C, H, W); weight (F, C/groups, kH, kW); bias (F,) or None.
    ``stride``, ``padding`` and ``dilation`` are an int or a pair (height, width); ``padding``
    may also be ``'valid'`` (none) or ``'same'`` (output as large as the input, stride 1).
    Output (N, F, Ho, Wo) with ``Ho = (H + 2·pad - dil·(kH-1) - 1) // stride + 1``.
    """
    return _convolution("conv2d", Conv2d, 2, input, weight, bias, stride, padding, dilation, groups)


def conv1d(
    input: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    stride: int | tuple = 1,
    padding: int | tuple | str = 0,
    dilation: int | tuple = 1,
    groups: int = 1,
) -> Tensor:
    """1-D convolution (cross-correlation) of (N, C, L) signals, as
    ``torch.nn.functional.conv1d``: input (N, C, L) or (C, L); weight (F, C/groups, k);
    bias (F,) or None; output (N, F, Lo) with ``Lo = (L + 2·pad - dil·(k-1) - 1) // stride + 1``.
    """
    return _convolution("conv1d", Conv1d, 1, input, weight, bias, stride, padding, dilation, groups)
