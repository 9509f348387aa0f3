"""Losses: nn.functional's loss functions and the loss modules, against PyTorch (values and
gradients for every reduction, class weights, ignore_index, label smoothing, probability targets,
N-d inputs), finite differences (first and second derivatives), and the error messages."""

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

REDUCTIONS = ["mean", "sum", "none"]
RNG = np.random.default_rng(1234)


def _run_both(fn_ours, fn_torch, arrays, wrt, tol=1e-10):
    """Compare values and the gradients (of a weighted sum of the outputs) for the arrays in
    ``wrt``; integer arrays are passed as integer tensors."""
    ours = [ag.tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=i in wrt) for i, a in enumerate(arrays)]
    o1, o2 = fn_ours(*ours), fn_torch(*theirs)
    assert o1.shape == tuple(o2.shape)
    assert o1.dtype == np.dtype(str(o2.dtype).replace("torch.", ""))
    np.testing.assert_allclose(o1.data, o2.detach().numpy(), rtol=tol, atol=tol)
    w = np.linspace(0.5, 1.5, max(o1.data.size, 1)).reshape(o1.shape).astype(o1.dtype)
    (o1 * ag.tensor(w)).sum().backward()
    (o2 * torch.tensor(w)).sum().backward()
    for i in wrt:
        np.testing.assert_allclose(
            ours[i].grad.data, theirs[i].grad.numpy(), rtol=tol, atol=tol, err_msg=f"input {i}"
        )


def _labels(shape, n_cls, ignore=0):
    y = RNG.integers(0, n_cls, shape)
    if ignore:
        flat = y.reshape(-1)
        flat[RNG.choice(flat.size, ignore, replace=False)] = -100
    return y


# --------------------------------------------------------------------------------------------
# cross_entropy with class indices
# --------------------------------------------------------------------------------------------
CE_OPTIONS = [
    {},
    {"weight": True},
    {"ignore": 2},
    {"label_smoothing": 0.2},
    {"weight": True, "ignore": 3, "label_smoothing": 0.3},
]


def _ce_kwargs(opt, n_cls, lib):
    kw = {}
    if opt.get("weight"):
        w = np.linspace(0.2, 2.0, n_cls)
        kw["weight"] = ag.tensor(w) if lib == "ag" else torch.tensor(w)
    if "label_smoothing" in opt:
        kw["label_smoothing"] = opt["label_smoothing"]
    return kw


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("opt", CE_OPTIONS, ids=lambda o: "-".join(o) or "plain")
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 2, 3), (4, 3, 5)], ids=str)
def test_cross_entropy_labels_matches_torch(reduction, opt, shape):
    n_cls = shape[1]
    x = RNG.standard_normal(shape) * 2
    y = _labels(shape[:1] + shape[2:], n_cls, opt.get("ignore", 0))
    _run_both(
        lambda a, b: F.cross_entropy(a, b, reduction=reduction, **_ce_kwargs(opt, n_cls, "ag")),
        lambda a, b: TF.cross_entropy(a, b, reduction=reduction, **_ce_kwargs(opt, n_cls, "t")),
        [x, y],
        wrt=(0,),
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_unbatched_and_float32(reduction):
    x = RNG.standard_normal(7)
    _run_both(
        lambda a, b: F.cross_entropy(a, b, reduction=reduction),
        lambda a, b: TF.cross_entropy(a, b, reduction=reduction),
        [x, np.array(3)],
        wrt=(0,),
    )
    x32 = RNG.standard_normal((16, 10)).astype(np.float32)
    _run_both(
        lambda a, b: F.cross_entropy(a, b, reduction=reduction, label_smoothing=0.1),
        lambda a, b: TF.cross_entropy(a, b, reduction=reduction, label_smoothing=0.1),
        [x32, RNG.integers(0, 10, 16)],
        wrt=(0,),
        tol=1e-5,
    )


def test_cross_entropy_is_stable_for_huge_logits():
    x = ag.tensor([[1000.0, -1000.0, 0.0], [-500.0, 500.0, 499.0]], requires_grad=True)
    loss = F.cross_entropy(x, ag.tensor([0, 2]))
    assert np.isfinite(loss.item())
    np.testing.assert_allclose(loss.item(), (0 + 1.0 + np.log1p(np.exp(-1.0))) / 2, rtol=1e-5)
    loss.backward()
    assert np.all(np.isfinite(x.grad.data))


def test_cross_entropy_all_ignored_mean_is_nan_with_zero_gradient():
    x = ag.tensor(RNG.standard_normal((3, 4)), requires_grad=True)
    loss = F.cross_entropy(x, ag.tensor([-100, -100, -100]))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((3, 4)))


def test_cross_entropy_custom_ignore_index_and_uint8_labels():
    x = RNG.standard_normal((5, 4))
    y = np.array([0, 3, 1, 3, 2])
    _run_both(
        lambda a, b: F.cross_entropy(a, b, ignore_index=3),
        lambda a, b: TF.cross_entropy(a, b, ignore_index=3),
        [x, y],
        wrt=(0,),
    )
    out = F.cross_entropy(ag.tensor(x), y.astype(np.uint8))
    np.testing.assert_allclose(
        out.item(), TF.cross_entropy(torch.tensor(x), torch.tensor(y)).item()
    )


# --------------------------------------------------------------------------------------------
# cross_entropy with class probabilities
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "opt",
    [{}, {"weight": True}, {"weight": True, "label_smoothing": 0.25}],
    ids=lambda o: "-".join(o) or "plain",
)
@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (3,)], ids=str)
def test_cross_entropy_probabilities_matches_torch(reduction, opt, shape):
    n_cls = shape[0] if len(shape) == 1 else shape[1]
    x = RNG.standard_normal(shape)
    q = RNG.random(shape)
    q /= q.sum(axis=0 if len(shape) == 1 else 1, keepdims=True)
    _run_both(
        lambda a, b: F.cross_entropy(a, b, reduction=reduction, **_ce_kwargs(opt, n_cls, "ag")),
        lambda a, b: TF.cross_entropy(a, b, reduction=reduction, **_ce_kwargs(opt, n_cls, "t")),
        [x, q],
        wrt=(0, 1),  # the target gets a gradient too (distillation)
    )


# --------------------------------------------------------------------------------------------
# nll_loss
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 4, 2), (4,)], ids=str)
def test_nll_loss_matches_torch(reduction, weighted, shape):
    n_cls = shape[0] if len(shape) == 1 else shape[1]
    x = RNG.standard_normal(shape)
    if len(shape) == 1:
        y = np.array(2)
    else:
        y = _labels(shape[:1] + shape[2:], n_cls, ignore=1)
    w = np.linspace(0.5, 1.5, n_cls) if weighted else None

    def ours(a, b):
        return F.nll_loss(a, b, weight=None if w is None else ag.tensor(w), reduction=reduction)

    def theirs(a, b):
        return TF.nll_loss(a, b, weight=None if w is None else torch.tensor(w), reduction=reduction)

    _run_both(ours, theirs, [x, y], wrt=(0,))


def test_nll_of_log_softmax_equals_cross_entropy():
    x = ag.tensor(RNG.standard_normal((8, 6)), requires_grad=True)
    y = ag.tensor(RNG.integers(0, 6, 8))
    a = F.nll_loss(F.log_softmax(x, dim=1), y)
    b = F.cross_entropy(x, y)
    np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)
    (ga,) = ag.grad(a, x)
    (gb,) = ag.grad(b, x)
    np.testing.assert_allclose(ga.data, gb.data, atol=1e-12)


# --------------------------------------------------------------------------------------------
# Binary cross-entropy
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy_matches_torch(reduction, weighted):
    p = RNG.uniform(0.02, 0.98, (4, 3))
    t = RNG.random((4, 3))
    w = RNG.random(3) + 0.5 if weighted else None

    def ours(a, b):
        return F.binary_cross_entropy(
            a, b, weight=None if w is None else ag.tensor(w), reduction=reduction
        )

    def theirs(a, b):
        wt = None if w is None else torch.tensor(w)
        return TF.binary_cross_entropy(a, b, weight=wt, reduction=reduction)

    _run_both(ours, theirs, [p, t], wrt=(0, 1))


def test_binary_cross_entropy_at_exact_zero_and_one_is_finite_as_torch():
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    _run_both(
        lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
        lambda a, b: TF.binary_cross_entropy(a, b, reduction="none"),
        [p, t],
        wrt=(0,),
        tol=1e-8,  # PyTorch's guard 1e-12 is a float32 constant: 1/ε differs in the 9th digit
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weights", ["none", "weight", "pos_weight", "both"])
def test_bce_with_logits_matches_torch(reduction, weights):
    x = RNG.standard_normal((5, 3)) * 4
    t = RNG.random((5, 3))
    w = RNG.random((5, 3)) + 0.5 if weights in ("weight", "both") else None
    pw = RNG.random(3) * 3 if weights in ("pos_weight", "both") else None

    def ours(a, b):
        return F.binary_cross_entropy_with_logits(
            a,
            b,
            weight=None if w is None else ag.tensor(w),
            pos_weight=None if pw is None else ag.tensor(pw),
            reduction=reduction,
        )

    def theirs(a, b):
        return TF.binary_cross_entropy_with_logits(
            a,
            b,
            weight=None if w is None else torch.tensor(w),
            pos_weight=None if pw is None else torch.tensor(pw),
            reduction=reduction,
        )

    _run_both(ours, theirs, [x, t], wrt=(0, 1))


def test_bce_with_logits_is_stable_for_huge_logits():
    x = np.array([-800.0, -40.0, 0.0, 40.0, 800.0])
    t = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    _run_both(
        lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction="none"),
        lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction="none"),
        [x, t],
        wrt=(0,),
    )


def test_loss_weights_are_constants_as_in_torch():
    x, t = ag.tensor(np.zeros((2, 3))), ag.tensor(np.ones((2, 3)))
    pw = ag.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable with respect to pos_weight"):
        F.binary_cross_entropy_with_logits(x, t, pos_weight=pw)
    with pytest.raises(RuntimeError, match="not differentiable with respect to weight"):
        F.cross_entropy(x, np.array([0, 1]), weight=pw)
    assert F.binary_cross_entropy_with_logits(x, t, pos_weight=pw.detach()).item() > 0


# --------------------------------------------------------------------------------------------
# MSE and L1
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses_match_torch(name, reduction):
    x = RNG.standard_normal((4, 3))
    t = RNG.standard_normal((4, 3))
    _run_both(
        lambda a, b: getattr(F, name)(a, b, reduction=reduction),
        lambda a, b: getattr(TF, name)(a, b, reduction=reduction),
        [x, t],
        wrt=(0, 1),
    )
    w = RNG.random((4, 3))
    _run_both(
        lambda a, b, c: getattr(F, name)(a, b, reduction=reduction, weight=c),
        lambda a, b, c: getattr(TF, name)(a, b, reduction=reduction, weight=c),
        [x, t, w],
        wrt=(0, 1, 2),
    )


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_losses_warn_and_broadcast_like_torch(name):
    x = RNG.standard_normal((3, 1))
    t = RNG.standard_normal(3)
    with pytest.warns(UserWarning, match="different to the input size"):
        ours = getattr(F, name)(ag.tensor(x), ag.tensor(t))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = getattr(TF, name)(torch.tensor(x), torch.tensor(t))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    with pytest.raises(RuntimeError, match=r"input shape \(3,\) and target shape \(4,\)"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(F, name)(ag.tensor(np.zeros(3)), ag.tensor(np.zeros(4)))


def test_mse_keeps_float32_and_accepts_int_targets():
    x = ag.tensor([1.0, 2.0, 4.0], requires_grad=True)
    loss = F.mse_loss(x, ag.tensor([1, 1, 1]))
    assert loss.dtype == np.float32
    np.testing.assert_allclose(loss.item(), (0 + 1 + 9) / 3, rtol=1e-6)
    loss.backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 2 / 3, 2.0], rtol=1e-6)
    assert x.grad.dtype == np.float32


def test_legacy_size_average_and_reduce_flags():
    x, t = ag.tensor([1.0, 3.0]), ag.tensor([0.0, 0.0])
    with pytest.warns(UserWarning, match="deprecated"):
        assert F.mse_loss(x, t, size_average=False).item() == 10.0
    with pytest.warns(UserWarning, match="deprecated"):
        assert F.mse_loss(x, t, reduce=False).shape == (2,)


# --------------------------------------------------------------------------------------------
# Finite differences: first and second derivatives of the fused ops
# --------------------------------------------------------------------------------------------
@settings(max_examples=12, deadline=None)
@given(
    n=st.integers(1, 4),
    c=st.integers(2, 5),
    extra=st.sampled_from([(), (3,), (2, 2)]),
    smoothing=st.sampled_from([0.0, 0.3]),
    weighted=st.booleans(),
    reduction=st.sampled_from(REDUCTIONS),
    seed=st.integers(0, 2**16),
)
def test_cross_entropy_gradcheck(n, c, extra, smoothing, weighted, reduction, seed):
    rng = np.random.default_rng(seed)
    x = ag.tensor(rng.standard_normal((n, c) + extra) * 2, requires_grad=True)
    y = rng.integers(0, c, (n,) + extra)
    y.reshape(-1)[0] = -100  # one ignored position
    w = ag.tensor(rng.random(c) + 0.5) if weighted else None

    def f(a):
        return F.cross_entropy(a, y, weight=w, reduction=reduction, label_smoothing=smoothing)

    if reduction == "mean" and (y == -100).all():
        return  # nan by definition
    assert ag.gradcheck(f, (x,))
    assert ag.gradgradcheck(f, (x,))


@settings(max_examples=10, deadline=None)
@given(
    n=st.integers(1, 4),
    c=st.integers(2, 5),
    smoothing=st.sampled_from([0.0, 0.2]),
    reduction=st.sampled_from(REDUCTIONS),
    seed=st.integers(0, 2**16),
)
def test_cross_entropy_probabilities_gradcheck(n, c, smoothing, reduction, seed):
    rng = np.random.default_rng(seed)
    x = ag.tensor(rng.standard_normal((n, c)), requires_grad=True)
    q = ag.tensor(rng.random((n, c)), requires_grad=True)
    w = ag.tensor(rng.random(c) + 0.5)

    def f(a, b):
        return F.cross_entropy(a, b, weight=w, reduction=reduction, label_smoothing=smoothing)

    assert ag.gradcheck(f, (x, q))
    assert ag.gradgradcheck(f, (x, q))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss_gradcheck(reduction):
    x = ag.tensor(RNG.standard_normal((4, 3, 2)), requires_grad=True)
    y = np.array([[0, 2], [1, -100], [2, 2], [0, 1]])
    w = ag.tensor([0.5, 1.0, 2.0])

    def f(a):
        return F.nll_loss(a, y, weight=w, reduction=reduction)

    assert ag.gradcheck(f, (x,))
    assert ag.gradgradcheck(f, (x,))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize(
    "name", ["binary_cross_entropy", "binary_cross_entropy_with_logits", "mse_loss", "l1_loss"]
)
def test_pointwise_losses_gradcheck(name, reduction):
    rng = np.random.default_rng(7)
    if name == "binary_cross_entropy":
        x = rng.uniform(0.1, 0.9, (3, 4))
    else:
        x = rng.standard_normal((3, 4))
    t = rng.uniform(0.1, 0.9, (3, 4))  # away from x, so |x - t| is smooth for L1
    kwargs = {"reduction": reduction}
    if name == "binary_cross_entropy_with_logits":
        kwargs["pos_weight"] = ag.tensor(rng.random(4) + 0.5)
    if name == "binary_cross_entropy":
        kwargs["weight"] = ag.tensor(rng.random(4) + 0.5)
    if name == "l1_loss":
        x = x + np.where(x > t, 0.1, -0.1)

    def f(a, b):
        return getattr(F, name)(a, b, **kwargs)

    xs = (ag.tensor(x, requires_grad=True), ag.tensor(t, requires_grad=True))
    assert ag.gradcheck(f, xs)
    assert ag.gradgradcheck(f, xs)


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 6), c=st.integers(1, 5), mean=st.booleans(), seed=st.integers(0, 2**16))
def test_plain_cross_entropy_fast_node_gradcheck_and_torch(n, c, mean, seed):
    """(N, C) logits with labels and nothing weighted, ignored or smoothed take one lean node
    (LabelCrossEntropy): first and second derivatives, and torch's values."""
    rng = np.random.default_rng(seed)
    x = ag.tensor(rng.standard_normal((n, c)) * 3, requires_grad=True)
    y = ag.tensor(rng.integers(0, c, n))
    reduction = "mean" if mean else "sum"

    def f(a):
        return F.cross_entropy(a, y, reduction=reduction)

    assert f(x).grad_fn.name == "LabelCrossEntropyBackward"
    assert ag.gradcheck(f, (x,))
    assert ag.gradgradcheck(f, (x,))
    for dtype in (np.float32, np.float64):
        _run_both(
            lambda a, b: F.cross_entropy(a, b, reduction=reduction),
            lambda a, b: TF.cross_entropy(a, b, reduction=reduction),
            [x.data.astype(dtype), y.data],
            wrt=[0],
            tol=1e-6 if dtype == np.float32 else 1e-10,
        )


def test_cross_entropy_label_at_ignore_index_is_not_the_fast_node():
    x = ag.tensor(np.zeros((3, 4)), requires_grad=True)
    assert F.cross_entropy(x, [0, 2, 3], ignore_index=2).grad_fn.name == "CrossEntropyBackward"
    np.testing.assert_allclose(F.cross_entropy(x, [0, 2, 3], ignore_index=2).item(), np.log(4))
    with pytest.raises(IndexError, match="target 7 is out of bounds for 4 classes"):
        F.cross_entropy(x, [0, 7, 3])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8, np.uint8, np.uint64])
def test_cross_entropy_labels_out_of_range_are_named_for_every_integer_dtype(dtype):
    # the fast node takes labels only when all are in [0, C); the rest get the general path
    # (which ignores -100, the default ignore_index, and names any other)
    x = ag.tensor(RNG.standard_normal((4, 3)), requires_grad=True)
    good = np.array([0, 2, 1, 2], dtype)
    loss = F.cross_entropy(x, good)
    assert loss.grad_fn.name == "LabelCrossEntropyBackward"
    logp = x.data - np.log(np.exp(x.data).sum(1, keepdims=True))
    np.testing.assert_allclose(loss.item(), -logp[np.arange(4), good].mean(), rtol=1e-6)
    bad = [3, 100] + ([-1, -5] if np.issubdtype(dtype, np.signedinteger) else [])
    for v in bad:
        y = good.copy()
        y[2] = v
        with pytest.raises(IndexError, match=f"target {v} is out of bounds for 3 classes"):
            F.cross_entropy(x, y)


def test_cross_entropy_double_backward_matches_torch():
    """A gradient penalty: d/dx of |dL/dx|², through the fused op's create_graph path."""
    x = RNG.standard_normal((5, 4))
    y = np.array([0, 3, 1, 1, 2])
    xa = ag.tensor(x, requires_grad=True)
    (g,) = ag.grad(F.cross_entropy(xa, y, label_smoothing=0.1), xa, create_graph=True)
    (g * g).sum().backward()
    xt = torch.tensor(x, requires_grad=True)
    (gt,) = torch.autograd.grad(
        TF.cross_entropy(xt, torch.tensor(y), label_smoothing=0.1), xt, create_graph=True
    )
    (gt * gt).sum().backward()
    np.testing.assert_allclose(g.data, gt.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), atol=1e-12)


# --------------------------------------------------------------------------------------------
# Error messages
# --------------------------------------------------------------------------------------------
def test_cross_entropy_errors_name_the_problem():
    x = ag.tensor(np.zeros((32, 10)))
    y = np.arange(32) % 10
    y[5] = 12
    with pytest.raises(
        IndexError, match="cross_entropy\\(\\): target 12 is out of bounds for 10 classes"
    ):
        F.cross_entropy(x, y)
    y[5] = -3
    with pytest.raises(IndexError, match="target -3 is out of bounds for 10 classes"):
        F.cross_entropy(x, y)
    with pytest.raises(ValueError, match="input batch size 32 does not match target batch size 31"):
        F.cross_entropy(x, np.zeros(31, np.int64))
    with pytest.raises(RuntimeError, match=r"class probabilities.*\(32, 10\).*\(32,\)"):
        F.cross_entropy(x, np.zeros(32, np.float32))
    with pytest.raises(RuntimeError, match=r"target shape \(4, 3\) does not match input shape"):
        F.cross_entropy(ag.tensor(np.zeros((4, 5, 2))), np.zeros((4, 3), np.int64))
    with pytest.raises(RuntimeError, match=r"weight must hold one value per class.*\(10,\)"):
        F.cross_entropy(x, np.zeros(32, np.int64), weight=ag.ones(5))
    with pytest.raises(ValueError, match="'average' is not a valid value for reduction"):
        F.cross_entropy(x, np.zeros(32, np.int64), reduction="average")
    with pytest.raises(TypeError, match="class indices"):
        F.cross_entropy(x, np.zeros(32, bool))
    with pytest.raises(RuntimeError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(x, np.zeros(32, np.int64), label_smoothing=1.5)


def test_nll_loss_errors():
    x = ag.tensor(np.zeros((4, 3)))
    with pytest.raises(IndexError, match="nll_loss\\(\\): target 3 is out of bounds for 3 classes"):
        F.nll_loss(x, np.array([0, 1, 2, 3]))
    with pytest.raises(RuntimeError, match="integer tensor"):
        F.nll_loss(x, np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="input batch size 4 does not match target batch size 2"):
        F.nll_loss(x, np.array([0, 1]))


def test_bce_errors():
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(ag.tensor([0.5, 1.2]), ag.tensor([1.0, 0.0]))
    with pytest.raises(RuntimeError, match="all elements of target should be between 0 and 1"):
        F.binary_cross_entropy(ag.tensor([0.5, 0.2]), ag.tensor([1.0, -0.5]))
    with pytest.raises(ValueError, match=r"target size \(3,\) is different from input size \(2,\)"):
        F.binary_cross_entropy(ag.tensor([0.5, 0.2]), ag.tensor([1.0, 0.0, 1.0]))
    with pytest.raises(ValueError, match="different from input size"):
        F.binary_cross_entropy_with_logits(ag.tensor([0.5, 0.2]), ag.tensor([1.0]))


# --------------------------------------------------------------------------------------------
# Loss modules
# --------------------------------------------------------------------------------------------
def test_loss_modules_match_functions_and_torch_repr():
    x = RNG.standard_normal((6, 4))
    y = RNG.integers(0, 4, 6)
    w = np.linspace(0.5, 2.0, 4)
    pairs = [
        (
            nn.CrossEntropyLoss(weight=ag.tensor(w), label_smoothing=0.1, ignore_index=2),
            torch.nn.CrossEntropyLoss(weight=torch.tensor(w), label_smoothing=0.1, ignore_index=2),
            y,
        ),
        (nn.NLLLoss(reduction="sum"), torch.nn.NLLLoss(reduction="sum"), y),
        (nn.MSELoss(), torch.nn.MSELoss(), RNG.standard_normal((6, 4))),
        (
            nn.L1Loss(reduction="none"),
            torch.nn.L1Loss(reduction="none"),
            RNG.standard_normal((6, 4)),
        ),
        (
            nn.BCEWithLogitsLoss(pos_weight=ag.tensor(w)),
            torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(w)),
            RNG.random((6, 4)),
        ),
        (
            nn.BCELoss(weight=ag.tensor(w)),
            torch.nn.BCELoss(weight=torch.tensor(w)),
            RNG.random((6, 4)),
        ),
    ]
    for ours, theirs, target in pairs:
        inp = 1 / (1 + np.exp(-x)) if isinstance(ours, nn.BCELoss) else x
        a = ours(ag.tensor(inp), ag.tensor(target))
        b = theirs(torch.tensor(inp), torch.tensor(target))
        np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-10, err_msg=repr(ours))
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert list(ours.parameters()) == []


def test_loss_module_rejects_bad_reduction():
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.MSELoss(reduction="avg")


def test_cross_entropy_loss_trains_a_linear_classifier():
    """A few steps of gradient descent on separable data lower the loss, as in lecture 003."""
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((60, 2)).astype(np.float32)
    ys = (xs[:, 0] + xs[:, 1] > 0).astype(np.int64) + (xs[:, 0] > 1).astype(np.int64)
    w = ag.tensor(np.zeros((3, 2), np.float32), requires_grad=True)
    b = ag.tensor(np.zeros(3, np.float32), requires_grad=True)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(50):
        loss = loss_fn(F.linear(ag.tensor(xs), w, b), ag.tensor(ys))
        losses.append(loss.item())
        w.grad = b.grad = None
        loss.backward()
        with ag.no_grad():
            w -= 0.5 * w.grad
            b -= 0.5 * b.grad
    assert losses[0] == pytest.approx(np.log(3), rel=1e-6)
    assert losses[-1] < 0.5 * losses[0]
