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


_MAX_CONSTANTS = 256  # per dtype; other numbers stay Python numbers
#: The Python number types that scalar ops take as they are (bool and numpy scalars aside).
PY_NUMBERS = frozenset((builtins.int, builtins.float))


class _Constants(builtins.dict):
    """Python numbers as read-only 0-d arrays of one float dtype, made on first use: numpy
    multiplies a small array by a 0-d array of its own dtype about 0.4 µs faster than by a
    Python float, and adds 0.13 µs faster (no scalar conversion), with the same result (numpy
    2 casts the Python number to the array's dtype either way). 0 stays a number (0.0 and -0.0
    would be one key), as do NaN (each NaN object would be a new key) and every number once
    the table is full."""

    def __init__(self, dtype: Any) -> None:
        super().__init__()
        self.dtype = dtype

    def __missing__(self, c: Any) -> Any:
        if type(c) not in PY_NUMBERS or not c or c != c or len(self) >= _MAX_CONSTANTS:
            return c
        a = self[c] = np.array(c, dtype=self.dtype)
        a.flags.writeable = False
        return a


_CONSTANTS = {DEFAULT_FLOAT: _Constants(DEFAULT_FLOAT), F64: _Constants(F64)}


def _zero(dtype: Any) -> np.ndarray:
    a = np.zeros((), dtype)
    a.flags.writeable = False
    return a


_ZEROS = {DEFAULT_FLOAT: _zero(DEFAULT_FLOAT), F64: _zero(F64)}


def zero(like: np.ndarray) -> Any:
    """0 for ``np.maximum(like, 0)`` and ``like > 0``: a read-only 0-d array of ``like``'s
    dtype when that is float32/float64 (about 0.25 µs faster per call on small arrays), else
    the number 0 (an integer array stays integer)."""
    return _ZEROS.get(like.dtype, 0)


_ONES: dict = {}


def ones(n: int, dtype: Any) -> np.ndarray:
    """A read-only vector of ``n`` ones of ``dtype`` (a numpy dtype), for sums written as one
    BLAS product (``ones(N) @ g`` sums the rows of a (N, C) array 3x faster than
    ``g.sum(axis=0)``). Kept for reuse, up to 256 of them and 4,096 elements each."""
    key = (n, dtype)
    v = _ONES.get(key)
    if v is None:
        v = np.ones(n, dtype)
        v.flags.writeable = False
        if n <= 4096 and len(_ONES) < 256:
            _ONES[key] = v
    return v


def constant(c: Any, like: np.ndarray) -> Any:
    """The operand for ``like * c`` and the like: a Python number ``c`` as a cached 0-d array
    of ``like``'s dtype when that is float32/float64, else ``c`` itself."""
    table = _CONSTANTS.get(like.dtype)
    return c if table is None else table[c]
