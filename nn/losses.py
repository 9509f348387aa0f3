"""Loss modules, as ``torch.nn``: ``MSELoss L1Loss CrossEntropyLoss NLLLoss BCELoss
BCEWithLogitsLoss``. Each stores its options and calls the function of the same name in
:mod:`nn.functional` (``loss_fn(prediction, target)``); the formulas are documented there and in
:mod:`autograd_core.ops.loss`. Class weights and ``pos_weight`` are buffers, as in PyTorch, so
they appear in ``state_dict()``.
"""

from __future__ import annotations

from typing import Any

from autograd_core.ops.loss import legacy_reduction
from autograd_core.tensor import Tensor, as_tensor

from . import functional as F  # noqa: N812
from .module import Module

__all__ = ["MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]


def _buffer(value: Any) -> Tensor | None:
    return None if value is None else as_tensor(value)


class _Loss(Module):
    """Holds ``reduction``: 'mean' (default), 'sum' or 'none'."""

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean"):
        super().__init__()
        self.reduction = legacy_reduction(size_average, reduce, reduction)
        if self.reduction not in ("mean", "sum", "none"):
            raise ValueError(
                f"{type(self).__name__}: {reduction!r} is not a valid value for reduction "
                f"(use 'mean', 'sum' or 'none')"
            )


class _WeightedLoss(_Loss):
    """A loss with optional per-class (or per-element) ``weight``, kept as a buffer."""

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
    ):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))


class MSELoss(_Loss):
    """Mean squared error: ``mean((input - target)²)`` (or 'sum'/'none')."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: ``mean(|input - target|)`` (or 'sum'/'none')."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy between logits (N, C, ...) and class indices (N, ...) or class
    probabilities (N, C, ...), with optional class ``weight``, ``ignore_index`` and
    ``label_smoothing``. Takes raw scores: no softmax layer before it."""

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        ignore_index: int = -100,
        reduce: Any = None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood of class indices, given log-probabilities (e.g. from
    ``LogSoftmax``), with optional class ``weight`` and ``ignore_index``."""

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        ignore_index: int = -100,
        reduce: Any = None,
        reduction: str = "mean",
    ):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.nll_loss(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
        )


class BCELoss(_WeightedLoss):
    """Binary cross-entropy between probabilities in [0, 1] (e.g. after a sigmoid) and targets
    in [0, 1] of the same shape; ``weight`` rescales each element."""

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits (the sigmoid is built in, numerically stable);
    ``weight`` rescales each element, ``pos_weight`` the positive term (per class)."""

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        reduce: Any = None,
        reduction: str = "mean",
        pos_weight: Any = None,
    ):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))
        self.register_buffer("pos_weight", _buffer(pos_weight))

    def forward(self, input: Tensor, target: Any) -> Tensor:
        return F.binary_cross_entropy_with_logits(
            input,
            target,
            self.weight,
            pos_weight=self.pos_weight,
            reduction=self.reduction,
        )
