"""max_pool1d/2d and avg_pool1d/2d: values, gradients and indices against PyTorch on
hypothesis-drawn kernels, strides, padding, dilation and ceil_mode (ties included: the
gradient must reach the same element PyTorch picks); central differences in float64; double
backward; NaN and -inf windows; argument errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import check_grad, compare_torch

try:
    import torch

    torch.set_num_threads(1)  # tiny ops: extra OpenMP threads only contend on a busy machine
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
SETTINGS = settings(max_examples=30, deadline=None)
FD_SETTINGS = settings(max_examples=12, deadline=None)


def F(lib):  # noqa: N802 - the torch.nn.functional spelling
    return lib.nn.functional if lib is torch else lib


def _out(n, k, s, p, d, ceil):
    o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


@st.composite
def pool_case(draw, nd: int = 2, is_max: bool = True):
    """(input shape, kwargs) that PyTorch accepts (batched or not)."""
    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride = draw(st.one_of(st.none(), st.tuples(*[st.integers(1, 3)] * nd)))
    d = tuple(draw(st.integers(1, 2)) for _ in range(nd)) if is_max else (1,) * nd
    p = tuple(draw(st.integers(0, kk // 2)) for kk in k)
    ceil = draw(st.booleans())
    s = k if stride is None else stride
    sizes = []
    for kk, ss, pp, dd in zip(k, s, p, d):
        n = draw(st.integers(1, 7))
        while _out(n, kk, ss, pp, dd, ceil) < 1:
            n += 1
        sizes.append(n)
        # a window wholly in the padding (dilation can do that): PyTorch then returns an index
        # outside the input and its backward writes into the neighbouring plane; skip those
        starts = np.arange(_out(n, kk, ss, pp, dd, ceil)) * ss - pp
        reads = starts[:, None] + np.arange(kk)[None, :] * dd
        assume(((reads >= 0) & (reads < n)).any(axis=1).all())
    lead = draw(st.sampled_from([(2, 3), (1, 2), (3,)]))
    kw = dict(kernel_size=k, stride=stride, padding=p, ceil_mode=ceil)
    if is_max:
        kw["dilation"] = d
    elif nd == 2 and draw(st.booleans()):
        kw["divisor_override"] = draw(st.integers(1, 5))
    if not is_max:
        kw["count_include_pad"] = draw(st.booleans())
    if kw["stride"] is None:
        del kw["stride"]
    return (*lead, *sizes), kw


def _ties(rng, shape):
    """Small integers: most windows hold several equal maxima."""
    return rng.integers(0, 3, size=shape).astype(np.float64)


def _distinct(rng, shape):
    """Values at least 0.01 apart: no ties, so finite differences see a smooth max."""
    return rng.permutation(np.prod(shape, dtype=int)).reshape(shape) * 0.01 - 1.0


# --------------------------------------------------------------------------------------------
# max pooling
# --------------------------------------------------------------------------------------------
@needs_torch
@SETTINGS
@given(pool_case(), st.integers(0, 2**31 - 1), st.booleans())
def test_max_pool2d_matches_torch_with_ties(case, seed, ties):
    shape, kw = case
    rng = np.random.default_rng(seed)
    x = _ties(rng, shape) if ties else rng.normal(size=shape)
    compare_torch(lambda lib, x: F(lib).max_pool2d(x, **kw), x)
    ours = ag.max_pool2d(ag.tensor(x), return_indices=True, **kw)[1]
    theirs = F(torch).max_pool2d(torch.tensor(x), return_indices=True, **kw)[1]
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert ours.dtype == np.int64


@needs_torch
@SETTINGS
@given(pool_case(nd=1), st.integers(0, 2**31 - 1))
def test_max_pool1d_matches_torch_with_ties(case, seed):
    shape, kw = case
    x = _ties(np.random.default_rng(seed), shape)
    compare_torch(lambda lib, x: F(lib).max_pool1d(x, **kw), x)
    ours = ag.max_pool1d(ag.tensor(x), return_indices=True, **kw)[1]
    theirs = F(torch).max_pool1d(torch.tensor(x), return_indices=True, **kw)[1]
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@FD_SETTINGS
@given(pool_case(), st.integers(0, 2**31 - 1))
def test_max_pool2d_gradcheck(case, seed):
    shape, kw = case
    check_grad(lambda x: ag.max_pool2d(x, **kw), _distinct(np.random.default_rng(seed), shape))


def test_max_pool2d_ties_go_to_the_first_maximum_in_scan_order():
    x = ag.tensor(np.array([[[[1.0, 5.0], [5.0, 5.0]]]]), requires_grad=True)
    ag.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[[0.0, 1.0], [0.0, 0.0]]]])
    # overlapping windows: each window sends its gradient once
    x = ag.tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    ag.max_pool2d(x, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


@needs_torch
def test_max_pool2d_nan_and_minus_inf_windows_match_torch():
    x = np.full((1, 2, 4, 4), -np.inf)
    x[0, 0, 1, 1] = x[0, 0, 2, 2] = np.nan
    x[0, 0, 3, 3] = 5.0
    x[0, 1] = np.arange(16).reshape(4, 4)
    x[0, 1, 0, 0] = -np.inf
    kw = dict(kernel_size=3, stride=1, padding=1, return_indices=True)
    a, t = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ya, ia), (yt, it) = ag.max_pool2d(a, **kw), F(torch).max_pool2d(t, **kw)
    np.testing.assert_array_equal(ya.data, yt.detach().numpy())  # NaN == NaN here
    np.testing.assert_array_equal(ia.data, it.numpy())
    g = np.arange(ya.data.size, dtype=np.float64).reshape(ya.shape)
    ya.backward(g)
    yt.backward(torch.tensor(g))
    np.testing.assert_array_equal(a.grad.data, t.grad.numpy())


def test_max_pool2d_gradgradcheck():
    rng = np.random.default_rng(0)
    x = ag.tensor(_distinct(rng, (2, 2, 5, 4)), requires_grad=True)
    assert ag.gradgradcheck(lambda x: ag.max_pool2d(x, 3, stride=2, padding=1), (x,))
    x = ag.tensor(_distinct(rng, (2, 7)), requires_grad=True)
    assert ag.gradgradcheck(lambda x: ag.max_pool1d(x, 2, ceil_mode=True), (x,))


@needs_torch
def test_max_pool2d_double_backward_matches_torch():
    rng = np.random.default_rng(1)
    x0, v0 = _ties(rng, (2, 3, 6, 6)), rng.normal(size=(2, 3, 3, 3))
    results = []
    for lib in (ag, torch):
        x, v = lib.tensor(x0, requires_grad=True), lib.tensor(v0, requires_grad=True)
        y = F(lib).max_pool2d(x * x, 3, stride=2, padding=1)
        (gx,) = (ag.grad if lib is ag else torch.autograd.grad)((y * v).sum(), x, create_graph=True)
        (gx * gx).sum().backward()
        results.append(
            [np.asarray(t.grad.detach() if lib is torch else t.grad.data) for t in (x, v)]
        )
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------------------------
# average pooling
# --------------------------------------------------------------------------------------------
@needs_torch
@SETTINGS
@given(pool_case(is_max=False), st.integers(0, 2**31 - 1))
def test_avg_pool2d_matches_torch(case, seed):
    shape, kw = case
    x = np.random.default_rng(seed).normal(size=shape)
    compare_torch(lambda lib, x: F(lib).avg_pool2d(x, **kw), x)


@needs_torch
@SETTINGS
@given(pool_case(nd=1, is_max=False), st.integers(0, 2**31 - 1))
def test_avg_pool1d_matches_torch(case, seed):
    shape, kw = case
    x = np.random.default_rng(seed).normal(size=shape)
    compare_torch(lambda lib, x: F(lib).avg_pool1d(x, **kw), x)


@FD_SETTINGS
@given(pool_case(is_max=False), st.integers(0, 2**31 - 1))
def test_avg_pool2d_gradcheck(case, seed):
    shape, kw = case
    check_grad(lambda x: ag.avg_pool2d(x, **kw), np.random.default_rng(seed).normal(size=shape))


def test_avg_pool2d_gradgradcheck():
    x = ag.tensor(np.random.default_rng(2).normal(size=(1, 2, 5, 5)), requires_grad=True)
    kw = dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)
    assert ag.gradgradcheck(lambda x: ag.avg_pool2d(x * x, **kw), (x,))


def test_avg_pool2d_divisors():
    x = ag.tensor(np.ones((1, 1, 3, 3)))
    y = ag.avg_pool2d(x, 3, stride=1, padding=1)  # count_include_pad: corners see 4 of 9
    np.testing.assert_allclose(
        y.data[0, 0], [[4 / 9, 6 / 9, 4 / 9], [6 / 9, 1, 6 / 9], [4 / 9, 6 / 9, 4 / 9]]
    )
    y = ag.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
    np.testing.assert_allclose(y.data, np.ones((1, 1, 3, 3)))
    y = ag.avg_pool2d(x, 2, divisor_override=1)
    np.testing.assert_allclose(y.data, [[[[4.0]]]])


# --------------------------------------------------------------------------------------------
# Memory order, dtypes, errors
# --------------------------------------------------------------------------------------------
def test_pools_keep_float32_and_read_any_memory_order():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4, 3, 6, 6)).astype(np.float32)
    batch_last = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    for fn in (ag.max_pool2d, ag.avg_pool2d):
        a = ag.tensor(x, requires_grad=True)
        b = ag.Tensor._make(batch_last, True, None)
        ya, yb = fn(a, 2), fn(b, 2)
        assert ya.dtype == np.float32 and yb.dtype == np.float32
        np.testing.assert_array_equal(ya.data, yb.data)
        g = rng.normal(size=ya.shape).astype(np.float32)
        ya.backward(g)
        yb.backward(g)
        assert a.grad.dtype == np.float32
        np.testing.assert_array_equal(a.grad.data, b.grad.data)


def _t(*shape):
    return ag.tensor(np.ones(shape))


def test_pool_errors():
    with pytest.raises(RuntimeError, match=r"max_pool2d\(\): expected a 3-D \(unbatched\) or 4-D"):
        ag.max_pool2d(_t(4, 4), 2)
    with pytest.raises(RuntimeError, match=r"avg_pool1d\(\): expected a 2-D \(unbatched\) or 3-D"):
        ag.avg_pool1d(_t(1, 1, 4, 4), 2)
    with pytest.raises(ValueError, match=r"max_pool2d\(\): padding 2 is too large"):
        ag.max_pool2d(_t(1, 1, 8, 8), 3, padding=2)
    with pytest.raises(ValueError, match=r"avg_pool2d\(\): padding 1 is too large"):
        ag.avg_pool2d(_t(1, 1, 8, 8), 1, padding=1)
    with pytest.raises(
        RuntimeError, match=r"max_pool2d\(\): input of shape \(1, 1, 2, 2\) is too small"
    ):
        ag.max_pool2d(_t(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match=r"max_pool2d\(\): stride must be >= 1"):
        ag.max_pool2d(_t(1, 1, 4, 4), 2, stride=0)
    with pytest.raises(ValueError, match=r"kernel_size must be an int or a tuple of 2 ints"):
        ag.max_pool2d(_t(1, 1, 4, 4), (2, 2, 2))
    with pytest.raises(ValueError, match="divisor_override must not be zero"):
        ag.avg_pool2d(_t(1, 1, 4, 4), 2, divisor_override=0)
    with pytest.raises(TypeError, match=r"avg_pool2d\(\): expected a floating point input"):
        ag.avg_pool2d(ag.tensor(np.ones((1, 1, 4, 4), np.int64)), 2)
