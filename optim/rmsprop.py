"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .adam import _lerp_
from .optimizer import Optimizer, _plus_scaled

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (PyTorch's ``torch.optim.RMSprop``).

    For each parameter θ with gradient g::

        g ← g + λ·θ                                   (weight_decay λ ≠ 0)
        v ← α·v + (1 − α)·g²                          (running mean square)
        ḡ ← α·ḡ + (1 − α)·g,  d ← √(v − ḡ²) + ε       (centered: an estimate of the variance)
        d ← √v + ε                                    (otherwise)
        b ← μ·b + g/d,  θ ← θ − lr·b                  (momentum μ > 0)
        θ ← θ − lr·g/d                                (otherwise)
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        momentum = float(group["momentum"])
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(p)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(p)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(p)
        state["step"] += 1

        if weight_decay != 0:
            g = _plus_scaled(g, p, weight_decay)  # L2: g + λ·p
        v = state["square_avg"]
        tmp = np.empty_like(p)  # one scratch array, reused below, saves allocations
        np.multiply(g, 1 - alpha, out=tmp)  # v ← α·v + (1 − α)·g²
        tmp *= g
        v *= alpha
        v += tmp
        if group["centered"]:
            g_avg = state["grad_avg"]
            _lerp_(g_avg, g, 1 - alpha, tmp)  # ḡ ← α·ḡ + (1 − α)·g
            denom = g_avg * g_avg
            np.subtract(v, denom, out=denom)
            np.sqrt(denom, out=denom)
        else:
            denom = np.sqrt(v)
        denom += eps

        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += np.divide(g, denom, out=tmp)
            np.multiply(buf, lr, out=tmp)
        else:
            np.multiply(g, lr, out=tmp)
            tmp /= denom
        p -= tmp
