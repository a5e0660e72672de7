"""Where an article page leads: the articles before and after it, overall and within its source, and its
related articles with their dates and sources, as :class:`~build_tools.model.Neighbour` records.

Pure functions of the summaries.  Each page gets only its own neighbours, so a new dump changes the pages
next to it in the order, not every page.  Every build works these out for every article, to key its page
(~100k records at 10k articles: named tuples, cheap to make and to key).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from build_tools.archive.ordering import listed_date, month_of, newest_first
from build_tools.model import Neighbour, Summary


def _link(role: str, s: Summary) -> Neighbour:
    return Neighbour(role, s.slug, s.title or s.slug, s.date, s.added, s.source)


def neighbours(summaries: Iterable[Summary], *, ordered: bool = False) -> dict[str, tuple[Neighbour, ...]]:
    """slug → the month it is listed under (role ``month``: slug the month page's name, title its heading),
    the newer and older article in the archive's order, then the same within its source (``ordered``: the
    summaries are newest first already, :func:`~build_tools.archive.ordering.newest_first`)."""
    newest = list(summaries) if ordered else newest_first(summaries)
    out: dict[str, list[Neighbour]] = {s.slug: [] for s in newest}
    for s in newest:
        month = month_of(listed_date(s))
        if month:
            out[s.slug].append(Neighbour("month", month[0], month[1]))
    _adjacent(newest, out, "")
    by_source: dict[str, list[Summary]] = {}
    for s in newest:
        if s.source and s.source.strip():
            by_source.setdefault(s.source, []).append(s)
    for members in by_source.values():
        _adjacent(members, out, "source-")
    return {slug: tuple(links) for slug, links in out.items()}


def _adjacent(ordered: Sequence[Summary], out: dict[str, list[Neighbour]], prefix: str) -> None:
    for i, s in enumerate(ordered):
        if i > 0:
            out[s.slug].append(_link(prefix + "newer", ordered[i - 1]))
        if i + 1 < len(ordered):
            out[s.slug].append(_link(prefix + "older", ordered[i + 1]))


def related_links(related: Sequence[tuple[str, str, bool]], by_slug: Mapping[str, Summary]) -> tuple[Neighbour, ...]:
    """The related articles (slug, title, same story) with their dates and sources."""
    links = []
    for slug, title, same_story in related:
        s = by_slug.get(slug)
        role = "same-story" if same_story else "related"
        links.append(Neighbour(role, slug, title, s.date if s else None, s.added if s else None,
                          s.source if s else None))
    return tuple(links)
