"""One time step of each recurrent layer, as ordinary differentiable ops (used by the cells and
by the sequence layers in ``recurrent.py``), and ``LSTMGates``, the one fused op among them.

Every step receives ``xw`` = x Wᵢₕᵀ + bias, the input's share of the gate pre-activations,
and adds the recurrent share h Wₕₕᵀ:

    RNN:   h' = tanh(xw + h Wₕₕᵀ)                          (or relu; b_hh is folded into xw)
    LSTM:  z = xw + h Wₕₕᵀ = [z_i, z_f, z_g, z_o]           (b_hh folded into xw)
           i, f, o = σ(z_i), σ(z_f), σ(z_o);  g = tanh(z_g)
           c' = f ⊙ c + i ⊙ g;   h' = o ⊙ tanh(c')
    GRU:   [x_r, x_z, x_n] = xw;  [h_r, h_z, h_n] = h Wₕₕᵀ + b_hh
           r = σ(x_r + h_r);  z = σ(x_z + h_z);  n = tanh(x_n + r ⊙ h_n)
           h' = (1 - z) ⊙ n + z ⊙ h

The LSTM's gate arithmetic (four activations, three products, one sum: ten small ops per time
step) is one node, :class:`LSTMGates`, with its forward and backward formulas below; the matrix
products stay ``linear`` nodes. So the graph of a sequence still shows every time step, and
backpropagation through time is the engine's ordinary backward pass over those nodes.
"""

from __future__ import annotations

import numpy as np

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.function import Function
from autograd_core.ops.linear import linear

__all__ = ["LSTMGates", "lstm_gates", "rnn_step", "lstm_step", "gru_step"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1/(1 + e⁻ˣ) on a numpy array (e⁻ˣ may overflow to inf: σ = 0 there)."""
    with np.errstate(over="ignore"):
        e = np.exp(-x)
    e += 1.0
    return np.reciprocal(e, out=e)


class LSTMGates(Function):
    """The LSTM cell's gate arithmetic. Inputs z = [z_i, z_f, z_g, z_o] (N, 4H) (the gate
    pre-activations, PyTorch's order) and c (N, H); output (2, N, H) = stack(h', c') with

        i, f, o = σ(z_i), σ(z_f), σ(z_o);  g = tanh(z_g);  c' = f c + i g;  h' = o tanh(c')

    Backward, with G = [G_h, G_c] = dL/d(output) and dc' = G_c + G_h o (1 - tanh²c'):

        dL/dz_i = dc' g i(1 - i)     dL/dz_f = dc' c f(1 - f)     dL/dz_g = dc' i (1 - g²)
        dL/dz_o = G_h tanh(c') o(1 - o)                          dL/dc = dc' f
    """

    @staticmethod
    def forward(ctx, z, c):
        ctx.save_for_backward(z, c)
        hid = c.shape[-1]
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
        z, c = ctx.saved_tensors
        hid = c.shape[-1]
        if isinstance(grad, Tensor):  # create_graph: recompute the activations as ops
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
        return dz, dc * f


def lstm_gates(z: Tensor, c: Tensor) -> tuple[Tensor, Tensor]:
    """(h', c') from the gate pre-activations z (N, 4H) and the cell state c (N, H)."""
    if z.shape[-1] != 4 * c.shape[-1] or z.shape[:-1] != c.shape[:-1]:
        raise RuntimeError(
            f"lstm_gates(): gate pre-activations of shape {tuple(z.shape)} do not match a cell "
            f"state of shape {tuple(c.shape)} (expected (..., 4 * {c.shape[-1]}))"
        )
    out = LSTMGates.apply(z, c)
    return out[0], out[1]


def rnn_step(mode: str, xw: Tensor, h: Tensor, w_hh: Tensor) -> Tensor:
    """One RNN step, given xw = x W_ihᵀ + b_ih + b_hh."""
    pre = xw + linear(h, w_hh)
    return ag.tanh(pre) if mode == "RNN_TANH" else ag.relu(pre)


def lstm_step(xw: Tensor, h: Tensor, c: Tensor, w_hh: Tensor) -> tuple[Tensor, Tensor]:
    """One LSTM step, given xw = x W_ihᵀ + b_ih + b_hh; returns (h', c')."""
    return lstm_gates(xw + linear(h, w_hh), c)


def gru_step(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None) -> Tensor:
    """One GRU step (gates r, z, n), given xw = x W_ihᵀ + b_ih (b_hh stays inside r ⊙ ·)."""
    x_r, x_z, x_n = ag.chunk(xw, 3, -1)
    h_r, h_z, h_n = ag.chunk(linear(h, w_hh, b_hh), 3, -1)
    r = ag.sigmoid(x_r + h_r)
    z = ag.sigmoid(x_z + h_z)
    n = ag.tanh(x_n + r * h_n)
    return n + z * (h - n)  # = (1 - z) n + z h
