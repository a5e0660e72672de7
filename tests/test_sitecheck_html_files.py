"""``html_files`` lists what ``rglob("*.html")`` lists (relative, sorted), in the cases a site folder can hold."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from build_tools.sitecheck import html_files

TREES = [
    [],
    ["index.html"],
    ["index.html", "a/index.html", "a/b/index.html", "a-b/index.html", "a.b/x.html"],
    ["404.html", "sitemap.xml", "assets/x.css", "page.HTML", "x.htm", "y.html.gz"],
    [".hidden/index.html", ".top.html", "deep/er/and/deeper/index.html"],
    ["dir.html/index.html"],  # a folder named *.html is listed, as rglob lists it
    ["中文/页面/index.html", "a b/c d.html"],
]


def _rglob(site: Path) -> list[str]:
    return sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))


@pytest.mark.parametrize("tree", TREES)
def test_lists_what_rglob_lists(tmp_path: Path, tree: list[str]) -> None:
    site = tmp_path / "site"
    site.mkdir()
    for rel in tree:
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text("x", encoding="utf-8")
    assert html_files(site) == _rglob(site)


def test_a_symlinked_folder_is_not_entered(tmp_path: Path) -> None:
    site, elsewhere = tmp_path / "site", tmp_path / "elsewhere"
    (elsewhere / "in").mkdir(parents=True)
    (elsewhere / "in" / "x.html").write_text("x", encoding="utf-8")
    site.mkdir()
    (site / "index.html").write_text("x", encoding="utf-8")
    os.symlink(elsewhere / "in", site / "linked")
    os.symlink(elsewhere / "in" / "x.html", site / "file.html")
    assert html_files(site) == _rglob(site) == ["file.html", "index.html"]


def test_no_site_lists_nothing(tmp_path: Path) -> None:
    assert html_files(tmp_path / "absent") == []
