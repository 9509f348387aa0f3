"""The backward pass: walk the graph from the output to the leaves, applying the chain rule.

1. The output's gradient is seeded (1 for a scalar).
2. Nodes are visited newest first (each node has a creation number, ``seq``; a value is always
   created before the ops that use it). So when a node runs, every consumer of its output has
   already added its share: the node's gradient is the sum over its consumers (``+=`` where a
   value feeds several ops). It runs its backward rule and passes one gradient to each input.
   A gradient whose shape differs from the input's was broadcast in forward and is summed back
   (``sum_to``). A loop over a heap, no recursion: a 100,000-op chain is fine.
3. Leaves that require grad add what reaches them to ``.grad``.

Graph edges: a node's ``next_edges[i]`` is the node that produced input i, or the leaf
Tensor itself, or None when input i needs no gradient.
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from ._generic import sum_to
from .function import KEEP_SIZE, Function, GraphCtx
from .grad_mode import INPLACE, STATE
from .tensor import Tensor


def topological_order(starts: Sequence[Any]) -> list:
    """Nodes and leaf tensors reachable from ``starts``, consumers before producers."""
    order: list = []
    seen: set = set()
    stack = [(e, False) for e in reversed(starts)]
    while stack:
        e, expanded = stack.pop()
        if expanded:
            order.append(e)
            continue
        if id(e) in seen:
            continue
        seen.add(id(e))
        stack.append((e, True))
        if isinstance(e, Function):
            for n in e.next_edges:
                if n is not None and id(n) not in seen:
                    stack.append((n, False))
    order.reverse()
    return order


def _seed(root: Tensor, gradient: Any, create_graph: bool) -> Any:
    """dL/d(root): ones for a one-element root, else the ``gradient`` given (same shape)."""
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs: backward() was called "
                f"on a tensor of shape {root.shape}; pass gradient= (dL/d(output), same shape) "
                f"or reduce it first, e.g. out.sum().backward()"
            )
        d = root.data
        g = np.array(1, d.dtype) if d.ndim == 0 else np.ones_like(d)  # (the first: 4x faster)
    else:
        g = gradient.data if isinstance(gradient, Tensor) else np.asarray(gradient)
        if g.shape != root.shape:
            raise RuntimeError(
                f"backward(): gradient has shape {g.shape} but the output has shape "
                f"{root.shape}; they must match"
            )
        if create_graph and isinstance(gradient, Tensor):
            return gradient
        g = g.astype(root.dtype, copy=True)
    return Tensor._make(g, False, None) if create_graph else g


def _run_hooks(hooks: list, g: Any, tensor_mode: bool) -> Any:
    gt = g if tensor_mode else Tensor._make(g, False, None)
    for hook in list(hooks):
        new = hook(gt)
        if new is not None:
            gt = new if isinstance(new, Tensor) else Tensor._make(np.asarray(new), False, None)
    return gt if tensor_mode else gt.data


def run_backward(
    roots: Sequence[Tensor],
    seeds: Sequence[Any],
    retain_graph: bool,
    create_graph: bool,
    capture: dict | None = None,
) -> None:
    """The engine. Gradients reach leaves' ``.grad``, or, when ``capture`` maps ids of nodes /
    leaves to None, are stored there instead (``autograd_core.grad``).

    Nodes wait in a heap keyed by their creation number: a node is created after the nodes
    of its inputs, so taking the newest first means every consumer of a value has added its
    share to that value's gradient before the value's own node runs.
    """
    grads: dict = {}  # id(node or leaf) -> the gradient summed so far
    heap: list = []
    leaves: list = []
    shared: set = set()  # ids of gradient arrays handed to more than one place
    # Sums the engine made itself and nobody else holds: a further share is added into them
    # in place (a weight used at every time step of an RNN gets one array, not one per step).
    # Off when a recorder keeps the partial sums, and under create_graph (Tensors).
    owned: dict | None = {} if not create_graph and STATE.recorder is None else None
    for root, g in zip(roots, seeds):
        _send(root.grad_fn if root.grad_fn is not None else root, g, grads, heap, leaves)
    anomaly, recorder, keep_all = STATE.anomaly, STATE.recorder, STATE.record
    step = 0
    # A chain needs no heap: when a node's input node gets its first gradient share while
    # nothing else waits in the heap, no other consumer of that input can still be pending
    # (every node with a share in ``grads`` is in the heap), so it runs next, its gradient
    # carried in ``nxt_g`` rather than stored in ``grads``.
    nxt = nxt_g = None
    prev_mode = STATE.enabled  # the rules' own ops are recorded only under create_graph
    STATE.enabled = create_graph  # (set directly: a no_grad() block costs about 1 µs)
    try:
        while True:
            if nxt is not None:
                e, g, nxt = nxt, nxt_g, None
            elif heap:
                e = heappop(heap)[1]
                g = grads.pop(id(e))
                if owned:
                    owned.pop(id(g), None)
            else:
                break
            e._last_step = step
            step += 1
            gd = g.data if create_graph else g  # (no Tensor kept: it would make a cycle)
            if keep_all or gd.size <= KEEP_SIZE:
                e._last_gout = gd
            if e._pre_hooks:
                g = _run_hooks(e._pre_hooks, g, create_graph)
            if e._retain is not None:
                t = e._retain()
                if t is not None:
                    t.grad = g if create_graph else Tensor._make(_own(g, shared), False, None)
            if capture is not None and id(e) in capture:
                capture[id(e)] = g
            if e._saved is None or (e._saved_src is not None and e.seq < INPLACE[0]):
                e._check_versions()
            if create_graph:
                if not e.double_backward:
                    raise RuntimeError(
                        f"{e.name} does not support create_graph=True (double backward): "
                        f"its backward rule is not differentiable in this library"
                    )
                in_grads = e.backward(GraphCtx(e), g)
            else:
                in_grads = e.backward(e, g)
            if type(in_grads) is tuple:
                pairs = zip(e.next_edges, in_grads, e.in_shapes)
            else:  # one gradient (most ops): no zip
                in_grads = (in_grads,)
                pairs = ((e.next_edges[0], in_grads[0], e.in_shapes[0]),)
            if anomaly:
                from .anomaly import check_backward

                check_backward(e, in_grads)
            if recorder is not None:
                recorder.visit(e, g, in_grads, grads)
            for edge, ig, shape in pairs:
                if edge is None or ig is None:
                    continue
                if ig.shape != shape:
                    ig = sum_to(ig, shape)
                if ig is g:
                    shared.add(id(ig))
                if edge is nxt:  # a second share for the node that runs next (x * x)
                    nxt_g = nxt_g + ig
                    continue
                is_node = isinstance(edge, Function)
                if is_node and nxt is None and not heap:
                    nxt, nxt_g = edge, ig
                    continue
                k = id(edge)
                prev = grads.get(k)
                if prev is None:
                    grads[k] = ig
                    if is_node:
                        heappush(heap, (-edge.seq, edge))
                    else:
                        leaves.append(edge)
                else:
                    if owned is None:
                        grads[k] = prev + ig
                    elif owned.get(id(prev)) is prev and ig.dtype == prev.dtype:
                        np.add(prev, ig, out=prev)
                    else:
                        grads[k] = s = prev + ig
                        if type(s) is np.ndarray:  # (0-d results may be numpy scalars)
                            owned[id(s)] = s
            if nxt is not None and heap:  # other nodes wait after all: back to the heap
                grads[id(nxt)] = nxt_g
                heappush(heap, (-nxt.seq, nxt))
                nxt = None
            if not retain_graph:
                if e._saved:
                    e._release()
                elif e.__dict__:  # arrays an op kept on ctx (masks, indices) go too
                    for v in e.__dict__.values():
                        if type(v) is np.ndarray:
                            e._release()
                            break
        for leaf in leaves:
            g = grads.pop(id(leaf))
            if recorder is not None:
                recorder.visit_leaf(leaf, g)
            _reach_leaf(leaf, g, create_graph, capture, shared)
    finally:
        STATE.enabled = prev_mode


def _send(e: Any, g: Any, grads: dict, heap: list, leaves: list) -> None:
    """Add ``g`` to the gradient waiting at node or leaf ``e``."""
    k = id(e)
    if k in grads:
        grads[k] = grads[k] + g
        return
    grads[k] = g
    if isinstance(e, Function):
        heappush(heap, (-e.seq, e))
    else:
        leaves.append(e)


def _own(g: np.ndarray, shared: set) -> np.ndarray:
    """``g`` itself if nothing else holds it, else a copy (so ``p.grad.mul_()`` is safe)."""
    if id(g) in shared or g.base is not None or not g.flags.writeable:
        return g.copy()
    shared.add(id(g))
    return g


def _reach_leaf(
    leaf: Tensor, g: Any, create_graph: bool, capture: dict | None, shared: set
) -> None:
    if leaf._hooks:
        g = _run_hooks(leaf._hooks, g, create_graph)
    if capture is not None:
        if id(leaf) in capture:
            capture[id(leaf)] = g
        return
    if create_graph:
        leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    dtype = leaf.data.dtype
    if g.dtype is not dtype and g.dtype != dtype:
        g = g.astype(dtype)
    if leaf.grad is None:
        leaf.grad = Tensor._make(_own(g, shared), False, None)
    else:
        acc = leaf.grad.data
        if acc.shape == g.shape and acc.flags.writeable:
            np.add(acc, g, out=acc)
        else:
            leaf.grad = Tensor._make(acc + g, False, None)


def backward(
    root: Tensor, gradient: Any = None, retain_graph: bool | None = None, create_graph: bool = False
) -> None:
    """``root.backward()``: add d(root)/d(leaf) to ``.grad`` of every leaf that requires grad."""
    if not root.requires_grad:
        raise RuntimeError(
            "element 0 of tensors does not require grad and does not have a grad_fn: nothing "
            "to differentiate (did you create the inputs with requires_grad=True, and compute "
            "outside no_grad()?)"
        )
    if retain_graph is None:
        retain_graph = create_graph
    run_backward([root], [_seed(root, gradient, create_graph)], retain_graph, create_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple:
    """d(outputs)/d(inputs) as a tuple of Tensors, like ``torch.autograd.grad``; ``.grad``
    attributes are left alone. With ``create_graph=True`` the results are differentiable."""
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor | np.ndarray):
        gos = [grad_outputs] * len(outs) if len(outs) == 1 or grad_outputs is None else None
        if gos is None:
            raise ValueError("grad(): give one grad_outputs entry per output")
    else:
        gos = list(grad_outputs)
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(f"grad(): input {i} (shape {t.shape}) does not require grad")
    for o in outs:
        if not o.requires_grad:
            raise RuntimeError(
                f"grad(): an output (shape {o.shape}) does not require grad and has no "
                f"grad_fn: it does not depend on any input that requires grad"
            )
    if retain_graph is None:
        retain_graph = create_graph
    keys = [id(t.grad_fn) if t.grad_fn is not None else id(t) for t in ins]
    capture: dict = {k: None for k in keys}
    seeds = [_seed(o, go, create_graph) for o, go in zip(outs, gos)]
    run_backward(outs, seeds, retain_graph, create_graph, capture)
    result = []
    for i, (t, k) in enumerate(zip(ins, keys)):
        g = capture[k]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad(): input {i} (shape {t.shape}) was not used to compute the outputs; "
                    f"pass allow_unused=True to get None for it"
                )
            result.append(None)
        elif isinstance(g, Tensor):
            result.append(g)
        else:
            result.append(Tensor._make(g.astype(t.dtype, copy=False), False, None))
    return tuple(result)
