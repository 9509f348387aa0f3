"""``nn.functional``: the layers and losses as plain functions, as ``torch.nn.functional``.

``import nn.functional as F`` and call them as in PyTorch code: ``F.relu(x)``,
``F.cross_entropy(logits, labels)``, ``F.dropout(x, 0.5, training=self.training)``. Most are the
ops of :mod:`autograd_core.ops` under PyTorch's names (their forward and backward rules live
there, one screen each); the functions written here add PyTorch's argument handling on top
(normalisation with running statistics, channel dropout, one-hot encoding, embedding lookups).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core.ops.activation import (
    celu,
    elu,
    gelu,
    hardtanh,
    leaky_relu,
    logsigmoid,
    prelu,
    relu6,
    selu,
    silu,
    softplus,
    softsign,
)
from autograd_core.ops.conv import conv1d, conv2d
from autograd_core.ops.elementwise import as_operand, sigmoid, tanh
from autograd_core.ops.elementwise import relu as _relu
from autograd_core.ops.join import pad
from autograd_core.ops.linear import Embedding, linear
from autograd_core.ops.loss import cross_entropy, nll_loss
from autograd_core.ops.loss_pointwise import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    l1_loss,
    mse_loss,
)
from autograd_core.ops.nnops import dropout
from autograd_core.ops.nnops import log_softmax as _log_softmax
from autograd_core.ops.nnops import softmax as _softmax
from autograd_core.ops.norm import BatchNorm, LayerNorm
from autograd_core.ops.pool import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from autograd_core.random import generator
from autograd_core.tensor import Tensor

__all__ = [
    # activations
    "relu", "relu6", "leaky_relu", "prelu", "elu", "selu", "celu", "gelu", "hardtanh",
    "sigmoid", "tanh", "softplus", "silu", "softsign", "logsigmoid",
    "softmax", "log_softmax", "softmin",
    # layers
    "linear", "conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "pad", "dropout", "dropout1d", "dropout2d", "batch_norm", "layer_norm", "group_norm",
    "embedding", "one_hot",
    # losses
    "mse_loss", "l1_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]  # fmt: skip


# --------------------------------------------------------------------------------------------
# Activations that take PyTorch's extra arguments
# --------------------------------------------------------------------------------------------
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), elementwise (``inplace=True`` writes the result into ``input``)."""
    x = as_operand(input)
    return x._inplace(_relu) if inplace else _relu(x)


def softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """exp(x) / Σ exp(x) along ``dim`` (stable); see :func:`autograd_core.softmax`."""
    return _softmax(input, dim, dtype=dtype)


def log_softmax(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """log softmax(x) along ``dim``, as x - logsumexp(x); see :func:`autograd_core.log_softmax`."""
    return _log_softmax(input, dim, dtype=dtype)


def softmin(
    input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype: Any = None
) -> Tensor:
    """softmax(-x) along ``dim``."""
    return _softmax(-as_operand(input), dim, dtype=dtype)


# --------------------------------------------------------------------------------------------
# Dropout of whole channels
# --------------------------------------------------------------------------------------------
def _channel_dropout(
    op: str, input: Tensor, p: float, training: bool, inplace: bool, spatial: int
) -> Tensor:
    """Zero whole channels (every value of one (sample, channel) pair) with probability p and
    scale the others by 1/(1 - p). ``spatial`` is the number of axes after the channel axis."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}(): dropout probability has to be between 0 and 1, but got {p}")
    x = as_operand(input)
    if x.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(
            f"{op}(): expected a {spatial + 1}-D (unbatched) or {spatial + 2}-D (batched) "
            f"input, got shape {x.shape}"
        )
    if not training or p == 0:
        return x
    channels = x.shape[: x.ndim - spatial]  # (N, C) or (C,)
    keep = generator().random(channels, dtype=np.float32) >= p
    scale = 0.0 if p == 1 else 1.0 / (1.0 - p)
    mask = (keep * np.asarray(scale, x.dtype)).reshape(channels + (1,) * spatial)
    if inplace:
        return x._inplace(lambda old: old * mask)
    return x * mask


def dropout1d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Dropout of whole channels of (N, C, L) or (C, L) signals, as ``F.dropout1d``."""
    return _channel_dropout("dropout1d", input, p, training, inplace, 1)


def dropout2d(
    input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False
) -> Tensor:
    """Dropout of whole feature maps of (N, C, H, W) or (C, H, W) images, as ``F.dropout2d``."""
    return _channel_dropout("dropout2d", input, p, training, inplace, 2)


# --------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------
def _per_channel(op: str, name: str, t: Any, n: int) -> None:
    if t is not None and tuple(t.shape) != (n,):
        raise RuntimeError(
            f"{op}(): {name} should have shape ({n},), one value per channel of the input, "
            f"got shape {tuple(t.shape)}"
        )


def _affine_inputs(x: Tensor, weight: Any, bias: Any, shape: tuple) -> tuple:
    """The tensors to pass after x: (), (γ,) or (γ, β); γ = 1 when only β is given."""
    if weight is None and bias is None:
        return ()
    w = (
        as_operand(weight, x)
        if weight is not None
        else Tensor._make(np.ones(shape, x.dtype), False, None)
    )
    return (w,) if bias is None else (w, as_operand(bias, x))


def batch_norm(
    input: Tensor,
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalisation of x (N, C, *) per channel, as ``torch.nn.functional.batch_norm``.

    training: normalise with the batch mean and biased variance (over every axis but 1), and
    update ``running_mean``/``running_var`` in place when given:
    running = (1 - momentum)·running + momentum·batch, the variance taken unbiased (n/(n-1)).
    Otherwise normalise with the running statistics. Then scale by ``weight``, shift by ``bias``.
    """
    op = "batch_norm"
    x = as_operand(input)
    if x.ndim < 2:
        raise ValueError(f"{op}(): expected an input of shape (N, C, ...), got shape {x.shape}")
    c = x.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        _per_channel(op, name, t, c)
    _per_channel(op, "weight", weight, c)
    _per_channel(op, "bias", bias, c)
    bshape = (1, c) + (1,) * (x.ndim - 2)
    affine = _affine_inputs(x, weight, bias, (c,))
    if not training:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                f"{op}(): running_mean and running_var must be given when training=False"
            )
        # y = x·s + t with s = γ/√(running_var + ε), t = β - running_mean·s (small ops on (C,))
        inv = (1.0 / np.sqrt(running_var.data + eps)).astype(x.dtype)
        mean = running_mean.data.astype(x.dtype)
        if not affine:
            return x * inv.reshape(bshape) + (-mean * inv).reshape(bshape)
        scale = affine[0] * inv
        shift = -(scale * mean) if len(affine) == 1 else affine[1] - scale * mean
        return x * scale.reshape(bshape) + shift.reshape(bshape)
    n = x.data.size // c
    if n <= 1:
        raise ValueError(
            f"{op}(): expected more than 1 value per channel when training, got input of "
            f"shape {x.shape}"
        )
    axes = (0,) + tuple(range(2, x.ndim))
    mean = x.data.mean(axis=axes, keepdims=True)
    d = x.data - mean
    var = (d * d).mean(axis=axes, keepdims=True)
    if running_mean is not None:
        rm = running_mean.data
        rm *= 1.0 - momentum
        rm += momentum * mean.reshape(c)
    if running_var is not None:
        rv = running_var.data
        rv *= 1.0 - momentum
        rv += (momentum * n / (n - 1)) * var.reshape(c)
    return BatchNorm.apply(x, *affine, mean=mean, var=var, eps=eps)


def layer_norm(
    input: Tensor,
    normalized_shape: int | tuple | list,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Layer normalisation over the last ``len(normalized_shape)`` axes (mean and biased
    variance per sample), then scale by ``weight`` and shift by ``bias`` (both of shape
    ``normalized_shape``), as ``torch.nn.functional.layer_norm``."""
    op = "layer_norm"
    x = as_operand(input)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k :]) != shape:
        raise RuntimeError(
            f"{op}(): given normalized_shape={list(shape)}, expected input with shape "
            f"[*, {', '.join(map(str, shape))}], but got input of size {list(x.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(
                f"{op}(): {name} should have shape {shape} (normalized_shape), got {tuple(t.shape)}"
            )
    return LayerNorm.apply(x, *_affine_inputs(x, weight, bias, shape), k=k, eps=eps)


def group_norm(
    input: Tensor,
    num_groups: int,
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """Group normalisation of x (N, C, *), as ``torch.nn.functional.group_norm``: the C
    channels are split into ``num_groups`` groups, each sample's group is standardised with its
    own mean and (biased) variance, then each channel is scaled by ``weight`` and shifted by
    ``bias`` (shape (C,)). It is layer norm over the (C/G, *) values of each group."""
    op = "group_norm"
    x = as_operand(input)
    if x.ndim < 2:
        raise RuntimeError(f"{op}(): expected an input of shape (N, C, ...), got shape {x.shape}")
    n, c = x.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise RuntimeError(
            f"{op}(): the {c} channels of the input (shape {x.shape}) cannot be split into "
            f"{num_groups} groups of equal size"
        )
    _per_channel(op, "weight", weight, c)
    _per_channel(op, "bias", bias, c)
    grouped = x.reshape(n, num_groups, -1)
    y = LayerNorm.apply(grouped, k=1, eps=eps).reshape(x.shape)
    bshape = (1, c) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * as_operand(weight, x).reshape(bshape)
    if bias is not None:
        y = y + as_operand(bias, x).reshape(bshape)
    return y


# --------------------------------------------------------------------------------------------
# Lookups and encodings
# --------------------------------------------------------------------------------------------
def embedding(
    input: Any,
    weight: Tensor,
    padding_idx: int | None = None,
    max_norm: float | None = None,
    norm_type: float = 2.0,
    scale_grad_by_freq: bool = False,
    sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer indices in ``input``:
    the result has shape ``(*input.shape, dim)``. The ``padding_idx`` row gets no gradient;
    ``max_norm`` first rescales (in place) the rows used whose ``norm_type``-norm exceeds it;
    ``scale_grad_by_freq`` divides each row's gradient by how often the batch used it.
    (``sparse=True`` is accepted; the gradient is a dense array.)"""
    op = "embedding"
    idx = np.asarray(input.data if isinstance(input, Tensor) else input)
    if idx.dtype.kind not in "iu":
        raise TypeError(
            f"{op}(): indices must be an integer tensor (e.g. x.long()), got dtype {idx.dtype}"
        )
    if weight.ndim != 2:
        raise RuntimeError(f"{op}(): weight must be 2-D (num_embeddings, dim), got {weight.shape}")
    rows = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= rows):
        bad = idx.max() if idx.max() >= rows else idx.min()
        raise IndexError(
            f"{op}(): index {bad} is out of range for an embedding with {rows} rows "
            f"(indices must be in [0, {rows - 1}])"
        )
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise ValueError(
                f"{op}(): padding_idx {padding_idx} must be within num_embeddings ({rows})"
            )
        padding_idx %= rows
    if max_norm is not None:
        used = np.unique(idx)
        w = weight.data
        norms = np.linalg.norm(w[used], ord=norm_type, axis=1)
        big = norms > max_norm
        w[used[big]] *= (max_norm / (norms[big] + 1e-7))[:, None].astype(w.dtype)
    return Embedding.apply(
        weight, idx=idx, padding_idx=padding_idx, scale_grad_by_freq=scale_grad_by_freq
    )


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """Class indices (any shape) as one-hot rows: an int64 tensor of shape
    ``(*tensor.shape, num_classes)``; ``num_classes=-1`` takes the largest index + 1."""
    t = np.asarray(tensor.data if isinstance(tensor, Tensor) else tensor)
    if t.dtype.kind not in "iu":
        raise RuntimeError(
            f"one_hot(): only applicable to index tensors (an integer dtype), got {t.dtype}"
        )
    if t.size and t.min() < 0:
        raise RuntimeError(f"one_hot(): class values must be non-negative, got {t.min()}")
    if num_classes == -1:
        if t.size == 0:
            raise RuntimeError("one_hot(): can not infer total number of classes from empty tensor")
        num_classes = int(t.max()) + 1
    elif t.size and t.max() >= num_classes:
        raise RuntimeError(
            f"one_hot(): class values must be smaller than num_classes ({num_classes}), got "
            f"{t.max()}"
        )
    out = (t[..., None] == np.arange(num_classes)).astype(np.int64)
    return Tensor._make(out, False, None)
