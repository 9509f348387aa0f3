"""nn layers against torch.nn: the same weights (moved with load_state_dict), the same input,
then outputs, input gradients and parameter gradients compared; state_dict layouts; default
initialisation; summary."""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ag
import nn

torch = pytest.importorskip("torch")
tnn = torch.nn

RNG = np.random.default_rng(1234)


def _weights(shape: tuple) -> np.ndarray:
    n = int(np.prod(shape))
    return np.linspace(0.5, 1.5, n).reshape(shape)


def compare_layer(ours, theirs, *inputs, dtype=np.float32, tol=None):
    """Copy torch's weights into ours, run both on the same inputs, compare the outputs and the
    gradients (of a weighted sum of the output) for every input and parameter."""
    if dtype == np.float64:
        theirs = theirs.double()
        ours = ours.double()
    tol = tol or (
        dict(rtol=1e-5, atol=1e-5) if dtype == np.float32 else dict(rtol=1e-10, atol=1e-10)
    )
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    arrays = [np.asarray(a, dtype=dtype) for a in inputs]
    xs = [ag.tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, yt = ours(*xs), theirs(*ts)
    assert y.dtype == dtype
    assert y.shape == tuple(yt.shape)
    np.testing.assert_allclose(y.data, yt.detach().numpy(), **tol)
    w = _weights(y.shape).astype(dtype)
    (y * w).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    for i, (x, t) in enumerate(zip(xs, ts)):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), err_msg=f"input {i}", **tol)
    ours_p, theirs_p = dict(ours.named_parameters()), dict(theirs.named_parameters())
    assert list(ours_p) == list(theirs_p)
    for name, p in ours_p.items():
        assert p.grad is not None, name
        np.testing.assert_allclose(p.grad.data, theirs_p[name].grad.numpy(), err_msg=name, **tol)
    return ours


def x_of(*shape, scale=1.0):
    return RNG.normal(size=shape) * scale


DTYPES = [np.float32, np.float64]


# --------------------------------------------------------------------------------------------
# Dense, convolution, pooling, shape layers
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 7), (2, 3, 7), (7,)])
def test_linear(dtype, bias, shape):
    compare_layer(
        nn.Linear(7, 4, bias=bias), tnn.Linear(7, 4, bias=bias), x_of(*shape), dtype=dtype
    )


def test_bilinear():
    compare_layer(nn.Bilinear(5, 3, 4), tnn.Bilinear(5, 3, 4), x_of(6, 5), x_of(6, 3))


CONV2D_CASES = [
    dict(in_channels=3, out_channels=4, kernel_size=3),
    dict(in_channels=3, out_channels=6, kernel_size=(3, 2), stride=2, padding=1, dilation=(1, 2)),
    dict(in_channels=4, out_channels=6, kernel_size=3, groups=2, bias=False),
    dict(in_channels=3, out_channels=3, kernel_size=3, groups=3, padding=(2, 1)),
    dict(in_channels=3, out_channels=2, kernel_size=4, padding="same"),
    dict(in_channels=3, out_channels=2, kernel_size=3, padding="valid"),
    dict(in_channels=3, out_channels=2, kernel_size=3, padding=1, padding_mode="reflect"),
    dict(in_channels=3, out_channels=2, kernel_size=3, padding=(2, 1), padding_mode="replicate"),
    dict(in_channels=3, out_channels=2, kernel_size=3, padding=1, padding_mode="circular"),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kw", CONV2D_CASES, ids=range(len(CONV2D_CASES)))
def test_conv2d(kw, dtype):
    c = kw["in_channels"]
    compare_layer(nn.Conv2d(**kw), tnn.Conv2d(**kw), x_of(2, c, 9, 8), dtype=dtype)


def test_conv2d_unbatched():
    compare_layer(nn.Conv2d(2, 3, 3), tnn.Conv2d(2, 3, 3), x_of(2, 6, 5))


CONV1D_CASES = [
    dict(in_channels=3, out_channels=4, kernel_size=3),
    dict(in_channels=3, out_channels=4, kernel_size=3, stride=2, padding=2, dilation=2),
    dict(in_channels=4, out_channels=2, kernel_size=2, groups=2, bias=False),
    dict(in_channels=3, out_channels=2, kernel_size=3, padding=1, padding_mode="reflect"),
]


@pytest.mark.parametrize("kw", CONV1D_CASES, ids=range(len(CONV1D_CASES)))
def test_conv1d(kw):
    compare_layer(nn.Conv1d(**kw), tnn.Conv1d(**kw), x_of(2, kw["in_channels"], 11))


POOL_CASES = [
    ("MaxPool2d", (2,), {}),
    ("MaxPool2d", (3,), dict(stride=2, padding=1)),
    ("MaxPool2d", ((2, 3),), dict(stride=(1, 2), ceil_mode=True)),
    ("AvgPool2d", (2,), {}),
    ("AvgPool2d", (3,), dict(stride=2, padding=1)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False)),
    ("AvgPool2d", (2,), dict(divisor_override=3)),
    ("AdaptiveAvgPool2d", (1,), {}),
    ("AdaptiveAvgPool2d", ((3, 4),), {}),
    ("AdaptiveAvgPool2d", ((4, 3),), {}),
]


@pytest.mark.parametrize("name,args,kw", POOL_CASES, ids=range(len(POOL_CASES)))
def test_pool2d(name, args, kw):
    compare_layer(getattr(nn, name)(*args, **kw), getattr(tnn, name)(*args, **kw), x_of(2, 3, 9, 8))


@pytest.mark.parametrize("name,args", [("MaxPool1d", (2,)), ("AvgPool1d", (3, 2, 1))])
def test_pool1d(name, args):
    compare_layer(getattr(nn, name)(*args), getattr(tnn, name)(*args), x_of(2, 3, 11))


@pytest.mark.parametrize(
    "layer,shape",
    [
        (lambda m: m.Flatten(), (2, 3, 4, 5)),
        (lambda m: m.Flatten(0, 2), (2, 3, 4, 5)),
        (lambda m: m.Flatten(2), (2, 3, 4, 5)),
        (lambda m: m.Unflatten(1, (3, 4)), (2, 12, 5)),
        (lambda m: m.Identity(54, unused=1), (2, 3)),
    ],
)
def test_shape_layers(layer, shape):
    compare_layer(layer(nn), layer(tnn), x_of(*shape))


# --------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------
ACTIVATIONS = [
    ("ReLU", ()),
    ("LeakyReLU", ()),
    ("LeakyReLU", (0.2,)),
    ("PReLU", ()),
    ("PReLU", (3, 0.1)),
    ("ELU", ()),
    ("ELU", (0.5,)),
    ("SELU", ()),
    ("CELU", (0.7,)),
    ("GELU", ()),
    ("GELU", ("tanh",)),
    ("Sigmoid", ()),
    ("Tanh", ()),
    ("Hardtanh", ()),
    ("Hardtanh", (-0.5, 0.7)),
    ("ReLU6", ()),
    ("Softplus", ()),
    ("Softplus", (2.0, 1.0)),
    ("SiLU", ()),
    ("Mish", ()),
    ("Softsign", ()),
    ("LogSigmoid", ()),
    ("Softmax", (1,)),
    ("Softmin", (1,)),
    ("LogSoftmax", (-1,)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,args", ACTIVATIONS, ids=[f"{n}{a}" for n, a in ACTIVATIONS])
def test_activation_layers(name, args, dtype):
    x = x_of(2, 3, 4, 5, scale=3.0)
    x[0, 0, 0, :3] = [0.0, -1.0, 1.0]  # kinks and bounds
    tol = None
    if name == "CELU" and dtype == np.float64:
        tol = dict(rtol=1e-7, atol=1e-7)  # torch rounds 1/alpha to float32 inside celu
    compare_layer(getattr(nn, name)(*args), getattr(tnn, name)(*args), x, dtype=dtype, tol=tol)


def test_activation_on_every_rank():
    for shape in [(5,), (4, 5), (2, 3, 5)]:
        compare_layer(nn.GELU(), tnn.GELU(), x_of(*shape))
        compare_layer(nn.PReLU(), tnn.PReLU(), x_of(*shape))


def test_prelu_per_channel_2d_input():
    compare_layer(nn.PReLU(4), tnn.PReLU(4), x_of(6, 4))


def test_prelu_wrong_channel_count():
    with pytest.raises(RuntimeError, match="channels"):
        nn.PReLU(3)(ag.randn(2, 4, 5))


def test_inplace_activation_writes_into_input():
    x = ag.tensor([[-1.0, 2.0]])
    y = nn.ReLU(inplace=True)(x)
    assert y is x and x.tolist() == [[0.0, 2.0]]
    x = ag.tensor([[-1.0, 2.0]])
    nn.LeakyReLU(0.5, inplace=True)(x)
    assert x.tolist() == [[-0.5, 2.0]]
    # through the graph: the gradient is still the activation's
    w = ag.tensor([[-1.0, 3.0]], requires_grad=True)
    h = w * 2.0
    nn.ELU(inplace=True)(h)
    h.sum().backward()
    np.testing.assert_allclose(w.grad.data, [[2 * math.exp(-2.0), 2.0]], rtol=1e-6)


def test_softmax_implicit_dim_warns_like_torch():
    x = x_of(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        y = nn.Softmax()(ag.tensor(x))
    np.testing.assert_allclose(y.data.sum(axis=1), 1.0, rtol=1e-6)


def test_layer_argument_errors():
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("erf")
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode"):
        nn.Conv2d(3, 4, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="strided"):
        nn.Conv2d(3, 4, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="min_val"):
        nn.Hardtanh(1.0, -1.0)


# --------------------------------------------------------------------------------------------
# Whole models: state_dict layout as torch, weights moved both ways, same outputs
# --------------------------------------------------------------------------------------------
def _mlp(m):
    return m.Sequential(
        m.Flatten(), m.Linear(784, 16), m.ReLU(), m.Linear(16, 16), m.ReLU(), m.Linear(16, 10)
    )


def _lenet(m):
    return m.Sequential(
        m.Conv2d(1, 6, 5, padding=2),
        m.ReLU(),
        m.MaxPool2d(2),
        m.Conv2d(6, 16, 5),
        m.ReLU(),
        m.MaxPool2d(2),
        m.Flatten(),
        m.Linear(400, 120),
        m.ReLU(),
        m.Linear(120, 84),
        m.ReLU(),
        m.Linear(84, 10),
    )


def _named(m):
    return m.Sequential(
        OrderedDict(
            [
                ("conv", m.Conv2d(1, 4, 3)),
                ("bn", m.BatchNorm2d(4)),
                ("act", m.PReLU(4)),
                ("pool", m.AdaptiveAvgPool2d(1)),
                ("flat", m.Flatten()),
                ("head", m.Sequential(m.Linear(4, 8), m.GELU(), m.Linear(8, 3))),
            ]
        )
    )


def _custom(m):
    class Net(m.Module):
        def __init__(self):
            super().__init__()
            self.linear_1 = m.Linear(6, 5)
            self.bn = m.BatchNorm1d(5)
            self.blocks = m.ModuleList([m.Linear(5, 5) for _ in range(2)])
            self.heads = m.ModuleDict({"a": m.Linear(5, 2), "b": m.Linear(5, 1, bias=False)})
            self.scale = m.Parameter(torch.ones(1) if m is tnn else ag.ones(1))

        def forward(self, x):
            h = self.bn(self.linear_1(x)).tanh()
            for blk in self.blocks:
                h = blk(h).relu()
            return self.heads["a"](h) * self.scale + self.heads["b"](h)

    return Net()


MODELS = [
    (_mlp, (3, 1, 28, 28)),
    (_lenet, (2, 1, 28, 28)),
    (_named, (3, 1, 7, 7)),
    (_custom, (4, 6)),
]


@pytest.mark.parametrize("build,shape", MODELS, ids=["mlp", "lenet", "named", "custom"])
def test_state_dict_keys_and_shapes_match_torch(build, shape):
    ours, theirs = build(nn), build(tnn)
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd)
    for k in sd:
        assert sd[k].shape == tuple(tsd[k].shape), k
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]


@pytest.mark.parametrize("build,shape", MODELS, ids=["mlp", "lenet", "named", "custom"])
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_models_match_torch(build, shape, mode):
    ours, theirs = build(nn), build(tnn)
    getattr(ours, mode)()
    getattr(theirs, mode)()
    compare_layer(ours, theirs, x_of(*shape), tol=dict(rtol=1e-4, atol=1e-5))
    # the buffers (BatchNorm running statistics) moved the same way
    for (k, b), (_, tb) in zip(ours.named_buffers(), theirs.named_buffers()):
        np.testing.assert_allclose(b.data, tb.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)


def test_weights_move_back_to_torch():
    ours, theirs = _lenet(nn), _lenet(tnn)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = x_of(2, 1, 28, 28).astype(np.float32)
    np.testing.assert_allclose(
        ours(ag.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5
    )


def test_torch_state_dict_loads_directly():
    ours, theirs = _mlp(nn), _mlp(tnn)
    ours.load_state_dict(theirs.state_dict())  # torch tensors go through np.asarray
    np.testing.assert_array_equal(ours[1].weight.data, theirs[1].weight.detach().numpy())


# --------------------------------------------------------------------------------------------
# Default initialisation, as PyTorch: U(±1/√fan_in) for weights and biases
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make,fan_in",
    [
        (lambda m: m.Linear(300, 200), 300),
        (lambda m: m.Conv2d(6, 64, 5), 150),
        (lambda m: m.Conv2d(8, 64, 3, groups=4), 18),
        (lambda m: m.Conv1d(4, 64, 7), 28),
    ],
)
def test_default_init_bounds_match_torch(make, fan_in):
    ag.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = make(nn), make(tnn)
    bound = 1 / math.sqrt(fan_in)
    for name in ("weight", "bias"):
        w = getattr(ours, name).data
        tw = getattr(theirs, name).detach().numpy()
        assert w.dtype == np.float32 and w.shape == tw.shape
        assert np.abs(w).max() <= bound
        assert np.abs(tw).max() <= bound
    w = ours.weight.data
    # uniform on ±bound: max near the bound, mean near 0, std bound/√3 (as torch's)
    assert np.abs(w).max() > 0.95 * bound
    assert abs(w.mean()) < 0.05 * bound
    np.testing.assert_allclose(w.std(), bound / math.sqrt(3), rtol=0.05)
    np.testing.assert_allclose(w.std(), theirs.weight.detach().numpy().std(), rtol=0.08)


def test_manual_seed_makes_init_repeatable():
    ag.manual_seed(7)
    a = _lenet(nn)
    ag.manual_seed(7)
    b = _lenet(nn)
    c = _lenet(nn)
    for (k, p), (_, q), (_, r) in zip(
        a.state_dict().items(), b.state_dict().items(), c.state_dict().items()
    ):
        np.testing.assert_array_equal(p.data, q.data, err_msg=k)
        assert not np.array_equal(p.data, r.data)


def test_prelu_init_and_dtype_argument():
    p = nn.PReLU(3, init=0.1)
    np.testing.assert_allclose(p.weight.data, [0.1, 0.1, 0.1])
    lin = nn.Linear(3, 2, dtype=ag.float64)
    assert lin.weight.dtype == np.float64 and lin.bias.dtype == np.float64
    assert lin(ag.ones(4, 3, dtype=ag.float64)).dtype == np.float64
    with pytest.raises(RuntimeError, match="device"):
        nn.Linear(3, 2, device="cuda")


# --------------------------------------------------------------------------------------------
# repr as torch
# --------------------------------------------------------------------------------------------
REPR_CASES = [
    lambda m: m.Linear(784, 16),
    lambda m: m.Linear(3, 2, bias=False),
    lambda m: m.Conv2d(1, 6, 5),
    lambda m: m.Conv2d(3, 8, (3, 5), stride=2, padding=1, dilation=2, groups=1, bias=False),
    lambda m: m.Conv2d(4, 8, 3, groups=2, padding="same", padding_mode="reflect"),
    lambda m: m.Conv1d(3, 4, 3, stride=2),
    lambda m: m.MaxPool2d(2),
    lambda m: m.MaxPool2d(3, 2, 1),
    lambda m: m.AvgPool2d(2),
    lambda m: m.AdaptiveAvgPool2d((1, 1)),
    lambda m: m.Flatten(),
    lambda m: m.Identity(),
    lambda m: m.ReLU(),
    lambda m: m.ReLU(inplace=True),
    lambda m: m.LeakyReLU(0.2),
    lambda m: m.PReLU(),
    lambda m: m.ELU(),
    lambda m: m.GELU(),
    lambda m: m.GELU("tanh"),
    lambda m: m.Hardtanh(),
    lambda m: m.ReLU6(),
    lambda m: m.Softmax(dim=1),
    lambda m: m.LogSoftmax(dim=1),
    lambda m: m.Softplus(),
    lambda m: m.Sigmoid(),
    _mlp,
    _lenet,
    lambda m: m.Sequential(OrderedDict([("conv", m.Conv2d(1, 4, 3)), ("head", _mlp(m))])),
    lambda m: m.ModuleList([m.Linear(2, 2) for _ in range(3)] + [m.ReLU()]),
    lambda m: m.ModuleDict({"a": m.Tanh(), "b": m.Sequential(m.Linear(1, 1))}),
]


@pytest.mark.parametrize("make", REPR_CASES, ids=range(len(REPR_CASES)))
def test_repr_matches_torch(make):
    assert repr(make(nn)) == repr(make(tnn))


# --------------------------------------------------------------------------------------------
# summary
# --------------------------------------------------------------------------------------------
def test_summary_mlp_13002(capsys):
    model = _mlp(nn)
    s = nn.summary(model, (1, 28, 28))
    assert s.total_params == 13002 and s.trainable_params == 13002
    assert s.non_trainable_params == 0
    text = str(s)
    assert "13,002" in text and "12,560" in text and "272" in text and "170" in text
    assert "[-1, 784]" in text and "[-1, 10]" in text
    assert [r[1] for r in s.rows] == ["Flatten", "Linear", "ReLU", "Linear", "ReLU", "Linear"]
    print(nn.summary(model, (784,)))
    assert "Total params: 13,002" in capsys.readouterr().out
    # the batch dimension given too: accepted
    assert nn.summary(model, (8, 1, 28, 28)).total_params == 13002


def test_summary_keeps_modes_and_counts_frozen_params():
    model = _named(nn)
    model[0].requires_grad_(False)
    model.train()
    before = [b.data.copy() for b in model.buffers()]
    s = nn.summary(model, (1, 7, 7))
    assert all(m.training for m in model.modules())
    for b, old in zip(model.buffers(), before):  # eval mode: running stats untouched
        np.testing.assert_array_equal(b.data, old)
    n_conv = 4 * 1 * 3 * 3 + 4
    total = sum(p.numel() for p in model.parameters())
    assert s.total_params == total and s.non_trainable_params == n_conv
    names = [r[0] for r in s.rows]
    assert names[:2] == ["conv", "bn"] and "head.0" in names
    assert [r for r in s.rows if r[0] == "act"][0][3] == 4


def test_summary_error_names_the_problem():
    with pytest.raises(RuntimeError, match="linear"):
        nn.summary(nn.Linear(3, 2), (4,))


def test_linear_reads_its_registered_parameters():
    m = nn.Linear(3, 2)
    x = ag.ones(4, 3)
    np.testing.assert_allclose(m(x).data, x.data @ m.weight.data.T + m.bias.data, rtol=1e-6)
    m.bias = None  # as in PyTorch: no bias from now on
    np.testing.assert_allclose(m(x).data, x.data @ m.weight.data.T, rtol=1e-6)
    del m.weight
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'weight'"):
        m(x)
