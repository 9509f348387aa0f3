"""Elementwise ops: gradients (finite differences, broadcasting), agreement with PyTorch, the
dtype rules for scalars and mixed tensors, comparisons, and the edge values (sigmoid at ±1000,
ties in maximum, pow with a zero base)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd_core as ag
from tests.helpers import arrays, broadcast_pair, check_grad, compare_torch, shapes

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")
SETTINGS = settings(max_examples=25, deadline=None)


def grid(shape: tuple, lo: int, hi: int, offset: float = 0.0, unique: bool = False):
    """float64 arrays of values k/100 + offset (k in [lo, hi]): finite differences with
    eps=1e-6 never cross a kink at 0 or at another grid (offset) value."""
    return hnp.arrays(
        np.float64,
        shape,
        elements=st.integers(lo, hi).map(lambda k: k / 100 + offset),
        unique=unique,
    )


# --------------------------------------------------------------------------------------------
# Binary ops: finite differences with broadcasting, then PyTorch
# --------------------------------------------------------------------------------------------
# name -> (function of two tensors, strategy range for a, for b)
SMOOTH_BINARY = {
    "add": (lambda a, b: a + b, (-3, 3), (-3, 3)),
    "sub": (lambda a, b: a - b, (-3, 3), (-3, 3)),
    "mul": (lambda a, b: a * b, (-3, 3), (-3, 3)),
    "div": (lambda a, b: a / b, (-3, 3), (0.5, 3)),
    "pow": (lambda a, b: a**b, (0.5, 3), (-2, 2)),
    "add_fn_alpha": (lambda a, b: ag.add(a, b, alpha=2.5), (-3, 3), (-3, 3)),
    "sub_fn_alpha": (lambda a, b: ag.sub(a, b, alpha=-0.5), (-3, 3), (-3, 3)),
}


@pytest.mark.parametrize("name", sorted(SMOOTH_BINARY))
@SETTINGS
@given(data=st.data())
def test_binary_grad_broadcasting(name, data):
    fn, (alo, ahi), (blo, bhi) = SMOOTH_BINARY[name]
    sa, sb = data.draw(broadcast_pair())
    a = data.draw(arrays(sa, alo, ahi))
    b = data.draw(arrays(sb, blo, bhi))
    check_grad(fn, a, b)


@pytest.mark.parametrize("fn_name", ["maximum", "minimum"])
@SETTINGS
@given(data=st.data())
def test_maximum_minimum_grad_broadcasting(fn_name, data):
    sa, sb = data.draw(broadcast_pair())
    a = data.draw(grid(sa, -300, 300))
    b = data.draw(grid(sb, -300, 300, offset=0.005))  # never equal to an element of a
    check_grad(getattr(ag, fn_name), a, b)


@SETTINGS
@given(data=st.data())
def test_where_grad_broadcasting(data):
    sa, sb = data.draw(broadcast_pair())
    a = data.draw(arrays(sa))
    b = data.draw(arrays(sb))
    cond = data.draw(hnp.arrays(np.bool_, np.broadcast_shapes(sa, sb)))
    check_grad(lambda x, y: ag.where(cond, x, y) * 1.5, a, b)


TORCH_BINARY = {
    "add": (lambda m, a, b: m.add(a, b), (-3, 3), (-3, 3)),
    "sub": (lambda m, a, b: m.sub(a, b), (-3, 3), (-3, 3)),
    "mul": (lambda m, a, b: m.mul(a, b), (-3, 3), (-3, 3)),
    "multiply": (lambda m, a, b: m.multiply(a, b), (-3, 3), (-3, 3)),
    "div": (lambda m, a, b: m.div(a, b), (-3, 3), (0.5, 3)),
    "divide": (lambda m, a, b: m.divide(a, b), (-3, 3), (-3, -0.5)),
    "true_divide": (lambda m, a, b: m.true_divide(a, b), (-3, 3), (0.5, 3)),
    "pow": (lambda m, a, b: m.pow(a, b), (0.5, 3), (-2, 2)),
    "rpow_op": (lambda m, a, b: a**b, (0.5, 3), (-2, 2)),
    "remainder": (lambda m, a, b: m.remainder(a, b), (-3, 3), (0.5, 3)),
    "remainder_neg": (lambda m, a, b: m.remainder(a, b), (-3, 3), (-3, -0.5)),
    "maximum": (lambda m, a, b: m.maximum(a, b), (-3, 3), (-3, 3)),
    "minimum": (lambda m, a, b: m.minimum(a, b), (-3, 3), (-3, 3)),
    "where": (lambda m, a, b: m.where(a > b, a, b * 2), (-3, 3), (-3, 3)),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(TORCH_BINARY))
@SETTINGS
@given(data=st.data())
def test_binary_matches_torch(name, data):
    fn, (alo, ahi), (blo, bhi) = TORCH_BINARY[name]
    sa, sb = data.draw(broadcast_pair())
    a = data.draw(arrays(sa, alo, ahi))
    b = data.draw(arrays(sb, blo, bhi))
    compare_torch(fn, a, b)


# --------------------------------------------------------------------------------------------
# Unary ops
# --------------------------------------------------------------------------------------------
# name -> (function of one tensor, strategy for the input given a shape)
UNARY = {
    "neg": (lambda m, x: m.neg(x), lambda s: arrays(s)),
    "neg_op": (lambda m, x: -x, lambda s: arrays(s)),
    "exp": (lambda m, x: m.exp(x), lambda s: arrays(s)),
    "log": (lambda m, x: m.log(x), lambda s: arrays(s, 0.1, 3)),
    "log1p": (lambda m, x: m.log1p(x), lambda s: arrays(s, -0.5, 3)),
    "sqrt": (lambda m, x: m.sqrt(x), lambda s: arrays(s, 0.1, 3)),
    "sin": (lambda m, x: m.sin(x), lambda s: arrays(s)),
    "cos": (lambda m, x: m.cos(x), lambda s: arrays(s)),
    "tanh": (lambda m, x: m.tanh(x), lambda s: arrays(s)),
    "sigmoid": (lambda m, x: m.sigmoid(x), lambda s: arrays(s, -8, 8)),
    "relu": (lambda m, x: m.relu(x), lambda s: grid(s, -300, 300, offset=0.005)),
    "abs": (lambda m, x: m.abs(x), lambda s: grid(s, -300, 300, offset=0.005)),
    "abs_op": (lambda m, x: abs(x), lambda s: grid(s, -300, 300, offset=0.005)),
    "sign": (lambda m, x: m.sign(x) * x, lambda s: grid(s, -300, 300, offset=0.005)),
    "clamp": (lambda m, x: m.clamp(x, -1.0, 1.5), lambda s: grid(s, -300, 300, offset=0.005)),
    "clamp_min": (lambda m, x: m.clamp(x, min=0.5), lambda s: grid(s, -300, 300, offset=0.005)),
    "clamp_max": (lambda m, x: m.clamp(x, max=-0.5), lambda s: grid(s, -300, 300, offset=0.005)),
    "clip": (lambda m, x: m.clip(x, -1.0, 1.0), lambda s: grid(s, -300, 300, offset=0.005)),
    "scalar_ops": (
        lambda m, x: (2.0 - x) * 3.0 + x / 4.0 - 1.0 / (x + 5.0) + 2.0**x + x**3,
        lambda s: arrays(s, -2, 2),
    ),
    "pow_scalar_2": (lambda m, x: x**2, lambda s: arrays(s)),
    "pow_scalar_0": (lambda m, x: x**0 + x, lambda s: arrays(s)),
    "pow_scalar_neg": (lambda m, x: x**-1.5, lambda s: arrays(s, 0.5, 3)),
    "mod_scalar": (lambda m, x: x % 1.25, lambda s: grid(s, -300, 300, offset=0.005)),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(data=st.data())
def test_unary_grad(name, data):
    fn, strategy = UNARY[name]
    x = data.draw(strategy(data.draw(shapes())))
    check_grad(lambda t: fn(ag, t), x)


@needs_torch
@pytest.mark.parametrize("name", sorted(UNARY))
@SETTINGS
@given(data=st.data())
def test_unary_matches_torch(name, data):
    fn, strategy = UNARY[name]
    x = data.draw(strategy(data.draw(shapes())))
    compare_torch(fn, x)


@needs_torch
@pytest.mark.parametrize("lo_hi", [(None, 0.5), (-0.5, None), (-0.5, 0.5)])
def test_clamp_with_tensor_bounds_matches_torch(lo_hi):
    rng = np.random.default_rng(0)
    x, lo, hi = rng.normal(size=(3, 4)), rng.normal(size=(4,)) - 0.5, rng.normal(size=(3, 1)) + 0.5

    def fn(m, a, b, c):
        return m.clamp(a, b if lo_hi[0] is not None else None, c if lo_hi[1] is not None else None)

    compare_torch(fn, x, lo, hi, wrt=[0] + [i + 1 for i, v in enumerate(lo_hi) if v is not None])


def test_method_and_function_forms_agree():
    x = ag.tensor([[0.5, -1.0, 2.0]], requires_grad=True)
    for name in ["exp", "tanh", "sigmoid", "relu", "abs", "sign", "sqrt", "log"]:
        y = ag.tensor(np.abs(x.data) + 0.1)
        np.testing.assert_array_equal(getattr(y, name)().data, getattr(ag, name)(y).data)
    np.testing.assert_array_equal(x.clamp(0, 1).data, ag.clip(x, 0, 1).data)
    np.testing.assert_array_equal(x.maximum(ag.tensor(0.0)).data, [[0.5, 0.0, 2.0]])


# --------------------------------------------------------------------------------------------
# dtype rules
# --------------------------------------------------------------------------------------------
F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)
I64 = np.dtype(np.int64)


@pytest.mark.parametrize(
    "scalar", [2, 2.5, np.float64(2.5), np.float32(2.5), np.int64(3), np.int32(3), True]
)
@pytest.mark.parametrize(
    "expr",
    [
        lambda x, c: x + c,
        lambda x, c: c + x,
        lambda x, c: x - c,
        lambda x, c: c - x,
        lambda x, c: x * c,
        lambda x, c: c * x,
        lambda x, c: x / c,
        lambda x, c: c / x,
        lambda x, c: x**c,
        lambda x, c: c**x,
        lambda x, c: ag.maximum(x, c),
        lambda x, c: ag.minimum(c, x),
        lambda x, c: ag.where(x.data > 1, x, c),
        lambda x, c: ag.clamp(x, c),
    ],
)
def test_scalars_never_change_float32(expr, scalar):
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = expr(x, scalar)
    assert y.dtype == F32
    y.sum().backward()
    assert x.grad.dtype == F32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scalar_ops_give_numpys_values_for_every_constant(dtype):
    # x + c, x * c, x / c and c - x run on cached 0-d arrays of x's dtype: the values must be
    # numpy's with the Python number, for constants past the cache's size, NaN, -0.0 and
    # numbers that overflow float32 too.
    a = np.linspace(-2.0, 3.0, 7).astype(dtype)
    x = ag.tensor(a, requires_grad=True)
    special = [float("nan"), 0.0, -0.0, 0, 3, 1e300, -(2**70)]
    consts = special + [0.1 * k + 0.05 for k in range(300)] + special
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 1e300 overflows float32 (to inf)
        for c in consts:
            for got, want in [(x + c, a + c), (x * c, a * c), (x / c, a / c), (c - x, c - a)]:
                assert got.dtype == want.dtype
                np.testing.assert_array_equal(got.data, want)
                np.testing.assert_array_equal(np.signbit(got.data), np.signbit(want))  # ±0
    (x * 2.5 / 4.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.full(7, 2.5, dtype) / 4.0)


def test_float64_tensor_with_scalars_stays_float64():
    x = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert x.dtype == F64
    for y in [x + 1, 2.5 * x, x / np.float32(2), 1 - x, x**2, ag.exp(x), ag.sigmoid(x)]:
        assert y.dtype == F64


def test_mixed_float_tensors_promote_to_float64():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor(np.array([3.0, 4.0]), requires_grad=True)
    for y in [a + b, b - a, a * b, b / a, a**b, ag.maximum(a, b), ag.where([True, False], a, b)]:
        assert y.dtype == F64
    (a * b).sum().backward()
    assert a.grad.dtype == F32 and b.grad.dtype == F64  # each gradient in its input's dtype
    np.testing.assert_allclose(a.grad.data, [3.0, 4.0])


def test_integer_tensor_rules():
    i = ag.tensor([1, 2, 3])
    j = ag.tensor([2, 2, 2])
    assert i.dtype == I64
    assert (i / j).dtype == F32  # true division of ints gives the default float
    np.testing.assert_allclose((i / j).data, [0.5, 1.0, 1.5])
    assert (i + j).dtype == I64 and (i * 2).dtype == I64 and (i**2).dtype == I64
    assert (i + 0.5).dtype == F32 and (2.5 * i).dtype == F32
    assert (i // j).dtype == I64 and (i % 2).dtype == I64
    assert (i + ag.tensor([0.5, 0.5, 0.5])).dtype == F32
    assert ag.exp(i).dtype == F32 and ag.sqrt(i).dtype == F32


@needs_torch
@pytest.mark.parametrize(
    "expr",
    [
        lambda x, i, d: x + i,
        lambda x, i, d: i / i,
        lambda x, i, d: i * 2.5,
        lambda x, i, d: 2 / i,
        lambda x, i, d: i + d,
        lambda x, i, d: x * d,
        lambda x, i, d: i**2,
        lambda x, i, d: i // 2,
        lambda x, i, d: x // 2,
        lambda x, i, d: i % 2,
        lambda x, i, d: x % 1.5,
    ],
)
def test_result_dtypes_match_torch(expr):
    x32, i64, d64 = np.array([1.5, -2.0], np.float32), np.array([3, -4]), np.array([0.25, 2.0])
    ours = expr(ag.tensor(x32), ag.tensor(i64), ag.tensor(d64))
    theirs = expr(torch.tensor(x32), torch.tensor(i64), torch.tensor(d64))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)


def test_numpy_operands_on_either_side():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    arr = np.array([10.0, 20.0], np.float32)
    for y, want in [(arr + x, [11, 22]), (x - arr, [-9, -18]), (arr * x, [10, 40])]:
        assert isinstance(y, ag.Tensor) and y.dtype == F32
        np.testing.assert_allclose(y.data, want)
    y = np.float64(3.0) * x
    assert isinstance(y, ag.Tensor) and y.dtype == F32
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0])


# --------------------------------------------------------------------------------------------
# Comparisons and logic
# --------------------------------------------------------------------------------------------
def test_comparisons_are_bool_without_grad():
    a = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = ag.tensor([3.0, 2.0, 1.0])
    cases = {
        "eq": [False, True, False],
        "ne": [True, False, True],
        "lt": [True, False, False],
        "le": [True, True, False],
        "gt": [False, False, True],
        "ge": [False, True, True],
        "greater": [False, False, True],
        "less": [True, False, False],
        "equal": [False, True, False],
    }
    for name, want in cases.items():
        out = getattr(ag, name)(a, b)
        assert out.dtype == np.bool_ and not out.requires_grad and out.grad_fn is None, name
        np.testing.assert_array_equal(out.data, want, err_msg=name)
    ops = [a == b, a != b, a < b, a <= 2, a > 2.5, a >= np.float32(2), 2 < a]
    for out in ops:
        assert out.dtype == np.bool_ and not out.requires_grad
    np.testing.assert_array_equal((2 < a).data, [False, False, True])


def test_logical_ops_and_predicates():
    p = ag.tensor([True, True, False])
    q = ag.tensor([True, False, False])
    np.testing.assert_array_equal(ag.logical_and(p, q).data, [True, False, False])
    np.testing.assert_array_equal(ag.logical_or(p, q).data, [True, True, False])
    np.testing.assert_array_equal(ag.logical_not(p).data, [False, False, True])
    np.testing.assert_array_equal((p & q).data, [True, False, False])
    np.testing.assert_array_equal((p | q).data, [True, True, False])
    np.testing.assert_array_equal((~p).data, [False, False, True])
    x = ag.tensor([1.0, np.nan, np.inf, -np.inf])
    np.testing.assert_array_equal(ag.isnan(x).data, [False, True, False, False])
    np.testing.assert_array_equal(ag.isfinite(x).data, [True, False, False, False])


def test_floor_divide_has_no_grad():
    x = ag.tensor([7.0, -7.0], requires_grad=True)
    y = ag.floor_divide(x, 2.0)
    np.testing.assert_array_equal(y.data, [3.0, -4.0])
    assert not y.requires_grad
    np.testing.assert_array_equal((x // 2).data, [3.0, -4.0])


# --------------------------------------------------------------------------------------------
# Edge values
# --------------------------------------------------------------------------------------------
def test_sigmoid_stable_at_extremes():
    x = ag.tensor([-1000.0, -100.0, 0.0, 100.0, 1000.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings either
        y = ag.sigmoid(x)
        y.sum().backward()
    np.testing.assert_array_equal(y.data[[0, 2, 4]], [0.0, 0.5, 1.0])
    assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad.data))
    np.testing.assert_allclose(x.grad.data, [0.0, 0.0, 0.25, 0.0, 0.0], atol=1e-30)
    x64 = ag.tensor(np.array([-1000.0, 30.0, 1000.0]))
    np.testing.assert_allclose(ag.sigmoid(x64).data, [0.0, 1 / (1 + np.exp(-30.0)), 1.0])


def test_sigmoid_float32_relative_accuracy_in_both_tails():
    x = np.linspace(-100.0, 100.0, 4001).astype(np.float32)
    ref = 1.0 / (1.0 + np.exp(-x.astype(np.float64)))
    got = ag.sigmoid(ag.tensor(x)).data
    assert got.dtype == np.float32
    keep = ref > np.finfo(np.float32).tiny  # normal float32 numbers: relative error ~1 ulp
    np.testing.assert_allclose(got[keep], ref[keep], rtol=1e-6)
    assert 0 < got[0] < 1e-43  # σ(-100) = 3.7e-44, a float32 subnormal, not 0


@needs_torch
def test_sigmoid_extremes_match_torch():
    compare_torch(lambda m, x: m.sigmoid(x), np.array([-1000.0, -30.0, -1e-3, 0.0, 40.0, 1000.0]))


@needs_torch
@pytest.mark.parametrize("fn_name", ["maximum", "minimum"])
def test_ties_split_gradient_like_torch(fn_name):
    a = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]])
    b = np.array([1.0, 0.0, 3.0])  # ties at (0, 0), (0, 2), (1, 0)
    compare_torch(lambda m, x, y: getattr(m, fn_name)(x, y), a, b)
    x = ag.tensor([2.0], requires_grad=True)
    y = ag.tensor([2.0], requires_grad=True)
    getattr(ag, fn_name)(x, y).backward()
    assert x.grad.item() == 0.5 and y.grad.item() == 0.5


@needs_torch
def test_pow_with_zero_base_matches_torch():
    base = np.array([0.0, 0.0, 0.0, 0.0, 2.0, 0.0])
    expo = np.array([0.0, 2.0, 0.5, 3.0, 0.0, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0 ** -0.5 = inf, as in torch
        compare_torch(lambda m, a, b: m.pow(a, b), base, expo)
        for c in [0, 1, 2, 3, 0.5]:  # a Python exponent
            compare_torch(lambda m, a, c=c: a**c, np.array([0.0, 1.5, 2.0]))


@needs_torch
def test_pow_zero_base_negative_exponent_matches_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        compare_torch(lambda m, a, b: m.pow(a, b), np.array([0.0, 0.0]), np.array([-1.0, -2.0]))
        compare_torch(lambda m, x: 0.0**x, np.array([0.0, 1.0, 2.5]))
        compare_torch(lambda m, x: 0.0**x, np.array([-1.0]))


def test_pow_zero_base_zero_exponent_gradient_is_zero():
    a = ag.tensor([0.0, 0.0], requires_grad=True)
    b = ag.tensor([0.0, 0.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        (a**b).sum().backward()
    np.testing.assert_array_equal((a**b).data, [1.0, 1.0])
    np.testing.assert_array_equal(a.grad.data, [0.0, 0.0])
    np.testing.assert_array_equal(b.grad.data, [0.0, 0.0])


def test_relu_and_abs_gradient_at_zero_is_zero():
    x = ag.tensor([0.0, 0.0], requires_grad=True)
    (ag.relu(x) + ag.abs(x)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32, np.uint8])
def test_relu_keeps_the_dtype_and_numpys_values(dtype):
    # floats compare with a cached 0-d zero of their own dtype; other dtypes with the number 0
    a = np.array([-3, -0.0, 0, 2, 7, np.nan, -np.inf, np.inf])
    if not np.issubdtype(dtype, np.floating):
        a = np.array([-3, 0, 2, 7])  # (-3 wraps to 253 in uint8)
    a = a.astype(dtype)
    y = ag.relu(ag.tensor(a))
    assert y.dtype == dtype
    np.testing.assert_array_equal(y.data, np.maximum(a, 0))
    assert not np.signbit(y.data).any()


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="clamp"):
        ag.clamp(ag.tensor([1.0]))


@needs_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda m, x: m.tanh(m.sin(x) * m.exp(-x)),
        lambda m, x: m.sigmoid(x) * m.log1p(x * x),
        lambda m, x: m.sqrt(x * x + 1.0) / (x**2 + 2.0),
        lambda m, x: m.cos(x) ** 3 - 2.0 ** m.tanh(x),
    ],
)
def test_double_backward_of_compositions_matches_torch(fn):
    x0 = np.array([[-1.2, 0.3, 2.0], [0.7, -0.4, 1.1]])
    w = np.array([[1.0, -2.0, 0.5], [0.3, 1.5, -1.0]])
    x = ag.tensor(x0, requires_grad=True)
    (g,) = ag.grad(fn(ag, x).sum(), x, create_graph=True)
    (g * ag.tensor(w)).sum().backward()
    tx = torch.tensor(x0, requires_grad=True)
    (tg,) = torch.autograd.grad(fn(torch, tx).sum(), tx, create_graph=True)
    (tg * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-6, atol=1e-8)
