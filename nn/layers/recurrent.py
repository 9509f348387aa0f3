"""Recurrent layers, as ``torch.nn``: the cells ``RNNCell``, ``LSTMCell``, ``GRUCell`` (one time
step) and the sequence layers ``RNN``, ``LSTM``, ``GRU`` (stacked, optionally bidirectional).

Everything is built from differentiable ops (the time steps are in ``recurrent_steps.py``), so
backpropagation through time is just the engine's backward over the unrolled graph (the engine
is iterative: 1,000 steps are fine). Per step, one ``linear`` for the input's share of the
gates (with b_ih + b_hh folded in), one for the recurrent share h W_hhᵀ, then the gates.

Gate formulas (σ = sigmoid, ⊙ = elementwise product; W_ih, W_hh hold the gates stacked):

    RNN:   h' = tanh(W_ih x + b_ih + W_hh h + b_hh)          (or relu)
    LSTM:  i, f, g, o = σ(.), σ(.), tanh(.), σ(.) of W_ih x + b_ih + W_hh h + b_hh
           c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')
    GRU:   r, z = σ(W_ir x + b_ir + W_hr h + b_hr), σ(W_iz x + b_iz + W_hz h + b_hz)
           n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 - z) ⊙ n + z ⊙ h

Parameter names, shapes, gate order and initialisation (every value from U(±1/√hidden_size))
are PyTorch's, so a torch ``state_dict`` loads and gives the same outputs.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import autograd_core as ag
from autograd_core import Tensor
from autograd_core.ops.linear import linear
from autograd_core.ops.nnops import dropout as _dropout

from .. import init
from ..module import Module
from .linear import empty_parameter
from .recurrent_steps import gru_step, lstm_step, rnn_step

__all__ = ["RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _input_bias(mode: str, b_ih: Tensor | None, b_hh: Tensor | None) -> Tensor | None:
    """The bias added with the input projection: b_ih + b_hh, except for the GRU, whose b_hn
    sits inside r ⊙ (W_hn h + b_hn) and so stays with the recurrent product."""
    if b_ih is None or mode == "GRU":
        return b_ih
    return b_ih + b_hh


def _step(mode: str, xw: Tensor, state: list, w_hh: Tensor, b_hh: Tensor | None) -> list:
    """One time step of any mode: the new [h] or [h, c]."""
    if mode == "LSTM":
        return list(lstm_step(xw, state[0], state[1], w_hh))
    if mode == "GRU":
        return [gru_step(xw, state[0], w_hh, b_hh)]
    return [rnn_step(mode, xw, state[0], w_hh)]


def _check_mode(nonlinearity: str) -> str:
    if nonlinearity == "tanh":
        return "RNN_TANH"
    if nonlinearity == "relu":
        return "RNN_RELU"
    raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")


# ---------------------------------------------------------------------------------------- cells


class _CellBase(Module):
    mode = ""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gates = _GATES[self.mode] * hidden_size
        self.weight_ih = empty_parameter((gates, input_size), dtype, device)
        self.weight_hh = empty_parameter((gates, hidden_size), dtype, device)
        if bias:
            self.bias_ih = empty_parameter((gates,), dtype, device)
            self.bias_hh = empty_parameter((gates,), dtype, device)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter from U(±1/√hidden_size), in registration order, as PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def _prepare(self, name: str, input: Tensor, hx: Tensor | None) -> tuple[Tensor, Tensor, bool]:
        """Check shapes; make unbatched (1-D) input a batch of one; zeros for a missing state."""
        if input.ndim not in (1, 2):
            raise ValueError(
                f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead "
                f"(shape {tuple(input.shape)})"
            )
        if input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: input has {input.shape[-1]} features (shape {tuple(input.shape)}), "
                f"expected input_size={self.input_size}"
            )
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = ag.zeros((input.shape[0], self.hidden_size), dtype=input.dtype)
        else:
            if hx.ndim != (2 if batched else 1):
                raise ValueError(
                    f"{name}: Expected hidden to be {2 if batched else 1}D for "
                    f"{'batched' if batched else 'unbatched'} input, got {hx.ndim}D "
                    f"(shape {tuple(hx.shape)})"
                )
            if not batched:
                hx = hx.unsqueeze(0)
            if tuple(hx.shape) != (input.shape[0], self.hidden_size):
                raise ValueError(
                    f"{name}: hidden state has shape {tuple(hx.shape)}, expected "
                    f"{(input.shape[0], self.hidden_size)}"
                )
        return input, hx, batched

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity=relu"  # unquoted, as torch
        return s


class RNNCell(_CellBase):
    """h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu) for x (N, input_size) or
    (input_size,), h (N, hidden_size) or (hidden_size,), zeros if not given."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        self.mode = _check_mode(nonlinearity)
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, h, batched = self._prepare("RNNCell", input, hx)
        xw = linear(x, self.weight_ih, _input_bias(self.mode, self.bias_ih, self.bias_hh))
        h = rnn_step(self.mode, xw, h, self.weight_hh)
        return h if batched else h.squeeze(0)


class LSTMCell(_CellBase):
    """One LSTM step: returns (h', c') from x and (h, c) (zeros if ``hx`` is None); gates
    i, f, g, o stacked in W_ih (4·hidden_size, input_size) and W_hh (4·hidden_size, hidden)."""

    mode = "LSTM"

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, Tensor]:
        x, h, batched = self._prepare("LSTMCell", input, None if hx is None else hx[0])
        c = h if hx is None else self._prepare("LSTMCell", input, hx[1])[1]
        xw = linear(x, self.weight_ih, _input_bias(self.mode, self.bias_ih, self.bias_hh))
        h, c = lstm_step(xw, h, c, self.weight_hh)
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(_CellBase):
    """One GRU step: h' from x and h (zeros if not given); gates r, z, n stacked in W_ih
    (3·hidden_size, input_size) and W_hh (3·hidden_size, hidden_size)."""

    mode = "GRU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, h, batched = self._prepare("GRUCell", input, hx)
        h = gru_step(linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh, self.bias_hh)
        return h if batched else h.squeeze(0)


# ------------------------------------------------------------------------------ sequence layers


class _RNNBase(Module):
    mode = ""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout <= 1.0 or isinstance(dropout, bool):
            raise ValueError(
                "dropout should be a number in range [0, 1] representing the probability of "
                f"an element being zeroed, got {dropout}"
            )
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError(f"hidden_size must be a positive integer, got {hidden_size}")
        if not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"num_layers must be a positive integer, got {num_layers}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                stacklevel=2,
            )
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        num_dir = 2 if bidirectional else 1
        gates = _GATES[self.mode] * hidden_size
        # registration order = torch's state_dict order: per layer, per direction,
        # weight_ih, weight_hh, bias_ih, bias_hh
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else hidden_size * num_dir
            for d in range(num_dir):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                setattr(self, "weight_ih" + sfx, empty_parameter((gates, layer_in), dtype, device))
                setattr(
                    self, "weight_hh" + sfx, empty_parameter((gates, hidden_size), dtype, device)
                )
                if bias:
                    setattr(self, "bias_ih" + sfx, empty_parameter((gates,), dtype, device))
                    setattr(self, "bias_hh" + sfx, empty_parameter((gates,), dtype, device))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every parameter from U(±1/√hidden_size), in registration order, as PyTorch."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def _weights(self, layer: int, d: int) -> tuple[Any, ...]:
        sfx = f"_l{layer}" + ("_reverse" if d else "")
        if self.bias:
            return (
                getattr(self, "weight_ih" + sfx),
                getattr(self, "weight_hh" + sfx),
                getattr(self, "bias_ih" + sfx),
                getattr(self, "bias_hh" + sfx),
            )
        return getattr(self, "weight_ih" + sfx), getattr(self, "weight_hh" + sfx), None, None

    def _check_input(self, input: Tensor) -> bool:
        name = type(self).__name__
        if input.ndim not in (2, 3):
            raise ValueError(
                f"{name}: Expected input to be 2D or 3D, got {input.ndim}D tensor instead "
                f"(shape {tuple(input.shape)})"
            )
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"{name}: input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {input.shape[-1]} (input of shape {tuple(input.shape)})"
            )
        return input.ndim == 3

    def _check_state(self, state: Tensor, batch: int, batched: bool, what: str) -> Tensor:
        name = type(self).__name__
        num_dir = 2 if self.bidirectional else 1
        if state.ndim != (3 if batched else 2):
            raise RuntimeError(
                f"{name}: For {'batched' if batched else 'unbatched'} "
                f"{'3' if batched else '2'}-D input, {what} should also be "
                f"{'3' if batched else '2'}-D but got {state.ndim}-D tensor"
            )
        if not batched:
            state = state.unsqueeze(1)
        expected = (self.num_layers * num_dir, batch, self.hidden_size)
        if tuple(state.shape) != expected:
            raise RuntimeError(f"{name}: Expected {what} size {expected}, got {tuple(state.shape)}")
        return state

    def _run(self, input: Tensor, states: list[Tensor | None], n_state: int) -> tuple:
        """Shared driver. ``states``: the initial (h0[, c0]) as (L·D, N, H) tensors or None.
        Returns (output in the caller's layout, [h_n[, c_n]] as (L·D, N, H)).

        Each layer works on the list of its T per-step inputs (N, features) and hands the
        list of its per-step outputs to the next layer; only the last layer's are stacked.
        (Slicing one (T, N, ·) tensor per step would make the backward pass add T gradients
        of the whole tensor's size, O(T²) work.)"""
        batched = self._check_input(input)
        x = input if batched else input.unsqueeze(1)  # (T, N, H_in) or (N, T, H_in)
        time_axis = 1 if batched and self.batch_first else 0
        steps, batch = x.shape[time_axis], x.shape[1 - time_axis]
        num_dir = 2 if self.bidirectional else 1
        init_states = []
        for k in range(n_state):
            s = states[k]
            if s is None:
                s = ag.zeros((self.num_layers * num_dir, batch, self.hidden_size), dtype=x.dtype)
            else:
                s = self._check_state(s, batch, batched, ("hx", "cx")[k])
            init_states.append(s)
        xs = [x[t] if time_axis == 0 else x[:, t] for t in range(steps)]
        finals: list[list[Tensor]] = [[] for _ in range(n_state)]
        outs: list[list[Tensor]] = []
        for layer in range(self.num_layers):
            if layer > 0:
                xs = outs[0] if num_dir == 1 else [ag.cat(p, -1) for p in zip(*outs)]
                if self.dropout > 0 and self.training:
                    xs = [_dropout(v, self.dropout) for v in xs]
            outs = []
            for d in range(num_dir):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, d)
                b_in = _input_bias(self.mode, b_ih, b_hh)
                state = [s[layer * num_dir + d] for s in init_states]
                hs: list[Tensor] = [None] * steps  # type: ignore[list-item]
                for t in range(steps - 1, -1, -1) if d else range(steps):
                    state = _step(self.mode, linear(xs[t], w_ih, b_in), state, w_hh, b_hh)
                    hs[t] = state[0]
                outs.append(hs)
                for k in range(n_state):
                    finals[k].append(state[k])
        if steps == 0:
            out = ag.zeros((0, batch, num_dir * self.hidden_size), dtype=x.dtype)
        elif num_dir == 1:
            out = ag.stack(outs[0], time_axis)
        else:
            out = ag.cat([ag.stack(hs, time_axis) for hs in outs], -1)
        out_states = [ag.stack(f, 0) for f in finals]
        if not batched:
            return out.squeeze(1), [s.squeeze(1) for s in out_states]
        if steps == 0 and self.batch_first:
            out = out.transpose(0, 1)
        return out, out_states

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(_RNNBase):
    """Elman RNN over a sequence: input (T, N, input_size) ((N, T, ·) with batch_first, or
    unbatched (T, input_size)); returns (output (T, N, D·hidden_size), h_n (L·D, N, hidden))."""

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        self.mode = _check_mode(nonlinearity)
        self.nonlinearity = nonlinearity
        super().__init__(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device,
            dtype,
        )

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        out, (h_n,) = self._run(input, [hx], 1)
        return out, h_n


class LSTM(_RNNBase):
    """LSTM over a sequence; returns (output, (h_n, c_n)). ``hx`` is (h_0, c_0) or None."""

    mode = "LSTM"

    def forward(
        self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        states = [None, None] if hx is None else [hx[0], hx[1]]
        out, (h_n, c_n) = self._run(input, states, 2)
        return out, (h_n, c_n)


class GRU(_RNNBase):
    """GRU over a sequence; returns (output, h_n), shapes as ``RNN``."""

    mode = "GRU"

    def forward(self, input: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        out, (h_n,) = self._run(input, [hx], 1)
        return out, h_n
