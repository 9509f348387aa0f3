"""Adam and AdamW: moment estimates of the gradient with bias correction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, _plus_scaled

__all__ = ["Adam", "AdamW"]


def _lerp_(x: np.ndarray, end: np.ndarray, w: float, tmp: np.ndarray) -> None:
    """x ← x + w·(end − x) in place (``tmp``: scratch of x's shape), computed the way
    PyTorch's ``lerp_`` does (the form depends on whether w < 0.5) so that trajectories agree
    to the last bit or two."""
    np.subtract(end, x, out=tmp)
    if abs(w) < 0.5:
        tmp *= w
        x += tmp
    else:
        tmp *= 1 - w
        np.subtract(end, tmp, out=x)


class Adam(Optimizer):
    r"""Adam (PyTorch's ``torch.optim.Adam``).

    For each parameter θ with gradient g, at step t = 1, 2, ...::

        g ← g + λ·θ                       (weight_decay λ ≠ 0, L2 penalty, added to g)
        θ ← θ·(1 − lr·λ)                  (instead, when decoupled_weight_decay: AdamW)
        m ← β₁·m + (1 − β₁)·g             (first moment)
        v ← β₂·v + (1 − β₂)·g²            (second moment)
        v̂ ← max(v̂, v) if amsgrad else v
        θ ← θ − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)

    The bias corrections 1 − βᵗ undo the zero start of m and v; ε is added *after* the
    square root has been bias-corrected, as in PyTorch.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "betas": (float(betas[0]), float(betas[1])),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        lr = float(group["lr"])
        beta1, beta2 = (float(b) for b in group["betas"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(p)
            state["exp_avg_sq"] = np.zeros_like(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = np.zeros_like(p)
        state["step"] += 1
        t = state["step"]

        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                p *= 1 - lr * weight_decay
            else:
                g = _plus_scaled(g, p, weight_decay)  # L2: g + λ·p
        m, v = state["exp_avg"], state["exp_avg_sq"]
        tmp = np.empty_like(p)  # one scratch array, reused below, saves allocations
        _lerp_(m, g, 1 - beta1, tmp)  # m ← β₁·m + (1 − β₁)·g
        np.multiply(g, 1 - beta2, out=tmp)  # v ← β₂·v + (1 − β₂)·g²
        tmp *= g
        v *= beta2
        v += tmp
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])

        step_size = lr / (1 - beta1**t)
        denom = np.sqrt(v)
        denom /= (1 - beta2**t) ** 0.5
        denom += eps
        np.multiply(m, step_size, out=tmp)  # θ ← θ − step_size·m / denom
        tmp /= denom
        p -= tmp


class AdamW(Adam):
    r"""Adam with decoupled weight decay (PyTorch's ``torch.optim.AdamW``).

    The decay shrinks the parameters directly, θ ← θ·(1 − lr·λ), before the Adam update,
    instead of adding λ·θ to the gradient (where Adam's scaling would weaken it). Default
    ``weight_decay=1e-2``.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:  # AdamW always decouples, whatever was saved
            group["decoupled_weight_decay"] = True
