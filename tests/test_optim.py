"""Optimisers: trajectories against torch.optim, state_dict round trips, errors, in-place updates.

The trajectory tests feed both libraries the same gradient *rule* — a fixed nonlinear function
of each library's current parameters (computed in numpy) — so the parameters after 20 steps
must agree to float32 round-off. An end-to-end test also differentiates a loss in each library.
"""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

import autograd_core as ag
import optim

try:
    import torch
except ImportError:  # torch comparisons skip cleanly without it
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

SHAPES = [(4, 3), (5,), (2, 1, 3)]
RTOL, ATOL = 1e-5, 2e-6


def _starts(dtype=np.float32, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in SHAPES]


def _grad(w: np.ndarray, step: int, i: int) -> np.ndarray:
    """The gradient fed to parameter i at a step: a fixed function of its current value."""
    return 0.5 * w + np.cos(3.0 * w + step + i).astype(w.dtype)


def _has_grad(step: int, i: int) -> bool:
    return not (i == 1 and step % 3 == 2)  # parameter 1 sometimes has grad None: skipped


def _groups(params, groups):
    if groups is None:
        return params
    return [dict(opts, params=[params[i] for i in idx]) for idx, opts in groups]


def _run_ours(cls, kwargs, starts, steps, groups=None, opt=None, params=None):
    params = params or [ag.tensor(a.copy(), requires_grad=True) for a in starts]
    opt = opt or cls(_groups(params, groups), **kwargs)
    for t in range(steps):
        for i, p in enumerate(params):
            p.grad = ag.tensor(_grad(p.data, t, i)) if _has_grad(t, i) else None
        opt.step()
    return params, opt


def _run_torch(cls, kwargs, starts, steps, groups=None, opt=None, params=None):
    params = params or [torch.tensor(a.copy(), requires_grad=True) for a in starts]
    opt = opt or cls(_groups(params, groups), **kwargs)
    for t in range(steps):
        for i, p in enumerate(params):
            g = _grad(p.detach().numpy(), t, i)
            p.grad = torch.from_numpy(g) if _has_grad(t, i) else None
        opt.step()
    return params, opt


TWO_GROUPS = [([0, 2], {"lr": 0.05}), ([1], {})]

CASES = [
    ("SGD", {"lr": 0.1}, None),
    ("SGD", {"lr": 0.1, "momentum": 0.9}, None),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}, None),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}, None),
    ("SGD", {"lr": 0.1, "weight_decay": 0.1}, None),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, None),
    ("SGD", {"lr": 0.1, "momentum": 0.5, "maximize": True}, None),
    ("SGD", {"lr": 0.1, "momentum": 0.9}, [([0, 2], {"lr": 0.05, "momentum": 0.5}), ([1], {})]),
    ("Adam", {}, None),
    ("Adam", {"lr": 0.05, "amsgrad": True}, None),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}, None),
    ("Adam", {"lr": 0.05, "betas": (0.3, 0.9), "eps": 1e-3}, None),
    ("Adam", {"lr": 0.05, "maximize": True, "amsgrad": True, "weight_decay": 0.01}, None),
    ("Adam", {"lr": 0.1}, TWO_GROUPS),
    ("AdamW", {}, None),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}, None),
    ("AdamW", {"lr": 0.05, "maximize": True}, TWO_GROUPS),
    ("RMSprop", {}, None),
    ("RMSprop", {"lr": 0.01, "centered": True}, None),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}, None),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True}, None),
    ("RMSprop", {"lr": 0.01, "weight_decay": 0.1, "maximize": True}, TWO_GROUPS),
    ("Adagrad", {}, None),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.05}, None),
    ("Adagrad", {"lr": 0.1, "weight_decay": 0.1, "initial_accumulator_value": 0.5}, None),
    ("Adagrad", {"lr": 0.1, "eps": 1e-3, "maximize": True}, TWO_GROUPS),
]
IDS = [f"{n}-{i}" for i, (n, _, _) in enumerate(CASES)]


def _np(v) -> np.ndarray:
    """A state entry (our Tensor, a torch tensor or a number) as a float64 array."""
    if isinstance(v, ag.Tensor):
        v = v.data
    elif torch is not None and isinstance(v, torch.Tensor):
        v = v.numpy()
    return np.asarray(v, dtype=np.float64)


def _state_arrays(opt):
    out = {}
    for i, st in opt.state_dict()["state"].items():
        for k, v in st.items():
            out[(i, k)] = _np(v)
    return out


# -- trajectories against torch ----------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("name, kwargs, groups", CASES, ids=IDS)
def test_trajectory_matches_torch(name, kwargs, groups):
    starts = _starts()
    ours, o_opt = _run_ours(getattr(optim, name), kwargs, starts, 20, groups)
    theirs, t_opt = _run_torch(getattr(torch.optim, name), kwargs, starts, 20, groups)
    for i, (p, q) in enumerate(zip(ours, theirs)):
        assert p.data.dtype == np.float32
        np.testing.assert_allclose(
            p.data, q.detach().numpy(), rtol=RTOL, atol=ATOL, err_msg=f"param {i}"
        )
    # the same state entries (momentum buffers, moments, step counts) with the same values
    s1, s2 = _state_arrays(o_opt), _state_arrays(t_opt)
    assert s1.keys() == s2.keys()
    for key in s1:
        np.testing.assert_allclose(s1[key], s2[key], rtol=1e-4, atol=1e-6, err_msg=str(key))


@needs_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_float64_trajectory_matches_torch(name):
    kwargs = {"lr": 0.05, "momentum": 0.9} if name in ("SGD", "RMSprop") else {"lr": 0.05}
    starts = _starts(np.float64)
    ours, _ = _run_ours(getattr(optim, name), kwargs, starts, 20)
    theirs, _ = _run_torch(getattr(torch.optim, name), kwargs, starts, 20)
    for p, q in zip(ours, theirs):
        assert p.data.dtype == np.float64
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=1e-12, atol=1e-13)


@needs_torch
@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_end_to_end_least_squares_matches_torch(name):
    """Gradients from each library's own backward pass, then each library's optimiser."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((16, 4)).astype(np.float32)
    y = rng.standard_normal((16, 1)).astype(np.float32)
    w0 = rng.standard_normal((4, 1)).astype(np.float32)
    kwargs = {"lr": 0.05, "momentum": 0.9} if name != "Adam" else {"lr": 0.05}

    def train(lib, opt_mod):
        w = lib.tensor(w0.copy(), requires_grad=True)
        b = lib.tensor(np.zeros(1, np.float32), requires_grad=True)
        xs, ys = lib.tensor(x), lib.tensor(y)
        opt = getattr(opt_mod, name)([w, b], **kwargs)
        for _ in range(20):
            opt.zero_grad()
            loss = ((xs @ w + b - ys) ** 2).mean()
            loss.backward()
            opt.step()
        return np.asarray(w.detach().numpy()), np.asarray(b.detach().numpy())

    for a, c in zip(train(ag, optim), train(torch, torch.optim)):
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)


# -- what a step must and must not do ----------------------------------------------------------
@pytest.mark.parametrize("name, kwargs, groups", CASES, ids=IDS)
def test_step_updates_in_place_and_leaves_grad_alone(name, kwargs, groups):
    params = [ag.tensor(a, requires_grad=True) for a in _starts()]
    arrays = [p.data for p in params]
    opt = getattr(optim, name)(_groups(params, groups), **kwargs)
    for t in range(3):
        versions = [p._vc[0] for p in params]
        grads = [_grad(p.data, t, i) for i, p in enumerate(params)]
        for p, g in zip(params, grads):
            p.grad = ag.tensor(g)
        before = [p.data.copy() for p in params]
        opt.step()
        for i, p in enumerate(params):
            assert p.data is arrays[i], "the parameter's array was replaced"
            assert p.data.dtype == np.float32
            assert p._vc[0] == versions[i] + 1, "version counter not bumped"
            assert not np.array_equal(p.data, before[i])
            np.testing.assert_array_equal(p.grad.data, grads[i])  # the gradient is untouched
            assert p.is_leaf and p.requires_grad


def test_parameters_without_grad_are_skipped():
    a, b = ag.tensor([1.0, 2.0], requires_grad=True), ag.tensor([3.0], requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = ag.tensor([1.0, -1.0])
    opt.step()
    np.testing.assert_array_equal(b.data, [3.0])
    assert b not in opt.state and b._vc[0] == 0
    assert opt.state[a]["step"] == 1
    np.testing.assert_allclose(a.data, [0.9, 2.1], rtol=1e-6)


def test_frozen_parameters_are_accepted_and_left_alone():
    """As in torch, a parameter with requires_grad=False may be passed (frozen layers)."""
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    frozen = ag.tensor([5.0])
    opt = optim.SGD([w, frozen], lr=0.5)
    w.grad = ag.tensor([1.0, 1.0])
    opt.step()
    np.testing.assert_allclose(w.data, [0.5, 1.5])
    np.testing.assert_array_equal(frozen.data, [5.0])


def test_sgd_update_by_hand():
    w = ag.tensor([1.0, -2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = ag.tensor([1.0, 1.0])
    opt.step()  # buffer = g, w -= 0.1 * g
    np.testing.assert_allclose(w.data, [0.9, -2.1], rtol=1e-6)
    opt.step()  # buffer = 0.9 * 1 + 1 = 1.9
    np.testing.assert_allclose(w.data, [0.71, -2.29], rtol=1e-6)
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"], [1.9, 1.9], rtol=1e-6)


def test_adam_first_step_is_lr_times_sign():
    """With bias correction, Adam's first step is lr·g/(|g| + eps) ≈ lr·sign(g)."""
    w = ag.tensor([1.0, 1.0, 1.0], requires_grad=True)
    opt = optim.Adam([w], lr=0.01)
    w.grad = ag.tensor([3.0, -0.5, 1e-3])
    opt.step()
    np.testing.assert_allclose(w.data, [0.99, 1.01, 0.99], rtol=1e-5)


def test_weight_decay_equals_an_l2_penalty_in_the_loss():
    """SGD(weight_decay=λ) on L is SGD on L + λ/2·Σp²: the same updates, both ways."""
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.standard_normal((8, 3)))
    y = ag.tensor(rng.standard_normal((8, 1)))
    w0 = rng.standard_normal((3, 1))
    lam = 0.3

    def train(weight_decay, penalty, momentum):
        w = ag.tensor(w0.copy(), requires_grad=True)
        opt = optim.SGD([w], lr=0.1, momentum=momentum, weight_decay=weight_decay)
        for _ in range(10):
            opt.zero_grad()
            loss = ((x @ w - y) ** 2).mean()
            if penalty:
                loss = loss + lam / 2 * (w**2).sum()
            loss.backward()
            opt.step()
        return w.data

    for momentum in (0.0, 0.9):
        np.testing.assert_allclose(
            train(lam, False, momentum), train(0.0, True, momentum), rtol=1e-10
        )


def test_maximize_is_minimizing_the_negated_loss():
    starts = _starts()
    a, _ = _run_ours(optim.Adam, {"lr": 0.05, "maximize": True}, starts, 5)
    params = [ag.tensor(s.copy(), requires_grad=True) for s in starts]
    opt = optim.Adam(params, lr=0.05)
    for t in range(5):
        for i, p in enumerate(params):
            p.grad = ag.tensor(-_grad(p.data, t, i)) if _has_grad(t, i) else None
        opt.step()
    for p, q in zip(a, params):
        np.testing.assert_array_equal(p.data, q.data)


def test_closure_is_evaluated_with_grad_enabled_and_its_loss_returned():
    w = ag.tensor([2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.25)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        calls.append(ag.is_grad_enabled())
        loss.backward()
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert float(loss.item()) == 4.0
    np.testing.assert_allclose(w.data, [1.0])  # 2 - 0.25 * 4
    assert opt.step() is None


def test_zero_grad():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    w.grad = ag.tensor([3.0, 4.0])
    arr = w.grad.data
    opt.zero_grad(set_to_none=False)
    assert w.grad.data is arr and w.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad.data, [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None
    opt.zero_grad()  # no gradient: nothing to do
    assert w.grad is None


def test_zero_grad_after_create_graph_detaches():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    (w**3).sum().backward(create_graph=True)
    assert w.grad.requires_grad
    optim.SGD([w]).zero_grad(set_to_none=False)
    assert not w.grad.requires_grad and w.grad.grad_fn is None
    np.testing.assert_array_equal(w.grad.data, [0.0, 0.0])


def test_add_param_group_takes_defaults_and_trains():
    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([1.0], requires_grad=True)
    opt = optim.Adagrad([a], lr=0.5)
    group = {"params": b, "lr": 0.1}
    opt.add_param_group(group)
    assert opt.param_groups[1] is group  # the live group, as in torch
    assert opt.param_groups[1]["lr"] == 0.1 and opt.param_groups[1]["eps"] == 1e-10
    assert opt.param_groups[1]["params"] == [b]
    a.grad, b.grad = ag.tensor([1.0]), ag.tensor([1.0])
    opt.step()
    np.testing.assert_allclose(a.data, [0.5], rtol=1e-6)
    np.testing.assert_allclose(b.data, [0.9], rtol=1e-6)


def test_named_parameters_are_accepted():
    a = ag.tensor([1.0], requires_grad=True)
    opt = optim.SGD([("a", a)], lr=0.1)
    assert opt.param_groups[0]["params"] == [a]
    assert opt.param_groups[0]["param_names"] == ["a"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["a"]


def test_repr_lists_groups_like_torch():
    a, b = ag.tensor([1.0], requires_grad=True), ag.tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert repr(opt) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    lr: 0.1\n    maximize: False\n"
        "    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n"
        "Parameter Group 1\n    dampening: 0\n    lr: 0.5\n    maximize: False\n"
        "    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n)"
    )


def test_defaults_match_torch_signatures():
    a = ag.tensor([1.0], requires_grad=True)
    assert optim.SGD([a]).defaults["lr"] == 1e-3
    assert optim.Adam([a]).defaults["betas"] == (0.9, 0.999)
    assert optim.Adam([a]).defaults["eps"] == 1e-8
    assert optim.AdamW([a]).defaults["weight_decay"] == 1e-2
    r = optim.RMSprop([a]).defaults
    assert (r["lr"], r["alpha"], r["eps"]) == (1e-2, 0.99, 1e-8)
    g = optim.Adagrad([a]).defaults
    assert (g["lr"], g["eps"], g["initial_accumulator_value"]) == (1e-2, 1e-10, 0)


# -- state_dict ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, kwargs, groups", CASES, ids=IDS)
def test_state_dict_round_trip_mid_training(name, kwargs, groups):
    cls, starts = getattr(optim, name), _starts()
    straight, _ = _run_ours(cls, kwargs, starts, 20, groups)

    first, opt = _run_ours(cls, kwargs, starts, 10, groups)
    saved = pickle.loads(pickle.dumps(opt.state_dict()))  # as if written to disk and read back
    resumed = [ag.tensor(p.data.copy(), requires_grad=True) for p in first]
    opt2 = cls(_groups(resumed, groups), **dict(kwargs, lr=123.0))  # lr comes from the dict
    opt2.load_state_dict(saved)
    assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups]

    params = resumed
    for t in range(10, 20):
        for i, p in enumerate(params):
            p.grad = ag.tensor(_grad(p.data, t, i)) if _has_grad(t, i) else None
        opt2.step()
    for p, q in zip(straight, params):
        np.testing.assert_array_equal(p.data, q.data)


def test_state_dict_layout_is_torch_s():
    params = [ag.tensor(a, requires_grad=True) for a in _starts()]
    opt = optim.Adam([{"params": params[:2]}, {"params": params[2:], "lr": 0.1}], amsgrad=True)
    for i, p in enumerate(params):
        p.grad = ag.tensor(_grad(p.data, 0, i))
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.1 and sd["param_groups"][0]["lr"] == 1e-3
    assert set(sd["state"]) == {0, 1, 2}
    st = sd["state"][2]
    assert set(st) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert st["step"] == 1
    assert isinstance(st["exp_avg"], ag.Tensor) and st["exp_avg"].shape == params[2].shape
    # a snapshot: later steps don't change it
    before = st["exp_avg"].data.copy()
    opt.step()
    np.testing.assert_array_equal(st["exp_avg"].data, before)
    assert st["step"] == 1


@needs_torch
@pytest.mark.parametrize("name, kwargs", [(n, k) for n, k, g in CASES if g is None], ids=str)
def test_state_dict_layout_matches_torch_and_loads_torch_state(name, kwargs):
    starts = _starts()
    ours, o_opt = _run_ours(getattr(optim, name), kwargs, starts, 7)
    theirs, t_opt = _run_torch(getattr(torch.optim, name), kwargs, starts, 7)
    o_sd, t_sd = o_opt.state_dict(), t_opt.state_dict()
    assert o_sd["state"].keys() == t_sd["state"].keys()
    for k in o_sd["state"]:
        assert o_sd["state"][k].keys() == t_sd["state"][k].keys()
    for og, tg in zip(o_sd["param_groups"], t_sd["param_groups"]):
        assert og["params"] == tg["params"]
        assert {k: v for k, v in tg.items() if k in og} == og

    # torch's own state dict loads into ours and training goes on as torch's does
    params = [ag.tensor(p.detach().numpy().copy(), requires_grad=True) for p in theirs]
    opt = getattr(optim, name)(params, **kwargs)
    opt.load_state_dict(t_sd)
    for t in range(7, 14):
        for i, p in enumerate(params):
            p.grad = ag.tensor(_grad(p.data, t, i)) if _has_grad(t, i) else None
        opt.step()
        for i, p in enumerate(theirs):
            g = _grad(p.detach().numpy(), t, i)
            p.grad = torch.from_numpy(g) if _has_grad(t, i) else None
        t_opt.step()
    for p, q in zip(params, theirs):
        assert p.data.dtype == np.float32
        np.testing.assert_allclose(p.data, q.detach().numpy(), rtol=RTOL, atol=ATOL)


def _trained_adam(shapes, groups_split=None):
    params = [ag.tensor(np.ones(s, np.float32), requires_grad=True) for s in shapes]
    spec = (
        params
        if groups_split is None
        else [{"params": params[:groups_split]}, {"params": params[groups_split:]}]
    )
    opt = optim.Adam(spec, lr=0.1)
    for p in params:
        p.grad = ag.tensor(np.ones(p.shape, np.float32))
    opt.step()
    return params, opt


@pytest.mark.parametrize(
    "source, match",
    [
        (dict(shapes=[(2,), (3,)], groups_split=1), "different number of parameter groups"),
        (dict(shapes=[(2,)]), "doesn't match the size of optimizer's group"),
        (dict(shapes=[(2,), (3,), (1,)]), "doesn't match the size of optimizer's group"),
        (dict(shapes=[(2,), (4,)]), r"'exp_avg' of shape \(4,\) for parameter 1.*shape \(3,\)"),
    ],
)
def test_load_state_dict_from_another_layout_raises_and_changes_nothing(source, match):
    _, other = _trained_adam(**source)
    params, opt = _trained_adam([(2,), (3,)])
    opt.param_groups[0]["lr"] = 0.5
    sd_before = copy.deepcopy(opt.state_dict())
    groups_before = opt.param_groups
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(other.state_dict())
    assert opt.param_groups is groups_before and opt.param_groups[0]["lr"] == 0.5
    sd_after = opt.state_dict()
    assert sd_after["param_groups"] == sd_before["param_groups"]
    for k, st in sd_before["state"].items():
        for key, v in st.items():
            np.testing.assert_array_equal(_np(sd_after["state"][k][key]), _np(v))


def test_load_state_dict_copies_and_casts_to_the_parameter_dtype():
    src, opt = _trained_adam([(2,)])
    sd = opt.state_dict()
    sd["state"][0]["exp_avg"] = np.array([1.0, 2.0])  # float64 numpy array
    w = ag.tensor(np.zeros(2, np.float32), requires_grad=True)
    opt2 = optim.Adam([w])
    opt2.load_state_dict(sd)
    m = opt2.state[w]["exp_avg"]
    assert m.dtype == np.float32 and m is not sd["state"][0]["exp_avg"]
    np.testing.assert_array_equal(m, [1.0, 2.0])


def test_adamw_stays_decoupled_after_loading_an_adam_state():
    _, adam = _trained_adam([(2,)])
    w = ag.tensor(np.ones(2, np.float32), requires_grad=True)
    opt = optim.AdamW([w])
    opt.load_state_dict(adam.state_dict())
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


def test_optimizer_pickles():
    params, opt = _trained_adam([(2,)])
    optim.lr_scheduler.StepLR(opt, 3)  # wraps opt.step: pickling must still work
    clone = pickle.loads(pickle.dumps(opt))
    assert clone.param_groups[0]["lr"] == 0.1


# -- errors, in torch's words -----------------------------------------------------------------
BAD_ARGS = [
    ("SGD", {"lr": -0.1}, "Invalid learning rate: -0.1"),
    ("SGD", {"momentum": -0.5}, "Invalid momentum value: -0.5"),
    ("SGD", {"weight_decay": -1.0}, "Invalid weight_decay value: -1.0"),
    ("SGD", {"nesterov": True}, "Nesterov momentum requires a momentum and zero dampening"),
    (
        "SGD",
        {"nesterov": True, "momentum": 0.9, "dampening": 0.1},
        "Nesterov momentum requires a momentum and zero dampening",
    ),
    ("Adam", {"lr": -0.1}, "Invalid learning rate: -0.1"),
    ("Adam", {"eps": -1e-8}, "Invalid epsilon value: -1e-08"),
    ("Adam", {"betas": (1.0, 0.999)}, "Invalid beta parameter at index 0: 1.0"),
    ("Adam", {"betas": (0.9, -0.1)}, "Invalid beta parameter at index 1: -0.1"),
    ("Adam", {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
    ("AdamW", {"betas": (0.9, 1.5)}, "Invalid beta parameter at index 1: 1.5"),
    ("RMSprop", {"lr": -0.1}, "Invalid learning rate: -0.1"),
    ("RMSprop", {"alpha": -0.9}, "Invalid alpha value: -0.9"),
    ("RMSprop", {"momentum": -0.9}, "Invalid momentum value: -0.9"),
    ("RMSprop", {"eps": -1.0}, "Invalid epsilon value: -1.0"),
    ("Adagrad", {"lr_decay": -0.1}, "Invalid lr_decay value: -0.1"),
    (
        "Adagrad",
        {"initial_accumulator_value": -1.0},
        "Invalid initial_accumulator_value value: -1.0",
    ),
    ("Adagrad", {"weight_decay": -0.1}, "Invalid weight_decay value: -0.1"),
]


@pytest.mark.parametrize("name, kwargs, message", BAD_ARGS)
def test_invalid_hyper_parameters(name, kwargs, message):
    w = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError) as ours:
        getattr(optim, name)([w], **kwargs)
    assert str(ours.value) == message
    if torch is not None:
        with pytest.raises(ValueError) as theirs:
            getattr(torch.optim, name)([torch.ones(1, requires_grad=True)], **kwargs)
        assert str(theirs.value) == message


def test_invalid_parameter_lists():
    w = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="^optimizer got an empty parameter list$"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="should be an iterable of Tensors or dicts"):
        optim.SGD(w, lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors.*numpy.ndarray"):
        optim.SGD([np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="^can't optimize a non-leaf Tensor$"):
        optim.SGD([w * 2], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        optim.SGD([{"params": {w}}], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optim.SGD([{"params": [w]}, {"params": [w]}], lr=0.1)
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([w, w], lr=0.1)
    with pytest.raises(TypeError, match="param_group must be a dict"):
        optim.SGD([w]).add_param_group([w])


def test_a_non_leaf_that_retains_grad_is_accepted():
    w = ag.tensor([1.0], requires_grad=True)
    h = w * 2
    h.retain_grad()
    optim.SGD([h], lr=0.1)


def test_required_hyper_parameter():
    class Plain(optim.Optimizer):
        def __init__(self, params, lr=optim.optimizer.required):
            super().__init__(params, {"lr": lr})

        def _update(self, p, g, state, group):
            p -= group["lr"] * g

    w = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="didn't specify a value of required optimization"):
        Plain([w])
    opt = Plain([w], lr=0.5)
    w.grad = ag.tensor([1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
    np.testing.assert_allclose(w.data, [0.5])
