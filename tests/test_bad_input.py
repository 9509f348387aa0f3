"""Bad input: a clear error that names the op or layer and the offending shape or value, and
nothing changed afterwards (model, gradients, optimiser, files).

One test per item of the list in ``docs/reliability.md``; each snapshots what the bad call
could have touched and checks it afterwards. (IDX files, the atomic save and the resumed
training run are covered in ``test_data.py``, ``test_serialization.py`` and ``test_cli.py``;
this file repeats the IDX and checkpoint cases with the "nothing changed" check.)
"""

from __future__ import annotations

import gzip
import os
import pickle
import re
import warnings
from typing import Any

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
import optim
from nn.data import DataLoader, IDXError, TensorDataset, read_idx, read_idx_images, write_idx

try:
    import torch
except ImportError:
    torch = None


# -- snapshots ----------------------------------------------------------------------------------
def snapshot(obj: Any) -> Any:
    """A deep copy of what matters: arrays of Tensors, containers, numbers; a Module gives its
    state dict and the parameters' gradients, an optimiser its state dict."""
    if isinstance(obj, nn.Module):
        grads = {k: p.grad for k, p in obj.named_parameters()}
        return snapshot({"state": obj.state_dict(), "grads": grads})
    if isinstance(obj, optim.Optimizer):
        return snapshot(obj.state_dict())
    if isinstance(obj, ag.Tensor):
        return ("tensor", obj.data.copy(), obj.requires_grad)
    if isinstance(obj, np.ndarray | np.generic):
        return np.array(obj, copy=True)
    if isinstance(obj, dict):
        return {k: snapshot(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [snapshot(v) for v in obj]
    return obj


def assert_same(a: Any, b: Any, where: str = "") -> None:
    if isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=where)
        assert a.dtype == b.dtype and a.shape == b.shape, where
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert_same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def raises_unchanged(things: list, exc: Any, *words: str) -> Any:
    """Context manager: the block raises ``exc`` whose message contains every word (regex),
    and every object in ``things`` is the same afterwards."""

    class _Ctx:
        def __enter__(self) -> Any:
            self.before = [snapshot(t) for t in things]
            self.raises = pytest.raises(exc)
            self.info = self.raises.__enter__()
            return self.info

        def __exit__(self, *args: Any) -> bool:
            handled = self.raises.__exit__(*args)
            msg = str(self.info.value)
            for w in words:
                assert re.search(w, msg), f"{w!r} not in the message: {msg}"
            for t, s in zip(things, self.before):
                assert_same(s, snapshot(t), type(t).__name__)
            return handled

    return _Ctx()


def lenet() -> nn.Module:
    ag.manual_seed(0)
    return nn.models.lenet5()


def trained_step(model: nn.Module, opt: optim.Optimizer, x: ag.Tensor, y: ag.Tensor) -> None:
    opt.zero_grad()
    F.cross_entropy(model(x), y).backward()
    opt.step()


# -- layers and shapes ---------------------------------------------------------------------------
def test_linear_wrong_feature_count():
    lin = nn.Linear(4, 3)
    with raises_unchanged([lin], RuntimeError, r"linear\(\)", r"\(2, 5\)", "in_features = 4"):
        lin(ag.randn(2, 5))
    with raises_unchanged([lin], RuntimeError, r"linear\(\)", r"shape \(\)"):
        lin(ag.tensor(1.0))


def test_conv_wrong_channel_count_and_dimensions():
    model = lenet()
    with raises_unchanged(
        [model], RuntimeError, r"conv2d\(\)", r"\(2, 3, 28, 28\)", "3 channels", "expects 1"
    ):
        model(ag.randn(2, 3, 28, 28))
    with raises_unchanged([model], RuntimeError, r"conv2d\(\)", "4-D", r"\(28, 28\)"):
        model(ag.randn(28, 28))
    with raises_unchanged([model], RuntimeError, r"conv2d\(\)", r"\(1, 1, 1, 28, 28\)"):
        model(ag.randn(1, 1, 1, 28, 28))
    conv1 = nn.Conv1d(3, 4, 3)
    with raises_unchanged([conv1], RuntimeError, r"conv1d\(\)", "3-D", r"\(2, 3, 4, 5\)"):
        conv1(ag.randn(2, 3, 4, 5))


def test_a_too_small_image_names_the_layer_input():
    model = lenet()
    with raises_unchanged([model], Exception, r"\(1, 6, 2, 2\)|\(1, 6, 1, 1\)|kernel"):
        model(ag.randn(1, 1, 4, 4))


def test_matmul_and_broadcast_mismatches():
    a = ag.randn(2, 3, requires_grad=True)
    with raises_unchanged([a], RuntimeError, r"matmul\(\)", r"\(2, 3\)", r"\(4, 5\)"):
        a @ ag.randn(4, 5)
    with raises_unchanged([a], RuntimeError, r"matmul\(\)", "batch", r"\(2, 2, 3\)"):
        ag.randn(2, 2, 3) @ ag.randn(3, 3, 4)
    ops = [ag.add, ag.sub, ag.mul, ag.div, ag.maximum, ag.minimum]
    for op, name in [(f, f.__name__) for f in ops]:
        with raises_unchanged(
            [a], RuntimeError, rf"{name}\(\)", r"\(2, 3\)", r"\(4, 3\)", "dimension -2"
        ):
            op(a, ag.randn(4, 3))
    with raises_unchanged([a], RuntimeError, r"add\(\)", r"\(2, 3\)", r"\(2,\)"):
        a + np.ones(2)


def test_reshape_to_an_impossible_shape():
    a = ag.randn(2, 3, requires_grad=True)
    with raises_unchanged([a], RuntimeError, r"reshape\(\)", r"\[4, 2\]", "size 6"):
        a.reshape(4, 2)
    with raises_unchanged([a], RuntimeError, r"reshape\(\)", r"\(-1, -1\)"):
        a.reshape(-1, -1)
    with raises_unchanged([a], RuntimeError, r"\[4, -1\]|size 6"):
        a.view(4, -1)


def test_indexing_out_of_range():
    a = ag.randn(2, 3, requires_grad=True)
    with raises_unchanged([a], IndexError, "index 5", "dimension 0 with size 2", r"\(2, 3\)"):
        a[5]
    with raises_unchanged([a], IndexError, "index 7", "dimension 0", r"\(2, 3\)"):
        a[np.array([0, 7])]
    with raises_unchanged([a], IndexError, "index 3", "dimension 1 with size 3"):
        a[:, 3]
    with raises_unchanged([a], IndexError, "index -3", "dimension 0"):
        a[-3]


# -- losses --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target, exc, words",
    [
        ([1, 2, 3, 10], IndexError, [r"cross_entropy\(\)", "target 10", "10 classes"]),
        ([1, -2, 3, 0], IndexError, [r"cross_entropy\(\)", "target -2", "10 classes"]),
        ([1.0, 2.0, 3.0, 0.0], RuntimeError, [r"cross_entropy\(\)", "float", r"\(4,\)"]),
        ([1, 2, 3], ValueError, [r"cross_entropy\(\)", "batch size 4", "batch size 3"]),
    ],
    ids=["label-too-large", "label-negative", "label-float", "batch-mismatch"],
)
def test_cross_entropy_bad_targets(target, exc, words):
    model = nn.Linear(5, 10)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = ag.randn(4, 5)
    trained_step(model, opt, x, ag.tensor([0, 1, 2, 3]))
    with raises_unchanged([model, opt], exc, *words):
        loss = F.cross_entropy(model(x), ag.tensor(target))
        loss.backward()  # (not reached)
        opt.step()


@pytest.mark.parametrize("bad", [2.0, -0.1, float("nan")])
def test_bce_targets_outside_unit_interval(bad):
    p = ag.tensor([0.2, 0.7, 0.5], requires_grad=True)
    t = ag.tensor([0.0, 1.0, bad])
    with raises_unchanged([p, t], RuntimeError, r"binary_cross_entropy\(\)", "between 0 and 1"):
        F.binary_cross_entropy(p, t)
    with raises_unchanged([p, t], RuntimeError, r"binary_cross_entropy\(\)", "between 0 and 1"):
        nn.BCELoss()(p, t)


def test_bce_input_outside_unit_interval():
    with pytest.raises(RuntimeError, match=r"binary_cross_entropy\(\).*input.*between 0 and 1"):
        F.binary_cross_entropy(ag.tensor([0.5, 1.5]), ag.tensor([0.0, 1.0]))


# -- NaN/Inf, dtypes -----------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_detect_anomaly_names_the_op_and_the_line_for_bad_inputs(bad):
    x = ag.tensor([1.0, bad], requires_grad=True)
    w = ag.tensor([2.0, 3.0], requires_grad=True)
    line = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with ag.detect_anomaly(), pytest.raises(ag.AnomalyError) as info:
            line = _lineno() + 1
            (x * w).sum()
    msg = str(info.value)
    assert "MulBackward" in msg and ("NaN" in msg or "Inf" in msg)
    assert f"{os.path.basename(__file__)}:{line}" in msg
    assert "already" in msg  # says the bad value came in through an input
    assert x.grad is None and w.grad is None


def _lineno() -> int:
    import inspect

    return inspect.currentframe().f_back.f_lineno


def test_detect_anomaly_names_the_op_that_makes_a_nan():
    x = ag.tensor([1.0, -1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with ag.detect_anomaly(), pytest.raises(ag.AnomalyError) as info:
            line = _lineno() + 1
            x.log()
    assert "LogBackward" in str(info.value) and f":{line}" in str(info.value)


@pytest.mark.parametrize("dtype", [ag.int64, ag.int32, ag.bool])
def test_integer_and_bool_tensors_cannot_require_grad(dtype):
    with pytest.raises(TypeError, match=rf"only floating point.*{np.dtype(dtype)}"):
        ag.tensor([1, 0], dtype=dtype, requires_grad=True)
    t = ag.tensor([1, 0], dtype=dtype)
    with pytest.raises(TypeError, match=r"requires_grad_\(\).*floating point"):
        t.requires_grad_()
    assert not t.requires_grad
    with pytest.raises(TypeError, match=r"zeros\(\).*floating point"):
        ag.zeros(3, dtype=dtype, requires_grad=True)


# -- backward ------------------------------------------------------------------------------------
def test_backward_on_a_non_scalar_without_gradient():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    with raises_unchanged([x], RuntimeError, "only for scalar outputs", r"shape \(2,\)"):
        y.backward()
    y.sum().backward()  # the graph is still usable
    np.testing.assert_allclose(x.grad.data, [2.0, 4.0])


def test_backward_twice_through_a_freed_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    loss = (x.exp() * x).sum()
    loss.backward()
    with raises_unchanged([x], RuntimeError, "second time", "retain_graph=True", "Backward"):
        loss.backward()
    assert x.grad is not None


def test_backward_after_an_in_place_change_to_a_saved_tensor():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2.0
    loss = (h * h).sum()  # saves h
    with ag.no_grad():
        h.add_(1.0)
    with raises_unchanged(
        [x], RuntimeError, "modified by an inplace operation", "MulBackward", "version 1"
    ):
        loss.backward()
    assert x.grad is None


# -- state dicts ---------------------------------------------------------------------------------
def _bad_state_dict(model: nn.Module) -> dict:
    sd = {k: v.data.copy() + 1.0 for k, v in model.state_dict().items()}
    del sd["2.bias"]  # missing
    sd["3.weight"] = np.zeros(2, np.float32)  # unexpected
    sd["extra"] = np.zeros(1, np.float32)  # unexpected
    sd["0.weight"] = np.zeros((3, 5), np.float32)  # wrong shape (3, 4)
    return sd


def _mlp() -> nn.Module:
    ag.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))


def test_strict_load_state_dict_lists_every_problem_and_loads_nothing():
    model = _mlp()
    words = ['"2.bias"', '"3.weight"', '"extra"', "0.weight", r"\(3, 5\)", r"\(3, 4\)"]
    with raises_unchanged([model], RuntimeError, "Sequential", *words):
        model.load_state_dict(_bad_state_dict(model))


def test_non_strict_load_state_dict_loads_the_rest_and_reports():
    model = _mlp()
    sd = _bad_state_dict(model)
    del sd["0.weight"]  # a wrong shape is an error even when not strict (as in PyTorch)
    before = snapshot(model)
    result = model.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["0.weight", "2.bias"]
    assert result.unexpected_keys == ["3.weight", "extra"]
    after = model.state_dict()
    np.testing.assert_array_equal(after["0.bias"].data, sd["0.bias"])
    np.testing.assert_array_equal(after["2.weight"].data, sd["2.weight"])
    np.testing.assert_array_equal(after["0.weight"].data, before["state"]["0.weight"][1])
    np.testing.assert_array_equal(after["2.bias"].data, before["state"]["2.bias"][1])
    other = _mlp()
    with raises_unchanged([other], RuntimeError, "size mismatch for 0.weight"):
        other.load_state_dict(_bad_state_dict(other), strict=False)


def test_optimizer_state_dict_from_a_different_parameter_layout():
    x, y = ag.randn(4, 4), ag.tensor([0, 1, 1, 0])
    a = _mlp()
    opt_a = optim.Adam(a.parameters(), lr=0.01)
    trained_step(a, opt_a, x, y)
    ag.manual_seed(1)
    b = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 2))
    opt_b = optim.Adam(b.parameters(), lr=0.5)
    trained_step(b, opt_b, x, y)
    with raises_unchanged([opt_b, b], ValueError, "parameter 0", r"\(3, 4\)", r"\(5, 4\)"):
        opt_b.load_state_dict(opt_a.state_dict())
    c = nn.Linear(4, 2)
    opt_c = optim.Adam(c.parameters(), lr=0.5)
    with raises_unchanged([opt_c], ValueError, "group 0 has 4 parameters", "2 in the optimizer"):
        opt_c.load_state_dict(optim.Adam([*a.parameters()][:4], lr=0.1).state_dict())


# -- checkpoints ---------------------------------------------------------------------------------
class _Touch:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, path: str) -> None:
        self.path = str(path)

    def __reduce__(self) -> tuple:
        return (open, (self.path, "w"))


def test_truncated_corrupt_and_pickle_checkpoints_leave_the_model_unchanged(tmp_path):
    model = lenet()
    good = tmp_path / "good.agc"
    ag.save(model.state_dict(), good)
    data = good.read_bytes()
    marker = tmp_path / "marker"
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF
    cases = {
        "truncated.agc": data[: len(data) // 2],
        "empty.agc": b"",
        "corrupt.agc": bytes(flipped),
        "pickle.pt": pickle.dumps({"0.weight": _Touch(marker)}),
    }
    other = lenet()
    with ag.no_grad():
        for p in other.parameters():
            p.mul_(0.5)  # different weights from the checkpoint
    for name, raw in cases.items():
        (tmp_path / name).write_bytes(raw)
        with raises_unchanged([other], ValueError, re.escape(name)):
            other.load_state_dict(ag.load(tmp_path / name))
        assert not marker.exists(), "loading ran code from the file"
    assert good.read_bytes() == data


def test_checkpoint_from_an_incompatible_model_says_which_keys_differ(tmp_path):
    ag.manual_seed(0)
    path = tmp_path / "mlp.agc"
    ag.save(nn.models.mlp(784, (16, 16), 10).state_dict(), path)
    model = nn.models.mlp(784, (32,), 10)
    words = ["Unexpected", '"5.weight", "5.bias"', "size mismatch for 1.weight", r"\(16, 784\)"]
    with raises_unchanged([model], RuntimeError, *words, r"\(32, 784\)"):
        model.load_state_dict(ag.load(path))
    manifest = ag.load(path)
    assert list(manifest) == ["1.weight", "1.bias", "3.weight", "3.bias", "5.weight", "5.bias"]


# -- optimiser and DataLoader arguments ----------------------------------------------------------
OPTIMIZER_CASES = [
    ("SGD", {"lr": -0.1}),
    ("SGD", {"lr": 0.1, "momentum": -0.5}),
    ("SGD", {"lr": 0.1, "weight_decay": -1.0}),
    ("SGD", {"lr": 0.1, "nesterov": True}),
    ("Adam", {"lr": -1e-3}),
    ("Adam", {"betas": (1.0, 0.999)}),
    ("Adam", {"betas": (0.9, -0.1)}),
    ("Adam", {"eps": -1e-8}),
    ("AdamW", {"lr": -1e-3}),
    ("AdamW", {"weight_decay": -0.01}),
    ("RMSprop", {"lr": -0.01}),
    ("RMSprop", {"alpha": -0.9}),
    ("Adagrad", {"lr": -0.01}),
    ("Adagrad", {"initial_accumulator_value": -1.0}),
]


@pytest.mark.parametrize("name, kwargs", OPTIMIZER_CASES)
def test_optimizer_arguments_rejected_as_pytorch_does(name, kwargs):
    model = _mlp()
    with raises_unchanged([model], ValueError, r"Invalid|requires"):
        getattr(optim, name)(model.parameters(), **kwargs)
    if torch is not None:
        with pytest.raises(ValueError) as theirs:
            getattr(torch.optim, name)([torch.zeros(2, requires_grad=True)], **kwargs)
        with pytest.raises(ValueError) as ours:
            getattr(optim, name)(model.parameters(), **kwargs)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_empty_parameter_list(name):
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        getattr(optim, name)([], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        getattr(optim, name)(iter([]), lr=0.1)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "4"])
def test_dataloader_batch_size_rejected_as_pytorch_does(bad):
    ds = TensorDataset(ag.randn(10, 2), ag.randn(10))
    with pytest.raises(ValueError, match=f"batch_size should be a positive integer value.*{bad}"):
        DataLoader(ds, batch_size=bad)
    if torch is not None:
        tds = torch.utils.data.TensorDataset(torch.zeros(10, 2))
        with pytest.raises(ValueError) as theirs:
            torch.utils.data.DataLoader(tds, batch_size=bad)
        with pytest.raises(ValueError) as ours:
            DataLoader(ds, batch_size=bad)
        assert str(ours.value) == str(theirs.value)


# -- IDX files ---------------------------------------------------------------------------------
def test_idx_wrong_magic_length_and_truncation(tmp_path):
    write_idx(tmp_path / "labels", np.arange(5, dtype=np.uint8))
    arr = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    write_idx(tmp_path / "full", arr)
    raw = (tmp_path / "full").read_bytes()
    (tmp_path / "short").write_bytes(raw[:-4])
    (tmp_path / "long").write_bytes(raw + b"\x00")
    (tmp_path / "short.gz").write_bytes(gzip.compress(raw)[:-12])
    cases = [
        (read_idx_images, "labels", ["magic number 0x00000803", "got 0x00000801"]),
        (read_idx, "short", ["expected 34 bytes", "got 30: truncated"]),
        (read_idx, "long", ["expected 34 bytes", "1 extra byte"]),
        (read_idx, "short.gz", ["truncated or corrupt"]),
    ]
    for reader, name, words in cases:
        before = (tmp_path / name).read_bytes()
        with pytest.raises(IDXError) as info:
            reader(tmp_path / name)
        assert name in str(info.value)
        for w in words:
            assert w in str(info.value), str(info.value)
        assert (tmp_path / name).read_bytes() == before
