"""Gradient clipping and flat parameter vectors, as ``torch.nn.utils``.

``clip_grad_norm_`` rescales all gradients together so that their joint norm is at most
``max_norm``; ``parameters_to_vector``/``vector_to_parameters`` turn a model's parameters into
one flat vector and back (to hand a model to ``scipy.optimize.minimize``, for instance).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

import autograd_core as ag
from autograd_core import Tensor

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "vector_to_parameters",
]


def _as_list(tensors: Tensor | Iterable[Tensor]) -> list[Tensor]:
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def get_total_norm(
    tensors: Tensor | Iterable[Tensor],
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: Any = None,
) -> Tensor:
    """The ``norm_type``-norm of all the tensors together, as if concatenated into one vector:
    (Σ |x|^p)^(1/p), or max |x| for ``norm_type=inf``. Computed in float64, returned in the
    dtype of the first tensor."""
    ts = [t for t in _as_list(tensors) if t is not None]
    if not ts:
        return ag.tensor(0.0)
    p = float(norm_type)
    arrays = [np.asarray(t.data, dtype=np.float64) for t in ts]
    if p == float("inf"):
        total = max(float(np.max(np.abs(a))) if a.size else 0.0 for a in arrays)
    elif p == 0:
        total = float(sum(np.count_nonzero(a) for a in arrays))
    else:
        total = float(sum(np.sum(np.abs(a) ** p) for a in arrays)) ** (1.0 / p)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            f"non-finite, so it cannot be clipped. To disable this error and scale the "
            f"gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    return ag.tensor(total, dtype=ts[0].dtype)


def clip_grads_with_norm_(
    parameters: Tensor | Iterable[Tensor], max_norm: float, total_norm: Any, foreach: Any = None
) -> None:
    """Scale every ``.grad`` in place by min(1, max_norm / (total_norm + 1e-6))."""
    coef = min(float(max_norm) / (float(total_norm) + 1e-6), 1.0)
    for p in _as_list(parameters):
        g = p.grad
        if g is not None:
            np.multiply(g.data, np.asarray(coef, g.data.dtype), out=g.data)
            g._bump()


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: Any = None,
) -> Tensor:
    """Rescale the gradients of ``parameters`` in place so that their total norm (computed as
    if all gradients were one vector) is at most ``max_norm``. Returns the total norm *before*
    clipping, as a Tensor (``float(...)`` or ``.item()`` to log it)."""
    params = _as_list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return ag.tensor(0.0)
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(
    parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: Any = None
) -> None:
    """Clip every gradient element to [−clip_value, clip_value], in place."""
    v = float(clip_value)
    for p in _as_list(parameters):
        g = p.grad
        if g is not None:
            np.clip(g.data, -v, v, out=g.data)
            g._bump()


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D Tensor (differentiable)."""
    flat = [p.reshape(-1) for p in _as_list(parameters)]
    if not flat:
        raise ValueError("parameters_to_vector(): got no parameters")
    return ag.cat(flat)


def vector_to_parameters(vec: Any, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of the 1-D ``vec`` (a Tensor or numpy array) into the
    parameters, in place: the inverse of ``parameters_to_vector``."""
    if isinstance(vec, Tensor):
        data = vec.data
    elif isinstance(vec, np.ndarray):
        data = vec
    else:
        raise TypeError(f"expected Tensor, but got: {type(vec).__name__}")
    if data.ndim != 1:
        raise ValueError(f"vector_to_parameters(): vec must be 1-D, got shape {data.shape}")
    params = _as_list(parameters)
    need = sum(p.numel() for p in params)
    if data.size != need:
        raise ValueError(
            f"vector_to_parameters(): vec has {data.size} elements but the parameters hold {need}"
        )
    start = 0
    for p in params:
        n = p.numel()
        p.data[...] = data[start : start + n].reshape(p.shape)
        p._bump()
        start += n
