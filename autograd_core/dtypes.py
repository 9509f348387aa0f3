"""The dtypes, under PyTorch's names (they are numpy's types)."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

float16 = half = np.float16
float32 = float = np.float32  # noqa: A001 - PyTorch's name
float64 = double = np.float64
int8 = np.int8
uint8 = np.uint8
int16 = short = np.int16
int32 = int = np.int32  # noqa: A001 - PyTorch's name
int64 = long = np.int64
bool = np.bool_  # noqa: A001 - PyTorch's name

DEFAULT_FLOAT = np.dtype(np.float32)
F64 = np.dtype(np.float64)


def as_dtype(dtype: Any) -> np.dtype:
    """A numpy dtype from anything naming one (``ag.float32``, ``np.float64``, ``"float32"``,
    Python's ``float``/``int``/``bool``), with Python's ``float`` meaning float32 as in PyTorch."""
    if dtype is builtins.float:
        return DEFAULT_FLOAT
    if dtype is builtins.int:
        return np.dtype(np.int64)
    if dtype is builtins.bool:
        return np.dtype(np.bool_)
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{dtype!r} is not a dtype (try autograd_core.float32)") from None


def is_floating(dtype: np.dtype) -> builtins.bool:
    """True for float16/32/64."""
    return dtype.kind == "f"


#: Python numbers as read-only 0-d arrays, per float dtype: numpy multiplies an array by a 0-d
#: array of its own dtype about 0.4 µs faster than by a Python float (no scalar conversion),
#: with the same result (numpy 2 casts the Python number to the array's dtype either way).
_CONSTANTS: dict = {np.dtype(np.float32): {}, F64: {}}
_MAX_CONSTANTS = 256  # per dtype; other numbers stay Python numbers
_PY_NUMBERS = (builtins.int, builtins.float)


def constant(c: Any, like: np.ndarray) -> Any:
    """``c`` as a cached 0-d array of ``like``'s dtype when that is float32/float64 and ``c`` a
    non-zero Python int or float, else ``c`` itself: the operand for ``like * c`` and the like.
    (0 is left alone: 0.0 and -0.0 are one dict key.)"""
    table = _CONSTANTS.get(like.dtype)
    if table is None or type(c) not in _PY_NUMBERS or not c:
        return c
    a = table.get(c)
    if a is None:
        if len(table) >= _MAX_CONSTANTS or c != c:  # (each NaN object would be a new key)
            return c
        a = table[c] = np.array(c, dtype=like.dtype)
        a.flags.writeable = False
    return a
