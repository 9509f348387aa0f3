"""gradcheck and gradgradcheck: pass on right gradients; on wrong ones, name input and element."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import broadcast_pair
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core import GradcheckError, gradcheck, gradgradcheck
from autograd_core.function import Function

rng = np.random.default_rng(0)


def leaf(*shape: int, dtype: type = np.float64) -> ag.Tensor:
    return ag.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)


# -- right gradients pass ------------------------------------------------------------------------
def test_scalar_and_non_scalar_outputs_pass() -> None:
    x, w = leaf(3, 4), leaf(4, 2)
    assert gradcheck(lambda x, w: (x @ w).tanh(), (x, w)) is True
    assert gradcheck(lambda x, w: (x @ w).tanh().sum(), (x, w)) is True
    assert gradcheck(lambda x: x.exp() * x, x) is True  # a single Tensor, not a tuple


def test_tuple_outputs_pass() -> None:
    x, y = leaf(2, 3), leaf(3)
    assert gradcheck(lambda x, y: (x * y, (x.sin() + y).sum(), y.exp()), (x, y))


def test_float32_inputs_are_upcast_and_left_alone() -> None:
    x = leaf(3, 3, dtype=np.float32)
    before = x.data.copy()
    seen = []

    def fn(t: ag.Tensor) -> ag.Tensor:
        seen.append(t.dtype)
        return (t * t).sigmoid()

    assert gradcheck(fn, (x,))
    assert set(seen) == {np.dtype(np.float64)}
    assert x.dtype == np.float32 and x.grad is None
    np.testing.assert_array_equal(x.data, before)


def test_non_tensor_arguments_pass_through() -> None:
    x = leaf(2, 3)
    assert gradcheck(lambda x, k, axis: (x * k).sum(axis), (x, 2.5, 1))


def test_only_inputs_that_require_grad_are_checked() -> None:
    class WrongForB(Function):
        """z = a * b, with a wrong gradient for b."""

        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * a * 2

    a = leaf(3)
    b = ag.tensor(rng.standard_normal(3))  # requires_grad=False: not checked
    assert gradcheck(WrongForB.apply, (a, b))
    b.requires_grad_()
    with pytest.raises(GradcheckError, match="input 1"):
        gradcheck(WrongForB.apply, (a, b))


def test_no_input_requires_grad_checks_all_float_inputs() -> None:
    x = ag.tensor(rng.standard_normal((2, 2)))
    assert gradcheck(lambda x: x * x, x)


def test_output_that_ignores_an_input() -> None:
    x, y = leaf(2), leaf(2)
    assert gradcheck(lambda x, y: x * 3.0, (x, y))
    assert gradcheck(lambda x: ag.tensor(np.ones(2)), x)  # no output depends on x


@settings(max_examples=25, deadline=None)
@given(broadcast_pair(), st.integers(0, 2**32 - 1))
def test_broadcasting_composite_passes(shapes: tuple, seed: int) -> None:
    r = np.random.default_rng(seed)
    a = ag.tensor(r.standard_normal(shapes[0]), requires_grad=True)
    b = ag.tensor(r.uniform(0.5, 2.0, shapes[1]), requires_grad=True)
    assert gradcheck(lambda a, b: (a * b).tanh() / b + a.exp(), (a, b))


# -- wrong gradients are caught and located ------------------------------------------------------
class OffByOne(Function):
    """z = x**2 elementwise; the backward rule is wrong at one flat position ``ctx.bad``."""

    @staticmethod
    def forward(ctx, x, bad=0):
        ctx.save_for_backward(x)
        ctx.bad = bad
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        wrong = np.zeros(x.shape)
        wrong.reshape(-1)[ctx.bad] = 1.0
        return g * 2 * x + g * wrong


def test_wrong_function_names_input_and_element() -> None:
    x = ag.tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    y = leaf(4)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda y, x: y.sum() + OffByOne.apply(x, bad=4), (y, x))
    msg = str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert "input 1 (shape (2, 3))" in msg
    assert "element (1, 1)" in msg  # flat index 4 of a (2, 3) input
    assert "analytic 11" in msg and "numeric 10" in msg  # 2 * 5 + 1 vs 2 * 5


def test_raise_exception_false_returns_false() -> None:
    x = leaf(3)
    assert gradcheck(lambda x: OffByOne.apply(x, bad=2), x, raise_exception=False) is False


def test_large_output_uses_projections_and_still_catches_errors() -> None:
    x = leaf(20, 20)  # 400 outputs: checked through random projections
    assert gradcheck(lambda x: x.sin() * x, x)
    with pytest.raises(GradcheckError, match=r"input 0 \(shape \(20, 20\)\) at element \(3, 7\)"):
        gradcheck(lambda x: OffByOne.apply(x, bad=3 * 20 + 7), x)


def test_tolerances_are_used() -> None:
    class Scaled(Function):
        """z = 2x with a gradient that is off by one part in 10^4."""

        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, g):
            return g * 2 * (1 + 1e-4)

    x = leaf(3)
    assert gradcheck(Scaled.apply, x, rtol=1e-3)
    with pytest.raises(GradcheckError, match="rtol=1e-05"):
        gradcheck(Scaled.apply, x, rtol=1e-5)


def test_non_finite_analytic_gradient_is_reported() -> None:
    x = ag.tensor([0.0, 1.0], requires_grad=True)

    class InfGrad(Function):
        @staticmethod
        def forward(ctx, x):
            return x.copy()

        @staticmethod
        def backward(ctx, g):
            with np.errstate(divide="ignore", invalid="ignore"):
                return g / np.array([0.0, 1.0])

    with pytest.raises(GradcheckError, match=r"not finite at element \(0,\)"):
        gradcheck(InfGrad.apply, x)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="no floating-point Tensor"):
        gradcheck(lambda n: n, (3,))
    with pytest.raises(GradcheckError, match="must return a Tensor"):
        gradcheck(lambda x: 1.0, leaf(2))


# -- second derivatives ---------------------------------------------------------------------------
def test_gradgradcheck_passes_on_right_ops() -> None:
    x, w = leaf(2, 3), leaf(3, 2)
    assert gradgradcheck(lambda x, w: (x @ w).tanh(), (x, w))
    assert gradgradcheck(lambda x: (x.exp() * x.sin()).sum(), x)


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable() -> None:
    class Cube(Function):
        """z = x**3, dz/dx = 3 x**2, but x is kept as a plain attribute, not saved: with
        create_graph=True its backward is a constant, so the second derivative is lost."""

        @staticmethod
        def forward(ctx, x):
            ctx.x = x
            return x**3

        @staticmethod
        def backward(ctx, g):
            return g * 3 * ctx.x**2

    x = leaf(3)
    assert gradcheck(Cube.apply, x)  # first derivative right
    with pytest.raises(GradcheckError, match="input 0"):
        gradgradcheck(Cube.apply, x)
