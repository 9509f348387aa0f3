"""Indexing: ``x[key]`` with ints, slices, None, ellipsis, integer arrays and boolean masks."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..tensor import Tensor

__all__ = []


def _key(key: Any) -> Any:
    """The key with Tensors replaced by their arrays."""
    if isinstance(key, tuple):
        return tuple(k.data if isinstance(k, Tensor) else k for k in key)
    return key.data if isinstance(key, Tensor) else key


class GetItem(Function):
    """y = x[key].   dL/dx = zeros with g added at the indexed places (repeated indices add up)"""

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    @staticmethod
    def backward(ctx, g):
        out = np.zeros(ctx.shape, g.dtype)
        np.add.at(out, ctx.key, g)
        return out


def getitem(input: Tensor, key: Any) -> Tensor:
    return GetItem.apply(input, key=_key(key))


def setitem(input: Tensor, key: Any, value: Any) -> None:
    raise NotImplementedError
