"""Losses as fused ops: softmax cross-entropy, negative log-likelihood, binary cross-entropy
(on probabilities and on logits), mean squared error and mean absolute error.

Each loss is one node with its forward and backward side by side. Every one first computes a
loss per position, then reduces it as ``reduction`` says: ``'none'`` keeps them, ``'sum'`` adds
them, ``'mean'`` divides the sum by n: the number of positions, or, for class-weighted losses,
the sum of the weights of the targets that count (PyTorch's rule). So the backward rule scales
the gradient of each position's loss by ``coef`` = g ('none', per position), g ('sum') or g/n
('mean').

Backward rules work on arrays (using what forward cached, e.g. the softmax) and on Tensors
(``create_graph=True``: they recompute what they need with ops, so second derivatives work).
``nn.functional`` exposes these under PyTorch's names with PyTorch's argument checks.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .. import _generic as xp
from ..dtypes import ones
from ..function import Function
from ..grad_mode import STATE
from ..tensor import Tensor
from .elementwise import as_operand
from .nnops import log_softmax, max_keepdims, softmax

__all__: list[str] = []

_REDUCTIONS = ("none", "mean", "sum")
_UNSIGNED = {np.dtype(f"i{k}"): np.dtype(f"u{k}") for k in (1, 2, 4, 8)}


def _reduced(loss: np.ndarray, reduction: str, n: float) -> np.ndarray:
    """Forward: the per-position ``loss`` reduced; 'mean' divides by ``n`` (nan when n = 0)."""
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    return total / n if n else np.full((), np.nan, loss.dtype)


def _coef(g: Any, reduction: str, n: float) -> Any:
    """Backward: the factor on each position's gradient (0 where a mean has no targets)."""
    if reduction == "mean":
        return g * (1.0 / n) if n else g * 0.0
    return g


def _is_array(a: Any) -> bool:
    """True on the fast path (numpy arrays or scalars), False under create_graph (Tensors)."""
    return not isinstance(a, Tensor)


# --------------------------------------------------------------------------------------------
# Class targets: which class each position is labelled with, and how much it counts
# --------------------------------------------------------------------------------------------
def _labels(labels: np.ndarray, weight: Any, ignore_index: int | None, dtype: Any) -> tuple:
    """For labels y (N, *d): ``idx`` (N, 1, *d) to index the class axis; ``keep`` (1 where the
    label counts, 0 where it is ``ignore_index``); ``base`` = w_y·keep; and the mean's n = Σ base.
    ``keep`` and ``base`` are the number 1.0 when nothing is weighted or ignored.
    ``ignore_index`` is None when the caller's check found no label equal to it."""
    with_class_axis = labels.shape[:1] + (1,) + labels.shape[1:]
    kept = None if ignore_index is None else labels != ignore_index
    if kept is None or kept.all():
        idx, keep = labels.reshape(with_class_axis), 1.0
    else:
        idx = np.where(kept, labels, 0).reshape(with_class_axis)
        keep = kept.reshape(with_class_axis).astype(dtype)
    if weight is None:
        base = keep
    else:
        base = weight.astype(dtype)[idx] * keep
    n = float(np.sum(base)) if isinstance(base, np.ndarray) else float(labels.size)
    return idx, keep, base, n


def _at_labels(idx: np.ndarray) -> tuple:
    """An index for ``a[at]`` that reaches the labelled class of every position: plain
    (rows, labels) arrays for (N, C) inputs (fast), the broadcast index arrays otherwise."""
    if idx.ndim == 2:
        return np.arange(idx.shape[0]), idx[:, 0]
    grid = list(np.ogrid[tuple(slice(n) for n in idx.shape)])
    grid[1] = idx
    return tuple(grid)


def _pick(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """a[position, label] for every position, shape (N, 1, *d)."""
    if a.ndim == 2:
        return a[np.arange(a.shape[0]), idx[:, 0]][:, None]
    return np.take_along_axis(a, idx, axis=1)


def _scatter(shape: tuple, idx: np.ndarray, values: Any, dtype: Any) -> np.ndarray:
    """zeros(shape) with ``values`` (a number or (N, 1, *d)) at the labelled classes."""
    out = np.zeros(shape, dtype)
    out[_at_labels(idx)] = values if np.ndim(values) == 0 else _squeeze_at(values)
    return out


def _subtract_at(d: np.ndarray, idx: np.ndarray, values: Any) -> None:
    """d[position, label] -= values, in place (one label per position: no repeats)."""
    d[_at_labels(idx)] -= values if np.ndim(values) == 0 else _squeeze_at(values)


def _squeeze_at(values: np.ndarray) -> np.ndarray:
    """(N, 1, *d) values laid out like the index of ``_at_labels``."""
    return values[:, 0] if values.ndim == 2 else values


class CrossEntropy(Function):
    """Softmax cross-entropy from logits, in one node (log_softmax and nll fused).

    x: logits (N, C, *d), classes on axis 1. Each position weighs the classes with a constant
    a_c: a = w_y·onehot(y) for a label y (w: class weights), blended as (1-ε)·w_y·onehot(y) +
    (ε/C)·w under label smoothing ε, or a = ((1-ε)q + ε/C)·w for class probabilities q.
    With log p = x - max - log Σ exp(x - max) (stable) and p = softmax(x):

        loss = -Σ_c a_c log p_c
        dloss/dx = p·Σ_c a_c - a             (= p - onehot(y) for a plain label)
        dloss/dq = -(1-ε)·w·log p             (probability targets only)
    """

    @staticmethod
    def forward(ctx, x, q=None, *, labels, weight, ignore_index, reduction, label_smoothing):
        n_cls, eps = x.shape[1], label_smoothing
        z = x - max_keepdims(x, 1)
        p = np.exp(z)
        s = p.sum(axis=1, keepdims=True)
        p /= s
        log_s = np.log(s)
        wc = None  # class weights along the class axis
        if weight is not None:
            wc = weight.astype(x.dtype).reshape((1, n_cls) + (1,) * (x.ndim - 2))
        ctx.p, ctx.eps, ctx.wc, ctx.reduction = p, eps, wc, reduction
        ctx.idx = ctx.sparse = ctx.dense = ctx.logp = None
        if labels is not None:  # a = sparse·onehot(y) + dense
            ctx.save_for_backward(x)
            idx, keep, base, n = _labels(labels, weight, ignore_index, x.dtype)
            sparse = base * (1 - eps) if eps else base
            loss = _pick(z, idx) - log_s
            loss *= -sparse
            total_a = sparse
            if eps:  # smoothing: ε/C on every class, weighted like the labels
                dense = (eps / n_cls) * (keep if wc is None else wc * keep)
                loss = loss - (dense * (z - log_s)).sum(axis=1, keepdims=True)
                w_sum = n_cls if wc is None else wc.sum()
                total_a = sparse + (eps / n_cls) * w_sum * keep
                ctx.dense = dense
            ctx.idx, ctx.sparse = idx, sparse
        else:  # a = ((1-ε)q + ε/C)·w, dense
            ctx.save_for_backward(x, q)
            a = q * (1 - eps) + eps / n_cls if eps else q
            a = a if wc is None else a * wc
            ctx.logp = z - log_s
            loss = -(a * ctx.logp).sum(axis=1, keepdims=True)
            total_a = a.sum(axis=1, keepdims=True)
            n = loss.size
            ctx.dense = a
        ctx.total_a, ctx.n = total_a, n
        return _reduced(loss[:, 0], reduction, n)

    @staticmethod
    def backward(ctx, g):
        coef = _coef(g, ctx.reduction, ctx.n)
        if ctx.reduction == "none":
            coef = xp.expand_dims(coef, 1)
        x = ctx.saved_tensors[0]
        need_q = len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1]
        wc = ctx.wc
        if _is_array(x):
            dx = ctx.p * (coef * ctx.total_a)
            if ctx.dense is not None:
                dx -= coef * ctx.dense
            if ctx.idx is not None:
                _subtract_at(dx, ctx.idx, coef * ctx.sparse)
            dq = None
            if need_q:
                dq = -(1 - ctx.eps) * coef * (ctx.logp if wc is None else wc * ctx.logp)
            return dx, dq
        # create_graph: the same formulas with ops (softmax recomputed from the saved logits)
        if ctx.idx is not None:
            a = _scatter(x.shape, ctx.idx, ctx.sparse, x.dtype)
            if ctx.dense is not None:
                a += ctx.dense
            return (softmax(x, dim=1) * ctx.total_a - a) * coef, None
        q = ctx.saved_tensors[1]
        a = q * (1 - ctx.eps) + ctx.eps / x.shape[1] if ctx.eps else q
        a = a if wc is None else a * wc
        dx = (softmax(x, dim=1) * a.sum(axis=1, keepdims=True) - a) * coef
        dq = None
        if need_q:
            logp = log_softmax(x, dim=1)
            dq = -(1 - ctx.eps) * coef * (logp if wc is None else logp * wc)
        return dx, dq


class LabelCrossEntropy(Function):
    """The lectures' loss, CrossEntropy's common case in fewer steps: softmax cross-entropy of
    logits x (N, C) with class labels y (N,), all in [0, C), summed over the rows and scaled by
    s (1/N for 'mean', 1 for 'sum'). With m the row maxima, e = exp(x - m) and p = softmax(x):

        loss = s·Σ_i (log Σ_c e_ic - (x_iy_i - m_i))
        dloss/dx = s·(p - onehot(y)) = s·e / Σ_c e - s·onehot(y)

    The arrays are worked on transposed, (C, N): each step then runs along rows of length N
    rather than over N short rows (about 3 µs less for (64, 10)); the gradient is handed back
    as a transposed view.
    """

    @staticmethod
    def forward(ctx, x, *, labels, scale):
        n, c = x.shape
        zt = x.T.copy()  # (C, N)
        zt -= np.maximum.reduce(zt)
        at = labels.astype(np.intp, copy=False) * n + np.arange(n)  # each row's label in zt.flat
        e = np.exp(zt)
        sums = ones(c, e.dtype) @ e  # Σ_c, as one BLAS call
        loss = np.add.reduce(np.log(sums) - zt.take(at)) * scale
        ctx.save_for_backward(x)
        ctx.e, ctx.sums, ctx.at, ctx.labels, ctx.scale = e, sums, at, labels, scale
        return loss

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        coef = g * ctx.scale
        if _is_array(x):
            dxt = ctx.e * (coef / ctx.sums)
            dxt.ravel()[ctx.at] -= coef
            return dxt.T
        onehot = np.zeros(x.shape, x.dtype)  # create_graph: the same formula with ops
        onehot[np.arange(len(ctx.labels)), ctx.labels] = 1
        return (softmax(x, dim=1) - onehot) * coef


class NLLLoss(Function):
    """Negative log-likelihood: x holds log-probabilities (N, C, *d), y the labels (N, *d).

    loss = -w_y · x[y]           (0 where y = ignore_index)
    dloss/dx = -w_y at the label's class, 0 elsewhere
    """

    @staticmethod
    def forward(ctx, x, *, labels, weight, ignore_index, reduction):
        idx, _, base, n = _labels(labels, weight, ignore_index, x.dtype)
        ctx.idx, ctx.base, ctx.n, ctx.reduction, ctx.shape = idx, base, n, reduction, x.shape
        loss = _pick(x, idx) * -base
        return _reduced(loss[:, 0], reduction, n)

    @staticmethod
    def backward(ctx, g):
        coef = _coef(g, ctx.reduction, ctx.n)
        if ctx.reduction == "none":
            coef = xp.expand_dims(coef, 1)
        if _is_array(g):
            return _scatter(ctx.shape, ctx.idx, -(coef * ctx.base), g.dtype)
        return as_operand(_scatter(ctx.shape, ctx.idx, -ctx.base, g.dtype)) * coef


# --------------------------------------------------------------------------------------------
# Argument checks shared by the public functions (nn.functional)
# --------------------------------------------------------------------------------------------
def legacy_reduction(size_average: Any, reduce: Any, reduction: str) -> str:
    """PyTorch's deprecated ``size_average``/``reduce`` flags, mapped to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn(
        "size_average and reduce args are deprecated; use reduction='mean'|'sum'|'none' instead",
        UserWarning,
        stacklevel=3,
    )
    if reduce is False:
        return "none"
    return "sum" if size_average is False else "mean"


def check_reduction(op: str, reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{op}(): {reduction!r} is not a valid value for reduction "
            f"(use 'mean', 'sum' or 'none')"
        )


def as_float_tensor(x: Any, like: Tensor) -> Tensor:
    """``x`` as a Tensor of ``like``'s float dtype (a differentiable cast when it is one)."""
    t = as_operand(x)
    return t if t.dtype == like.dtype else t.astype(like.dtype)


def constant_weight(op: str, name: str, w: Any) -> None:
    """Loss weights are constants (as in PyTorch): refuse one that asks for a gradient."""
    if isinstance(w, Tensor) and w.requires_grad and STATE.enabled:
        raise RuntimeError(
            f"{op}(): the loss is not differentiable with respect to {name}, which requires "
            f"grad; pass {name}.detach()"
        )


def _class_weight(op: str, weight: Any, n_cls: int) -> np.ndarray | None:
    """The class weights as a constant array of shape (C,) (PyTorch gives them no gradient)."""
    if weight is None:
        return None
    constant_weight(op, "weight", weight)
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight)
    if w.shape != (n_cls,):
        raise RuntimeError(
            f"{op}(): weight must hold one value per class: expected shape ({n_cls},) for "
            f"{n_cls} classes, got shape {w.shape}"
        )
    return w


def _check_labels(op: str, x: Tensor, labels: np.ndarray, ignore_index: int) -> int | None:
    """Labels must have the input's shape without the class axis, and name existing classes
    (or be ``ignore_index``). Returns ``ignore_index``, or None when no label equals it."""
    if x.ndim == 1:
        if labels.ndim != 0:
            raise RuntimeError(
                f"{op}(): for an unbatched input of shape {x.shape} the target must be one "
                f"class index (a 0-d tensor), got shape {labels.shape}"
            )
        n_cls = x.shape[0]
    else:
        n_cls = x.shape[1]
        got = labels.shape[0] if labels.ndim else "none (a 0-d target)"
        if labels.ndim == 0 or labels.shape[0] != x.shape[0]:
            raise ValueError(
                f"{op}(): input batch size {x.shape[0]} does not match target batch size {got} "
                f"(input shape {x.shape}, target shape {labels.shape})"
            )
        if labels.shape[1:] != x.shape[2:]:
            raise RuntimeError(
                f"{op}(): target shape {labels.shape} does not match input shape {x.shape}: "
                f"class-index targets must have the input's shape without the class "
                f"dimension 1, i.e. {x.shape[:1] + x.shape[2:]}"
            )
    if not labels.size:
        return None
    if labels.min() < 0 or labels.max() >= n_cls:
        bad = labels[((labels < 0) | (labels >= n_cls)) & (labels != ignore_index)]
        if bad.size:
            raise IndexError(
                f"{op}(): target {bad.flat[0]} is out of bounds for {n_cls} classes (class "
                f"indices go from 0 to {n_cls - 1}; ignore_index is {ignore_index})"
            )
        return ignore_index  # the labels out of range are ignore_index
    return ignore_index if 0 <= ignore_index < n_cls else None


def _batched(x: Tensor) -> Tensor:
    return x.reshape(1, x.shape[0]) if x.ndim == 1 else x


def cross_entropy(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Softmax cross-entropy between logits and targets, as ``torch.nn.functional.cross_entropy``.

    input: logits (N, C), (N, C, d1, ...) or unbatched (C,). target: class indices (an integer
    tensor of shape (N,), (N, d1, ...) or ()), or class probabilities (a float tensor of the
    input's shape). ``weight`` (C,) rescales each class; positions labelled ``ignore_index``
    do not count; ``label_smoothing`` ε mixes the target with the uniform distribution.
    'mean' divides by the summed weights of the counted labels (by the number of positions
    for probability targets).
    """
    if (
        type(input) is Tensor
        and input.data.ndim == 2
        and weight is None
        and not label_smoothing
        and reduction in ("mean", "sum")
        and size_average is None is reduce
        and not 0 <= ignore_index < input.data.shape[1]
    ):  # the common case: (N, C) logits, labels (N,), nothing weighted, ignored or smoothed
        t = target.data if type(target) is Tensor else target
        if (
            type(t) is np.ndarray
            and t.shape == input.data.shape[:1]
            and t.dtype.kind in "iu"
            and t.size
            # every label in [0, C) (seen as unsigned, a negative label is huge); any other
            # goes to the general path, which names it (or ignores it, = ignore_index)
            and np.maximum.reduce(t.view(_UNSIGNED.get(t.dtype, t.dtype))) < input.data.shape[1]
        ):
            scale = 1.0 / t.size if reduction == "mean" else 1.0
            return LabelCrossEntropy.apply(input, labels=t, scale=scale)
    op = "cross_entropy"
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(op, reduction)
    x = as_operand(input)
    if x.ndim == 0:
        raise RuntimeError(f"{op}(): input must have a class dimension, got a 0-d tensor")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(
            f"{op}(): label_smoothing must be between 0.0 and 1.0, got {label_smoothing}"
        )
    n_cls = x.shape[0] if x.ndim == 1 else x.shape[1]
    w = _class_weight(op, weight, n_cls)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    params = dict(
        weight=w, ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing
    )
    if t.dtype.kind == "f":
        if t.shape != x.shape:
            raise RuntimeError(
                f"{op}(): float targets are read as class probabilities and must have the "
                f"input's shape {x.shape}, got shape {t.shape}; for class indices pass an "
                f"integer tensor (target.long())"
            )
        if ignore_index >= 0:
            raise RuntimeError(
                f"{op}(): ignore_index is not supported for class-probability targets"
            )
        q = as_float_tensor(target, x)
        out = CrossEntropy.apply(_batched(x), _batched(q), labels=None, **params)
    elif t.dtype.kind in "iu":
        params["ignore_index"] = _check_labels(op, x, t, ignore_index)
        out = CrossEntropy.apply(_batched(x), labels=t.reshape(-1) if x.ndim == 1 else t, **params)
    else:
        raise TypeError(
            f"{op}(): target must be class indices (an integer tensor) or class probabilities "
            f"(a float tensor), got dtype {t.dtype}"
        )
    return out.reshape(()) if x.ndim == 1 and reduction == "none" else out


def nll_loss(
    input: Tensor,
    target: Any,
    weight: Any = None,
    size_average: Any = None,
    ignore_index: int = -100,
    reduce: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of the labels, as ``torch.nn.functional.nll_loss``: input holds
    log-probabilities (N, C), (N, C, d1, ...) or (C,) (e.g. from ``log_softmax``); target the
    class indices (N,), (N, d1, ...) or (). ``weight``, ``ignore_index`` and 'mean' as in
    :func:`cross_entropy`."""
    op = "nll_loss"
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(op, reduction)
    x = as_operand(input)
    if x.ndim == 0:
        raise RuntimeError(f"{op}(): input must have a class dimension, got a 0-d tensor")
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind not in "iu":
        raise RuntimeError(
            f"{op}(): target must hold class indices (an integer tensor, e.g. target.long()), "
            f"got dtype {t.dtype}"
        )
    n_cls = x.shape[0] if x.ndim == 1 else x.shape[1]
    w = _class_weight(op, weight, n_cls)
    out = NLLLoss.apply(
        _batched(x),
        labels=t.reshape(-1) if x.ndim == 1 else t,
        weight=w,
        ignore_index=_check_labels(op, x, t, ignore_index),
        reduction=reduction,
    )
    return out.reshape(()) if x.ndim == 1 and reduction == "none" else out
