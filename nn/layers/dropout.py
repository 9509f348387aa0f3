"""Dropout layers: ``Dropout`` (single values), ``Dropout1d`` and ``Dropout2d`` (whole channels).

While the module is training, each value (or channel) is zeroed with probability ``p`` and the
others are scaled by 1/(1 - p) ("inverted dropout"), so the expected output equals the input and
evaluation (``model.eval()``) is the identity.
"""

from __future__ import annotations

from autograd_core.tensor import Tensor

from .. import functional as F  # noqa: N812
from ..module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each value with probability ``p`` while training (scale the rest by 1/(1 - p))."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) inputs with probability ``p`` while training."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole feature maps of (N, C, H, W) or (C, H, W) inputs with probability ``p``
    while training."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)
