"""Index pages (home, timeline, sources, tags) and the feed, from article summaries."""

from __future__ import annotations

from collections.abc import Sequence

from .indexes import feed_xml, index_pages
from .linking import entity_names
from .model import Summary

SITE_URL = "https://example.github.io/cn-archive/"


def index_pages_for(summaries: Sequence[Summary], index) -> dict[str, str]:
    names = entity_names(index)
    pages = index_pages(summaries, entity_names=names or None, entity_count=len(names))
    pages["feed.xml"] = feed_xml(summaries, site_url=SITE_URL, title="中文科技文章存档")
    return pages
