"""Small per-article views: what the whole-archive passes need from one linked article."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace

from build_tools.archive.entity_pages import entity_parts as _entity_parts
from build_tools.archive.paging import Parts
from build_tools.archive.related import RangeMap, Tables, related_incremental
from build_tools.archive.stories import Fingerprint, story_fingerprint
from build_tools.entities.linker import mention_contexts, mention_counts
from build_tools.entities.matcher import AliasIndex
from build_tools.model import Article, Summary, summarize


@dataclass(frozen=True)
class LinkedView:
    """The little that whole-archive pages need from one linked article."""

    summary: Summary
    contexts: tuple[tuple[str, str], ...]
    counts: tuple[tuple[str, int], ...]
    story: Fingerprint | None  # None once the related pass, its only reader, is done (:func:`without_stories`)
    images: tuple[str, ...] = ()  # the remote pictures the article shows, as the dump addressed them (link stage)


def view_of(article: Article) -> LinkedView:
    return LinkedView(
        summary=summarize(article),
        contexts=tuple(mention_contexts(article)),
        counts=tuple(sorted(mention_counts(article).items())),
        story=story_fingerprint(article),
    )


def dated(view: LinkedView, added: str | None) -> LinkedView:
    """``view`` with the day its dump was added (known to the build, not to the linked article)."""
    if added is None or view.summary.added == added:
        return view
    return replace(view, summary=replace(view.summary, added=added))


def without_stories(linked: Sequence[tuple[str, LinkedView]]) -> list[tuple[str, LinkedView]]:
    """``(key, view)`` pairs without the views' story fingerprints: the related pass is their only reader, and
    they are most of a view in memory (~9 KB of ~15 KB: 450 MB at 50,000 articles, kept to the build's end)."""
    return [(item_key, replace(view, story=None)) for item_key, view in linked]


def related(views: Sequence[LinkedView], previous: Tables | None, identities: Mapping[str, Hashable] | None = None,
            map_ranges: RangeMap | None = None) -> tuple[dict[str, list[tuple[str, str, bool]]], Tables]:
    """Related articles of every view, and the tables that let the next run rank only around a change
    (``identities``: slug -> what the view was made from, see :func:`related_incremental`)."""
    summaries = [v.summary for v in views]
    fingerprints = {v.summary.slug: v.story for v in views}
    counts = {v.summary.slug: dict(v.counts) for v in views}
    return related_incremental(summaries, fingerprints, counts, previous, identities=identities,
                                map_ranges=map_ranges)


def entity_parts(views: Sequence[LinkedView], index: AliasIndex | None,
                 keys: Mapping[str, str] | None = None) -> tuple[dict[str, str], list[Parts]]:
    """:func:`~build_tools.archive.entity_pages.entity_parts` of the views: the index page, and the parts of
    the entities' pages (``keys``: slug → the key of the linked article and the day it was added)."""
    if index is None:
        return {}, []
    contexts = {v.summary.slug: list(v.contexts) for v in views}
    counts = {v.summary.slug: dict(v.counts) for v in views}
    return _entity_parts([v.summary for v in views], contexts, index.registry, counts, keys)
