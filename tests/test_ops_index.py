"""Indexing and ``x[key] = v``: values and gradients against PyTorch, gradients against finite
differences, repeated indices, boolean masks, errors, in-place semantics, double backward."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import arrays, check_grad, compare_torch, shapes
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag

SETTINGS = settings(max_examples=25, deadline=None)

torch = pytest.importorskip("torch")


def both(fn, *arrays_):
    compare_torch(fn, *arrays_)
    check_grad(lambda *ts: fn(ag, *ts), *arrays_)


# -- basic keys: ints, slices, None, Ellipsis -------------------------------------------------
@st.composite
def basic_keys(draw, shape, positive_steps=True):
    """A key of ints, slices, None and at most one Ellipsis that is valid for ``shape``."""
    parts = []
    dims = list(shape)
    ellipsis_at = draw(st.integers(-1, len(dims)))
    kinds = ["int", "slice", "none", "stop"]
    i = 0
    while i < len(dims):
        if i == ellipsis_at:
            parts.append(Ellipsis)
            i = len(dims) - draw(st.integers(0, len(dims) - i))
            ellipsis_at = -1
            kinds = kinds[:-1]  # the parts after "..." index the last dimensions: no early stop
            continue
        n = dims[i]
        kind = draw(st.sampled_from(kinds))
        if kind == "stop":
            break
        if kind == "none":
            parts.append(None)
            continue
        if kind == "int":
            parts.append(draw(st.integers(-n, n - 1)))
        else:
            lo = draw(st.none() | st.integers(-n - 1, n + 1))
            hi = draw(st.none() | st.integers(-n - 1, n + 1))
            step = draw(st.none() | st.integers(1, 3))
            if not positive_steps and draw(st.booleans()):
                step = -draw(st.integers(1, 3))
            parts.append(slice(lo, hi, step))
        i += 1
    return tuple(parts)


@SETTINGS
@given(st.data())
def test_basic_indexing(data):
    shape = data.draw(shapes(1, 3))
    x = data.draw(arrays(shape))
    key = data.draw(basic_keys(shape))
    both(lambda lib, t: t[key] * 2.0, x)


@SETTINGS
@given(st.data())
def test_negative_steps_gradcheck(data):  # torch has no negative steps: finite differences only
    shape = data.draw(shapes(1, 3))
    x = data.draw(arrays(shape))
    key = data.draw(basic_keys(shape, positive_steps=False))
    check_grad(lambda t: t[key], x)
    np.testing.assert_array_equal(ag.tensor(x)[key].data, x[key])


def test_single_int_and_slice_keys():
    x = np.arange(12.0).reshape(3, 4)
    both(lambda lib, t: t[1], x)
    both(lambda lib, t: t[-1], x)
    both(lambda lib, t: t[1:], x)
    both(lambda lib, t: t[..., 2], x)
    both(lambda lib, t: t[None, :, None, 1], x)
    both(lambda lib, t: t[1, 2], x)


# -- integer arrays -----------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_integer_array_indexing_with_repeats(data):
    shape = data.draw(shapes(1, 3))
    x = data.draw(arrays(shape))
    n = shape[0]
    idx = data.draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=6))
    as_tensor = data.draw(st.booleans())

    def fn(lib, t):
        i = lib.tensor(idx) if as_tensor else idx
        return t[i]

    both(fn, x)


@SETTINGS
@given(st.data())
def test_integer_arrays_mixed_with_slices(data):
    shape = data.draw(shapes(2, 3))
    x = data.draw(arrays(shape))
    rows = data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=4))
    cols = data.draw(st.lists(st.integers(0, shape[1] - 1), min_size=len(rows), max_size=len(rows)))
    both(lambda lib, t: t[:, cols], x)
    both(lambda lib, t: t[rows, cols], x)  # pairs (rows[k], cols[k]), repeats add up
    both(lambda lib, t: t[lib.tensor(rows)[:, None], lib.tensor(cols)[None, :]], x)
    if len(shape) == 3:
        last = [c % shape[2] for c in cols]
        both(lambda lib, t: t[rows, :, last], x)  # separated advanced indices go first


@pytest.mark.parametrize(
    "key",
    [
        (1, slice(None), [0, 2]),
        (slice(None), [0, 1], 1, [0, 2]),
        (0, [0, 1], slice(None), [0, 2]),
        ([0, 1], 1, slice(None), 2),
        (Ellipsis, 1, [2, 0, 2]),
        (1, None, slice(None), [[0], [2]], 3),
    ],
)
def test_ints_mixed_with_arrays_follow_torch_not_numpy(key):
    # numpy counts an int among the array indices, which moves the indexed axes to the front
    # (x[1, :, [0, 2]] is (2, 3) in numpy); PyTorch drops the int's axis first: (3, 2).
    x = np.arange(120.0).reshape(2, 3, 4, 5)
    both(lambda lib, t: t[key] * 2.0, x)


def test_setitem_with_ints_mixed_with_arrays_follows_torch():
    xv = np.random.default_rng(6).normal(size=(2, 3, 4))
    vv = np.arange(6.0).reshape(3, 2)
    key = (1, slice(None), [0, 2])
    x, v = ag.tensor(xv, requires_grad=True), ag.tensor(vv, requires_grad=True)
    tx, tv = torch.tensor(xv, requires_grad=True), torch.tensor(vv, requires_grad=True)
    for lib, a, b in ((ag, x, v), (torch, tx, tv)):
        h = a * 1.5
        h[key] = b * b
        (h * h.cos()).sum().backward()
        with lib.no_grad():
            c = a * 1.0
            c[key] = b
            assert c[1, 2, 2].item() == 5.0
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(v.grad.data, tv.grad.numpy(), rtol=1e-10)


def test_repeated_indices_accumulate():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 2, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 0.0, 1.0])
    w = ag.tensor(np.arange(8.0).reshape(4, 2), requires_grad=True)
    idx = ag.tensor([[1, 1], [3, 1]])
    (w[idx] * ag.tensor([[[1.0, 1.0], [2.0, 2.0]], [[3.0, 3.0], [4.0, 4.0]]])).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [[0, 0], [7, 7], [0, 0], [3, 3]])


def test_cross_entropy_style_pick():
    logits = np.random.default_rng(0).normal(size=(5, 4))
    labels = [3, 0, 3, 1, 2]
    both(lambda lib, t: t[lib.arange(5), lib.tensor(labels)], logits)


def test_zero_dim_integer_tensor_is_an_int():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x[ag.tensor(1)]
    assert y.shape == (2,)
    np.testing.assert_array_equal(y.data, [3.0, 4.0])
    assert y.grad_fn.unique  # a plain int: assignment in backward, no add.at


# -- boolean masks ------------------------------------------------------------------------------
@SETTINGS
@given(st.data())
def test_boolean_masks(data):
    shape = data.draw(shapes(1, 3))
    x = data.draw(arrays(shape))
    full = data.draw(arrays(shape)) > 0
    rows = np.asarray(data.draw(st.lists(st.booleans(), min_size=shape[0], max_size=shape[0])))
    both(lambda lib, t: t[lib.tensor(full)], x)
    both(lambda lib, t: t[lib.tensor(rows)], x)
    compare_torch(lambda lib, t: t[t > 0] * 3.0, x)  # the mask moves under finite differences
    if len(shape) >= 2:
        cols = np.asarray(data.draw(st.lists(st.booleans(), min_size=shape[1], max_size=shape[1])))
        both(lambda lib, t: t[:, lib.tensor(cols)], x)


def test_numpy_mask_and_list_of_bools():
    x = ag.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x[np.array([True, False, True])] + x[[False, True, True]]
    np.testing.assert_array_equal(y.data, [-1.0, 6.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0, 2.0])


def test_backward_fast_path_for_keys_that_pick_each_element_once():
    x = ag.ones(3, 4, requires_grad=True)
    for key in [1, (slice(None), 2), (Ellipsis, None, 1), x.data > 0, (0, [True] * 4)]:
        assert x[key].grad_fn.unique, key
    assert not x[[0, 0]].grad_fn.unique
    assert not x[:, [1, 2]].grad_fn.unique


# -- errors -------------------------------------------------------------------------------------
def test_index_errors_name_index_dim_and_size():
    x = ag.zeros(3, 4)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0 with size 3"):
        x[5]
    with pytest.raises(IndexError, match="index -5 is out of bounds for dimension 1 with size 4"):
        x[:, -5]
    with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 1 with size 4"):
        x[..., [0, 7]]
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        x[ag.tensor([1, 3])]
    with pytest.raises(IndexError, match=r"mask \[2\] at index 0 does not match.*\[3, 4\]"):
        x[ag.tensor([True, False])]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="valid indices"):
        x[1.5]
    with pytest.raises(IndexError, match="must be long, int or bool"):
        x[ag.tensor([0.0, 1.0])]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., ...]


# -- setitem ------------------------------------------------------------------------------------
def test_setitem_under_no_grad_writes_in_place():
    w = ag.ones(3, requires_grad=True)
    data_before = w.data
    with ag.no_grad():
        w[1] = 5.0
        w[[0, 2]] = ag.tensor([7.0, 8.0])
    assert w.data is data_before and w.is_leaf and w.requires_grad
    np.testing.assert_array_equal(w.data, [7.0, 5.0, 8.0])


def test_setitem_without_grad_writes_and_bumps_version():
    x = ag.zeros(2, 3)
    v = x._vc[0]
    x[0] = ag.tensor([1.0, 2.0, 3.0])
    x[:, 1] = 9
    x[x > 5] = -1.0
    np.testing.assert_array_equal(x.data, [[1, -1, 3], [0, -1, 0]])
    assert x._vc[0] == v + 3
    assert x.grad_fn is None and not x.requires_grad


def test_setitem_on_leaf_that_requires_grad_raises():
    w = ag.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in"):
        w[0] = 2.0


def test_setitem_bumps_version_so_saved_values_are_protected():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1.0
    y = h * h  # saves h
    h[0] = 3.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_basic_index_is_a_view_sharing_the_version_counter():
    y = ag.zeros(2, 3)
    y[0, 1].fill_(5.0)  # a 0-d view, as in torch
    y[1][2] = 7.0  # writes through the view y[1]
    np.testing.assert_array_equal(y.data, [[0, 5, 0], [0, 0, 7]])
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    a = x.exp()  # saves its output a
    b = a[0]
    assert b._vc is a._vc
    b.mul_(2.0)  # changes a through the view
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        a.sum().backward()
    assert x[[0, 1]]._vc is not x._vc  # integer arrays copy


def _setitem_program(lib, x, v, key, scalar_value=False):
    h = x * 2.0
    h[key] = 3.5 if scalar_value else v.exp()
    return (h * h).sum() + h.sin().sum()


@pytest.mark.parametrize(
    "key,vshape",
    [
        ((slice(1, 3),), (2, 4)),
        ((1,), (4,)),
        ((slice(None), 2), (3,)),
        ((slice(None), 2), (1,)),  # broadcast value: its gradient is summed
        ((slice(None), slice(1, 3)), (2,)),
        (([0, 2],), (2, 4)),
        ((Ellipsis, [3, 1]), (3, 2)),
        ((slice(1, 3),), ()),
    ],
)
def test_setitem_on_non_leaf_gradients_match_torch(key, vshape):
    rng = np.random.default_rng(3)
    xv, vv = rng.normal(size=(3, 4)), rng.normal(size=vshape)
    x, v = ag.tensor(xv, requires_grad=True), ag.tensor(vv, requires_grad=True)
    tx, tv = torch.tensor(xv, requires_grad=True), torch.tensor(vv, requires_grad=True)
    out = _setitem_program(ag, x, v, key)
    tout = _setitem_program(torch, tx, tv, key)
    assert out.item() == pytest.approx(tout.item(), rel=1e-12)
    out.backward()
    tout.backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(v.grad.data, tv.grad.numpy(), rtol=1e-10)


def test_setitem_with_mask_and_plain_value_on_non_leaf():
    xv = np.array([[1.0, -2.0], [-3.0, 4.0]])
    x, tx = ag.tensor(xv, requires_grad=True), torch.tensor(xv, requires_grad=True)
    for lib, t in ((ag, x), (torch, tx)):
        h = t * 3.0
        h[h < 0] = 0.5
        (h * h).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())
    np.testing.assert_allclose(x.grad.data, [[6 * 3.0, 0], [0, 6 * 12.0]])  # 2h·3


def test_setitem_value_requiring_grad_into_plain_tensor():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    buf = ag.zeros(3)
    buf[1:] = w * w
    assert buf.requires_grad and not buf.is_leaf
    (buf * ag.tensor([5.0, 6.0, 7.0])).sum().backward()
    np.testing.assert_allclose(w.grad.data, [2 * 1.0 * 6.0, 2 * 2.0 * 7.0])


def test_setitem_gradcheck():
    rng = np.random.default_rng(4)

    def fn(x, v):
        h = x * 3.0  # (tanh would save h, and then refuse the in-place write, as torch)
        h[1:, ::2] = v.tanh()
        return h * x

    check_grad(fn, rng.normal(size=(3, 4)), rng.normal(size=(2, 2)))


# -- double backward ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "key",
    [
        (slice(1, None), 0),
        ([0, 2, 2, 1],),
        (slice(None), [1, 1, 0]),
        "mask",
    ],
)
def test_double_backward_through_getitem_vs_torch(key):
    xv = np.random.default_rng(5).normal(size=(3, 4))
    if key == "mask":
        key = (xv > 0,)

    def second(lib, x):
        out = (x[key] ** 3).sum() + (x[key].sin() * x[key]).sum()
        grad = torch.autograd.grad if lib is torch else ag.grad
        (g,) = grad(out, (x,), create_graph=True)
        return (g * g * lib.tensor(np.arange(12.0).reshape(3, 4))).sum()

    x, tx = ag.tensor(xv, requires_grad=True), torch.tensor(xv, requires_grad=True)
    second(ag, x).backward()
    second(torch, tx).backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-9)


def test_double_backward_through_setitem_vs_torch():
    rng = np.random.default_rng(7)
    xv, vv = rng.normal(size=(3, 4)), rng.normal(size=(2, 4))

    def second(lib, x, v):
        h = x * x
        h[1:] = v**3
        out = (h**2).sum()
        grad = torch.autograd.grad if lib is torch else ag.grad
        gx, gv = grad(out, (x, v), create_graph=True)
        return (gx * gx).sum() + (gv * gv).sum()

    x, v = ag.tensor(xv, requires_grad=True), ag.tensor(vv, requires_grad=True)
    tx, tv = torch.tensor(xv, requires_grad=True), torch.tensor(vv, requires_grad=True)
    second(ag, x, v).backward()
    second(torch, tx, tv).backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-9)
    np.testing.assert_allclose(v.grad.data, tv.grad.numpy(), rtol=1e-9)


def test_third_derivative_through_index_add():
    x = ag.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = (x[[0, 0, 2]] ** 4).sum()  # 2·x0⁴ + x2⁴
    (g,) = ag.grad(y, (x,), create_graph=True)
    (h,) = ag.grad(g.sum(), (x,), create_graph=True)
    (k,) = ag.grad(h.sum(), (x,))
    np.testing.assert_allclose(k.data, [2 * 24 * 0.5, 0.0, 24 * 2.0])


def test_iteration_and_float32():
    x = ag.ones(3, 2, requires_grad=True)
    rows = list(x)
    assert all(r.dtype == np.float32 and r.shape == (2,) for r in rows)
    sum(r.sum() * (i + 1) for i, r in enumerate(rows)).backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [[1, 1], [2, 2], [3, 3]])
