"""The library's random number generator: factories, dropout and ``nn`` initialisation all
draw from it, so ``autograd_core.manual_seed(s)`` makes a whole run repeatable."""

from __future__ import annotations

import numpy as np

_GEN = [np.random.default_rng()]


def manual_seed(seed: int) -> np.random.Generator:
    """Seed the generator behind ``rand``, ``randn``, dropout and layer initialisation."""
    _GEN[0] = np.random.default_rng(int(seed))
    return _GEN[0]


seed = manual_seed


def generator() -> np.random.Generator:
    """The current numpy Generator."""
    return _GEN[0]


def get_rng_state() -> dict:
    """The generator's state (a dict of numbers), to save and restore a run."""
    return _GEN[0].bit_generator.state


def set_rng_state(state: dict) -> None:
    g = np.random.default_rng()
    g.bit_generator.state = state
    _GEN[0] = g
