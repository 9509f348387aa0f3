"""Gradient flow: per-layer norms and update ratios, the vanishing/exploding flags on the
lectures' comparisons (sigmoid vs ReLU, naive vs Xavier/He initialisation), and the plots."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd_core as ag
import nn
import nn.functional as F
import optim
from autograd_core.viz import GradientFlow, plot_flows
from nn import init

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def deep_mlp(act: str, scheme: str | None = None, depth: int = 8, width: int = 32):
    layers, w = [], 64
    for _ in range(depth):
        lin = nn.Linear(w, width)
        if scheme == "he":
            init.kaiming_normal_(lin.weight, nonlinearity="relu")
        elif scheme == "xavier":
            init.xavier_normal_(lin.weight)
        elif scheme is not None:  # naive: N(0, σ²) whatever the fan-in
            init.normal_(lin.weight, 0.0, float(scheme))
        if scheme is not None:
            init.zeros_(lin.bias)
        layers += [lin, {"sigmoid": nn.Sigmoid, "relu": nn.ReLU, "tanh": nn.Tanh}[act]()]
        w = width
    layers.append(nn.Linear(w, 10))
    return nn.Sequential(*layers)


def train(model, steps: int = 4, lr: float = 0.05) -> GradientFlow:
    ag.manual_seed(1)
    x, y = ag.randn(64, 64), ag.randint(0, 10, (64,))
    opt = optim.SGD(model.parameters(), lr=lr)
    flow = GradientFlow(model)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for _ in range(steps):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            flow.record()
            opt.step()
    return flow


def test_records_norms_and_exact_update_ratio():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 4), nn.ReLU(), nn.Linear(4, 10))
    flow = train(model, steps=3, lr=0.1)
    assert flow.names == ["0", "2"] and flow.steps == [0, 1, 2]
    w = model[2].weight
    assert math.isclose(
        flow.grad_norm["2"][-1], float(np.linalg.norm(w.grad.numpy())), rel_tol=1e-5
    )
    # plain SGD: ΔW = -lr·∇W, so ‖ΔW‖/‖W‖ = lr·‖∇W‖/‖W‖ for each finished step
    for k in range(2):
        expect = 0.1 * flow.grad_norm["2"][k] / flow.weight_norm["2"][k]
        assert math.isclose(flow.update_ratio["2"][k], expect, rel_tol=1e-4)
    assert len(flow.update_ratio["2"]) == 2  # the last step's update is not known yet
    everything = GradientFlow(model, which="all")
    assert everything.names == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_every_records_one_step_in_k():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 3))
    flow = GradientFlow(model, every=2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    for _ in range(5):
        opt.zero_grad()
        model(ag.randn(4, 3)).sum().backward()
        flow.record()
        opt.step()
    assert flow.steps == [0, 2, 4] and len(flow.update_ratio["0"]) == 2


def test_sigmoid_vanishes_relu_with_he_flows():
    ag.manual_seed(0)
    sig = train(deep_mlp("sigmoid"))
    ag.manual_seed(0)
    relu = train(deep_mlp("relu", "he"))
    fs, fr = sig.flags(), relu.flags()
    assert fs["0"] == fs["2"] == "vanishing" and fs["16"] == "ok"
    assert set(fr.values()) == {"ok"}
    typ = sig.typical()
    assert typ["0"] < 1e-3 * typ["16"]  # orders of magnitude smaller near the input
    assert "vanishing" in sig.report() and "vanishing" not in relu.report()


def test_naive_init_vanishes_or_explodes_xavier_does_not():
    ag.manual_seed(0)
    small = train(deep_mlp("tanh", 0.01))
    ag.manual_seed(0)
    large = train(deep_mlp("tanh", 1.0))
    ag.manual_seed(0)
    xavier = train(deep_mlp("tanh", "xavier"))
    assert small.flags()["0"] == "vanishing"
    assert large.flags()["0"] == "exploding"
    assert set(xavier.flags().values()) == {"ok"}


def test_nan_gradient_is_exploding():
    ag.manual_seed(0)
    flow = train(deep_mlp("relu", 1.0, depth=10, width=64), steps=3, lr=1.0)
    assert any(math.isinf(v) for v in flow.grad_norm["0"])
    assert flow.flags()["0"] == "exploding"
    assert "flagged" in repr(flow)


def test_plots_draw_every_panel():
    ag.manual_seed(0)
    sig = train(deep_mlp("sigmoid", depth=3), steps=3)
    fig = sig.plot(title="sigmoid")
    assert len(fig.axes) == 3
    bars, norms, ratios = fig.axes
    assert len(bars.patches) == 4 and bars.get_yscale() == "log"
    assert len(norms.lines) == 4 and len(ratios.lines) == 5  # 4 layers + the 1e-3 guide
    ag.manual_seed(0)
    relu = train(deep_mlp("relu", "he", depth=3), steps=3)
    fig2 = plot_flows({"sigmoid": sig, "ReLU + He": relu})
    assert len(fig2.axes) == 4
    assert fig2.axes[0].get_ylim() == fig2.axes[1].get_ylim()  # one scale to compare on
    import matplotlib.pyplot as plt

    plt.close("all")


def test_bad_arguments():
    with pytest.raises(ValueError, match="which must be"):
        GradientFlow(nn.Linear(2, 2), which="biases")
    with pytest.raises(ValueError, match="no parameters"):
        GradientFlow(nn.ReLU())
