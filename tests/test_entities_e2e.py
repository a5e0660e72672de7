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

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "raw" if (ROOT / "raw").is_dir() else None
SHARED_SEEDS = ROOT.parent / "shared" / "corpus" / "seeds"

pytestmark = pytest.mark.skipif(
    not (ROOT / "build_tools" / "pipeline.py").exists(), reason="build_tools/pipeline.py does not exist yet"
)

JENSEN = {"000", "001", "002", "004"}
HUAWEI = {"004"}


def _seed_dir() -> Path:
    for cand in (SHARED_SEEDS, SEEDS):
        if cand is not None and cand.is_dir() and len(list(cand.glob("00[0-4]_*"))) == 5:
            return cand
    pytest.skip("seed dumps not found")


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
    return index, [link_article(a, index) for a in arts if hasattr(a, "blocks")]


def test_entity_pages_from_pipeline_stages() -> None:
    """ingest → clean → metadata from the pipeline, then this package's link stage and pages."""
    from build_tools.archive.entity_pages import entity_pages
    from build_tools.entities.linker import mention_contexts, mention_counts
    from build_tools.model import summarize

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
    if not (ent_dir / "jensen-huang.md").exists():
        pytest.skip("the pipeline does not write entity pages yet (wire build_tools.link.entity_pages)")
    assert _listed((ent_dir / "jensen-huang.md").read_text(encoding="utf-8")) == JENSEN
    assert _listed((ent_dir / "huawei.md").read_text(encoding="utf-8")) == HUAWEI
    assert (ent_dir / "index.md").exists()
    page_004 = next((docs / "articles").glob("004*.md")).read_text(encoding="utf-8")
    assert "(../entities/huawei.md)" in page_004
    page_001 = next((docs / "articles").glob("001*.md")).read_text(encoding="utf-8")
    assert "(../entities/huawei.md)" not in page_001


def test_same_story_on_seeds() -> None:
    """000 and 001 report the same interview (different translations, same quotes); nothing else pairs."""
    from build_tools.archive.related import related_articles, story_fingerprint
    from build_tools.entities.linker import mention_counts
    from build_tools.model import summarize

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
