"""Turning DOT text into SVG or PNG: find a Graphviz renderer and pipe the source through it.

The search order (first found wins):

1. ``dot`` on ``PATH`` (a system Graphviz install);
2. ``graphviz-pure`` on ``PATH`` (the renderer that ``pip install autograd-core`` brings in);
3. ``graphviz-pure`` in the running interpreter's scripts folder, then next to
   ``sys.executable``: a Jupyter kernel started from a virtual environment does not have that
   environment's ``bin`` folder on ``PATH``, but the binary is still there.

Nothing here is needed to *build* a drawing (``autograd_core.to_dot`` is pure Python); only
``save("g.svg")``, ``save("g.png")`` and the Jupyter display call a renderer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig

__all__ = ["RendererError", "RendererNotFoundError", "find_renderer", "render", "HINT"]

#: One line shown where a drawing cannot be rendered (the DOT source is shown instead).
HINT = (
    "No Graphviz renderer found (looked for `dot` and `graphviz-pure`): showing the DOT source. "
    "Install one with `pip install graphviz-pure` (or your system's graphviz package)."
)

_EXE = ".exe" if os.name == "nt" else ""


class RendererError(RuntimeError):
    """The renderer ran but failed (bad format, invalid DOT, timeout)."""


class RendererNotFoundError(RendererError):
    """Neither ``dot`` nor ``graphviz-pure`` could be found."""


def _candidates() -> list[str]:
    """Places to look for ``graphviz-pure`` outside ``PATH``, in order."""
    found = []
    try:
        scripts = sysconfig.get_path("scripts")
    except (KeyError, ValueError):  # an unusual install scheme
        scripts = None
    if scripts:
        found.append(os.path.join(scripts, "graphviz-pure" + _EXE))
    if sys.executable:
        found.append(os.path.join(os.path.dirname(sys.executable), "graphviz-pure" + _EXE))
    return found


def find_renderer() -> str | None:
    """The path of the renderer to use (``dot``, else ``graphviz-pure``), or None."""
    for name in ("dot", "graphviz-pure"):
        path = shutil.which(name)
        if path:
            return path
    for path in _candidates():
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def render(source: str, format: str = "svg", timeout: float = 60.0) -> bytes:
    """Lay out and draw DOT ``source``; return the output file's bytes (``format``: ``svg``,
    ``png``, ``jpg``, ``json``, ``plain``, ... as the renderer supports).

    Raises :class:`RendererNotFoundError` when there is no renderer, :class:`RendererError` when it
    fails (its message carries the renderer's own)."""
    exe = find_renderer()
    if exe is None:
        raise RendererNotFoundError(HINT)
    fmt = format.lower().lstrip(".")
    try:
        done = subprocess.run(
            [exe, f"-T{fmt}"],
            input=source.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RendererError(
            f"{os.path.basename(exe)} took longer than {timeout:g} s to lay out the graph; "
            f"draw less of it (collapse= a module, or a smaller batch of ops)"
        ) from None
    except OSError as exc:
        raise RendererError(f"could not run {exe}: {exc}") from None
    if done.returncode != 0 or not done.stdout:
        err = done.stderr.decode("utf-8", "replace").strip()
        extra = ""
        if fmt == "pdf" and "graphviz-pure" in os.path.basename(exe):
            extra = " (graphviz-pure has no PDF output: save as .svg or .png)"
        raise RendererError(
            f"{os.path.basename(exe)} -T{fmt} failed (exit {done.returncode}){extra}: {err}"
        )
    return done.stdout
