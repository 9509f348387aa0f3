"""Dense layers: ``Linear`` (y = x Wᵀ + b), ``Bilinear`` and ``Identity``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_core import Tensor, dtypes
from autograd_core.ops.linear import linear
from autograd_core.tensor import _check_device

from .. import init
from ..module import Module
from ..parameter import Parameter


def empty_parameter(shape: tuple, dtype: Any = None, device: Any = None) -> Parameter:
    """An uninitialised Parameter (float32 unless ``dtype`` says otherwise), for layers to fill
    in ``reset_parameters``."""
    if device is not None:
        _check_device(device)
    dt = dtypes.DEFAULT_FLOAT if dtype is None else dtypes.as_dtype(dtype)
    if dt.kind != "f":
        raise TypeError(f"layer parameters must be floating point, got dtype {dt}")
    return Parameter(Tensor._make(np.empty(shape, dt), False, None))


def reset_fan_in_uniform(weight: Parameter, bias: Parameter | None) -> None:
    """PyTorch's default for Linear and Conv layers: W ~ kaiming_uniform(a=√5), which is
    U(±1/√fan_in), and b ~ U(±1/√fan_in). Weight first, then bias, from the library's RNG."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class Linear(Module):
    """y = x Wᵀ + b for inputs of shape (..., in_features); W is (out_features, in_features)
    and b (out_features,), both initialised from U(±1/√in_features) as in PyTorch."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = empty_parameter((out_features, in_features), dtype, device)
        if bias:
            self.bias = empty_parameter((out_features,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_fan_in_uniform(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        p = self._parameters  # = self.weight, self.bias: the registry Module.__getattr__ reads,
        try:  # read directly (two attribute misses and lookups less, about 1 µs per call)
            w, b = p["weight"], p["bias"]
        except KeyError:  # deleted: self.weight raises the AttributeError that names it
            w, b = self.weight, self.bias
        return linear(input, w, b)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )


class Bilinear(Module):
    """y_k = x1ᵀ W_k x2 + b_k, with W (out_features, in1_features, in2_features); all values
    initialised from U(±1/√in1_features) as in PyTorch."""

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = empty_parameter((out_features, in1_features, in2_features), dtype, device)
        if bias:
            self.bias = empty_parameter((out_features,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.weight.shape[1])
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        # (..., i) x (o, i, j) -> (..., o, j), then contract j with input2
        left = (input1.unsqueeze(-2).unsqueeze(-2) @ self.weight).squeeze(-2)
        out = (left @ input2.unsqueeze(-1)).squeeze(-1)
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


class Identity(Module):
    """Returns its input unchanged (any constructor arguments are ignored, as in PyTorch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Any) -> Any:
        return input
