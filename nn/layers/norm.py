"""Normalisation layers: ``BatchNorm1d``, ``BatchNorm2d``, ``BatchNorm3d``, ``LayerNorm`` and
``GroupNorm``.

Batch norm standardises each channel with the statistics of the current batch while training,
and keeps exponential running averages of them for evaluation (``model.eval()``):

    running_mean = (1 - momentum)·running_mean + momentum·batch_mean
    running_var  = (1 - momentum)·running_var  + momentum·batch_var·n/(n - 1)   (unbiased)

Layer norm standardises each sample over its last dimensions, group norm each sample over groups
of channels; they work the same way in training and in evaluation. All of them then scale by a
learned ``weight`` (γ, ones at first) and shift by ``bias`` (β, zeros). The formulas and the
backward pass are in :mod:`autograd_core.ops.norm`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core.tensor import Tensor

from .. import functional as F  # noqa: N812
from ..module import Module
from ..parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LayerNorm", "GroupNorm"]


class _Norm(Module):
    """The learned scale γ (``weight``, ones) and shift β (``bias``, zeros) every layer here has
    (either may be None: ``affine=False``, ``bias=False``)."""

    def _affine_parameters(self, shape: Any, affine: bool, bias: bool, dtype: Any) -> np.dtype:
        """Register ``weight`` and ``bias`` of ``shape``; returns the dtype used."""
        dt = np.dtype(dtype) if dtype is not None else np.float32

        def param(fill: Any) -> Parameter:
            return Parameter(Tensor._make(fill(shape, dt), False, None))

        self.register_parameter("weight", param(np.ones) if affine else None)
        self.register_parameter("bias", param(np.zeros) if affine and bias else None)
        return dt

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight.data[...] = 1
        if self.bias is not None:
            self.bias.data[...] = 0


class _BatchNorm(_Norm):
    """What the BatchNorm layers share; they differ only in the input shapes they accept."""

    _dims: tuple = ()  # the accepted numbers of dimensions

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dt = self._affine_parameters(num_features, affine, bias, dtype)
        if track_running_stats:
            self.register_buffer(
                "running_mean", Tensor._make(np.zeros(num_features, dt), False, None)
            )
            self.register_buffer(
                "running_var", Tensor._make(np.ones(num_features, dt), False, None)
            )
            self.register_buffer(
                "num_batches_tracked", Tensor._make(np.array(0, np.int64), False, None)
            )
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            self.running_mean.data[...] = 0
            self.running_var.data[...] = 1
            self.num_batches_tracked.data[...] = 0

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        super().reset_parameters()

    def _check_input_dim(self, x: Tensor) -> None:
        if x.ndim not in self._dims:
            want = " or ".join(f"{d}D" for d in self._dims)
            raise ValueError(
                f"{type(self).__name__}: expected {want} input (got {x.ndim}D input of shape "
                f"{tuple(x.shape)})"
            )
        has_state = self.affine or self.track_running_stats
        if has_state and x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}({self.num_features}): the input has {x.shape[1]} "
                f"channels (dimension 1 of shape {tuple(x.shape)}), expected {self.num_features}"
            )

    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.data += 1
            if self.momentum is None:  # a cumulative (equal-weight) average of every batch
                factor = 1.0 / float(self.num_batches_tracked.data)
        use_batch_stats = self.training or self.running_mean is None
        use_running = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if use_running else None,
            self.running_var if use_running else None,
            self.weight,
            self.bias,
            use_batch_stats,
            factor,
            self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, bias={self.bias is not None}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch norm over (N, C) features or (N, C, L) sequences, per channel C."""

    _dims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch norm over (N, C, H, W) images, per channel C (statistics over N, H and W)."""

    _dims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch norm over (N, C, D, H, W) volumes, per channel C."""

    _dims = (5,)


class LayerNorm(_Norm):
    """Layer norm over the last dimensions, given by ``normalized_shape`` (an int for the last
    one): each sample is standardised by its own mean and (biased) variance, then scaled by
    ``weight`` and shifted by ``bias`` (both of shape ``normalized_shape``)."""

    def __init__(
        self,
        normalized_shape: int | tuple | list,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(n) for n in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        self._affine_parameters(self.normalized_shape, elementwise_affine, bias, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, "
            f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}"
        )


class GroupNorm(_Norm):
    """Group norm: the ``num_channels`` channels of x (N, C, *) are split into ``num_groups``
    groups, and each sample's group is standardised by its own mean and (biased) variance; then
    each channel is scaled by ``weight`` and shifted by ``bias`` (shape (C,)). One group is
    layer norm over (C, *); C groups is instance norm."""

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(
                f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})"
            )
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        self._affine_parameters(num_channels, affine, bias, dtype)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )
