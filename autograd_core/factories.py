"""Factories: new tensors from a shape (``zeros``, ``ones``, ``full``, ``empty``, ``eye``), from a
range (``arange``, ``linspace``), from another tensor (``zeros_like`` and friends), and random
ones (``rand``, ``randn``, ``randint``).

Signatures are PyTorch's: a shape is given as ``zeros(2, 3)`` or ``zeros((2, 3))``; every
factory takes ``dtype=`` (float32 unless said otherwise, as PyTorch), ``requires_grad=`` and
``device=`` ('cpu' only). Random tensors come from :func:`autograd_core.random.generator`, so
``autograd_core.manual_seed(s)`` makes them repeatable.
"""

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any

import numpy as np

from . import dtypes
from .random import generator as _default_generator
from .tensor import Tensor, _check_device, _check_requires_grad

__all__ = [
    "zeros",
    "ones",
    "full",
    "empty",
    "eye",
    "zeros_like",
    "ones_like",
    "full_like",
    "empty_like",
    "arange",
    "linspace",
    "rand",
    "randn",
    "randint",
    "rand_like",
    "randn_like",
]

_F32 = dtypes.DEFAULT_FLOAT
_I64 = np.dtype(np.int64)


def _size(op: str, sizes: tuple, size: Any = None) -> tuple:
    """The shape from ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(size=(2, 3))``."""
    if size is not None:
        if sizes:
            raise TypeError(f"{op}(): give the size positionally or as size=, not both")
        sizes = (size,)
    if len(sizes) == 1 and isinstance(sizes[0], tuple | list | np.ndarray):
        sizes = tuple(sizes[0])
    for s in sizes:
        if not isinstance(s, Integral) or isinstance(s, bool):
            raise TypeError(
                f"{op}(): size must be a tuple of ints, but got {tuple(sizes)} "
                f"(an element of type {type(s).__name__})"
            )
    shape = tuple(int(s) for s in sizes)
    for s in shape:
        if s < 0:
            raise RuntimeError(
                f"{op}(): trying to create tensor with negative dimension {s}: {list(shape)}"
            )
    return shape


def _dtype(dtype: Any, default: np.dtype = _F32) -> np.dtype:
    return default if dtype is None else dtypes.as_dtype(dtype)


def _new(op: str, arr: np.ndarray, requires_grad: bool, device: Any) -> Tensor:
    """Wrap a fresh array as a leaf tensor, after checking the device and the dtype."""
    if device is not None:
        _check_device(device)
    _check_requires_grad(arr, requires_grad, f"{op}()")
    return Tensor._make(arr, bool(requires_grad), None)


def _data(input: Any) -> np.ndarray:
    return input.data if isinstance(input, Tensor) else np.asarray(input)


# --------------------------------------------------------------------------------------------
# From a shape
# --------------------------------------------------------------------------------------------
def zeros(
    *sizes: Any,
    size: Any = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    arr = np.zeros(_size("zeros", sizes, size), _dtype(dtype))
    return _new("zeros", arr, requires_grad, device)


def ones(
    *sizes: Any,
    size: Any = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    arr = np.ones(_size("ones", sizes, size), _dtype(dtype))
    return _new("ones", arr, requires_grad, device)


def empty(
    *sizes: Any,
    size: Any = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """A tensor whose values are whatever the memory held (fill it before reading it)."""
    arr = np.empty(_size("empty", sizes, size), _dtype(dtype))
    return _new("empty", arr, requires_grad, device)


def _fill_dtype(fill_value: Any) -> np.dtype:
    """PyTorch's dtype for ``full``: bool for a bool, int64 for an int, else float32."""
    if isinstance(fill_value, bool | np.bool_):
        return np.dtype(np.bool_)
    if isinstance(fill_value, Integral):
        return _I64
    return _F32


def full(
    size: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (its dtype follows the value: bool,
    int64 or float32, unless ``dtype`` is given)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    arr = np.full(_size("full", (size,)), fill_value, _dtype(dtype, _fill_dtype(fill_value)))
    return _new("full", arr, requires_grad, device)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """The n×m identity matrix (ones on the diagonal); ``m`` defaults to ``n``."""
    shape = _size("eye", (n, n if m is None else m))
    return _new("eye", np.eye(*shape, dtype=_dtype(dtype)), requires_grad, device)


# --------------------------------------------------------------------------------------------
# Like another tensor: same shape, and same dtype unless ``dtype`` is given
# --------------------------------------------------------------------------------------------
def zeros_like(
    input: Any, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """Zeros of ``input``'s shape and dtype."""
    x = _data(input)
    return _new("zeros_like", np.zeros(x.shape, _dtype(dtype, x.dtype)), requires_grad, device)


def ones_like(
    input: Any, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """Ones of ``input``'s shape and dtype."""
    x = _data(input)
    return _new("ones_like", np.ones(x.shape, _dtype(dtype, x.dtype)), requires_grad, device)


def full_like(
    input: Any,
    fill_value: Any,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """``fill_value`` in ``input``'s shape and dtype."""
    x = _data(input)
    arr = np.full(x.shape, fill_value, _dtype(dtype, x.dtype))
    return _new("full_like", arr, requires_grad, device)


def empty_like(
    input: Any, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """An uninitialised tensor of ``input``'s shape and dtype."""
    x = _data(input)
    return _new("empty_like", np.empty(x.shape, _dtype(dtype, x.dtype)), requires_grad, device)


# --------------------------------------------------------------------------------------------
# Ranges
# --------------------------------------------------------------------------------------------
def arange(
    start: Any = 0,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """start, start + step, ... up to but excluding ``end``; ``arange(n)`` is 0 ... n-1.
    All-integer arguments give int64, others float32 (as PyTorch)."""
    if end is None:
        start, end = 0, start
    bounds = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    for v in bounds:
        if not isinstance(v, Real):
            raise TypeError(f"arange(): start, end and step must be numbers, got {bounds}")
    start, end, step = bounds
    if step == 0:
        raise RuntimeError("arange(): step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(
            f"arange(): upper bound and lower bound inconsistent with step sign "
            f"(start={start}, end={end}, step={step})"
        )
    integral = all(isinstance(v, Integral) for v in bounds)
    dt = _dtype(dtype, _I64 if integral else _F32)
    if integral:
        arr = np.arange(start, end, step, dtype=np.int64).astype(dt, copy=False)
    else:
        n = math.ceil((end - start) / step)
        arr = (start + step * np.arange(n, dtype=np.float64)).astype(dt)
    return _new("arange", arr, requires_grad, device)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    if not isinstance(steps, Integral) or steps < 0:
        raise RuntimeError(f"linspace(): number of steps must be a non-negative int, got {steps}")
    arr = np.linspace(float(start), float(end), int(steps)).astype(_dtype(dtype))
    return _new("linspace", arr, requires_grad, device)


# --------------------------------------------------------------------------------------------
# Random (from the library's generator: autograd_core.manual_seed makes them repeatable)
# --------------------------------------------------------------------------------------------
def _float_dtype(op: str, dtype: Any) -> np.dtype:
    dt = _dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"{op}(): expected a floating point dtype, got {dt}")
    return dt


def _draw(uniform: bool, dt: np.dtype, gen: Any, shape: tuple) -> np.ndarray:
    """Uniform [0, 1) or standard normal values, drawn directly in float32 or float64."""
    g = _default_generator() if gen is None else gen
    draw = g.random if uniform else g.standard_normal
    if dt in (np.float32, np.float64):
        return draw(shape, dtype=dt)
    return draw(shape, dtype=np.float32).astype(dt)


def rand(
    *sizes: Any,
    size: Any = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Uniform random values in [0, 1)."""
    arr = _draw(True, _float_dtype("rand", dtype), generator, _size("rand", sizes, size))
    return _new("rand", arr, requires_grad, device)


def randn(
    *sizes: Any,
    size: Any = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Standard normal random values (mean 0, variance 1)."""
    arr = _draw(False, _float_dtype("randn", dtype), generator, _size("randn", sizes, size))
    return _new("randn", arr, requires_grad, device)


def randint(
    *args: Any,
    low: int | None = None,
    high: int | None = None,
    size: Any = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    device: Any = None,
) -> Tensor:
    """Random integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``
    (low defaults to 0); int64 unless ``dtype`` is given."""
    usage = (
        f"randint(): call it as randint(high, size) or randint(low, high, size), with size a "
        f"tuple such as (3,); got positional arguments {args}"
    )
    rest = list(args)
    if size is None:
        if not rest:
            raise TypeError(usage)
        size = rest.pop()
    if high is None:
        if not rest:
            raise TypeError(usage)
        high = rest.pop()
    if low is None:
        low = rest.pop() if rest else 0
    if rest:
        raise TypeError(usage)
    shape = _size("randint", (size,))
    if low >= high:
        raise RuntimeError(
            f"randint(): expects 'low' to be less than 'high', but got low={low} >= high={high}"
        )
    g = _default_generator() if generator is None else generator
    arr = g.integers(low, high, size=shape, dtype=np.int64).astype(_dtype(dtype, _I64))
    return _new("randint", arr, requires_grad, device)


def rand_like(
    input: Any, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """Uniform random values in [0, 1), in ``input``'s shape and (float) dtype."""
    x = _data(input)
    dt = _float_dtype("rand_like", x.dtype if dtype is None else dtype)
    return _new("rand_like", _draw(True, dt, None, x.shape), requires_grad, device)


def randn_like(
    input: Any, *, dtype: Any = None, requires_grad: bool = False, device: Any = None
) -> Tensor:
    """Standard normal values in ``input``'s shape and (float) dtype."""
    x = _data(input)
    dt = _float_dtype("randn_like", x.dtype if dtype is None else dtype)
    return _new("randn_like", _draw(False, dt, None, x.shape), requires_grad, device)
