"""Index pages (home, timeline, months, sources, tags) and the feeds, from article summaries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from build_tools.archive.feed import feed_parts
from build_tools.archive.index_pages import index_parts
from build_tools.archive.ordering import newest_first
from build_tools.archive.paging import Parts, every_part
from build_tools.config.registry import entity_names
from build_tools.entities.matcher import AliasIndex
from build_tools.model import Summary


def site_parts(summaries: Sequence[Summary], index: AliasIndex | None, site_title: str, site_url: str,
               bodies: Mapping[str, str] | None = None, feed_paths: Mapping[str, str] | None = None,
               keys: Mapping[str, str] | None = None, ordered: bool = False) -> tuple[dict[str, str], list[Parts]]:
    """The index pages and the feeds as a reduction: (the pages made every time, the passes cut into parts).
    ``bodies``: slug → the HTML of each article a feed carries (others get their summary only);
    ``feed_paths``: each source's feed (:func:`~build_tools.archive.feed.source_feed_names`), if kept;
    ``keys``: slug → the key naming the article (its summary, its body), see
    :func:`~build_tools.archive.paging.listed_keys`; ``ordered``: the summaries are newest first already."""
    names = entity_names(index)
    newest = list(summaries) if ordered else newest_first(summaries)  # both passes list them newest first
    pages, passes = index_parts(newest, entity_names=names or None, entity_count=len(names), site_title=site_title,
                                feed_paths=feed_paths, keys=keys, ordered=True)
    passes.append(feed_parts(newest, bodies or {}, site_url=site_url, title=site_title, entity_names=names or None,
                             feed_paths=feed_paths, keys=keys, ordered=True))
    return pages, passes


def index_pages_for(summaries: Sequence[Summary], index: AliasIndex | None, site_title: str,
                    site_url: str, bodies: Mapping[str, str] | None = None,
                    feed_paths: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every index page and feed (every part of :func:`site_parts` made)."""
    pages, passes = site_parts(summaries, index, site_title, site_url, bodies, feed_paths)
    pages.update(every_part(passes))
    return pages
