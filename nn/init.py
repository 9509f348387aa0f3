"""Weight initialisation, as ``torch.nn.init``: each function fills a tensor in place (without
recording anything in the graph) and returns it.

Random values come from ``autograd_core.random.generator()`` (so ``autograd_core.manual_seed``
makes initialisation repeatable) unless a numpy ``Generator`` is passed as ``generator=``.

The fan-based schemes read the fans from the weight's shape, PyTorch's layout
``(out_features, in_features, *kernel)``: fan_in = in_features·∏kernel, fan_out =
out_features·∏kernel.

=====================  =====================================================================
``xavier_uniform_``     U(−a, a),  a = gain·√(6/(fan_in + fan_out))      (Glorot & Bengio, 2010)
``xavier_normal_``      N(0, σ²),  σ = gain·√(2/(fan_in + fan_out))
``kaiming_uniform_``    U(−b, b),  b = gain·√(3/fan)                     (He et al., 2015)
``kaiming_normal_``     N(0, σ²),  σ = gain/√fan
=====================  =====================================================================
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from autograd_core import Tensor
from autograd_core.random import generator as _default_generator

__all__ = [
    "calculate_gain",
    "uniform_",
    "normal_",
    "trunc_normal_",
    "constant_",
    "ones_",
    "zeros_",
    "eye_",
    "dirac_",
    "xavier_uniform_",
    "xavier_normal_",
    "kaiming_uniform_",
    "kaiming_normal_",
    "orthogonal_",
]


def _rng(generator: Any) -> np.random.Generator:
    return _default_generator() if generator is None else generator


def _fill(tensor: Tensor, values: Any) -> Tensor:
    """Write ``values`` into ``tensor`` in place, outside the graph (as under ``no_grad``)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init: expected a Tensor, got {type(tensor).__name__}")
    tensor.data[...] = values
    tensor._bump()
    return tensor


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended scale for a nonlinearity: 1 for linear/conv/sigmoid, 5/3 for tanh, √2
    for relu, √(2/(1 + slope²)) for leaky_relu (slope = ``param``, default 0.01), 3/4 for selu."""
    linear = ("linear", "conv1d", "conv2d", "conv3d")
    linear += ("conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
    if nonlinearity in linear or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, int | float) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel)."""
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {tuple(tensor.shape)}; biases are 1-D: use zeros_, uniform_ or normal_)"
        )
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with values drawn from U(a, b)."""
    return _fill(tensor, _rng(generator).uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with values drawn from N(mean, std²)."""
    return _fill(tensor, _rng(generator).normal(mean, std, tensor.shape))


def trunc_normal_(
    tensor: Tensor,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: Any = None,
) -> Tensor:
    """Fill with values from N(mean, std²) conditioned on a ≤ x ≤ b (the bounds are absolute
    values, not in units of std, as in PyTorch). Drawn by rejection: values outside [a, b] are
    drawn again until none is left."""
    if not a < b:
        raise ValueError(f"trunc_normal_(): need a < b, got a={a}, b={b}")
    rng = _rng(generator)
    lo, hi = (a - mean) / std, (b - mean) / std
    if hi < -6 or lo > 6:
        warnings.warn(
            "trunc_normal_(): mean is more than 6 std from [a, b]; the values are clamped to the "
            "nearest bound",
            stacklevel=2,
        )
        return _fill(tensor, np.clip(np.full(tensor.shape, mean), a, b))
    out = rng.normal(mean, std, tensor.shape)
    bad = (out < a) | (out > b)
    while bad.any():
        out[bad] = rng.normal(mean, std, int(bad.sum()))
        bad = (out < a) | (out > b)
    return _fill(tensor, out)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value ``val``."""
    return _fill(tensor, val)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    return _fill(tensor, 1)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    return _fill(tensor, 0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*tensor.shape))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a conv weight (3-, 4- or 5-D) so that the convolution passes its input channels
    through unchanged (per group)."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    out_ch = tensor.shape[0]
    if out_ch % groups:
        raise ValueError("dim 0 must be divisible by groups")
    per = out_ch // groups
    n = min(per, tensor.shape[1])
    w = np.zeros(tensor.shape)
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):  # one diagonal per group: a loop over groups, not elements
        d = np.arange(n)
        w[(g * per + d, d, *centre)] = 1
    return _fill(tensor, w)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot uniform: U(−a, a) with a = gain·√(6/(fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / float(fan_in + fan_out))
    return _fill(tensor, _rng(generator).uniform(-a, a, tensor.shape))


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot normal: N(0, σ²) with σ = gain·√(2/(fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return _fill(tensor, _rng(generator).normal(0.0, std, tensor.shape))


def kaiming_uniform_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """He uniform: U(−b, b) with b = gain·√(3/fan), gain = calculate_gain(nonlinearity, a)
    and fan = fan_in (``mode='fan_in'``, keeps the forward variance) or fan_out."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return _fill(tensor, _rng(generator).uniform(-bound, bound, tensor.shape))


def kaiming_normal_(
    tensor: Tensor,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: Any = None,
) -> Tensor:
    """He normal: N(0, σ²) with σ = gain/√fan (see ``kaiming_uniform_``)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return _fill(tensor, _rng(generator).normal(0.0, std, tensor.shape))


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """A (semi-)orthogonal matrix times ``gain`` (Saxe et al., 2013): the Q of the QR
    decomposition of a normal matrix, signs fixed so the distribution is uniform. Dimensions
    after the first are flattened."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _rng(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill(tensor, gain * q.reshape(tensor.shape))
