"""Factories: shapes and dtypes as PyTorch, ranges against torch, random tensors repeatable with
``manual_seed``, and the errors users meet."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd_core as ag

SETTINGS = settings(max_examples=25, deadline=None)

torch = pytest.importorskip("torch")


# -- from a shape -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_shape_spellings(name):
    make = getattr(ag, name)
    for t in (make(2, 3), make((2, 3)), make([2, 3]), make(size=(2, 3)), make(np.int64(2), 3)):
        assert isinstance(t, ag.Tensor)
        assert t.shape == (2, 3) and t.dtype == np.float32
        assert t.is_leaf and not t.requires_grad
    assert make(()).shape == ()
    assert make(0, 4).shape == (0, 4)
    assert make(2, dtype=ag.float64).dtype == np.float64
    t = make(3, requires_grad=True)
    assert t.requires_grad and t.is_leaf
    assert make(2, device="cpu").device == "cpu"


def test_values_match_torch():
    np.testing.assert_array_equal(ag.zeros(2, 3).data, torch.zeros(2, 3).numpy())
    np.testing.assert_array_equal(ag.ones(4).data, torch.ones(4).numpy())
    np.testing.assert_array_equal(ag.eye(3).data, torch.eye(3).numpy())
    np.testing.assert_array_equal(ag.eye(2, 3).data, torch.eye(2, 3).numpy())
    np.testing.assert_array_equal(ag.full((2, 2), 1.5).data, torch.full((2, 2), 1.5).numpy())


def test_dtypes_follow_torch():
    assert ag.zeros(2, dtype=ag.int64).dtype == np.int64
    assert ag.ones(2, dtype=bool).dtype == np.bool_
    assert ag.ones(2, dtype=float).dtype == np.float32  # Python float means float32
    for value in (7, 1.5, True):
        assert ag.full((2,), value).dtype == np.dtype(str(torch.full((2,), value).dtype)[6:])
    assert ag.full((2,), 7, dtype=ag.float64).dtype == np.float64
    assert ag.eye(2, dtype=ag.int32).dtype == np.int32


def test_factory_leaf_gets_gradients():
    w = ag.zeros(3, requires_grad=True)
    (w * ag.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [1.0, 2.0, 3.0])


# -- like another tensor ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["zeros_like", "ones_like", "empty_like", "rand_like", "randn_like"]
)
def test_like(name):
    make = getattr(ag, name)
    x = ag.ones(2, 3, dtype=ag.float64)
    assert make(x).shape == (2, 3) and make(x).dtype == np.float64
    assert make(x, dtype=ag.float32).dtype == np.float32
    assert make(np.zeros((4,), np.float32)).shape == (4,)
    assert make(x, requires_grad=True).requires_grad


def test_like_values_and_int_dtype():
    x = ag.tensor([[1, 2], [3, 4]])
    assert ag.zeros_like(x).dtype == np.int64
    np.testing.assert_array_equal(ag.ones_like(x).data, [[1, 1], [1, 1]])
    y = ag.full_like(x, 7)
    assert y.dtype == np.int64 and (y.data == 7).all()
    np.testing.assert_array_equal(ag.full_like(ag.ones(3), 2.5).data, [2.5] * 3)
    with pytest.raises(TypeError, match="floating"):
        ag.rand_like(x)


# -- ranges -------------------------------------------------------------------------------------
@SETTINGS
@given(st.integers(-20, 20), st.integers(-20, 20), st.integers(-5, 5).filter(bool))
def test_arange_ints_match_torch(start, end, step):
    assume((end - start) * step >= 0)
    ours = ag.arange(start, end, step)
    theirs = torch.arange(start, end, step)
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@SETTINGS
@given(
    st.floats(-10, 10, allow_nan=False),
    st.floats(-10, 10, allow_nan=False),
    st.floats(0.05, 3) | st.floats(-3, -0.05),
)
def test_arange_floats_match_torch(start, end, step):
    assume((end - start) * step >= 0)
    n = (end - start) / step
    assume(abs(n - round(n)) > 1e-6)  # keep off the boundary where rounding decides the length
    ours = ag.arange(start, end, step)
    theirs = torch.arange(start, end, step)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6, atol=1e-5)


def test_arange_forms():
    np.testing.assert_array_equal(ag.arange(5).data, [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(ag.arange(2, 5).data, [2, 3, 4])
    assert ag.arange(5.0).dtype == np.float32
    assert ag.arange(5, dtype=ag.float64).dtype == np.float64
    np.testing.assert_allclose(ag.arange(1, 2.5, 0.3).data, torch.arange(1, 2.5, 0.3).numpy())
    assert ag.arange(3, requires_grad=False).shape == (3,)
    assert ag.arange(0.0, 1.0, 0.5, requires_grad=True).requires_grad


@pytest.mark.parametrize("start,end,steps", [(-1, 2, 5), (0, 1, 1), (0, 1, 0), (3, -2, 11)])
def test_linspace_matches_torch(start, end, steps):
    ours, theirs = ag.linspace(start, end, steps), torch.linspace(start, end, steps)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6, atol=1e-7)
    assert ag.linspace(0, 1, 3, dtype=ag.float64).dtype == np.float64


# -- random -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda: ag.rand(3, 4),
        lambda: ag.randn(3, 4),
        lambda: ag.randint(0, 10, (3, 4)),
        lambda: ag.rand_like(ag.zeros(3, 4)),
        lambda: ag.randn_like(ag.zeros(3, 4)),
    ],
)
def test_manual_seed_makes_random_tensors_repeatable(make):
    ag.manual_seed(123)
    a = make()
    b = make()
    ag.manual_seed(123)
    c = make()
    np.testing.assert_array_equal(a.data, c.data)
    assert not np.array_equal(a.data, b.data)


def test_random_distributions():
    ag.manual_seed(0)
    u = ag.rand(20000).data
    assert u.dtype == np.float32 and u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.01
    n = ag.randn(20000, dtype=ag.float64).data
    assert n.dtype == np.float64
    assert abs(n.mean()) < 0.03 and abs(n.std() - 1.0) < 0.03
    assert ag.rand(2, dtype=ag.float16).dtype == np.float16


def test_randint_forms_and_bounds():
    ag.manual_seed(1)
    a = ag.randint(5, (1000,))
    assert a.dtype == np.int64 and a.data.min() == 0 and a.data.max() == 4
    b = ag.randint(3, 6, (2, 500))
    assert b.shape == (2, 500) and b.data.min() == 3 and b.data.max() == 5
    assert ag.randint(10, size=(3,)).shape == (3,)
    assert ag.randint(low=2, high=4, size=(7,)).data.min() >= 2
    assert ag.randint(high=4, size=(2, 2)).shape == (2, 2)
    assert ag.randint(0, 2, (3,), dtype=ag.int32).dtype == np.int32
    assert ag.randint(0, 10, (3,), dtype=ag.float32).dtype == np.float32


def test_explicit_numpy_generator():
    a = ag.randn(4, generator=np.random.default_rng(7))
    b = ag.randn(4, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(a.data, b.data)


# -- errors -------------------------------------------------------------------------------------
def test_factory_errors():
    with pytest.raises(RuntimeError, match=r"zeros\(\).*negative dimension -1"):
        ag.zeros(-1, 2)
    with pytest.raises(TypeError, match=r"ones\(\).*size must be a tuple of ints"):
        ag.ones(2.5)
    with pytest.raises(TypeError, match=r"zeros\(\).*only floating point tensors"):
        ag.zeros(2, dtype=ag.int64, requires_grad=True)
    with pytest.raises(RuntimeError, match="device 'cuda' is not available"):
        ag.ones(2, device="cuda")
    with pytest.raises(RuntimeError, match=r"arange\(\).*step sign"):
        ag.arange(0, 5, -1)
    with pytest.raises(RuntimeError, match=r"arange\(\).*nonzero"):
        ag.arange(0, 5, 0)
    with pytest.raises(RuntimeError, match=r"randint\(\).*low=5 >= high=3"):
        ag.randint(5, 3, (2,))
    with pytest.raises(TypeError, match=r"randint\(\).*randint\(high, size\)"):
        ag.randint(5)
    with pytest.raises(TypeError, match=r"rand\(\).*floating"):
        ag.rand(2, dtype=ag.int64)
    with pytest.raises(RuntimeError, match=r"linspace\(\).*steps"):
        ag.linspace(0, 1, -1)
