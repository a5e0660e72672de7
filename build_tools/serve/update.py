"""One preview update: the build step, then the site render and the search index of what it changed.

The preview keeps its own site and caches under ``.cache/preview/<docs>/`` (never site/, which is
``make site``'s), so a restart renders only what changed since the last preview, not the whole site.
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path

from build_tools.search.indexer import index_site
from build_tools.serve.rebuild import Builder, say
from build_tools.site.render import Renderer


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
        # every update (each reloaded when mkdocs.yml changes), so an update renders only its pages.
        self.renderer = Renderer(config, self.site, self.home / "render", strict=False, docs_dir=docs)
        logging.getLogger("mkdocs").setLevel(logging.ERROR)  # the preview is not strict: warnings are noise

    def run(self, why: str) -> bool:
        """True when the preview shows the change; False when the build step failed (nothing changed)."""
        if self.builder.run(why) is None:
            return False
        from mkdocs.exceptions import MkDocsException

        started = time.perf_counter()
        try:
            rendered = self.renderer.render()
            self.custom_dir = rendered.custom_dir
            took = time.perf_counter() - started
            stats = index_site(self.site, self.docs, cache_dir=self.home / "search")
        except MkDocsException as error:
            say(f"site render failed ({why}): {error}; the preview keeps what it had")
            return False
        say(f"{rendered.summary()} in {took:.2f} s; search {stats.shards_built} of {stats.shards} shard(s) "
            f"rebuilt in {stats.seconds:.2f} s")
        return True
