"""The whole-archive passes over the linked articles' small views (:class:`~build_tools.archive.views.LinkedView`):
related articles, and the entity pages as families of parts.

Apart from :mod:`build_tools.archive.views` so that the link stage, whose code key covers the modules it imports,
is not run again over every article when the code of these passes changes.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Mapping, Sequence

from build_tools.archive.entity_pages import entity_families as _entity_families
from build_tools.archive.paging import Family
from build_tools.archive.related import RangeMap, Tables, related_incremental
from build_tools.archive.views import LinkedView
from build_tools.entities.matcher import AliasIndex
from build_tools.model import Summary


def related(views: Sequence[LinkedView], previous: Tables | None, identities: Mapping[str, Hashable] | None = None,
            map_ranges: RangeMap | None = None) -> tuple[dict[str, list[tuple[str, str, bool]]], Tables]:
    """Related articles of every view, and the tables that let the next run rank only around a change
    (``identities``: slug -> what the view was made from, see :func:`related_incremental`)."""
    summaries = [v.summary for v in views]
    fingerprints = {v.summary.slug: v.story for v in views}
    return related_incremental(summaries, fingerprints, _Counts(views), previous, identities=identities,
                                map_ranges=map_ranges)


class _Counts(Mapping[str, Mapping[str, int]]):
    """slug -> the view's mention counts as a dict, made when read: the related pass reads the counts of the
    articles it ranks and their candidates only (10k dicts were ~0.05 s of every build)."""

    def __init__(self, views: Sequence[LinkedView]):
        self._pairs = {v.summary.slug: v.counts for v in views}

    def __getitem__(self, slug: str) -> Mapping[str, int]:
        return dict(self._pairs[slug])

    def __iter__(self) -> Iterator[str]:
        return iter(self._pairs)

    def __len__(self) -> int:
        return len(self._pairs)


def entity_families(views: Sequence[LinkedView], index: AliasIndex | None, keys: Mapping[str, str] | None = None,
                    newest: Sequence[Summary] | None = None) -> tuple[dict[str, str], dict[str, Family]]:
    """:func:`~build_tools.archive.entity_pages.entity_families` of the views: the index page, and each entity's
    pages as a family of parts (``keys``: slug → the key of the linked article and the day it was added;
    ``newest``: the views' summaries newest first, when the caller sorted them already)."""
    if index is None:
        return {}, {}
    contexts = {v.summary.slug: v.contexts for v in views}
    counts = {v.summary.slug: dict(v.counts) for v in views}
    summaries = [v.summary for v in views] if newest is None else newest
    return _entity_families(summaries, contexts, index.registry, counts, keys, ordered=newest is not None)
