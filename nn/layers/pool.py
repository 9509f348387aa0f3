"""Pooling layers: ``MaxPool1d/2d``, ``AvgPool1d/2d`` and ``AdaptiveAvgPool2d``.

``stride`` defaults to ``kernel_size`` (non-overlapping windows), as in PyTorch. The work is
done by ``autograd_core.max_pool2d`` & co.
"""

from __future__ import annotations

from typing import Any

import autograd_core as ag
from autograd_core import Tensor

from ..module import Module


class _MaxPoolNd(Module):
    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """Max over windows of ``kernel_size`` along the last axis of (N, C, L) or (C, L)."""

    def forward(self, input: Tensor) -> Any:
        return ag.max_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class MaxPool2d(_MaxPoolNd):
    """Max over kH×kW windows of (N, C, H, W) or (C, H, W) images: with ``MaxPool2d(2)`` each
    2×2 block becomes its largest value, halving height and width."""

    def forward(self, input: Tensor) -> Any:
        return ag.max_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )


class _AvgPoolNd(Module):
    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """Mean over windows of ``kernel_size`` along the last axis of (N, C, L) or (C, L)."""

    def forward(self, input: Tensor) -> Tensor:
        return ag.avg_pool1d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            ceil_mode=self.ceil_mode,
            count_include_pad=self.count_include_pad,
        )


class AvgPool2d(_AvgPoolNd):
    """Mean over kH×kW windows of (N, C, H, W) or (C, H, W) images. Zero padding counts in the
    mean unless ``count_include_pad=False``; ``divisor_override`` replaces the divisor."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return ag.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            ceil_mode=self.ceil_mode,
            count_include_pad=self.count_include_pad,
            divisor_override=self.divisor_override,
        )


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed output size (H_out, W_out), whatever the input size: cell
    (i, j) averages rows ⌊i·H/H_out⌋ … ⌈(i+1)·H/H_out⌉ − 1 (and likewise columns), as PyTorch.
    ``AdaptiveAvgPool2d(1)`` is global average pooling. A size of None keeps that dimension."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        h, w = input.shape[-2:]
        size = self.output_size
        oh, ow = (size, size) if isinstance(size, int) else tuple(size)
        oh, ow = h if oh is None else oh, w if ow is None else ow
        if (oh, ow) == (1, 1):
            return input.mean(axis=(-2, -1), keepdims=True)
        if h % oh == 0 and w % ow == 0:  # equal windows: one pooling call
            k = (h // oh, w // ow)
            return ag.avg_pool2d(input, k, k)
        # uneven windows: one mean per output cell (a loop over cells, not over elements)
        rows = []
        for i in range(oh):
            r0, r1 = (i * h) // oh, -(-((i + 1) * h) // oh)
            cells = []
            for j in range(ow):
                c0, c1 = (j * w) // ow, -(-((j + 1) * w) // ow)
                cells.append(input[..., r0:r1, c0:c1].mean(axis=(-2, -1)))
            rows.append(ag.stack(cells, -1))
        return ag.stack(rows, -2)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
