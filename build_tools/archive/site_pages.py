"""Index pages (home, timeline, sources, tags) and the feed, from article summaries."""

from __future__ import annotations

import os
from collections.abc import Sequence

from build_tools.archive.feed import feed_xml
from build_tools.archive.index_pages import index_pages
from build_tools.config.registry import entity_names
from build_tools.model import Summary

SITE_NAME = "中文文章存档"
# The deploy workflow sets SITE_URL (mkdocs.yml reads the same variable); local builds get a placeholder.
DEFAULT_SITE_URL = "http://127.0.0.1:8000/"


def index_pages_for(summaries: Sequence[Summary], index) -> dict[str, str]:
    names = entity_names(index)
    pages = index_pages(summaries, entity_names=names or None, entity_count=len(names))
    site_url = os.environ.get("SITE_URL") or DEFAULT_SITE_URL
    pages["feed.xml"] = feed_xml(summaries, site_url=site_url, title=SITE_NAME)
    return pages
