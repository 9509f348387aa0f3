"""nn.Module and nn.Parameter: registration, traversal order, modes, gradients, state_dict,
load_state_dict (strict and not), dtype conversion, hooks, containers, repr."""

from __future__ import annotations

import copy
from collections import OrderedDict

import numpy as np
import pytest

import autograd_core as ag
import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear_1 = nn.Linear(4, 3)
        self.register_buffer("steps", ag.zeros(1))
        self.act = nn.ReLU()
        self.scale = nn.Parameter(ag.ones(3))
        self.linear_2 = nn.Linear(3, 2)
        self.note = "not registered"

    def forward(self, x):
        return self.linear_2(self.act(self.linear_1(x)) * self.scale)


# --------------------------------------------------------------------------------------------
# Parameter
# --------------------------------------------------------------------------------------------
def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(ag.tensor([1.0, 2.0]))
    assert isinstance(p, ag.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    q = nn.Parameter(ag.zeros(2), requires_grad=False)
    assert not q.requires_grad
    assert type(p * 2) is ag.Tensor  # results of ops are plain tensors


def test_parameter_shares_storage_with_its_tensor():
    t = ag.zeros(3)
    p = nn.Parameter(t)
    with ag.no_grad():
        p.add_(1.0)
    assert t.tolist() == [1.0, 1.0, 1.0]


def test_parameter_from_a_non_leaf_is_a_leaf():
    x = ag.ones(2, requires_grad=True)
    p = nn.Parameter(x * 3)
    assert p.is_leaf and p.requires_grad
    (p * p).sum().backward()
    np.testing.assert_allclose(p.grad.data, [6.0, 6.0])
    assert x.grad is None


def test_integer_parameter_needs_requires_grad_false():
    with pytest.raises(TypeError, match="floating point"):
        nn.Parameter(ag.tensor([1, 2]))
    assert nn.Parameter(ag.tensor([1, 2]), requires_grad=False).dtype == np.int64


def test_parameter_deepcopy():
    p = nn.Parameter(ag.tensor([1.0, 2.0]))
    q = copy.deepcopy(p)
    assert isinstance(q, nn.Parameter) and q.requires_grad
    q.data[0] = 5
    assert p.data[0] == 1


# --------------------------------------------------------------------------------------------
# Registration and traversal
# --------------------------------------------------------------------------------------------
def test_registration_order_and_names():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == [
        "scale",
        "linear_1.weight",
        "linear_1.bias",
        "linear_2.weight",
        "linear_2.bias",
    ]
    assert [n for n, _ in net.named_buffers()] == ["steps"]
    assert [n for n, _ in net.named_children()] == ["linear_1", "act", "linear_2"]
    assert [n for n, _ in net.named_modules()] == ["", "linear_1", "act", "linear_2"]
    assert list(net.state_dict()) == [
        "scale",
        "steps",
        "linear_1.weight",
        "linear_1.bias",
        "linear_2.weight",
        "linear_2.bias",
    ]
    assert [n for n, _ in net.named_parameters(prefix="model")][0] == "model.scale"
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert len(list(net.parameters())) == 5 and len(list(net.parameters(recurse=False))) == 1
    assert net.note == "not registered" and "note" not in net.state_dict()


def test_shared_parameters_and_modules_appear_once():
    lin = nn.Linear(2, 2)
    seq = nn.Sequential(lin, nn.ReLU(), lin)
    assert len(list(seq.parameters())) == 2
    assert len(list(seq.modules())) == 3
    assert [n for n, _ in seq.named_parameters()] == ["0.weight", "0.bias"]
    assert len(list(seq.named_parameters(remove_duplicate=False))) == 4
    # state_dict keeps every path (as PyTorch)
    assert list(seq.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_reassignment_moves_between_registries():
    net = Net()
    net.act = nn.Parameter(ag.ones(1))  # module -> parameter
    assert "act" not in net._modules and "act" in net._parameters
    with pytest.raises(TypeError, match="as parameter 'act'"):
        net.act = nn.Tanh()  # as PyTorch: a parameter's name takes a Parameter or None
    del net.act
    net.act = nn.Tanh()
    assert "act" not in net._parameters and isinstance(net.act, nn.Tanh)
    net.linear_1.bias = None  # a parameter may be set to None
    assert net.linear_1.bias is None
    assert "linear_1.bias" not in net.state_dict()
    with pytest.raises(TypeError, match="nn.Parameter or None expected"):
        net.linear_1.weight = ag.ones(3, 4)
    net.steps = ag.tensor([5.0])  # a buffer takes any tensor
    assert net.state_dict()["steps"].tolist() == [5.0]
    with pytest.raises(TypeError, match="buffer"):
        net.steps = 3
    del net.linear_2
    assert "linear_2" not in dict(net.named_children())
    with pytest.raises(AttributeError, match="linear_2"):
        net.linear_2


def test_register_checks():
    net = Net()
    with pytest.raises(KeyError, match="already exists"):
        net.register_buffer("note", ag.zeros(1))
    with pytest.raises(KeyError, match='"."'):
        net.register_parameter("a.b", nn.Parameter(ag.zeros(1)))
    with pytest.raises(TypeError, match="Parameter or None"):
        net.register_parameter("w", ag.zeros(1))
    with pytest.raises(TypeError, match="Module subclass"):
        net.add_module("m", 3)
    net.register_buffer("tmp", ag.zeros(2), persistent=False)
    assert "tmp" not in net.state_dict() and "tmp" in dict(net.named_buffers())
    net.add_module("extra", nn.Identity())
    assert net.get_submodule("extra") is net.extra
    assert net.get_parameter("linear_1.weight") is net.linear_1.weight


def test_assignment_before_init_is_an_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ag.zeros(1))
            super().__init__()

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\)"):
        Bad()


def test_missing_forward():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(ag.zeros(1))


def test_dir_lists_registered_names():
    d = dir(Net())
    assert "linear_1" in d and "scale" in d and "steps" in d and "forward" in d


# --------------------------------------------------------------------------------------------
# Modes, gradients, apply, hooks
# --------------------------------------------------------------------------------------------
def test_train_eval_propagate():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Dropout(0.5), nn.ReLU()))
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model.train(False)
    assert not model[1][0].training
    with pytest.raises(ValueError, match="boolean"):
        model.train("yes")


def test_zero_grad_sets_none_and_zeros():
    net = Net()
    net(ag.randn(5, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net(ag.randn(5, 4)).sum().backward()
    grads = [p.grad for p in net.parameters()]
    net.zero_grad(set_to_none=False)
    for p, g in zip(net.parameters(), grads):
        assert p.grad is g and not np.any(g.data)


def test_gradients_accumulate_until_zeroed():
    lin = nn.Linear(3, 1)
    x = ag.randn(4, 3)
    lin(x).sum().backward()
    g1 = lin.weight.grad.data.copy()
    lin(x).sum().backward()
    np.testing.assert_allclose(lin.weight.grad.data, 2 * g1, rtol=1e-6)


def test_requires_grad_freezes():
    net = Net()
    net.linear_1.requires_grad_(False)
    net(ag.randn(2, 4)).sum().backward()
    assert net.linear_1.weight.grad is None
    assert net.linear_2.weight.grad is not None


def test_apply_visits_children_first():
    seen = []
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "ReLU", "Sequential", "Sequential"]

    def init(m):
        if isinstance(m, nn.Linear):
            m.weight.detach().normal_(0.0, 0.1)
            m.bias.detach().zero_()

    model.apply(init)
    assert not np.any(model[0].bias.data)


def test_forward_hooks():
    lin = nn.Linear(2, 3)
    calls = []
    h1 = lin.register_forward_pre_hook(lambda m, args: (args[0] * 0.0,))
    h2 = lin.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out * 2.0)
    y = lin(ag.ones(4, 2))
    assert calls == [(4, 3)]
    np.testing.assert_allclose(y.data, np.broadcast_to(2 * lin.bias.data, (4, 3)), rtol=1e-6)
    h1.remove()
    h2.remove()
    y = lin(ag.ones(1, 2))
    np.testing.assert_allclose(y.data, lin.weight.data.sum(1)[None] + lin.bias.data, rtol=1e-6)
    assert len(calls) == 1


# --------------------------------------------------------------------------------------------
# state_dict / load_state_dict
# --------------------------------------------------------------------------------------------
def test_state_dict_is_detached_and_shares_storage():
    net = Net()
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict)
    w = sd["linear_1.weight"]
    assert not w.requires_grad and w.grad_fn is None and type(w) is ag.Tensor
    with ag.no_grad():
        net.linear_1.weight.fill_(3.0)
    assert np.all(w.data == 3.0)
    assert net.state_dict(keep_vars=True)["scale"] is net.scale


def test_load_state_dict_roundtrip_in_place():
    a, b = Net(), Net()
    weight = b.linear_1.weight
    res = b.load_state_dict(a.state_dict())
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == "<All keys matched successfully>"
    assert b.linear_1.weight is weight  # copied into the existing parameter
    for (k, p), (_, q) in zip(a.state_dict().items(), b.state_dict().items()):
        np.testing.assert_array_equal(p.data, q.data, err_msg=k)
    np.testing.assert_array_equal(a(ag.ones(2, 4)).data, b(ag.ones(2, 4)).data)


def test_load_state_dict_numpy_float64_values_are_cast():
    net = Net()
    sd = {k: np.full(v.shape, 0.5, dtype=np.float64) for k, v in net.state_dict().items()}
    net.load_state_dict(sd)
    assert net.linear_1.weight.dtype == np.float32
    assert np.all(net.linear_1.weight.data == 0.5)


def test_load_state_dict_strict_lists_every_problem_and_loads_nothing():
    net = Net()
    before = {k: v.data.copy() for k, v in net.state_dict().items()}
    sd = {k: np.zeros(v.shape) for k, v in net.state_dict().items()}
    del sd["linear_1.bias"], sd["steps"]
    sd["linear_9.weight"] = np.zeros(3)
    sd["linear_2.weight"] = np.zeros((5, 5))
    with pytest.raises(RuntimeError) as err:
        net.load_state_dict(sd)
    msg = str(err.value)
    assert "Error(s) in loading state_dict for Net" in msg
    assert 'Missing key(s) in state_dict: "steps", "linear_1.bias"' in msg
    assert 'Unexpected key(s) in state_dict: "linear_9.weight"' in msg
    assert "size mismatch for linear_2.weight" in msg and "(5, 5)" in msg and "(2, 3)" in msg
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v.data, before[k], err_msg=k)


def test_load_state_dict_non_strict():
    net = Net()
    sd = {"linear_1.weight": np.ones((3, 4)), "other": np.zeros(1)}
    res = net.load_state_dict(sd, strict=False)
    assert res.unexpected_keys == ["other"]
    assert "scale" in res.missing_keys and "linear_1.bias" in res.missing_keys
    missing, unexpected = res  # a named tuple
    assert unexpected == ["other"]
    assert np.all(net.linear_1.weight.data == 1)
    # wrong shapes are errors even when not strict, and nothing is loaded
    with pytest.raises(RuntimeError, match="size mismatch"):
        net.load_state_dict({"scale": np.zeros(3) + 7, "linear_1.bias": np.zeros(9)}, strict=False)
    assert np.all(net.scale.data == 1)


def test_load_state_dict_assign():
    net = Net()
    new = np.arange(12, dtype=np.float32).reshape(3, 4)
    net.load_state_dict({"linear_1.weight": new}, strict=False, assign=True)
    assert isinstance(net.linear_1.weight, nn.Parameter) and net.linear_1.weight.data is new


def test_save_load_roundtrip(tmp_path):
    if not hasattr(ag, "save"):
        pytest.skip("autograd_core.save not available yet")
    a, b = Net(), Net()
    path = str(tmp_path / "w.npz")
    ag.save(a.state_dict(), path)
    b.load_state_dict(ag.load(path))
    np.testing.assert_array_equal(a(ag.ones(1, 4)).data, b(ag.ones(1, 4)).data)


def test_deepcopy_module():
    a = Net()
    b = copy.deepcopy(a)
    with ag.no_grad():
        b.linear_1.weight.fill_(0.0)
    assert not np.all(a.linear_1.weight.data == 0)
    assert isinstance(b.linear_1.weight, nn.Parameter)
    assert [n for n, _ in b.named_parameters()] == [n for n, _ in a.named_parameters()]


# --------------------------------------------------------------------------------------------
# dtype
# --------------------------------------------------------------------------------------------
def test_to_double_float_keep_objects_and_int_buffers():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    w = model[0].weight
    model(ag.randn(4, 3)).sum().backward()
    assert model.double() is model
    assert model[0].weight is w and w.dtype == np.float64 and w.grad.dtype == np.float64
    assert model[1].running_mean.dtype == np.float64
    assert model[1].num_batches_tracked.dtype == np.int64
    assert model(ag.randn(4, 3, dtype=ag.float64)).dtype == np.float64
    model.float()
    assert w.dtype == np.float32
    model.to("cpu", ag.float64)
    assert w.dtype == np.float64
    assert model.to("cpu") is model and model.cpu() is model
    with pytest.raises(TypeError, match="floating point"):
        model.to(ag.int64)
    with pytest.raises(RuntimeError, match="not available"):
        model.to("cuda")


# --------------------------------------------------------------------------------------------
# Containers
# --------------------------------------------------------------------------------------------
def test_sequential_indexing_slicing_and_editing():
    layers = [nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 4), nn.Tanh()]
    seq = nn.Sequential(*layers)
    assert len(seq) == 4 and list(seq) == layers
    assert seq[0] is layers[0] and seq[-1] is layers[3]
    head = seq[1:3]
    assert isinstance(head, nn.Sequential) and list(head._modules) == ["1", "2"]
    with pytest.raises(IndexError, match="out of range"):
        seq[4]
    seq[1] = nn.Sigmoid()
    assert isinstance(seq[1], nn.Sigmoid)
    seq.append(nn.Linear(4, 1))
    assert list(seq._modules)[-1] == "4"
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2", "3"] and isinstance(seq[1], nn.Linear)
    seq.insert(1, nn.ReLU())
    assert isinstance(seq[1], nn.ReLU) and len(seq) == 5
    assert seq(ag.ones(2, 2)).shape == (2, 1)
    both = nn.Sequential(nn.ReLU()) + nn.Sequential(nn.Tanh())
    assert [type(m).__name__ for m in both] == ["ReLU", "Tanh"]
    assert isinstance(seq.pop(-1), nn.Linear) and len(seq) == 4


def test_sequential_ordered_dict_names():
    seq = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias"]
    assert seq.fc is seq[0]


def test_module_list():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(ml) == 3 and len(list(ml.parameters())) == 6
    ml.append(nn.ReLU())
    ml.extend([nn.Tanh()])
    ml.insert(0, nn.Sigmoid())
    assert [type(m).__name__ for m in ml] == [
        "Sigmoid",
        "Linear",
        "Linear",
        "Linear",
        "ReLU",
        "Tanh",
    ]
    assert list(ml._modules) == [str(i) for i in range(6)]
    assert isinstance(ml[1:3], nn.ModuleList) and len(ml[1:3]) == 2
    del ml[0]
    assert isinstance(ml[0], nn.Linear) and list(ml._modules) == [str(i) for i in range(5)]
    ml += [nn.Identity()]
    assert isinstance(ml[-1], nn.Identity)
    with pytest.raises(TypeError, match="iterable"):
        ml.extend(nn.Linear(1, 1))
    with pytest.raises(NotImplementedError):
        ml(ag.ones(1))


def test_module_dict():
    md = nn.ModuleDict({"a": nn.Linear(2, 2), "b": nn.ReLU()})
    assert list(md) == ["a", "b"] and "a" in md and len(md) == 2
    md["c"] = nn.Tanh()
    md.update([("d", nn.Identity())])
    assert list(md.keys()) == ["a", "b", "c", "d"]
    assert list(md.state_dict()) == ["a.weight", "a.bias"]
    assert isinstance(md.pop("b"), nn.ReLU) and "b" not in md


def test_parameter_list_and_dict():
    pl = nn.ParameterList([nn.Parameter(ag.ones(2)), ag.zeros(3)])
    assert len(list(pl.parameters())) == 2 and isinstance(pl[1], nn.Parameter)
    pd = nn.ParameterDict({"w": ag.ones(1)})
    assert [n for n, _ in pd.named_parameters()] == ["w"]


# --------------------------------------------------------------------------------------------
# repr
# --------------------------------------------------------------------------------------------
def test_repr_nested():
    expected = (
        "Net(\n"
        "  (linear_1): Linear(in_features=4, out_features=3, bias=True)\n"
        "  (act): ReLU()\n"
        "  (linear_2): Linear(in_features=3, out_features=2, bias=True)\n"
        ")"
    )
    assert repr(Net()) == expected
    seq = nn.Sequential(nn.Linear(784, 16), nn.Sequential(nn.ReLU()))
    assert repr(seq) == (
        "Sequential(\n"
        "  (0): Linear(in_features=784, out_features=16, bias=True)\n"
        "  (1): Sequential(\n"
        "    (0): ReLU()\n"
        "  )\n"
        ")"
    )


def test_extra_repr_with_children():
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(1, 1)

        def extra_repr(self):
            return "width=1"

    assert repr(Block()) == (
        "Block(\n  width=1\n  (fc): Linear(in_features=1, out_features=1, bias=True)\n)"
    )
