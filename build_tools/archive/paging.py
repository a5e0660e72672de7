"""How a newest-first list of articles is cut into pages, so that a new article rewrites a handful of pages.

A list (the timeline, an entity's articles, a source's articles) has a main page with its newest
``page_size`` articles and an archive cut by month: ``<folder>/<yyyy-mm>.md`` holds a month of up to
``page_size`` articles; a month with more is cut into pages of 1 to ``page_size`` (:func:`page_lengths`), its
newest on ``<yyyy-mm>.md``, the older ones on ``<folder>/<yyyy-mm>/<slug>.md``, named by their oldest article.
A page's address depends only on its own month and its own articles, and the cuts inside a month on the
articles next to them: an article added anywhere rewrites a page or a few of its month, never the pages of
other months.  Numbering the whole archive from its oldest article shifted every page newer than the insertion
point (~1,150 pages at 10k for one mid-archive dump); numbering a month's pages from its oldest still renumbered
every newer page of the month whenever a cut appeared before them (~100 pages of its entities' years for one
dated dump at 10k).  No archived page names a total or a position counted from either end.

The timeline is archived by month (its month pages are where an article's breadcrumb leads); an entity's and a
source's archive by year (``<folder>/<yyyy>.md``, cut the same way): by month, an entity named in a few
articles a month got a page a month (1,428 archived entity pages at 2k against 376 numbered from the oldest;
by year 607).  A year-only date is its own bucket (``2025``), an article without any date ``undated`` (listed
last).  Everything here is a pure function of its arguments.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from build_tools.archive.ordering import listed_date, month_of
from build_tools.model import Summary

PAGE_SIZE = 50

# One group of a whole-archive pass made into pages: its inputs (what its key is made of: the keys of its articles,
# whatever else its pages show) and the arguments of the function that makes its pages (runtime.stages.Runner.parts).
Part = tuple[tuple[str, ...], tuple]


# A pass cut into parts: the function that makes one part's pages, and the parts by name.
Parts = tuple[Callable[..., dict[str, str]], dict[str, Part]]


@dataclass(frozen=True)
class Family:
    """Parts that change together (one entity's page and every page of its archive), laid out only when needed:
    ``inputs`` names everything their pages show (the keys of the family's articles in their order, its own
    names), so a family whose ``inputs`` the last build made its pages from is neither laid out nor keyed part by
    part (``""``: not known, always laid out); ``parts()`` lays it out."""

    inputs: str
    parts: Callable[[], list[Parts]]


def every_part(passes: Sequence[Parts]) -> dict[str, str]:
    """Every page of ``passes``, each part made (what a build from nothing writes)."""
    pages: dict[str, str] = {}
    for func, parts in passes:
        for _inputs, args in parts.values():
            pages.update(func(*args))
    return pages


def family_parts(families: Mapping[str, Family]) -> list[Parts]:
    """Every family laid out, the parts of each function together (in the families' order)."""
    merged: dict[Callable[..., dict[str, str]], dict[str, Part]] = {}
    for family in families.values():
        for func, parts in family.parts():
            merged.setdefault(func, {}).update(parts)
    return list(merged.items())


def archive_parts(pages: Sequence[ArchivePage], listed: Sequence[str]) -> dict[str, tuple[tuple[str, ...],
                                                                                         tuple[int, ...]]]:
    """A list's archived pages as parts, one a page: its stem → (its inputs, (its position in ``pages``,)).  A
    page shows its own articles (``listed``: what names each article of the list, by position), its place, and
    links the pages before and after it; a month's newest page counts the month's articles and pages too.  The
    inputs name exactly those: an article added rewrites the page it lands in (and the one whose cut moved)."""
    months: Counter[Bucket] = Counter()
    articles: Counter[Bucket] = Counter()
    for page in pages:
        months[page.bucket] += 1
        articles[page.bucket] += len(page.members)
    out: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {}
    for k, page in enumerate(pages):
        around = [(side, pages[n]) for side, n in (("newer", k - 1), ("older", k + 1)) if 0 <= n < len(pages)]
        inputs = [f"{side}\0{p.stem}\0{p.heading}" for side, p in around]
        inputs.append(f"{page.stem}\0{page.heading}")
        if page.name is None:
            inputs.append(f"{articles[page.bucket]}\0{months[page.bucket]}")
        out[page.stem] = (*inputs, *listed[page.members.start:page.members.stop]), (k,)
    return out


def listed_keys(summaries: Sequence[Summary], keys: Mapping[str, str] | None) -> tuple[str, ...]:
    """What names the listed articles in a part's key: ``keys[slug]`` (the pipeline's key of the linked article
    and the day it was added), else, without keys, everything a summary holds."""
    if keys is None:
        return tuple(repr(s) for s in summaries)
    return tuple(keys[s.slug] for s in summaries)
UNDATED_BUCKET = "undated"
UNDATED_HEADING = "日期未知"


@dataclass(frozen=True)
class Bucket:
    """The month an article is archived under: ``name`` the file's stem, ``heading`` what readers see."""

    name: str
    heading: str


def bucket_of(summary: Summary, *, by_year: bool = False) -> Bucket:
    """The month (``by_year``: the year) the article is archived under."""
    return bucket_of_date(listed_date(summary), by_year)


@lru_cache(maxsize=1 << 14)  # a few thousand distinct days, looked up once per article and list on every build
def bucket_of_date(date: str | None, by_year: bool = False) -> Bucket:
    """The month (``by_year``: the year) an article listed under ``date`` is archived under."""
    month = month_of(date)
    if month is None:
        return Bucket(UNDATED_BUCKET, UNDATED_HEADING)
    return Bucket(month[0][:4], f"{month[0][:4]}年") if by_year else Bucket(*month)


@dataclass(frozen=True)
class ArchivePage:
    """One archived page: ``stem`` its path in the list's folder without ``.md``; ``name`` ``None`` for the month's
    newest page (``2025-01``), else the slug of its oldest article (``2025-01/<slug>``: named by what it holds,
    a page keeps its address when a page is cut before it, where a number would shift); ``members`` the positions
    of its articles in the list, newest first; ``span`` the dates it covers, for its title."""

    bucket: Bucket
    name: str | None
    members: range
    span: str = ""

    @property
    def stem(self) -> str:
        return self.bucket.name if self.name is None else f"{self.bucket.name}/{self.name}"

    @property
    def heading(self) -> str:
        """``2025年1月``, an older page of it ``2025年1月 · 2025-01-02 至 2025-01-09``."""
        return f"{self.bucket.heading} · {self.span}" if self.name is not None and self.span else self.bucket.heading

    @property
    def depth(self) -> int:
        """Folders between the list's folder and the page (an older page of a month sits one deeper)."""
        return 0 if self.name is None else 1


@lru_cache(maxsize=1 << 17)  # every list an article is in cuts by it, in every build: computed once a process
def _weight(key: str) -> int:
    """A number drawn from the article's slug alone: where a page may end is a property of the article."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=4).digest(), "big")


def page_lengths(keys: Sequence[str], page_size: int = PAGE_SIZE) -> list[int]:
    """How a month of more than ``page_size`` articles is cut, from its oldest: ``keys`` are the articles' slugs,
    oldest first; the lengths of the pages, oldest first, each 1 to ``page_size``.

    Once a page holds ``page_size // 5`` articles, it ends after the first article whose weight
    (:func:`_weight`) is a multiple of ``page_size // 2``; when none comes before it is full, after the one of
    least weight among those it could end on.  The cuts come from the articles themselves, as content-defined
    chunking cuts a file: an article added anywhere changes the page it lands in and, now and then, the cut of
    the next; pages further on keep their articles.  Counting ``page_size`` from the oldest instead moved every
    page after the insertion point, ~50 per list in the 2,800-article month of the 10k benchmark; cutting a full
    page at ``page_size`` moved every cut up to the next picked article (1 in 5 pages)."""
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    if len(keys) <= page_size:
        return [len(keys)] if keys else []
    floor, divisor = page_size // 5, max(1, page_size // 2)
    weights = [_weight(key) for key in keys]
    lengths: list[int] = []
    start = 0
    while start < len(keys):
        window = range(start + floor, min(start + page_size, len(keys)))
        end = next((i for i in window if weights[i] % divisor == 0), None)
        if end is None:
            end = len(keys) - 1 if len(keys) - start <= page_size else min(window, key=weights.__getitem__)
        lengths.append(end - start + 1)
        start = end + 1
    return lengths


def in_month_pages(keys: Sequence[str], start: int = 0, page_size: int = PAGE_SIZE) -> list[tuple[str | None, range]]:
    """The pages of one month whose articles (slugs ``keys``, newest first) sit at positions ``start`` on of the
    list, in reading order: (``None``, the month's newest page), then (the slug of its oldest article, …) for each
    older page down to the month's oldest."""
    lengths = page_lengths(keys[::-1], page_size)[::-1]  # newest page first
    pages: list[tuple[str | None, range]] = []
    first = 0
    for k, length in enumerate(lengths):
        pages.append((None if k == 0 else keys[first + length - 1], range(start + first, start + first + length)))
        first += length
    return pages


def _span(dates: Sequence[str | None], members: range) -> str:
    """``2024-06-15 至 2024-06-20``: the dates an archived page covers, oldest first (one date when they agree)."""
    oldest, newest = dates[members.stop - 1] or "", dates[members.start] or ""
    return oldest if oldest == newest else f"{oldest} 至 {newest}".strip()


def archive_pages(buckets: Sequence[Bucket], keys: Sequence[str], start: int = 0, page_size: int = PAGE_SIZE,
                  dates: Sequence[str | None] | None = None) -> list[ArchivePage]:
    """The archived pages of a newest-first list whose articles (slugs ``keys``, listed ``dates``) from position
    ``start`` on fall in ``buckets`` (one per article, in the list's order: a month's articles are consecutive),
    in reading order."""
    pages: list[ArchivePage] = []
    seen: set[Bucket] = set()
    names = [b.name for b in buckets]  # a bucket's heading follows from its name: strings compare faster
    i = start
    while i < len(buckets):
        j = i
        while j < len(buckets) and names[j] == names[i]:
            j += 1
        if buckets[i] in seen:  # two pages would share an address: the caller's order is not by month
            raise ValueError(f"the articles of {buckets[i].name} are not consecutive in the list")
        seen.add(buckets[i])
        pages += [ArchivePage(buckets[i], name, members, _span(dates, members) if dates and name else "")
                  for name, members in in_month_pages(keys[i:j], i, page_size)]
        i = j
    return pages


@dataclass(frozen=True)
class ListPlace:
    """Where a list's pages sit: the main page ``main`` (a file name) beside the archive's folder ``folder``
    (``articles/index.md`` and ``articles/months/``; ``entities/nvidia.md`` and ``entities/nvidia/``)."""

    folder: str
    main: str

    def from_main(self, page: ArchivePage) -> str:
        return f"{self.folder}/{page.stem}.md"

    def between(self, here: ArchivePage, there: ArchivePage | None) -> str:
        """Link from the archived page ``here`` to ``there`` (``None``: the main page)."""
        up = "../" * here.depth
        return f"../{up}{self.main}" if there is None else f"{up}{there.stem}.md"

    def up(self, page: ArchivePage) -> str:
        """Prefix from ``page`` to the folder the main page sits in."""
        return "../" * (page.depth + 1)


def pager_line(pages: Sequence[ArchivePage], k: int, place: ListPlace) -> str:
    """The pager of ``pages[k]``: the newer page (the main page before the first), where it is, the older page."""
    page = pages[k]
    parts = [f"[← 较新的文章]({place.between(page, pages[k - 1] if k else None)})", page.heading]
    if k + 1 < len(pages):
        parts.append(f"[较旧的文章 →]({place.between(page, pages[k + 1])})")
    return " · ".join(parts) + "\n{: .archive-pager }"


def first_older(pages: Sequence[ArchivePage], position: int) -> ArchivePage | None:
    """The archived page holding the article at ``position`` (where the main page's "older" link leads)."""
    return next((p for p in pages if position in p.members), None)


def months_line(pages: Sequence[ArchivePage], place: ListPlace) -> str:
    """``按月存档：2025年：[3月](…) · [1月](…)；2024年：…`` (archived by year: ``按年存档：[2025年](…) · …``) on the
    main page: every archived month or year once, newest first, no counts (so the line changes only when a
    month joins the archive)."""
    years: dict[str, list[str]] = {}
    by_year = all(len(p.bucket.name) == 4 or p.bucket.name == UNDATED_BUCKET for p in pages)
    for page in pages:
        if page.name is not None:
            continue
        name, heading = page.bucket.name, page.bucket.heading
        if name == UNDATED_BUCKET or by_year:
            year, label = heading, heading
        else:
            year = name[:4]
            label = heading[len(year) + 1 :] if len(name) > 4 else "全年"  # "2025年1月" -> "1月"
        years.setdefault(year, []).append(f"[{label}]({place.from_main(page)})")
    if by_year:
        return "按年存档：" + " · ".join(links[0] for links in years.values())
    parts = [links[0] if year == UNDATED_HEADING else f"{year}年：" + " · ".join(links)
             for year, links in years.items()]
    return "按月存档：" + "；".join(parts)
