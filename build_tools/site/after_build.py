"""The site step started beside the build step (``python -m build_tools.site --after-build``, by
:mod:`build_tools.make_site`): what it can do before docs/ is ready, then the wait for the build's word.

Before the word it notes which generation docs/ shows (its pointer link: the render then learns what the build
changed from the build's own record, not by a stat of every file), imports the render, the HTML check and the
indexer, loads mkdocs.yml and the theme's environment and reads the search index's kept word streams — none of
which the build step writes — and reads nothing else under docs/ or site/ (a stream is used only if its file is
still the one read).  The word is one
line on stdin: ``go`` and the build's figures (JSON) once the build exited 0; anything else, or the end of
input (the build failed, was stopped, or its process died), means the step does not run."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path


def wait_for_build(config: Path, site_dir: Path | None, state: Path, docs: Path, search: bool = True):
    """(a renderer with its config loaded, the build's figures) once told to go; (None, None) otherwise.

    First of all, before the build can publish anything, the generation ``docs`` shows is noted
    (:meth:`~build_tools.site.render.Renderer.build_began`).

    Ctrl-C is ignored until then (this process was started with it ignored): it reaches the whole command, and the
    build, which handles it, says so and ends this step's input; after ``go`` it stops the step as it would a step
    run on its own."""
    from build_tools.site.snapshot import pointer

    shown = pointer(docs)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        renderer = _warmed(config, site_dir, state, search)
        renderer.build_began(docs, shown)
        word = sys.stdin.readline()
    finally:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    verb, _, figures = word.strip().partition(" ")
    if verb != "go":
        return None, None
    try:
        told = json.loads(figures) if figures else {}
    except ValueError:
        told = {}
    return renderer, told if isinstance(told, dict) else {}


def _warmed(config: Path, site_dir: Path | None, state: Path, search: bool):
    import build_tools.sitecheck  # noqa: F401 - imported now, used after the render
    from build_tools.memory import kept_to_the_end
    from build_tools.site.render import Renderer

    renderer = Renderer(config, site_dir, state, strict=True)
    renderer.warm()
    if search:
        import build_tools.search.renderseen  # noqa: F401
        from build_tools.search.indexer import read_ahead

        if site_dir is not None:  # (`make site` names it; else it is the config's, read after the build)
            read_ahead(site_dir)
    # What was loaded (modules, config, ~10^5 objects of a kept stream at 10k) is kept to the step's end: out of the
    # collector's sight, or the render's full collections walk it again and again.
    kept_to_the_end()
    return renderer
