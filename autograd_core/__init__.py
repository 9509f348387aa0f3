"""autograd_core: a numpy-backed reverse-mode autodiff engine with a PyTorch-shaped API.

Read it in this order: ``tensor.py`` (the Tensor), ``function.py`` (an op: forward and backward
side by side), ``engine.py`` (the backward pass), then ``ops/`` by family.
"""

from . import dtypes
from .dtypes import (
    bool,
    double,
    float,
    float16,
    float32,
    float64,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
from .engine import grad
from .function import Function
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops.elementwise import (
    abs,
    add,
    clamp,
    clip,
    cos,
    div,
    divide,
    eq,
    exp,
    floor_divide,
    ge,
    gt,
    isfinite,
    isnan,
    le,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    lt,
    maximum,
    minimum,
    mul,
    multiply,
    ne,
    neg,
    pow,
    relu,
    remainder,
    sigmoid,
    sign,
    sin,
    sqrt,
    sub,
    tanh,
    true_divide,
    where,
)
from .ops.linalg import matmul
from .ops.reduce import mean, sum
from .ops.shape import broadcast_to, expand, permute, reshape, transpose, view
from .random import get_rng_state, manual_seed, seed, set_rng_state
from .tensor import Tensor, as_tensor, tensor

__version__ = "0.1.0"
