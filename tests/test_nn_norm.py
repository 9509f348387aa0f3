"""Normalisation: F.batch_norm / F.layer_norm and the BatchNorm1d/2d and LayerNorm modules
against PyTorch (outputs, gradients, running statistics over several steps, eval mode,
state_dict, repr), finite differences of the fused ops (first and second derivatives), errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_core as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(99)


def _grads_match(ours, theirs, tol):
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=tol, atol=tol)


# --------------------------------------------------------------------------------------------
# F.batch_norm
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (2, 3, 4, 5)], ids=str)
@pytest.mark.parametrize("affine", ["none", "weight", "both", "bias"])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_function_matches_torch(shape, affine, training):
    c = shape[1]
    x = RNG.standard_normal(shape) * 3 + 1
    w = RNG.random(c) + 0.5 if affine in ("weight", "both") else None
    b = RNG.standard_normal(c) if affine in ("bias", "both") else None
    rm, rv = RNG.standard_normal(c), RNG.random(c) + 0.5
    xa, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    wa = None if w is None else ag.tensor(w, requires_grad=True)
    wt = None if w is None else torch.tensor(w, requires_grad=True)
    ba = None if b is None else ag.tensor(b, requires_grad=True)
    bt = None if b is None else torch.tensor(b, requires_grad=True)
    rma, rva = ag.tensor(rm), ag.tensor(rv)
    rmt, rvt = torch.tensor(rm), torch.tensor(rv)
    ya = F.batch_norm(xa, rma, rva, wa, ba, training=training, momentum=0.3, eps=1e-3)
    yt = TF.batch_norm(xt, rmt, rvt, wt, bt, training=training, momentum=0.3, eps=1e-3)
    np.testing.assert_allclose(ya.data, yt.detach().numpy(), atol=1e-12)
    # running statistics updated in place (training) or left alone (eval)
    np.testing.assert_allclose(rma.data, rmt.numpy(), atol=1e-12)
    np.testing.assert_allclose(rva.data, rvt.numpy(), atol=1e-12)
    g = RNG.standard_normal(shape)
    (ya * ag.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    pairs = [(xa, xt)] + [(p, q) for p, q in ((wa, wt), (ba, bt)) if p is not None]
    _grads_match(*zip(*pairs), tol=1e-10)


def test_batch_norm_without_running_stats_and_float32():
    x = RNG.standard_normal((16, 4, 3, 3)).astype(np.float32)
    w = np.linspace(0.5, 1.5, 4).astype(np.float32)
    xa, wa = ag.tensor(x, requires_grad=True), ag.tensor(w, requires_grad=True)
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    ya = F.batch_norm(xa, None, None, wa, training=True)
    yt = TF.batch_norm(xt, None, None, wt, training=True)
    assert ya.dtype == np.float32
    np.testing.assert_allclose(ya.data, yt.detach().numpy(), atol=1e-5)
    (ya * ya).sum().backward()
    (yt * yt).sum().backward()
    assert xa.grad.dtype == np.float32
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), atol=1e-4)
    np.testing.assert_allclose(wa.grad.data, wt.grad.numpy(), rtol=1e-5)


def test_batch_norm_errors():
    with pytest.raises(ValueError, match="more than 1 value per channel when training"):
        F.batch_norm(ag.ones(1, 10), None, None, training=True)
    with pytest.raises(RuntimeError, match="running_mean and running_var must be given"):
        F.batch_norm(ag.ones(4, 3), None, None, training=False)
    with pytest.raises(RuntimeError, match=r"running_mean should have shape \(3,\)"):
        F.batch_norm(ag.ones(4, 3), ag.zeros(5), ag.ones(5), training=True)
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(ag.ones(4, 3))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.BatchNorm1d(3)(ag.ones(4, 3, 2, 2))
    with pytest.raises(ValueError, match="the input has 5 channels"):
        nn.BatchNorm1d(3)(ag.ones(4, 5))


# --------------------------------------------------------------------------------------------
# The BatchNorm modules over several steps
# --------------------------------------------------------------------------------------------
def _copy_params(ours, theirs):
    with torch.no_grad():
        for (name, p), (tname, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert name == tname
            q.copy_(torch.tensor(p.data))


@pytest.mark.parametrize(
    "cls, shape",
    [("BatchNorm1d", (10, 4)), ("BatchNorm1d", (6, 4, 5)), ("BatchNorm2d", (5, 4, 3, 3))],
)
@pytest.mark.parametrize("momentum", [0.1, None, 0.5])
def test_batch_norm_module_steps_match_torch(cls, shape, momentum):
    ours = getattr(nn, cls)(4, momentum=momentum)
    theirs = getattr(torch.nn, cls)(4, momentum=momentum).double()
    ours.double()
    with ag.no_grad():
        ours.weight.data[...] = RNG.random(4) + 0.5
        ours.bias.data[...] = RNG.standard_normal(4)
    _copy_params(ours, theirs)
    for step in range(4):
        x = RNG.standard_normal(shape) * (step + 1) + step
        xa, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        ya, yt = ours(xa), theirs(xt)
        np.testing.assert_allclose(ya.data, yt.detach().numpy(), atol=1e-10)
        ya.sum().backward()
        yt.sum().backward()
        np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), atol=1e-10)
        np.testing.assert_allclose(ours.running_mean.data, theirs.running_mean.numpy(), atol=1e-12)
        np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), atol=1e-12)
        assert ours.num_batches_tracked.item() == theirs.num_batches_tracked.item() == step + 1
    np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), atol=1e-10)
    np.testing.assert_allclose(ours.bias.grad.data, theirs.bias.grad.numpy(), atol=1e-10)
    ours.eval()
    theirs.eval()
    x = RNG.standard_normal(shape)
    np.testing.assert_allclose(
        ours(ag.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), atol=1e-12
    )
    assert ours.num_batches_tracked.item() == 4  # eval does not count batches


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("track", [True, False])
@pytest.mark.parametrize("bias", [True, False])
def test_batch_norm_options_match_torch(affine, track, bias):
    ours = nn.BatchNorm2d(3, affine=affine, track_running_stats=track, bias=bias)
    theirs = torch.nn.BatchNorm2d(3, affine=affine, track_running_stats=track, bias=bias)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    x = RNG.standard_normal((4, 3, 2, 2)).astype(np.float32)
    for mode in ("train", "eval"):
        getattr(ours, mode)()
        getattr(theirs, mode)()
        ya, yt = ours(ag.tensor(x)), theirs(torch.tensor(x))
        assert ya.dtype == np.float32
        np.testing.assert_allclose(ya.data, yt.detach().numpy(), atol=1e-5)


def test_batch_norm_state_dict_moves_to_and_from_torch():
    ours = nn.BatchNorm1d(5)
    theirs = torch.nn.BatchNorm1d(5)
    for _ in range(3):
        ours(ag.tensor(RNG.standard_normal((8, 5)).astype(np.float32)))
    sd = ours.state_dict()
    assert list(sd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert sd["num_batches_tracked"].dtype == np.int64
    assert sd["running_mean"].dtype == np.float32
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in sd.items()})
    ours.eval()
    theirs.eval()
    x = RNG.standard_normal((3, 5)).astype(np.float32)
    np.testing.assert_allclose(
        ours(ag.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), atol=1e-6
    )
    fresh = nn.BatchNorm1d(5)
    fresh.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(fresh.running_var.data, theirs.running_var.numpy())
    assert fresh.num_batches_tracked.item() == 3


def test_batch_norm_module_reset_and_defaults():
    bn = nn.BatchNorm1d(3)
    assert bn.eps == 1e-5 and bn.momentum == 0.1 and bn.training
    np.testing.assert_array_equal(bn.weight.data, np.ones(3, np.float32))
    np.testing.assert_array_equal(bn.bias.data, np.zeros(3, np.float32))
    bn(ag.tensor(RNG.standard_normal((4, 3)) + 5))
    assert bn.running_mean.data.mean() > 0.1
    bn.reset_running_stats()
    np.testing.assert_array_equal(bn.running_mean.data, np.zeros(3))
    np.testing.assert_array_equal(bn.running_var.data, np.ones(3))
    assert bn.num_batches_tracked.item() == 0


# --------------------------------------------------------------------------------------------
# LayerNorm
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("normalized_shape", [5, (4, 5), [3, 4, 5]], ids=str)
@pytest.mark.parametrize("affine", [(True, True), (True, False), (False, False)])
def test_layer_norm_module_matches_torch(normalized_shape, affine):
    ours = nn.LayerNorm(normalized_shape, elementwise_affine=affine[0], bias=affine[1]).double()
    theirs = torch.nn.LayerNorm(normalized_shape, elementwise_affine=affine[0], bias=affine[1])
    theirs = theirs.double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if affine[0]:
        with ag.no_grad():
            ours.weight.data[...] = RNG.random(ours.weight.shape) + 0.5
            if affine[1]:
                ours.bias.data[...] = RNG.standard_normal(ours.bias.shape)
        _copy_params(ours, theirs)
    x = RNG.standard_normal((2, 3, 4, 5)) * 2 + 1
    xa, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yt = ours(xa), theirs(xt)
    np.testing.assert_allclose(ya.data, yt.detach().numpy(), atol=1e-12)
    g = RNG.standard_normal(x.shape)
    (ya * ag.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), atol=1e-10)
    for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), atol=1e-10)


def test_layer_norm_function_float32_and_errors():
    x = RNG.standard_normal((4, 6)).astype(np.float32)
    y = F.layer_norm(ag.tensor(x), (6,))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, TF.layer_norm(torch.tensor(x), (6,)).numpy(), atol=1e-5)
    with pytest.raises(
        RuntimeError, match=r"normalized_shape=\[5\], expected input with shape \[\*, 5\]"
    ):
        F.layer_norm(ag.tensor(x), 5)
    with pytest.raises(RuntimeError, match=r"weight should have shape \(6,\)"):
        F.layer_norm(ag.tensor(x), 6, weight=ag.ones(3))


# --------------------------------------------------------------------------------------------
# GroupNorm
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("groups", [1, 2, 6])
@pytest.mark.parametrize("shape", [(3, 6), (2, 6, 5), (2, 6, 3, 4)], ids=str)
def test_group_norm_matches_torch(groups, shape):
    ours = nn.GroupNorm(groups, 6).double()
    theirs = torch.nn.GroupNorm(groups, 6).double()
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with ag.no_grad():
        ours.weight.data[...] = RNG.random(6) + 0.5
        ours.bias.data[...] = RNG.standard_normal(6)
    _copy_params(ours, theirs)
    x = RNG.standard_normal(shape) * 2 + 1
    xa, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ya, yt = ours(xa), theirs(xt)
    np.testing.assert_allclose(ya.data, yt.detach().numpy(), atol=1e-12)
    g = RNG.standard_normal(shape)
    (ya * ag.tensor(g)).sum().backward()
    (yt * torch.tensor(g)).sum().backward()
    _grads_match([xa, ours.weight, ours.bias], [xt, theirs.weight, theirs.bias], tol=1e-10)


def test_group_norm_gradcheck_and_errors():
    x = ag.tensor(RNG.standard_normal((2, 4, 3)), requires_grad=True)
    w = ag.tensor(RNG.random(4) + 0.5, requires_grad=True)
    b = ag.tensor(RNG.standard_normal(4), requires_grad=True)

    def f(x, w, b):
        return F.group_norm(x, 2, w, b, eps=1e-3)

    assert ag.gradcheck(f, (x, w, b))
    assert ag.gradgradcheck(f, (x, w, b), atol=1e-4)
    with pytest.raises(
        ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"
    ):
        nn.GroupNorm(4, 6)
    with pytest.raises(RuntimeError, match="cannot be split into 3 groups"):
        F.group_norm(ag.ones(2, 4), 3)


# --------------------------------------------------------------------------------------------
# Finite differences, first and second derivatives
# --------------------------------------------------------------------------------------------
@settings(max_examples=20, deadline=None)
@given(
    n=st.integers(2, 4),
    c=st.integers(1, 3),
    spatial=st.sampled_from([(), (3,), (2, 2)]),
    affine=st.sampled_from(["none", "weight", "both"]),
    seed=st.integers(0, 2**16),
)
def test_batch_norm_gradcheck(n, c, spatial, affine, seed):
    rng = np.random.default_rng(seed)
    x = ag.tensor(rng.standard_normal((n, c) + spatial) * 2, requires_grad=True)
    inputs = [x]
    if affine != "none":
        inputs.append(ag.tensor(rng.random(c) + 0.5, requires_grad=True))
    if affine == "both":
        inputs.append(ag.tensor(rng.standard_normal(c), requires_grad=True))

    def f(*args):
        return F.batch_norm(args[0], None, None, *args[1:], training=True, eps=1e-3)

    assert ag.gradcheck(f, tuple(inputs), atol=1e-5)
    assert ag.gradgradcheck(f, tuple(inputs), atol=1e-4)


@settings(max_examples=12, deadline=None)
@given(
    lead=st.sampled_from([(3,), (2, 2), ()]),
    norm=st.sampled_from([(4,), (2, 3)]),
    affine=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_layer_norm_gradcheck(lead, norm, affine, seed):
    rng = np.random.default_rng(seed)
    x = ag.tensor(rng.standard_normal(lead + norm) * 2, requires_grad=True)
    inputs = [x]
    if affine:
        inputs += [
            ag.tensor(rng.random(norm) + 0.5, requires_grad=True),
            ag.tensor(rng.standard_normal(norm), requires_grad=True),
        ]

    def f(*args):
        return F.layer_norm(args[0], norm, *args[1:], eps=1e-3)

    assert ag.gradcheck(f, tuple(inputs), atol=1e-5)
    assert ag.gradgradcheck(f, tuple(inputs), atol=1e-4)


def test_batch_norm_eval_mode_gradcheck():
    rm, rv = ag.tensor([0.5, -1.0]), ag.tensor([2.0, 0.5])
    x = ag.tensor(RNG.standard_normal((3, 2, 2)), requires_grad=True)
    w = ag.tensor([1.5, 0.5], requires_grad=True)
    b = ag.tensor([0.1, 0.2], requires_grad=True)

    def f(x, w, b):
        return F.batch_norm(x, rm, rv, w, b, training=False)

    assert ag.gradcheck(f, (x, w, b))
    assert ag.gradgradcheck(f, (x, w, b))
