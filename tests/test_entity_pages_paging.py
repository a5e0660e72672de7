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
