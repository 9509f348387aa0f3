"""The library's progress-bar switch: training loops wrap their batches in ``progress(...)``.

Bars are tqdm's when tqdm is installed and the switch is on. It is on by default, and off when
the environment has ``AUTOGRAD_CORE_PROGRESS=0`` or ``CI`` set (so notebooks executed in CI
print no bars); ``set_progress(False)`` turns it off in code.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

_ENABLED = [os.environ.get("AUTOGRAD_CORE_PROGRESS", "1") != "0" and not os.environ.get("CI")]


def set_progress(enabled: bool) -> None:
    """Turn progress bars on or off for the whole library."""
    _ENABLED[0] = bool(enabled)


def progress_enabled() -> bool:
    return _ENABLED[0]


def progress(iterable: Iterable, **kwargs: Any) -> Iterable:
    """``tqdm(iterable, **kwargs)`` when bars are on (and tqdm is installed), else ``iterable``."""
    if not _ENABLED[0]:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable
    return tqdm(iterable, **kwargs)
