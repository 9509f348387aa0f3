"""Special functions: the error function ``erf`` (needed by the exact GELU).

    erf(x) = 2/√π ∫₀ˣ e^(−t²) dt,        d erf(x)/dx = 2/√π · e^(−x²)

numpy has no vectorised erf and ``math.erf`` is a Python loop, so ``erf`` is evaluated here in
two pieces, each a polynomial evaluated by Horner's rule, always in float64:

* ``|x| ≤ 2``:      erf(x) = x · P(u),  u = x², where P(u) = erf(√u)/√u is smooth in u;
* ``2 < |x| < 6``: erf(x) = sign(x) · (1 − e^(−x²) · Q(|x|)), where Q(x) = e^(x²) erfc(x) is
  slowly varying (≈ 1/(x√π));
* ``|x| ≥ 6``:      erf(x) = sign(x) (erfc(6) ≈ 2e-17 is below float64's resolution at 1).

The coefficients were obtained for this project by a least-squares fit in the Chebyshev basis
at 3,000 Chebyshev nodes against 40-digit values (mpmath), then written in the power basis of
the variable mapped onto [−1, 1]. Against mpmath the result is within 3e-15 relative error on
the whole real line, so float32 results are correctly rounded for practical purposes.
"""

from __future__ import annotations

import numpy as np

from ..function import Function
from ..tensor import Tensor
from .elementwise import as_operand

__all__ = ["erf"]

_TWO_OVER_SQRT_PI = 1.1283791670955126

# P(u) = erf(√u)/√u on 0 ≤ u ≤ 4, in powers of t = (u − 2)/2.
_P = np.array(
    [
        0.6749332360396542,
        -0.261111860931246,
        0.11947913860992222,
        -0.04866277744915519,
        0.01712834457036196,
        -0.00523487583597213,
        0.0014050914351214333,
        -0.00033514353521882763,
        7.18009638676276e-05,
        -1.3946267287702129e-05,
        2.4758963175952918e-06,
        -4.0452237789916223e-07,
        6.108517343295905e-08,
        -8.603496019905205e-09,
        1.2020750475154432e-09,
        -1.4826436477316533e-10,
    ]
)

# Q(x) = e^(x²)·erfc(x) on 2 ≤ x ≤ 6, in powers of t = (x − 4)/2.
_Q = np.array(
    [
        0.13699945762505703,
        -0.06476701219051495,
        0.02986173298076775,
        -0.013449456585845475,
        0.0059256394755517975,
        -0.002557084660317784,
        0.0010819619126114963,
        -0.00044932305204826745,
        0.00018330537578945132,
        -7.353793220298838e-05,
        2.9020456026860208e-05,
        -1.122965021767616e-05,
        4.2945006876916e-06,
        -1.688578565299368e-06,
        6.310710798919174e-07,
        -1.6881688888548582e-07,
        5.969491484698207e-08,
        -5.27883560661317e-08,
        1.896303046031275e-08,
    ]
)


def _horner(coef: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Σ coef[k]·t^k, from the highest power down."""
    r = np.full_like(t, coef[-1])
    for c in coef[-2::-1]:
        r *= t
        r += c
    return r


def erf_array(x: np.ndarray) -> np.ndarray:
    """erf of a numpy array, computed in float64 (see the module docstring)."""
    x = np.asarray(x, dtype=np.float64)
    ax = np.abs(x)
    out = np.sign(x)  # right for |x| ≥ 6 (and for ±0, ±inf); NaN stays NaN
    small = ax <= 2.0
    if small.all():
        return x * _horner(_P, x * x * 0.5 - 1.0)
    xs = x[small]
    out[small] = xs * _horner(_P, xs * xs * 0.5 - 1.0)
    mid = (ax > 2.0) & (ax < 6.0)
    if mid.any():
        a = ax[mid]
        out[mid] = np.copysign(1.0 - np.exp(-a * a) * _horner(_Q, a * 0.5 - 2.0), x[mid])
    return out


class Erf(Function):
    """z = erf(x).   dz/dx = 2/√π · e^(−x²)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return erf_array(x).astype(x.dtype if x.dtype.kind == "f" else np.float32, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return (
            g
            * ((-(x * x)).exp() if isinstance(x, Tensor) else np.exp(-(x * x)))
            * (_TWO_OVER_SQRT_PI)
        )


def erf(input: Tensor) -> Tensor:
    """The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, elementwise (``torch.erf``)."""
    return Erf.apply(as_operand(input))
