"""The sources at scale (issue 15): articles/sources.md lists the sources; each source's articles sit on pages of
their own, the newest on articles/sources/<name>.md, older ones archived from the oldest, so a new article
rewrites its source's page and the short list, not a page holding every article of the archive."""

from __future__ import annotations

import posixpath
import re

import pytest

from build_tools.archive.index_pages import index_pages
from tests.factories import summary

_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _articles(n: int, source: str = "澎湃新闻", prefix: str = "a") -> list:
    dates = [f"20{20 + i // 360:02d}-{1 + i // 30 % 12:02d}-{1 + i % 30:02d}" for i in range(n + 1)]
    return [summary(f"{prefix}{i:04d}", title=f"第{i}篇", date=dates[i], source=source) for i in range(1, n + 1)]


def _source_pages(pages: dict[str, str], stem: str) -> tuple[list[int], list[list[int]]]:
    """(the source page's articles, each archived page's from page-1), as article numbers."""
    def listed(text: str) -> list[int]:
        return [int(m) for m in re.findall(r"\((?:\.\./)+a(\d{4})\.md\)", text)]

    archived = sorted((p for p in pages if p.startswith(f"articles/sources/{stem}/page-")),
                      key=lambda p: int(p.rsplit("-", 1)[1][:-3]))
    return listed(pages[f"articles/sources/{stem}.md"]), [listed(pages[p]) for p in archived]


def _stem(pages: dict[str, str], source: str = "澎湃新闻") -> str:
    section = pages["articles/sources.md"].split(f"{{#{source}}}")[1]
    return re.search(r"\(sources/([^)/]+)\.md\)", section).group(1)


@pytest.mark.parametrize(
    ("n", "main", "archived"),
    [
        (3, [3, 2, 1], []),
        (50, list(range(50, 0, -1)), []),
        (51, [51], [list(range(50, 0, -1))]),
        (120, list(range(120, 100, -1)), [list(range(50, 0, -1)), list(range(100, 50, -1))]),
    ],
)
def test_a_source_page_holds_the_newest_and_archived_pages_the_older(n, main, archived) -> None:
    pages = index_pages(_articles(n) + _articles(2, "新华网", "b"))
    stem = _stem(pages)
    assert _source_pages(pages, stem) == (main, archived)
    listing = pages["articles/sources.md"]
    assert "第1篇" not in listing and not re.search(r"\(a\d{4}\.md\)", listing)  # the list names no article
    assert f"共 {n} 篇" in listing.split("{#新华网}")[0]
    for path, text in pages.items():
        if path.startswith("articles/sources/"):
            assert text.startswith("---\nsearch:\n  exclude: true\n---\n")  # listings are not search hits


def test_a_newer_article_rewrites_its_source_page_and_the_list_only() -> None:
    other = _articles(60, "新华网", "b")
    before = index_pages(_articles(40) + other)
    for n in range(41, 161):
        after = index_pages(_articles(n) + other)
        changed = {p for p in before.keys() & after.keys()
                   if p.startswith("articles/sources") and before[p] != after[p]}
        stem = _stem(after)
        boundary = n % 50 == 1
        linked = {f"articles/sources/{stem}/page-{(n - 1) // 50 - 1}.md"} if boundary else set()
        assert changed <= {"articles/sources.md", f"articles/sources/{stem}.md"} | linked, n
        added = {p for p in after.keys() - before.keys() if p.startswith("articles/sources")}
        assert added == ({f"articles/sources/{stem}/page-{(n - 1) // 50}.md"} if boundary else set()), n
        before = after


def test_every_link_of_the_source_pages_resolves() -> None:
    arts = _articles(160) + _articles(3, "新华网", "b") + [summary("u0001", date="2025-01-01", source=None)]
    pages = index_pages(arts)
    targets = set(pages) | {f"articles/{s.slug}.md" for s in arts}
    checked = 0
    for path, text in pages.items():
        if not path.startswith("articles/sources"):
            continue
        for href in _LINK.findall(text):
            if href.startswith(("http", "#")) or href.endswith(".xml"):
                continue
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), href.split("#")[0]))
            assert resolved in targets, (path, href)
            checked += 1
    assert checked > 160
    # The home page keeps linking each source's heading on sources.md.
    for frag in re.findall(r"\(articles/sources\.md#([^)]+)\)", pages["index.md"]):
        assert f"{{#{frag}}}" in pages["articles/sources.md"]
