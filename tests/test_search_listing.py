"""The search index finds the site's pages by listing only the folders whose stat changed since the last index
(search/unchanged.py ``walk``): the same pages, in the same order, as a walk of every folder, whatever was
added, removed or renamed in between; an unchanged site lists no folder at all."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from build_tools.search import indexer, unchanged

HOUR = 3600 * 10**9


def _walked(site: Path) -> tuple[list[tuple[str, str]], int]:
    """Every folder listed: what the index found before the listings were kept."""
    out, listing = [], 0
    for dirpath, dirnames, filenames in os.walk(site):
        rel_dir = os.path.relpath(dirpath, site)
        if rel_dir == ".":
            dirnames[:] = [d for d in dirnames if d not in indexer.SKIP_DIRS]
            rel_dir = ""
        dirnames.sort()
        for name in sorted(filenames):
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if name.endswith(".html") and not indexer.LISTING_RE.match(rel):
                out.append((rel, os.path.join(dirpath, name)))
            elif name.endswith(".html"):
                listing += 1
    return out, listing


def _page(site: Path, rel: str) -> None:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<html>{rel}</html>", encoding="utf-8")


def _an_hour_later(monkeypatch) -> None:
    """Every folder changed long before the index runs (as a site rendered an hour ago)."""
    real = unchanged.time.time_ns
    monkeypatch.setattr(unchanged.time, "time_ns", lambda: real() + HOUR)


def _listings(monkeypatch) -> list[str]:
    listed: list[str] = []
    real = os.scandir
    # (shutil.rmtree lists by file descriptor: not a folder the index lists)
    monkeypatch.setattr(unchanged.os, "scandir",
                        lambda path: (not isinstance(path, int) and listed.append(str(path))) or real(path))
    return listed


def test_kept_listings_find_what_a_full_walk_finds_and_list_nothing_when_nothing_changed(tmp_path, monkeypatch):
    site, cache = tmp_path / "site", tmp_path / "cache"
    cache.mkdir()
    for rel in ("index.html", "404.html", "about/index.html", "articles/index.html", "articles/b/index.html",
                "articles/a/index.html", "articles/provenance/a/index.html", "entities/x/index.html",
                "assets/search/x.html", "pagefind/y.html", "articles/a/notes.txt"):
        _page(site, rel)
    _an_hour_later(monkeypatch)
    assert indexer._candidates(site, cache) == _walked(site)
    expected = _walked(site)
    listed = _listings(monkeypatch)
    assert indexer._candidates(site, cache) == expected
    assert listed == []  # every folder's listing kept: not one listed again

    _page(site, "articles/c/index.html")  # a new page: its folder is new, articles/ changed
    shutil.rmtree(site / "articles" / "b")  # a page gone
    (site / "entities" / "x" / "index.html").rename(site / "entities" / "x" / "page.html")  # renamed in place
    _page(site, "about/more.html")
    found = indexer._candidates(site, cache)
    monkeypatch.undo()
    assert found == _walked(site)
    assert {Path(p).relative_to(site).as_posix() for p in listed} == {"articles", "articles/c", "entities/x",
                                                                        "about"}


def test_a_folder_changed_moments_ago_is_listed_again_next_time(tmp_path, monkeypatch):
    """Its stat may not show a second change in the same timestamp tick: it is never trusted."""
    site, cache = tmp_path / "site", tmp_path / "cache"
    cache.mkdir()
    _page(site, "articles/a/index.html")
    indexer._candidates(site, cache)  # every folder made moments ago
    expected = _walked(site)
    listed = _listings(monkeypatch)
    assert indexer._candidates(site, cache) == expected
    assert sorted(Path(p).relative_to(site).as_posix() for p in listed) == [".", "articles", "articles/a"]
