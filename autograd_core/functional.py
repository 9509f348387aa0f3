"""Gradients as functions, in the style of JAX and HIPS autograd.

``value_and_grad(f)`` turns ``f(x, ...) -> scalar`` into ``g(x, ...) -> (f(x), df/dx)``, with
plain Python / numpy values on both ends, so it plugs straight into numpy code and into
optimisers such as ``scipy.optimize.minimize``::

    def loss(w):                       # w: a Tensor made from a flat float64 vector
        return ((X @ w - y) ** 2).mean()

    scipy.optimize.minimize(value_and_grad(loss), w0, jac=True, method="CG")

The arguments named by ``argnums`` become fresh leaf tensors that require grad; the others are
passed through unchanged. One backward pass then gives every gradient.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from .engine import grad
from .grad_mode import enable_grad
from .tensor import Tensor, _to_array

__all__ = ["grad_of", "value_and_grad"]


def _leaf(x: Any, i: int, name: str) -> Tensor:
    """Argument ``i`` as a leaf that requires grad. Tensors and float arrays keep their dtype
    (without a copy: the function only reads them); lists and Python numbers follow
    ``tensor()`` (float32)."""
    if isinstance(x, Tensor):
        arr = x.data
    elif isinstance(x, np.ndarray):
        arr = x
    else:
        arr = _to_array(x)
    if arr.dtype.kind != "f":
        raise TypeError(
            f"{name}(): argument {i} has dtype {arr.dtype}; only floating-point arguments can "
            f"be differentiated (pass e.g. np.asarray(x, dtype=np.float64))"
        )
    return Tensor._make(arr, True, None)


def _argnums(argnums: int | tuple[int, ...], nargs: int, name: str) -> tuple[int, ...]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    out = []
    for a in nums:
        if not -nargs <= a < nargs:
            raise TypeError(
                f"{name}(): argnums={argnums!r} but the function was called with {nargs} "
                f"positional argument{'s' if nargs != 1 else ''}"
            )
        out.append(a % nargs)
    return tuple(out)


def _as_result(leaf: Tensor, g: Tensor | None) -> np.ndarray:
    """The gradient as an array the caller owns (writable, not a view of anything)."""
    if g is None:
        return np.zeros_like(leaf.data)
    a = np.asarray(g.data, dtype=leaf.data.dtype)
    return a.copy() if a.base is not None or not a.flags.writeable else a


def value_and_grad(
    fn: Callable[..., Any], argnums: int | tuple[int, ...] = 0
) -> Callable[..., tuple[float, Any]]:
    """A function that returns ``(fn(*args), gradient of fn w.r.t. args[argnums])``.

    Args:
        fn: takes Tensors (or numpy arrays, lists, numbers: the differentiated arguments are
            turned into Tensors) and returns a scalar Tensor.
        argnums: which positional argument to differentiate, or a tuple of them.

    Returns:
        ``wrapped(*args, **kwargs) -> (value, grads)``: ``value`` is a Python float; ``grads``
        is a numpy array with the argument's shape and dtype (zeros where ``fn`` does not
        depend on it), or a tuple of them when ``argnums`` is a tuple.
    """
    name = "value_and_grad"

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> tuple[float, Any]:
        nums = _argnums(argnums, len(args), name)
        args_l = list(args)
        leaves = []
        for i in nums:
            leaf = _leaf(args_l[i], i, name)
            args_l[i] = leaf
            leaves.append(leaf)
        with enable_grad():
            out = fn(*args_l, **kwargs)
        if not isinstance(out, Tensor):
            out = Tensor._make(np.asarray(out), False, None)
        if out.data.size != 1 or out.data.dtype.kind not in "fiub":
            raise TypeError(
                f"{name}(): the function must return a scalar (a one-element tensor), got a "
                f"tensor of shape {out.shape} and dtype {out.dtype}; reduce it first, e.g. "
                f"with .sum() or .mean()"
            )
        value = float(out.data.reshape(()))
        found = [None] * len(leaves)
        if out.requires_grad:
            found = list(grad(out, leaves, allow_unused=True))
        grads = tuple(_as_result(leaf, g) for leaf, g in zip(leaves, found))
        return value, (grads[0] if isinstance(argnums, int) else grads)

    return wrapped


def grad_of(fn: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """A function that returns the gradient of scalar-valued ``fn`` w.r.t. ``args[argnums]``,
    as numpy arrays (a tuple when ``argnums`` is a tuple). See :func:`value_and_grad`.

    >>> df = grad_of(lambda x: (x ** 3).sum())
    >>> df(np.array([1.0, 2.0]))
    array([ 3., 12.])
    """
    vg = value_and_grad(fn, argnums)

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return vg(*args, **kwargs)[1]

    return wrapped
