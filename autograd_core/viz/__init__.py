"""See backpropagation: drawings of the graph, a step-through of one backward pass, NaN/Inf
highlighting, and gradient flow during training.

>>> g = ag.draw_graph(loss, module=model)     # values, gradients, backward order, broadcasts
>>> tr = ag.trace_backward(loss)              # run backward, recording every step
>>> print(tr); tr.player()                    # the table; frames with the step highlighted
>>> flow = ag.viz.GradientFlow(model)         # flow.record() each step, then flow.plot()

Modules: ``dot`` (graph -> DOT text, pure Python), ``render`` (finding ``dot`` or
``graphviz-pure``), ``drawing`` (the ``graphviz.Digraph`` subclass), ``trace`` (step-through),
``flow`` (gradient norms per layer; matplotlib is imported only to plot).
"""

from .drawing import GraphDrawing, draw_graph, to_dot
from .flow import GradientFlow, plot_flows
from .render import RendererError, RendererNotFoundError, find_renderer
from .trace import BackwardTrace, Step, record, trace, trace_backward

__all__ = [
    "BackwardTrace",
    "GradientFlow",
    "GraphDrawing",
    "RendererError",
    "RendererNotFoundError",
    "Step",
    "draw_graph",
    "find_renderer",
    "plot_flows",
    "record",
    "to_dot",
    "trace",
    "trace_backward",
]
