"""detect_anomaly: the first NaN/Inf in forward or backward names the op and the user's line."""

from __future__ import annotations

import inspect
import os
import threading
import warnings

import numpy as np
import pytest

import autograd_core as ag
from autograd_core import AnomalyError, detect_anomaly
from autograd_core.grad_mode import STATE

THIS_FILE = os.path.basename(__file__)


def here() -> int:
    """The line number of the caller's next line."""
    return inspect.currentframe().f_back.f_lineno + 1


@pytest.fixture(autouse=True)
def _quiet_numpy():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's "invalid value in log"
        yield
    assert not STATE.anomaly  # no test leaves the mode switched on


# -- forward ----------------------------------------------------------------------------------
def test_forward_nan_names_op_shapes_and_user_line() -> None:
    x = ag.tensor([1.0, -1.0, 2.0], requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = here()
        y = x.log()  # noqa: F841 - the line the error must name
    err = info.value
    msg = str(err)
    assert isinstance(err, RuntimeError)
    assert "LogBackward" in msg and "NaN" in msg
    assert "input 0: shape (3,)" in msg
    assert f"{THIS_FILE}:{line}" in msg
    assert "y = x.log()" in msg
    assert err.node is not None and err.node.name == "LogBackward"
    assert os.path.basename(err.location.filename) == THIS_FILE
    assert err.location.lineno == line
    assert err.location.function == "test_forward_nan_names_op_shapes_and_user_line"


def test_forward_inf_and_ops_without_grad_are_checked_too() -> None:
    x = ag.tensor([0.0, 1.0])  # does not require grad: no graph, still checked
    with detect_anomaly(), pytest.raises(AnomalyError, match="DivBackward.*Inf"):
        _ = ag.tensor([1.0, 1.0]) / x


def test_library_frames_are_skipped() -> None:
    """The location is the test's line even when the op is reached through library code."""
    x = ag.tensor([[-3.0, 2.0]], requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = here()
        ag.sqrt(x.reshape(2).sum(dim=0, keepdim=True))
    assert info.value.location.lineno == line
    assert "ag.sqrt(x.reshape(2)" in str(info.value)


def test_input_that_already_has_nan_is_pointed_out() -> None:
    x = ag.tensor([np.nan, 1.0], requires_grad=True)
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        _ = x * 2.0
    msg = str(info.value)
    assert "already contains NaN" in msg
    assert "input 0" in msg


def test_no_error_outside_detect_anomaly_or_with_check_nan_false() -> None:
    x = ag.tensor([-1.0], requires_grad=True)
    assert np.isnan(x.log().data).all()
    with detect_anomaly(check_nan=False):
        y = x.log()
    assert np.isnan(y.data).all()
    assert y.grad_fn._trace is not None  # the location is still recorded
    assert y.grad_fn._trace.code == "y = x.log()"


def test_normal_graph_has_no_trace_outside_anomaly_mode() -> None:
    x = ag.tensor([1.0], requires_grad=True)
    assert (x * 2).grad_fn._trace is None
    with detect_anomaly():
        line = here()
        z = x * 2
    assert z.grad_fn._trace.lineno == line


# -- backward ---------------------------------------------------------------------------------
def test_backward_inf_names_node_and_forward_line() -> None:
    x = ag.tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly():
        line = here()
        s = x.sqrt()  # finite (0 and 2); d/dx sqrt(x) = 1/(2 sqrt x) is Inf at 0
        loss = (s * 3).sum()
        with pytest.raises(AnomalyError) as info:
            loss.backward()
    err = info.value
    msg = str(err)
    assert "SqrtBackward" in msg and "Inf" in msg and "backward" in msg
    assert "input 0 (shape (2,)" in msg
    assert f"{THIS_FILE}:{line}" in msg and "s = x.sqrt()" in msg
    assert err.node is s.grad_fn
    assert err.location.lineno == line


def test_backward_nan_through_autograd_grad_and_create_graph() -> None:
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    with detect_anomaly():
        y = (x * x.sqrt()).sum()  # x * x**0.5 has a finite derivative, but the rule makes 0*Inf
        with pytest.raises(AnomalyError, match="SqrtBackward"):
            ag.grad(y, x, retain_graph=True)
        # with create_graph the rule runs as recorded ops, so the op inside it is caught first
        with pytest.raises(AnomalyError, match="NaN") as info:
            ag.grad(y, x, create_graph=True)
    assert "inside the backward rule of SqrtBackward" in str(info.value)


def test_backward_of_graph_built_outside_says_location_unknown() -> None:
    x = ag.tensor([0.0], requires_grad=True)
    s = x.sqrt().sum()
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        s.backward()
    assert info.value.location is None
    assert "outside detect_anomaly()" in str(info.value)


def test_no_error_when_everything_is_finite() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        (x.log() * x.exp()).sum().backward()
    np.testing.assert_allclose(
        x.grad.data, 1 / x.data * np.exp(x.data) + np.log(x.data) * np.exp(x.data), rtol=1e-6
    )


# -- the switch ---------------------------------------------------------------------------------
def test_mode_is_restored_after_errors_nesting_and_as_decorator() -> None:
    assert not ag.is_anomaly_enabled()
    with pytest.raises(AnomalyError), detect_anomaly():
        ag.tensor([-1.0]).log()
    assert not ag.is_anomaly_enabled()
    with detect_anomaly():
        with detect_anomaly(check_nan=False):
            assert ag.is_anomaly_enabled()
            ag.tensor([-1.0]).log()  # not checked here
        with pytest.raises(AnomalyError):
            ag.tensor([-1.0]).log()  # checked again
    assert not ag.is_anomaly_enabled()

    @detect_anomaly()
    def f(t):
        return t.log()

    with pytest.raises(AnomalyError):
        f(ag.tensor([-1.0]))
    assert not ag.is_anomaly_enabled()

    with ag.set_detect_anomaly(True):
        assert ag.is_anomaly_enabled()
    assert not ag.is_anomaly_enabled()


def test_mode_is_per_thread() -> None:
    seen = []
    with detect_anomaly():
        t = threading.Thread(target=lambda: seen.append(ag.is_anomaly_enabled()))
        t.start()
        t.join()
    assert seen == [False]


def test_nn_frames_are_skipped_too() -> None:
    nn = pytest.importorskip("nn")
    layer = nn.Linear(2, 1)
    x = ag.tensor([[np.inf, 1.0]])
    with detect_anomaly(), pytest.raises(AnomalyError) as info:
        line = here()
        layer(x)
    assert info.value.location.lineno == line
    assert "already contains Inf" in str(info.value)
