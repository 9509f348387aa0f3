"""``nn``: neural-network layers on top of ``autograd_core``, mirroring ``torch.nn``.

    import nn
    import nn.functional as F

    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10))
    loss = F.cross_entropy(model(x), y)

Reading order: ``module.py`` (Module: parameters, sub-modules, state_dict), ``parameter.py``,
``layers/`` by family, ``functional.py`` and ``losses.py``, ``init.py``, ``utils.py``,
``summary.py``; ``nn.data`` (datasets and loaders) is imported on first use.
"""

from typing import Any

from . import functional, init, utils
from .layers import *  # noqa: F403
from .layers import __all__ as _layer_names
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter
from .summary import ModelSummary, summary

__all__ = [
    "Module",
    "Parameter",
    "functional",
    "init",
    "utils",
    "summary",
    "ModelSummary",
    "MSELoss",
    "L1Loss",
    "CrossEntropyLoss",
    "NLLLoss",
    "BCELoss",
    "BCEWithLogitsLoss",
    *_layer_names,
]


def __getattr__(name: str) -> Any:
    # nn.data (datasets, loaders), nn.models and nn.cli load on first use, keeping `import nn` light
    if name in ("data", "models", "cli", "progress"):
        import importlib

        return importlib.import_module("." + name, __name__)
    raise AttributeError(f"module 'nn' has no attribute {name!r}")
