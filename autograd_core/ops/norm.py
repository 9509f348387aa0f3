"""Normalisation layers as fused ops: batch norm (training mode) and layer norm.

Both standardise x over some axes and then scale and shift it:

    x̂ = (x - μ) / √(σ² + ε),    y = γ·x̂ + β        (μ, σ²: mean and biased variance)

and both have the same backward rule, the lecture's "three-term" formula. With m the number of
values that share one μ and σ², g = dL/dy and ĝ = γ·g = dL/dx̂, summing over those m values:

    dL/dβ = Σ g,    dL/dγ = Σ g·x̂,    dL/dx = (1/m)·(1/√(σ² + ε))·(m·ĝ - Σ ĝ - x̂·Σ ĝ·x̂)

Batch norm's statistics are per channel (axis 1) over the batch and spatial axes; layer norm's are
per sample over the last axes. The backward rules run on arrays with the x̂ and 1/√(σ² + ε)
cached by forward, or, with ``create_graph=True``, recompute them from x with ops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor

__all__: list[str] = []


def _stats_ops(x: Tensor, axes: tuple, eps: float) -> tuple:
    """x̂ and 1/√(σ² + ε) computed with ops (for create_graph)."""
    d = x - x.mean(dim=axes, keepdim=True)
    inv = ((d * d).mean(dim=axes, keepdim=True) + eps) ** -0.5
    return d * inv, inv


def _dx(gh: Any, xhat: Any, inv: Any, axes: tuple, m: int) -> Any:
    """dL/dx from ĝ = dL/dx̂ (the three-term formula above)."""
    s1 = gh.sum(axis=axes, keepdims=True)
    s2 = (gh * xhat).sum(axis=axes, keepdims=True)
    return (gh * m - s1 - xhat * s2) * (inv * (1.0 / m))


class BatchNorm(Function):
    """Batch norm with batch statistics (training mode): x (N, C, *d), γ and β (C,).

    ``mean`` and ``var`` (shape (1, C, 1, ...)) are x's batch mean and biased variance over
    every axis but 1, computed by the caller (it also folds them into the running averages).
    See the module docstring for the formulas.
    """

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, *, mean, var, eps):
        axes = (0,) + tuple(range(2, x.ndim))
        inv = 1.0 / np.sqrt(var + eps)
        xhat = (x - mean) * inv
        ctx.axes, ctx.eps, ctx.m = axes, eps, x.size // x.shape[1]
        ctx.bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        ctx.xhat, ctx.inv = xhat, inv
        if weight is None:
            ctx.save_for_backward(x)
            return xhat
        ctx.save_for_backward(x, weight)
        y = xhat * weight.reshape(ctx.bshape)
        if bias is not None:
            y += bias.reshape(ctx.bshape)
        return y

    @staticmethod
    def backward(ctx, g):
        saved = ctx.saved_tensors
        x, axes, m = saved[0], ctx.axes, ctx.m
        need = ctx.needs_input_grad
        if isinstance(x, Tensor):
            xhat, inv = _stats_ops(x, axes, ctx.eps)
        else:
            xhat, inv = ctx.xhat, ctx.inv
        # γ is constant over a channel's m values, so Σĝ = γ·Σg = γ·dL/dβ and
        # Σĝx̂ = γ·dL/dγ: the three-term formula needs only the two parameter gradients.
        db = g.sum(axis=axes, keepdims=True)
        dw = (g * xhat).sum(axis=axes, keepdims=True)
        dx = None
        if need[0]:
            scale = inv * (1.0 / m)
            if len(saved) > 1:
                scale = scale * saved[1].reshape(ctx.bshape)
            dx = (g * m - db - xhat * dw) * scale
        c = (ctx.bshape[1],)
        dw = dw.reshape(c) if len(need) > 1 and need[1] else None
        db = db.reshape(c) if len(need) > 2 and need[2] else None
        return dx, dw, db


class LayerNorm(Function):
    """Layer norm: x (*, *S) standardised over its last k axes (S = normalized_shape); γ and β
    have shape S. See the module docstring for the formulas (sums over S for dL/dx, over the
    leading axes for dL/dγ and dL/dβ)."""

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, *, k, eps):
        axes = tuple(range(x.ndim - k, x.ndim))
        d = x - x.mean(axis=axes, keepdims=True)
        inv = 1.0 / np.sqrt((d * d).mean(axis=axes, keepdims=True) + eps)
        d *= inv  # now x̂
        ctx.axes, ctx.lead, ctx.eps = axes, tuple(range(x.ndim - k)), eps
        ctx.m = int(np.prod(x.shape[x.ndim - k :]))
        ctx.xhat, ctx.inv = d, inv
        if weight is None:
            ctx.save_for_backward(x)
            return d
        ctx.save_for_backward(x, weight)
        y = d * weight
        if bias is not None:
            y += bias
        return y

    @staticmethod
    def backward(ctx, g):
        saved = ctx.saved_tensors
        x = saved[0]
        need = ctx.needs_input_grad
        if isinstance(x, Tensor):
            xhat, inv = _stats_ops(x, ctx.axes, ctx.eps)
        else:
            xhat, inv = ctx.xhat, ctx.inv
        gh = g if len(saved) == 1 else g * saved[1]
        dx = _dx(gh, xhat, inv, ctx.axes, ctx.m) if need[0] else None
        dw = (g * xhat).sum(axis=ctx.lead) if len(need) > 1 and need[1] else None
        db = g.sum(axis=ctx.lead) if len(need) > 2 and need[2] else None
        return dx, dw, db
