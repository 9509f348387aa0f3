"""``gradcheck``: is the backward rule right? Compare it with finite differences.

For inputs ``x`` and outputs ``y = fn(x)`` the Jacobian ``J[j, k] = dy_j / dx_k`` is found twice:

* **analytic**, from the engine: one backward pass per output element ``j`` gives row ``j``
  (``autograd_core.grad(y, x, grad_outputs=e_j)``);
* **numeric**, by central differences: perturbing input element ``k`` by ``±eps`` gives column
  ``k``,  ``J[:, k] ≈ (fn(x + eps e_k) - fn(x - eps e_k)) / (2 eps)``.

They must agree elementwise: ``|analytic - numeric| <= atol + rtol * |numeric|``. Everything
runs in float64 (float32 inputs are upcast first), because with float32 the differences
drown in round-off. For outputs with many elements the rows are replaced by a few random
projections ``v^T J`` (one backward pass each), computed the same way on both sides.

``gradgradcheck`` does the same for the gradient itself (``create_graph=True``): it checks the
second derivatives, i.e. that every backward rule is differentiable and right.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .engine import grad
from .grad_mode import enable_grad, no_grad
from .tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]

#: Outputs with at most this many elements get their full Jacobian (one backward pass per
#: element); larger outputs are checked through this many random projections instead.
_FULL_JACOBIAN_MAX = 256
_N_PROJECTIONS = 16


class GradcheckError(RuntimeError):
    """The analytic gradient disagrees with finite differences (or could not be computed)."""


def _as_tuple(inputs: Any) -> tuple:
    if isinstance(inputs, tuple):
        return inputs
    if isinstance(inputs, list):
        return tuple(inputs)
    return (inputs,)


def _upcast(inputs: tuple) -> tuple[list, list[int]]:
    """Fresh float64 leaves for the floating tensor inputs; the indices to differentiate.

    As in PyTorch, the inputs checked are the tensors with ``requires_grad=True``; when none
    has it, every floating tensor input is checked."""
    is_float = [isinstance(a, Tensor) and a.data.dtype.kind == "f" for a in inputs]
    wrt = [i for i, a in enumerate(inputs) if is_float[i] and a.requires_grad]
    if not wrt:
        wrt = [i for i in range(len(inputs)) if is_float[i]]
    if not wrt:
        raise ValueError(
            "gradcheck(): no floating-point Tensor among the inputs, so there is nothing to "
            f"differentiate (got {[type(a).__name__ for a in inputs]})"
        )
    out = list(inputs)
    for i in range(len(inputs)):
        if is_float[i]:
            data = np.array(inputs[i].data, dtype=np.float64, copy=True)
            out[i] = Tensor._make(data, i in wrt, None)
    return out, wrt


def _outputs(result: Any) -> list:
    """The float Tensors among fn's result (a Tensor or a tuple/list of them)."""
    items = list(result) if isinstance(result, tuple | list) else [result]
    for o in items:
        if not isinstance(o, Tensor):
            raise GradcheckError(
                f"gradcheck(): fn must return a Tensor or a tuple of Tensors, got "
                f"{type(o).__name__}"
            )
    return [o for o in items if o.data.dtype.kind == "f"]


def _where(i: int, inputs: Sequence[Any]) -> str:
    return f"input {i} (shape {tuple(inputs[i].shape)})"


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients of ``fn`` at ``inputs`` against central differences, in float64.

    Args:
        fn: takes the inputs (positionally) and returns a Tensor or a tuple of Tensors, of any
            shape.
        inputs: a Tensor or a tuple of them (other values are passed through unchanged). The
            tensors with ``requires_grad=True`` are checked (all floating ones if none has it).
            float32 tensors are upcast to float64 copies; the originals are not touched.
        eps: the finite-difference step.
        atol, rtol: analytic and numeric must satisfy
            ``|analytic - numeric| <= atol + rtol * |numeric|`` elementwise.
        raise_exception: raise :class:`GradcheckError` on a mismatch (else return False).

    Returns:
        True when every gradient matches.

    Raises:
        GradcheckError: naming the input (index and shape), the worst element, and the
            analytic and numeric values there.
    """
    inputs = _as_tuple(inputs)
    xs, wrt = _upcast(inputs)
    try:
        _check(fn, xs, wrt, eps, atol, rtol)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def _check(fn: Callable, xs: list, wrt: list, eps: float, atol: float, rtol: float) -> None:
    with enable_grad():
        outs = _outputs(fn(*xs))
    sizes = [o.data.size for o in outs]
    m = sum(sizes)
    if m <= _FULL_JACOBIAN_MAX:
        proj = np.eye(m)  # row j of the Jacobian, one output element at a time
        full = True
    else:
        rng = np.random.default_rng(0)
        proj = rng.standard_normal((_N_PROJECTIONS, m))
        full = False
    analytic = _analytic(outs, xs, wrt, proj)
    numeric = _numeric(fn, xs, wrt, proj, eps, [o.shape for o in outs])
    for i in wrt:
        a, n = analytic[i], numeric[i]
        if not np.isfinite(a).all():
            r, k = np.argwhere(~np.isfinite(a))[0]
            raise GradcheckError(
                f"gradcheck(): the analytic gradient of {_where(i, xs)} is not finite at "
                f"element {_element(k, xs[i].shape)}: {a[r, k]!r} "
                f"(numeric {n[r, k]!r}; {_row_name(r, outs, full)})"
            )
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if excess.size and excess.max() > 0:
            r, k = np.unravel_index(int(np.argmax(excess)), excess.shape)
            bad = int((excess > 0).sum())
            raise GradcheckError(
                f"gradcheck(): Jacobian mismatch for {_where(i, xs)} at element "
                f"{_element(k, xs[i].shape)}, {_row_name(r, outs, full)}: "
                f"analytic {a[r, k]:.10g} vs numeric {n[r, k]:.10g} "
                f"(difference {abs(a[r, k] - n[r, k]):.3g}; atol={atol}, rtol={rtol}; "
                f"{bad} of {excess.size} entries differ)"
            )


def _element(k: int, shape: tuple) -> tuple:
    return tuple(int(j) for j in np.unravel_index(int(k), shape)) if shape else ()


def _row_name(r: int, outs: list, full: bool) -> str:
    """Which output element (or random projection) row ``r`` of the Jacobian belongs to."""
    if not full:
        return f"output projection {r} (random weights on all outputs)"
    for j, o in enumerate(outs):
        if r < o.data.size:
            where = f"output {j} " if len(outs) > 1 else "output "
            return f"{where}element {_element(r, o.shape)}"
        r -= o.data.size
    return "output"


def _analytic(outs: list, xs: list, wrt: list, proj: np.ndarray) -> dict:
    """``proj @ J`` for each checked input, from one backward pass per row of ``proj``."""
    live = [j for j, o in enumerate(outs) if o.requires_grad]
    offsets = np.cumsum([0] + [o.data.size for o in outs])
    result = {i: np.zeros((proj.shape[0], xs[i].data.size)) for i in wrt}
    if not live:
        return result  # no output depends on a checked input: the Jacobian is zero
    for r in range(proj.shape[0]):
        gos = [
            proj[r, offsets[j] : offsets[j + 1]].reshape(outs[j].shape).astype(outs[j].dtype)
            for j in live
        ]
        try:
            gs = grad(
                [outs[j] for j in live],
                [xs[i] for i in wrt],
                grad_outputs=gos,
                retain_graph=True,
                allow_unused=True,
            )
        except Exception as e:
            raise GradcheckError(f"gradcheck(): the backward pass failed: {e}") from e
        for i, g in zip(wrt, gs):
            if g is None:
                continue
            if g.shape != xs[i].shape:
                raise GradcheckError(
                    f"gradcheck(): the gradient of {_where(i, xs)} has shape {g.shape}; it "
                    f"must have the input's shape"
                )
            result[i][r] = g.data.reshape(-1)
    return result


def _numeric(fn: Callable, xs: list, wrt: list, proj: np.ndarray, eps: float, shapes: list) -> dict:
    """``proj @ J`` for each checked input, by central differences (two calls per element)."""
    # Separate copies, perturbed in place, so that the graph built above is left alone.
    ys = [
        Tensor._make(x.data.copy(), x.requires_grad, None) if i in wrt else x
        for i, x in enumerate(xs)
    ]

    def flat_out() -> np.ndarray:
        with no_grad():
            outs = _outputs(fn(*ys))
        if [o.shape for o in outs] != shapes:
            raise GradcheckError(
                f"gradcheck(): fn's output shapes changed between calls "
                f"({shapes} then {[o.shape for o in outs]})"
            )
        if not outs:
            return np.zeros(0)
        return np.concatenate([np.asarray(o.data, dtype=np.float64).reshape(-1) for o in outs])

    result = {}
    for i in wrt:
        flat = ys[i].data.reshape(-1)  # a view: writing it perturbs the input
        cols = np.zeros((proj.shape[0], flat.size))
        for k in range(flat.size):
            old = flat[k]
            flat[k] = old + eps
            hi = flat_out()
            flat[k] = old - eps
            lo = flat_out()
            flat[k] = old
            cols[:, k] = proj @ ((hi - lo) / (2 * eps))
        result[i] = cols
    return result


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: ``gradcheck`` of ``x, v -> grad(fn(x), x, v)``.

    The first gradient is computed with ``create_graph=True`` and then checked like any other
    function of the inputs and of ``grad_outputs`` (``v``, random when not given). The errors
    name inputs in the order ``(*inputs, *grad_outputs)``.
    """
    inputs = _as_tuple(inputs)
    xs, wrt = _upcast(inputs)
    with enable_grad():
        outs = [o for o in _outputs(fn(*xs)) if o.requires_grad]
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        vs = [Tensor._make(rng.standard_normal(o.shape), True, None) for o in outs]
    else:
        vs = [
            Tensor._make(np.array(np.asarray(v), dtype=np.float64), True, None)
            for v in _as_tuple(grad_outputs)
        ]
        if len(vs) != len(outs):
            raise ValueError(
                f"gradgradcheck(): got {len(vs)} grad_outputs for {len(outs)} outputs that "
                f"require grad"
            )
    n = len(xs)

    def first_grad(*args: Any) -> tuple:
        with enable_grad():
            out = [o for o in _outputs(fn(*args[:n])) if o.requires_grad]
            if not out:
                return ()
            gs = grad(
                out,
                [args[i] for i in wrt],
                grad_outputs=list(args[n:]),
                create_graph=True,
                allow_unused=True,
            )
        return tuple(g for g in gs if g is not None)

    for i, x in enumerate(xs):
        if isinstance(x, Tensor) and x.data.dtype.kind == "f":
            x.requires_grad = i in wrt
    return gradcheck(first_grad, (*xs, *vs), eps, atol, rtol, raise_exception)
