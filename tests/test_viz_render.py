"""Rendering: SVG/PNG really produced with graphviz-pure, the renderer search order, and the
Jupyter display falling back to the DOT source (never raising) when no renderer is found."""

from __future__ import annotations

import os
import shutil
import stat
import sys
import sysconfig

import pytest

import autograd_core as ag
from autograd_core.viz import render as R
from autograd_core.viz.render import HINT, RendererError, RendererNotFoundError, find_renderer

needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no dot / graphviz-pure")


def _graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    return ag.draw_graph(y, names={"x": x})


@pytest.fixture
def no_renderer(monkeypatch, tmp_path):
    """Hide every renderer: empty PATH, and the scripts folder and interpreter elsewhere."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sysconfig, "get_path", lambda name, *a, **k: str(tmp_path / "scripts"))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    assert find_renderer() is None


def _fake_binary(folder, name="graphviz-pure"):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\necho fake\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@needs_renderer
def test_save_svg_png_and_dot(tmp_path):
    g = _graph()
    svg = g.save(tmp_path / "g.svg")
    data = open(svg, encoding="utf-8").read()
    assert "<svg" in data and "MulBackward" in data and "x" in data
    png = g.save(str(tmp_path / "out" / "g.png"))
    assert open(png, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    src = g.save(tmp_path / "g.dot")
    assert open(src, encoding="utf-8").read() == g.source
    assert g.pipe(format="svg", encoding="utf-8").lstrip().startswith("<?xml")
    out = g.render(tmp_path / "r.gv", format="svg")
    assert out.endswith("r.gv.svg") and os.path.exists(out)


@needs_renderer
def test_jupyter_display_is_svg():
    g = _graph()
    bundle = g._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"] and "<svg" in bundle["image/svg+xml"]
    assert g._repr_mimebundle_(include=["image/png"])["image/png"][:4] == b"\x89PNG"
    assert "<svg" in g._repr_svg_()


def test_graphviz_pure_is_installed_with_the_package():
    # the dependency the issue asks for: a renderer that pip installs
    scripts = sysconfig.get_path("scripts")
    here = [os.path.join(scripts, "graphviz-pure"), shutil.which("graphviz-pure")]
    assert any(p and os.path.exists(p) for p in here)


def test_search_order(monkeypatch, tmp_path):
    path_dir, scripts, exe_dir = tmp_path / "path", tmp_path / "scripts", tmp_path / "bin"
    monkeypatch.setattr(sysconfig, "get_path", lambda name, *a, **k: str(scripts))
    monkeypatch.setattr(sys, "executable", str(exe_dir / "python"))
    monkeypatch.setenv("PATH", str(path_dir))
    assert find_renderer() is None
    beside = _fake_binary(exe_dir)  # next to the interpreter: last resort
    assert find_renderer() == beside
    in_scripts = _fake_binary(scripts)  # the interpreter's scripts folder (Jupyter kernels)
    assert find_renderer() == in_scripts
    on_path = _fake_binary(path_dir)  # graphviz-pure on PATH
    assert find_renderer() == on_path
    dot = _fake_binary(path_dir, "dot")  # a system Graphviz wins
    assert find_renderer() == dot


def test_display_falls_back_to_source_without_renderer(no_renderer, tmp_path):
    g = _graph()
    bundle = g._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert bundle["text/plain"].startswith(HINT) and g.source in bundle["text/plain"]
    assert HINT in bundle["text/html"] and "digraph autograd" in bundle["text/html"]
    assert g._repr_svg_() is None
    with pytest.raises(RendererNotFoundError, match="pip install graphviz-pure"):
        g.save(tmp_path / "g.svg")
    assert os.path.exists(g.save(tmp_path / "g.gv"))  # DOT text needs no renderer
    assert ag.to_dot(ag.tensor([1.0], requires_grad=True).sum()).startswith("digraph")


def test_display_never_raises_when_the_renderer_fails(monkeypatch):
    g = _graph()

    def broken(source, format="svg", timeout=60.0):
        raise RendererError("graphviz-pure -Tsvg failed (exit 1): syntax error")

    monkeypatch.setattr("autograd_core.viz.drawing.render", broken)
    bundle = g._repr_mimebundle_()
    assert "syntax error" in bundle["text/plain"] and g.source in bundle["text/plain"]

    def crash(source, format="svg", timeout=60.0):
        raise MemoryError("out of memory")

    monkeypatch.setattr("autograd_core.viz.drawing.render", crash)
    assert "could not render the drawing (MemoryError" in g._repr_mimebundle_()["text/plain"]


@needs_renderer
def test_renderer_errors_are_clear():
    with pytest.raises(RendererError, match="-Tsvg failed"):
        R.render("digraph { a -> }", "svg")
    if "graphviz-pure" in os.path.basename(find_renderer()):
        with pytest.raises(RendererError, match="no PDF output"):
            R.render("digraph { a }", "pdf")


def test_ipython_display_formatter_never_raises(no_renderer):
    formatter = pytest.importorskip("IPython.core.formatters")
    data, _ = formatter.DisplayFormatter().format(_graph())
    assert HINT in data["text/plain"] and "image/svg+xml" not in data
