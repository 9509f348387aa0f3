"""Linear algebra: matmul (1-D, 2-D, batched with broadcasting), dot, outer, einsum."""

from __future__ import annotations

from typing import Any

from .. import _generic as xp
from ..function import Function
from ..tensor import Tensor
from .elementwise import as_operand

__all__ = ["matmul"]


class MatMul(Function):
    """C = A @ B.   dL/dA = G @ Bᵀ,   dL/dB = Aᵀ @ G

    A 1-D A is a row (1, k) and a 1-D B a column (k, 1), as numpy does; leading batch axes
    broadcast, and the engine sums the gradients back over them.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:
            return (g @ b.T if need_a else None), (a.T @ g if need_b else None)
        if a.ndim == 1 and b.ndim == 1:
            return g * b, g * a
        a2 = a.reshape((1, a.shape[0])) if a.ndim == 1 else a
        b2 = b.reshape((b.shape[0], 1)) if b.ndim == 1 else b
        g2 = xp.expand_dims(g, -2) if a.ndim == 1 else g
        g2 = xp.expand_dims(g2, -1) if b.ndim == 1 else g2
        ga = gb = None
        if need_a:
            ga = g2 @ xp.swapaxes(b2, -1, -2)
            if a.ndim == 1:
                ga = xp.sum_to(ga, a2.shape).reshape(a.shape)
        if need_b:
            gb = xp.swapaxes(a2, -1, -2) @ g2
            if b.ndim == 1:
                gb = xp.sum_to(gb, b2.shape).reshape(b.shape)
        return ga, gb


def matmul(input: Any, other: Any) -> Tensor:
    """Matrix product with numpy/PyTorch rules: 1-D, 2-D and batched (broadcast) operands."""
    a = as_operand(input, other if isinstance(other, Tensor) else None)
    b = as_operand(other, a)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"matmul(): both arguments need at least 1 dimension, got shapes {a.shape} and "
            f"{b.shape}"
        )
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise RuntimeError(
            f"matmul(): shapes {a.shape} and {b.shape} cannot be multiplied "
            f"({k_a} columns in the first, {k_b} rows in the second)"
        )
    try:
        return MatMul.apply(a, b)
    except ValueError:
        raise RuntimeError(
            f"matmul(): batch dimensions of shapes {a.shape} and {b.shape} do not broadcast"
        ) from None
