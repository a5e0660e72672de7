"""The old articles' bundle in O(change) (issue 15, session 23): stable page slots, content-defined chunk cuts.

* an article dated among old ones changes the files that hold its words and its own fragment, not the bundle:
  the other pages' fragments and most chunks are left as they are (not even rewritten);
* whatever sequence of additions, edits and removals led to it, the index equals the index built from nothing
  on the same site, byte for byte (the slot a page gets depends on the current pages only);
* slots: a pure function of the set of pages, ascending with the day, and a page added moves no other.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import cbor2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from build_tools.search import index_site, streams, tiers
from build_tools.search.layout import bundle_files
from build_tools.search.pageorder import day_of
from build_tools.search.slots import page_slots
from build_tools.search.writer import tree_size
from tests.test_search_incremental import _dated_article
from tests.test_search_index import bundle_bytes, word_map

WORDS = ["芯片", "算力", "模型", "推理", "开源", "出口", "管制", "市场", "需求", "创新", "训练", "数据"]


def _text(rng: random.Random, tag: str) -> str:
    """Sentences of common words, and a run of rarer characters: a page's own bigrams."""
    common = "。".join("".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))) for _ in range(3))
    rare = "".join(chr(0x4E00 + rng.randrange(3000)) for _ in range(30))
    return f"{common}。{rare}。{tag}号"


def _site(root: Path, n: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    site = root / "site"
    for i in range(n):
        _dated_article(site, f"p{i:03d}", f"2024-{1 + i % 12:02d}-{1 + (i * 7) % 28:02d}", _text(rng, f"第{i}"))
    return site


def _files(bundle: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(bundle).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in bundle.rglob("*") if p.is_file()}


def _old_bundle(site: Path) -> Path:
    return max(tiers.bundle_dirs(site / "pagefind"), key=lambda d: len(list((d / "fragment").iterdir())))


def test_slots_are_a_function_of_the_pages_and_an_insertion_moves_no_other():
    rng = random.Random(3)
    pages = [(f"articles/a{i}/", f"2024-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}") for i in range(400)]
    slots = dict(zip(pages, page_slots(pages), strict=True))
    assert len(set(slots.values())) == len(pages)
    shuffled = pages[:]
    rng.shuffle(shuffled)
    assert dict(zip(shuffled, page_slots(shuffled), strict=True)) == slots  # order given does not matter
    by_day = sorted(pages, key=lambda p: slots[p])
    assert [day_of(d) for _u, d in by_day] == sorted(day_of(d) for _u, d in pages)  # ascending with the day
    new = ("articles/new/", "2024-06-15")
    after = dict(zip([*pages, new], page_slots([*pages, new]), strict=True))
    moved = [p for p in pages if after[p] != slots[p]]
    assert len(moved) <= 2, moved  # only pages pushed past it in its own run of taken slots


def _stream(n: int, rng: random.Random) -> list[tuple[str, bytes, int]]:
    out = []
    for w in sorted({"".join(chr(0x4E00 + rng.randrange(20000)) for _ in range(2)) for _ in range(n)}):
        pages = sorted(rng.sample(range(0, 4000), rng.randint(1, 40)))
        deltas = [[b - a, [rng.randrange(1, 99)] * rng.randint(1, 5)] for a, b in zip([0, *pages], pages, strict=False)]
        out.append((w, cbor2.dumps([w, deltas, []]), sum(len(d[1]) + 1 for d in deltas)))
    return out


def test_one_changed_word_changes_its_chunk_and_the_meta_only():
    """layout.bundle_files: content-defined cuts and names, so a word's entry changed, one inserted and one
    removed change the chunks that hold them (and, rarely, a neighbour), the meta and a few blocks of
    ranges; every other file keeps its name and bytes (densely numbered chunks renamed every later one)."""
    rng = random.Random(7)
    stream = _stream(30_000, rng)
    slots = list(range(0, 4000, 2))
    counts = [100] * len(slots)
    head = [1, [], "en"]
    before = bundle_files(stream, slots, counts, head, "en_x", 2500)[0]
    changed = stream[:]
    w, entry, units = changed[12_000]
    pages = cbor2.loads(entry)[1]
    pages[0][1] = [*pages[0][1], 5]
    changed[12_000] = (w, cbor2.dumps([w, pages, []]), units + 1)
    del changed[20_000]
    changed.insert(5_000, (changed[5_000][0] + "x", cbor2.dumps([changed[5_000][0] + "x", [[4, [1]]], []]), 2))
    after = bundle_files(changed, slots, counts, head, "en_x", 2500)[0]
    differ = sorted(set(before.items()) ^ set(after.items()))
    names = {rel for rel, _v in differ}
    chunks = [n for n in names if n.startswith("index/") and "-r" not in n]
    assert len([n for n in before if n.startswith("index/")]) > 400
    assert 3 <= len(chunks) <= 2 * 6, chunks  # old and new versions of about three chunks
    assert len([n for n in names if "-r" in n]) <= 2 * 3 and len([n for n in names if n.endswith(".pf_meta")]) <= 2


@pytest.mark.slow  # Pagefind
def test_an_old_dated_article_rewrites_only_changed_files_and_no_other_fragment(tmp_path: Path, monkeypatch):
    """Session 23: the old articles' bundle is written in place: a file whose bytes stay is not written again
    (same inode, same mtime), the other pages keep their fragments, and the result is an index from nothing's."""
    monkeypatch.setattr(tiers, "RECENT_SHARDS", 2)
    site = _site(tmp_path, 41)  # 41 shards of one page: the old bundle keeps 40 before and after
    cache = tmp_path / "cache"
    index_site(site, None, shard_pages=2, cache_dir=cache)
    old = _old_bundle(site)
    before = _files(old)
    data = bundle_bytes(old)

    _dated_article(site, "inserted", "2024-03-10", "补进来的一篇旧文章。")
    added = index_site(site, None, shard_pages=2, cache_dir=cache)
    assert added.bundles_merged >= 1 and "articles/inserted/" in word_map(site / "pagefind")["补进"]
    after = _files(old)
    now = bundle_bytes(old)
    # the inserted page's fragment is new; every other page keeps its file (the newest old one moves on to
    # the recent articles' bundle: the tiers cut by shard count)
    kept = [f for f in before if f.startswith("fragment/")]
    assert all(after.get(f) in (before[f], None) for f in kept) and sum(f not in after for f in kept) <= 1
    assert len([f for f in after if f.startswith("fragment/") and f not in before]) == 1
    same = [f for f in now if data.get(f) == now[f]]
    assert len(same) > len(now) // 2 and all(after[f] == before[f] for f in same)
    incremental = bundle_bytes(site / "pagefind")
    shutil.rmtree(cache / "written")  # what was written forgotten: merged again over the same files
    (cache / "unchanged.json").unlink()
    index_site(site, None, shard_pages=2, cache_dir=cache)
    assert bundle_bytes(site / "pagefind") == incremental
    index_site(site, None, shard_pages=2, cache_dir=False)
    assert bundle_bytes(site / "pagefind") == incremental


OPS = st.lists(st.tuples(st.sampled_from(["add", "edit", "remove", "heavy"]), st.integers(0, 10_000)), min_size=1,
               max_size=4)


@pytest.mark.slow  # Pagefind, a few dozen runs
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS, old_part=st.sampled_from([1, 48]), cold=st.booleans())
def test_any_sequence_of_changes_ends_where_an_index_from_nothing_does(tmp_path_factory, ops, old_part, cold):
    """``old_part`` 1: the old articles in a bundle per group (tiers.OLD_PART_GROUPS), so changes move pages
    between old bundles too.  ``cold``: each index as a new process runs it (the kept streams read back from their
    pieces on disk: search/packs.py), else with the streams this process saved.  The bundle's files and bytes
    the index reports (kept, not walked) are always the ones on disk."""
    root = tmp_path_factory.mktemp("seq")
    tiers_recent, tiers_part = tiers.RECENT_SHARDS, tiers.OLD_PART_GROUPS
    tiers.RECENT_SHARDS, tiers.OLD_PART_GROUPS = 2, old_part
    try:
        site = _site(root, 24, seed=1)
        cache = root / "cache"
        index_site(site, None, shard_pages=2, cache_dir=cache)
        rng = random.Random(ops[0][1])
        for n, (op, r) in enumerate(ops):
            slugs = sorted(p.name for p in (site / "articles").iterdir())
            slug = slugs[r % len(slugs)]
            if op in ("add", "heavy"):  # heavy: a word past the run threshold (and back below it when removed)
                date = f"2024-{1 + r % 12:02d}-{1 + r % 28:02d}"
                text = "。".join([rng.choice(WORDS) + "需求"] * (500 if op == "heavy" else 0)) + _text(rng, f"新{n}")
                _dated_article(site, f"n{n}x{r}", date, text)
            elif op == "edit":
                page = site / "articles" / slug / "index.html"
                page.write_text(page.read_text(encoding="utf-8").replace("。", "，", 1), encoding="utf-8")
            elif len(slugs) > 2:
                shutil.rmtree(site / "articles" / slug)
            if cold:
                streams._HELD.clear()
                streams._PACKED.clear()
            stats = index_site(site, None, shard_pages=2, cache_dir=cache)
            assert (stats.bundle_files, stats.bundle_bytes) == tree_size(site / "pagefind")
        incremental = bundle_bytes(site / "pagefind")
        stats = index_site(site, None, shard_pages=2, cache_dir=False)
        assert bundle_bytes(site / "pagefind") == incremental
        assert (stats.bundle_files, stats.bundle_bytes) == tree_size(site / "pagefind")
    finally:
        tiers.RECENT_SHARDS, tiers.OLD_PART_GROUPS = tiers_recent, tiers_part


@pytest.mark.slow  # Pagefind
def test_a_word_crossing_the_run_threshold_both_ways_is_spliced(tmp_path: Path, monkeypatch):
    """Session 26: a change that makes a word frequent (kept in runs) or no longer frequent is spliced, not merged
    from the shards (session 25's bench: one change in six at 10k fell back to a 10 s full merge), and the index
    is still the one built from nothing."""
    monkeypatch.setattr(tiers, "RECENT_SHARDS", 2)
    site = _site(tmp_path, 24, seed=1)
    cache = tmp_path / "cache"
    index_site(site, None, shard_pages=2, cache_dir=cache)
    heavy = "。".join(["算力需求"] * 500)  # ~500 units of 算力: past the small bundle's threshold (4 × 100)
    seen = []
    for step in ("add", "remove"):
        if step == "add":
            _dated_article(site, "heavy", "2024-03-10", heavy)
        else:
            shutil.rmtree(site / "articles" / "heavy")
        before = {f.name: f.stat().st_mtime_ns for f in (cache / "written").glob("*.json")}
        index_site(site, None, shard_pages=2, cache_dir=cache)
        changed = [f for f in (cache / "written").glob("*.json") if before.get(f.name) != f.stat().st_mtime_ns]
        seen += [json.loads(f.read_text(encoding="utf-8"))["merge"] for f in changed]
        runs = {w for d in tiers.bundle_dirs(site / "pagefind") for w, _width in _meta(d)[6]["s"]}
        assert ("算力" in runs) == (step == "add")
        incremental = bundle_bytes(site / "pagefind")
        index_site(site, None, shard_pages=2, cache_dir=False)
        assert bundle_bytes(site / "pagefind") == incremental
        index_site(site, None, shard_pages=2, cache_dir=cache)  # back to the incremental state
    assert seen and set(seen) == {"spliced"}, seen


def _meta(bundle: Path) -> list:
    from build_tools.search.bundle import meta_file, read_pf

    return cbor2.loads(read_pf(meta_file(bundle)))
