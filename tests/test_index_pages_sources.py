"""The sources at scale (issue 15): articles/sources.md lists the sources; each source's articles sit on pages of
their own, the newest on articles/sources/<name>.md, older ones by month, so a new article rewrites its source's
page, one month and the short list, not a page holding every article of the archive."""

from __future__ import annotations

import posixpath
import re

import pytest

from build_tools.archive.index_pages import index_pages
from tests.factories import summary
from tests.pagetext import older_pages

_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _articles(n: int, source: str = "澎湃新闻", prefix: str = "a") -> list:
    dates = [f"20{20 + i // 360:02d}-{1 + i // 30 % 12:02d}-{1 + i % 30:02d}" for i in range(n + 1)]
    return [summary(f"{prefix}{i:04d}", title=f"第{i}篇", date=dates[i], source=source) for i in range(1, n + 1)]


def _listed(text: str) -> list[int]:
    return [int(m) for m in re.findall(r"\((?:\.\./)+a(\d{4})\.md\)", text)]


def _chain(pages: dict[str, str], stem: str) -> list[str]:
    return older_pages(pages, f"articles/sources/{stem}.md")


def _stem(pages: dict[str, str], source: str = "澎湃新闻") -> str:
    section = pages["articles/sources.md"].split(f"{{#{source}}}")[1]
    return re.search(r"\(sources/([^)/]+)\.md\)", section).group(1)


@pytest.mark.parametrize("n", [3, 50, 51, 120, 200])
def test_a_source_page_holds_the_newest_and_month_pages_the_older(n) -> None:
    pages = index_pages(_articles(n) + _articles(2, "新华网", "b"))
    stem = _stem(pages)
    assert _listed(pages[f"articles/sources/{stem}.md"]) == list(range(n, max(0, n - 50), -1))
    chain = _chain(pages, stem)
    assert sorted(chain) == sorted(p for p in pages if p.startswith(f"articles/sources/{stem}/"))
    assert [k for p in chain for k in _listed(pages[p])] == list(range(n - 50, 0, -1))  # each once, newest first
    for path in chain:
        assert re.fullmatch(rf"articles/sources/{stem}/20\d\d(?:/a\d{{4}})?\.md", path)  # by year
        assert 1 <= len(_listed(pages[path])) <= 50
    listing = pages["articles/sources.md"]
    assert "第1篇" not in listing and not re.search(r"\(a\d{4}\.md\)", listing)  # the list names no article
    assert f"共 {n} 篇" in listing.split("{#新华网}")[0]
    assert "共" not in pages[f"articles/sources/{stem}.md"]  # the source's page names no total
    for path, text in pages.items():
        if path.startswith("articles/sources/"):
            assert text.startswith("---\nsearch:\n  exclude: true\n---\n")  # listings are not search hits


def test_a_newer_article_rewrites_its_source_page_the_list_and_one_month() -> None:
    """The newest article rewrites the source's page; the article it pushes off that page joins its month's
    archived page (and a new month's page gets linked from the month before it)."""
    other = _articles(60, "新华网", "b")
    before = index_pages(_articles(40) + other)
    for n in range(41, 161):
        after = index_pages(_articles(n) + other)
        changed = {p for p in before.keys() | after.keys()
                   if p.startswith("articles/sources") and before.get(p) != after.get(p)}
        stem = _stem(after)
        rest = changed - {"articles/sources.md", f"articles/sources/{stem}.md"}
        if n > 50:
            pushed = next(p for p in _chain(after, stem) if n - 50 in _listed(after[p]))
            month = pushed.split("/")[3].removesuffix(".md")
            rest = {p for p in rest if f"/{stem}/{month}" not in p}
        assert len(rest) <= 1 and all(re.search(r"/20\d\d\.md$", p) for p in rest), (n, rest)
        before = after


@pytest.mark.parametrize("when", ["2020-02-15", "2020-04-01", "2020-05-30"])
def test_an_older_article_rewrites_a_page_or_a_few_of_the_source(when) -> None:
    """Issue 15: an article dated among old ones leaves the source's page and its other months alone."""
    arts = _articles(200)
    before = index_pages(arts)
    after = index_pages([*arts, summary("a9999", title="补档", date=when, source="澎湃新闻")])
    stem = _stem(after)
    changed = {p for p in before.keys() | after.keys()
               if p.startswith("articles/sources") and before.get(p) != after.get(p)}
    year = f"articles/sources/{stem}/{when[:4]}"
    assert {p for p in changed if not p.startswith(year)} <= {"articles/sources.md"}
    assert 1 <= len(changed - {"articles/sources.md"}) <= 5  # a page or a few of its year


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
