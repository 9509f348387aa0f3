"""Recurrent layers (nn.RNN / LSTM / GRU and their cells) against PyTorch: outputs, final states,
every parameter gradient and the input/state gradients, with a torch state_dict loaded."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
from nn.layers.recurrent_steps import gru_gates, lstm_gates

torch = pytest.importorskip("torch")

DTYPES = {
    "float32": (np.float32, torch.float32, 1e-5),
    "float64": (np.float64, torch.float64, 1e-8),
}


def _to_ag(t: torch.Tensor) -> ag.Tensor:
    return ag.tensor(t.detach().numpy().copy(), requires_grad=True)


def _from_torch(ours: nn.Module, theirs: torch.nn.Module) -> None:
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _flatten(out):
    if isinstance(out, tuple):
        return [y for x in out for y in _flatten(x)]
    return [out]


def _compare(ours, theirs, inputs, dtype_name, training=False):
    """Run both modules on the same inputs (the first a tensor, the rest states, possibly a
    tuple for LSTM or None); compare outputs, parameter and input gradients."""
    _, _, tol = DTYPES[dtype_name]
    _from_torch(ours, theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    t_in = [
        None if a is None else _map(a, lambda t: t.clone().requires_grad_(True)) for a in inputs
    ]
    a_in = [None if a is None else _map(a, _to_ag) for a in t_in]
    t_out = _flatten(theirs(*t_in))
    a_out = _flatten(ours(*a_in))
    assert len(t_out) == len(a_out)
    rng = np.random.default_rng(0)
    t_loss, a_loss = 0, 0
    for t, a in zip(t_out, a_out):
        assert tuple(a.shape) == tuple(t.shape)
        np.testing.assert_allclose(a.data, t.detach().numpy(), rtol=tol, atol=tol)
        w = rng.standard_normal(tuple(t.shape))
        t_loss = t_loss + (t * torch.tensor(w, dtype=t.dtype)).sum()
        a_loss = a_loss + (a * ag.tensor(w.astype(a.data.dtype))).sum()
    t_loss.backward()
    a_loss.backward()
    a_params = dict(ours.named_parameters())
    for name, p in theirs.named_parameters():
        np.testing.assert_allclose(
            a_params[name].grad.data, p.grad.numpy(), rtol=tol, atol=tol, err_msg=name
        )
    for t, a in zip(
        _flatten(tuple(x for x in t_in if x is not None)),
        _flatten(tuple(x for x in a_in if x is not None)),
    ):
        np.testing.assert_allclose(a.grad.data, t.grad.numpy(), rtol=tol, atol=tol)


def _map(x, f):
    return tuple(f(y) for y in x) if isinstance(x, tuple) else f(x)


def _rand(shape, tdt, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=g, dtype=tdt)


# -------------------------------------------------------------------------------------- cells


CELLS = [
    ("RNNCell", {}),
    ("RNNCell", {"nonlinearity": "relu"}),
    ("RNNCell", {"bias": False}),
    ("LSTMCell", {}),
    ("LSTMCell", {"bias": False}),
    ("GRUCell", {}),
]
# (batch size or None for unbatched, initial state given?, dtype)
CELL_CASES = [(3, True, "float64"), (3, False, "float32"), (None, True, "float32")]


@pytest.mark.parametrize("kind,kw", CELLS)
@pytest.mark.parametrize("batch,with_state,dtype_name", CELL_CASES)
def test_cells_match_torch(kind, kw, dtype_name, batch, with_state):
    ndt, tdt, _ = DTYPES[dtype_name]
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(4, 5, dtype=tdt, **kw)
    ours = getattr(nn, kind)(4, 5, dtype=ndt, **kw)
    lead = () if batch is None else (batch,)
    x = _rand((*lead, 4), tdt)
    state = None
    if with_state:
        state = _rand((*lead, 5), tdt, 2)
        if kind == "LSTMCell":
            state = (state, _rand((*lead, 5), tdt, 3))
    _compare(ours, theirs, [x, state], dtype_name)


# ------------------------------------------------------------------------------ sequence layers

CONFIGS = [
    ("RNN", {}),
    ("RNN", {"nonlinearity": "relu", "num_layers": 2}),
    ("RNN", {"bidirectional": True, "batch_first": True}),
    ("LSTM", {}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"batch_first": True, "bias": False}),
    ("GRU", {"num_layers": 2, "batch_first": True}),
    ("GRU", {"bidirectional": True}),
    ("GRU", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
]


# (batched?, initial state given?, dtype)
LAYER_CASES = [(True, True, "float64"), (True, False, "float32"), (False, True, "float32")]


@pytest.mark.parametrize("kind,kw", CONFIGS)
@pytest.mark.parametrize("batched,with_state,dtype_name", LAYER_CASES)
def test_layers_match_torch(kind, kw, dtype_name, batched, with_state):
    ndt, tdt, _ = DTYPES[dtype_name]
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(3, 4, dtype=tdt, **kw)
    ours = getattr(nn, kind)(3, 4, dtype=ndt, **kw)
    T, N = 5, 2
    if not batched:
        shape = (T, 3)
    elif kw.get("batch_first"):
        shape = (N, T, 3)
    else:
        shape = (T, N, 3)
    x = _rand(shape, tdt)
    state = None
    if with_state:
        layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
        sshape = (layers, N, 4) if batched else (layers, 4)
        state = _rand(sshape, tdt, 2)
        if kind == "LSTM":
            state = (state, _rand(sshape, tdt, 3))
    _compare(ours, theirs, [x, state], dtype_name)


@pytest.mark.parametrize("T,N,H_in,H", [(1, 1, 1, 1), (7, 4, 6, 3)])
def test_other_shapes(T, N, H_in, H):
    for kind in ("RNN", "LSTM", "GRU"):
        torch.manual_seed(0)
        theirs = getattr(torch.nn, kind)(H_in, H, num_layers=2, dtype=torch.float64)
        ours = getattr(nn, kind)(H_in, H, num_layers=2, dtype=np.float64)
        _compare(ours, theirs, [_rand((T, N, H_in), torch.float64), None], "float64")


def test_state_dict_keys_and_shapes_equal_torch():
    for kind in ("RNN", "LSTM", "GRU"):
        for kw in ({}, {"num_layers": 3, "bidirectional": True}, {"bias": False, "num_layers": 2}):
            theirs = getattr(torch.nn, kind)(3, 5, **kw).state_dict()
            ours = getattr(nn, kind)(3, 5, **kw).state_dict()
            assert list(ours) == list(theirs)
            for k in ours:
                assert tuple(ours[k].shape) == tuple(theirs[k].shape), k
        theirs = getattr(torch.nn, kind + "Cell")(3, 5).state_dict()
        ours = getattr(nn, kind + "Cell")(3, 5).state_dict()
        assert list(ours) == list(theirs) == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
        for k in ours:
            assert tuple(ours[k].shape) == tuple(theirs[k].shape), k


def test_default_init_is_uniform_in_bound_and_seeded():
    ag.manual_seed(0)
    a = nn.LSTM(10, 16, num_layers=2)
    ag.manual_seed(0)
    b = nn.LSTM(10, 16, num_layers=2)
    values = []
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters()):
        np.testing.assert_array_equal(p.data, q.data)
        assert p.data.dtype == np.float32
        values.append(p.data.ravel())
    v = np.concatenate(values)
    assert np.abs(v).max() <= 0.25 and np.abs(v).max() > 0.24  # 1/sqrt(16)
    assert abs(v.mean()) < 0.01


def test_long_sequence_backward_has_no_recursion_limit():
    ag.manual_seed(0)
    m = nn.LSTM(2, 3)
    x = ag.randn(1000, 1, 2, requires_grad=True)
    out, (h_n, c_n) = m(x)
    (out[-1].sum() + c_n.sum()).backward()
    assert x.grad is not None and np.isfinite(x.grad.data).all()
    assert np.abs(x.grad.data[-1]).sum() > 0
    assert m.weight_hh_l0.grad is not None


def test_dropout_between_layers_only_in_training():
    ag.manual_seed(0)
    m = nn.GRU(3, 4, num_layers=2, dropout=0.5)
    x = ag.randn(6, 2, 3)
    m.eval()
    e1, _ = m(x)
    e2, _ = m(x)
    np.testing.assert_array_equal(e1.data, e2.data)
    m.train()
    t1, _ = m(x)
    t2, _ = m(x)
    assert not np.allclose(t1.data, e1.data)
    assert not np.allclose(t1.data, t2.data)
    # a one-layer model has no layer to drop between: training equals evaluation
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        one = nn.GRU(3, 4, num_layers=1, dropout=0.5)
    one.train()
    a, _ = one(x)
    one.eval()
    b, _ = one(x)
    np.testing.assert_array_equal(a.data, b.data)


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match="nonlinearity"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout"):
        nn.LSTM(3, 4, dropout=1.5)
    m = nn.LSTM(3, 4)
    with pytest.raises(RuntimeError, match="input_size"):
        m(ag.randn(5, 2, 7))
    with pytest.raises(ValueError, match="2D or 3D"):
        m(ag.randn(3))
    with pytest.raises(RuntimeError, match=r"\(1, 2, 4\)"):
        m(ag.randn(5, 2, 3), (ag.zeros(2, 2, 4), ag.zeros(2, 2, 4)))
    with pytest.raises(ValueError, match="1D or 2D"):
        nn.GRUCell(3, 4)(ag.randn(2, 2, 3))


def test_repr():
    assert repr(nn.LSTM(3, 4, num_layers=2, batch_first=True)) == repr(
        torch.nn.LSTM(3, 4, num_layers=2, batch_first=True)
    )
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == repr(
        torch.nn.RNNCell(3, 4, nonlinearity="relu")
    )


# ------------------------------------------------------------------- the fused LSTM gate op


@pytest.mark.parametrize("gates, n_gates", [(lstm_gates, 4), (gru_gates, 3)])
@settings(max_examples=5, deadline=None)
@given(n=st.integers(1, 3), hid=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_gate_ops_gradcheck_and_double_backward(gates, n_gates, n, hid, seed):
    """The fused gate nodes (inputs: input share, recurrent share, cell or hidden state)."""
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((2, n, n_gates * hid)) * 2
    state = rng.standard_normal((n, hid))
    ts = [ag.tensor(v, requires_grad=True) for v in (a, b, state)]
    assert ag.gradcheck(gates, ts)
    assert ag.gradgradcheck(gates, ts)


def _gate_inputs(seed: int, n_gates: int) -> tuple:
    """A random generator, and a gate op's inputs at batch 3 and hidden size 5 (input share,
    recurrent share, cell or hidden state) as torch leaves and as autograd_core leaves."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((3, n_gates * 5)) for _ in range(2)]
    arrays.append(rng.standard_normal((3, 5)))
    tt = [torch.tensor(v, requires_grad=True) for v in arrays]
    return rng, tt, [ag.tensor(v, requires_grad=True) for v in arrays]


def test_lstm_gates_match_torch_lstm_cell_arithmetic():
    rng, tt, ours = _gate_inputs(0, 4)
    i, f, g, o = (tt[0] + tt[1]).chunk(4, 1)
    c2 = torch.sigmoid(f) * tt[2] + torch.sigmoid(i) * torch.tanh(g)
    h2 = torch.sigmoid(o) * torch.tanh(c2)
    h, cn = lstm_gates(*ours)
    np.testing.assert_allclose(h.data, h2.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(cn.data, c2.detach().numpy(), rtol=1e-12)
    wh, wc = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    ((h2 * torch.tensor(wh)).sum() + (c2 * torch.tensor(wc)).sum()).backward()
    ((h * ag.tensor(wh)).sum() + (cn * ag.tensor(wc)).sum()).backward()
    for x, t in zip(ours, tt):
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    ours[0].grad.mul_(0)  # the two shares got equal gradients, not one shared array
    assert np.abs(ours[1].grad.data).sum() > 0
    with pytest.raises(RuntimeError, match=r"lstm_gates\(\).*\(3, 8\).*\(3, 5\)"):
        lstm_gates(ag.randn(3, 8), ag.randn(3, 8), ag.randn(3, 5))


def test_gru_gates_match_torch_gru_cell_arithmetic():
    rng, tt, ours = _gate_inputs(1, 3)
    ar, az, an = tt[0].chunk(3, 1)
    br, bz, bn = tt[1].chunk(3, 1)
    r, z = torch.sigmoid(ar + br), torch.sigmoid(az + bz)
    n = torch.tanh(an + r * bn)
    h2 = (1 - z) * n + z * tt[2]
    out = gru_gates(*ours)
    np.testing.assert_allclose(out.data, h2.detach().numpy(), rtol=1e-12)
    w = rng.standard_normal((3, 5))
    (h2 * torch.tensor(w)).sum().backward()
    (out * ag.tensor(w)).sum().backward()
    for o, t in zip(ours, tt):
        np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)
    with pytest.raises(RuntimeError, match=r"gru_gates\(\).*\(3, 12\).*\(3, 5\)"):
        gru_gates(ag.randn(3, 12), ag.randn(3, 12), ag.randn(3, 5))


def test_lstm_double_backward_through_the_sequence_layer():
    torch.manual_seed(0)
    theirs = torch.nn.LSTM(2, 3, dtype=torch.float64)
    ours = nn.LSTM(2, 3, dtype=np.float64)
    _from_torch(ours, theirs)
    x = _rand((4, 2, 2), torch.float64).requires_grad_(True)
    xa = _to_ag(x)
    (gt,) = torch.autograd.grad(theirs(x)[0].pow(2).sum(), x, create_graph=True)
    (ga,) = ag.grad((ours(xa)[0] ** 2).sum(), xa, create_graph=True)
    np.testing.assert_allclose(ga.data, gt.detach().numpy(), rtol=1e-8, atol=1e-10)
    gt.pow(2).sum().backward()
    (ga**2).sum().backward()
    np.testing.assert_allclose(
        ours.weight_hh_l0.grad.data, theirs.weight_hh_l0.grad.numpy(), rtol=1e-7, atol=1e-10
    )
    np.testing.assert_allclose(xa.grad.data, x.grad.numpy(), rtol=1e-7, atol=1e-10)


# ------------------------------------------------------------------------ audit additions


def test_wrong_input_size_names_the_layer_and_the_shapes():
    for kind in ("RNN", "LSTM", "GRU"):
        m = getattr(nn, kind)(3, 4, batch_first=True)
        with pytest.raises(RuntimeError, match=rf"{kind}: .*Expected 3, got 7.*\(2, 5, 7\)"):
            m(ag.randn(2, 5, 7))
        with pytest.raises(RuntimeError, match=rf"{kind}: .*Expected 3, got 6.*\(5, 6\)"):
            m(ag.randn(5, 6))  # unbatched
        cell = getattr(nn, kind + "Cell")(3, 4)
        with pytest.raises(ValueError, match=rf"{kind}Cell: .*\(2, 7\).*input_size=3"):
            cell(ag.randn(2, 7))
    m = nn.GRU(3, 4, num_layers=2)
    with pytest.raises(RuntimeError, match=r"GRU: Expected hx size \(2, 5, 4\), got \(1, 5, 4\)"):
        m(ag.randn(6, 5, 3), ag.zeros(1, 5, 4))
    with pytest.raises(RuntimeError, match=r"GRU: .*hx should also be 3-D but got 2-D"):
        m(ag.randn(6, 5, 3), ag.zeros(2, 4))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_dropout_between_layers_in_eval_matches_torch(kind):
    torch.manual_seed(0)
    kw = {"num_layers": 2, "dropout": 0.4, "bidirectional": True, "batch_first": True}
    theirs = getattr(torch.nn, kind)(3, 4, dtype=torch.float64, **kw).eval()
    ours = getattr(nn, kind)(3, 4, dtype=np.float64, **kw).eval()
    _compare(ours, theirs, [_rand((2, 6, 3), torch.float64), None], "float64")


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_1000_steps_match_torch_under_the_default_recursion_limit(kind):
    import sys

    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(2, 3, dtype=torch.float64)
    ours = getattr(nn, kind)(2, 3, dtype=np.float64)
    x = _rand((1000, 1, 2), torch.float64)
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default, whatever the test runner set
    try:
        _compare(ours, theirs, [x, None], "float64")
    finally:
        sys.setrecursionlimit(old)


def test_graph_drawing_shows_the_unrolled_time_steps():
    counts = {}
    for steps in (3, 5):
        m = nn.LSTM(2, 3)
        out, _ = m(ag.randn(steps, 1, 2))
        dot = ag.to_dot(out.sum(), module=m)
        counts[steps] = (dot.count("LSTMGates"), dot.count("Linear"))
        assert "weight_hh_l0" in dot and "weight_ih_l0" in dot
    assert counts[3] == (3, 6) and counts[5] == (5, 10)  # one gate node, two products per step
    g = nn.GRU(2, 3)
    out, _ = g(ag.randn(4, 1, 2))
    assert ag.to_dot(out.sum(), module=g).count("Linear") == 8


def test_state_given_or_not_and_unbatched_equal_batched_rows():
    ag.manual_seed(0)
    m = nn.LSTM(3, 4, num_layers=2, bidirectional=True)
    x = ag.randn(5, 2, 3)
    zeros = (ag.zeros(4, 2, 4), ag.zeros(4, 2, 4))
    a, (ha, ca) = m(x)
    b, (hb, cb) = m(x, zeros)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(ca.data, cb.data)
    one, (h1, c1) = m(x[:, 1])  # unbatched: (T, H_in), states (L·D, H)
    assert one.shape == (5, 8) and h1.shape == (4, 4) and c1.shape == (4, 4)
    np.testing.assert_allclose(one.data, a.data[:, 1], rtol=1e-6)
    np.testing.assert_allclose(c1.data, ca.data[:, 1], rtol=1e-6)
