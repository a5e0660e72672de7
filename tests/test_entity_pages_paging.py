"""Entity pages at scale (issue 15): an entity's page holds its newest articles, older ones sit on archived pages
numbered from the oldest, so one new article rewrites the entity's page alone, never a 2 MB list."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest
import yaml

from build_tools.archive.entity_pages import PAGE_SIZE, entity_pages
from build_tools.entities.registry import load_registry
from tests.factories import summary

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
    return [int(m) for m in re.findall(r"\(\.\./(?:\.\./)?articles/a-(\d{4})\.md\)", text)]


def _front(text: str) -> dict:
    return yaml.safe_load(text.split("---\n", 2)[1])


@pytest.mark.parametrize(
    ("n", "main", "archived"),
    [
        (1, [1], []),
        (PAGE_SIZE, list(range(PAGE_SIZE, 0, -1)), []),
        (PAGE_SIZE + 1, [51], [list(range(50, 0, -1))]),
        (2 * PAGE_SIZE, list(range(100, 50, -1)), [list(range(50, 0, -1))]),
        (120, list(range(120, 100, -1)), [list(range(50, 0, -1)), list(range(100, 50, -1))]),
    ],
)
def test_entity_page_holds_the_newest_and_archived_pages_the_older_from_the_oldest(n, main, archived) -> None:
    pages = _pages(n)
    assert _listed(pages["entities/nvidia.md"]) == main
    got = [_listed(pages[f"entities/nvidia/page-{k}.md"]) for k in range(1, len(archived) + 1)]
    assert got == archived
    assert f"entities/nvidia/page-{len(archived) + 1}.md" not in pages
    assert f"见于 **{n}** 篇文章" in pages["entities/nvidia.md"]  # the header still counts them all
    for k in range(1, len(archived) + 1):
        page = pages[f"entities/nvidia/page-{k}.md"]
        assert "第1篇说英伟达" in page or k > 1  # snippets come along
        assert _front(page)["search"] == {"exclude": True}  # a list of other pages' titles: not a search hit
        assert "常一起出现" not in page


def test_a_newer_article_rewrites_only_the_entity_page() -> None:
    """From 40 to 160 articles one at a time: the archived pages never change; at each page boundary one is added
    (and the one before it gets a link to it, as on the timeline)."""
    before = _pages(40)
    for n in range(41, 161):
        after = _pages(n)
        changed = {p for p in before.keys() & after.keys() if before[p] != after[p]}
        boundary = n % PAGE_SIZE == 1
        newest_archive = (n - 1) // PAGE_SIZE
        linked = {f"entities/nvidia/page-{newest_archive - 1}.md"} if boundary else set()
        assert changed <= {"entities/nvidia.md", "entities/index.md"} | linked, n
        added = after.keys() - before.keys()
        assert added == ({f"entities/nvidia/page-{newest_archive}.md"} if boundary else set()), n
        assert not before.keys() - after.keys()
        before = after


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
    # Each archived page reaches the entity's page and its neighbours; the entity's page reaches the newest archive.
    assert "(nvidia/page-3.md)" in pages["entities/nvidia.md"]
    assert "(../nvidia.md)" in pages["entities/nvidia/page-3.md"]
    assert "(page-2.md)" in pages["entities/nvidia/page-3.md"]
    assert "(page-3.md)" in pages["entities/nvidia/page-2.md"] and "(page-1.md)" in pages["entities/nvidia/page-2.md"]


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
    listings = ["entities/nvidia/page-1/index.html", "entities/nvidia/page-2/index.html"]
    listings += [str(p.relative_to(site)) for p in (site / "articles" / "sources").glob("*/**/index.html")]
    assert len(listings) > 4
    for rel in listings:
        assert LISTING_RE.match(rel), rel  # the search index skips listings
    entity = extract_page((site / "entities/nvidia/index.html").read_bytes(), "entities/nvidia/index.html",
                          tmp_path / "docs")
    assert entity is not None and entity.kind == "entity" and "第1篇" not in entity.text
