"""Shape layers: ``Flatten`` (images to vectors, before the dense layers) and ``Unflatten``."""

from __future__ import annotations

from typing import Any

from autograd_core import Tensor

from ..module import Module


class Flatten(Module):
    """Merge dimensions ``start_dim`` … ``end_dim`` into one: (N, 1, 28, 28) -> (N, 784) with
    the defaults, which keep the batch dimension."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``: (N, 784) -> (N, 1, 28, 28) with
    ``Unflatten(1, (1, 28, 28))``."""

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        shape = input.shape
        d = self.dim % len(shape)
        return input.reshape((*shape[:d], *self.unflattened_size, *shape[d + 1 :]))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
