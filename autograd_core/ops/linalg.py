"""Linear algebra: matmul (1-D, 2-D, batched with broadcasting), dot, outer, einsum."""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import _generic as xp
from ..function import Function
from ..tensor import Tensor
from .elementwise import as_operand

__all__ = ["matmul", "dot", "outer", "einsum"]


class MatMul(Function):
    """C = A @ B.   dL/dA = G @ Bᵀ,   dL/dB = Aᵀ @ G

    A 1-D A is a row (1, k) and a 1-D B a column (k, 1), as numpy does; leading batch axes
    broadcast, and the engine sums the gradients back over them.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:
            return (g @ b.T if need_a else None), (a.T @ g if need_b else None)
        if a.ndim == 1 and b.ndim == 1:
            return g * b, g * a
        a2 = a.reshape((1, a.shape[0])) if a.ndim == 1 else a
        b2 = b.reshape((b.shape[0], 1)) if b.ndim == 1 else b
        g2 = xp.expand_dims(g, -2) if a.ndim == 1 else g
        g2 = xp.expand_dims(g2, -1) if b.ndim == 1 else g2
        ga = gb = None
        if need_a:
            ga = g2 @ xp.swapaxes(b2, -1, -2)
            if a.ndim == 1:
                ga = xp.sum_to(ga, a2.shape).reshape(a.shape)
        if need_b:
            gb = xp.swapaxes(a2, -1, -2) @ g2
            if b.ndim == 1:
                gb = xp.sum_to(gb, b2.shape).reshape(b.shape)
        return ga, gb


def matmul(input: Any, other: Any) -> Tensor:
    """Matrix product with numpy/PyTorch rules: 1-D, 2-D and batched (broadcast) operands."""
    a = as_operand(input, other if isinstance(other, Tensor) else None)
    b = as_operand(other, a)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"matmul(): both arguments need at least 1 dimension, got shapes {a.shape} and "
            f"{b.shape}"
        )
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise RuntimeError(
            f"matmul(): shapes {a.shape} and {b.shape} cannot be multiplied "
            f"({k_a} columns in the first, {k_b} rows in the second)"
        )
    try:
        return MatMul.apply(a, b)
    except ValueError:
        raise RuntimeError(
            f"matmul(): batch dimensions of shapes {a.shape} and {b.shape} do not broadcast"
        ) from None


class Dot(Function):
    """z = Σ_i a_i b_i (1-D a, b).   dz/da = b,   dz/db = a"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.dot(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return g * b, g * a


class Outer(Function):
    """Z = a bᵀ, Z_ij = a_i b_j.   dL/da = G @ b,   dL/db = Gᵀ @ a"""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return np.multiply.outer(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (g @ b if need_a else None), (a @ g if need_b else None)


def dot(input: Any, other: Any) -> Tensor:
    """Inner product of two 1-D tensors of the same length, as ``torch.dot``."""
    a = as_operand(input, other if isinstance(other, Tensor) else None)
    b = as_operand(other, a)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(
            f"dot(): 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors (shapes "
            f"{a.shape} and {b.shape}); use matmul() for matrices"
        )
    if a.shape != b.shape:
        raise RuntimeError(
            f"dot(): inconsistent tensor size: shapes {a.shape} and {b.shape} must have the "
            f"same number of elements"
        )
    return Dot.apply(a, b)


def outer(input: Any, vec2: Any) -> Tensor:
    """Outer product of two 1-D tensors, (m,) and (n,) -> (m, n), as ``torch.outer``."""
    a = as_operand(input, vec2 if isinstance(vec2, Tensor) else None)
    b = as_operand(vec2, a)
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"outer(): 1D tensors expected, but got shapes {a.shape} and {b.shape}")
    return Outer.apply(a, b)


# --------------------------------------------------------------------------------------------
# einsum
# --------------------------------------------------------------------------------------------
class Einsum(Function):
    """z = einsum("s_1,...,s_n->out", x_1, ..., x_n): multiply, then sum the letters not kept.

    The gradient of one operand is an einsum too: the output's subscripts take the operand's
    place,   dL/dx_k = einsum("out,s_1,..(without s_k)..,s_n->s_k", g, x_1, ..., x_n).
    A letter repeated in s_k (a diagonal) gets a fresh name tied to it by an identity matrix;
    a letter found in s_k alone (summed away) is broadcast back. ``...`` was already replaced
    by letters, so broadcasting is the plain size-1 kind and the engine sums it back.
    """

    @staticmethod
    def forward(ctx, *arrays, subs, out):
        ctx.save_for_backward(*arrays)
        ctx.subs, ctx.out = subs, out
        z = _np_einsum(",".join(subs) + "->" + out, arrays)
        if len(arrays) == 1 and np.may_share_memory(z, arrays[0]):
            z = z.copy()  # numpy returns views for transposes and diagonals: never alias
        return z

    @staticmethod
    def backward(ctx, g):
        ops = ctx.saved_tensors
        return tuple(
            _einsum_grad(k, g, ops, ctx.subs, ctx.out) if need else None
            for k, need in enumerate(ctx.needs_input_grad)
        )


def _einsum_grad(k: int, g: Any, ops: tuple, subs: tuple, out: str) -> Any:
    """dL/d(ops[k]) (see :class:`Einsum`)."""
    target_shape = ops[k].shape
    unused = iter(c for c in _LETTERS if c not in set("".join(subs) + out))
    terms, operands, target = [out], [g], []
    for pos, c in enumerate(subs[k]):
        if c in target:  # repeated letter: the gradient lives on the diagonal
            d = next(unused)
            terms.append(c + d)
            operands.append(np.eye(target_shape[pos], dtype=xp.value(g).dtype))
            target.append(d)
        else:
            target.append(c)
    for j, (s, op) in enumerate(zip(subs, ops)):
        if j != k:
            terms.append(s)
            operands.append(op)
    present = set("".join(terms))
    kept = "".join(c for c in target if c in present)
    grad = _einsum_any(",".join(terms) + "->" + kept, operands)
    if len(kept) < len(target):  # letters only x_k had: the gradient is constant along them
        grad = xp.expand_dims(grad, tuple(i for i, c in enumerate(target) if c not in present))
    if any(n > m for n, m in zip(target_shape, grad.shape)):
        grad = xp.broadcast_to(grad, np.broadcast_shapes(grad.shape, target_shape))
    return grad


_LETTERS = string.ascii_uppercase + string.ascii_lowercase
_OPTIMIZE_ABOVE = 32768  # iteration-space size from which BLAS paths beat einsum's C loop


def _np_einsum(eq: str, arrays: Sequence[np.ndarray]) -> np.ndarray:
    """np.einsum, asking numpy for a contraction order (and BLAS) when that pays: with more
    than two operands, or with two whose loop nest is large."""
    if len(arrays) > 2:
        return np.einsum(eq, *arrays, optimize=True)
    if len(arrays) == 2:
        sizes: dict = {}
        for term, a in zip(eq.split("->")[0].split(","), arrays):
            for c, n in zip(term, a.shape):
                sizes[c] = max(n, sizes.get(c, 1))
        if np.prod(list(sizes.values()), dtype=np.float64) > _OPTIMIZE_ABOVE:
            return np.einsum(eq, *arrays, optimize=True)
    return np.einsum(eq, *arrays)


def _einsum_any(eq: str, operands: list) -> Any:
    """einsum on numpy arrays, or (when any operand is a Tensor) the differentiable op."""
    if any(isinstance(o, Tensor) for o in operands):
        return einsum(eq, *operands)
    return _np_einsum(eq, operands)


def _parse_einsum(equation: str, shapes: list) -> tuple:
    """The equation with ``...`` replaced by letters and the output made explicit:
    (subscripts per operand, output subscripts). Errors name the equation and the shapes."""
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    if "->" in rhs:
        raise ValueError(f"einsum(): equation {equation!r} has more than one '->'")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise RuntimeError(
            f"einsum(): equation {equation!r} has {len(terms)} operand(s) but "
            f"{len(shapes)} were given (shapes {', '.join(map(str, shapes))})"
        )
    for t in [*terms, rhs]:
        rest = t.replace("...", "", 1)
        if not all(c in _LETTERS for c in rest):
            raise ValueError(
                f"einsum(): invalid subscript in {equation!r}: use letters a-z, A-Z, and at "
                f"most one '...' per operand"
            )
    n_ell = []
    for i, (t, shape) in enumerate(zip(terms, shapes)):
        letters = len(t.replace("...", ""))
        extra = len(shape) - letters
        if extra < 0 or (extra > 0 and "..." not in t):
            raise RuntimeError(
                f"einsum(): subscripts {t!r} of operand {i} name {letters} dimensions, but "
                f"operand {i} has shape {shape}"
                + ("" if "..." in t else " and no ellipsis was given")
            )
        n_ell.append(extra if "..." in t else 0)
    used = set(eq)
    spare = [c for c in _LETTERS if c not in used]
    ell = "".join(spare[: max(n_ell, default=0)])
    subs = tuple(t.replace("...", ell[len(ell) - e :] if e else "") for t, e in zip(terms, n_ell))
    if arrow:
        for c, n in Counter(rhs.replace("...", "")).items():
            if n > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once")
            if c not in lhs:
                raise RuntimeError(
                    f"einsum(): output subscript {c} does not appear in the equation for any "
                    f"input operand ({equation!r})"
                )
        out = rhs.replace("...", ell)
    else:  # implicit output: broadcast dims, then the letters seen once, in alphabetical order
        counts = Counter(lhs.replace("...", "").replace(",", ""))
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1))
    sizes: dict = {}
    for i, (s, shape) in enumerate(zip(subs, shapes)):
        for c in set(s):
            if len({n for ch, n in zip(s, shape) if ch == c}) > 1:
                raise RuntimeError(
                    f"einsum(): subscript {c} is repeated for operand {i} (shape {shape}) but "
                    f"the sizes don't match"
                )
        for c, n in zip(s, shape):
            m = sizes.get(c)
            if m is not None and m != n and m != 1 and n != 1:
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {n} for operand {i} (shape {shape}), "
                    f"which does not broadcast with previously seen size {m} ({equation!r})"
                )
            sizes[c] = n if m is None or m == 1 else m
    return subs, out


def einsum(equation: Any, *operands: Any) -> Tensor:
    """Einstein summation, as ``torch.einsum``: ``einsum("ij,jk->ik", a, b)`` is a @ b.

    Operands may also come as one list (``einsum(eq, [a, b])``), or in the sublist form
    ``einsum(a, [0, 1], b, [1, 2], [0, 2])``. Supports ``...`` (broadcast dimensions),
    implicit output (letters seen once, in alphabetical order), repeated letters (diagonals).
    """
    if not isinstance(equation, str):  # sublist form: op, dims, op, dims, ..., [out dims]
        equation, operands = _from_sublists((equation, *operands))
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    if not operands:
        raise RuntimeError("einsum(): must provide at least one operand")
    like = next((o for o in operands if isinstance(o, Tensor)), None)
    ts = [as_operand(o, like) for o in operands]
    subs, out = _parse_einsum(equation, [t.shape for t in ts])
    return Einsum.apply(*ts, subs=subs, out=out)


def _from_sublists(args: tuple) -> tuple:
    """``(a, [0, 1], b, [1, 2], [0, 2])`` -> ``("ab,bc->ac", (a, b))``."""

    def letters(dims: Any) -> str:
        return "".join("..." if d is Ellipsis else _LETTERS[d] for d in dims)

    ops, terms = args[0::2], args[1::2]
    out = None
    if len(args) % 2:  # an odd count ends with the output sublist
        ops, out = ops[:-1], args[-1]
    eq = ",".join(letters(t) for t in terms)
    return (eq if out is None else eq + "->" + letters(out)), ops
