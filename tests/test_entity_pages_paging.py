"""Entity pages at scale (issue 15): an entity's page holds its newest articles, older ones sit on archived pages
by month, so one new article rewrites the entity's page and one month, never a 2 MB list nor every page after it."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest
import yaml

from build_tools.archive.entity_pages import PAGE_SIZE, entity_pages
from build_tools.entities.registry import load_registry
from tests.factories import summary
from tests.pagetext import older_pages

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = load_registry(ROOT / "entities.yml")
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _articles(n: int) -> list:
    """``n`` articles mentioning 英伟达, a-0001 the oldest, one a day."""
    dates = [f"20{20 + i // 360:02d}-{1 + i // 30 % 12:02d}-{1 + i % 30:02d}" for i in range(n + 1)]
    return [summary(f"a-{i:04d}", title=f"第{i}篇", date=dates[i], source="来源", entities=("nvidia",))
            for i in range(1, n + 1)]


def _pages(n: int) -> dict[str, str]:
    arts = _articles(n)
    return entity_pages(arts, {s.slug: [("nvidia", f"{s.title}说英伟达")] for s in arts}, REGISTRY)


def _listed(text: str) -> list[int]:
    return [int(m) for m in re.findall(r"\((?:\.\./)+articles/a-(\d{4})\.md\)", text)]


def _front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


def _chain(pages: dict[str, str]) -> list[str]:
    return older_pages(pages, "entities/nvidia.md")


@pytest.mark.parametrize("n", [1, PAGE_SIZE, PAGE_SIZE + 1, 2 * PAGE_SIZE, 120, 400])
def test_entity_page_holds_the_newest_and_month_pages_the_older(n) -> None:
    pages = _pages(n)
    assert _listed(pages["entities/nvidia.md"]) == list(range(n, max(0, n - PAGE_SIZE), -1))
    chain = _chain(pages)
    assert sorted(chain) == sorted(p for p in pages if p.startswith("entities/nvidia/"))
    assert [k for p in chain for k in _listed(pages[p])] == list(range(n - PAGE_SIZE, 0, -1))
    assert "见于" not in pages["entities/nvidia.md"]  # no count: it would change with every article naming it
    assert f"（{n} 篇，提及 {n} 次）" in pages["entities/index.md"]  # the index counts
    for page_path in chain:
        page = pages[page_path]
        assert re.fullmatch(r"entities/nvidia/20\d\d(?:/a-\d{4})?\.md", page_path)  # by year
        assert 1 <= len(_listed(page)) <= PAGE_SIZE
        assert "说英伟达”" in page  # snippets come along
        assert _front(page)["search"] == {"exclude": True}  # a list of other pages' titles: not a search hit
        assert "常一起出现" not in page


def test_a_newer_article_rewrites_the_entity_page_and_one_month() -> None:
    """From 40 to 160 articles one at a time: the entity's page changes, the article pushed off it joins its
    month's page; no other archived page changes but, when a month starts, the newer-link of the month before."""
    before = _pages(40)
    for n in range(41, 161):
        after = _pages(n)
        changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
        rest = changed - {"entities/nvidia.md", "entities/index.md"}
        if n > PAGE_SIZE:
            month = next(p for p in _chain(after) if n - PAGE_SIZE in _listed(after[p])).split("/")[2][:4]
            rest = {p for p in rest if not p.startswith(f"entities/nvidia/{month}")}
        assert len(rest) <= 1 and all(re.fullmatch(r"entities/nvidia/20\d\d\.md", p) for p in rest), (n, rest)
        assert not before.keys() - after.keys()
        before = after


@pytest.mark.parametrize("k", [1, 45, 100, 170])
def test_an_older_article_rewrites_a_page_or_a_few_of_the_entity(k) -> None:
    """Issue 15: an article dated among old ones, naming the entity, rewrites a page or a few of that year's pages
    of the entity (and the index's count), not its page and not the other years."""
    arts = _articles(300)
    extra = summary("a9999", title="补档", date=arts[k].date, source="来源", entities=("nvidia",))
    mentions = {s.slug: [("nvidia", f"{s.title}说英伟达")] for s in [*arts, extra]}
    before = entity_pages(arts, mentions, REGISTRY)
    after = entity_pages([*arts, extra], mentions, REGISTRY)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    year = f"entities/nvidia/{arts[k].date[:4]}"
    assert {p for p in changed if not p.startswith(year)} <= {"entities/index.md"}
    # The page it lands in, renamed when it is the page's oldest, and the pagers of the pages on either side.
    assert 1 <= len(changed - {"entities/index.md"}) <= 5


def test_every_link_of_the_paged_entity_resolves() -> None:
    pages = _pages(160)
    arts = {f"articles/{s.slug}.md" for s in _articles(160)}
    targets = set(pages) | arts | {"entities/nvidia.xml"}
    for path, text in pages.items():
        if not path.startswith("entities/nvidia"):
            continue
        for href in _LINK.findall(text):
            if href.startswith("http"):
                continue
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), href.split("#")[0]))
            assert resolved in targets, (path, href)
    # The entity's page lists every archived year; each archived page leads back to the entity's page.
    months = [p for p in _chain(pages) if p.count("/") == 2]
    assert all(f"({p.removeprefix('entities/')})" in pages["entities/nvidia.md"] for p in months)
    assert all("(../nvidia.md)" in pages[p] for p in months)


@pytest.mark.slow  # mkdocs build --strict of ~340 pages
def test_paged_entity_and_source_pages_build_strict_and_stay_out_of_search(tmp_path: Path) -> None:
    """Every link of the paged pages resolves in MkDocs (--strict), and search skips the archived and source
    pages: they only repeat other pages' titles and snippets."""
    import os
    import shutil
    import subprocess
    import sys

    from build_tools.archive.feed import source_feed
    from build_tools.archive.index_pages import index_pages
    from build_tools.search.extract import extract_page
    from build_tools.search.indexer import LISTING_RE

    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "theme", tmp_path / "theme")
    shutil.copytree(ROOT / "docs" / "assets", tmp_path / "docs" / "assets")
    shutil.copy(ROOT / "docs" / "about.md", tmp_path / "docs" / "about.md")
    arts = _articles(120)
    pages = index_pages(arts, entity_names={e.id: e.name for e in REGISTRY.entities}) | _pages(120)
    pages |= {f"articles/{s.slug}.md": f"# {s.title}\n\n正文。\n" for s in arts}
    feeds = [f"entities/{e.id}.xml" for e in REGISTRY.entities] + ["articles/" + source_feed("来源"), "feed.xml"]
    pages |= dict.fromkeys(feeds, "<feed/>")
    for path, text in pages.items():
        (tmp_path / "docs" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "docs" / path).write_text(text, encoding="utf-8")
    mkdocs = Path(sys.executable).with_name("mkdocs")
    done = subprocess.run([str(mkdocs), "build", "--strict", "-q", "-d", "site"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stderr[-3000:]
    site = tmp_path / "site"
    listings = [str(p.relative_to(site)) for p in (site / "entities" / "nvidia").glob("*/**/index.html")]
    listings += [str(p.relative_to(site)) for p in (site / "articles" / "sources").glob("*/**/index.html")]
    assert len(listings) > 4
    for rel in listings:
        assert LISTING_RE.match(rel), rel  # the search index skips listings
    entity = extract_page((site / "entities/nvidia/index.html").read_bytes(), "entities/nvidia/index.html",
                          tmp_path / "docs")
    assert entity is not None and entity.kind == "entity" and "第1篇" not in entity.text
