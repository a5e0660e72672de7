"""How a newest-first list of articles is cut into pages, so that a new article rewrites a handful of pages.

A list (the timeline, an entity's articles, a source's articles) has a main page with its newest
``page_size`` articles and an archive cut by month: ``<folder>/<yyyy-mm>.md`` holds a month's newest
articles (1 to ``page_size``), a month with more has its older ones on ``<folder>/<yyyy-mm>/page-N.md``,
numbered from the oldest article *within the month*.  A page's address therefore depends only on its own
month: an article added anywhere shifts the pages of its month from the insertion point up, never the
pages of other months (numbering the whole archive from its oldest article shifted every page newer than
the insertion point, ~1,150 pages at 10k for one mid-archive dump).  No archived page names a total or a
position counted from the newest.

A year-only date is its own bucket (``2025``), an article without any date ``undated`` (listed last).
Everything here is a pure function of its arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from build_tools.archive.ordering import listed_date, month_of
from build_tools.model import Summary

PAGE_SIZE = 50
UNDATED_BUCKET = "undated"
UNDATED_HEADING = "日期未知"


@dataclass(frozen=True)
class Bucket:
    """The month an article is archived under: ``name`` the file's stem, ``heading`` what readers see."""

    name: str
    heading: str


def bucket_of(summary: Summary) -> Bucket:
    month = month_of(listed_date(summary))
    return Bucket(*month) if month else Bucket(UNDATED_BUCKET, UNDATED_HEADING)


@dataclass(frozen=True)
class ArchivePage:
    """One archived page: ``stem`` its path in the list's folder without ``.md`` (``2025-01``, ``2025-01/page-2``),
    ``number`` its place within the month from the oldest (``None``: the month's newest part, ``<yyyy-mm>.md``),
    ``members`` the positions of its articles in the list, newest first."""

    bucket: Bucket
    number: int | None
    members: range

    @property
    def stem(self) -> str:
        return self.bucket.name if self.number is None else f"{self.bucket.name}/page-{self.number}"

    @property
    def depth(self) -> int:
        """Folders between the list's folder and the page (an in-month page sits one deeper)."""
        return 0 if self.number is None else 1


def in_month_pages(start: int, count: int, page_size: int = PAGE_SIZE) -> list[tuple[int | None, range]]:
    """The pages of one month holding positions ``start`` … ``start + count - 1`` (newest first), in reading
    order: (``None``, the newest 1 to ``page_size``), then (k, …) down to (1, the oldest ``page_size``)."""
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    archived = max(0, (count - 1) // page_size)
    newest = count - archived * page_size
    pages: list[tuple[int | None, range]] = [(None, range(start, start + newest))]
    for number in range(archived, 0, -1):
        first = start + newest + (archived - number) * page_size
        pages.append((number, range(first, first + page_size)))
    return pages


def archive_pages(buckets: Sequence[Bucket], start: int = 0, page_size: int = PAGE_SIZE) -> list[ArchivePage]:
    """The archived pages of a newest-first list whose articles from position ``start`` on fall in ``buckets``
    (one per article, in the list's order: a month's articles are consecutive), in reading order."""
    pages: list[ArchivePage] = []
    seen: set[Bucket] = set()
    i = start
    while i < len(buckets):
        j = i
        while j < len(buckets) and buckets[j] == buckets[i]:
            j += 1
        if buckets[i] in seen:  # two pages would share an address: the caller's order is not by month
            raise ValueError(f"the articles of {buckets[i].name} are not consecutive in the list")
        seen.add(buckets[i])
        pages += [ArchivePage(buckets[i], number, members) for number, members in in_month_pages(i, j - i, page_size)]
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
    parts = [f"[← 较新的文章]({place.between(page, pages[k - 1] if k else None)})", page.bucket.heading]
    if page.number is not None:
        parts.append(f"第 {page.number} 页")
    if k + 1 < len(pages):
        parts.append(f"[较旧的文章 →]({place.between(page, pages[k + 1])})")
    return " · ".join(parts) + "\n{: .archive-pager }"


def first_older(pages: Sequence[ArchivePage], position: int) -> ArchivePage | None:
    """The archived page holding the article at ``position`` (where the main page's "older" link leads)."""
    return next((p for p in pages if position in p.members), None)


def months_line(pages: Sequence[ArchivePage], place: ListPlace) -> str:
    """``按月存档：2025年：[3月](…) · [1月](…)；2024年：…`` on the main page: every archived month once, newest
    first, no counts (so the line changes only when a month joins the archive)."""
    years: dict[str, list[str]] = {}
    for page in pages:
        if page.number is not None:
            continue
        name, heading = page.bucket.name, page.bucket.heading
        if name == UNDATED_BUCKET:
            year, label = UNDATED_HEADING, UNDATED_HEADING
        else:
            year = name[:4]
            label = heading[len(year) + 1 :] if len(name) > 4 else "全年"  # "2025年1月" -> "1月"
        years.setdefault(year, []).append(f"[{label}]({place.from_main(page)})")
    parts = [links[0] if year == UNDATED_HEADING else f"{year}年：" + " · ".join(links)
             for year, links in years.items()]
    return "按月存档：" + "；".join(parts)
