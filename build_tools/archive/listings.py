"""The article lists of the index pages: the timeline with its month pages, and each source's pages.

Each list has a main page with its newest ``page_size`` articles and an archive cut by month or year
(:mod:`build_tools.archive.paging`), so one added article rewrites a page or a few of its month, and the main
page when it is among the newest, never the rest of the archive.

* ``articles/index.md`` — the newest articles under their month headings; ``articles/months/<yyyy-mm>.md``
  (and ``<yyyy-mm>/<slug>.md`` for a month of more than ``page_size``) — every month complete: the timeline's
  archive is the month pages, which are also where an article's breadcrumb leads.  An undated article is
  listed under the day its dump was added; one with neither is on ``articles/months/undated.md``.
* ``articles/sources/<name>.md`` — a source's newest articles; the older ones by year on
  ``articles/sources/<name>/<yyyy>.md`` (and ``…/<yyyy>/<slug>.md``).

A main page names no total (the home page and the sources list count): its text changes only when its own
articles do.  Pure functions of the summaries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from build_tools.archive.ordering import ISO_DATE, listed_date, when_shown
from build_tools.archive.paging import (
    ArchivePage,
    Bucket,
    ListPlace,
    Part,
    archive_pages,
    archive_parts,
    bucket_of,
    every_part,
    first_older,
    listed_keys,
    months_line,
    pager_line,
)
from build_tools.markup import dump_yaml, escape_line
from build_tools.model import Summary

TIMELINE = ListPlace(folder="months", main="index.md")
ORDER_NOTE = "按日期从新到旧排列（原文没有日期的，按收录日期）"


def shown(text: str) -> str:
    """``text`` shown literally in a line of an index page (the index pages' rules of :func:`escape_line`)."""
    return escape_line(text, escape_every_hash=True)


@dataclass(frozen=True)
class Where:
    """Where the page being written lives, so links come out relative to it."""

    to_articles: str  # prefix from this page to docs/articles/
    to_root: str  # prefix from this page to docs/

    def deeper(self, folders: int) -> Where:
        return Where("../" * folders + self.to_articles, "../" * folders + self.to_root)


ROOT = Where(to_articles="articles/", to_root="")
ARTICLES = Where(to_articles="", to_root="../")
MONTH = ARTICLES.deeper(1)  # articles/months/<m>.md, articles/sources/<name>.md


def article_line(summary: Summary, where: Where, *, show_source: bool = True) -> str:
    """``- [title](slug.md) · 2025-02-22 · 澎湃新闻``"""
    parts = [f"- [{shown(summary.title) or shown(summary.slug)}]({where.to_articles}{summary.slug}.md)"]
    when = when_shown(summary.date, summary.added)
    if when:
        parts.append(when if ISO_DATE.match(when) else shown(when))
    if show_source and summary.source:
        parts.append(shown(summary.source))
    return " · ".join(parts)


def _older_link(pages: list[ArchivePage], place: ListPlace, page_size: int) -> list[str]:
    """The main page's foot: the page its next-older article is on, and every archived month or year."""
    if not pages:
        return []
    lines = []
    older = first_older(pages, page_size)
    if older is not None:
        lines += [f"[较旧的文章 →]({place.from_main(older)})", "{: .archive-pager }", ""]
    return lines + [months_line(pages, place), ""]


def timeline_parts(ordered: list[Summary], page_size: int,
                   keys: Mapping[str, str] | None = None) -> tuple[dict[str, str], dict[str, Part]]:
    """The timeline as a reduction: (``articles/index.md``, made every time: its newest articles and the
    months line; each page of its archive → the part that makes it with :func:`month_pages`, see
    :func:`~build_tools.archive.paging.archive_parts`)."""
    pages = archive_pages([bucket_of(s) for s in ordered], [s.slug for s in ordered], 0, page_size,
                          [listed_date(s) for s in ordered])
    main = {"articles/index.md": _timeline_main(ordered, pages, page_size)}
    listed = listed_keys(ordered, keys)
    parts: dict[str, Part] = {name: (inputs, (ordered, pages, ks)) for name, (inputs, ks) in
                              archive_parts(pages, listed).items()}
    return main, parts


def month_pages(ordered: list[Summary], pages: list[ArchivePage], ks: tuple[int, ...]) -> dict[str, str]:
    """The pages ``pages[k]`` of the timeline's archive (one, as a part)."""
    return {f"articles/months/{pages[k].stem}.md": _timeline_month(ordered, pages, k) for k in ks}


def timeline_pages(ordered: list[Summary], page_size: int) -> dict[str, str]:
    """``articles/index.md`` and the month pages (see the module's docstring)."""
    out, parts = timeline_parts(ordered, page_size)
    for _inputs, args in parts.values():
        out.update(month_pages(*args))
    return out


def _timeline_main(ordered: list[Summary], pages: list[ArchivePage], page_size: int) -> str:
    newest = ordered[:page_size]
    lines = ["# 全部文章", ""]
    if not ordered:
        lines += ["暂无文章。", ""]
    else:
        rest = "，更早的按月存档" if len(ordered) > page_size else ""
        lines += [f"{ORDER_NOTE}；本页为最新的 {len(newest)} 篇{rest}。", ""]
    heading = None
    for summary in newest:
        bucket = bucket_of(summary)
        if bucket != heading:
            if heading is not None:
                lines.append("")
            lines += [f"## [{bucket.heading}]({TIMELINE.from_main(_month_page(pages, bucket))})", ""]
            heading = bucket
        lines.append(article_line(summary, ARTICLES))
    if newest:
        lines.append("")
    return "\n".join(lines + _older_link(pages, TIMELINE, page_size))


def _month_page(pages: list[ArchivePage], bucket: Bucket) -> ArchivePage:
    return next(p for p in pages if p.bucket == bucket and p.name is None)


def _timeline_month(ordered: list[Summary], pages: list[ArchivePage], k: int) -> str:
    page = pages[k]
    heading = page.bucket.heading
    title = page.heading
    lines = ["---", dump_yaml({"title": title}).rstrip("\n"), "---", "", f"# {title}", ""]
    up = TIMELINE.up(page)
    if page.name is None:
        in_month = [p for p in pages if p.bucket == page.bucket]
        count = sum(len(p.members) for p in in_month)
        paged = "本页为本月最新的文章，更早的见本页末的“较旧的文章”。" if len(in_month) > 1 else ""
        lines += [f"本月共 {count} 篇，{ORDER_NOTE}。{paged}[← 全部文章]({up}index.md)", ""]
    else:  # no position in the month: an article added before this page's would change it
        lines += [f"{ORDER_NOTE}。[← {heading}](../{page.bucket.name}.md)", ""]
    where = MONTH.deeper(page.depth)
    lines += [article_line(ordered[i], where) for i in page.members]
    lines += ["", pager_line(pages, k, TIMELINE)]
    return "\n".join(lines) + "\n"


def source_parts(stem: str, label: str, arts: list[Summary], page_size: int,
                 keys: Mapping[str, str] | None = None) -> tuple[Part, dict[str, Part]]:
    """One source's pages as parts: its main page (:func:`source_main`: its newest ``page_size`` articles and
    the foot naming its archive), each page of its archive (:func:`source_archived_pages`)."""
    pages = archive_pages([bucket_of(s, by_year=True) for s in arts], [s.slug for s in arts], page_size, page_size,
                          [listed_date(s) for s in arts])
    listed = listed_keys(arts, keys)
    foot = [f"{p.stem}\0{p.heading}" for p in pages if p.name is None or page_size in p.members]
    main = ((stem, label, str(page_size), *foot, "", *listed[:page_size]), (stem, label, arts[:page_size], pages,
                                                                            page_size))
    older = {page: ((stem, label, *inputs), (stem, label, arts, pages, ks))
             for page, (inputs, ks) in archive_parts(pages, listed).items()}
    return main, older


_FRONT = ["---", dump_yaml({"search": {"exclude": True}}).rstrip("\n"), "---", ""]


def source_main(stem: str, label: str, newest: list[Summary], pages: list[ArchivePage],
                page_size: int) -> dict[str, str]:
    """``articles/sources/<stem>.md`` with the newest ``page_size`` articles of the source; every page of a
    source is a listing, kept out of search.  ``label`` is escaped."""
    place = ListPlace(folder=stem, main=f"{stem}.md")
    # No title in the front matter: the source's name comes from a dump; the page's <h1> (escaped) names it.
    rest = f"；本页为最新的 {page_size} 篇，更早的按年存档" if pages else ""
    lines = [*_FRONT, f"# {label}", "", f"按日期从新到旧排列{rest}。[← 全部来源](../sources.md)", ""]
    lines += [article_line(s, MONTH, show_source=False) for s in newest]
    lines += [""] + _older_link(pages, place, page_size)
    return {f"articles/sources/{stem}.md": "\n".join(lines).rstrip("\n") + "\n"}


def source_archived_pages(stem: str, label: str, arts: list[Summary], pages: list[ArchivePage],
                      ks: tuple[int, ...]) -> dict[str, str]:
    """``articles/sources/<stem>/<year>.md`` (and ``…/<year>/<slug>.md``): the pages ``pages[k]`` (one, as a part)."""
    place = ListPlace(folder=stem, main=f"{stem}.md")
    out = {}
    for k in ks:
        page = pages[k]
        title = f"{label} · {page.heading}"
        up = place.up(page)
        body = [*_FRONT, f"# {title}", "", f"按日期从新到旧排列。[← {label}]({up}{stem}.md)", ""]
        body += [article_line(arts[i], MONTH.deeper(page.depth + 1), show_source=False) for i in page.members]
        body += ["", pager_line(pages, k, place)]
        out[f"articles/sources/{stem}/{page.stem}.md"] = "\n".join(body) + "\n"
    return out


def source_pages(stem: str, label: str, arts: list[Summary], page_size: int) -> dict[str, str]:
    """``articles/sources/<stem>.md`` with the newest ``page_size`` of ``arts`` (newest first), the older ones on
    ``articles/sources/<stem>/<year>.md`` (every part of :func:`source_parts` made)."""
    (_inputs, args), older = source_parts(stem, label, arts, page_size)
    return {**source_main(*args), **every_part([(source_archived_pages, older)])}
