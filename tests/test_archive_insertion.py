"""Issue 15, end to end: a dump dated among old articles rewrites a handful of pages, not every archived page
newer than it.  A build of an archive of 160 dated dumps from November 2023 to January 2024 (months of more
than a page, an archived source and archived entities), then one dump dated in the middle of December added: the
listing pages that change are a few of December's timeline pages, a few of each list's 2023 pages (the source
and entity archives are cut by year), the lists' small indexes and the main pages of the entities it names;
articles/index.md, the source's page, the other months and 2024 keep their bytes."""

from __future__ import annotations

import dataclasses
import random
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from benchmarks.generate import encode, make_articles, render_dump
from tests.conftest import ROOT
from tests.fixtures.hostile.corpus import run_build, tree_bytes

pytestmark = pytest.mark.slow  # two builds of 160 dumps

START = datetime(2023, 11, 1, 8)
STEP = timedelta(hours=13, minutes=30)  # 160 dumps from November 1st to January 29th: ~53 a month


def _write(raw: Path, i: int, when: datetime, seed: int) -> str:
    article = dataclasses.replace(make_articles(1, seed=seed)[0], published=when, fmt="jina", encoding="utf-8")
    text, ext = render_dump(article, random.Random(i))
    name = f"d{i:04d}{ext}"
    (raw / name).write_bytes(encode(text, "utf-8", "jina"))
    return name


def _build(root: Path) -> dict[str, bytes]:
    result = run_build(root / "raw", root / "docs", "--entities", str(root / "entities.yml"), cwd=root, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return tree_bytes(root / "docs")


def _listing(path: str) -> bool:
    """A page that lists articles (not an article, its raw copy or provenance, nor a feed)."""
    if path.endswith(".xml") or path.startswith(("articles/raw/", "articles/provenance/")):
        return False
    return not re.fullmatch(r"articles/[^/]+\.md", path) or path in {"articles/index.md", "articles/sources.md",
                                                                     "articles/tags.md"}


def test_a_dump_dated_among_old_ones_rewrites_its_month_not_the_archive(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(ROOT / "entities.yml", tmp_path / "entities.yml")
    for i in range(160):
        _write(raw, i, START + i * STEP, seed=i)
    before = _build(tmp_path)

    name = _write(raw, 999, datetime(2023, 12, 14, 9, 30), seed=999)
    after = _build(tmp_path)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    listings = {p for p in changed if _listing(p)}
    entities = set(re.findall(r"\(\.\./entities/([a-z0-9-]+)\.md\)", after[f"articles/{Path(name).stem}.md"].decode()))
    allowed_mains = {"index.md", "articles/sources.md", "entities/index.md"} | {f"entities/{e}.md" for e in entities}
    december = re.compile(r"articles/months/2023-12(?:/|\.md)|articles/sources/[^/]+/2023(?:/|\.md)|"
                          r"entities/[^/]+/2023(?:/|\.md)")
    outside = {p for p in listings - allowed_mains if not december.match(p)}
    assert outside == set(), sorted(outside)
    assert "articles/index.md" not in changed  # the newest 50 are all of January
    assert "articles/months/2023-12.md" in changed and "articles/months/2023-11.md" not in changed
    # A page or a few rewritten of each list it is in (new pages too when its year passes 50 and is cut).
    per_list: dict[str, int] = {}
    for path in (listings - allowed_mains) & before.keys():
        key = path.split("/2023")[0]
        per_list[key] = per_list.get(key, 0) + 1
    assert per_list and max(per_list.values()) <= 3, per_list
    # What made it a test of paging: December is cut in two or more, the source and some entity archive 2023.
    assert any(p.startswith("articles/months/2023-12/") for p in before)
    assert any(re.match(r"articles/sources/[^/]+/2023", p) for p in before)
    assert any(re.match(r"entities/[^/]+/2023", p) for p in before)
