"""The lectures' reference networks, built from ``nn`` layers: an MLP and LeNet-5."""

from __future__ import annotations

from collections.abc import Sequence

from .layers import (
    ELU,
    GELU,
    Conv2d,
    Dropout,
    Flatten,
    LeakyReLU,
    Linear,
    MaxPool2d,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from .module import Module

ACTIVATIONS = {
    "relu": ReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "leaky_relu": LeakyReLU,
    "elu": ELU,
    "gelu": GELU,
}


def _activation(name: str) -> Module:
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}"
        ) from None


def mlp(
    in_features: int = 784,
    hidden: Sequence[int] = (16, 16),
    num_classes: int = 10,
    activation: str = "relu",
    dropout: float = 0.0,
) -> Sequential:
    """``Flatten`` then ``Linear -> activation [-> Dropout]`` per hidden size, then a ``Linear``
    to ``num_classes`` logits. The default is the lectures' 784-16-16-10 network (13,002
    parameters)."""
    layers: list[Module] = [Flatten()]
    width = in_features
    for h in hidden:
        layers += [Linear(width, h), _activation(activation)]
        if dropout > 0:
            layers.append(Dropout(dropout))
        width = h
    layers.append(Linear(width, num_classes))
    return Sequential(*layers)


def lenet5(
    in_channels: int = 1, num_classes: int = 10, activation: str = "relu", dropout: float = 0.0
) -> Sequential:
    """LeNet-5 for 28x28 images: conv 1->6 5x5 (padding 2), activation, max-pool 2, conv 6->16
    5x5, activation, max-pool 2, then 400 -> 120 -> 84 -> ``num_classes``."""
    head: list[Module] = [Flatten(), Linear(16 * 5 * 5, 120), _activation(activation)]
    if dropout > 0:
        head.append(Dropout(dropout))
    head += [Linear(120, 84), _activation(activation)]
    if dropout > 0:
        head.append(Dropout(dropout))
    head.append(Linear(84, num_classes))
    return Sequential(
        Conv2d(in_channels, 6, 5, padding=2),
        _activation(activation),
        MaxPool2d(2),
        Conv2d(6, 16, 5),
        _activation(activation),
        MaxPool2d(2),
        *head,
    )
