"""One preview update: the build step, then the site render and the search index of what it changed.

The preview keeps its own site and caches under ``.cache/preview/<docs>/`` (never site/, which is
``make site``'s), so a restart renders only what changed since the last preview, not the whole site.

Python's cyclic garbage collector is the preview's own cost: the process keeps the archive warm (every
article's records, the alias index, the renderer: ~1 GB at 10k articles), and each full collection walks
all of it again, 15-18 times per update (3.5-5 s of a 10k update, measured).  So the heap that survives
an update is frozen (``gc.freeze``: collections skip it), the build step and the search index, which make
no cyclic garbage worth collecting, run with the collector paused, and the render (MkDocs makes a cyclic
Markdown object per page) runs with it on.  The garbage of the frozen heap is collected once, when the
preview is idle (:meth:`Update.collect`), or before an update after ``COLLECT_EVERY`` updates without one.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from build_tools.memory import gc_paused
from build_tools.model.errors import BuildError
from build_tools.search.indexer import index_site
from build_tools.search.renderseen import told_pages
from build_tools.serve.rebuild import Builder, say
from build_tools.site.render import Renderer

COLLECT_EVERY = 3  # updates in a row without an idle moment before their garbage is collected anyway


@dataclass
class Steps:
    """Seconds each step of the last update took (wall), and the CPU seconds of the whole update (this
    process and its finished workers: the comparable figure on a shared machine)."""

    build: float = 0.0
    render: float = 0.0
    search: float = 0.0
    cpu: float = 0.0

    def __str__(self) -> str:
        return (f"build {self.build:.2f} s, render {self.render:.2f} s, search {self.search:.2f} s; "
                f"CPU {self.cpu:.2f} s")


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


class Update:
    def __init__(self, builder: Builder, config: Path, docs: Path):
        self.builder = builder
        self.config = config
        self.docs = docs
        key = hashlib.sha256(str(docs.resolve()).encode()).hexdigest()[:12]
        self.home = builder.settings.cache_dir.parent / "preview" / key
        self.site = self.home / "site"
        self.custom_dir: Path | None = None  # the theme folder, known after the first render
        # Kept for the preview's life: the loaded config and the theme's compiled templates are reused by
        # every update (each reloaded when mkdocs.yml changes), so an update renders only its pages.  Many
        # pages go to forked workers as in `make site` (a 400-page update took 13.5 s in one process at 10k):
        # the preview's other threads hold no lock a worker takes while an update runs (requests wait at the
        # gate, in Condition.wait, which holds none; the watchers wait in Rust, outside the interpreter, and
        # print only when they stop), and the build step and the search index fork beside them already.
        self.renderer = Renderer(config, self.site, self.home / "render", strict=False, docs_dir=docs,
                                 fork_beside_threads=True, defer_record=True)
        self.steps = Steps()
        self.uncollected = 0  # updates whose garbage the frozen heap may hold
        # The search index saw the site as the last render left it: the next render's list of written pages is
        # then all that changed in the site (the preview's site has no other writer), so the index need not walk
        # it and stat every page.  False until an index finishes, and again whenever a render or an index fails.
        self.indexed = False
        # Likewise the render saw docs/ as the last build step left it: the next build step's list of the files it
        # wrote or removed is then all that changed in docs/, so the render need not walk it.  False until a render
        # finishes, and again whenever a build step or a render fails, or a hand-written page, mkdocs.yml or the
        # theme is saved (another writer: the update that follows walks docs/).
        self.rendered = False
        logging.getLogger("mkdocs").setLevel(logging.ERROR)  # the preview is not strict: warnings are noise

    def run(self, why: str, site_saved: bool = True) -> bool:
        """True when the preview shows the change; False when the build step failed (nothing changed).
        ``site_saved``: the change may include a file of the site's own (docs/'s hand-written pages, mkdocs.yml,
        the theme), not only raw/ and the editors' files."""
        if self.uncollected >= COLLECT_EVERY:
            self.collect()
        self.uncollected += 1
        self.steps = Steps()
        cpu = cpu_seconds()
        try:
            return self._run(why, site_saved)
        finally:
            self.steps.cpu = cpu_seconds() - cpu

    def _run(self, why: str, site_saved: bool) -> bool:
        docs_told, self.rendered = self.rendered and not site_saved, False
        with gc_paused():
            took = self.builder.run(why)
        if took is None:
            return False
        self.steps.build = took
        from mkdocs.exceptions import MkDocsException

        started = time.perf_counter()
        told, self.indexed = self.indexed, False
        try:
            rendered = self.renderer.render(told=self.builder.changed if docs_told else None)
            self.rendered = True
            self.custom_dir = rendered.custom_dir
            self.steps.render = time.perf_counter() - started
            # a full render walks the site (rare); a removed page's places and copied HTML files are told too
            changed = told_pages(told, rendered.full, rendered.removed, rendered.changed, rendered.pages)
            with gc_paused():
                stats = index_site(self.site, self.docs, cache_dir=self.home / "search", changed=changed)
            self.steps.search = stats.seconds
            self.indexed = True
        except MkDocsException as error:
            say(f"site render failed ({why}): {error}; the preview keeps what it had")
            return False
        say(f"{rendered.summary()} in {self.steps.render:.2f} s; search {stats.shards_built} of {stats.shards} "
            f"shard(s) rebuilt in {stats.seconds:.2f} s")
        return True

    def after_shown(self) -> float:
        """What no page waits for, once the preview shows the update: the editor's desk told, the build step's and
        the render's records for the next process written (this one keeps them in memory).  Seconds taken."""
        from build_tools.pipeline import write_deferred

        started = time.perf_counter()
        self.builder.tell_desk()
        try:  # only the next process's head start: a full disk or a busy cache must not stop the preview
            with gc_paused():
                write_deferred(self.builder.settings)
            self.renderer.save_records()
        except (OSError, BuildError) as error:
            say(f"the records for the next run were not saved ({error}); they are tried again after the next update")
        return time.perf_counter() - started

    def own(self, took: float) -> float:
        """Seconds of an update that took ``took`` not spent in its three steps: the update's own bookkeeping."""
        return max(0.0, took - self.steps.build - self.steps.render - self.steps.search)

    def collect(self) -> float:
        """Collect the garbage of the updates since the last collection and freeze what survives; seconds
        taken (0 when there was nothing to do).  Called when the preview is idle: it holds the interpreter
        for ~0.5 s at 10k articles."""
        if not self.uncollected:
            return 0.0
        started = time.perf_counter()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.uncollected = 0
        return time.perf_counter() - started
