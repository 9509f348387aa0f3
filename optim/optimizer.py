"""The optimiser base class: parameter groups, per-parameter state, ``zero_grad`` and ``step``.

An optimiser reads each parameter's gradient ``p.grad.data`` and changes ``p.data`` *in
place* (the array object is never replaced and keeps its dtype), then bumps ``p``'s version
counter so that a graph which saved the old value refuses to backward through it.

Subclasses set their hyper-parameters in ``defaults`` and write one method,
``_update(p, g, state, group)``: the update of one parameter array ``p`` from its gradient
``g`` (already negated when ``maximize=True``), with ``state`` that parameter's dict in
``self.state`` and ``group`` its parameter group. ``_update`` must never write into ``g``
(it may be ``p.grad``'s own array).
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any

import numpy as np

from autograd_core import Tensor, enable_grad

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a hyper-parameter without a default: every parameter group must give it."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj: Any) -> str:
    cls = type(obj)
    return cls.__qualname__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


class Optimizer:
    """Base class of all optimisers (PyTorch's ``torch.optim.Optimizer``).

    Args:
        params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts (parameter
            groups: ``{"params": [...], "lr": 0.1, ...}``, options missing from a group are
            taken from ``defaults``).
        defaults: the default value of each hyper-parameter.

    Attributes:
        param_groups: list of dicts, each with ``"params"`` (a list of Tensors) and its
            hyper-parameters; schedulers change ``group["lr"]`` here.
        state: per-parameter dict (``state[p]["exp_avg"]`` ...), created on the first step.
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {_typename(params)}"
            )
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        groups = list(params)
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- parameter groups ---------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (e.g. to unfreeze layers later)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        params = [p[1] if isinstance(p, tuple) else p for p in params]
        group = param_group  # kept (not copied), as in PyTorch: it becomes the live group
        group["params"] = params
        if names:
            if len(names) != len(params):
                raise ValueError(
                    "all optimizer params should be with/without names. Some param names are "
                    "missing"
                )
            group["param_names"] = names

        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(
                    f"optimizer can only optimize Tensors, but one of the params is {_typename(p)}"
                )
            if not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(
                    "parameter group didn't specify a value of required optimization "
                    f"parameter {name}"
                )
            group.setdefault(name, default)

        if len(params) != len(set(params)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, "
                "this will cause an error; see github.com/pytorch/pytorch/issues/40967 for more "
                "information",
                stacklevel=3,
            )
        seen: set[Tensor] = set()
        for g in self.param_groups:
            seen.update(g["params"])
            if ("param_names" in g) != ("param_names" in group):
                which = "with names" if "param_names" in group else "without names"
                raise ValueError(
                    "all optimizer param groups should be with/without names. "
                    f"cannot add param group {which} to the optimizer"
                )
        if not seen.isdisjoint(params):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # -- the training-loop calls -------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: ``p.grad = None`` (default), or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif p.grad.grad_fn is None and p.grad.data.flags.writeable:
                    p.grad.data[...] = 0
                    p.grad._bump()
                else:  # a gradient that is part of a graph (create_graph=True): leave it be
                    p.grad = Tensor(np.zeros_like(p.grad.data))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; parameters whose ``.grad`` is None are
        skipped. ``closure`` (optional) re-evaluates the model, calls ``backward`` and returns
        the loss; it runs with gradients enabled before the update, and its loss is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._step_group(group)
        return loss

    def _step_group(self, group: dict) -> None:
        """Update the parameters of ``group`` that have a gradient, one ``_update`` each."""
        states = self.state
        maximize = group.get("maximize", False)
        for p in group["params"]:
            if p.grad is None:
                continue
            g = p.grad.data
            if maximize:  # gradient ascent: follow +grad
                g = -g
            state = states.get(p) or {}
            self._update(p.data, g, state, group)
            p._bump()
            if state:
                states[p] = state
            else:  # e.g. SGD without momentum keeps none, as in PyTorch
                states.pop(p, None)

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        """Change the array ``p`` in place, using its gradient ``g`` (do not modify ``g``)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement _update()")

    # -- saving and loading ------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimiser's state, in PyTorch's layout::

            {"state": {0: {"step": 3, "exp_avg": Tensor, ...}, 1: {...}},
             "param_groups": [{"lr": 0.01, ..., "params": [0, 1]}, ...]}

        Parameters are replaced by their index (counted across groups in order); state
        arrays are copied into Tensors, so later steps do not change a saved dict.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {
            index[id(p)]: {
                k: Tensor(v) if isinstance(v, np.ndarray) else copy.deepcopy(v)
                for k, v in s.items()
            }
            for p, s in self.state.items()
        }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state and hyper-parameters (``lr`` included) from :meth:`state_dict`.

        The dict must come from an optimiser with the same layout: as many groups, as many
        parameters in each, and state arrays of the parameters' shapes; otherwise a
        ``ValueError`` is raised and nothing changes. Arrays are copied and cast to the
        parameter's dtype; PyTorch's own state dicts (torch tensors) load too.
        """
        groups = self.param_groups
        saved_groups = state_dict["param_groups"]
        if len(groups) != len(saved_groups):
            raise ValueError(
                "loaded state dict has a different number of parameter groups "
                f"({len(saved_groups)}) than the optimizer ({len(groups)})"
            )
        for i, (g, sg) in enumerate(zip(groups, saved_groups, strict=True)):
            if len(g["params"]) != len(sg["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group: group {i} has {len(sg['params'])} parameters in the "
                    f"state dict and {len(g['params'])} in the optimizer"
                )
        saved_ids = chain.from_iterable(sg["params"] for sg in saved_groups)
        params = chain.from_iterable(g["params"] for g in groups)
        id_map = dict(zip(saved_ids, params, strict=True))

        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for k, saved in state_dict["state"].items():
            if k not in id_map:
                raise ValueError(
                    f"loaded state dict has state for parameter {k!r}, which is in none of its "
                    "param_groups"
                )
            p = id_map[k]
            state[p] = {key: _load_value(p, k, key, v) for key, v in saved.items()}

        new_groups = []
        for g, sg in zip(groups, saved_groups, strict=True):
            ng = copy.deepcopy({k: v for k, v in sg.items() if k != "params"})
            ng["params"] = g["params"]
            if "param_names" in g and "param_names" not in ng:
                ng["param_names"] = g["param_names"]
            for name, default in self.defaults.items():
                ng.setdefault(name, default)
            new_groups.append(ng)
        self.state = state
        self.param_groups = new_groups

    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines) + "\n)"


def _plus_scaled(g: np.ndarray, x: np.ndarray, a: float) -> np.ndarray:
    """g + a·x as a new array (``g`` is often ``p.grad``'s own array: never modify it).
    With x = p and a = λ this is the gradient of the L2 penalty λ/2·‖p‖² added to g."""
    out = np.multiply(x, a)
    out += g
    return out


def _load_value(p: Tensor, index: Any, key: str, value: Any) -> Any:
    """One saved state entry, made ready for parameter ``p``: arrays copied (and checked
    against ``p``'s shape), the step counter made a Python int."""
    if isinstance(value, Tensor):
        value = value.data
    if not hasattr(value, "__array__") or isinstance(value, (list, tuple)):
        return copy.deepcopy(value)  # plain numbers and other Python objects
    arr = np.asarray(value)  # a numpy array, numpy scalar or torch tensor
    if key == "step":
        return int(arr.item()) if float(arr.item()).is_integer() else float(arr.item())
    if arr.ndim and arr.shape != p.shape:
        raise ValueError(
            f"loaded state dict has {key!r} of shape {tuple(arr.shape)} for parameter {index}, "
            f"but that parameter has shape {tuple(p.shape)}"
        )
    dtype = p.data.dtype if arr.dtype.kind == "f" and p.data.dtype.kind == "f" else arr.dtype
    return np.array(arr, dtype=dtype, copy=True)
