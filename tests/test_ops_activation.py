"""The activation ops (autograd_core/ops/activation.py) and erf (ops/special.py): values and
gradients against torch, first and second derivatives against finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
from autograd_core.ops.special import erf_array
from tests.helpers import arrays, check_grad, compare_torch, shapes

KINKS = (0.0, 1.0, -1.0, 1.5, -2.0, 2.0)  # kinks and clipping bounds of the ops below


def _away_from_kinks(a: np.ndarray) -> np.ndarray:
    """Move points within 0.05 of a kink by 0.1, so that finite differences are meaningful."""
    for k in KINKS:
        a = np.where(np.abs(a - k) < 0.05, a + 0.1, a)
    return a


SMOOTH = arrays((3, 4), -4.0, 4.0).map(_away_from_kinks)

OPS = {
    "leaky_relu": (
        lambda m, x: m.nn.functional.leaky_relu(x, 0.1),
        lambda x: ag.leaky_relu(x, 0.1),
    ),
    "elu": (lambda m, x: m.nn.functional.elu(x, 0.7), lambda x: ag.elu(x, 0.7)),
    "selu": (lambda m, x: m.nn.functional.selu(x), ag.selu),
    "celu": (lambda m, x: m.nn.functional.celu(x, 1.3), lambda x: ag.celu(x, 1.3)),
    "gelu": (lambda m, x: m.nn.functional.gelu(x), ag.gelu),
    "gelu_tanh": (
        lambda m, x: m.nn.functional.gelu(x, approximate="tanh"),
        lambda x: ag.gelu(x, approximate="tanh"),
    ),
    "hardtanh": (
        lambda m, x: m.nn.functional.hardtanh(x, -2.0, 1.5),
        lambda x: ag.hardtanh(x, -2.0, 1.5),
    ),
    "relu6": (lambda m, x: m.nn.functional.relu6(x * 3.0), lambda x: ag.relu6(x * 3.0)),
    "softplus": (
        lambda m, x: m.nn.functional.softplus(x, 2.0, 3.0),
        lambda x: ag.softplus(x, 2.0, 3.0),
    ),
    "silu": (lambda m, x: m.nn.functional.silu(x), ag.silu),
    "softsign": (lambda m, x: m.nn.functional.softsign(x), ag.softsign),
    "logsigmoid": (lambda m, x: m.nn.functional.logsigmoid(x), ag.logsigmoid),
    "erf": (lambda m, x: m.erf(x), ag.erf),
}


def _torch_fn(name):
    fn = OPS[name][0]

    def run(lib, *xs):
        if lib is ag:
            return OPS[name][1](*xs)
        return fn(lib, *xs)

    return run


@pytest.mark.parametrize("name", list(OPS))
@settings(max_examples=15, deadline=None)
@given(x=SMOOTH)
def test_matches_torch_float64(name, x):
    # torch's celu rounds 1/alpha to float32 internally; everything else agrees to float64
    tol = 1e-7 if name == "celu" else 1e-10
    compare_torch(_torch_fn(name), x, rtol=tol, atol=tol / 100)


@pytest.mark.parametrize("name", list(OPS))
def test_matches_torch_float32_with_kinks(name):
    x = np.random.default_rng(0).normal(size=(5, 7)).astype(np.float32) * 3
    x[0, :5] = [0.0, 1.0, -1.0, 1.5, -2.0]  # kinks and clipping bounds
    compare_torch(_torch_fn(name), x, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(OPS))
@settings(max_examples=10, deadline=None)
@given(x=SMOOTH)
def test_gradcheck(name, x):
    check_grad(OPS[name][1], x)


@pytest.mark.parametrize("name", ["elu", "selu", "celu", "gelu", "gelu_tanh", "softplus", "erf"])
def test_second_derivatives(name):
    x = np.random.default_rng(1).normal(size=(3, 4)) * 2
    x = np.where(np.abs(x) < 0.05, 0.3, x)
    assert ag.gradgradcheck(OPS[name][1], [ag.tensor(x, requires_grad=True)])


@settings(max_examples=25, deadline=None)
@given(
    shape=shapes(min_dims=2, max_dims=4, max_side=4),
    per_channel=st.booleans(),
    data=st.data(),
)
def test_prelu_against_torch(shape, per_channel, data):
    torch = pytest.importorskip("torch")
    x = data.draw(arrays(shape, -3.0, 3.0))
    w = np.linspace(0.1, 0.4, shape[1] if per_channel else 1)
    compare_torch(
        lambda m, a, b: m.nn.functional.prelu(a, b) if m is torch else ag.prelu(a, b), x, w
    )
    check_grad(ag.prelu, np.where(np.abs(x) < 0.05, 0.3, x), w)


def test_prelu_checks_channels():
    with pytest.raises(RuntimeError, match="channels"):
        ag.prelu(ag.ones(2, 3), ag.ones(4))


def test_gradient_values_at_kinks_follow_torch():
    x = ag.tensor([0.0, -1.0, 1.0, 6.0], requires_grad=True)
    ag.leaky_relu(x, 0.2).sum().backward()
    assert x.grad.tolist() == pytest.approx([0.2, 0.2, 1.0, 1.0])
    x.grad = None
    ag.hardtanh(x).sum().backward()  # 0 at the bounds, unlike clamp
    assert x.grad.tolist() == [1.0, 0.0, 0.0, 0.0]
    x.grad = None
    ag.relu6(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0, 0.0]
    x.grad = None
    ag.elu(x, 2.0).sum().backward()
    assert x.grad.tolist() == pytest.approx([2.0, 2 * math.exp(-1), 1.0, 1.0])


def test_dtype_is_kept():
    for fn in (ag.gelu, ag.elu, ag.softplus, ag.erf, lambda t: ag.leaky_relu(t, 0.3)):
        assert fn(ag.ones(3)).dtype == np.float32
        assert fn(ag.ones(3, dtype=ag.float64)).dtype == np.float64


def test_inplace_forms():
    x = ag.tensor([-2.0, 3.0])
    assert ag.leaky_relu(x, 0.5, inplace=True) is x and x.tolist() == [-1.0, 3.0]
    leaf = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        ag.elu(leaf, inplace=True)


def test_argument_errors():
    with pytest.raises(ValueError, match="approximate"):
        ag.gelu(ag.ones(1), approximate="fast")
    with pytest.raises(ValueError, match="min_val"):
        ag.hardtanh(ag.ones(1), 2.0, 1.0)


def test_softplus_is_finite_for_large_inputs():
    y = ag.softplus(ag.tensor([-1000.0, 0.0, 1000.0]), beta=0.5, threshold=1e6)
    np.testing.assert_allclose(y.data, [0.0, 2 * math.log(2), 1000.0], rtol=1e-6)


# --------------------------------------------------------------------------------------------
# erf accuracy
# --------------------------------------------------------------------------------------------
def test_erf_accuracy_against_math_erf():
    x = np.concatenate(
        [
            np.linspace(-7, 7, 4001),
            np.geomspace(1e-300, 1.0, 300),
            -np.geomspace(1e-20, 6.5, 300),
            [0.0, -0.0, 2.0, -2.0, 6.0, np.inf, -np.inf],
        ]
    )
    ref = np.array([math.erf(v) for v in x])
    got = erf_array(x)
    rel = np.abs(got - ref) / np.maximum(np.abs(ref), 1e-300)
    assert rel.max() < 5e-15
    assert np.isnan(erf_array(np.array([np.nan]))[0])


def test_erf_float32_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.linspace(-6, 6, 20001, dtype=np.float32)
    got = ag.erf(ag.tensor(x)).data
    ref = torch.erf(torch.tensor(x)).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref, rtol=2e-7, atol=1e-7)
