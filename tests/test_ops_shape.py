"""Shape, join, split and pad ops: values and gradients against PyTorch, gradients against
finite differences (hypothesis shapes), double backward, and the errors users meet."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import arrays, check_grad, compare_torch, shapes
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag

SETTINGS = settings(max_examples=25, deadline=None)

torch = pytest.importorskip("torch")
F = torch.nn.functional


def both(fn, *arrays_, wrt=None):
    """Compare ``fn(lib, *tensors)`` with torch and check its gradient numerically."""
    compare_torch(fn, *arrays_, wrt=wrt)
    check_grad(lambda *ts: fn(ag, *ts), *arrays_, wrt=wrt)


def ones_heavy_shapes(min_dims=0, max_dims=4):
    """Shapes with many axes of size 1 (for squeeze)."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=2)


# -- reshape family -----------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_reshape_view_permute_transpose(data):
    shape = data.draw(shapes(1, 4, max_side=3))
    x = data.draw(arrays(shape))
    order = data.draw(st.permutations(range(len(shape))))
    d0 = data.draw(st.integers(-len(shape), len(shape) - 1))
    d1 = data.draw(st.integers(-len(shape), len(shape) - 1))
    both(lambda lib, t: t.reshape(-1), x)
    both(lambda lib, t: t.view(shape[::-1]).permute(*order[::-1]), x)
    both(lambda lib, t: t.permute(*order), x)
    both(lambda lib, t: t.transpose(d0, d1), x)


@SETTINGS
@given(st.data())
def test_expand(data):
    shape = data.draw(ones_heavy_shapes(0, 3))
    x = data.draw(arrays(shape))
    target = tuple(data.draw(st.integers(1, 3)) if n == 1 else n for n in shape)
    lead = tuple(data.draw(st.lists(st.integers(1, 3), max_size=2)))
    both(lambda lib, t: t.expand(lead + target), x)


@SETTINGS
@given(st.data())
def test_flatten(data):
    shape = data.draw(shapes(0, 4, max_side=3))
    x = data.draw(arrays(shape))
    nd = max(len(shape), 1)
    s = data.draw(st.integers(-nd, nd - 1))
    e = data.draw(st.integers(-nd, nd - 1))
    assume(s % nd <= e % nd)
    both(lambda lib, t: lib.flatten(t, s, e), x)
    both(lambda lib, t: t.flatten(s), x)


@SETTINGS
@given(st.data())
def test_squeeze(data):
    shape = data.draw(ones_heavy_shapes(0, 4))
    x = data.draw(arrays(shape))
    nd = max(len(shape), 1)
    dim = data.draw(
        st.none()
        | st.integers(-nd, nd - 1)
        | st.lists(st.integers(0, nd - 1), unique=True, max_size=nd).map(tuple)
    )
    if dim is None:
        both(lambda lib, t: t.squeeze(), x)
    else:
        both(lambda lib, t: lib.squeeze(t, dim), x)


def test_squeeze_spellings_and_a_dim_that_is_not_one():
    x = ag.zeros(1, 3, 1)
    assert x.squeeze(0, 2).shape == (3,)
    assert x.squeeze((0, 2)).shape == (3,)
    assert x.squeeze(dim=0).shape == (3, 1)
    assert ag.squeeze(x, axis=-1).shape == (1, 3)
    assert x.squeeze(1).shape == (1, 3, 1)  # size 3: left alone, as torch


@SETTINGS
@given(st.data())
def test_unsqueeze(data):
    shape = data.draw(shapes(0, 3))
    x = data.draw(arrays(shape))
    dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    both(lambda lib, t: t.unsqueeze(dim), x)
    both(lambda lib, t: lib.unsqueeze(t, dim) * 2.0, x)


# -- flip and repeat ----------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_flip(data):
    shape = data.draw(shapes(1, 4, max_side=3))
    x = data.draw(arrays(shape))
    dims = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), max_size=len(shape)))
    assume(len({d % len(shape) for d in dims}) == len(dims))
    both(lambda lib, t: lib.flip(t, dims), x)
    both(lambda lib, t: t.flip(*dims) if dims else t.flip(dims), x)


def test_flip_spellings():
    x = ag.arange(6.0).reshape(2, 3)
    expected = np.arange(6.0).reshape(2, 3)[::-1, ::-1]
    for y in (x.flip(0, 1), x.flip((0, 1)), ag.flip(x, [0, 1]), ag.flip(x, dims=(0, 1))):
        np.testing.assert_array_equal(y.data, expected)
    np.testing.assert_array_equal(ag.flip(x, axis=1).data, expected[::-1])


@SETTINGS
@given(st.data())
def test_repeat(data):
    shape = data.draw(shapes(0, 3, max_side=3))
    x = data.draw(arrays(shape))
    extra = data.draw(st.integers(0, 2))
    n = max(len(shape) + extra, 1)
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    both(lambda lib, t: t.repeat(*sizes), x)
    both(lambda lib, t: t.repeat(sizes), x)


def test_repeat_is_tile():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(x.repeat(2, 1, 3).data, np.tile(x.data, (2, 1, 3)))
    assert x.repeat(0, 2).shape == (0, 4)


# -- cat / stack --------------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_cat(data):
    base = data.draw(shapes(1, 3))
    d = data.draw(st.integers(-len(base), len(base) - 1))
    sizes = data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=4))
    xs = []
    for n in sizes:
        s = list(base)
        s[d] = n
        xs.append(data.draw(arrays(tuple(s))))
    both(lambda lib, *ts: lib.cat(ts, d), *xs)
    both(lambda lib, *ts: lib.cat(list(ts), dim=d) * 3.0, *xs)


def test_cat_spellings_and_dtype_promotion():
    a, b = ag.ones(2, 3), ag.zeros(2, 1, dtype=ag.float64)
    for y in (ag.cat([a, b], 1), ag.cat((a, b), axis=1), ag.concatenate([a, b], axis=1)):
        assert y.shape == (2, 4) and y.dtype == np.float64
    assert ag.concatenate([a, a], dim=0).shape == (4, 3)
    assert ag.cat([ag.arange(3), ag.ones(2)]).dtype == np.float32  # int64 with float32


def test_cat_gradient_goes_only_to_inputs_that_require_it():
    a = ag.ones(2, requires_grad=True)
    b = ag.ones(3)
    ag.cat([a, b]).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1.0, 1.0])
    assert b.grad is None


@SETTINGS
@given(st.data())
def test_stack(data):
    shape = data.draw(shapes(0, 3))
    k = data.draw(st.integers(1, 3))
    xs = [data.draw(arrays(shape)) for _ in range(k)]
    d = data.draw(st.integers(-len(shape) - 1, len(shape)))
    both(lambda lib, *ts: lib.stack(ts, d), *xs)
    both(lambda lib, *ts: lib.stack(list(ts), dim=d).sum(0), *xs)


# -- split / chunk ------------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_split(data):
    shape = data.draw(shapes(1, 3, max_side=5))
    x = data.draw(arrays(shape))
    d = data.draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[d]
    if data.draw(st.booleans()):
        how = data.draw(st.integers(1, n + 1))
    else:
        cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
        how = [b - a for a, b in zip([0, *cuts], [*cuts, n])]

    def fn(lib, t):
        pieces = t.split(how, d)
        return lib.cat([p * (i + 1.0) for i, p in enumerate(pieces)], d)

    both(fn, x)
    ours = ag.split(ag.tensor(x), how, d)
    theirs = torch.split(torch.tensor(x), how, d)
    assert isinstance(ours, tuple)
    assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]


@SETTINGS
@given(st.data())
def test_chunk(data):
    shape = data.draw(shapes(1, 3, max_side=7))
    x = data.draw(arrays(shape))
    d = data.draw(st.integers(-len(shape), len(shape) - 1))
    chunks = data.draw(st.integers(1, 8))

    def fn(lib, t):
        pieces = t.chunk(chunks, d)
        return lib.cat([p.exp() * (i + 1.0) for i, p in enumerate(pieces)], d)

    both(fn, x)
    ours = ag.chunk(ag.tensor(x), chunks, d)
    theirs = torch.chunk(torch.tensor(x), chunks, d)
    assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]


def test_chunk_and_split_of_empty_dimension_as_torch():
    for lib in (ag, torch):
        assert [tuple(p.shape) for p in lib.zeros(2, 0).chunk(3, 1)] == [(2, 0)] * 3
        assert [tuple(p.shape) for p in lib.zeros(0, 3).split(2)] == [(0, 3)]


# -- pad ----------------------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_pad_constant(data):
    shape = data.draw(shapes(1, 3))
    x = data.draw(arrays(shape))
    k = data.draw(st.integers(1, len(shape)))
    widths = []
    for i in range(k):
        n = shape[-1 - i]
        lo = data.draw(st.integers(-n, 3))
        widths += [lo, data.draw(st.integers(-(n - max(-lo, 0)), 3))]  # crops stay inside x
    value = data.draw(st.sampled_from([0.0, 1.5]))

    def fn(lib, t):
        return (F if lib is torch else ag).pad(t, tuple(widths), value=value)

    both(fn, x)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize(
    "shape,widths",
    [((2, 3, 5), (2, 1)), ((2, 4), (3, 3)), ((1, 2, 4, 3), (1, 2, 2, 0)), ((2, 2, 5), (-1, 2))],
)
def test_pad_modes(mode, shape, widths):
    x = np.random.default_rng(0).normal(size=shape)

    def fn(lib, t):
        return (F if lib is torch else ag).pad(t, widths, mode=mode)

    both(fn, x)


def test_pad_negative_widths_crop():
    x = ag.arange(10.0).reshape(2, 5)
    np.testing.assert_array_equal(ag.pad(x, (-1, -2)).data, x.data[:, 1:3])
    np.testing.assert_array_equal(ag.pad(x, (1, -4, 0, 1), value=7.0).data[:, 0], [7, 7, 7])


# -- double backward ----------------------------------------------------------------------------
def _second_order(lib, x, y):
    """d/dx and d/dy of the sum of weighted first derivatives of a cubic through the ops."""
    z = lib.cat([x * x, y.sin()], 1)
    s = lib.stack([z, z.flip(0)], 0)
    p = (F if lib is torch else ag).pad(s, (1, 0, 0, 1))
    out = (p.repeat(1, 2, 1) ** 3).sum()
    grad = torch.autograd.grad if lib is torch else ag.grad
    gx, gy = grad(out, (x, y), create_graph=True)
    return (gx * gx).sum() + (gy * gy.cos()).sum()


def test_double_backward_through_cat_stack_flip_pad_repeat_vs_torch():
    rng = np.random.default_rng(1)
    xv, yv = rng.normal(size=(2, 3)), rng.normal(size=(2, 2))
    x, y = ag.tensor(xv, requires_grad=True), ag.tensor(yv, requires_grad=True)
    tx, ty = torch.tensor(xv, requires_grad=True), torch.tensor(yv, requires_grad=True)
    _second_order(ag, x, y).backward()
    _second_order(torch, tx, ty).backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(y.grad.data, ty.grad.numpy(), rtol=1e-6, atol=1e-8)


def test_double_backward_through_split_and_chunk_vs_torch():
    xv = np.random.default_rng(2).normal(size=(5, 3))

    def second(lib, x):
        a, b = x.split([2, 3])
        c = x.chunk(2, 1)[0]
        out = (a**3).sum() + (b.sin() * 2).sum() + (c**4).sum()
        grad = torch.autograd.grad if lib is torch else ag.grad
        (g,) = grad(out, (x,), create_graph=True)
        return (g * g).sum()

    x = ag.tensor(xv, requires_grad=True)
    tx = torch.tensor(xv, requires_grad=True)
    second(ag, x).backward()
    second(torch, tx).backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-6)


# -- errors -------------------------------------------------------------------------------------
def test_shape_errors_name_the_op_and_shapes():
    x = ag.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"cat\(\).*\(2, 3\).*\(3, 4\)"):
        ag.cat([x, ag.zeros(3, 4)])
    with pytest.raises(RuntimeError, match=r"cat\(\).*non-empty"):
        ag.cat([])
    with pytest.raises(RuntimeError, match=r"zero-dimensional"):
        ag.cat([ag.tensor(1.0), ag.tensor(2.0)])
    with pytest.raises(TypeError, match=r"cat\(\).*sequence"):
        ag.cat(x)
    with pytest.raises(IndexError, match=r"cat\(\).*dimension 2"):
        ag.cat([x, x], 2)
    with pytest.raises(RuntimeError, match=r"stack\(\).*equal size.*\(2, 3\).*\(2, 4\)"):
        ag.stack([x, ag.zeros(2, 4)])
    with pytest.raises(RuntimeError, match=r"split_sizes to sum exactly to 3.*\[1, 1\]"):
        x.split([1, 1], 1)
    with pytest.raises(RuntimeError, match=r"chunk.*greater than 0"):
        x.chunk(0)
    with pytest.raises(ValueError, match=r"pad\(\).*divisible by 2"):
        ag.pad(x, (1,))
    with pytest.raises(ValueError, match=r"pad\(\).*padding length 6.*\(2, 3\)"):
        ag.pad(x, (1, 1, 1, 1, 1, 1))
    with pytest.raises(RuntimeError, match=r"pad\(\).*negative output size"):
        ag.pad(x, (-2, -2))
    with pytest.raises(ValueError, match=r"reflect.*at most 2"):
        ag.pad(x, (3, 0), mode="reflect")
    with pytest.raises(ValueError, match=r"mode must be"):
        ag.pad(x, (1, 1), mode="mirror")
    with pytest.raises(RuntimeError, match=r"repeat\(\).*smaller.*\(2, 3\)"):
        x.repeat(2)
    with pytest.raises(RuntimeError, match=r"flatten\(\).*start_dim 1 cannot come after"):
        x.flatten(1, 0)
    with pytest.raises(IndexError, match=r"unsqueeze\(\).*dimension 3.*\(2, 3\)"):
        x.unsqueeze(3)
    with pytest.raises(IndexError, match=r"squeeze\(\).*dimension 5"):
        x.squeeze(5)
    with pytest.raises(IndexError, match=r"flip\(\).*dimension 2"):
        x.flip(2)


def test_float32_stays_float32():
    x = ag.ones(2, 3, requires_grad=True)
    outs = [
        ag.cat([x, x]),
        ag.stack([x, x]),
        ag.pad(x, (1, 1)),
        ag.pad(x, (1, 1), mode="reflect"),
        x.flip(0),
        x.repeat(2, 1),
        x.flatten(),
        x.unsqueeze(0).squeeze(0),
        *x.split(1, 1),
    ]
    for y in outs:
        assert y.dtype == np.float32
    sum(y.sum() for y in outs).backward()
    assert x.grad.dtype == np.float32
