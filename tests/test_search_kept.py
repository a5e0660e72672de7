"""What the search cache keeps per bundle (tiers.py: the last merge's record and word stream) is kept for the
bundles the index lists only, and a splice from a stream with skip points ends where an index from nothing does."""

from __future__ import annotations

import random
from pathlib import Path

from build_tools.search import index_site, splice, streams, tiers
from tests.test_search_incremental import _dated_article
from tests.test_search_index import bundle_bytes
from tests.test_search_stable import _site, _text


def test_the_streams_and_records_of_bundles_no_longer_listed_are_removed(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(tiers, "RECENT_SHARDS", 2)
    site = _site(tmp_path, 12)
    cache = tmp_path / "cache"
    index_site(site, None, shard_pages=2, cache_dir=cache)
    listed = {d.name for d in tiers.bundle_dirs(site / "pagefind")}
    for kept, suffix in ((tiers.STREAMS, ".pkl"), (tiers.STREAMS, ".a1.pack"), (tiers.RECORDS, ".json")):
        assert {f.name.split(".")[0] for f in (cache / kept).glob(f"*{suffix[-5:]}")} <= listed
        (cache / kept / f"bgone{suffix}").write_bytes(b"x")  # a bundle of an older code or plan
    _dated_article(site, "new", "2024-05-05", _text(random.Random(5), "新"))
    index_site(site, None, shard_pages=2, cache_dir=cache)
    listed = {d.name for d in tiers.bundle_dirs(site / "pagefind")}
    for kept, suffix in ((tiers.STREAMS, ".pkl"), (tiers.STREAMS, ".a1.pack"), (tiers.RECORDS, ".json")):
        assert {f.name.split(".")[0] for f in (cache / kept).glob(f"*{suffix[-5:]}")} <= listed
        assert not (cache / kept / f"bgone{suffix}").exists()


def test_changes_spliced_from_kept_skip_points_end_where_an_index_from_nothing_does(tmp_path: Path, monkeypatch):
    """Old articles changed one after another, each spliced (from the skip points the splices before kept: a
    point every 2 entries here) into the old bundle's stream: the bundle equals the one built from nothing."""
    monkeypatch.setattr(tiers, "RECENT_SHARDS", 2)
    monkeypatch.setattr(splice, "SKIP_EVERY", 2)
    site = _site(tmp_path, 24, seed=2)
    cache = tmp_path / "cache"
    index_site(site, None, shard_pages=2, cache_dir=cache)
    rng = random.Random(9)
    merges = []
    for n in range(4):
        _dated_article(site, f"x{n}", f"2024-{1 + rng.randrange(6):02d}-{1 + rng.randrange(28):02d}",
                       _text(rng, f"改{n}"))
        index_site(site, None, shard_pages=2, cache_dir=cache)
        old = max(tiers.bundle_dirs(site / "pagefind"), key=lambda d: len(list((d / "fragment").iterdir())))
        kept = streams.load(cache / tiers.STREAMS / f"{old.name}.pkl")
        merges.append(tiers._record(cache, old.name, site / "pagefind").get("merge"))
        assert kept is not None
    assert merges.count("spliced") >= 3 and kept.skips, merges  # the case the test is about
    incremental = bundle_bytes(site / "pagefind")
    index_site(site, None, shard_pages=2, cache_dir=False)
    assert bundle_bytes(site / "pagefind") == incremental


def _kept_pages(cache: Path) -> set[str]:
    return {f.stem for f in (cache / "pages").glob("*/*.pkl")}


def test_a_told_index_drops_the_kept_pages_no_longer_used_and_only_those(tmp_path: Path):
    """Session 28: told what changed, the index does not list every kept page to prune the page cache; it drops
    the last index's page keys that are no longer used.  The cache then holds what a walk's prune leaves."""
    site = _site(tmp_path, 8)
    cache = tmp_path / "cache"
    index_site(site, None, cache_dir=cache)
    first = _kept_pages(cache)
    edited = site / "articles" / "p003" / "index.html"
    edited.write_text(edited.read_text(encoding="utf-8").replace("。", "，", 1), encoding="utf-8")
    index_site(site, None, cache_dir=cache, changed=["articles/p003/index.html"])
    told = _kept_pages(cache)
    assert len(told) == len(first) and len(told - first) == 1  # the edited page's new key in, its old key out
    (cache / "pages" / "zz").mkdir(exist_ok=True)
    (cache / "pages" / "zz" / "zzstale.pkl").write_bytes(b"x")  # left by an interrupted run: a walk drops it
    index_site(site, None, cache_dir=cache, changed=[])
    assert "zzstale" in _kept_pages(cache)
    edited.write_text(edited.read_text(encoding="utf-8").replace("，", "。", 1), encoding="utf-8")
    index_site(site, None, cache_dir=cache)
    assert _kept_pages(cache) == first
