"""Convolution layers ``Conv1d`` and ``Conv2d`` (cross-correlation, as in PyTorch).

Weight shape (out_channels, in_channels/groups, *kernel_size), bias (out_channels,), both
initialised from U(±1/√fan_in) with fan_in = in_channels/groups · ∏kernel_size. The work is done
by ``autograd_core.conv1d``/``conv2d`` (im2col and one matrix product).
"""

from __future__ import annotations

from typing import Any

import autograd_core as ag
from autograd_core import Tensor

from ..module import Module
from .linear import empty_parameter, reset_fan_in_uniform

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value: Any, n: int, name: str) -> tuple:
    t = tuple(value) if isinstance(value, tuple | list) else (value,) * n
    if len(t) != n:
        raise ValueError(f"{name} must be an int or a tuple of {n} ints, got {value!r}")
    return t


class _ConvNd(Module):
    """What Conv1d and Conv2d share: argument checks, parameters, padding modes and repr."""

    _nd = 0

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        nd, name = self._nd, type(self).__name__
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"padding_mode must be one of {list(_PADDING_MODES)}, but got "
                f"padding_mode='{padding_mode}'"
            )
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = _ntuple(kernel_size, nd, f"{name}: kernel_size")
        self.stride = _ntuple(stride, nd, f"{name}: stride")
        self.dilation = _ntuple(dilation, nd, f"{name}: dilation")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(
                    f"Invalid padding string {padding!r}, should be one of ['valid', 'same']"
                )
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _ntuple(padding, nd, f"{name}: padding")
        self.padding_mode = padding_mode
        self.weight = empty_parameter(
            (out_channels, in_channels // groups, *self.kernel_size), dtype, device
        )
        if bias:
            self.bias = empty_parameter((out_channels,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        reset_fan_in_uniform(self.weight, self.bias)

    def _pad_amounts(self) -> list[tuple[int, int]]:
        """(before, after) padding per spatial dimension."""
        if self.padding == "valid":
            return [(0, 0)] * self._nd
        if self.padding == "same":
            out = []
            for d, k in zip(self.dilation, self.kernel_size):
                total = d * (k - 1)
                out.append((total // 2, total - total // 2))
            return out
        return [(p, p) for p in self.padding]

    def _conv(self, input: Tensor, fn: Any) -> Tensor:
        if self.padding_mode == "zeros":
            return fn(
                input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
            )
        # other padding modes: pad explicitly (last dimension first, as F.pad), then no padding
        flat: list[int] = []
        for before, after in reversed(self._pad_amounts()):
            flat += [before, after]
        mode = self.padding_mode
        padded = ag.pad(input, tuple(flat), mode=mode)
        return fn(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    def extra_repr(self) -> str:
        s = (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"stride={self.stride}"
        )
        if self.padding != (0,) * self._nd:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self._nd:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) inputs (or unbatched (C_in, L)): output
    (N, C_out, L_out), L_out = (L + 2·padding − dilation·(kernel_size − 1) − 1) // stride + 1."""

    _nd = 1

    def forward(self, input: Tensor) -> Tensor:
        return self._conv(input, ag.conv1d)


class Conv2d(_ConvNd):
    """2-D convolution over NCHW images (or unbatched CHW): output (N, C_out, H_out, W_out),
    H_out = (H + 2·padding − dilation·(kH − 1) − 1) // stride + 1 (and likewise W_out)."""

    _nd = 2

    def forward(self, input: Tensor) -> Tensor:
        return self._conv(input, ag.conv2d)
