"""Small per-article views: what the whole-archive passes need from one linked article."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from build_tools.archive.stories import Fingerprint, story_fingerprint
from build_tools.entities.linker import mention_contexts, mention_counts
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

