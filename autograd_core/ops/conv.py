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

    where G is dL/dy as the matrix (F, Ho·Wo·N). The backward is not itself differentiable here
    (``create_graph=True`` raises). A 3-D x and W (conv1d) are run as images of height 1.
    """

    double_backward = False

    @staticmethod
    def forward(ctx, x, w, *bias, stride, padding, dilation, groups):
        one_d = x.ndim == 3
        if one_d:  # conv1d: (N, C, L) is an image (N, C, 1, L)
            x, w = x[:, :, None, :], w[:, :, None, :]
        n, c, h, wd = x.shape
        f, _, kh, kw = w.shape
        (sh, sw), (pt, pb, pl, pr), (dh, dw) = stride, padding, dilation
        ho = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
        wo = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
        dtype = np.result_type(x, w)

        # The input batch-last, padded with zeros: xp (C, H + pt + pb, W + pl + pr, N).
        xt = x.transpose(1, 2, 3, 0)
        if pt or pb or pl or pr:
            xp = np.zeros((c, h + pt + pb, wd + pl + pr, n), dtype)
            xp[:, pt : pt + h, pl : pl + wd] = xt
        else:
            xp = np.ascontiguousarray(xt, dtype)

        # im2col: one strided slice copy per kernel offset.
        cols = np.empty((c, kh, kw, ho, wo, n), dtype)
        for i in range(kh):
            rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
            for j in range(kw):
                cols[:, i, j] = xp[:, rows, j * dw : j * dw + sw * (wo - 1) + 1 : sw]
        cols = cols.reshape(c * kh * kw, ho * wo * n)

        y = _grouped_matmul(w.reshape(f, -1), cols, groups)
        if bias:
            y += bias[0][:, None]
        ctx.save_for_backward(w)
        ctx.cols, ctx.geom = cols, (x.shape, (ho, wo), stride, padding, dilation, groups, one_d)
        y = y.reshape(f, ho, wo, n).transpose(3, 0, 1, 2)  # NCHW view of batch-last memory
        return y[:, :, 0, :] if one_d else y

    @staticmethod
    def backward(ctx, g):
        (w,) = ctx.saved_tensors
        xshape, (ho, wo), (sh, sw), (pt, pb, pl, pr), (dh, dw), groups, one_d = ctx.geom
        need = ctx.needs_input_grad
        n, c, h, wd = xshape
        w4 = w[:, :, None, :] if one_d else w
        f, _, kh, kw = w4.shape
        g4 = g[:, :, None, :] if one_d else g
        gm = g4.transpose(1, 2, 3, 0).reshape(f, ho * wo * n)  # G: (F, Ho·Wo·N)

        dx = dw_ = None
        if need[0]:
            dcols = _grouped_matmul(w4.reshape(f, -1), gm, groups, ta=True)
            dcols = dcols.reshape(c, kh, kw, ho, wo, n)
            dxp = np.zeros((c, h + pt + pb, wd + pl + pr, n), dcols.dtype)  # col2im
            for i in range(kh):
                rows = slice(i * dh, i * dh + sh * (ho - 1) + 1, sh)
                for j in range(kw):
                    dxp[:, rows, j * dw : j * dw + sw * (wo - 1) + 1 : sw] += dcols[:, i, j]
            dx = dxp[:, pt : pt + h, pl : pl + wd].transpose(3, 0, 1, 2)
            if one_d:
                dx = dx[:, :, 0, :]
        if need[1]:
            dw_ = _grouped_matmul(gm, ctx.cols, groups, tb=True).reshape(w.shape)
        if len(need) == 2:
            return dx, dw_
        return dx, dw_, (gm.sum(axis=1) if need[2] else None)


class Conv1d(Conv2d):
    """y = conv1d(x, W) + b: :class:`Conv2d` on (N, C, 1, L) images (see there)."""


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


def _conv(
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
    params = dict(stride=strides, padding=pads[0] + pads[1], dilation=dils, groups=int(groups))
    if not batched:
        x = x.reshape((1, *x.shape))
    if bias is None:
        out = cls.apply(x, w, **params)
    else:
        b = as_operand(bias, x)
        if b.shape != (f,):
            raise RuntimeError(
                f"{op}(): bias must have shape ({f},) (one value per output channel of weight "
                f"of shape {w.shape}), got shape {b.shape}"
            )
        out = cls.apply(x, w, b, **params)
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
    return _conv("conv2d", Conv2d, 2, input, weight, bias, stride, padding, dilation, groups)


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
    return _conv("conv1d", Conv1d, 1, input, weight, bias, stride, padding, dilation, groups)
