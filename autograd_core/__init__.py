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

# Each op module lists its public functions in __all__.
from .ops.activation import *  # noqa: F403
from .ops.conv import *  # noqa: F403
from .ops.elementwise import *  # noqa: F403
from .ops.index import *  # noqa: F403
from .ops.join import *  # noqa: F403
from .ops.linalg import *  # noqa: F403
from .ops.nnops import *  # noqa: F403
from .ops.pool import *  # noqa: F403
from .ops.reduce import *  # noqa: F403
from .ops.shape import *  # noqa: F403
from .ops.special import *  # noqa: F403
from .factories import *  # noqa: F403
from .random import get_rng_state, manual_seed, seed, set_rng_state
from .tensor import Tensor, as_tensor, tensor

# Tools: gradient checking, functional gradients, anomaly detection, save/load.
from .anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .functional import grad_of, value_and_grad
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .serialization import load, save

# Seeing backprop: graph drawings, step-through backward, gradient flow (autograd_core.viz).
from . import viz
from .viz import draw_graph, to_dot, trace_backward

__version__ = "0.1.0"
