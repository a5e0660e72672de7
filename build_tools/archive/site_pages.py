"""Index pages (home, timeline, months, sources, tags) and the feeds, from article summaries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from build_tools.archive.feed import feeds
from build_tools.archive.index_pages import index_pages
from build_tools.config.registry import entity_names
from build_tools.entities.matcher import AliasIndex
from build_tools.model import Summary


def index_pages_for(summaries: Sequence[Summary], index: AliasIndex | None, site_title: str,
                    site_url: str, bodies: Mapping[str, str] | None = None,
                    feed_paths: Mapping[str, str] | None = None) -> dict[str, str]:
    """``bodies``: slug → the HTML of each article a feed carries (others get their summary only);
    ``feed_paths``: each source's feed (:func:`~build_tools.archive.feed.source_feed_names`), if kept."""
    names = entity_names(index)
    pages = index_pages(summaries, entity_names=names or None, entity_count=len(names), site_title=site_title,
                        feed_paths=feed_paths)
    pages.update(feeds(summaries, bodies or {}, site_url=site_url, title=site_title, entity_names=names or None,
                       feed_paths=feed_paths))
    return pages
