"""nn.functional against torch.nn.functional: linear (the fused op), activations, softmax family,
convolution and pooling wrappers, dropout (elementwise and channel), embedding (function and
module), one_hot, pad; finite differences of the fused ops; errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(2024)


def _run_both(fn_ours, fn_torch, arrays, wrt, tol=1e-10):
    ours = [ag.tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
    o1, o2 = fn_ours(*ours), fn_torch(*theirs)
    assert o1.shape == tuple(o2.shape)
    np.testing.assert_allclose(o1.data, o2.detach().numpy(), rtol=tol, atol=tol)
    w = RNG.standard_normal(o1.shape).astype(o1.dtype)
    (o1 * ag.tensor(w)).sum().backward()
    (o2 * torch.tensor(w)).sum().backward()
    for i in wrt:
        np.testing.assert_allclose(
            ours[i].grad.data, theirs[i].grad.numpy(), rtol=tol, atol=tol, err_msg=f"input {i}"
        )


# --------------------------------------------------------------------------------------------
# linear
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("x_shape", [(4,), (6, 4), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(x_shape, bias):
    arrays = [RNG.standard_normal(x_shape), RNG.standard_normal((5, 4))]
    if bias:
        arrays.append(RNG.standard_normal(5))
    _run_both(F.linear, TF.linear, arrays, wrt=tuple(range(len(arrays))))


def test_linear_is_one_node_and_keeps_float32():
    x = ag.tensor(RNG.standard_normal((8, 3)).astype(np.float32))
    w = ag.tensor(RNG.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    b = ag.tensor(np.zeros(2, np.float32), requires_grad=True)
    y = F.linear(x, w, b)
    assert y.dtype == np.float32
    assert y.grad_fn.name == "LinearBackward"
    assert set(y.grad_fn.next_edges) == {None, w, b}  # x needs no gradient
    y.sum().backward()
    assert w.grad.dtype == np.float32
    np.testing.assert_allclose(b.grad.data, [8.0, 8.0])
    np.testing.assert_allclose(w.grad.data, np.tile(x.data.sum(0), (2, 1)), rtol=1e-6)


@settings(max_examples=20, deadline=None)
@given(
    lead=st.sampled_from([(), (3,), (2, 3)]),
    n_in=st.integers(1, 4),
    n_out=st.integers(1, 4),
    bias=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_linear_gradcheck(lead, n_in, n_out, bias, seed):
    rng = np.random.default_rng(seed)
    xs = [
        ag.tensor(rng.standard_normal(lead + (n_in,)), requires_grad=True),
        ag.tensor(rng.standard_normal((n_out, n_in)), requires_grad=True),
    ]
    if bias:
        xs.append(ag.tensor(rng.standard_normal(n_out), requires_grad=True))
    assert ag.gradcheck(F.linear, tuple(xs))
    assert ag.gradgradcheck(F.linear, tuple(xs))


def test_linear_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match=r"input shape \(2, 3\) and weight shape \(4, 5\)"):
        F.linear(ag.ones(2, 3), ag.ones(4, 5))
    with pytest.raises(RuntimeError, match=r"bias shape \(3,\) does not match out_features = 4"):
        F.linear(ag.ones(2, 5), ag.ones(4, 5), ag.ones(3))


# --------------------------------------------------------------------------------------------
# Activations and the softmax family
# --------------------------------------------------------------------------------------------
ACTIVATIONS = [
    ("relu", {}),
    ("sigmoid", {}),
    ("tanh", {}),
    ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {"alpha": 0.7}),
    ("gelu", {}),
    ("gelu", {"approximate": "tanh"}),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}),
    ("softplus", {"beta": 2.0}),
    ("silu", {}),
    ("relu6", {}),
    ("selu", {}),
    ("logsigmoid", {}),
    ("softsign", {}),
]


@pytest.mark.parametrize("name, kwargs", ACTIVATIONS, ids=lambda v: str(v))
def test_activations_match_torch(name, kwargs):
    x = RNG.standard_normal((3, 5)) * 3
    _run_both(
        lambda a: getattr(F, name)(a, **kwargs),
        lambda a: getattr(TF, name)(a, **kwargs),
        [x],
        wrt=(0,),
    )


def test_relu_inplace_and_prelu():
    x = ag.tensor([-1.0, 2.0, -3.0])
    out = F.relu(x, inplace=True)
    assert out is x
    np.testing.assert_array_equal(x.data, [0.0, 2.0, 0.0])
    xs = [RNG.standard_normal((2, 3, 4)), np.array([0.1, 0.2, 0.3])]
    _run_both(F.prelu, TF.prelu, xs, wrt=(0, 1))


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family_matches_torch(name, dim):
    x = RNG.standard_normal((3, 4, 2))
    _run_both(
        lambda a: getattr(F, name)(a, dim=dim),
        lambda a: getattr(TF, name)(a, dim=dim),
        [x],
        wrt=(0,),
    )
    out = getattr(F, name)(ag.tensor(x.astype(np.float32)), dim, dtype=ag.float64)
    assert out.dtype == np.float64


def test_softmax_implicit_dim_warns_as_torch():
    x = RNG.standard_normal((2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        ours = F.softmax(ag.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = TF.softmax(torch.tensor(x))
    np.testing.assert_allclose(ours.data, theirs.numpy(), atol=1e-12)


# --------------------------------------------------------------------------------------------
# Convolution, pooling, padding (the ops are tested with their modules; here the F names)
# --------------------------------------------------------------------------------------------
def test_conv_pool_pad_names_match_torch():
    x = RNG.standard_normal((2, 3, 8, 8))
    w = RNG.standard_normal((4, 3, 3, 3))
    b = RNG.standard_normal(4)
    _run_both(
        lambda x, w, b: F.max_pool2d(F.relu(F.conv2d(x, w, b, stride=1, padding=1)), 2),
        lambda x, w, b: TF.max_pool2d(TF.relu(TF.conv2d(x, w, b, stride=1, padding=1)), 2),
        [x, w, b],
        wrt=(0, 1, 2),
    )
    _run_both(
        lambda x: F.avg_pool2d(F.pad(x, (1, 0, 2, 1)), kernel_size=3, stride=2),
        lambda x: TF.avg_pool2d(TF.pad(x, (1, 0, 2, 1)), kernel_size=3, stride=2),
        [x],
        wrt=(0,),
    )
    x1, w1 = RNG.standard_normal((2, 3, 9)), RNG.standard_normal((2, 3, 4))
    _run_both(
        lambda x, w: F.max_pool1d(F.conv1d(x, w, padding=2), 2),
        lambda x, w: TF.max_pool1d(TF.conv1d(x, w, padding=2), 2),
        [x1, w1],
        wrt=(0, 1),
    )


# --------------------------------------------------------------------------------------------
# Dropout
# --------------------------------------------------------------------------------------------
def test_dropout_inverted_scaling_and_modes():
    ag.manual_seed(0)
    x = ag.ones(200, 50)
    y = F.dropout(x, 0.3)
    kept = y.data != 0
    np.testing.assert_allclose(y.data[kept], 1 / 0.7, rtol=1e-6)
    assert abs(kept.mean() - 0.7) < 0.02
    assert F.dropout(x, 0.3, training=False) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, 0.0)
    np.testing.assert_array_equal(F.dropout(x, 0.0).data, 1.0)
    with pytest.raises(
        ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"
    ):
        F.dropout(x, 1.5)


def test_dropout_is_repeatable_with_manual_seed_and_gradient_uses_the_mask():
    x = ag.tensor(RNG.standard_normal((4, 6)), requires_grad=True)
    ag.manual_seed(5)
    a = F.dropout(x, 0.5)
    ag.manual_seed(5)
    b = F.dropout(x, 0.5)
    np.testing.assert_array_equal(a.data, b.data)
    a.sum().backward()
    np.testing.assert_array_equal(x.grad.data, (a.data != 0) * 2.0)


@pytest.mark.parametrize(
    "shape, fn",
    [
        ((8, 16, 3, 3), "dropout2d"),
        ((16, 3, 3), "dropout2d"),
        ((8, 16, 5), "dropout1d"),
        ((16, 5), "dropout1d"),
    ],
)
def test_channel_dropout_zeroes_whole_channels(shape, fn):
    ag.manual_seed(1)
    x = ag.tensor(RNG.random(shape) + 1.0, requires_grad=True)
    y = getattr(F, fn)(x, 0.5)
    spatial = 2 if fn == "dropout2d" else 1
    flat = y.data.reshape(shape[: len(shape) - spatial] + (-1,))
    zero = (flat == 0).all(axis=-1)
    assert zero.any() and not zero.all()
    assert ((flat != 0).all(axis=-1) | zero).all()  # each channel kept whole or dropped whole
    np.testing.assert_allclose(y.data[y.data != 0], 2 * x.data[y.data != 0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, (y.data != 0) * 2.0)
    assert getattr(F, fn)(x, 0.5, training=False) is x
    with pytest.raises(RuntimeError, match="expected a"):
        getattr(F, fn)(ag.ones(*(1,) * (len(shape) + 2)), 0.5)


def test_dropout_modules():
    for cls in (nn.Dropout, nn.Dropout1d, nn.Dropout2d):
        m = cls(0.25)
        assert repr(m) == repr(getattr(torch.nn, cls.__name__)(0.25))
        x = ag.ones(4, 3, 5, 5) if cls is nn.Dropout2d else ag.ones(4, 3, 5)
        assert (m(x).data == 0).any()
        m.eval()
        assert m(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(-0.1)


# --------------------------------------------------------------------------------------------
# Embedding
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs", [{}, {"padding_idx": 3}, {"padding_idx": -1}, {"scale_grad_by_freq": True}], ids=str
)
def test_embedding_function_matches_torch(kwargs):
    table = RNG.standard_normal((10, 4))
    idx = RNG.integers(0, 10, (3, 7))
    idx[0, :3] = 9
    _run_both(
        lambda w, i: F.embedding(i, w, **kwargs),
        lambda w, i: TF.embedding(i, w, **kwargs),
        [table, idx],
        wrt=(0,),
    )


def test_embedding_max_norm_renormalises_used_rows_as_torch():
    table = RNG.standard_normal((6, 3)) * 3
    idx = np.array([0, 2, 2, 5])
    ours, theirs = ag.tensor(table), torch.tensor(table)
    a = F.embedding(ag.tensor(idx), ours, max_norm=1.0)
    b = TF.embedding(torch.tensor(idx), theirs, max_norm=1.0)
    np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)  # rows changed in place


def test_embedding_module_init_padding_and_torch_layout():
    ag.manual_seed(0)
    emb = nn.Embedding(1000, 16, padding_idx=0)
    assert emb.weight.dtype == np.float32
    np.testing.assert_array_equal(emb.weight.data[0], 0.0)
    rest = emb.weight.data[1:]
    assert abs(rest.mean()) < 0.02 and abs(rest.std() - 1.0) < 0.02  # N(0, 1) as torch
    assert repr(emb) == repr(torch.nn.Embedding(1000, 16, padding_idx=0))
    assert list(emb.state_dict()) == ["weight"]
    idx = ag.tensor([[0, 5, 5], [7, 0, 1]])
    out = emb(idx)
    assert out.shape == (2, 3, 16)
    (out * out).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data[0], 0.0)  # the padding row learns nothing
    np.testing.assert_allclose(emb.weight.grad.data[5], 4 * emb.weight.data[5], rtol=1e-6)
    ag.manual_seed(0)
    again = nn.Embedding(1000, 16, padding_idx=0)
    np.testing.assert_array_equal(again.weight.data, emb.weight.data)


def test_embedding_from_pretrained_and_errors():
    table = ag.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(emb(ag.tensor([2, 0])).data, [[5.0, 6.0], [1.0, 2.0]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(IndexError, match="index 3 is out of range for an embedding with 3 rows"):
        emb(ag.tensor([0, 3]))
    with pytest.raises(IndexError, match="index -1 is out of range"):
        emb(ag.tensor([-1]))
    with pytest.raises(TypeError, match="integer tensor"):
        emb(ag.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="padding_idx 5 must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=5)


def test_embedding_gradcheck_and_double_backward():
    idx = np.array([[1, 2, 1], [0, 3, 3]])
    w = ag.tensor(RNG.standard_normal((5, 3)), requires_grad=True)

    def f(w):
        return F.embedding(idx, w) ** 2

    assert ag.gradcheck(f, (w,))
    assert ag.gradgradcheck(f, (w,))
    # with create_graph the padding row and the frequency scaling are honoured too
    for kwargs in ({"padding_idx": 1}, {"scale_grad_by_freq": True}):
        (g1,) = ag.grad((F.embedding(idx, w, **kwargs) ** 2).sum(), w)
        (g2,) = ag.grad((F.embedding(idx, w, **kwargs) ** 2).sum(), w, create_graph=True)
        assert g2.requires_grad
        np.testing.assert_allclose(g1.data, g2.data, atol=1e-12)


# --------------------------------------------------------------------------------------------
# one_hot
# --------------------------------------------------------------------------------------------
def test_one_hot_matches_torch_and_errors():
    y = np.array([[0, 3], [2, 1]])
    for n in (-1, 6):
        ours = F.one_hot(ag.tensor(y), n)
        theirs = TF.one_hot(torch.tensor(y), n)
        assert ours.dtype == np.int64
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(ag.tensor([0, -1]))
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(ag.tensor([0, 4]), 3)
    with pytest.raises(RuntimeError, match="index tensors"):
        F.one_hot(ag.tensor([0.0, 1.0]))


def test_functional_exports_every_listed_name():
    for name in F.__all__:
        assert callable(getattr(F, name)), name
        assert hasattr(TF, name), name
