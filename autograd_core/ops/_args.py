"""Argument spellings shared by the ops: PyTorch's ``dim``/``keepdim`` and numpy's
``axis``/``keepdims``, and shapes given as ``f(2, 3)`` or ``f((2, 3))``."""

from __future__ import annotations

from numbers import Integral
from typing import Any


def pick(op: str, torch_name: str, torch_value: Any, np_name: str, np_value: Any) -> Any:
    """The value given under either spelling (giving both is an error)."""
    if np_value is None:
        return torch_value
    if torch_value is not None and torch_value is not False:
        raise TypeError(f"{op}(): give '{torch_name}' or '{np_name}', not both")
    return np_value


def normalize_dims(op: str, dim: Any, ndim: int) -> tuple | None:
    """``dim`` (None, an int or a sequence of ints, negatives allowed) as a sorted tuple of
    non-negative axes, or None for all; an axis out of range is a clear error."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    out = []
    for d in dims:
        d = int(d)
        if not -max(ndim, 1) <= d < max(ndim, 1):
            raise IndexError(
                f"{op}(): dimension {d} is out of range for a tensor with {ndim} dimensions "
                f"(expected to be in [{-max(ndim, 1)}, {max(ndim, 1) - 1}])"
            )
        out.append(d % ndim if ndim else 0)
    if len(set(out)) != len(out):
        raise RuntimeError(f"{op}(): dimension {dim} appears more than once")
    return tuple(sorted(out))


def shape_arg(shape: tuple) -> tuple:
    """``(2, 3)`` from ``f(2, 3)`` or ``f((2, 3))`` or ``f([2, 3])``."""
    if len(shape) == 1 and type(shape[0]) is not int and not isinstance(shape[0], Integral):
        shape = tuple(shape[0])
    return tuple([int(s) for s in shape])


def axis_arg(op: str, dim: int, ndim: int, shape: tuple | None = None) -> int:
    """One axis ``dim`` (negatives count from the end) as a non-negative int, among ``ndim``
    axes; out of range is an IndexError naming the op, the valid range and ``shape``."""
    if not -ndim <= dim < ndim:
        of = f" for a tensor of shape {tuple(shape)}" if shape is not None else ""
        raise IndexError(
            f"{op}(): dimension {dim} is out of range{of} (expected to be in [{-ndim}, {ndim - 1}])"
        )
    return dim % ndim
