"""Where an article page leads: the articles before and after it, overall and within its source, and its
related articles with their dates and sources, as :class:`Link` tuples (the fields of
:class:`~build_tools.model.Neighbour`, which the render stage makes of those it renders).

Pure functions of the summaries.  Each page gets only its own neighbours, so a new dump changes the pages
next to it in the order, not every page.  Every build works these out for every article, to key its page:
tuples, not the frozen records (~100k of them at 10k articles, ~0.1 s of CPU to construct).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from build_tools.archive.ordering import listed_date, month_of, newest_first
from build_tools.model import Summary


class Link(NamedTuple):
    """A :class:`~build_tools.model.Neighbour`'s fields, in its order (``Neighbour(*link)``)."""

    role: str
    slug: str
    title: str
    date: str | None = None
    added: str | None = None
    source: str | None = None


def _link(role: str, s: Summary) -> Link:
    return Link(role, s.slug, s.title or s.slug, s.date, s.added, s.source)


def neighbours(summaries: Iterable[Summary]) -> dict[str, tuple[Link, ...]]:
    """slug → the month it is listed under (role ``month``: slug the month page's name, title its heading),
    the newer and older article in the archive's order, then the same within its source."""
    ordered = newest_first(summaries)
    out: dict[str, list[Link]] = {s.slug: [] for s in ordered}
    for s in ordered:
        month = month_of(listed_date(s))
        if month:
            out[s.slug].append(Link("month", month[0], month[1]))
    _adjacent(ordered, out, "")
    by_source: dict[str, list[Summary]] = {}
    for s in ordered:
        if s.source and s.source.strip():
            by_source.setdefault(s.source, []).append(s)
    for members in by_source.values():
        _adjacent(members, out, "source-")
    return {slug: tuple(links) for slug, links in out.items()}


def _adjacent(ordered: Sequence[Summary], out: dict[str, list[Link]], prefix: str) -> None:
    for i, s in enumerate(ordered):
        if i > 0:
            out[s.slug].append(_link(prefix + "newer", ordered[i - 1]))
        if i + 1 < len(ordered):
            out[s.slug].append(_link(prefix + "older", ordered[i + 1]))


def related_links(related: Sequence[tuple[str, str, bool]], by_slug: Mapping[str, Summary]) -> tuple[Link, ...]:
    """The related articles (slug, title, same story) with their dates and sources."""
    links = []
    for slug, title, same_story in related:
        s = by_slug.get(slug)
        role = "same-story" if same_story else "related"
        links.append(Link(role, slug, title, s.date if s else None, s.added if s else None,
                          s.source if s else None))
    return tuple(links)
