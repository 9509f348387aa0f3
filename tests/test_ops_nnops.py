"""softmax, log_softmax and dropout: gradients, PyTorch agreement, stability at ±1000, double
backward, and dropout's statistics, modes, limits and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from tests.helpers import arrays, check_grad, compare_torch, shapes

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
SETTINGS = settings(max_examples=25, deadline=None)


@st.composite
def shape_and_dim(draw):
    shape = draw(shapes(min_dims=1))
    return shape, draw(st.integers(-len(shape), len(shape) - 1))


# --------------------------------------------------------------------------------------------
# softmax, log_softmax
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@SETTINGS
@given(data=st.data())
def test_grad_and_torch(name, data):
    shape, dim = data.draw(shape_and_dim())
    x = data.draw(arrays(shape, -5, 5))
    check_grad(lambda t: getattr(ag, name)(t, dim), x)
    compare_torch(lambda m, t: getattr(m, name)(t, dim), x)
    compare_torch(lambda m, t: getattr(t, name)(dim), x)  # the method


@needs_torch
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stable_at_plus_minus_1000(name, dtype):
    x = np.array(
        [[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -999.0], [1000.0, 1000.0, 1000.0]], dtype
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or divide warnings
        t = ag.tensor(x, requires_grad=True)
        y = getattr(ag, name)(t, 1)
        (y * ag.tensor(np.arange(9.0).reshape(3, 3).astype(dtype))).sum().backward()
    assert y.dtype == dtype
    assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(t.grad.data))
    want = getattr(torch, name)(torch.tensor(x), 1).numpy()
    np.testing.assert_allclose(y.data, want, rtol=1e-6, atol=1e-6)
    compare_torch(lambda m, u: getattr(m, name)(u, 1), x.astype(np.float64))
    compare_torch(lambda m, u: getattr(m, name)(u, 0), x.astype(np.float64))


def test_softmax_values():
    y = ag.softmax(ag.tensor([[0.0, np.log(3.0)], [5.0, 5.0]]), dim=1)
    np.testing.assert_allclose(y.data, [[0.25, 0.75], [0.5, 0.5]], rtol=1e-6)
    np.testing.assert_allclose(y.data.sum(1), [1.0, 1.0], rtol=1e-6)
    ls = ag.log_softmax(ag.tensor([[0.0, np.log(3.0)]]), dim=-1)
    np.testing.assert_allclose(ls.data, np.log([[0.25, 0.75]]), rtol=1e-6)


@pytest.mark.parametrize("shape", [(64, 10), (1, 5), (0, 3), (3, 1), (5, 2000), (2, 3, 4)])
def test_row_maximum_shift_is_numpys_max(shape):
    # softmax, log_softmax and cross-entropy shift by max_keepdims, which reduces a transposed
    # copy for the rows of 2-D arrays: the same values as x.max, NaN and ±inf included
    from autograd_core.ops.nnops import max_keepdims

    x = np.random.default_rng(3).normal(size=shape).astype(np.float32)
    if x.size > 6:
        x.flat[[1, 4, 5]] = [np.nan, np.inf, -np.inf]
    for axis in range(-1, x.ndim):
        if x.shape[axis] == 0:  # numpy's error for an empty reduction, either way
            with pytest.raises(ValueError, match="zero-size"):
                max_keepdims(x, axis)
            continue
        np.testing.assert_array_equal(max_keepdims(x, axis), x.max(axis=axis, keepdims=True))


def test_cached_ones_vectors_are_read_only_and_bounded():
    # the row sums of cross-entropy and the bias gradient of linear are products with these
    from autograd_core import dtypes

    f32 = np.dtype(np.float32)
    v = dtypes.ones(7, f32)
    assert v.dtype == f32 and v.shape == (7,) and (v == 1).all()
    assert dtypes.ones(7, f32) is v  # one per size and dtype
    assert dtypes.ones(7, np.dtype(np.float64)).dtype == np.float64
    with pytest.raises(ValueError, match="read-only"):
        v[0] = 2
    big = dtypes.ones(5000, f32)
    assert not big.flags.writeable and dtypes.ones(5000, f32) is not big  # not kept


def test_dtype_argument_and_integer_input():
    x = ag.tensor([[1.0, 2.0, 3.0]])
    assert ag.softmax(x, 1, dtype=ag.float64).dtype == np.float64
    assert ag.log_softmax(x, 1, dtype=np.float64).dtype == np.float64
    y = ag.softmax(ag.tensor([[1, 2, 3]]), 1)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, ag.softmax(x, 1).data)


def test_implicit_dim_warns_and_follows_torch_functional():
    x3 = ag.tensor(np.arange(24.0).reshape(2, 3, 4))
    x2 = ag.tensor(np.arange(6.0).reshape(2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y3 = ag.softmax(x3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        y2 = ag.log_softmax(x2)
    np.testing.assert_allclose(y3.data, ag.softmax(x3, 0).data)  # 3-d: dim 0, as torch
    np.testing.assert_allclose(y2.data, ag.log_softmax(x2, 1).data)  # 2-d: dim 1


def test_softmax_errors_and_zero_dim():
    x = ag.tensor([[1.0, 2.0]])
    with pytest.raises(IndexError, match="softmax.*out of range"):
        ag.softmax(x, 2)
    with pytest.raises(TypeError, match="dim must be an int"):
        ag.softmax(x, (0, 1))
    s = ag.tensor(3.0, requires_grad=True)
    assert ag.softmax(s, 0).item() == 1.0
    assert ag.log_softmax(s, -1).item() == 0.0


@needs_torch
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_double_backward_matches_torch(name, dim):
    x0 = np.array([[0.3, -1.2, 2.0, 0.7], [1.5, 0.1, -0.4, -2.2], [0.9, 1.1, -1.3, 0.25]])
    w = np.linspace(-1.0, 2.0, 12).reshape(3, 4)
    v = np.linspace(0.5, -1.5, 12).reshape(3, 4)
    x = ag.tensor(x0, requires_grad=True)
    (g,) = ag.grad((getattr(ag, name)(x, dim) * ag.tensor(w)).sum(), x, create_graph=True)
    ((g * g).sum() + (g * ag.tensor(v)).sum()).backward()
    tx = torch.tensor(x0, requires_grad=True)
    out = (getattr(torch, name)(tx, dim) * torch.tensor(w)).sum()
    (tg,) = torch.autograd.grad(out, tx, create_graph=True)
    ((tg * tg).sum() + (tg * torch.tensor(v)).sum()).backward()
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-6, atol=1e-9)


@needs_torch
def test_cross_entropy_by_hand_matches_torch():
    logits = np.array([[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]])
    onehot = np.array([[0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    compare_torch(lambda m, z, y: -(m.log_softmax(z, 1) * y).sum() / 2, logits, onehot, wrt=[0])


# --------------------------------------------------------------------------------------------
# dropout
# --------------------------------------------------------------------------------------------
def test_dropout_statistics():
    ag.manual_seed(0)
    n = 200_000
    x = ag.tensor(np.ones(n, np.float32))
    for p in [0.1, 0.5, 0.8]:
        y = ag.dropout(x, p)
        kept = y.data != 0
        assert y.dtype == np.float32
        # Binomial(n, 1 - p): 5 standard deviations
        assert abs(kept.mean() - (1 - p)) < 5 * np.sqrt(p * (1 - p) / n)
        np.testing.assert_allclose(y.data[kept], 1 / (1 - p), rtol=1e-6)  # inverted scaling
        assert abs(y.data.mean() - 1.0) < 5 * np.sqrt(p / (1 - p) / n)  # E[y] = x


def test_dropout_gradient_uses_the_same_mask():
    ag.manual_seed(1)
    x = ag.tensor(np.linspace(1.0, 2.0, 1000), requires_grad=True)
    y = ag.dropout(x, 0.3)
    y.sum().backward()
    mask = y.data != 0
    np.testing.assert_allclose(x.grad.data, mask / 0.7)
    np.testing.assert_allclose(y.data, x.data * mask / 0.7)
    check_grad(lambda t: ag.dropout(t, 0.0) * 2.0, np.array([1.0, -2.0]))


def test_dropout_is_repeatable_with_manual_seed():
    x = ag.tensor(np.ones((50, 20), np.float32))
    ag.manual_seed(123)
    a = ag.dropout(x, 0.5).data
    b = ag.dropout(x, 0.5).data
    ag.manual_seed(123)
    np.testing.assert_array_equal(ag.dropout(x, 0.5).data, a)
    assert not np.array_equal(a, b)  # fresh masks on each call


def test_dropout_eval_and_p_zero_are_identity():
    x = ag.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
    assert ag.dropout(x, 0.5, training=False) is x
    assert ag.dropout(x, 0.0) is x
    assert ag.dropout(x, p=0.9, training=False) is x


def test_dropout_p_one_gives_zeros():
    x = ag.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = ag.dropout(x, 1.0)
        y.sum().backward()
    np.testing.assert_array_equal(y.data, np.zeros((2, 2)))
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 2)))


@pytest.mark.parametrize("p", [-0.1, 1.5, 2])
def test_dropout_rejects_bad_probability(p):
    with pytest.raises(
        ValueError, match=f"dropout probability has to be between 0 and 1, but got {p}"
    ):
        ag.dropout(ag.tensor([1.0]), p)


def test_dropout_inplace():
    ag.manual_seed(3)
    x = ag.tensor(np.ones(1000, np.float32))
    out = ag.dropout(x, 0.5, inplace=True)
    assert out is x
    assert set(np.unique(x.data)) == {0.0, 2.0}
    leaf = ag.tensor(np.ones(4, np.float32), requires_grad=True)
    h = leaf * 1.0  # a non-leaf can be changed in place and still backpropagates
    ag.dropout(h, 0.5, inplace=True)
    h.sum().backward()
    np.testing.assert_allclose(leaf.grad.data, h.data)
    with pytest.raises(RuntimeError, match="leaf"):
        ag.dropout(leaf, 0.5, inplace=True)


def test_dropout_double_backward():
    ag.manual_seed(4)
    x = ag.tensor(np.linspace(-1.0, 1.0, 10), requires_grad=True)
    y = ag.dropout(x, 0.4)
    (g,) = ag.grad((y * y).sum(), x, create_graph=True)
    g.sum().backward()
    mask = (y.data != 0) / 0.6
    np.testing.assert_allclose(g.data, 2 * x.data * mask**2)
    np.testing.assert_allclose(x.grad.data, 2 * mask**2)
