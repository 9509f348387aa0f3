"""conv1d / conv2d: gradients against central differences (float64) on hypothesis-drawn
shapes, strides, padding, dilation and groups; values and every gradient against PyTorch;
the batch-last memory order flowing between layers; argument errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import check_grad, compare_torch

try:
    import torch

    torch.set_num_threads(1)  # tiny ops: extra OpenMP threads only contend on a busy machine
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
SETTINGS = settings(max_examples=25, deadline=None)
FD_SETTINGS = settings(max_examples=12, deadline=None)  # finite differences: one pass per element


def F(lib):  # noqa: N802 - the torch.nn.functional spelling
    """The functional namespace: ``torch.nn.functional`` or ``autograd_core``."""
    return lib.nn.functional if lib is torch else lib


@st.composite
def conv2d_case(draw, max_batch: int = 2):
    """(x shape, w shape, bias?, stride, padding, dilation, groups) that PyTorch accepts."""
    groups = draw(st.integers(1, 2))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    sizes = []
    for k, d, p in zip((kh, kw), dilation, padding):
        least = max(1, d * (k - 1) + 1 - 2 * p)
        sizes.append(draw(st.integers(least, least + 3)))
    n = draw(st.integers(1, max_batch))
    xs, ws = (n, cin, *sizes), (cout, cin // groups, kh, kw)
    return xs, ws, draw(st.booleans()), stride, padding, dilation, groups


def _arrays(rng, *shapes):
    return [rng.uniform(-1, 1, size=s) for s in shapes]


# --------------------------------------------------------------------------------------------
# conv2d
# --------------------------------------------------------------------------------------------
@FD_SETTINGS
@given(conv2d_case(), st.integers(0, 2**31 - 1))
def test_conv2d_gradcheck(case, seed):
    xs, ws, bias, stride, padding, dilation, groups = case
    rng = np.random.default_rng(seed)
    arrs = _arrays(rng, xs, ws, (ws[0],)) if bias else _arrays(rng, xs, ws)

    def fn(x, w, b=None):
        return ag.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)

    check_grad(fn, *arrs)


@needs_torch
@SETTINGS
@given(conv2d_case(max_batch=3), st.integers(0, 2**31 - 1))
def test_conv2d_matches_torch(case, seed):
    xs, ws, bias, stride, padding, dilation, groups = case
    rng = np.random.default_rng(seed)
    arrs = _arrays(rng, xs, ws, (ws[0],)) if bias else _arrays(rng, xs, ws)

    def fn(lib, x, w, b=None):
        kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
        return F(lib).conv2d(x, w, b, **kw)

    compare_torch(fn, *arrs)


@needs_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize(
    "kernel,dilation", [((2, 2), 1), ((3, 4), 1), ((2, 3), (2, 1)), ((1, 1), 1), ((4, 1), 3)]
)
def test_conv2d_padding_strings_match_torch(kernel, dilation):
    rng = np.random.default_rng(0)
    x, w, b = _arrays(rng, (2, 3, 7, 6), (4, 3, *kernel), (4,))
    for padding in ("same", "valid"):
        if padding == "valid" and any(
            (dilation if isinstance(dilation, int) else dilation[i]) * (k - 1) + 1 > (7, 6)[i]
            for i, k in enumerate(kernel)
        ):
            continue
        out = ag.conv2d(
            ag.tensor(x), ag.tensor(w), ag.tensor(b), padding=padding, dilation=dilation
        )
        if padding == "same":
            assert out.shape == (2, 4, 7, 6)
        compare_torch(
            lambda lib, x, w, b: F(lib).conv2d(x, w, b, padding=padding, dilation=dilation),
            x,
            w,
            b,
        )


@needs_torch
def test_conv2d_unbatched_input_matches_torch():
    rng = np.random.default_rng(1)
    x, w, b = _arrays(rng, (3, 6, 5), (2, 3, 3, 2), (2,))
    compare_torch(lambda lib, x, w, b: F(lib).conv2d(x, w, b, padding=1, stride=(2, 1)), x, w, b)
    assert ag.conv2d(ag.tensor(x), ag.tensor(w)).shape == (2, 4, 4)


@needs_torch
def test_lenet_block_chain_matches_torch():
    """conv -> relu -> pool -> conv -> relu -> pool -> flatten: outputs of conv2d are
    batch-last in memory, and the next layers must read them right, forward and backward."""
    rng = np.random.default_rng(2)
    x, w1, b1, w2, b2 = _arrays(rng, (4, 1, 12, 12), (3, 1, 5, 5), (3,), (5, 3, 3, 3), (5,))

    def fn(lib, x, w1, b1, w2, b2):
        f = F(lib)
        h = f.max_pool2d(f.conv2d(x, w1, b1, padding=2).relu(), 2)
        h = f.max_pool2d(f.conv2d(h, w2, b2).relu(), 2)
        return h.reshape(h.shape[0], -1)

    compare_torch(fn, x, w1, b1, w2, b2)


def test_conv2d_output_is_nchw_whatever_the_memory_order():
    rng = np.random.default_rng(3)
    x, w = _arrays(rng, (2, 3, 5, 5), (4, 3, 3, 3))
    y = ag.conv2d(ag.tensor(x), ag.tensor(w), padding=1)
    expected = np.zeros((2, 4, 5, 5))
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    for i in range(3):
        for j in range(3):
            expected += np.einsum("nchw,fc->nfhw", xp[:, :, i : i + 5, j : j + 5], w[:, :, i, j])
    np.testing.assert_allclose(y.data, expected, atol=1e-12)
    np.testing.assert_allclose(np.ascontiguousarray(y.data), expected, atol=1e-12)
    np.testing.assert_allclose(y.reshape(2, -1).data, expected.reshape(2, -1), atol=1e-12)


def test_conv2d_keeps_float32_and_skips_unneeded_input_grad():
    rng = np.random.default_rng(4)
    x = ag.tensor(rng.normal(size=(2, 1, 6, 6)).astype(np.float32))
    w = ag.tensor(rng.normal(size=(2, 1, 3, 3)).astype(np.float32), requires_grad=True)
    b = ag.tensor(np.zeros(2, np.float32), requires_grad=True)
    y = ag.conv2d(x, w, b)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad is None
    assert w.grad.dtype == np.float32 and b.grad.dtype == np.float32
    np.testing.assert_allclose(b.grad.data, [32.0, 32.0])  # 2 images x 4x4 outputs
    assert w.grad.shape == (2, 1, 3, 3)


@pytest.mark.parametrize(
    "kw", [dict(padding=1), dict(stride=2, dilation=(1, 2)), dict(groups=2, padding=(0, 1))]
)
def test_conv2d_gradgradcheck(kw):
    rng = np.random.default_rng(5)
    x, w, b = _arrays(rng, (1, 2, 4, 5), (2, 2 // kw.get("groups", 1), 2, 3), (2,))
    inputs = tuple(ag.tensor(a, requires_grad=True) for a in (x, w, b))
    assert ag.gradgradcheck(lambda x, w, b: ag.conv2d(x, w, b, **kw), inputs)


def test_conv1d_gradgradcheck():
    rng = np.random.default_rng(6)
    x, w = _arrays(rng, (2, 2, 6), (2, 2, 3))
    inputs = tuple(ag.tensor(a, requires_grad=True) for a in (x, w))
    assert ag.gradgradcheck(lambda x, w: ag.conv1d(x, w, stride=2, padding=1), inputs)


@needs_torch
def test_conv2d_double_backward_matches_torch():
    """A gradient penalty: d/d(x, W) of |dL/dx|², through the gradient of a convolution."""
    rng = np.random.default_rng(7)
    arrs = _arrays(rng, (2, 3, 6, 5), (4, 3, 3, 3), (4,))
    results = []
    for lib in (ag, torch):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrs)
        y = F(lib).conv2d(x, w, b, padding=1, stride=(1, 2))
        gx, gw = (ag.grad if lib is ag else torch.autograd.grad)(
            (y * y).sum(), (x, w), create_graph=True
        )
        ((gx * gx).sum() + (gw**3).sum()).backward()
        results.append(
            [np.asarray(t.grad.detach() if lib is torch else t.grad.data) for t in (x, w, b)]
        )
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)


def test_conv2d_weight_changed_in_place_is_detected():
    x = ag.tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    w = ag.tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    y = ag.conv2d(x, w).sum()
    with ag.no_grad():
        w -= 0.1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


# --------------------------------------------------------------------------------------------
# conv1d
# --------------------------------------------------------------------------------------------
@st.composite
def conv1d_case(draw):
    groups = draw(st.integers(1, 2))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k, s, d, p = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 2)),
                  draw(st.integers(0, 2)))  # fmt: skip
    least = max(1, d * (k - 1) + 1 - 2 * p)
    length = draw(st.integers(least, least + 5))
    n = draw(st.integers(1, 3))
    return (n, cin, length), (cout, cin // groups, k), draw(st.booleans()), s, p, d, groups


@FD_SETTINGS
@given(conv1d_case(), st.integers(0, 2**31 - 1))
def test_conv1d_gradcheck(case, seed):
    xs, ws, bias, stride, padding, dilation, groups = case
    rng = np.random.default_rng(seed)
    arrs = _arrays(rng, xs, ws, (ws[0],)) if bias else _arrays(rng, xs, ws)

    def fn(x, w, b=None):
        return ag.conv1d(x, w, b, stride, padding, dilation, groups)

    check_grad(fn, *arrs)


@needs_torch
@SETTINGS
@given(conv1d_case(), st.integers(0, 2**31 - 1))
def test_conv1d_matches_torch(case, seed):
    xs, ws, bias, stride, padding, dilation, groups = case
    rng = np.random.default_rng(seed)
    arrs = _arrays(rng, xs, ws, (ws[0],)) if bias else _arrays(rng, xs, ws)
    compare_torch(
        lambda lib, x, w, b=None: F(lib).conv1d(x, w, b, stride, padding, dilation, groups), *arrs
    )


@needs_torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_conv1d_same_padding_and_unbatched_match_torch(k):
    rng = np.random.default_rng(k)
    x, w, b = _arrays(rng, (2, 3, 9), (2, 3, k), (2,))
    compare_torch(lambda lib, x, w, b: F(lib).conv1d(x, w, b, padding="same", dilation=2), x, w, b)
    compare_torch(lambda lib, x, w, b: F(lib).conv1d(x[0], w, b, padding=1), x, w, b)
    assert ag.conv1d(ag.tensor(x), ag.tensor(w), padding="same").shape == (2, 2, 9)


def test_conv1d_backward_names_its_op():
    y = ag.conv1d(ag.tensor(np.ones((1, 1, 4)), requires_grad=True), ag.tensor(np.ones((1, 1, 2))))
    assert y.grad_fn.name == "Conv1dBackward"
    y.sum().backward()


# --------------------------------------------------------------------------------------------
# Errors name the op and the shapes
# --------------------------------------------------------------------------------------------
def _t(*shape):
    return ag.tensor(np.ones(shape))


def test_wrong_channel_count():
    with pytest.raises(RuntimeError) as e:
        ag.conv2d(_t(8, 3, 28, 28), _t(6, 1, 5, 5))
    msg = str(e.value)
    for part in (
        "conv2d()",
        "(8, 3, 28, 28)",
        "(6, 1, 5, 5)",
        "groups=1",
        "3 channels",
        "expects 1",
    ):
        assert part in msg
    with pytest.raises(RuntimeError, match=r"conv2d\(\).*groups=2 expects 4 channels"):
        ag.conv2d(_t(1, 3, 5, 5), _t(4, 2, 3, 3), groups=2)
    with pytest.raises(RuntimeError, match=r"conv1d\(\).*\(2, 4, 9\).*\(3, 2, 3\)"):
        ag.conv1d(_t(2, 4, 9), _t(3, 2, 3))


def test_wrong_ndim_and_groups():
    with pytest.raises(RuntimeError, match=r"conv2d\(\): expected a 3-D \(unbatched\) or 4-D"):
        ag.conv2d(_t(3, 5), _t(1, 1, 2, 2))
    with pytest.raises(RuntimeError, match=r"conv2d\(\): weight must be 4-D.*\(1, 2, 2\)"):
        ag.conv2d(_t(1, 1, 5, 5), _t(1, 2, 2))
    with pytest.raises(RuntimeError, match=r"conv1d\(\): weight must be 3-D"):
        ag.conv1d(_t(1, 1, 5), _t(1, 1, 1, 2))
    with pytest.raises(RuntimeError, match="not divisible by groups=2"):
        ag.conv2d(_t(1, 4, 5, 5), _t(3, 2, 3, 3), groups=2)
    with pytest.raises(ValueError, match="groups must be a positive int"):
        ag.conv2d(_t(1, 4, 5, 5), _t(3, 2, 3, 3), groups=0)


def test_kernel_larger_than_padded_input():
    with pytest.raises(RuntimeError) as e:
        ag.conv2d(_t(1, 1, 4, 4), _t(1, 1, 5, 5))
    msg = str(e.value)
    assert "conv2d()" in msg and "larger than the padded input" in msg and "(4, 4)" in msg
    ag.conv2d(_t(1, 1, 4, 4), _t(1, 1, 5, 5), padding=1)  # fits once padded
    with pytest.raises(RuntimeError, match=r"conv1d\(\).*larger than the padded input"):
        ag.conv1d(_t(1, 1, 4), _t(1, 1, 3), dilation=2)


def test_bad_arguments():
    with pytest.raises(ValueError, match="padding='same' is not supported for strided"):
        ag.conv2d(_t(1, 1, 5, 5), _t(1, 1, 3, 3), padding="same", stride=2)
    with pytest.raises(ValueError, match="padding must be 'valid', 'same'"):
        ag.conv2d(_t(1, 1, 5, 5), _t(1, 1, 3, 3), padding="full")
    with pytest.raises(ValueError, match=r"conv2d\(\): stride must be >= 1"):
        ag.conv2d(_t(1, 1, 5, 5), _t(1, 1, 3, 3), stride=0)
    with pytest.raises(ValueError, match=r"conv2d\(\): padding must be >= 0"):
        ag.conv2d(_t(1, 1, 5, 5), _t(1, 1, 3, 3), padding=(1, -1))
    with pytest.raises(RuntimeError, match=r"bias must have shape \(2,\).*got shape \(3,\)"):
        ag.conv2d(_t(1, 1, 5, 5), _t(2, 1, 3, 3), _t(3))
