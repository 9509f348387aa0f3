"""grad_of / value_and_grad: plain values in and out, and straight into scipy.optimize."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import grad_of, value_and_grad

scipy_optimize = pytest.importorskip("scipy.optimize")

rng = np.random.default_rng(0)


def cube_sum(x: ag.Tensor) -> ag.Tensor:
    return (x**3).sum()


# -- values and dtypes ----------------------------------------------------------------------------
def test_value_is_float_and_grad_is_array_of_input_dtype() -> None:
    x = np.array([1.0, -2.0, 0.5])
    value, g = value_and_grad(cube_sum)(x)
    assert type(value) is float and value == pytest.approx(1 - 8 + 0.125)
    assert isinstance(g, np.ndarray) and g.dtype == np.float64 and g.shape == (3,)
    np.testing.assert_allclose(g, 3 * x**2)
    np.testing.assert_array_equal(x, [1.0, -2.0, 0.5])  # the input is not modified

    g32 = grad_of(cube_sum)(x.astype(np.float32))
    assert g32.dtype == np.float32
    np.testing.assert_allclose(g32, 3 * x**2, rtol=1e-6)


def test_lists_numbers_and_tensors_are_accepted() -> None:
    g = grad_of(cube_sum)([1.0, 2.0])  # a list follows tensor(): float32
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, [3.0, 12.0])
    value, g = value_and_grad(lambda x: x * x)(3.0)
    assert value == 9.0 and g.shape == () and float(g) == 6.0
    t = ag.tensor(np.array([2.0]), requires_grad=False)
    np.testing.assert_allclose(grad_of(cube_sum)(t), [12.0])
    assert t.grad is None and not t.requires_grad  # the caller's tensor is left alone


def test_argnums_tuple_kwargs_and_passthrough() -> None:
    def f(w, x, b, scale=1.0):
        return ((x @ w + b) ** 2).sum() * scale

    w, x, b = rng.standard_normal((3, 2)), rng.standard_normal((4, 3)), rng.standard_normal(2)
    value, (gw, gb) = value_and_grad(f, argnums=(0, 2))(w, x, b, scale=0.5)
    r = x @ w + b
    assert value == pytest.approx(0.5 * (r**2).sum())
    np.testing.assert_allclose(gw, x.T @ r)
    np.testing.assert_allclose(gb, r.sum(0))
    gx = grad_of(f, argnums=-2)(w, x, b)  # negative argnums count from the end
    np.testing.assert_allclose(gx, 2 * r @ w.T)


def test_unused_argument_gets_zeros_and_constant_function_works() -> None:
    gx, gy = grad_of(lambda x, y: (x * 2).sum(), argnums=(0, 1))(np.ones(2), np.ones(3))
    np.testing.assert_array_equal(gx, [2.0, 2.0])
    np.testing.assert_array_equal(gy, np.zeros(3))
    value, g = value_and_grad(lambda x: 4.0)(np.ones(2))
    assert value == 4.0
    np.testing.assert_array_equal(g, np.zeros(2))


def test_works_inside_no_grad() -> None:
    with ag.no_grad():
        g = grad_of(cube_sum)(np.array([2.0]))
    np.testing.assert_allclose(g, [12.0])


def test_returned_gradients_are_owned_and_writable() -> None:
    g = grad_of(lambda x: x.sum())(np.zeros(4))  # d(sum) is a broadcast of ones internally
    assert g.flags.writeable and g.flags.owndata
    g[0] = 5.0
    np.testing.assert_array_equal(grad_of(lambda x: x.sum())(np.zeros(4)), np.ones(4))


def test_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    x = rng.standard_normal((3, 4))

    def f(lib, t):
        return (lib.tanh(t) * t.exp()).mean()

    value, g = value_and_grad(lambda t: f(ag, t))(x)
    tx = torch.tensor(x, requires_grad=True)
    out = f(torch, tx)
    out.backward()
    assert value == pytest.approx(out.item(), rel=1e-12)
    np.testing.assert_allclose(g, tx.grad.numpy(), rtol=1e-10)


# -- errors --------------------------------------------------------------------------------------
def test_non_scalar_result_is_refused() -> None:
    with pytest.raises(TypeError, match=r"scalar.*shape \(3,\)"):
        value_and_grad(lambda x: x * 2)(np.ones(3))


def test_integer_argument_is_refused() -> None:
    with pytest.raises(TypeError, match="argument 0 has dtype int64"):
        grad_of(cube_sum)(np.arange(3))


def test_argnums_out_of_range() -> None:
    with pytest.raises(TypeError, match="argnums=2"):
        grad_of(cube_sum, argnums=2)(np.ones(2))


# -- scipy.optimize.minimize(fun, x0, jac=True, method="CG") ----------------------------------
def _logistic_data() -> tuple[np.ndarray, np.ndarray]:
    r = np.random.default_rng(1)
    X = r.standard_normal((200, 3))
    true_w = np.array([1.5, -2.0, 0.5])
    y = (X @ true_w + 0.3 + 0.5 * r.standard_normal(200) > 0).astype(np.float64)
    return X, y


def test_logistic_regression_with_scipy_cg() -> None:
    X, y = _logistic_data()

    def loss(theta):  # theta: flat float64 vector (3 weights, 1 bias)
        z = ag.tensor(X) @ theta[:3] + theta[3]
        return (ag.log1p(z.exp()) - ag.tensor(y) * z).mean()  # binary cross-entropy

    fun = value_and_grad(loss)
    x0 = np.zeros(4)
    f0, g0 = fun(x0)
    assert f0 == pytest.approx(np.log(2.0))
    assert g0.dtype == np.float64 and g0.shape == (4,)
    # the gradient agrees with scipy's own finite differences
    err = scipy_optimize.check_grad(lambda t: fun(t)[0], lambda t: fun(t)[1], rng.normal(size=4))
    assert err < 1e-6

    res = scipy_optimize.minimize(fun, x0, jac=True, method="CG")
    assert res.success, res.message
    assert res.fun < 0.5 * f0
    assert np.linalg.norm(res.jac) < 1e-4
    # the optimum satisfies the logistic-regression normal equations X^T (p - y) = 0
    p = 1 / (1 + np.exp(-(X @ res.x[:3] + res.x[3])))
    np.testing.assert_allclose(X.T @ (p - y) / len(y), 0, atol=1e-4)
    assert np.sign(res.x[:3]).tolist() == [1.0, -1.0, 1.0]


def test_two_layer_network_with_scipy_cg() -> None:
    r = np.random.default_rng(2)
    X = np.linspace(-2, 2, 64).reshape(-1, 1)
    Y = np.sin(2 * X)
    hidden = 8
    sizes = [(1, hidden), (hidden,), (hidden, 1), (1,)]
    ends = np.cumsum([int(np.prod(s)) for s in sizes])

    def unpack(theta):
        parts, start = [], 0
        for shape, end in zip(sizes, ends):
            parts.append(theta[start:end].reshape(shape))
            start = end
        return parts

    def loss(theta):
        w1, b1, w2, b2 = unpack(theta)
        h = (ag.tensor(X) @ w1 + b1).tanh()
        return ((h @ w2 + b2 - ag.tensor(Y)) ** 2).mean()

    vg = value_and_grad(loss)
    seen: dict = {}

    def fun(theta):  # remembers each value, for the callback
        value, g = vg(theta)
        seen[theta.tobytes()] = value
        return value, g

    x0 = r.normal(0, 0.5, int(ends[-1]))
    f0 = fun(x0)[0]
    err = scipy_optimize.check_grad(lambda t: fun(t)[0], lambda t: fun(t)[1], x0)
    assert err < 1e-5
    losses = [f0]
    res = scipy_optimize.minimize(
        fun,
        x0,
        jac=True,
        method="CG",
        options={"maxiter": 100},
        callback=lambda t: losses.append(seen[t.tobytes()]),
    )
    assert len(losses) > 50
    assert res.fun < 0.05 * f0 and res.fun < 0.01
    assert all(b <= a + 1e-12 for a, b in zip(losses, losses[1:]))  # CG never goes uphill
