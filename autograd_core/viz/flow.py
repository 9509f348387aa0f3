"""Gradient flow during training: per-layer gradient norms and update-to-weight ratios.

>>> flow = ag.viz.GradientFlow(model)
>>> for x, y in loader:
...     opt.zero_grad(); loss = F.cross_entropy(model(x), y); loss.backward()
...     flow.record()              # after backward, before opt.step()
...     opt.step()
>>> print(flow.report()); flow.plot()

For each layer (by default each weight with 2 or more dims: one per Linear/Conv layer) it keeps
‖∇W‖ per recorded step, and ‖ΔW‖/‖W‖, the size of the step's update relative to the weights
(read from the change of the weights by the next ``record()``, so it is exact whatever the
optimiser). Layers are taken in registration order, input side first (as in a
``Sequential``); each is flagged by its typical gradient norm (the median over the recorded
steps) compared with the layers after it, closer to the loss:

* **vanishing**: typical norm < ``vanish`` (default 1e-3) × the largest of the later layers':
  the gradient shrinks by orders of magnitude on its way back (deep sigmoid networks,
  too-small initialisations), so the early layers barely learn;
* **exploding**: a NaN/Inf gradient, or typical norm > ``explode`` (default 10) × the smallest
  of the later layers': the gradient grows on its way back (too-large initialisation).

The layer closest to the loss is only flagged for NaN/Inf. The update ratio is plotted against
the usual rule of thumb, about 1e-3 per step. ``plot_flows({"sigmoid": f1, "relu": f2})`` draws
several runs side by side on shared axes, for the lectures' comparisons (sigmoid vs ReLU, naive
vs Xavier/He initialisation). matplotlib is imported only to plot.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["GradientFlow", "plot_flows"]

RULE_OF_THUMB = 1e-3
FLAG_COLORS = {"ok": "#3b82f6", "vanishing": "#f97316", "exploding": "#dc2626"}


def _norm(a: np.ndarray) -> float:
    """‖a‖₂ (inf when a holds a NaN or Inf)."""
    a = a.ravel()
    n = float(math.sqrt(np.dot(a, a))) if a.dtype.kind == "f" else float(np.linalg.norm(a))
    return n if math.isfinite(n) else math.inf


class GradientFlow:
    """Records per-layer gradient norms and update/weight ratios of ``model`` (anything with
    ``named_parameters()``, or a list of ``(name, tensor)``); see the module docstring.

    Args:
        which: ``"weights"`` (parameters with 2+ dims, one per layer) or ``"all"``.
        every: record one step in ``every`` calls of :meth:`record`.
        vanish, explode: the flagging thresholds, relative to the layers closer to the loss.
    """

    def __init__(
        self,
        model: Any,
        which: str = "weights",
        every: int = 1,
        vanish: float = 1e-3,
        explode: float = 10.0,
    ) -> None:
        named = list(model.named_parameters() if hasattr(model, "named_parameters") else model)
        if which not in ("weights", "all"):
            raise ValueError(f"GradientFlow: which must be 'weights' or 'all', got {which!r}")
        if which == "weights":
            named = [(n, p) for n, p in named if p.data.ndim >= 2] or named
        if not named:
            raise ValueError("GradientFlow: the model has no parameters to watch")
        self.params = named
        self.names = [_short(n) if which == "weights" else n for n, _ in named]
        self.every, self.vanish, self.explode = max(1, int(every)), vanish, explode
        self.steps: list[int] = []
        self.grad_norm: dict[str, list[float]] = {n: [] for n in self.names}
        self.weight_norm: dict[str, list[float]] = {n: [] for n in self.names}
        self.update_ratio: dict[str, list[float]] = {n: [] for n in self.names}
        self._calls = 0
        self._snap: list | None = None

    def record(self, step: int | None = None) -> None:
        """Note each layer's gradient norm (call after ``backward()``, before the optimiser's
        ``step()``), and finish the update ratio of the step recorded just before."""
        call = self._calls
        self._calls += 1
        if self._snap is not None:  # the weights moved by one optimiser step since then
            for name, (_, p), w0 in zip(self.names, self.params, self._snap):
                n0 = _norm(w0)
                self.update_ratio[name].append(_norm(p.data - w0) / n0 if n0 else math.nan)
            self._snap = None
        if call % self.every:
            return
        self.steps.append(call if step is None else int(step))
        snap = []
        for name, (_, p) in zip(self.names, self.params):
            g = p.grad
            self.grad_norm[name].append(math.nan if g is None else _norm(g.data))
            self.weight_norm[name].append(_norm(p.data))
            snap.append(np.array(p.data, copy=True))
        self._snap = snap

    # -- reading it ------------------------------------------------------------------------------
    def typical(self) -> dict[str, float]:
        """Each layer's median gradient norm over the recorded steps (inf if a gradient held a
        NaN/Inf; nan if the layer never got a gradient)."""
        out = {}
        for n in self.names:
            v = np.array(self.grad_norm[n], dtype=float)
            v = v[~np.isnan(v)]  # steps where it had no gradient
            out[n] = float(np.median(v)) if v.size else math.nan
        return out

    def flags(self) -> dict[str, str]:
        """``"vanishing"``, ``"exploding"`` or ``"ok"`` per layer (rule in the module doc)."""
        typ = self.typical()
        vals = [typ[n] for n in self.names]
        out = {}
        for k, n in enumerate(self.names):
            t = vals[k]
            later = [v for v in vals[k + 1 :] if math.isfinite(v) and v > 0]
            if math.isinf(t) or any(math.isinf(v) for v in self.grad_norm[n]):
                out[n] = "exploding"  # a NaN/Inf gradient
            elif math.isnan(t) or not later:
                out[n] = "ok"
            elif t < self.vanish * max(later):
                out[n] = "vanishing"
            elif t > self.explode * min(later):
                out[n] = "exploding"
            else:
                out[n] = "ok"
        return out

    def report(self) -> str:
        """A table: layer, typical ‖∇W‖, its ratio to the last layer's, median ‖ΔW‖/‖W‖,
        flag."""
        typ, flags = self.typical(), self.flags()
        ref = typ[self.names[-1]]
        w = max(len(n) for n in self.names + ["layer"])
        lines = [f"{'layer':<{w}}  {'‖∇W‖':>9}  {'÷ last':>9}  {'‖ΔW‖/‖W‖':>9}  flag"]
        for n in self.names:
            r = np.array(self.update_ratio[n], dtype=float)
            r = r[np.isfinite(r)]
            ratio = f"{np.median(r):9.2e}" if r.size else f"{'-':>9}"
            rel = typ[n] / ref if ref and math.isfinite(ref) else math.nan
            lines.append(f"{n:<{w}}  {typ[n]:9.2e}  {rel:9.2e}  {ratio}  {flags[n]}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        bad = {n: f for n, f in self.flags().items() if f != "ok"} if self.steps else {}
        return (
            f"<GradientFlow: {len(self.names)} layers, {len(self.steps)} steps recorded"
            + (f"; flagged {bad}" if bad else "")
            + ">"
        )

    # -- plotting ------------------------------------------------------------------------------
    def plot(self, title: str | None = None, fig: Any = None) -> Any:
        """Three panels: typical ‖∇W‖ per layer (bars, flagged ones red/orange), ‖∇W‖ over
        steps, and ‖ΔW‖/‖W‖ over steps with the 1e-3 rule of thumb. Returns the Figure."""
        import matplotlib.pyplot as plt

        if fig is None:
            fig = plt.figure(figsize=(13, 3.8))
        axes = fig.subplots(1, 3)
        self.plot_bars(axes[0])
        self.plot_norms(axes[1])
        self.plot_ratios(axes[2])
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        return fig

    def plot_bars(self, ax: Any, ylim: tuple | None = None) -> None:
        """Typical gradient norm per layer, input side on the left; flagged layers coloured
        (a NaN/Inf gradient is a hatched bar to the top)."""
        from matplotlib.patches import Patch

        typ, flags = self.typical(), self.flags()
        fin = [v for v in typ.values() if math.isfinite(v) and v > 0]
        top = ylim[1] if ylim else (max(fin) * 10 if fin else 10.0)
        x = np.arange(len(self.names))
        for k, n in enumerate(self.names):
            v = typ[n]
            if math.isnan(v):
                continue
            ax.bar(
                k,
                v if math.isfinite(v) else top,
                color=FLAG_COLORS[flags[n]],
                hatch=None if math.isfinite(v) else "//",
                edgecolor="white",
            )
        ax.set_yscale("log")
        if ylim:
            ax.set_ylim(*ylim)
        ax.set_xticks(x, self.names, rotation=45, ha="right", fontsize=8)
        ax.set_xlabel("layer (input side first)", fontsize=8)
        ax.set_ylabel("median ‖∇W‖")
        ax.set_title("gradient norm per layer")
        present = [f for f in FLAG_COLORS if f in flags.values()]
        ax.legend(handles=[Patch(color=FLAG_COLORS[f], label=f) for f in present], fontsize=7)

    def plot_norms(self, ax: Any) -> None:
        cmap = _cmap(len(self.names))
        for k, n in enumerate(self.names):
            ax.plot(self.steps, self.grad_norm[n], color=cmap[k], label=n, lw=1.2)
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("‖∇W‖")
        ax.set_title("gradient norm over training")
        ax.legend(fontsize=7, ncol=2, loc="upper right")

    def plot_ratios(self, ax: Any) -> None:
        cmap = _cmap(len(self.names))
        for k, n in enumerate(self.names):
            r = self.update_ratio[n]
            ax.plot(self.steps[: len(r)], r, color=cmap[k], label=n, lw=1.2)
        ax.axhline(RULE_OF_THUMB, color="#64748b", ls="--", lw=1)
        ax.text(
            0.01,
            RULE_OF_THUMB,
            " 1e-3",
            transform=ax.get_yaxis_transform(),
            fontsize=7,
            va="bottom",
            color="#64748b",
        )
        ax.set_yscale("log")
        ax.set_xlabel("step")
        ax.set_ylabel("‖ΔW‖ / ‖W‖")
        ax.set_title("update / weight ratio")


def _short(name: str) -> str:
    return name[: -len(".weight")] if name.endswith(".weight") else name


def _cmap(n: int) -> list:
    import matplotlib

    cm = matplotlib.colormaps["viridis"]
    return [cm(k / max(1, n - 1) * 0.9) for k in range(n)]


def plot_flows(flows: Mapping[str, GradientFlow], title: str | None = None) -> Any:
    """Several recorded runs side by side (one column each: per-layer bars on a shared log
    scale, then gradient norms over steps), e.g. ``{"sigmoid": f1, "ReLU": f2}``."""
    import matplotlib.pyplot as plt

    cols = len(flows)
    fig, axes = plt.subplots(2, cols, figsize=(4.2 * cols, 6.5), squeeze=False)
    finite = [v for f in flows.values() for v in f.typical().values() if math.isfinite(v) and v > 0]
    ylim = (min(finite) / 3, max(finite) * 3) if finite else None
    for j, (name, f) in enumerate(flows.items()):
        f.plot_bars(axes[0][j], ylim)
        bad = sorted({v for v in f.flags().values() if v != "ok"})
        axes[0][j].set_title(f"{name}" + (f"  ({', '.join(bad)})" if bad else ""))
        f.plot_norms(axes[1][j])
        axes[1][j].set_title("")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
