"""Session 27: `python -m build_tools.site` tells its index what its render wrote, as the preview does, when the
last index saw the site as the render's records say (search/renderseen.py); else the index walks the site."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from build_tools.search import index_site, renderseen
from tests.test_search_index import bundle_bytes

SITE_ARGS = ["--config", "mkdocs.yml", "--site-dir", "site", "--docs", "docs", "--state", ".cache/site"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch, request):
    import logging
    from functools import partial

    from build_tools.search import indexer
    from build_tools.serve.rebuild import Builder
    from tests.test_e2e import _project
    from tests.test_serve_warm import _settings

    _project(tmp_path)
    settings = _settings(tmp_path)
    mkdocs_log = logging.getLogger("mkdocs")
    request.addfinalizer(partial(mkdocs_log.setLevel, mkdocs_log.level))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    told: list[object] = []
    real = indexer.index_site
    monkeypatch.setattr(indexer, "index_site", lambda *a, **k: told.append(k.get("changed")) or real(*a, **k))
    return tmp_path, settings, Builder(settings), told


def _site(*extra: str) -> None:
    from build_tools.site.__main__ import main

    assert main([*SITE_ARGS, *extra]) == 0


def test_the_site_step_tells_its_index_what_its_render_wrote_only_when_the_last_index_saw_that_site(project):
    from tests.test_serve_warm import SEEDS

    tmp, settings, builder, told = project
    seeds = iter(SEEDS[2:])
    edits = iter(range(10))

    def add() -> None:  # a seed added while there is one, else a sentence added to a dump's longest line
        seed = next(seeds, None)
        if seed is not None:
            shutil.copy(seed, settings.raw_dir / seed.name)
        else:
            dump = sorted(settings.raw_dir.iterdir())[next(edits) % 2]
            lines = dump.read_text(encoding="utf-8").split("\n")
            longest = max(range(len(lines)), key=lambda i: len(lines[i]))
            lines[longest] += "编辑后新增的一句话。"
            dump.write_text("\n".join(lines), encoding="utf-8")
        assert builder.run("changed") is not None

    assert builder.run("first build") is not None
    _site()  # first: no mark, the site is walked
    add()
    _site()  # the last index saw the site the render left: told
    add()
    _site("--no-search")  # rendered without an index: the next run must walk
    add()
    _site()
    mark = renderseen.default_cache(tmp / "site") / renderseen.MARK
    mark.write_text("{damaged", encoding="utf-8")  # read as missing, never a crash
    add()
    _site()
    add()
    _site()  # marked again by the last run: told
    assert [None if c is None else "told" for c in told] == [None, "told", None, None, "told"]
    assert told[1] and all(rel.endswith(".html") for rel in told[1])
    incremental = bundle_bytes(tmp / "site" / "pagefind")
    index_site(tmp / "site", settings.docs_dir, cache_dir=False)
    assert bundle_bytes(tmp / "site" / "pagefind") == incremental


@pytest.mark.parametrize(("args", "told"), [
    ((False, False, [], [], ["a/index.html"]), None),  # the last index did not see the site the render left
    ((True, True, [], [], ["a/index.html"]), None),  # a full render
    ((True, False, [], ["a.md"], ["a/index.html"]), ["a/index.html"]),
    ((True, False, ["b.md"], ["a.md"], ["a/index.html"]), ["a/index.html", "b.html", "b.md", "b/index.html"]),
    ((True, False, [], ["x/p.html"], []), ["x/p.html"]),  # an HTML file copied from docs/
])
def test_the_index_is_told_every_place_the_render_wrote_or_removed(args, told):
    assert renderseen.told_pages(*args) == told


@pytest.mark.parametrize(("rel", "places"), [
    ("a/b.md", ["a/b.md", "a/b/index.html", "a/b.html"]),
    ("a/index.md", ["a/index.md", "a/index/index.html", "a/index.html", "a/index.html"]),
    ("README.md", ["README.md", "README/index.html", "README.html", "index.html"]),
    ("a/b.markdown", ["a/b.markdown", "a/b/index.html", "a/b.html"]),
    ("x/y.html", ["x/y.html"]),
    ("img.png", ["img.png"]),
])
def test_a_removed_docs_file_names_every_place_its_output_may_have_been(rel, places):
    assert renderseen.output_places(rel) == places


def test_a_removed_page_told_by_its_docs_name_ends_where_a_walk_does(tmp_path: Path, monkeypatch):
    """Session 27: the render's list names no removed page (the preview walked after one): its places are told."""
    from build_tools.search import indexer
    from tests.test_search_index import write_site

    site, docs = write_site(tmp_path / "a")
    cache = tmp_path / "cache"
    index_site(site, docs, shard_pages=2, cache_dir=cache)
    shutil.rmtree(site / "articles" / "a3")
    monkeypatch.setattr(indexer, "_walked", lambda *_a: pytest.fail("walked although told"))
    told = renderseen.told_pages(True, False, ["articles/a3.md"], [], [])
    removed = index_site(site, docs, shard_pages=2, cache_dir=cache, changed=told)
    incremental = bundle_bytes(site / "pagefind")
    monkeypatch.undo()
    fresh = index_site(site, docs, shard_pages=2, cache_dir=False)
    assert bundle_bytes(site / "pagefind") == incremental and removed.pages == fresh.pages
