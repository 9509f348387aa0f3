"""Learning-rate schedulers: lr sequences against torch.optim.lr_scheduler, state, warnings."""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pytest

import autograd_core as ag
import optim
from optim import lr_scheduler as sched

try:
    import torch
except ImportError:  # torch comparisons skip cleanly without it
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

LRS = (0.1, 0.05)  # two parameter groups with different rates


def _ours(cls=optim.SGD, **kwargs):
    groups = [{"params": [ag.tensor([1.0], requires_grad=True)], "lr": lr} for lr in LRS]
    return cls(groups, **kwargs)


def _torch(cls_name="SGD", **kwargs):
    groups = [{"params": [torch.ones(1, requires_grad=True)], "lr": lr} for lr in LRS]
    return getattr(torch.optim, cls_name)(groups, **kwargs)


def _lr_sequence(opt, schedulers, steps, metrics=None):
    """Run ``steps`` epochs (optimizer.step, then every scheduler.step) and record the lrs."""
    seq = [[g["lr"] for g in opt.param_groups]]
    for t in range(steps):
        opt.step()
        for s in schedulers:
            if metrics is None:
                s.step()
            else:
                s.step(metrics[t])
        seq.append([g["lr"] for g in opt.param_groups])
        assert schedulers[-1].get_last_lr() == seq[-1]
    return np.array(seq)


# Each case: a function building the scheduler(s) from (scheduler module, optimizer).
CASES = {
    "StepLR": lambda m, o: [m.StepLR(o, step_size=7, gamma=0.5)],
    "MultiStepLR": lambda m, o: [m.MultiStepLR(o, milestones=[5, 12, 12, 30], gamma=0.3)],
    "ExponentialLR": lambda m, o: [m.ExponentialLR(o, gamma=0.9)],
    "CosineAnnealingLR": lambda m, o: [m.CosineAnnealingLR(o, T_max=10, eta_min=0.001)],
    "CosineAnnealingLR-eta0": lambda m, o: [m.CosineAnnealingLR(o, T_max=7)],
    "LambdaLR": lambda m, o: [m.LambdaLR(o, lambda e: 1.0 / (1 + e))],
    "LambdaLR-list": lambda m, o: [m.LambdaLR(o, [lambda e: 0.95**e, lambda e: e // 5 + 1])],
    "chained-Step-Exp": lambda m, o: [m.StepLR(o, 5, 0.5), m.ExponentialLR(o, 0.95)],
    "chained-Cos-MultiStep": lambda m, o: [
        m.CosineAnnealingLR(o, T_max=12, eta_min=0.002),
        m.MultiStepLR(o, [8, 20], gamma=0.5),
    ],
    "ChainedScheduler": lambda m, o: [
        m.ChainedScheduler([m.ExponentialLR(o, 0.9), m.StepLR(o, 4, 0.5)])
    ],
}


@needs_torch
@pytest.mark.parametrize("case", list(CASES))
def test_lr_sequence_matches_torch(case):
    ours_opt, torch_opt = _ours(), _torch()
    ours = _lr_sequence(ours_opt, CASES[case](sched, ours_opt), 45)
    theirs = _lr_sequence(torch_opt, CASES[case](torch.optim.lr_scheduler, torch_opt), 45)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)
    assert len(set(ours[:, 0].tolist())) > 2  # the schedule really moved


PLATEAU = {
    "min-rel": dict(patience=2),
    "min-abs-cooldown": dict(patience=1, threshold=0.05, threshold_mode="abs", cooldown=2),
    "max-rel": dict(mode="max", factor=0.5, patience=0),
    "max-abs-min_lr": dict(
        mode="max", factor=0.2, patience=1, threshold_mode="abs", min_lr=[0.01, 0.002]
    ),
    "min-eps": dict(factor=0.5, patience=0, min_lr=0.02, eps=1e-3),
}
METRICS = [
    1.0,
    0.9,
    0.95,
    0.95,
    0.96,
    0.89,
    0.9,
    0.9,
    0.9,
    0.91,
    0.5,
    0.6,
    0.7,
    0.7,
    0.6,
    0.49,
    0.49,
    0.5,
    0.8,
    0.9,
    1.1,
    1.0,
    0.3,
    0.3,
    0.31,
    0.3,
    0.2,
    0.25,
    0.25,
    0.25,
    0.26,
    0.27,
    0.1,
    0.1,
    0.1,
]


@needs_torch
@pytest.mark.parametrize("case", list(PLATEAU))
def test_reduce_on_plateau_matches_torch(case):
    kw = PLATEAU[case]
    ours_opt, torch_opt = _ours(), _torch()
    ours_s = sched.ReduceLROnPlateau(ours_opt, **kw)
    torch_s = torch.optim.lr_scheduler.ReduceLROnPlateau(torch_opt, **kw)
    metrics = [-m if kw.get("mode") == "max" else m for m in METRICS]
    ours = _lr_sequence(ours_opt, [ours_s], len(metrics), metrics)
    theirs = _lr_sequence(torch_opt, [torch_s], len(metrics), metrics)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=0)
    assert len(set(ours[:, 0].tolist())) > 1
    for attr in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch"):
        assert getattr(ours_s, attr) == getattr(torch_s, attr), attr


def test_reduce_on_plateau_by_hand():
    opt = _ours()
    s = sched.ReduceLROnPlateau(opt, patience=1, factor=0.5)
    for metric, lr in [(1.0, 0.1), (1.0, 0.1), (1.0, 0.05), (0.5, 0.05), (0.6, 0.05), (0.7, 0.025)]:
        opt.step()
        s.step(ag.tensor(metric))  # a one-element Tensor works as the metric
        assert s.get_last_lr()[0] == pytest.approx(lr)


@needs_torch
@pytest.mark.parametrize("case", ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR"])
def test_step_with_epoch_uses_the_closed_form_like_torch(case):
    ours_opt, torch_opt = _ours(), _torch()
    ours_s, torch_s = (
        CASES[case](sched, ours_opt)[0],
        CASES[case](torch.optim.lr_scheduler, torch_opt)[0],
    )
    for epoch in [3, 9, 14, 31]:
        ours_opt.step()
        torch_opt.step()
        with pytest.warns(UserWarning, match="epoch parameter"):
            ours_s.step(epoch)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch_s.step(epoch)
        np.testing.assert_allclose(ours_s.get_last_lr(), torch_s.get_last_lr(), rtol=1e-13)


def test_closed_forms():
    opt = _ours()
    s = sched.CosineAnnealingLR(opt, T_max=10, eta_min=0.001)
    for t in range(1, 11):
        opt.step()
        s.step()
        expected = 0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * t / 10)) / 2
        assert s.get_last_lr()[0] == pytest.approx(expected, rel=1e-12)
    opt = _ours()
    s = sched.StepLR(opt, step_size=3, gamma=0.1)
    got = []
    for _ in range(7):
        opt.step()
        s.step()
        got.append(s.get_last_lr()[1])
    np.testing.assert_allclose(got, [0.05, 0.05, 0.005, 0.005, 0.005, 0.0005, 0.0005])


def test_initial_lr_last_epoch_and_the_optimizer_using_the_new_rate():
    w = ag.tensor([1.0], requires_grad=True)
    opt = optim.SGD([w], lr=1.0)
    s = sched.ExponentialLR(opt, gamma=0.5)
    assert opt.param_groups[0]["initial_lr"] == 1.0
    assert s.last_epoch == 0 and s.base_lrs == [1.0] and s.get_last_lr() == [1.0]
    for expected_step in (1.0, 0.5, 0.25):
        w.grad = ag.tensor([1.0])
        before = float(w.data[0])
        opt.step()
        assert before - float(w.data[0]) == pytest.approx(expected_step)
        s.step()
    assert s.last_epoch == 3 and opt.param_groups[0]["lr"] == 0.125
    assert opt.param_groups[0]["initial_lr"] == 1.0


@pytest.mark.parametrize("case", list(CASES))
def test_state_dict_round_trip(case):
    straight_opt = _ours()
    straight = _lr_sequence(straight_opt, CASES[case](sched, straight_opt), 30)

    opt = _ours()
    schedulers = CASES[case](sched, opt)
    first = _lr_sequence(opt, schedulers, 12)
    saved_opt = pickle.loads(pickle.dumps(opt.state_dict()))
    saved = [s.state_dict() for s in schedulers]
    # lambdas can't be pickled: LambdaLR saves None for them, the rest must pickle
    saved = [pickle.loads(pickle.dumps(sd)) for sd in saved]

    opt2 = _ours()
    schedulers2 = CASES[case](sched, opt2)
    opt2.load_state_dict(saved_opt)
    for s, sd in zip(schedulers2, saved):
        s.load_state_dict(sd)
    assert schedulers2[-1].get_last_lr() == first[-1].tolist()
    rest = _lr_sequence(opt2, schedulers2, 18)
    np.testing.assert_allclose(np.concatenate([first, rest[1:]]), straight, rtol=1e-14)


def test_reduce_on_plateau_state_dict_round_trip():
    opt = _ours()
    s = sched.ReduceLROnPlateau(opt, mode="max", patience=1, cooldown=1)
    _lr_sequence(opt, [s], 10, [-m for m in METRICS])
    sd = pickle.loads(pickle.dumps(s.state_dict()))
    assert sd["mode"] == "max" and "optimizer" not in sd
    opt2 = _ours()
    opt2.load_state_dict(opt.state_dict())
    s2 = sched.ReduceLROnPlateau(opt2)
    s2.load_state_dict(sd)
    assert (s2.best, s2.num_bad_epochs, s2.mode) == (s.best, s.num_bad_epochs, "max")
    rest = [-m for m in METRICS[10:]]
    np.testing.assert_array_equal(
        _lr_sequence(opt, [s], 20, rest), _lr_sequence(opt2, [s2], 20, rest)
    )


@needs_torch
@pytest.mark.parametrize("case", ["StepLR", "ExponentialLR", "CosineAnnealingLR"])
def test_resume_with_last_epoch_like_torch(case):
    """A scheduler made with last_epoch=k continues from a loaded optimizer as torch's does."""
    make = {
        "StepLR": lambda m, o, e: m.StepLR(o, step_size=2, gamma=0.5, last_epoch=e),
        "ExponentialLR": lambda m, o, e: m.ExponentialLR(o, gamma=0.8, last_epoch=e),
        "CosineAnnealingLR": lambda m, o, e: m.CosineAnnealingLR(o, T_max=9, last_epoch=e),
    }[case]
    runs = []
    for mod, new_opt in ((sched, _ours), (torch.optim.lr_scheduler, _torch)):
        opt = new_opt()
        first = _lr_sequence(opt, [make(mod, opt, -1)], 5)
        opt2 = new_opt()
        opt2.load_state_dict(opt.state_dict())  # brings initial_lr and the current lr
        rest = _lr_sequence(opt2, [make(mod, opt2, 5)], 8)
        runs.append(np.concatenate([first, rest]))
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-13)


def test_resume_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        sched.StepLR(_ours(), step_size=2, last_epoch=3)


def test_schedulers_drive_any_optimizer():
    opt = _ours(optim.Adam)
    s = sched.MultiStepLR(opt, milestones=[2], gamma=0.1)
    for _ in range(3):
        opt.step()
        s.step()
    assert [g["lr"] for g in opt.param_groups] == pytest.approx([0.01, 0.005])


def test_warns_when_stepped_before_the_optimizer():
    opt = _ours()
    s = sched.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match=r"lr_scheduler.step\(\)` before `optimizer.step\(\)"):
        s.step()
    opt = _ours()
    s = sched.StepLR(opt, step_size=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(3):
            opt.step()
            s.step()
    with pytest.warns(UserWarning, match="get_last_lr"):
        s.get_lr()


def test_scheduler_errors():
    with pytest.raises(TypeError, match="list is not an Optimizer"):
        sched.StepLR([], step_size=3)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        sched.ReduceLROnPlateau(object())
    with pytest.raises(ValueError, match=r"^Factor should be < 1.0.$"):
        sched.ReduceLROnPlateau(_ours(), factor=1.0)
    with pytest.raises(ValueError, match="mode average is unknown!"):
        sched.ReduceLROnPlateau(_ours(), mode="average")
    with pytest.raises(ValueError, match="threshold mode relative is unknown!"):
        sched.ReduceLROnPlateau(_ours(), threshold_mode="relative")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 1"):
        sched.ReduceLROnPlateau(_ours(), min_lr=[0.1])
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        sched.LambdaLR(_ours(), [lambda e: 1.0])
    opt = _ours()
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        sched.ChainedScheduler([sched.ReduceLROnPlateau(opt)])
    assert issubclass(sched._LRScheduler, sched.LRScheduler)
