"""Search after a small change does small work, and ends where an index from nothing would.

* nothing changed: no page read for its text, no shard built, the bundle left as it is (not merged again);
* a page whose HTML changed only outside what search reads (its related list, its header facts):
  extracted again, but no shard rebuilt and no merge;
* an entity page changed: only the entities' shard is rebuilt, never an article shard.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from build_tools.search import index_site
from tests.test_search_index import bundle_bytes, word_map, write_site

pytestmark = pytest.mark.slow  # Pagefind runs


def _times(bundle: Path) -> dict[str, int]:
    return {p.relative_to(bundle).as_posix(): p.stat().st_mtime_ns for p in bundle.rglob("*") if p.is_file()}


def test_unchanged_and_furniture_only_changes_neither_rebuild_nor_merge(tmp_path: Path):
    site, docs = write_site(tmp_path / "a")
    cache = tmp_path / "cache"
    first = index_site(site, docs, shard_pages=2, cache_dir=cache)
    bundle = site / "pagefind"
    before = _times(bundle)

    again = index_site(site, docs, shard_pages=2, cache_dir=cache)
    assert (again.shards_built, again.pages_extracted, again.pages) == (0, 0, first.pages)
    assert _times(bundle) == before  # not merged again

    page = site / "articles" / "a2" / "index.html"
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace("邻居文章标题独有词汇", "另一篇新的相关文章").replace("某网站", "别的网站"),
                    encoding="utf-8")
    furniture = index_site(site, docs, shard_pages=2, cache_dir=cache)
    assert (furniture.shards_built, furniture.pages_extracted) == (0, 1)
    assert _times(bundle) == before


def test_an_entity_page_rebuilds_only_the_entity_shard_and_equals_a_fresh_index(tmp_path: Path):
    site, docs = write_site(tmp_path / "a")
    cache = tmp_path / "cache"
    index_site(site, docs, shard_pages=1000, cache_dir=cache)
    page = site / "entities" / "jensen-huang" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("英伟达创始人。", "英伟达创始人，首席执行官。"),
                    encoding="utf-8")
    changed = index_site(site, docs, shard_pages=1000, cache_dir=cache)
    # the articles' shard is left alone, even with every page fitting one shard
    assert (changed.shards_built, changed.shards, changed.pages_extracted) == (1, 2, 1)
    incremental = bundle_bytes(site / "pagefind")
    index_site(site, docs, shard_pages=1000, cache_dir=False)
    assert bundle_bytes(site / "pagefind") == incremental


def test_the_t2s_tables_are_written_once_and_again_when_one_is_missing(tmp_path: Path):
    """The query-side Traditional → Simplified tables depend on the code only: a second run leaves them as they
    are; a full render empties site/, and a missing (or altered) file brings them all back, byte for byte."""
    site, docs = write_site(tmp_path / "a")
    cache = tmp_path / "cache"
    index_site(site, docs, shard_pages=1000, cache_dir=cache)
    tables = site / "assets" / "search"
    before = {p.relative_to(tables).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
              for p in [tables / "t2s.json", *(tables / "t2s").iterdir()]}
    assert "t2s.json" in before and len(before) > 100
    index_site(site, docs, shard_pages=1000, cache_dir=cache)
    assert {rel: p.stat().st_mtime_ns for rel, p in ((r, tables / r) for r in before)} == \
        {rel: mtime for rel, (mtime, _data) in before.items()}
    bucket = next(rel for rel in sorted(before) if rel.startswith("t2s/"))
    (tables / bucket).unlink()
    (tables / "t2s.json").write_text("{}", encoding="utf-8")
    index_site(site, docs, shard_pages=1000, cache_dir=cache)
    assert {rel: (tables / rel).read_bytes() for rel in before} == {rel: data for rel, (_m, data) in before.items()}


def _dated_article(site: Path, slug: str, date: str, text: str) -> None:
    from tests.test_search_index import ARTICLE_13

    (site / "articles" / slug).mkdir(parents=True, exist_ok=True)
    html = ARTICLE_13.format(tail=text).replace("2025-01-27", date)
    (site / "articles" / slug / "index.html").write_text(html, encoding="utf-8")


def test_a_new_or_edited_recent_article_merges_only_the_recent_bundle(tmp_path: Path):
    """Issue 15: search work after one new article is O(change): one small shard built, one small bundle
    merged again (the old articles' bundle and the entities' left as they are, not even rewritten), and the
    result byte for byte the index built from nothing."""
    from build_tools.search.tiers import RECENT_SHARDS, bundle_dirs

    site, docs = write_site(tmp_path / "a")
    for i in range(RECENT_SHARDS + 2):  # with write_site's five: 15 shards of one page, 16 with the new one
        _dated_article(site, f"d{i:02d}", f"2024-01-{i + 1:02d}", f"第{i}篇文章的独有内容。")
    cache = tmp_path / "cache"
    first = index_site(site, docs, shard_pages=2, cache_dir=cache)
    assert first.bundles == 3  # entities, old articles, recent articles
    old_bundles = {d.name: _times(d) for d in bundle_dirs(site / "pagefind")[:2]}

    _dated_article(site, "new", "2026-12-01", "新到的一篇文章。")
    added = index_site(site, docs, shard_pages=2, cache_dir=cache)
    assert (added.shards_built, added.pages_extracted, added.bundles_merged) == (1, 1, 1)
    assert {d.name: _times(d) for d in bundle_dirs(site / "pagefind")[:2]} == old_bundles
    assert "articles/new/" in word_map(site / "pagefind")["新到"]
    incremental = bundle_bytes(site / "pagefind")
    index_site(site, docs, shard_pages=2, cache_dir=False)
    assert bundle_bytes(site / "pagefind") == incremental

    _dated_article(site, "new", "2026-12-01", "新到的一篇文章，改过一句。")
    edited = index_site(site, docs, shard_pages=2, cache_dir=cache)
    assert (edited.shards_built, edited.bundles_merged) == (1, 1)
    assert "articles/new/" in word_map(site / "pagefind")["改过"]


def test_nothing_changed_keys_shards_merges_and_writes_nothing(tmp_path: Path, monkeypatch):
    """A re-index of an unchanged site returns the last figures without shard keys, merge, pruning or the page
    record written again; a page touched, or a bundle's entry file gone, runs it as before (and the result is
    an index from nothing's)."""
    from build_tools.search import indexer, pagekeys, tiers

    site, docs = write_site(tmp_path / "a")
    cache = tmp_path / "cache"
    first = index_site(site, docs, shard_pages=2, cache_dir=cache)
    fresh = bundle_bytes(site / "pagefind")
    calls = []
    for owner, name in ((tiers, "write_bundles"), (pagekeys, "save"), (pagekeys, "shard_groups"),
                        (indexer, "_prune")):
        real = getattr(owner, name)
        monkeypatch.setattr(owner, name, lambda *a, _real=real, _name=name, **k: calls.append(_name) or _real(*a, **k))
    again = index_site(site, docs, shard_pages=2, cache_dir=cache)
    assert calls == []
    assert (again.pages, again.shards, again.bundles, again.bundle_bytes) == \
        (first.pages, first.shards, first.bundles, first.bundle_bytes)
    assert (again.shards_built, again.pages_extracted, again.bundles_merged) == (0, 0, 0)

    entry = next(d for d in (site / "pagefind").iterdir() if d.is_dir()) / "pagefind-entry.json"
    entry.unlink()
    index_site(site, docs, shard_pages=2, cache_dir=cache)
    assert "write_bundles" in calls and bundle_bytes(site / "pagefind") == fresh

    calls.clear()
    page = site / "articles" / "a2" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("某网站", "别的网站"), encoding="utf-8")
    touched = index_site(site, docs, shard_pages=2, cache_dir=cache)
    assert "save" in calls and touched.pages_extracted == 1


def test_an_old_article_re_merges_without_reading_the_merged_bundle_back(tmp_path: Path, monkeypatch):
    """Issue 15, session 22: an article dated among the old ones re-merges the old articles' bundle; the
    filters file's facts come from the shards' kept facts (never from the ~10,000 fragments of the merged
    bundle read back), and the bundles and the filters file are byte for byte those of an index from nothing."""
    from build_tools.search import facets, tiers

    site, docs = write_site(tmp_path / "a")
    for i in range(tiers.RECENT_SHARDS + 2):
        _dated_article(site, f"d{i:02d}", f"2024-01-{i + 1:02d}", f"第{i}篇文章的独有内容。")
    cache = tmp_path / "cache"
    index_site(site, docs, shard_pages=2, cache_dir=cache)

    def read_back(bundle: Path) -> dict:
        raise AssertionError(f"{bundle.name}: a merged bundle's fragments read back")

    monkeypatch.setattr(facets, "page_facts", read_back)  # (write_facets moved to facets.py, session 29)
    _dated_article(site, "old", "2023-06-01", "补进来的一篇旧文章。")
    added = index_site(site, docs, shard_pages=2, cache_dir=cache)
    assert added.shards_built >= 1 and added.bundles_merged >= 1
    assert "articles/old/" in word_map(site / "pagefind")["补进"]
    facets = site / "assets" / "search" / "facets.json"
    incremental = bundle_bytes(site / "pagefind"), facets.read_bytes()
    assert "2023-06-01" in incremental[1].decode("utf-8")
    monkeypatch.undo()
    index_site(site, docs, shard_pages=2, cache_dir=False)
    assert (bundle_bytes(site / "pagefind"), facets.read_bytes()) == incremental


def test_a_change_to_the_extraction_code_extracts_every_page_again(tmp_path: Path, monkeypatch):
    """Session 26: the page record (stat -> page key) is kept only for the code that made it; before, a page whose
    stat was as recorded kept its page key and so its cached extraction across a change to the extraction code
    (0 of 10,102 pages extracted again at 10k), and the index said what the old code had extracted."""
    from build_tools.search import indexer

    site, docs = write_site(tmp_path / "a")
    cache = tmp_path / "cache"
    first = index_site(site, docs, shard_pages=2, cache_dir=cache)
    assert first.pages_extracted == first.pages
    real = indexer._code_version
    monkeypatch.setattr(indexer, "_code_version", lambda merge=True: "changed " + real(merge))
    again = index_site(site, docs, shard_pages=2, cache_dir=cache)
    assert again.pages_extracted == again.pages


def test_told_what_changed_the_index_neither_walks_nor_stats_and_ends_where_a_walk_does(tmp_path: Path, monkeypatch):
    """Session 26: the preview tells the index which site files its render wrote (or removed); the index then
    takes every other page as the last index left it (no walk of the site, no stat of a page), and the result
    is byte for byte an index from nothing: an edited page, an added one, a removed one, a listing page added."""
    from build_tools.search import indexer, pagekeys

    site, docs = write_site(tmp_path / "a")
    cache = tmp_path / "cache"
    index_site(site, docs, shard_pages=2, cache_dir=cache)
    stats: list[str] = []
    real_stats = pagekeys._stats

    def no_walk(*_a):
        raise AssertionError("the site was walked although the index was told what changed")

    monkeypatch.setattr(indexer, "_walked", no_walk)
    monkeypatch.setattr(pagekeys, "_stats", lambda path, source: stats.append(path) or real_stats(path, source))
    page = site / "articles" / "a2" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("某网站", "别的网站"), encoding="utf-8")
    _dated_article(site, "told", "2024-05-01", "只告诉索引的新文章。")
    (site / "articles" / "months" / "2024-05").mkdir(parents=True)
    (site / "articles" / "months" / "2024-05" / "index.html").write_text("<html><body>列表</body></html>")
    changed = ["articles/a2/index.html", "articles/told/index.html", "articles/months/2024-05/index.html",
               "sitemap.xml"]
    told = index_site(site, docs, shard_pages=2, cache_dir=cache, changed=changed)
    assert sorted(stats) == sorted(str(site / rel) for rel in changed[:2])
    assert "articles/told/" in word_map(site / "pagefind")["只告"]
    shutil.rmtree(site / "articles" / "a3")
    removed = index_site(site, docs, shard_pages=2, cache_dir=cache, changed=["articles/a3/index.html"])
    incremental = bundle_bytes(site / "pagefind")
    monkeypatch.undo()
    fresh = index_site(site, docs, shard_pages=2, cache_dir=False)
    assert bundle_bytes(site / "pagefind") == incremental
    assert (told.skipped, removed.pages) == (fresh.skipped, fresh.pages)


def test_the_preview_tells_its_index_what_its_render_wrote_and_ends_where_an_index_from_nothing_does(
        tmp_path: Path, monkeypatch, request):
    """Session 26, serve/update.py: the first update walks the preview's site; the next ones pass the render's
    list of written pages (no walk), and the preview's bundle is the one built from nothing on its site."""
    import logging
    from functools import partial

    from build_tools.search import indexer
    from build_tools.serve import update as update_module
    from build_tools.serve.rebuild import Builder
    from tests.test_e2e import _project
    from tests.test_serve_warm import SEEDS, _settings

    _project(tmp_path)
    settings = _settings(tmp_path)
    mkdocs_log = logging.getLogger("mkdocs")
    request.addfinalizer(partial(mkdocs_log.setLevel, mkdocs_log.level))
    told: list[object] = []
    real = update_module.index_site
    monkeypatch.setattr(update_module, "index_site",
                        lambda *a, **k: told.append(k.get("changed")) or real(*a, **k))
    update = update_module.Update(Builder(settings), tmp_path / "mkdocs.yml", settings.docs_dir)
    assert update.run("first build")
    walked = []
    real_walk = indexer._walked
    monkeypatch.setattr(indexer, "_walked", lambda *a: walked.append(1) or real_walk(*a))
    for seed in SEEDS[3:5]:
        shutil.copy(seed, settings.raw_dir / seed.name)
        assert update.run(f"{seed.name} added")
    assert len(told) == 3 and told[0] is None and all(isinstance(c, list) and c for c in told[1:]) and walked == []
    incremental = bundle_bytes(update.site / "pagefind")
    monkeypatch.undo()
    index_site(update.site, settings.docs_dir, cache_dir=False)
    assert bundle_bytes(update.site / "pagefind") == incremental
