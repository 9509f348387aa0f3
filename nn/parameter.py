"""``Parameter``: a Tensor that a :class:`~nn.Module` registers as one of its weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core import Tensor
from autograd_core.tensor import _check_requires_grad, _to_array


class Parameter(Tensor):
    """A leaf Tensor that requires grad (by default) and that a Module registers when it is
    assigned as an attribute: ``self.weight = nn.Parameter(ag.randn(3, 4))``.

    Built from a Tensor, it shares that tensor's storage (as in PyTorch); other data (an array,
    a list) is copied with the usual dtype rules. Results of operations on a Parameter are
    plain Tensors.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            arr, vc = np.empty((0,), np.float32), [0]
        elif isinstance(data, Tensor):
            arr, vc = data.data, data._vc
        else:
            arr, vc = _to_array(data), [0]
        _check_requires_grad(arr, requires_grad, "Parameter()")
        self.data = arr
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.grad_fn = None
        self._vc = vc
        self._hooks = None
        self.name = None

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol: Any) -> Any:
        # copy.deepcopy and pickle rebuild a Parameter (deepcopy copies the array itself)
        return (_rebuild, (self.data, self.requires_grad, self.grad))


def _rebuild(data: np.ndarray, requires_grad: bool, grad: Any) -> Parameter:
    p = Parameter(Tensor._make(data, False, None), requires_grad)
    p.grad = grad
    return p
