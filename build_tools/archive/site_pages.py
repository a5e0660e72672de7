"""Index pages (home, timeline, sources, tags) and the feed, from article summaries."""

from __future__ import annotations

from collections.abc import Sequence

from build_tools.archive.feed import feed_xml
from build_tools.archive.index_pages import index_pages
from build_tools.config.registry import entity_names
from build_tools.entities.matcher import AliasIndex
from build_tools.model import Summary


def index_pages_for(summaries: Sequence[Summary], index: AliasIndex | None, site_title: str,
                    site_url: str) -> dict[str, str]:
    names = entity_names(index)
    pages = index_pages(summaries, entity_names=names or None, entity_count=len(names), site_title=site_title)
    pages["feed.xml"] = feed_xml(summaries, site_url=site_url, title=site_title)
    return pages
