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


@pytest.mark.parametrize("case", ["full", "removed", "html copied", "not trusted"])
def test_the_render_list_is_not_told_when_it_does_not_name_every_page_written(case: str):
    args = {"full": (True, True, [], []), "removed": (True, False, ["a.md"], []),
            "html copied": (True, False, [], ["x/page.html"]), "not trusted": (False, False, [], [])}[case]
    assert renderseen.told_pages(*args, ["articles/a/index.html"]) is None
    assert renderseen.told_pages(True, False, [], ["a.md"], ["articles/a/index.html"]) == ["articles/a/index.html"]
