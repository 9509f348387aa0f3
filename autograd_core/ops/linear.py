"""Fused layers of the lectures' networks: ``linear`` (y = x Wᵀ + b) and the ``Embedding``
lookup (rows of a table picked by index).

Both could be composed from ``matmul``, ``transpose``, ``add`` and indexing; one node each keeps
the per-step overhead low in training loops, and puts the three gradient formulas of a dense
layer on one screen. Backward rules use operators only, so ``create_graph=True`` works.
"""

from __future__ import annotations

import numpy as np

from ..dtypes import ones
from ..function import Function
from ..tensor import Tensor
from .elementwise import as_operand

__all__: list[str] = []


class Linear(Function):
    """y = x Wᵀ + b, with x of shape (..., in), W (out, in), b (out,), y (..., out).

    With G = dL/dy and the leading axes of x and G flattened into rows:
        dL/dx = G W,     dL/dW = Gᵀ x,     dL/db = Σ_rows G
    """

    @staticmethod
    def forward(ctx, x, w, b=None):
        ctx.save_for_backward(x, w)
        y = x @ w.T
        if b is not None:
            if y.dtype == b.dtype and y.ndim:
                y += b  # y is a fresh array: add the bias in place
            else:
                y = y + b
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        out_f, in_f = w.shape
        if x.ndim != 2:  # (..., in) -> rows
            g2, x2 = g.reshape((-1, out_f)), x.reshape((-1, in_f))
        else:
            g2, x2 = g, x
        gx = (g2 @ w).reshape(x.shape) if need[0] else None
        gw = g2.T @ x2 if need[1] else None
        gb = None
        if len(need) > 2 and need[2]:  # Σ_rows G: as a product with ones on arrays (BLAS, 3x
            # faster than numpy's sum over the short axis 0 of a (64, 16) array)
            gb = g2.sum(axis=0) if isinstance(g2, Tensor) else ones(len(g2), g2.dtype) @ g2
        return gx, gw, gb


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` as one op (``torch.nn.functional.linear``).

    input: (..., in_features), weight: (out_features, in_features), bias: (out_features,).
    """
    x = as_operand(input)
    w = as_operand(weight, x)
    xs, ws = x.data.shape, w.data.shape
    if len(ws) != 2:
        raise RuntimeError(
            f"linear(): weight must be 2-D (out_features, in_features), got shape {ws}"
        )
    if not xs or xs[-1] != ws[1]:
        raise RuntimeError(
            f"linear(): input shape {xs} and weight shape {ws} cannot be multiplied "
            f"(the input's last dimension must be in_features = {ws[1]})"
        )
    if bias is None:
        return Linear.apply(x, w)
    b = as_operand(bias, x)
    if b.data.shape not in ((ws[0],), ()):
        raise RuntimeError(
            f"linear(): bias shape {b.data.shape} does not match out_features = {ws[0]} "
            f"(weight shape {ws})"
        )
    return Linear.apply(x, w, b)


class Embedding(Function):
    """y = W[idx]: one row of the table W (num_embeddings, dim) per index; y (*idx.shape, dim).

    The same as one_hot(idx) @ W, so dL/dW = one_hot(idx)ᵀ G: each row of G is added to the
    row of W it was read from (rows read twice get both). The ``padding_idx`` row gets none;
    ``scale_grad_by_freq`` divides each row's gradient by the number of times it was read.
    (``nn.functional.embedding`` checks the arguments.)
    """

    @staticmethod
    def forward(ctx, w, idx, padding_idx=None, scale_grad_by_freq=False):
        ctx.idx, ctx.padding_idx, ctx.rows = idx, padding_idx, w.shape[0]
        ctx.by_freq = scale_grad_by_freq
        return w[idx]

    @staticmethod
    def backward(ctx, g):
        flat = ctx.idx.reshape(-1)
        dim = g.shape[-1]
        scale = None  # per row: 0 for padding, 1/count with scale_grad_by_freq
        if ctx.by_freq:
            counts = np.bincount(flat, minlength=ctx.rows)
            scale = 1.0 / np.maximum(counts, 1)
        if ctx.padding_idx is not None:
            scale = np.ones(ctx.rows) if scale is None else scale
            scale[ctx.padding_idx] = 0.0
        if isinstance(g, np.ndarray):
            gw = np.zeros((ctx.rows, dim), g.dtype)
            np.add.at(gw, flat, g.reshape(-1, dim))
            if scale is not None:
                gw *= scale.astype(g.dtype)[:, None]
            return gw
        # create_graph: the same sum written as a product with a constant one-hot matrix
        onehot = np.zeros((ctx.rows, flat.size), g.dtype)
        onehot[flat, np.arange(flat.size)] = 1
        if scale is not None:
            onehot *= scale.astype(g.dtype)[:, None]
        return as_operand(onehot) @ g.reshape((-1, dim))
