"""``Embedding``: a learned table of vectors, one row per token (or category) index."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core.random import generator
from autograd_core.tensor import Tensor

from .. import functional as F  # noqa: N812
from ..module import Module
from ..parameter import Parameter

__all__ = ["Embedding"]


class Embedding(Module):
    """A table ``weight`` of shape (num_embeddings, embedding_dim), initialised N(0, 1) as in
    PyTorch; ``embedding(idx)`` returns the rows ``weight[idx]``, of shape
    ``(*idx.shape, embedding_dim)``. The ``padding_idx`` row starts at zero and never receives a
    gradient (so it stays zero under training)."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Any = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.num_embeddings = int(num_embeddings)
        self.embedding_dim = int(embedding_dim)
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(
                    f"Embedding: padding_idx {padding_idx} must be within num_embeddings "
                    f"({num_embeddings})"
                )
            padding_idx %= num_embeddings
        self.padding_idx = padding_idx
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        shape = (self.num_embeddings, self.embedding_dim)
        if _weight is None:
            dt = np.dtype(dtype) if dtype is not None else np.float32
            w = generator().standard_normal(shape).astype(dt)
            self.weight = Parameter(Tensor._make(w, False, None), requires_grad=not _freeze)
            self._fill_padding_idx_with_zero()
        else:
            if tuple(_weight.shape) != shape:
                raise ValueError(
                    f"Embedding: _weight has shape {tuple(_weight.shape)}, expected {shape}"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        self.weight.data[...] = generator().standard_normal(self.weight.shape)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            self.weight.data[self.padding_idx] = 0

    def forward(self, input: Any) -> Tensor:
        return F.embedding(
            input,
            self.weight,
            self.padding_idx,
            self.max_norm,
            self.norm_type,
            self.scale_grad_by_freq,
            self.sparse,
        )

    def extra_repr(self) -> str:
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            s += ", scale_grad_by_freq=True"
        if self.sparse:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(
        cls,
        embeddings: Any,
        freeze: bool = True,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
    ) -> Embedding:
        """An Embedding holding the given 2-D table (not trained when ``freeze``)."""
        t = embeddings if isinstance(embeddings, Tensor) else Tensor(embeddings)
        if t.ndim != 2:
            raise ValueError(
                f"Embedding.from_pretrained: embeddings must be 2-D, got shape {tuple(t.shape)}"
            )
        rows, dim = t.shape
        return cls(
            rows,
            dim,
            padding_idx,
            max_norm,
            norm_type,
            scale_grad_by_freq,
            sparse,
            _weight=t,
            _freeze=freeze,
        )
