"""Collapse by module: which sub-module each op of the graph belongs to.

The graph records ops, not module calls, so ops are assigned by the parameters they use (the
rule is in :func:`module_groups`). A LeNet training step then draws as one box per layer
with parameters (convolutions, linear layers), with the parameter-free ops between them (ReLU,
pooling, flatten) drawn as single ops.
"""

from __future__ import annotations

from ..function import Function
from ..tensor import Tensor

__all__ = ["module_groups", "owner"]


def owner(param_name: str, depth: int) -> str:
    """The module a parameter belongs to, cut to ``depth`` levels (``a.b.w`` -> ``a`` at 1)."""
    return ".".join(param_name.split(".")[:-1][:depth])


def module_groups(nodes: list, consumers: dict, params: dict, depth: int) -> dict:
    """Assign op nodes to sub-modules, for ``collapse=depth``; returns id(node) -> module name.

    The rule (by parameter ownership, since the graph does not record module calls):

    1. a parameter named ``a.b.c.weight`` belongs to module ``a.b.c``, cut to ``depth``
       levels (``a`` at depth 1, ``a.b`` at depth 2);
    2. an op that takes a parameter directly belongs to that parameter's module;
    3. an op that lies on a path between two ops of the same module (downstream of one and
       upstream of another) belongs to it too.

    Other ops stay drawn one by one (a ReLU module has no parameter to own it).
    ``params`` maps id(parameter) -> dotted name; ``consumers`` id(node) -> [(consumer, i)].
    """
    group: dict = {}
    members: dict = {}
    for n in nodes:
        for e in n.next_edges:
            if isinstance(e, Tensor) and id(e) in params:
                g = group[id(n)] = owner(params[id(e)], depth)
                members.setdefault(g, []).append(n)
                break
    for g, seeds in members.items():
        if len(seeds) < 2:
            continue
        up, stack = set(), list(seeds)
        while stack:  # everything upstream of the module's ops
            for e in stack.pop().next_edges:
                if isinstance(e, Function) and id(e) not in up:
                    up.add(id(e))
                    stack.append(e)
        down, stack = set(), list(seeds)
        while stack:  # downstream of one of them and upstream of another: in between
            for u, _ in consumers.get(id(stack.pop()), ()):
                if id(u) not in down and id(u) in up:
                    down.add(id(u))
                    stack.append(u)
                    group.setdefault(id(u), g)
    return group
