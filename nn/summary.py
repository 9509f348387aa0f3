"""``summary(model, input_shape)``: a table of a model's layers, their output shapes and
parameter counts (as Keras' ``model.summary()`` or torchsummary), from one dummy forward pass.

>>> print(nn.summary(model, (1, 28, 28)))        # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_core import Tensor, dtypes, no_grad

from .module import Module


class ModelSummary:
    """The result of :func:`summary`: ``rows`` (name, type, output shape, parameter count, in
    the order the layers ran), ``total_params``, ``trainable_params`` and
    ``non_trainable_params``. ``str()`` gives the table."""

    def __init__(
        self, model_name: str, rows: list, total: int, trainable: int, nbytes: int, input_shape: Any
    ) -> None:
        self.model_name = model_name
        self.rows = rows
        self.total_params = total
        self.trainable_params = trainable
        self.non_trainable_params = total - trainable
        self.params_nbytes = nbytes
        self.input_shape = input_shape

    def __str__(self) -> str:
        head = ("Layer (type)", "Output Shape", "Param #")
        body = [
            (f"{name} ({kind})" if name else kind, shape, f"{n:,}")
            for name, kind, shape, n in self.rows
        ]
        widths = [max(len(r[i]) for r in [head, *body]) + 4 for i in range(3)]
        width = sum(widths)

        def line(cells: tuple) -> str:
            return "".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

        out = [f"Model: {self.model_name}", "=" * width, line(head), "=" * width]
        out += [line(r) for r in body]
        out += [
            "=" * width,
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.non_trainable_params:,}",
            "-" * width,
            f"Input shape: {self.input_shape}",
            f"Params size (MB): {self.params_nbytes / 2**20:.2f}",
            "-" * width,
        ]
        return "\n".join(out)

    __repr__ = __str__


def _shape_text(out: Any) -> str:
    if isinstance(out, Tensor):
        return str([-1, *out.shape[1:]]) if out.ndim else "[]"
    if isinstance(out, tuple | list):
        return ", ".join(_shape_text(o) for o in out)
    return "-"


def _forward(model: Module, shapes: list, dtype: np.dtype) -> None:
    inputs = [Tensor._make(np.zeros(s, dtype), False, None) for s in shapes]
    with no_grad(), np.errstate(all="ignore"):
        model(*inputs)


def summary(
    model: Module, input_shape: Any, dtype: Any = np.float32, batch_size: int = 1
) -> ModelSummary:
    """Run ``model`` once on zeros (in eval mode, under ``no_grad``; the training flags are
    restored afterwards) and list every layer that ran, with its output shape and parameter
    count, plus the totals (parameters shared by two layers counted once).

    ``input_shape`` is the shape of one example without the batch dimension (a batch of
    ``batch_size`` is prepended), as in Keras: ``(1, 28, 28)`` for MNIST images, ``(784,)`` for
    flat vectors; a list of shapes for a model with several inputs. If the model rejects that,
    the shape is tried once more as given, taken to include the batch dimension. In the table
    the batch dimension shows as -1.
    """
    many = isinstance(input_shape, list) and all(isinstance(s, tuple | list) for s in input_shape)
    shapes = [tuple(s) for s in input_shape] if many else [tuple(input_shape)]
    dt = dtypes.as_dtype(dtype)

    rows: list = []
    names = {id(m): name for name, m in model.named_modules()}
    modes = [(m, m.training) for m in model.modules()]
    handles = []
    for m in model.modules():
        if not m._modules or m._parameters:

            def hook(mod: Module, args: Any, out: Any) -> None:
                n = sum(p.numel() for p in mod.parameters(recurse=not mod._modules))
                rows.append((names[id(mod)], type(mod).__name__, _shape_text(out), n))

            handles.append(m.register_forward_hook(hook))
    model.eval()
    try:
        try:
            _forward(model, [(batch_size, *s) for s in shapes], dt)
            shown = [[-1, *s] for s in shapes]
        except Exception as first:
            if not all(len(s) >= 2 for s in shapes):
                raise
            rows.clear()
            try:
                _forward(model, shapes, dt)
            except Exception:
                raise first from None
            shown = [[-1, *s[1:]] for s in shapes]
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            m.training = mode

    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    nbytes = sum(p.data.nbytes for p in params)
    return ModelSummary(
        type(model).__name__, rows, total, trainable, nbytes, shown[0] if not many else shown
    )
