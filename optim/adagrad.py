"""Adagrad: per-coordinate step sizes that shrink with the sum of squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, _plus_scaled

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (PyTorch's ``torch.optim.Adagrad``).

    For each parameter θ with gradient g, at step t = 1, 2, ...::

        g ← g + λ·θ                       (weight_decay λ ≠ 0)
        η ← lr / (1 + (t − 1)·lr_decay)
        s ← s + g²                        (s starts at initial_accumulator_value)
        θ ← θ − η·g / (√s + ε)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        # As in PyTorch, the accumulators exist from the start (they hold the initial value).
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(self.state[p], p.data, group)

    @staticmethod
    def _init_state(state: dict, p: np.ndarray, group: dict) -> None:
        state["step"] = 0
        state["sum"] = np.full_like(p, group["initial_accumulator_value"])

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        if not state:  # a parameter added later with add_param_group
            self._init_state(state, p, group)
        lr = float(group["lr"])
        lr_decay = float(group["lr_decay"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        state["step"] += 1
        t = state["step"]

        if weight_decay != 0:
            g = _plus_scaled(g, p, weight_decay)  # L2: g + λ·p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = state["sum"]
        tmp = np.multiply(g, g)
        s += tmp
        denom = np.sqrt(s)
        denom += eps
        np.multiply(g, clr, out=tmp)
        tmp /= denom
        p -= tmp
