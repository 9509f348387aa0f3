"""Gradient mode: whether new operations are recorded in the graph.

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` work as context managers and as
decorators, and, like PyTorch's, the mode is per thread.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State(threading.local):
    """Per-thread flags read by every op: plain attributes (read on the hot path).

    ``plain``, kept up to date on every write, is True when ops record as usual (grad mode on,
    no anomaly mode, no recording for the drawings): the one flag an op reads.
    """

    def __init__(self) -> None:  # (run again in each new thread, on its first use)
        self.__dict__.update(
            enabled=True,
            anomaly=False,
            record=False,  # keep every value and gradient for the drawings (viz.record())
            recorder=None,  # an object whose visit(...) sees every backward step (viz)
            plain=True,
        )

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__  # this thread's: written directly (5x faster than super().__setattr__)
        d[name] = value
        d["plain"] = d["enabled"] and not d["anomaly"] and not d["record"]


STATE = _State()

#: Creation numbers of graph nodes: backward visits the newest node first.
SEQ = itertools.count()
#: ``INPLACE[0]`` is the creation number current at the latest in-place change of any tensor.
#: A node created after it cannot have seen a saved tensor change, so backward skips its
#: version check (the common case: a training step's graph is built after optimiser.step()).
INPLACE = [-1]


def is_grad_enabled() -> bool:
    """True when operations on tensors that require grad are being recorded."""
    return STATE.enabled


class _GradMode:
    """Base of the three grad-mode switches: a context manager that is also a decorator."""

    _mode: bool

    def __enter__(self) -> None:
        self._prev = STATE.enabled
        STATE.enabled = self._mode

    def __exit__(self, *exc: object) -> None:
        STATE.enabled = self._prev

    def __call__(self, fn: F) -> F:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):
    """Do not record operations: results have ``requires_grad=False`` and no ``grad_fn``.

    >>> with no_grad():
    ...     w -= lr * w.grad      # an update that is not part of the graph
    """

    _mode = False


class enable_grad(_GradMode):
    """Record operations again, inside a ``no_grad`` block."""

    _mode = True


class set_grad_enabled(_GradMode):
    """Switch recording on or off: ``set_grad_enabled(False)`` is ``no_grad()``.

    Like PyTorch's, calling it as a plain function also sets the mode at once.
    """

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        self._prev = STATE.enabled
        STATE.enabled = self._mode

    def __enter__(self) -> None:
        pass  # the mode was already set by __init__; __exit__ restores the previous one
