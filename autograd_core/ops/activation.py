"""Activation functions beyond ``relu``/``sigmoid``/``tanh`` (those live in ``elementwise``):
leaky ReLU, PReLU, ELU, GELU, hard tanh, softplus, and a few compositions of them.

Each op is one :class:`~autograd_core.function.Function`, forward and backward side by side,
with the derivative in the docstring. Where a derivative has a kink (at 0, or at the clipping
bounds) the value PyTorch uses is stated. Backward rules work on numpy arrays and on Tensors,
so second derivatives (``create_graph=True``) are right too; ``g`` is dL/d(output).

Every function takes ``inplace=`` as ``torch.nn.functional`` does: with ``inplace=True`` the
result is written into ``input`` (which then becomes part of the graph, as in PyTorch).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _generic as xp
from ..function import Function
from ..tensor import Tensor
from .elementwise import abs as _abs
from .elementwise import as_operand
from .elementwise import sigmoid as _sigmoid
from .special import erf, erf_array

__all__ = [
    "leaky_relu",
    "prelu",
    "elu",
    "selu",
    "celu",
    "gelu",
    "hardtanh",
    "relu6",
    "softplus",
    "silu",
    "softsign",
    "logsigmoid",
]

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K_TANH = math.sqrt(2.0 / math.pi)  # the constants of GELU's tanh approximation
_C_TANH = 0.044715


def _is_array(a: Any) -> bool:
    return isinstance(a, np.ndarray)


class LeakyRelu(Function):
    """z = x if x > 0 else s·x.   dz/dx = 1 where x > 0, else s   (s at x = 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.pos, ctx.slope = x > 0, negative_slope
        return np.where(ctx.pos, x, x * negative_slope)

    @staticmethod
    def backward(ctx, g):
        return xp.where(ctx.pos, g, g * ctx.slope)


class Prelu(Function):
    """z = x if x > 0 else w·x, with a learned slope w (broadcast against x).

    dz/dx = 1 where x > 0, else w;    dz/dw = 0 where x > 0, else x   (x = 0 counts as ≤ 0)
    """

    @staticmethod
    def forward(ctx, x, w):
        ctx.pos = x > 0
        ctx.save_for_backward(x, w)
        return np.where(ctx.pos, x, w * x)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = xp.where(ctx.pos, g, g * w) if need[0] else None
        gw = xp.where(ctx.pos, 0.0, g * x) if need[1] else None
        return gx, gw


class Elu(Function):
    """z = s·x if x > 0 else s·α·(e^(i·x) − 1)   (ELU: s = i = 1; SELU and CELU set s, i).

    dz/dx = s where x > 0, else s·α·i·e^(i·x) = i·(z + s·α)   (the second form at x = 0)
    """

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        ctx.pos, ctx.alpha, ctx.scale, ctx.iscale = x > 0, alpha, scale, input_scale
        neg = np.expm1(np.minimum(x, 0) * input_scale) * (alpha * scale)
        z = np.where(ctx.pos, x * scale, neg)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        s, sa, i = ctx.scale, ctx.scale * ctx.alpha, ctx.iscale
        return xp.where(ctx.pos, g * s, g * ((z + sa) * i))


class Gelu(Function):
    """Gaussian error linear unit, z = x·Φ(x), Φ the standard normal CDF.

    exact ('none'):  Φ(x) = ½(1 + erf(x/√2));   dz/dx = Φ(x) + x·φ(x),  φ(x) = e^(−x²/2)/√(2π)
    'tanh':          z = ½x(1 + T),  T = tanh(k(x + c·x³)),  k = √(2/π), c = 0.044715;
                     dz/dx = ½(1 + T) + ½x(1 − T²)·k(1 + 3c·x²)
    """

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            ctx.t = np.tanh(_K_TANH * (x + _C_TANH * x * x * x))
            return 0.5 * x * (1.0 + ctx.t)
        ctx.cdf = (0.5 * (1.0 + erf_array(x * _INV_SQRT2))).astype(x.dtype, copy=False)
        return x * ctx.cdf

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            # with create_graph, T is recomputed from the graph-connected x
            t = ctx.t if _is_array(x) else (_K_TANH * (x + _C_TANH * x * x * x)).tanh()
            dt = (1.0 - t * t) * (_K_TANH * (1.0 + 3.0 * _C_TANH * x * x))
            return g * (0.5 * (1.0 + t) + 0.5 * x * dt)
        cdf = ctx.cdf if _is_array(x) else 0.5 * (1.0 + erf(x * _INV_SQRT2))
        pdf = xp.exp(x * x * -0.5) * _INV_SQRT_2PI
        return g * (cdf + x * pdf)


class Hardtanh(Function):
    """z = min(max(x, lo), hi).   dz/dx = 1 where lo < x < hi, else 0   (0 at the bounds, as
    PyTorch's hardtanh; ``clamp`` instead passes the gradient at the bounds)"""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.inside = (x > lo) & (x < hi)
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.inside


class Softplus(Function):
    """z = ln(1 + e^(βx))/β, and z = x where βx > threshold (for numerical stability).

    dz/dx = σ(βx) = 1/(1 + e^(−βx)), and 1 where βx > threshold
    """

    @staticmethod
    def forward(ctx, x, beta, threshold):
        bx = x * beta
        ctx.linear, ctx.beta = bx > threshold, beta
        ctx.save_for_backward(x)
        # ln(1 + e^y) = max(y, 0) + ln(1 + e^−|y|): no overflow for large y
        soft = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / beta
        return np.where(ctx.linear, x, soft)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if _is_array(x):
            sig = np.exp(-np.logaddexp(0.0, -x * ctx.beta)).astype(x.dtype, copy=False)
        else:
            sig = (x * ctx.beta).sigmoid()
        return xp.where(ctx.linear, g, g * sig)


# --------------------------------------------------------------------------------------------
# The functions users call (``torch.nn.functional`` signatures)
# --------------------------------------------------------------------------------------------
def _run(input: Any, inplace: bool, fn: Any, **params: Any) -> Tensor:
    x = as_operand(input)
    if inplace:
        return x._inplace(lambda old: fn(old, **params))
    return fn(x, **params)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """max(0, x) + negative_slope·min(0, x), elementwise."""
    return _run(input, inplace, LeakyRelu.apply, negative_slope=float(negative_slope))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """Leaky ReLU with a learned slope ``weight``: one value, or one per channel (dim 1 of
    ``input``; dim 0 for a 1-D input), as ``torch.nn.functional.prelu``."""
    x = as_operand(input)
    w = as_operand(weight, x)
    if w.ndim != 1 and w.numel() != 1:
        raise RuntimeError(f"prelu(): weight must be 1-D, got shape {w.shape}")
    n = w.numel()
    if n != 1:
        channels = x.shape[1] if x.ndim >= 2 else (x.shape[0] if x.ndim == 1 else 1)
        if n != channels:
            raise RuntimeError(
                f"prelu(): weight has {n} values but the input of shape {x.shape} has "
                f"{channels} channels (dim {1 if x.ndim >= 2 else 0}); use 1 value or one per "
                f"channel"
            )
        if x.ndim >= 2:
            w = w.reshape((n,) + (1,) * (x.ndim - 2))
    elif w.ndim:
        w = w.reshape(())
    return Prelu.apply(x, w)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha·(eˣ − 1) otherwise."""
    return _run(input, inplace, Elu.apply, alpha=float(alpha), scale=1.0, input_scale=1.0)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale·elu(x, alpha) with the self-normalising constants (alpha ≈ 1.6733, scale ≈ 1.0507)."""
    return _run(input, inplace, Elu.apply, alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha·(e^(x/alpha) − 1) otherwise."""
    a = float(alpha)
    if a == 0:
        raise ValueError("celu(): alpha must not be 0")
    return _run(input, inplace, Elu.apply, alpha=a, scale=1.0, input_scale=1.0 / a)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x) with Φ the standard normal CDF (exact, through erf), or its tanh approximation
    with ``approximate='tanh'``."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(as_operand(input), approximate=approximate)


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """x clipped to [min_val, max_val]; the gradient is 0 outside (and at) the bounds."""
    if min_val > max_val:
        raise ValueError(
            f"hardtanh(): min_val ({min_val}) must not be greater than max_val ({max_val})"
        )
    return _run(input, inplace, Hardtanh.apply, lo=min_val, hi=max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6) (``hardtanh(x, 0, 6)``)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """ln(1 + e^(beta·x))/beta, a smooth ReLU; linear where beta·x > threshold."""
    return Softplus.apply(as_operand(input), beta=float(beta), threshold=float(threshold))


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x·σ(x) (also called swish).   d/dx = σ(x)(1 + x(1 − σ(x)))"""
    return _run(input, inplace, lambda x: x * _sigmoid(x))


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|).   d/dx = 1/(1 + |x|)²"""
    x = as_operand(input)
    return x / (_abs(x) + 1.0)


def logsigmoid(input: Tensor) -> Tensor:
    """ln σ(x) = −softplus(−x), computed without overflow."""
    return -softplus(-as_operand(input))
