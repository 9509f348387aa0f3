"""optim: optimisers and learning-rate schedulers with PyTorch's API (``torch.optim``).

Every optimiser shares the base in ``optimizer.py`` (parameter groups, state, ``zero_grad``,
``step``, ``state_dict``) and writes only its update rule, on numpy arrays, in place::

    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for x, y in loader:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
