"""nn.init: gains, fans, bounds and distributions as torch.nn.init; in place, outside the graph,
seeded by autograd_core.manual_seed; and nn.utils (gradient clipping, flat vectors)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_core as ag
import nn
from nn import init

torch = pytest.importorskip("torch")


def _param(*shape):
    return nn.Parameter(ag.zeros(*shape))


# --------------------------------------------------------------------------------------------
# gain and fans
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name,param",
    [
        ("linear", None),
        ("conv1d", None),
        ("conv2d", None),
        ("conv_transpose2d", None),
        ("sigmoid", None),
        ("tanh", None),
        ("relu", None),
        ("leaky_relu", None),
        ("leaky_relu", 0.2),
        ("leaky_relu", 3),
        ("selu", None),
    ],
)
def test_calculate_gain_matches_torch(name, param):
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param), rel=1e-15
    )


def test_calculate_gain_values_and_errors():
    assert init.calculate_gain("tanh") == 5.0 / 3
    assert init.calculate_gain("relu") == math.sqrt(2.0)
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    with pytest.raises(ValueError, match="Unsupported nonlinearity softmax"):
        init.calculate_gain("softmax")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape", [(3, 4), (16, 6, 5, 5), (8, 2, 7), (5, 3, 2, 2, 2)])
def test_fans_match_torch(shape):
    ours = init._calculate_fan_in_and_fan_out(ag.zeros(*shape))
    theirs = torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))
    assert ours == theirs


@pytest.mark.parametrize(
    "fn",
    [
        init.xavier_uniform_,
        init.xavier_normal_,
        init.kaiming_uniform_,
        init.kaiming_normal_,
    ],
)
def test_fan_based_schemes_reject_1d(fn):
    with pytest.raises(ValueError, match="Fan in and fan out can not be computed"):
        fn(_param(5))


def test_bad_mode():
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(_param(3, 3), mode="fan_avg")


# --------------------------------------------------------------------------------------------
# distributions: bounds and moments against the formulas (and torch's own samples)
# --------------------------------------------------------------------------------------------
SHAPE = (256, 128, 3, 3)  # fan_in = 1152, fan_out = 2304: large samples, tight moments
FAN_IN, FAN_OUT = 128 * 9, 256 * 9


def _sample(fn, *args, **kw):
    ag.manual_seed(0)
    torch.manual_seed(0)
    ours = _param(*SHAPE)
    out = fn(ours, *args, **kw)
    assert out is ours
    theirs = torch.empty(SHAPE)
    getattr(torch.nn.init, fn.__name__)(theirs, *args, **kw)
    return ours.data, theirs.numpy()


@pytest.mark.parametrize(
    "fn,kw,bound",
    [
        (init.uniform_, dict(a=-0.3, b=0.7), None),
        (init.xavier_uniform_, dict(gain=2.0), 2.0 * math.sqrt(6 / (FAN_IN + FAN_OUT))),
        (init.kaiming_uniform_, dict(a=math.sqrt(5)), 1 / math.sqrt(FAN_IN)),
        (init.kaiming_uniform_, dict(mode="fan_out", nonlinearity="relu"), math.sqrt(6 / FAN_OUT)),
    ],
)
def test_uniform_schemes(fn, kw, bound):
    ours, theirs = _sample(fn, **kw)
    lo, hi = (kw["a"], kw["b"]) if fn is init.uniform_ else (-bound, bound)
    for w in (ours, theirs):
        assert w.min() >= lo and w.max() <= hi
        assert w.min() < lo + 0.01 * (hi - lo) and w.max() > hi - 0.01 * (hi - lo)
        np.testing.assert_allclose(w.mean(), (lo + hi) / 2, atol=0.01 * (hi - lo))
        np.testing.assert_allclose(w.std(), (hi - lo) / math.sqrt(12), rtol=0.01)


@pytest.mark.parametrize(
    "fn,kw,mean,std",
    [
        (init.normal_, dict(mean=0.5, std=0.1), 0.5, 0.1),
        (init.xavier_normal_, dict(), 0.0, math.sqrt(2 / (FAN_IN + FAN_OUT))),
        (init.kaiming_normal_, dict(nonlinearity="relu"), 0.0, math.sqrt(2 / FAN_IN)),
        (init.kaiming_normal_, dict(a=0.2, mode="fan_out"), 0.0, math.sqrt(2 / 1.04 / FAN_OUT)),
    ],
)
def test_normal_schemes(fn, kw, mean, std):
    ours, theirs = _sample(fn, **kw)
    for w in (ours, theirs):
        np.testing.assert_allclose(w.mean(), mean, atol=0.01 * std)
        np.testing.assert_allclose(w.std(), std, rtol=0.01)


def test_trunc_normal():
    ours, theirs = _sample(init.trunc_normal_, mean=0.1, std=1.0, a=-0.5, b=1.0)
    for w in (ours, theirs):
        assert w.min() >= -0.5 and w.max() <= 1.0
    np.testing.assert_allclose(ours.mean(), theirs.mean(), atol=0.005)
    np.testing.assert_allclose(ours.std(), theirs.std(), rtol=0.01)


def test_orthogonal():
    for shape in [(6, 4), (4, 6), (3, 2, 2)]:
        p = _param(*shape)
        init.orthogonal_(p, gain=2.0)
        m = p.data.reshape(shape[0], -1).astype(np.float64)
        small = m @ m.T if shape[0] <= m.shape[1] else m.T @ m
        np.testing.assert_allclose(small, 4 * np.eye(len(small)), atol=1e-5)


def test_constant_fills():
    p = _param(2, 3)
    assert init.ones_(p) is p and np.all(p.data == 1)
    init.constant_(p, 0.25)
    assert np.all(p.data == 0.25)
    init.zeros_(p)
    assert not np.any(p.data)
    init.eye_(p)
    np.testing.assert_array_equal(p.data, np.eye(2, 3))
    w = _param(4, 2, 3, 3)
    init.dirac_(w, groups=2)
    np.testing.assert_array_equal(w.data, torch.nn.init.dirac_(torch.empty(4, 2, 3, 3), 2).numpy())


# --------------------------------------------------------------------------------------------
# in place, outside the graph, seeded
# --------------------------------------------------------------------------------------------
def test_init_works_on_parameters_without_no_grad():
    lin = nn.Linear(5, 3)
    w = lin.weight
    init.xavier_uniform_(lin.weight)
    init.zeros_(lin.bias)
    assert lin.weight is w and w.requires_grad and w.is_leaf and w.grad_fn is None
    assert w.dtype == np.float32
    lin(ag.ones(2, 5)).sum().backward()
    assert w.grad is not None


def test_init_is_seeded_and_takes_a_generator():
    ag.manual_seed(3)
    a = init.kaiming_normal_(_param(4, 5)).data.copy()
    ag.manual_seed(3)
    b = init.kaiming_normal_(_param(4, 5)).data.copy()
    np.testing.assert_array_equal(a, b)
    g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
    c = init.uniform_(_param(3), generator=g1).data
    d = init.uniform_(_param(3), generator=g2).data
    np.testing.assert_array_equal(c, d)


def test_kaiming_on_empty_tensor_warns():
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(_param(0, 3))


# --------------------------------------------------------------------------------------------
# nn.utils
# --------------------------------------------------------------------------------------------
def _twin_models():
    ag.manual_seed(0)
    ours = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32) * 3
    (ours(ag.tensor(x)) ** 2).sum().backward()
    (theirs(torch.tensor(x)) ** 2).sum().backward()
    return ours, theirs


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.1, "inf")])
def test_clip_grad_norm_matches_torch(max_norm, norm_type):
    ours, theirs = _twin_models()
    nt = float(norm_type)
    total = nn.utils.clip_grad_norm_(ours.parameters(), max_norm, norm_type=nt)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs.parameters(), max_norm, norm_type=nt)
    assert isinstance(total, ag.Tensor) and total.dtype == np.float32
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-5)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_edge_cases():
    p = nn.Parameter(ag.ones(3))
    assert nn.utils.clip_grad_norm_([p], 1.0).item() == 0.0  # no gradients at all
    p.grad = ag.tensor([3.0, 4.0, 0.0])
    assert nn.utils.clip_grad_norm_(p, 10.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.data, [3.0, 4.0, 0.0])  # under the limit: unchanged
    p.grad = ag.tensor([np.inf, 1.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_matches_torch():
    ours, theirs = _twin_models()
    nn.utils.clip_grad_value_(ours.parameters(), 0.5)
    torch.nn.utils.clip_grad_value_(theirs.parameters(), 0.5)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-5, atol=1e-6)
        assert np.abs(p.grad.data).max() <= 0.5


def test_parameters_to_vector_and_back():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (11,)
    expected = np.concatenate([p.data.ravel() for p in model.parameters()])
    np.testing.assert_array_equal(vec.data, expected)
    # differentiable: d(sum of squares)/dθ = 2θ
    (vec * vec).sum().backward()
    np.testing.assert_allclose(model[0].weight.grad.data, 2 * model[0].weight.data, rtol=1e-6)
    new = np.arange(11, dtype=np.float64)
    nn.utils.vector_to_parameters(ag.tensor(new), model.parameters())
    np.testing.assert_array_equal(model[0].weight.data, np.arange(6).reshape(2, 3))
    np.testing.assert_array_equal(model[1].bias.data, [10])
    nn.utils.vector_to_parameters(new * 2, model.parameters())  # numpy arrays too
    assert model[1].bias.item() == 20
    with pytest.raises(ValueError, match="11"):
        nn.utils.vector_to_parameters(ag.zeros(5), model.parameters())
    with pytest.raises(TypeError, match="expected Tensor"):
        nn.utils.vector_to_parameters([1.0] * 11, model.parameters())
