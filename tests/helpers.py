"""Shared test helpers: finite-difference checks, comparison with PyTorch, hypothesis strategies.

``check_grad(fn, *arrays)`` compares autograd with central differences in float64;
``compare_torch(fn, *arrays)`` runs the same function in autograd_core and in torch (``fn``
gets the library module as its first argument: ``ag`` or ``torch``) and compares values and
gradients. Both take numpy arrays; each is made a leaf that requires grad.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag

try:
    import torch
except ImportError:  # the torch comparisons skip cleanly without it
    torch = None


def _scalar_out(out: Any) -> Any:
    return out if out.ndim == 0 else (out * _weights(out.shape)).sum()


def _weights(shape: tuple) -> np.ndarray:
    """Fixed, distinct weights so that a sum over outputs can't hide a permuted gradient."""
    n = int(np.prod(shape))
    return np.linspace(0.5, 1.5, n).reshape(shape) if n else np.zeros(shape)


def numeric_grad(fn: Callable, arrays: list[np.ndarray], i: int, eps: float = 1e-6) -> np.ndarray:
    """d(sum of weighted outputs)/d(arrays[i]) by central differences, in float64."""
    x = arrays[i]
    grad = np.zeros_like(x)
    flat = x.reshape(-1)
    gflat = grad.reshape(-1)

    def value() -> float:
        with ag.no_grad():
            out = fn(*[ag.tensor(a) for a in arrays])
        return float(_scalar_out(out).data)

    for k in range(flat.size):
        old = flat[k]
        flat[k] = old + eps
        hi = value()
        flat[k] = old - eps
        lo = value()
        flat[k] = old
        gflat[k] = (hi - lo) / (2 * eps)
    return grad


def check_grad(
    fn: Callable, *arrays: np.ndarray, atol: float = 1e-5, rtol: float = 1e-4, wrt: Any = None
) -> None:
    """Assert that autograd's gradient of ``fn`` matches central differences (float64)."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    idx = range(len(arrays)) if wrt is None else wrt
    ts = [ag.tensor(a, requires_grad=(i in idx)) for i, a in enumerate(arrays)]
    out = fn(*ts)
    _scalar_out(out).backward()
    for i in idx:
        num = numeric_grad(fn, arrays, i)
        got = ts[i].grad.data if ts[i].grad is not None else np.zeros_like(arrays[i])
        np.testing.assert_allclose(got, num, atol=atol, rtol=rtol, err_msg=f"input {i}")


def compare_torch(
    fn: Callable, *arrays: np.ndarray, atol: float = 1e-5, rtol: float = 1e-5, wrt: Any = None
) -> None:
    """Run ``fn(lib, *tensors)`` with lib = autograd_core and lib = torch; compare values and
    the gradients of a weighted sum of the outputs."""
    import pytest

    if torch is None:
        pytest.skip("torch is not installed")
    idx = range(len(arrays)) if wrt is None else wrt
    ours = [ag.tensor(a, requires_grad=(i in idx)) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=(i in idx)) for i, a in enumerate(arrays)]
    o1, o2 = fn(ag, *ours), fn(torch, *theirs)
    np.testing.assert_allclose(o1.data, o2.detach().numpy(), atol=atol, rtol=rtol)
    w = _weights(tuple(o2.shape))
    (o1 * w.astype(o1.data.dtype)).sum().backward()
    (o2 * torch.tensor(w, dtype=o2.dtype)).sum().backward()
    for i in idx:
        g1 = ours[i].grad
        g2 = theirs[i].grad
        if g2 is None:
            assert g1 is None or not np.any(g1.data), f"input {i}: torch has no grad"
            continue
        assert g1 is not None, f"input {i}: no gradient"
        np.testing.assert_allclose(
            g1.data, g2.numpy(), atol=atol, rtol=rtol, err_msg=f"grad of input {i}"
        )


def arrays(shape: tuple, lo: float = -3.0, hi: float = 3.0) -> st.SearchStrategy:
    """float64 arrays of ``shape`` with values in [lo, hi]."""
    return hnp.arrays(
        np.float64, shape, elements=st.floats(lo, hi, allow_nan=False, allow_subnormal=False)
    )


def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 4) -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side)


def broadcast_pair(max_dims: int = 3, max_side: int = 4) -> st.SearchStrategy:
    """Two shapes that broadcast together (sizes of 1 and missing leading axes included)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=2, min_dims=0, max_dims=max_dims, min_side=1, max_side=max_side
    ).map(lambda s: s.input_shapes)
