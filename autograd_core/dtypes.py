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
