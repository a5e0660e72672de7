"""search/early.py (session 29): while the one shard a change builds is in Pagefind, the last merges' kept streams
and the entries of the shards they no longer list are read in this thread; the merges then read nothing twice, and
the bundle is byte for byte an index from nothing's."""

from __future__ import annotations

import random
import threading
from pathlib import Path

from build_tools.search import early, index_site, tiers
from tests.test_search_incremental import _dated_article
from tests.test_search_index import bundle_bytes
from tests.test_search_stable import _site, _text


def test_one_shard_is_built_beside_the_reading_and_several_before_it():
    seen = []

    def build():
        seen.append(("build", threading.current_thread() is threading.main_thread()))

    assert early.beside(build, ["one"], lambda: seen.append("read") or {"b": 1}) == {"b": 1}
    assert ("build", False) in seen and "read" in seen
    seen.clear()
    assert early.beside(build, ["one", "two"], lambda: seen.append("read") or {"b": 1}) == {}
    assert seen == [("build", True)]


def test_an_old_article_changed_reads_each_shard_once_and_ends_where_an_index_from_nothing_does(tmp_path: Path,
                                                                                               monkeypatch):
    monkeypatch.setattr(tiers, "RECENT_SHARDS", 2)
    site = _site(tmp_path, 24, seed=4)
    cache = tmp_path / "cache"
    index_site(site, None, shard_pages=4, cache_dir=cache)
    sides, reads = [], []
    side, read = tiers._side, early.read
    # (shard, the slots it is read in): a shard moved to another bundle is read for each, in its own slots
    monkeypatch.setattr(tiers, "_side", lambda shards, pages, slots, *a: sides.extend((k, id(slots)) for k in shards)
                        or side(shards, pages, slots, *a))

    def spied(*args):
        got = read(*args)
        reads.append(dict(got))  # (the merges take their parts out of it)
        return got

    monkeypatch.setattr(early, "read", spied)
    rng = random.Random(3)
    _dated_article(site, "x", "2024-01-05", _text(rng, "改"))
    stats = index_site(site, None, shard_pages=4, cache_dir=cache)
    assert stats.shards_built == 1 and len(reads) == 1
    old = max(tiers.bundle_dirs(site / "pagefind"), key=lambda d: len(list((d / "fragment").iterdir())))
    assert tiers._record(cache, old.name, site / "pagefind").get("merge") == "spliced"
    assert any(gone for _kept, (gone, entries) in reads[0].values() if entries is not None)  # read early
    assert len(sides) == len(set(sides))  # and not again in the merge
    incremental = bundle_bytes(site / "pagefind")
    index_site(site, None, shard_pages=4, cache_dir=False)
    assert bundle_bytes(site / "pagefind") == incremental
