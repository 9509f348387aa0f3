"""Pointwise losses as fused ops: binary cross-entropy (on probabilities and on logits), mean
squared error and mean absolute error. Input x and target y have the same shape (MSE and L1
broadcast, with PyTorch's warning); both may require grad.

As in :mod:`autograd_core.ops.loss`, each op computes a loss per element, reduces it
('none', 'sum' or 'mean' over the n elements), and its backward rule scales each element's
gradient by ``coef`` = g or g/n. ``nn.functional`` exposes the public functions.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import _generic as xp
from ..function import Function
from ..tensor import Tensor
from .elementwise import as_operand
from .loss import (
    _coef,
    _reduced,
    as_float_tensor,
    check_reduction,
    constant_weight,
    legacy_reduction,
)

__all__: list[str] = []


def _clamp_min(v: Any, lo: float) -> Any:
    return v.clamp(min=lo) if isinstance(v, Tensor) else np.maximum(v, lo)


def _log_clamped(v: Any) -> Any:
    """log v, at least -100 (PyTorch's guard: log 0 gives -100, not -inf)."""
    if isinstance(v, Tensor):
        return v.log().clamp(min=-100.0)
    with np.errstate(divide="ignore"):
        return np.maximum(np.log(v), -100.0)


class BinaryCrossEntropy(Function):
    """Binary cross-entropy on probabilities x ∈ [0, 1] with targets y (w: optional weights).

    loss = -w·(y·log x + (1-y)·log(1-x))        (each log at least -100, as PyTorch)
    dloss/dx = w·(x - y) / max(x(1-x), 1e-12)
    dloss/dy = -w·(log x - log(1-x))
    """

    @staticmethod
    def forward(ctx, x, y, *, weight, reduction):
        ctx.save_for_backward(x, y)
        ctx.weight, ctx.reduction, ctx.n = weight, reduction, x.size
        loss = -(y * _log_clamped(x) + (1 - y) * _log_clamped(1 - x))
        if weight is not None:
            loss = loss * weight
        return _reduced(loss, reduction, x.size)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        coef = _coef(g, ctx.reduction, ctx.n)
        if ctx.weight is not None:
            coef = coef * ctx.weight
        need_x, need_y = ctx.needs_input_grad
        dx = coef * (x - y) / _clamp_min(x * (1 - x), 1e-12) if need_x else None
        dy = -coef * (_log_clamped(x) - _log_clamped(1 - x)) if need_y else None
        return dx, dy


def _softplus_neg(x: np.ndarray) -> np.ndarray:
    """log(1 + e^-x), stable for large |x|."""
    return np.logaddexp(0.0, -x)


class BinaryCrossEntropyWithLogits(Function):
    """Binary cross-entropy on logits x (sigmoid fused in), targets y, weights w, and pos_weight
    pw multiplying the positive term. With s = log(1 + e^-x) = -log σ(x) and l = 1 + (pw-1)·y:

        loss = w·((1-y)·x + l·s)            (= -w·(pw·y·log σ(x) + (1-y)·log(1-σ(x))))
        dloss/dx = w·(l·σ(x) - pw·y)        (= w·(σ(x) - y) without pos_weight)
        dloss/dy = w·(-x + (pw-1)·s)
    """

    @staticmethod
    def forward(ctx, x, y, *, weight, pos_weight, reduction):
        ctx.save_for_backward(x, y)
        ctx.weight, ctx.pw, ctx.reduction, ctx.n = weight, pos_weight, reduction, x.size
        s = _softplus_neg(x)
        loss = (1 - y) * x + (s if pos_weight is None else (1 + (pos_weight - 1) * y) * s)
        if weight is not None:
            loss = loss * weight
        return _reduced(loss, reduction, loss.size)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        coef = _coef(g, ctx.reduction, ctx.n)
        if ctx.weight is not None:
            coef = coef * ctx.weight
        need_x, need_y = ctx.needs_input_grad
        pw = ctx.pw
        dx = dy = None
        if need_x:
            sig = x.sigmoid() if isinstance(x, Tensor) else np.exp(-_softplus_neg(x))
            if pw is None:
                dx = coef * (sig - y)
            else:
                dx = coef * ((1 + (pw - 1) * y) * sig - pw * y)
        if need_y:
            if pw is None:
                dy = -coef * x
            else:
                s = -_log_clamped_sigmoid(x) if isinstance(x, Tensor) else _softplus_neg(x)
                dy = coef * ((pw - 1) * s - x)
        return dx, dy


def _log_clamped_sigmoid(x: Tensor) -> Tensor:
    """log σ(x) with ops, for create_graph (-log(1 + e^-x), written stably)."""
    return -((-x).relu() + (-(x.abs())).exp().log1p())


class MSELoss(Function):
    """Squared error: loss = (x - y)²,   dloss/dx = 2(x - y),   dloss/dy = -2(x - y)"""

    @staticmethod
    def forward(ctx, x, y, *, reduction):
        d = x - y
        ctx.save_for_backward(x, y)
        ctx.reduction, ctx.n = reduction, d.size
        return _reduced(d * d, reduction, d.size)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gd = (x - y) * (2 * _coef(g, ctx.reduction, ctx.n))
        return gd, -gd


class L1Loss(Function):
    """Absolute error: loss = |x - y|,   dloss/dx = sign(x - y),   dloss/dy = -sign(x - y)"""

    @staticmethod
    def forward(ctx, x, y, *, reduction):
        d = x - y
        ctx.save_for_backward(x, y)
        ctx.reduction, ctx.n = reduction, d.size
        return _reduced(np.abs(d), reduction, d.size)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gd = xp.sign(x - y) * _coef(g, ctx.reduction, ctx.n)
        return gd, -gd


# --------------------------------------------------------------------------------------------
# The public functions (nn.functional re-exports them)
# --------------------------------------------------------------------------------------------
def _reduce_ops(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _same_size(op: str, x: Tensor, y: Tensor) -> None:
    if y.shape != x.shape:
        raise ValueError(
            f"{op}(): target size {y.shape} is different from input size {x.shape}; "
            f"please make them the same shape"
        )


def _constant_like(op: str, name: str, w: Any, x: Tensor) -> np.ndarray | None:
    """An optional weight as a constant array of x's dtype that broadcasts to x's shape."""
    if w is None:
        return None
    shape = x.shape
    constant_weight(op, name, w)
    a = np.asarray(w.data if isinstance(w, Tensor) else w, dtype=x.dtype)
    try:
        np.broadcast_shapes(a.shape, shape)
    except ValueError:
        raise RuntimeError(
            f"{op}(): {name} of shape {a.shape} does not broadcast to the input's shape {shape}"
        ) from None
    return a


def _check_unit_interval(op: str, name: str, a: np.ndarray) -> None:
    if a.size and not ((a >= 0) & (a <= 1)).all():
        raise RuntimeError(
            f"{op}(): all elements of {name} should be between 0 and 1, got values from "
            f"{a.min()} to {a.max()}"
            + (" (did you mean binary_cross_entropy_with_logits?)" if name == "input" else "")
        )


def binary_cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy between probabilities ``input`` and ``target`` (same shape, both in
    [0, 1]), as ``torch.nn.functional.binary_cross_entropy``; ``weight`` rescales each element
    (broadcast). Logs are clamped at -100, so a probability of exactly 0 or 1 is finite."""
    op = "binary_cross_entropy"
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(op, reduction)
    x = as_operand(input)
    y = as_float_tensor(target, x)
    _same_size(op, x, y)
    _check_unit_interval(op, "input", x.data)
    _check_unit_interval(op, "target", y.data)
    w = _constant_like(op, "weight", weight, x)
    return BinaryCrossEntropy.apply(x, y, weight=w, reduction=reduction)


def binary_cross_entropy_with_logits(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    pos_weight: Any = None,
) -> Tensor:
    """Binary cross-entropy on logits (sigmoid and BCE in one stable op), as
    ``torch.nn.functional.binary_cross_entropy_with_logits``. ``weight`` rescales each element;
    ``pos_weight`` (e.g. shape (C,), broadcast along the last axis) rescales the positive term:
    loss = -w·(pw·y·log σ(x) + (1-y)·log(1-σ(x)))."""
    op = "binary_cross_entropy_with_logits"
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(op, reduction)
    x = as_operand(input)
    y = as_float_tensor(target, x)
    _same_size(op, x, y)
    w = _constant_like(op, "weight", weight, x)
    pw = _constant_like(op, "pos_weight", pos_weight, x)
    return BinaryCrossEntropyWithLogits.apply(x, y, weight=w, pos_weight=pw, reduction=reduction)


def _regression(
    op: str, cls: type[Function], input: Any, target: Any, reduction: str, weight: Any
) -> Tensor:
    check_reduction(op, reduction)
    x = as_operand(input)
    y = as_float_tensor(target, x)
    if y.shape != x.shape:
        warnings.warn(
            f"{op}(): using a target size ({y.shape}) that is different to the input size "
            f"({x.shape}). This will likely lead to incorrect results due to broadcasting. "
            f"Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )
        try:
            np.broadcast_shapes(x.shape, y.shape)
        except ValueError:
            raise RuntimeError(
                f"{op}(): input shape {x.shape} and target shape {y.shape} do not broadcast"
            ) from None
    if weight is None:
        return cls.apply(x, y, reduction=reduction)
    w = as_float_tensor(weight, x)
    if w.shape != x.shape:
        raise ValueError(
            f"{op}(): weight shape {w.shape} and input shape {x.shape} must be the same"
        )
    loss = cls.apply(x, y, reduction="none") * w
    if reduction == "mean":
        return loss.sum() / w.sum()
    return _reduce_ops(loss, reduction)


def mse_loss(
    input: Tensor,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """Squared error (x - y)², reduced, as ``torch.nn.functional.mse_loss``. Different shapes
    broadcast with a UserWarning (usually a bug: (N, 1) against (N,) gives (N, N)). With
    ``weight`` (input's shape), 'mean' is Σ w·(x - y)² / Σ w."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _regression("mse_loss", MSELoss, input, target, reduction, weight)


def l1_loss(
    input: Tensor,
    target: Any,
    size_average: Any = None,
    reduce: Any = None,
    reduction: str = "mean",
    weight: Any = None,
) -> Tensor:
    """Absolute error |x - y|, reduced, as ``torch.nn.functional.l1_loss`` (broadcasting and
    ``weight`` as :func:`mse_loss`)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    return _regression("l1_loss", L1Loss, input, target, reduction, weight)
