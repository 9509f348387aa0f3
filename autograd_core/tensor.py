"""The Tensor: a numpy array that remembers how it was computed.

A Tensor holds ``.data`` (a numpy array), ``.requires_grad``, ``.grad`` (a Tensor or None) and
``.grad_fn`` (the :class:`~autograd_core.function.Function` node that produced it; None for a
leaf). Every op lives in ``autograd_core/ops/`` with its forward and backward side by side; the
methods here only forward to those functions, so ``x.exp()`` and ``ag.exp(x)`` are one op.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from operator import attrgetter
from typing import Any

import numpy as np

from . import dtypes
from .grad_mode import INPLACE, SEQ, STATE, no_grad
from .random import generator

_F64 = dtypes.F64
_PY_NUMBERS = dtypes.PY_NUMBERS  # (a module global: read on every scalar op)


def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """A fresh numpy array from user data, with PyTorch's dtype rules: Python floats give
    float32, a numpy array keeps its float dtype, ints give int64, bools stay bool."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dt = dtypes.as_dtype(dtype)
        return np.array(data, dtype=dt, copy=True)
    arr = np.array(data, copy=True)
    if arr.dtype.kind == "f":
        if not isinstance(data, np.ndarray | np.generic) and arr.dtype == _F64:
            arr = arr.astype(np.float32)
    elif arr.dtype.kind in "iu":
        if not isinstance(data, np.ndarray | np.generic):
            arr = arr.astype(np.int64)
    elif arr.dtype.kind == "b":
        pass
    elif arr.dtype.kind == "O" or arr.dtype.kind in "USV":
        raise TypeError(
            f"tensor(): cannot make a tensor from {type(data).__name__} data of dtype "
            f"{arr.dtype} (nested lists must be rectangular and hold numbers)"
        )
    return arr


def _check_requires_grad(arr: np.ndarray, flag: bool, where: str) -> None:
    if flag and arr.dtype.kind != "f":
        raise TypeError(
            f"{where}: only floating point tensors can require gradients, got dtype "
            f"{arr.dtype} (make it float first, e.g. tensor(x, dtype=autograd_core.float32))"
        )


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation.

    ``Tensor(data, requires_grad=False)`` copies ``data`` (scalar, nested list, numpy array or
    Tensor). Floating data defaults to float32, as in PyTorch; a float64 numpy array stays
    float64. Only floating tensors may require grad.
    """

    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "_vc", "_hooks", "name", "__weakref__")
    __array_priority__ = 1000  # numpy defers ``ndarray * Tensor`` to Tensor.__rmul__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        arr = _to_array(data, dtype)
        _check_requires_grad(arr, requires_grad, "Tensor()")
        self.data = arr
        self.grad: Tensor | None = None
        self.requires_grad = builtins.bool(requires_grad)
        self.grad_fn = None
        self._vc = [0]
        self._hooks: list | None = None
        self.name: str | None = None

    @classmethod
    def _make(cls, data: np.ndarray, requires_grad: bool, grad_fn: Any) -> Tensor:
        """The fast internal constructor used by ops: no copy, no checks."""
        t = object.__new__(cls)
        t.data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.grad_fn = grad_fn
        t._vc = [0]
        t._hooks = None
        t.name = None
        return t

    # -- basic attributes ---------------------------------------------------------------------
    # Read on every op: C-level getters (no Python frame), same as ``self.data.shape`` etc.
    shape = property(attrgetter("data.shape"), doc="The shape, a tuple of ints.")
    ndim = property(attrgetter("data.ndim"), doc="The number of dimensions.")
    dtype = property(attrgetter("data.dtype"), doc="The numpy dtype of the values.")

    def dim(self) -> int:
        return self.data.ndim

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def device(self) -> str:
        return "cpu"

    @property
    def T(self) -> Tensor:  # noqa: N802 - PyTorch's name
        return self.permute(*reversed(range(self.ndim)))

    def size(self, dim: int | None = None) -> Any:
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    __hash__ = object.__hash__  # by identity (== is elementwise), as in PyTorch

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    # -- conversion ------------------------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """The data as a numpy array (shares memory, as in PyTorch)."""
        if self.requires_grad and STATE.enabled:
            raise RuntimeError(
                "Can't call numpy() on a Tensor that requires grad. Use tensor.detach().numpy()."
            )
        return self.data

    def item(self) -> Any:
        if self.data.size != 1:
            raise ValueError(
                f"item(): only a one-element tensor can be converted to a Python scalar, "
                f"this one has shape {self.shape}"
            )
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __float__(self) -> float:
        return builtins.float(self.item())

    def __int__(self) -> int:
        return builtins.int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return builtins.int(self.data.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"Boolean value of a Tensor with {self.data.size} values is ambiguous "
                f"(shape {self.shape}); use .any() or .all()"
            )
        return builtins.bool(self.data.item())

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        """``to("cpu")``, ``to(dtype)`` or ``to("cpu", dtype)``; other devices are refused."""
        dtype = kwargs.pop("dtype", None)
        device = kwargs.pop("device", None)
        kwargs.pop("non_blocking", None)
        kwargs.pop("copy", None)
        if kwargs:
            raise TypeError(f"to() got unexpected arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif isinstance(a, str) or type(a).__name__ == "device":
                device = a
            else:
                dtype = a
        if device is not None:
            _check_device(device)
        return self if dtype is None else self.astype(dtype)

    def cpu(self) -> Tensor:
        return self

    def astype(self, dtype: Any) -> Tensor:
        """A copy with another dtype (differentiable between float dtypes)."""
        dt = dtypes.as_dtype(dtype)
        if dt == self.data.dtype:
            return self
        if self.requires_grad and dt.kind != "f":
            with no_grad():
                return _ew.Cast.apply(self, dtype=dt)
        return _ew.Cast.apply(self, dtype=dt)

    type_as = lambda self, other: self.astype(other.dtype)  # noqa: E731

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def long(self) -> Tensor:
        return self.astype(np.int64)

    def int(self) -> Tensor:
        return self.astype(np.int32)

    def bool(self) -> Tensor:
        return self.astype(np.bool_)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extra = []
        if self.data.dtype not in (np.float32, np.int64, np.bool_):
            extra.append(f"dtype=autograd_core.{self.data.dtype}")
        if self.grad_fn is not None:
            extra.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extra) + ")"

    # -- autograd ----------------------------------------------------------------------------
    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """Compute d(self)/d(leaf) for every leaf that requires grad, adding it to ``leaf.grad``.

        ``gradient`` is dL/d(self); it may be left out only when ``self`` has one element.
        """
        _engine.backward(self, gradient, retain_graph, create_graph)

    def detach(self) -> Tensor:
        """A tensor with the same data (shared storage and version counter) and no history."""
        t = Tensor._make(self.data, False, None)
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self.requires_grad = False
        return self

    def clone(self) -> Tensor:
        return _ew.Clone.apply(self)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if self.grad_fn is not None and not requires_grad:
            raise RuntimeError(
                "requires_grad_(False) on a non-leaf tensor: use detach() to get a tensor "
                "outside the graph"
            )
        _check_requires_grad(self.data, requires_grad, "requires_grad_()")
        self.requires_grad = builtins.bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on this non-leaf tensor after backward (leaves always keep it)."""
        import weakref

        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a Tensor that has requires_grad=False")
        if self.grad_fn is not None:
            self.grad_fn._retain = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        return self.grad_fn is not None and self.grad_fn._retain is not None

    def register_hook(self, hook: Any) -> Any:
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned Tensor
        replaces the gradient. Returns a handle with ``remove()``."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            if self.grad_fn._pre_hooks is None:
                self.grad_fn._pre_hooks = []
            hooks = self.grad_fn._pre_hooks
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    # -- in place --------------------------------------------------------------------------------
    def _bump(self) -> None:
        """Note an in-place change: the version goes up (saved copies of this tensor are stale)."""
        self._vc[0] += 1
        INPLACE[0] = next(SEQ)

    def _inplace(self, op: Any, *args: Any, **kwargs: Any) -> Tensor:
        """Apply an out-of-place op and write its result into this tensor.

        Under ``no_grad`` (or when no gradient is involved) the array is updated in place. A
        leaf that requires grad refuses, as in PyTorch. A non-leaf takes the new op as its
        ``grad_fn``; nodes that saved the old value see the version change and refuse to
        backward.
        """
        tracking = STATE.enabled and (
            self.requires_grad or any(isinstance(a, Tensor) and a.requires_grad for a in args)
        )
        if not tracking:
            with no_grad():
                out = op(self, *args, **kwargs)
            self._write(out.data)
            return self
        if self.grad_fn is None and self.requires_grad:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation "
                f"(shape {self.shape}); wrap the update in `with autograd_core.no_grad():`"
            )
        old = Tensor._make(self.data.copy(), self.requires_grad, self.grad_fn)
        out = op(old, *args, **kwargs)
        self._write(out.data)
        self.grad_fn = out.grad_fn
        self.requires_grad = True
        return self

    def _write(self, values: np.ndarray) -> None:
        if values.shape != self.data.shape:
            try:
                values = np.broadcast_to(values, self.data.shape)
            except ValueError:
                raise RuntimeError(
                    f"in-place operation: the result of shape {values.shape} doesn't match "
                    f"the tensor's shape {self.data.shape}"
                ) from None
        if values.dtype != self.data.dtype and (
            self.data.dtype.kind != "f" and values.dtype.kind == "f"
        ):
            raise RuntimeError(
                f"in-place operation: result type {values.dtype} can't be cast to the "
                f"tensor's dtype {self.data.dtype}"
            )
        self.data[...] = values
        self._bump()

    def add_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._inplace(_ew.add, other, alpha=alpha)

    def sub_(self, other: Any, alpha: float = 1) -> Tensor:
        return self._inplace(_ew.sub, other, alpha=alpha)

    def mul_(self, other: Any) -> Tensor:
        return self._inplace(_ew.mul, other)

    def div_(self, other: Any) -> Tensor:
        return self._inplace(_ew.div, other)

    def pow_(self, other: Any) -> Tensor:
        return self._inplace(_ew.pow, other)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return self._inplace(_ew.clamp, min, max)

    def __iadd__(self, other: Any) -> Tensor:
        return self.add_(other)

    def __isub__(self, other: Any) -> Tensor:
        return self.sub_(other)

    def __imul__(self, other: Any) -> Tensor:
        return self.mul_(other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self.div_(other)

    def _init_(self, values: np.ndarray) -> Tensor:
        """Fill with new values (``zero_``, ``normal_``, ...): never recorded in the graph."""
        if self.requires_grad and STATE.enabled:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation "
                f"(shape {self.shape}): initialise it under `with autograd_core.no_grad():` "
                "or through .detach() (x.detach().normal_() changes x)"
            )
        self.data[...] = values
        self._bump()
        return self

    def zero_(self) -> Tensor:
        return self._init_(np.zeros((), self.data.dtype))

    def fill_(self, value: Any) -> Tensor:
        return self._init_(np.asarray(value, self.data.dtype))

    def normal_(self, mean: float = 0.0, std: float = 1.0) -> Tensor:
        return self._init_(generator().normal(mean, std, self.data.shape))

    def uniform_(self, a: float = 0.0, b: float = 1.0) -> Tensor:
        return self._init_(generator().uniform(a, b, self.data.shape))

    def copy_(self, src: Any) -> Tensor:
        return self._init_(np.asarray(src.data if isinstance(src, Tensor) else src))

    def __setitem__(self, key: Any, value: Any) -> None:
        _ix.setitem(self, key, value)

    # -- operators ---------------------------------------------------------------------------
    # Python numbers go straight to the scalar form of the op (the common case in a chain).
    def __add__(self, other: Any) -> Tensor:
        if type(other) in _PY_NUMBERS:
            return _ew.AddScalar._apply_constant(self, other)
        return _ew.add(self, other)

    def __radd__(self, other: Any) -> Tensor:
        if type(other) in _PY_NUMBERS:
            return _ew.AddScalar._apply_constant(self, other)
        return _ew.add(other, self)

    def __sub__(self, other: Any) -> Tensor:
        if type(other) in _PY_NUMBERS:
            return _ew.AddScalar._apply_constant(self, -other)
        return _ew.sub(self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _ew.sub(other, self)

    def __mul__(self, other: Any) -> Tensor:
        if type(other) in _PY_NUMBERS:
            return _ew.MulScalar._apply_constant(self, other)
        return _ew.mul(self, other)

    def __rmul__(self, other: Any) -> Tensor:
        if type(other) in _PY_NUMBERS:
            return _ew.MulScalar._apply_constant(self, other)
        return _ew.mul(other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _ew.div(self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _ew.div(other, self)

    def __floordiv__(self, other: Any) -> Tensor:
        return _ew.floor_divide(self, other)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return _ew.floor_divide(other, self)

    def __mod__(self, other: Any) -> Tensor:
        return _ew.remainder(self, other)

    def __pow__(self, other: Any) -> Tensor:
        return _ew.pow(self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _ew.pow(other, self)

    def __matmul__(self, other: Any) -> Tensor:
        return _la.matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _la.matmul(other, self)

    def __neg__(self) -> Tensor:
        return _ew.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return _ew.abs(self)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ew.eq(self, other)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return _ew.ne(self, other)

    def __lt__(self, other: Any) -> Tensor:
        return _ew.lt(self, other)

    def __le__(self, other: Any) -> Tensor:
        return _ew.le(self, other)

    def __gt__(self, other: Any) -> Tensor:
        return _ew.gt(self, other)

    def __ge__(self, other: Any) -> Tensor:
        return _ew.ge(self, other)

    def __invert__(self) -> Tensor:
        return _ew.logical_not(self)

    def __and__(self, other: Any) -> Tensor:
        return _ew.logical_and(self, other)

    def __or__(self, other: Any) -> Tensor:
        return _ew.logical_or(self, other)

    def __getitem__(self, key: Any) -> Tensor:
        return _ix.getitem(self, key)

    # -- methods that are ops (each defined once, in autograd_core/ops/) ---------------------
    def add(self, other: Any, alpha: float = 1) -> Tensor:
        return _ew.add(self, other, alpha=alpha)

    def sub(self, other: Any, alpha: float = 1) -> Tensor:
        return _ew.sub(self, other, alpha=alpha)

    def mul(self, other: Any) -> Tensor:
        return _ew.mul(self, other)

    def div(self, other: Any) -> Tensor:
        return _ew.div(self, other)

    def pow(self, exponent: Any) -> Tensor:
        return _ew.pow(self, exponent)

    def exp(self) -> Tensor:
        return _ew.exp(self)

    def log(self) -> Tensor:
        return _ew.log(self)

    def log1p(self) -> Tensor:
        return _ew.log1p(self)

    def sqrt(self) -> Tensor:
        return _ew.sqrt(self)

    def sin(self) -> Tensor:
        return _ew.sin(self)

    def cos(self) -> Tensor:
        return _ew.cos(self)

    def tanh(self) -> Tensor:
        return _ew.tanh(self)

    def sigmoid(self) -> Tensor:
        return _ew.sigmoid(self)

    def relu(self) -> Tensor:
        return _ew.relu(self)

    def abs(self) -> Tensor:
        return _ew.abs(self)

    def sign(self) -> Tensor:
        return _ew.sign(self)

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return _ew.clamp(self, min, max)

    clip = clamp

    def maximum(self, other: Any) -> Tensor:
        return _ew.maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return _ew.minimum(self, other)

    def where(self, condition: Any, other: Any) -> Tensor:
        return _ew.where(condition, self, other)

    def any(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return Tensor._make(np.asarray(self.data.any(axis=dim, keepdims=keepdim)), False, None)

    def all(self, dim: Any = None, keepdim: bool = False) -> Tensor:
        return Tensor._make(np.asarray(self.data.all(axis=dim, keepdims=keepdim)), False, None)

    def sum(self, *args: Any, **kwargs: Any) -> Tensor:
        return _rd.sum(self, *args, **kwargs)

    def mean(self, *args: Any, **kwargs: Any) -> Tensor:
        return _rd.mean(self, *args, **kwargs)

    def var(self, *args: Any, **kwargs: Any) -> Tensor:
        return _rd.var(self, *args, **kwargs)

    def std(self, *args: Any, **kwargs: Any) -> Tensor:
        return _rd.std(self, *args, **kwargs)

    def max(self, *args: Any, **kwargs: Any) -> Any:
        return _rd.max(self, *args, **kwargs)

    def min(self, *args: Any, **kwargs: Any) -> Any:
        return _rd.min(self, *args, **kwargs)

    def amax(self, *args: Any, **kwargs: Any) -> Tensor:
        return _rd.amax(self, *args, **kwargs)

    def amin(self, *args: Any, **kwargs: Any) -> Tensor:
        return _rd.amin(self, *args, **kwargs)

    def argmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return _rd.argmax(self, *args, **kwargs)

    def argmin(self, *args: Any, **kwargs: Any) -> Tensor:
        return _rd.argmin(self, *args, **kwargs)

    def logsumexp(self, *args: Any, **kwargs: Any) -> Tensor:
        return _rd.logsumexp(self, *args, **kwargs)

    def prod(self, *args: Any, **kwargs: Any) -> Tensor:
        return _rd.prod(self, *args, **kwargs)

    def norm(self, *args: Any, **kwargs: Any) -> Tensor:
        return _rd.norm(self, *args, **kwargs)

    def softmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return _nn.softmax(self, *args, **kwargs)

    def log_softmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return _nn.log_softmax(self, *args, **kwargs)

    def reshape(self, *shape: Any) -> Tensor:
        return _sh.reshape(self, *shape)

    def view(self, *shape: Any) -> Tensor:
        return _sh.view(self, *shape)

    def view_as(self, other: Tensor) -> Tensor:
        return _sh.reshape(self, other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return _sh.reshape(self, other.shape)

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        return _sh.flatten(self, start_dim, end_dim)

    def squeeze(self, *args: Any, **kwargs: Any) -> Tensor:
        return _sh.squeeze(self, *args, **kwargs)

    def unsqueeze(self, dim: int) -> Tensor:
        return _sh.unsqueeze(self, dim)

    def transpose(self, dim0: int, dim1: int) -> Tensor:
        return _sh.transpose(self, dim0, dim1)

    def t(self) -> Tensor:
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, got shape {self.shape}")
        return self.T

    def permute(self, *dims: Any) -> Tensor:
        return _sh.permute(self, *dims)

    def expand(self, *sizes: Any) -> Tensor:
        return _sh.expand(self, *sizes)

    def expand_as(self, other: Tensor) -> Tensor:
        return _sh.expand(self, other.shape)

    def broadcast_to(self, shape: Any) -> Tensor:
        return _sh.broadcast_to(self, shape)

    def split(self, split_size_or_sections: Any, dim: int = 0) -> tuple:
        return _sh.split(self, split_size_or_sections, dim)

    def chunk(self, chunks: int, dim: int = 0) -> tuple:
        return _sh.chunk(self, chunks, dim)

    def flip(self, *dims: Any) -> Tensor:
        return _sh.flip(self, *dims)

    def repeat(self, *sizes: Any) -> Tensor:
        return _sh.repeat(self, *sizes)

    def matmul(self, other: Any) -> Tensor:
        return _la.matmul(self, other)

    def dot(self, other: Any) -> Tensor:
        return _la.dot(self, other)

    def outer(self, other: Any) -> Tensor:
        return _la.outer(self, other)


class _HookHandle:
    """What ``register_hook`` returns: ``handle.remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook: Any) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _check_device(device: Any) -> None:
    name = str(device)
    if name != "cpu" and not name.startswith("cpu:"):
        raise RuntimeError(
            f"device {name!r} is not available: autograd_core runs on the CPU with numpy "
            f"(use 'cpu')"
        )


def tensor(data: Any, dtype: Any = None, requires_grad: bool = False, device: Any = None) -> Tensor:
    """A new tensor holding a copy of ``data``, as ``torch.tensor``."""
    if device is not None:
        _check_device(device)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(data: Any, dtype: Any = None) -> Tensor:
    """``data`` as a Tensor, without a copy when it already is one of that dtype."""
    if isinstance(data, Tensor) and (dtype is None or dtypes.as_dtype(dtype) == data.dtype):
        return data
    return Tensor(data, dtype=dtype)


# The op modules and the engine import Tensor, so they are imported after it is defined
# (once, here: an import statement inside a method costs about 1 µs per call).
from . import engine as _engine  # noqa: E402
from .ops import elementwise as _ew  # noqa: E402
from .ops import index as _ix  # noqa: E402
from .ops import linalg as _la  # noqa: E402
from .ops import nnops as _nn  # noqa: E402
from .ops import reduce as _rd  # noqa: E402
from .ops import shape as _sh  # noqa: E402
