"""``draw_graph``: the graph behind a tensor as a ``graphviz.Digraph`` that draws itself.

>>> g = ag.draw_graph(loss, module=model)      # displays inline in Jupyter (SVG)
>>> g.save("step.svg"); g.save("step.png")     # renders; .dot / .gv write the DOT text
>>> print(g.source)                            # the DOT text (== ag.to_dot(loss, ...))

Rendering uses ``dot`` when installed, else the ``graphviz-pure`` binary that pip installs
with this package (see :mod:`autograd_core.viz.render`). In a notebook a drawing never makes
the cell fail: without a renderer it shows its DOT source and a one-line hint.
"""

from __future__ import annotations

import os
from typing import Any

import graphviz

from .dot import build_dot
from .labels import esc
from .render import HINT, RendererError, RendererNotFoundError, render
from .style import GraphInfo

__all__ = ["GraphDrawing", "draw_graph", "to_dot"]

#: Extensions that ``save`` renders (others write the DOT text).
RENDERED = {"svg", "png", "jpg", "jpeg", "gif", "json", "plain", "pdf", "xdot"}


class GraphDrawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` (all of its methods work) that renders with ``dot`` or
    ``graphviz-pure``, saves by extension, and shows inline in Jupyter without ever raising.

    ``info`` holds the counts of what was drawn and the NaN/Inf culprit, if any."""

    info: GraphInfo

    def save(
        self,
        filename: str | os.PathLike | None = None,
        directory: str | os.PathLike | None = None,
        *,
        skip_existing: bool | None = False,
    ) -> str:
        """Write the drawing: ``.svg``/``.png``/``.jpg`` are rendered, any other name (``.dot``,
        ``.gv``) gets the DOT source. Returns the path written."""
        if filename is not None:
            path = os.fspath(filename)
            if directory is not None:
                path = os.path.join(os.fspath(directory), path)
            ext = os.path.splitext(path)[1].lower().lstrip(".")
            if ext in RENDERED:
                if skip_existing and os.path.exists(path):
                    return path
                data = render(self.source, ext)
                if os.path.dirname(path):
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
                return path
        return super().save(filename, directory=directory, skip_existing=skip_existing)

    def pipe(  # type: ignore[override]
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: Any = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> bytes | str:
        """The rendered drawing as bytes (or text with ``encoding=``), through the renderer
        that :func:`~autograd_core.viz.render.find_renderer` picks."""
        data = render(self.source, format or self.format or "svg")
        return data.decode(encoding) if encoding else data

    def render(  # type: ignore[override]
        self,
        filename: str | os.PathLike | None = None,
        directory: str | os.PathLike | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        *args: Any,
        outfile: str | os.PathLike | None = None,
        **kwargs: Any,
    ) -> str:
        """As ``graphviz.Digraph.render``: save the source, render it next to it (or to
        ``outfile``), return the rendered file's path. ``view`` is not supported."""
        fmt = format or (os.path.splitext(os.fspath(outfile))[1][1:] if outfile else None)
        fmt = fmt or self.format or "svg"
        src = super().save(filename, directory=directory)
        out = os.fspath(outfile) if outfile is not None else f"{src}.{fmt}"
        with open(out, "wb") as f:
            f.write(render(self.source, fmt))
        if cleanup:
            os.remove(src)
        return out

    def to_digraph(self) -> graphviz.Digraph:
        """A plain ``graphviz.Digraph`` with the same source (to extend or render with
        graphviz's own machinery)."""
        return graphviz.Digraph(name=self.name, body=list(self.body))

    # -- Jupyter --------------------------------------------------------------------------------
    def _fallback(self, why: str) -> dict:
        text = f"{why}\n{self.source}"
        html = (
            f'<div style="color:#b45309;font-family:sans-serif;font-size:90%">{esc(why)}</div>'
            f'<pre style="max-height:24em;overflow:auto;font-size:80%">{esc(self.source)}</pre>'
        )
        return {"text/plain": text, "text/html": html}

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **_: Any
    ) -> dict[str, Any]:
        """SVG (or PNG when asked), else the DOT source and a hint: never raises."""
        try:
            wanted = set(include) if include else {"image/svg+xml"}
            wanted -= set(exclude or ())
            if "image/png" in wanted and "image/svg+xml" not in wanted:
                return {"image/png": render(self.source, "png")}
            return {"image/svg+xml": render(self.source, "svg").decode("utf-8")}
        except RendererError as exc:
            return self._fallback(HINT if isinstance(exc, RendererNotFoundError) else str(exc))
        except Exception as exc:  # a drawing never makes a notebook cell fail
            return self._fallback(f"could not render the drawing ({type(exc).__name__}: {exc})")

    def _repr_svg_(self) -> str | None:
        bundle = self._repr_mimebundle_()
        return bundle.get("image/svg+xml")

    def __repr__(self) -> str:
        i = self.info
        return (
            f"<GraphDrawing: {i.ops} ops, {i.leaves} leaves, {i.modules} modules; "
            f".source has the DOT text, .save('graph.svg') renders it>"
        )


def _build(root: Any, kwargs: dict) -> tuple[str, GraphInfo]:
    if "rankdir" in kwargs:
        kwargs["direction"] = kwargs.pop("rankdir")
    return build_dot(root, **kwargs)


def draw_graph(
    root: Any,
    names: Any = None,
    module: Any = None,
    *,
    show_values: bool = True,
    show_grads: bool = True,
    direction: str = "TB",
    collapse: int | bool = False,
    legend: bool = True,
    show_constants: bool = True,
    max_full: int = 6,
    anomaly: Any = None,
    **kwargs: Any,
) -> GraphDrawing:
    """Draw the computation graph behind ``root`` (a Tensor, a list of them, a graph node, or
    an ``AnomalyError``), with values, gradients and the order backward visited each op.

    Args:
        names: ``{"x": x, "h": h}`` (or a list of tensors with ``.name`` set) to label tensors;
            a tensor's own ``.name`` is used too.
        module: an ``nn.Module`` (anything with ``named_parameters()``): its parameters are
            labelled by their names (``0.weight``) and drawn as parameters.
        show_values / show_grads: write values / gradients in the tensor boxes.
        direction: ``"TB"`` (top to bottom, the default), ``"LR"``, ``"BT"`` or ``"RL"``
            (``rankdir=`` is accepted too).
        collapse: with ``module``, draw one box per sub-module, ``True``/1 for the first level
            of sub-modules (``0``, ``features``), 2 for one level deeper, ...; see
            :func:`autograd_core.viz.collapse.module_groups` for the rule.
        legend: add a key to the colours.
        show_constants: draw inputs that need no gradient (data, labels) as small notes.
        max_full: values and gradients with at most this many elements are written in full.
        anomaly: an ``AnomalyError`` (or a node) to highlight as the first NaN/Inf; without it
            the first op that produced a NaN/Inf is found from the values kept on the graph.

    Returns a :class:`GraphDrawing`, a ``graphviz.Digraph``: it displays inline in Jupyter,
    ``.save("g.svg")``/``.save("g.png")`` render it, ``.source`` is its DOT text.
    """
    source, info = _build(
        root,
        dict(
            names=names,
            module=module,
            show_values=show_values,
            show_grads=show_grads,
            direction=direction,
            collapse=collapse,
            legend=legend,
            show_constants=show_constants,
            max_full=max_full,
            anomaly=anomaly,
            **kwargs,
        ),
    )
    return drawing_from_source(source, info)


def drawing_from_source(source: str, info: GraphInfo) -> GraphDrawing:
    """Wrap DOT text made by :func:`~autograd_core.viz.dot.build_dot` as a drawing."""
    body = source.splitlines(keepends=True)[1:-1]  # without "digraph autograd {" and "}"
    g = GraphDrawing(name="autograd", body=body)
    g.info = info
    return g


def to_dot(root: Any, names: Any = None, module: Any = None, **kwargs: Any) -> str:
    """The DOT source of ``draw_graph(root, ...)`` (same arguments); needs no Graphviz."""
    return _build(root, dict(names=names, module=module, **kwargs))[0]
