"""Elementwise ops: arithmetic, the unary functions of the lectures, comparisons.

Each op is a :class:`~autograd_core.function.Function` with its forward and backward side by
side and its derivative in the docstring. Binary ops broadcast like numpy; their backward
returns gradients of the broadcast shape and the engine sums them back to each input's shape
(see :func:`autograd_core._generic.sum_to`). ``g`` is always dL/d(output).
"""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np

from .. import _generic as xp
from ..dtypes import constant, zero
from ..function import Function
from ..tensor import Tensor

__all__ = [
    "add",
    "sub",
    "mul",
    "multiply",
    "div",
    "divide",
    "true_divide",
    "pow",
    "remainder",
    "floor_divide",
    "neg",
    "exp",
    "log",
    "log1p",
    "sqrt",
    "sin",
    "cos",
    "tanh",
    "sigmoid",
    "relu",
    "abs",
    "sign",
    "clamp",
    "clip",
    "maximum",
    "minimum",
    "where",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "greater",
    "less",
    "equal",
    "logical_and",
    "logical_or",
    "logical_not",
    "isnan",
    "isfinite",
]

_SCALAR = (Number, np.generic)


def _scalar(c: Any) -> Any:
    """A Python number from a Python or numpy scalar, so that it never changes the dtype."""
    return c.item() if isinstance(c, np.generic) else c


def as_operand(x: Any, like: Tensor | None = None) -> Tensor:
    """A Tensor from an operand: Tensors pass through; arrays and lists are wrapped; scalars take
    the dtype of the tensor they meet (``like``)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, _SCALAR) and like is not None:
        return Tensor._make(np.asarray(_scalar(x), dtype=like.dtype), False, None)
    if isinstance(x, np.ndarray):
        return Tensor._make(x, False, None)
    return Tensor(x)


# --------------------------------------------------------------------------------------------
# Arithmetic between two tensors
# --------------------------------------------------------------------------------------------
class Add(Function):
    """z = a + b.   dz/da = 1,   dz/db = 1"""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(Function):
    """z = a - b.   dz/da = 1,   dz/db = -1"""

    @staticmethod
    def forward(ctx, a, b):
        return a - b

    @staticmethod
    def backward(ctx, g):
        return g, -g


class Mul(Function):
    """z = a * b.   dz/da = b,   dz/db = a"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a


class Div(Function):
    """z = a / b.   dz/da = 1/b,   dz/db = -a/b²"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a / b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g / b, -g * a / (b * b)


class Pow(Function):
    """z = a ** b.   dz/da = b·a^(b-1)   (0 where b = 0),
    dz/db = z·ln(a)   (0 where a = 0 and b ≥ 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, a, b):
        z = a**b
        ctx.save_for_backward(a, b, z)
        return z

    @staticmethod
    def backward(ctx, g):
        a, b, z = ctx.saved_tensors
        bv = xp.value(b)
        ga = g * b * xp.where(bv == 0, 1.0, a) ** (b - 1)  # not 0·0⁻¹ = nan where a = b = 0
        cut = (xp.value(a) == 0) & (bv >= 0)
        gb = xp.where(cut, 0.0, g * z * xp.log(xp.where(cut, 1.0, a)))
        return ga, gb


class Maximum(Function):
    """z = max(a, b).   dz/da = 1 where a > b, ½ where a = b, else 0 (and the mirror for b)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a_wins = (a > b) + 0.5 * (a == b)
        return np.maximum(a, b)

    @staticmethod
    def backward(ctx, g):
        w = ctx.a_wins.astype(g.dtype)
        return g * w, g * (1 - w)


class Minimum(Function):
    """z = min(a, b).   dz/da = 1 where a < b, ½ where a = b, else 0 (and the mirror for b)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.a_wins = (a < b) + 0.5 * (a == b)
        return np.minimum(a, b)

    @staticmethod
    def backward(ctx, g):
        w = ctx.a_wins.astype(g.dtype)
        return g * w, g * (1 - w)


class Where(Function):
    """z = a where cond else b.   dz/da = cond,   dz/db = not cond   (cond gets no gradient)"""

    @staticmethod
    def forward(ctx, a, b, cond):
        ctx.cond = cond
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        return xp.where(ctx.cond, g, 0.0), xp.where(ctx.cond, 0.0, g)


class Remainder(Function):
    """z = a mod b (Python's sign convention).   dz/da = 1,   dz/db = -floor(a/b)"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.q = np.floor_divide(a, b)
        return np.remainder(a, b)

    @staticmethod
    def backward(ctx, g):
        return g, -g * ctx.q


# --------------------------------------------------------------------------------------------
# Arithmetic with a Python number c (no tensor made for c, and the dtype never changes)
# --------------------------------------------------------------------------------------------
class AddScalar(Function):
    """z = x + c.   dz/dx = 1"""

    @staticmethod
    def forward(ctx, x, c):
        return x + constant(c, x)

    @staticmethod
    def backward(ctx, g):
        return g


class MulScalar(Function):
    """z = x * c.   dz/dx = c"""

    __slots__ = ("c",)  # a constant: kept after backward

    @staticmethod
    def forward(ctx, x, c):
        ctx.c = c = constant(c, x)
        return x * c

    @staticmethod
    def backward(ctx, g):
        return g * ctx.c


class DivScalar(Function):
    """z = x / c.   dz/dx = 1/c"""

    __slots__ = ("c",)  # a constant: kept after backward

    @staticmethod
    def forward(ctx, x, c):
        ctx.c = c = constant(c, x)
        return x / c

    @staticmethod
    def backward(ctx, g):
        return g / ctx.c


class RSubScalar(Function):
    """z = c - x.   dz/dx = -1"""

    @staticmethod
    def forward(ctx, x, c):
        return constant(c, x) - x

    @staticmethod
    def backward(ctx, g):
        return -g


class RDivScalar(Function):
    """z = c / x.   dz/dx = -c/x²"""

    @staticmethod
    def forward(ctx, x, c):
        ctx.c = c
        ctx.save_for_backward(x)
        return c / x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * ctx.c / (x * x)


class PowScalar(Function):
    """z = x ** c.   dz/dx = c·x^(c-1)"""

    @staticmethod
    def forward(ctx, x, c):
        ctx.c = c
        ctx.save_for_backward(x)
        return x**c

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        c = ctx.c
        if c == 0:
            return g * 0.0
        if c == 2:
            return g * 2.0 * x
        return g * c * x ** (c - 1)


class RPowScalar(Function):
    """z = c ** x.   dz/dx = z·ln(c)   (for c = 0, as PyTorch: 0 where x ≥ 0, else -inf)"""

    @staticmethod
    def forward(ctx, x, c):
        if c == 0:
            ctx.log_c = np.where(x >= 0, 0.0, -np.inf).astype(np.result_type(x, np.float32))
        else:
            ctx.log_c = float(np.log(c)) if c > 0 else float("nan")
        z = np.power(c, x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        return g * z * ctx.log_c


# --------------------------------------------------------------------------------------------
# Unary functions
# --------------------------------------------------------------------------------------------
class Neg(Function):
    """z = -x.   dz/dx = -1"""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, g):
        return -g


class Exp(Function):
    """z = eˣ.   dz/dx = eˣ = z"""

    @staticmethod
    def forward(ctx, x):
        z = np.exp(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        return g * z


class Log(Function):
    """z = ln x.   dz/dx = 1/x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / x


class Log1p(Function):
    """z = ln(1 + x).   dz/dx = 1/(1 + x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g / (x + 1.0)


class Sqrt(Function):
    """z = √x.   dz/dx = 1/(2√x) = 1/(2z)"""

    @staticmethod
    def forward(ctx, x):
        z = np.sqrt(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        return g / (z * 2.0)


class Sin(Function):
    """z = sin x.   dz/dx = cos x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * xp.cos(x)


class Cos(Function):
    """z = cos x.   dz/dx = -sin x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return -g * xp.sin(x)


class Tanh(Function):
    """z = tanh x.   dz/dx = 1 - tanh²x = 1 - z²"""

    @staticmethod
    def forward(ctx, x):
        z = np.tanh(x)
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        return g * (1.0 - z * z)


class Sigmoid(Function):
    """z = σ(x) = 1/(1 + e⁻ˣ).   dz/dx = σ(x)(1 - σ(x)) = z(1 - z)"""

    @staticmethod
    def forward(ctx, x):
        # 1/(1 + e^-x) is accurate in both tails; e^-x overflows to inf (z = 0) below about
        # -88 in float32, where σ(x) = e^x to full precision. (np.logaddexp is ~30x slower.)
        with np.errstate(over="ignore"):
            z = np.asarray(np.exp(-x))
        z += 1.0
        z = np.reciprocal(z, out=z)
        tail = x < (-80.0 if z.dtype.itemsize >= 4 else -10.0)
        if tail.any():
            z[tail] = np.exp(x[tail])
        ctx.save_for_backward(z)
        return z

    @staticmethod
    def backward(ctx, g):
        (z,) = ctx.saved_tensors
        return g * z * (1.0 - z)


class Relu(Function):
    """z = max(x, 0).   dz/dx = 1 where x > 0, else 0 (0 at x = 0, as PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        z = zero(x)
        ctx.mask = x > z
        return np.maximum(x, z)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.mask


class Abs(Function):
    """z = |x|.   dz/dx = sign(x)   (0 at x = 0)"""

    @staticmethod
    def forward(ctx, x):
        ctx.sign = np.sign(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.sign


class Sign(Function):
    """z = sign(x).   dz/dx = 0 (almost everywhere)"""

    @staticmethod
    def forward(ctx, x):
        return np.sign(x)

    @staticmethod
    def backward(ctx, g):
        return g * 0.0


class Clamp(Function):
    """z = min(max(x, lo), hi).   dz/dx = 1 where lo ≤ x ≤ hi, else 0"""

    @staticmethod
    def forward(ctx, x, lo, hi):
        inside = np.ones(x.shape, bool)
        if lo is not None:
            inside &= x >= lo
        if hi is not None:
            inside &= x <= hi
        ctx.inside = inside
        return np.clip(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        return g * ctx.inside


class Cast(Function):
    """z = x as another dtype.   dz/dx = 1 (the gradient is cast back)"""

    keeps_float64 = True

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.src = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g.astype(ctx.src)


class Clone(Function):
    """z = a copy of x.   dz/dx = 1"""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, g):
        return g


# --------------------------------------------------------------------------------------------
# The functions users call (and Tensor's operators)
# --------------------------------------------------------------------------------------------
def _binary(a: Any, b: Any, op: type[Function], scalar: Any, rscalar: Any) -> Tensor:
    """Dispatch ``a (op) b``: a scalar on either side goes to the op's scalar form."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):
            return _apply_pair(op, a, b)
        if isinstance(b, _SCALAR):
            return scalar(a, _scalar(b))
        b = as_operand(b)
    elif isinstance(a, _SCALAR):
        return rscalar(b, _scalar(a))
    else:
        a, b = as_operand(a), as_operand(b)
    return _apply_pair(op, a, b)


def _apply_pair(op: type[Function], a: Tensor, b: Tensor) -> Tensor:
    """``op.apply(a, b)``, with numpy's broadcast error replaced by one naming the op."""
    try:
        return op.apply(a, b)
    except ValueError:
        _check_broadcast(op, a.shape, b.shape)
        raise


def _check_broadcast(op: type[Function], s1: tuple, s2: tuple) -> None:
    """Raise a RuntimeError naming the op, both shapes and the first clashing dimension."""
    for d in range(-1, -min(len(s1), len(s2)) - 1, -1):
        if s1[d] != s2[d] and 1 not in (s1[d], s2[d]):
            raise RuntimeError(
                f"{op.__name__.lower()}(): shapes {tuple(s1)} and {tuple(s2)} cannot be "
                f"broadcast together: the size of the first ({s1[d]}) must match the size of "
                f"the second ({s2[d]}) at dimension {d} (or one of them must be 1)"
            ) from None


def add(input: Any, other: Any, *, alpha: float = 1) -> Tensor:
    """input + alpha * other"""
    if alpha != 1:
        other = mul(other, alpha)
    return _binary(input, other, Add, AddScalar._apply_constant, AddScalar._apply_constant)


def sub(input: Any, other: Any, *, alpha: float = 1) -> Tensor:
    """input - alpha * other"""
    if alpha != 1:
        other = mul(other, alpha)
    return _binary(
        input,
        other,
        Sub,
        lambda x, c: AddScalar._apply_constant(x, -c),
        RSubScalar._apply_constant,
    )


def mul(input: Any, other: Any) -> Tensor:
    """input * other"""
    return _binary(input, other, Mul, MulScalar._apply_constant, MulScalar._apply_constant)


multiply = mul


def div(input: Any, other: Any) -> Tensor:
    """input / other (true division: integer tensors give float32)"""
    return _binary(
        input,
        other,
        Div,
        DivScalar._apply_constant,
        RDivScalar._apply_constant,
    )


divide = true_divide = div


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """input ** exponent"""
    return _binary(
        input,
        exponent,
        Pow,
        lambda x, c: PowScalar.apply(x, c),
        lambda x, c: RPowScalar.apply(x, c),
    )


def remainder(input: Any, other: Any) -> Tensor:
    """input mod other, with the sign of ``other`` (Python's and PyTorch's convention)"""
    a = as_operand(input, other if isinstance(other, Tensor) else None)
    return Remainder.apply(a, as_operand(other, a))


def floor_divide(input: Any, other: Any) -> Tensor:
    """floor(input / other): not differentiable (as in PyTorch), so the result has no grad."""
    a, b = _data(input), _data(other)
    return Tensor._make(np.asarray(np.floor_divide(a, b)), False, None)


def neg(input: Tensor) -> Tensor:
    return Neg.apply(input)


def exp(input: Tensor) -> Tensor:
    return Exp.apply(input)


def log(input: Tensor) -> Tensor:
    return Log.apply(input)


def log1p(input: Tensor) -> Tensor:
    return Log1p.apply(input)


def sqrt(input: Tensor) -> Tensor:
    return Sqrt.apply(input)


def sin(input: Tensor) -> Tensor:
    return Sin.apply(input)


def cos(input: Tensor) -> Tensor:
    return Cos.apply(input)


def tanh(input: Tensor) -> Tensor:
    return Tanh.apply(input)


def sigmoid(input: Tensor) -> Tensor:
    return Sigmoid.apply(input)


def relu(input: Tensor) -> Tensor:
    return Relu.apply(input)


def abs(input: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    return Abs.apply(input)


def sign(input: Tensor) -> Tensor:
    return Sign.apply(input)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
    """Limit values to [min, max]; either bound may be None (or a tensor, then it is
    ``maximum``/``minimum`` and differentiable in the bound too)."""
    if min is None and max is None:
        raise ValueError("clamp(): at least one of 'min' and 'max' must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input if min is None else maximum(input, min)
        return out if max is None else minimum(out, max)
    lo = None if min is None else _scalar(min)
    hi = None if max is None else _scalar(max)
    return Clamp.apply(input, lo=lo, hi=hi)


clip = clamp


def maximum(input: Any, other: Any) -> Tensor:
    a = as_operand(input, other if isinstance(other, Tensor) else None)
    b = as_operand(other, a)
    return _apply_pair(Maximum, a, b)


def minimum(input: Any, other: Any) -> Tensor:
    a = as_operand(input, other if isinstance(other, Tensor) else None)
    b = as_operand(other, a)
    return _apply_pair(Minimum, a, b)


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """Elements of ``input`` where ``condition`` holds, else of ``other`` (scalars allowed)."""
    cond = np.asarray(_data(condition), dtype=bool)
    like = input if isinstance(input, Tensor) else other if isinstance(other, Tensor) else None
    a = as_operand(input, like)
    return Where.apply(a, as_operand(other, a), cond=cond)


# --------------------------------------------------------------------------------------------
# Comparisons and logic: boolean tensors, never part of the graph
# --------------------------------------------------------------------------------------------
def _data(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _compare(ufunc: np.ufunc, a: Any, b: Any) -> Tensor:
    return Tensor._make(np.asarray(ufunc(_data(a), _data(b))), False, None)


def eq(input: Any, other: Any) -> Tensor:
    return _compare(np.equal, input, other)


def ne(input: Any, other: Any) -> Tensor:
    return _compare(np.not_equal, input, other)


def lt(input: Any, other: Any) -> Tensor:
    return _compare(np.less, input, other)


def le(input: Any, other: Any) -> Tensor:
    return _compare(np.less_equal, input, other)


def gt(input: Any, other: Any) -> Tensor:
    return _compare(np.greater, input, other)


def ge(input: Any, other: Any) -> Tensor:
    return _compare(np.greater_equal, input, other)


def logical_and(input: Any, other: Any) -> Tensor:
    return _compare(np.logical_and, input, other)


def logical_or(input: Any, other: Any) -> Tensor:
    return _compare(np.logical_or, input, other)


def logical_not(input: Any) -> Tensor:
    return Tensor._make(np.asarray(np.logical_not(_data(input))), False, None)


def isnan(input: Any) -> Tensor:
    return Tensor._make(np.asarray(np.isnan(_data(input))), False, None)


def isfinite(input: Any) -> Tensor:
    return Tensor._make(np.asarray(np.isfinite(_data(input))), False, None)


greater, less, equal = gt, lt, eq
