"""``Function``: one differentiable operation, and one node of the backward graph.

Every op is a subclass with two static methods side by side::

    class Mul(Function):
        '''z = a * b.   dz/da = b,   dz/db = a'''

        @staticmethod
        def forward(ctx, a, b):          # numpy arrays in, a numpy array out
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):            # g = dL/dz; return dL/da, dL/db
            a, b = ctx.saved_tensors
            return g * b, g * a

``Mul.apply(x, y)`` runs ``forward`` on the tensors' arrays and, when gradients are wanted,
keeps the instance (``ctx``) as the ``grad_fn`` of the result: it remembers which node or leaf
produced each input (``next_edges``), their shapes, and what ``forward`` saved.

Backward rules are written with operators and with :mod:`autograd_core._generic` functions
that work on numpy arrays *and* on Tensors. The engine runs them on arrays (fast), or, with
``create_graph=True``, on Tensors, so the backward pass itself is recorded and can be
differentiated again. For that, anything differentiable a rule needs must go through
``save_for_backward`` (the engine then hands back the graph-connected tensor);
plain attributes on ``ctx`` are for shapes, masks and indices only.

The engine reduces each returned gradient to its input's shape (undoing broadcasting) in one
place, so rules may return gradients of the broadcast shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .grad_mode import SEQ, STATE

_F64 = np.dtype(np.float64)
#: Outputs and gradients up to this many elements stay on the node for the graph drawings
#: (inside ``autograd_core.viz.record()`` all of them do).
KEEP_SIZE = 1024
_new = object.__new__


class Function:
    """Base of every op. Subclasses define ``forward(ctx, *arrays, **params)`` and
    ``backward(ctx, grad)``; call them through ``Op.apply(*tensors, **params)``."""

    # The engine's bookkeeping lives in slots (set by ``apply``); what an op's forward stores
    # on ``ctx`` (shapes, masks, constants) goes in the instance ``__dict__``, or in slots the
    # op declares (no dict made per node; the engine frees only arrays in the ``__dict__``).
    __slots__ = (
        "next_edges",  # per input: the node that produced it, the leaf Tensor, or None
        "in_shapes",  # per input: its shape (the engine sums gradients back to it)
        "seq",  # creation order: backward visits nodes from the newest to the oldest
        "_saved",  # what forward saved for backward
        "_out",  # the output array, kept when small (or recording) for the graph drawings
        "_last_gout",  # dL/d(output) seen by the last backward, likewise (unset before)
        "_last_step",  # the step at which the last backward visited this node (0 = first)
        "__dict__",
        "__weakref__",
    )
    # Rarely set: class-level defaults, so that building a node does not have to write them.
    _saved_src: tuple | None = None  # per saved array: (input index or -1, counter, version)
    _pre_hooks: list | None = None  # hooks on the gradient of this node's output
    _retain: Any = None  # weak reference to the output tensor that called retain_grad()
    _trace: Any = None  # where the user's code created the node (anomaly mode)

    #: False for ops whose backward is not itself differentiable (conv, pooling).
    double_backward = True
    #: Results are float32 unless an input is float64 (int / int gives float32, as PyTorch);
    #: True for the ops that may make float64 on purpose (a cast).
    keeps_float64 = False

    @property
    def _gout(self) -> Any:
        """dL/d(output) seen by the last backward (None before one, or when too large)."""
        return getattr(self, "_last_gout", None)

    @property
    def _step(self) -> int | None:
        """The 0-based step at which the last backward visited this node (None before one)."""
        return getattr(self, "_last_step", None)

    # -- the two methods every op defines -------------------------------------------------
    @staticmethod
    def forward(ctx: Function, *args: Any, **params: Any) -> np.ndarray:
        raise NotImplementedError

    @staticmethod
    def backward(ctx: Function, grad: Any) -> Any:
        raise NotImplementedError

    # -- what forward uses -------------------------------------------------------------------
    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays (inputs, the output, or constants) for ``backward``."""
        self._saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is None:
            raise RuntimeError(_freed_message(self))
        return saved

    @property
    def needs_input_grad(self) -> tuple:
        """For each input, whether a gradient must be computed for it (skip the others)."""
        return tuple([e is not None for e in self.next_edges])

    @property
    def name(self) -> str:
        """The op's name as the graph drawing and error messages show it (``MulBackward``)."""
        return type(self).__name__ + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name}>"

    # -- building the graph -----------------------------------------------------------------
    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run the op on Tensors and, if any input requires grad, record it in the graph.

        As in PyTorch, a positional argument that is not a Tensor (``MulScalar.apply(x, 2.0)``)
        reaches ``forward`` as it is and gets no gradient.
        """
        ctx = _new(cls)
        ctx._saved = ()
        n = len(inputs)
        # One and two inputs are spelled out: this is the per-op path every step takes.
        if n == 1:
            x = inputs[0]
            raw = cls.forward(ctx, x.data, **params) if params else cls.forward(ctx, x.data)
            needs = x.requires_grad
        elif n == 2:
            x, y = inputs
            if isinstance(y, Tensor):
                raw = cls.forward(ctx, x.data, y.data, **params)
                needs = x.requires_grad or y.requires_grad
            else:  # a constant (x * 2.0): the node has one input, x
                a = x.data
                raw = cls.forward(ctx, a, y, **params) if params else cls.forward(ctx, a, y)
                needs = x.requires_grad
                n = 1
        else:  # one pass over the inputs: arrays, edges, shapes
            arrays, edges, shapes = [], [], []
            needs = False
            for t in inputs:
                if not isinstance(t, Tensor):
                    arrays.append(t)
                    shapes.append(None)
                    edges.append(None)
                    continue
                a, fn = t.data, t.grad_fn
                arrays.append(a)
                shapes.append(a.shape)
                if fn is None and not t.requires_grad:
                    edges.append(None)
                else:
                    edges.append(t if fn is None else fn)
                    needs = True
            raw = cls.forward(ctx, *arrays, **params)
        out = raw if type(raw) is np.ndarray else np.asarray(raw)
        if out.dtype is _F64 and not cls.keeps_float64 and not _any_f64(inputs):
            out = out.astype(np.float32)
        watch = not STATE.plain  # grad mode off, anomaly mode or recording: look closer
        if not needs or watch and not STATE.enabled:
            result = _tensor(out, False, None)
            if watch and STATE.anomaly:
                _anomaly_check_forward(ctx, inputs, result)
            return result
        if n == 1:
            fn = x.grad_fn
            ctx.next_edges = (x if fn is None else fn,)
            ctx.in_shapes = (x.data.shape,)
        elif n == 2:
            fx, fy = x.grad_fn, y.grad_fn
            ctx.next_edges = (
                fx if fx is not None else (x if x.requires_grad else None),
                fy if fy is not None else (y if y.requires_grad else None),
            )
            ctx.in_shapes = (x.data.shape, y.data.shape)
        else:
            ctx.next_edges = tuple(edges)
            ctx.in_shapes = tuple(shapes)
        ctx.seq = next(SEQ)
        ctx._out = out if out.size <= KEEP_SIZE else None
        result = _tensor(out, True, ctx)
        if ctx._saved:
            ctx._bind_saved(inputs, raw, result)
        if watch:
            if STATE.record:
                ctx._out = out
            if STATE.anomaly:
                _anomaly_check_forward(ctx, inputs, result)
        return result

    @classmethod
    def _apply_constant(cls, x: Tensor, c: Any) -> Any:
        """``cls.apply(x, c)`` for a Tensor x and a Python number c (``x * 2.0`` and the
        like): the same result and node, with none of apply's argument handling (a quarter
        of the cost of a scalar op on a small tensor). Anomaly mode, recording for the
        drawings and no_grad take apply itself."""
        if not STATE.plain:
            return cls.apply(x, c)
        ctx = _new(cls)
        ctx._saved = ()
        a = x.data
        raw = cls.forward(ctx, a, c)
        out = raw if type(raw) is np.ndarray else np.asarray(raw)
        if out.dtype is _F64 and a.dtype is not _F64 and not cls.keeps_float64:
            out = out.astype(np.float32)  # int tensor / 2.5 is float32, as in PyTorch
        if not x.requires_grad:
            return _tensor(out, False, None)
        fn = x.grad_fn
        ctx.next_edges = (x if fn is None else fn,)
        ctx.in_shapes = (a.shape,)
        ctx.seq = next(SEQ)
        ctx._out = out if out.size <= KEEP_SIZE else None
        result = _tensor(out, True, ctx)
        if ctx._saved:
            ctx._bind_saved((x, c), raw, result)
        return result

    def _bind_saved(self, inputs: tuple, raw_out: Any, result: Any) -> None:
        """Note where each saved array came from (input i, the output, or a constant) and the
        version of that tensor now, so that backward can detect in-place changes and, with
        ``create_graph``, hand back graph-connected tensors."""
        src = []
        for a in self._saved:
            for i, t in enumerate(inputs):
                if isinstance(t, Tensor) and a is t.data:
                    src.append((i, t._vc, t._vc[0]))
                    break
            else:
                src.append((-1, result._vc, 0) if a is raw_out else None)
        self._saved_src = tuple(src)

    # -- used by the engine -------------------------------------------------------------------
    @property
    def _freed(self) -> bool:
        """True once a backward released what forward saved (``_saved`` is then None)."""
        return self._saved is None

    def _check_versions(self) -> None:
        if self._saved is None:
            raise RuntimeError(_freed_message(self))
        if self._saved_src is None:
            return
        for k, s in enumerate(self._saved_src):
            if s is not None and s[1][0] != s[2]:
                a = self._saved[k]
                what = "its output" if s[0] == -1 else f"its input {s[0]}"
                raise RuntimeError(
                    f"one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: {self.name} saved {what} "
                    f"[{a.dtype}{list(a.shape)}], which is now at version {s[1][0]}; expected "
                    f"version {s[2]} instead. Use an out-of-place operation (x = x + y, not "
                    f"x += y), or clone the tensor before changing it."
                )

    def _graph_saved(self) -> tuple:
        """The saved values as Tensors connected to the graph (for ``create_graph=True``)."""
        out = []
        src = self._saved_src or (None,) * len(self._saved)
        for a, s in zip(self._saved, src):
            if s is None:
                out.append(Tensor._make(np.asarray(a), False, None))
            elif s[0] == -1:
                out.append(Tensor._make(np.asarray(a), True, self))
            else:
                edge = self.next_edges[s[0]]
                if isinstance(edge, Tensor):
                    out.append(edge)
                else:
                    out.append(Tensor._make(np.asarray(a), edge is not None, edge))
        return tuple(out)

    def _release(self) -> None:
        """Free what forward saved (after a backward without ``retain_graph``): the saved
        arrays and any arrays kept on ``ctx``."""
        self._saved = None
        d = self.__dict__
        for k in tuple(d):
            if type(d[k]) is np.ndarray:
                del d[k]
        out = self._out
        if out is not None and out.size > KEEP_SIZE and not STATE.record:
            self._out = None  # kept while recording for the drawings, which has ended


class GraphCtx:
    """What a backward rule sees with ``create_graph=True``: the node's attributes, with
    ``saved_tensors`` as graph-connected Tensors."""

    def __init__(self, node: Function) -> None:
        self._node = node
        self.saved_tensors = node._graph_saved()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._node, name)


def _any_f64(inputs: tuple) -> bool:
    """Whether a Tensor among ``inputs`` is float64 (then a float64 result stays float64)."""
    return any(isinstance(t, Tensor) and t.data.dtype is _F64 for t in inputs)


def _freed_message(node: Function) -> str:
    return (
        f"Trying to backward through the graph a second time (or to use saved tensors after "
        f"they were freed): {node.name} already released what it saved. Pass "
        f"retain_graph=True to the first backward() or autograd_core.grad() call if you need "
        f"to backward through the graph again."
    )


def _anomaly_check_forward(ctx: Function, inputs: tuple, result: Any) -> None:
    from .anomaly import check_forward

    check_forward(ctx, inputs, result)


# Tensor imports the ops, which import this module: bind it last.
from .tensor import Tensor  # noqa: E402

_tensor = Tensor._make  # bound once: every op calls it
