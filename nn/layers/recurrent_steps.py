"""One time step of each recurrent layer, as ordinary differentiable ops (used by the cells and
by the sequence layers in ``recurrent.py``): ``linear`` for the matrix products, and one node,
``LSTMGates`` or ``GRUGates``, for the gate arithmetic of the LSTM or the GRU.

Every step receives ``xw`` = x Wᵢₕᵀ + bias, the input's share of the gate pre-activations,
and adds the recurrent share h Wₕₕᵀ:

    RNN:   h' = tanh(xw + h Wₕₕᵀ)                          (or relu; b_hh is folded into xw)
    LSTM:  z = xw + h Wₕₕᵀ = [z_i, z_f, z_g, z_o]           (b_hh folded into xw)
           i, f, o = σ(z_i), σ(z_f), σ(z_o);  g = tanh(z_g)
           c' = f ⊙ c + i ⊙ g;   h' = o ⊙ tanh(c')
    GRU:   [x_r, x_z, x_n] = xw;  [h_r, h_z, h_n] = h Wₕₕᵀ + b_hh
           r = σ(x_r + h_r);  z = σ(x_z + h_z);  n = tanh(x_n + r ⊙ h_n)
           h' = (1 - z) ⊙ n + z ⊙ h

The gate arithmetic (for the LSTM four activations, three products and a sum; for the GRU
about fifteen small ops with their slices) is one node per step, :class:`LSTMGates` or
:class:`GRUGates`, with its forward and backward formulas on one screen; the matrix products stay
``linear`` nodes. So the graph of a sequence still shows every time step, and backpropagation
through time is the engine's ordinary backward pass over those nodes.
"""

from __future__ import annotations

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.function import Function
from autograd_core.ops.linear import linear

__all__ = ["LSTMGates", "GRUGates", "lstm_gates", "gru_gates", "rnn_step", "lstm_step", "gru_step"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1 + e⁻ˣ) on a numpy array (e⁻ˣ may overflow to inf: σ = 0 there)."""
    with np.errstate(over="ignore"):
        e = np.exp(-x)
    e += 1.0
    return np.reciprocal(e, out=e)


class LSTMGates(Function):
    """The LSTM cell's gate arithmetic. Inputs a = x W_ihᵀ + b_ih + b_hh and b = h W_hhᵀ
    (N, 4H), whose sum z = [z_i, z_f, z_g, z_o] holds the gate pre-activations (PyTorch's
    order), and c (N, H); output (2, N, H) = stack(h', c') with

        i, f, o = σ(z_i), σ(z_f), σ(z_o);  g = tanh(z_g);  c' = f c + i g;  h' = o tanh(c')

    Backward, with G = [G_h, G_c] = dL/d(output) and dc' = G_c + G_h o (1 - tanh²c'):

        dL/dz_i = dc' g i(1 - i)     dL/dz_f = dc' c f(1 - f)     dL/dz_g = dc' i (1 - g²)
        dL/dz_o = G_h tanh(c') o(1 - o)                          dL/dc = dc' f
        dL/da = dL/db = dL/dz
    """

    @staticmethod
    def forward(ctx, a, b, c):
        ctx.save_for_backward(a, b, c)
        hid = c.shape[-1]
        z = a + b
        act = _sigmoid(z)  # i, f, ·, o; the g block is overwritten with tanh
        act[..., 2 * hid : 3 * hid] = np.tanh(z[..., 2 * hid : 3 * hid])
        i, f, g, o = (act[..., k * hid : (k + 1) * hid] for k in range(4))
        out = np.empty((2, *c.shape), dtype=act.dtype)
        np.multiply(f, c, out=out[1])
        out[1] += i * g
        tanh_c = np.tanh(out[1])
        np.multiply(o, tanh_c, out=out[0])
        ctx.act, ctx.tanh_c = act, tanh_c  # reused by the numpy backward (not differentiated)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, c = ctx.saved_tensors
        hid = c.shape[-1]
        if isinstance(grad, Tensor):  # create_graph: recompute the activations as ops
            z = a + b
            i, f, o = (ag.sigmoid(z[..., k * hid : (k + 1) * hid]) for k in (0, 1, 3))
            g = ag.tanh(z[..., 2 * hid : 3 * hid])
            tanh_c = ag.tanh(f * c + i * g)
            cat = ag.cat
        else:
            i, f, g, o = (ctx.act[..., k * hid : (k + 1) * hid] for k in range(4))
            tanh_c, cat = ctx.tanh_c, np.concatenate
        g_h, g_c = grad[0], grad[1]
        dc = g_c + g_h * o * (1.0 - tanh_c * tanh_c)
        dz = cat(
            [dc * g * i * (1.0 - i), dc * c * f * (1.0 - f), dc * i * (1.0 - g * g),
             g_h * tanh_c * o * (1.0 - o)],
            -1,
        )  # fmt: skip
        return dz, dz, dc * f


def lstm_gates(a: Tensor, b: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    """(h', c') from the input share a (N, 4H) and the recurrent share b (N, 4H) of the gate
    pre-activations, and the cell state c (N, H)."""
    _check_gate_inputs("lstm_gates", a, b, c, 4, "cell state")
    out = LSTMGates.apply(a, b, c)
    return out[0], out[1]


def rnn_step(mode: str, xw: Tensor, h: Tensor, w_hh: Tensor) -> Tensor:
    """One RNN step, given xw = x W_ihᵀ + b_ih + b_hh."""
    pre = xw + linear(h, w_hh)
    return ag.tanh(pre) if mode == "RNN_TANH" else ag.relu(pre)


def lstm_step(xw: Tensor, h: Tensor, c: Tensor, w_hh: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step, given xw = x W_ihᵀ + b_ih + b_hh; returns (h', c')."""
    return lstm_gates(xw, linear(h, w_hh), c)


def gru_step(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """One GRU step (gates r, z, n), given xw = x W_ihᵀ + b_ih (b_hh stays inside r ⊙ ·)."""
    return gru_gates(xw, linear(h, w_hh, b_hh), h)


class GRUGates(Function):
    """The GRU cell's gate arithmetic. Inputs a = [a_r, a_z, a_n] = x W_ihᵀ + b_ih and
    b = [b_r, b_z, b_n] = h W_hhᵀ + b_hh (N, 3H) (PyTorch's gate order), and h (N, H):

        r = σ(a_r + b_r);  z = σ(a_z + b_z);  n = tanh(a_n + r b_n);  h' = (1 - z) n + z h

    Backward, with G = dL/dh', dn = G (1 - z)(1 - n²), dr = dn b_n r(1 - r) and
    dz = G (h - n) z(1 - z):

        dL/da = [dr, dz, dn]     dL/db = [dr, dz, dn r]     dL/dh = G z
    """

    @staticmethod
    def forward(ctx, a, b, h):
        ctx.save_for_backward(a, b, h)
        hid = h.shape[-1]
        rz = _sigmoid(a[..., : 2 * hid] + b[..., : 2 * hid])
        r, z = rz[..., :hid], rz[..., hid:]
        n = np.tanh(a[..., 2 * hid :] + r * b[..., 2 * hid :])
        ctx.rz, ctx.n = rz, n  # reused by the numpy backward (not differentiated)
        return n + z * (h - n)

    @staticmethod
    def backward(ctx, grad):
        a, b, h = ctx.saved_tensors
        hid = h.shape[-1]
        b_n = b[..., 2 * hid :]
        if isinstance(grad, Tensor):  # create_graph: recompute the gates as ops
            r = ag.sigmoid(a[..., :hid] + b[..., :hid])
            z = ag.sigmoid(a[..., hid : 2 * hid] + b[..., hid : 2 * hid])
            n = ag.tanh(a[..., 2 * hid :] + r * b_n)
            cat = ag.cat
        else:
            r, z, n, cat = ctx.rz[..., :hid], ctx.rz[..., hid:], ctx.n, np.concatenate
        dn = grad * (1.0 - z) * (1.0 - n * n)
        dr = dn * b_n * r * (1.0 - r)
        dz = grad * (h - n) * z * (1.0 - z)
        return cat([dr, dz, dn], -1), cat([dr, dz, dn * r], -1), grad * z


def gru_gates(a: Tensor, b: Tensor, h: Tensor) -> Tensor:
    """h' from the input share a (N, 3H), the recurrent share b (N, 3H) and h (N, H)."""
    _check_gate_inputs("gru_gates", a, b, h, 3, "hidden state")
    return GRUGates.apply(a, b, h)


def _check_gate_inputs(op: str, a: Tensor, b: Tensor, state: Tensor, gates: int, what: str) -> None:
    """The two gate shares a, b must be (..., gates * H) for a state (..., H)."""
    hid = state.shape[-1]
    if a.shape != b.shape or a.shape[-1] != gates * hid or a.shape[:-1] != state.shape[:-1]:
        raise RuntimeError(
            f"{op}(): gate inputs of shapes {tuple(a.shape)} and {tuple(b.shape)} do not "
            f"match a {what} of shape {tuple(state.shape)} (expected (..., {gates} * {hid}))"
        )
