"""End-to-end on the seed dumps: which articles each entity page lists.

Seed 002 writes 黃仁勛 (Traditional); seed 001 mentions 华为 only in its junk
推荐阅读 list, which the cleaner removes, so the 华为 page lists seed 004 only.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from build_tools.model import Failure, summarize
from tests import factories as f

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "raw"
SHARED_SEEDS = ROOT.parent / "shared" / "corpus" / "seeds"

JENSEN = {"000", "001", "002", "004"}
HUAWEI = {"004"}


def _seed_dir() -> Path:
    """The five seed dumps: ../shared/corpus/seeds where it is checked out, else the copies in raw/ (in git)."""
    for cand in (SHARED_SEEDS, SEEDS):
        if cand.is_dir() and len(list(cand.glob("00[0-4]_*"))) == 5:
            return cand
    raise AssertionError(f"the five seed dumps 00[0-4]_* are in neither {SHARED_SEEDS} nor {ROOT / 'raw'}")


def _listed(page: str) -> set[str]:
    """Seed numbers of the articles an entity page links to."""
    return {m.group(1) for m in re.finditer(r"\(\.\./articles/(?:[^)]*/)?(\d{3})[^)/]*\.md\)", page)}


def _prepared_articles():
    from build_tools.config.corrections import load_overrides
    from build_tools.entities.linker import link_article
    from build_tools.entities.matcher import AliasIndex
    from build_tools.entities.registry import load_registry
    from build_tools.pipeline import discover, prepare
    from build_tools.settings import Settings

    raw = _seed_dir()
    settings = Settings(raw_dir=raw)
    overrides = load_overrides(ROOT / "no-such-overrides.yml", [])
    index = AliasIndex.build(load_registry(ROOT / "entities.yml"))
    arts = [prepare(p, settings, overrides) for p in discover(raw)]
    assert [a for a in arts if isinstance(a, Failure)] == [], "a seed dump was rejected"
    return index, [link_article(a, index) for a in arts]


def test_entity_pages_from_pipeline_stages() -> None:
    """ingest → clean → metadata from the pipeline, then this package's link stage and pages."""
    from build_tools.archive.entity_pages import entity_pages
    from build_tools.entities.linker import mention_contexts, mention_counts

    index, linked = _prepared_articles()
    assert len(linked) == 5
    pages = entity_pages(
        [summarize(a) for a in linked],
        {a.slug: mention_contexts(a) for a in linked},
        index.registry,
        {a.slug: mention_counts(a) for a in linked},
    )
    assert _listed(pages["entities/jensen-huang.md"]) == JENSEN
    assert _listed(pages["entities/huawei.md"]) == HUAWEI
    assert "黃仁勛" in pages["entities/jensen-huang.md"]  # the Traditional snippet of seed 002, as written
    by_seed = {Path(a.raw_path).name[:3]: a for a in linked}
    assert "huawei" not in by_seed["001"].entities
    assert by_seed["002"].entities and "jensen-huang" in by_seed["002"].entities


@pytest.mark.slow  # a build in a subprocess; tests/test_golden.py checks the same pages in-process
def test_build_cli_writes_entity_pages(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    shutil.copytree(_seed_dir(), raw)
    docs = tmp_path / "docs"
    cmd = [
        sys.executable, "-m", "build_tools", "build", "--raw", str(raw), "--docs", str(docs),
        "--entities", str(ROOT / "entities.yml"), "--no-cache", "--quiet",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ent_dir = docs / "entities"
    assert (ent_dir / "jensen-huang.md").exists(), f"the build wrote no entity pages: {sorted(docs.rglob('*'))[:20]}"
    assert _listed((ent_dir / "jensen-huang.md").read_text(encoding="utf-8")) == JENSEN
    assert _listed((ent_dir / "huawei.md").read_text(encoding="utf-8")) == HUAWEI
    assert (ent_dir / "index.md").exists()
    page_004 = next((docs / "articles").glob("004*.md")).read_text(encoding="utf-8")
    assert "(../entities/huawei.md)" in page_004
    page_001 = next((docs / "articles").glob("001*.md")).read_text(encoding="utf-8")
    assert "(../entities/huawei.md)" not in page_001


# The same facts on records made by tests/factories.py: when the end-to-end tests above fail, these say
# whether the link stage and the entity pages are at fault or the stages before them.


def _registry_index():
    from build_tools.entities.matcher import AliasIndex
    from build_tools.entities.registry import load_registry

    return AliasIndex.build(load_registry(ROOT / "entities.yml"))


@pytest.mark.parametrize(("body", "removed", "entities"), [
    (f.paragraph("黃仁勛說，英偉達的市場很大。"), (), {"jensen-huang", "nvidia"}),
    (f.paragraph("黄仁勋谈AI计算需求。"), (f.removed("华为发布新款手机", "tail:推荐阅读"),), {"jensen-huang"}),
], ids=["Traditional Chinese", "a mention only in removed junk does not count"])
def test_link_stage_on_factory_articles(body, removed, entities) -> None:
    from build_tools.stages.link import link

    linked = link(f.article(body, removed=removed), _registry_index())
    assert set(linked.entities) == entities


def test_entity_pages_from_factory_records() -> None:
    """The page of an entity lists exactly the articles that mention it, newest first, with a snippet."""
    from build_tools.archive.entity_pages import entity_pages
    from build_tools.entities.linker import mention_contexts, mention_counts
    from build_tools.stages.link import link

    index = _registry_index()
    linked = [
        link(f.article(f.paragraph("黄仁勋表示，R1利好AI市场。"), raw_path="raw/a.txt",
                       meta_fields={"date": "2025-01-27"}), index),
        link(f.article(f.paragraph("华为发布了昇腾芯片。"), raw_path="raw/b.txt",
                       meta_fields={"date": "2025-02-01"}), index),
        link(f.article(f.paragraph("黄仁勋和华为都在谈芯片。"), raw_path="raw/c.txt",
                       meta_fields={"date": "2025-02-03"}), index),
    ]
    summaries = [summarize(a) for a in linked]
    pages = entity_pages(summaries, {a.slug: mention_contexts(a) for a in linked}, index.registry,
                         {a.slug: mention_counts(a) for a in linked})
    jensen = pages["entities/jensen-huang.md"]
    assert re.findall(r"\(\.\./articles/([abc])\.md\)", jensen) == ["c", "a"]
    assert re.findall(r"\(\.\./articles/([abc])\.md\)", pages["entities/huawei.md"]) == ["c", "b"]
    assert "R1利好AI市场" in jensen


def test_same_story_on_seeds() -> None:
    """000 and 001 report the same interview (different translations, same quotes); nothing else pairs."""
    from build_tools.archive.related import related_articles
    from build_tools.archive.stories import story_fingerprint
    from build_tools.entities.linker import mention_counts

    _index, linked = _prepared_articles()
    seed = {a.slug: Path(a.raw_path).name[:3] for a in linked}
    rel = related_articles(
        [summarize(a) for a in linked],
        {a.slug: story_fingerprint(a) for a in linked},
        {a.slug: mention_counts(a) for a in linked},
    )
    pairs = {frozenset((seed[s], seed[o])) for s, items in rel.items() for o, _t, same in items if same}
    assert pairs == {frozenset(("000", "001"))}
    for slug, items in rel.items():
        assert len(items) <= 5
        if seed[slug] in ("000", "001"):
            assert items[0][2] is True  # the other report comes first
