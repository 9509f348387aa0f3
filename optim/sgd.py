"""Stochastic gradient descent, optionally with (Nesterov) momentum and L2 weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from autograd_core.dtypes import constant

from .optimizer import Optimizer, _plus_scaled

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (PyTorch's ``torch.optim.SGD``).

    For each parameter θ with gradient g, at step t::

        g ← g + λ·θ                                   (weight_decay λ ≠ 0: L2 penalty λ/2·‖θ‖²)
        b ← g                     at the first step   (momentum μ ≠ 0)
        b ← μ·b + (1 − τ)·g       afterwards          (τ = dampening)
        g ← g + μ·b  if nesterov else  b
        θ ← θ − lr·g

    With ``maximize=True`` g is replaced by −g first (gradient ascent).
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _step_group(self, group: dict) -> None:
        if group["momentum"] or group["weight_decay"] or group["maximize"]:
            super()._step_group(group)
            return
        # plain SGD, θ ← θ − lr·g, as _update computes it (lr cast to g's dtype), with lr as a
        # cached 0-d array of that dtype (a faster product) and no state to look up
        lr = float(group["lr"])
        for p in group["params"]:
            if p.grad is not None:
                g = p.grad.data
                np.subtract(p.data, g * constant(lr, g), out=p.data)
                p._bump()

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        dampening = float(group["dampening"])
        weight_decay = float(group["weight_decay"])

        if weight_decay != 0:
            g = _plus_scaled(g, p, weight_decay)  # L2: g + λ·p
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= momentum
                buf += g if dampening == 0 else (1 - dampening) * g
            if group["nesterov"]:  # look ahead: g + μ·b
                g = _plus_scaled(g, buf, momentum)
            else:
                g = buf
        np.subtract(p, lr * g, out=p)
