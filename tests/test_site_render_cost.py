"""An incremental render costs the pages that changed, not the archive, and still ends where a full
``mkdocs build --strict`` would (issue 15).

In-process, as the preview calls it: one :class:`Renderer` kept across updates.  After an edited dump
only the changed pages get a MkDocs Page (dirty mode made one for every page of the archive) and the
sitemap and 404 page are left alone (their inputs did not change); an added page and a new build date
rewrite the sitemap.  Each time the site equals a full build of the same docs/ byte for byte.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from build_tools.site.render import Renderer, render
from build_tools.site.sitemap import SitemapPages
from build_tools.site.snapshot import load_record, save_record
from tests.fixtures.hostile.corpus import article_text, tree_bytes
from tests.test_site_render import ENV, _build, _config, make_work

pytestmark = pytest.mark.slow  # builds and mkdocs renders


@pytest.fixture()
def work(tmp_path: Path) -> Path:
    return make_work(tmp_path)


@pytest.fixture()
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SOURCE_DATE_EPOCH", "SITE_URL", "NO_MKDOCS_2_WARNING"):
        monkeypatch.setenv(name, ENV[name])


def _full(work: Path) -> dict[str, bytes]:
    site = work / "site-full"
    config = _config(work, site, "mkdocs-full.yml")
    environment = {**ENV, "SOURCE_DATE_EPOCH": os.environ["SOURCE_DATE_EPOCH"]}  # the day the render saw
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)], cwd=work,
                          env=environment, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return tree_bytes(site)


def _assert_same_as_full(work: Path) -> None:
    mine, full = tree_bytes(work / "site"), _full(work)
    assert sorted(mine) == sorted(full)
    assert [rel for rel in full if mine[rel] != full[rel]] == []


def _count_pages(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The source of every MkDocs Page made from here on."""
    from mkdocs.structure.pages import Page

    made: list[str] = []
    original = Page.__init__

    def counting(self, title, file, config):
        made.append(file.src_uri)
        original(self, title, file, config)

    monkeypatch.setattr(Page, "__init__", counting)
    return made


def _stamp(path: Path) -> tuple[int, int]:
    info = path.stat()
    return info.st_ino, info.st_mtime_ns


def test_an_edit_makes_pages_for_the_changed_files_only(work: Path, env, monkeypatch: pytest.MonkeyPatch):
    _build(work)
    config = _config(work, work / "site", "mkdocs.yml")
    state = work / ".cache" / "site"
    assert render(config, state_dir=state).full
    pages = len(list((work / "site").rglob("*.html")))
    sitemap, missing = _stamp(work / "site" / "sitemap.xml"), _stamp(work / "site" / "404.html")

    (work / "raw" / "plain-3.txt").write_text(article_text("site3", title="第3号报道：又改了"), encoding="utf-8")
    _build(work)
    made = _count_pages(monkeypatch)
    # the sitemap is not written again, so its record of every page is not read (~0.15 s at 10k articles)
    monkeypatch.setattr(SitemapPages, "from_record", lambda data: pytest.fail("the sitemap's record was read"))
    done = render(config, state_dir=state)
    assert not done.full and "articles/plain-3.md" in done.changed
    nav = 5  # mkdocs.yml's nav: the pages MkDocs makes before any is rendered
    assert len(made) <= len([rel for rel in done.changed if rel.endswith(".md")]) + nav < pages, made
    assert _stamp(work / "site" / "sitemap.xml") == sitemap  # the set of pages and the date are unchanged
    assert _stamp(work / "site" / "404.html") == missing
    assert "又改了" in (work / "site" / "articles" / "plain-3" / "index.html").read_text(encoding="utf-8")
    _assert_same_as_full(work)


def test_a_kept_renderer_follows_additions_deletions_and_the_date(work: Path, env,
                                                                 monkeypatch: pytest.MonkeyPatch):
    _build(work)
    renderer = Renderer(_config(work, work / "site", "mkdocs.yml"), state_dir=work / ".cache" / "site")
    assert renderer.render().full
    sitemap = work / "site" / "sitemap.xml"

    (work / "raw" / "added.txt").write_text(article_text("site-added"), encoding="utf-8")
    _build(work)
    assert not renderer.render().full
    assert "/articles/added/" in sitemap.read_text(encoding="utf-8")
    _assert_same_as_full(work)

    (work / "raw" / "plain-1.txt").unlink()
    _build(work)
    assert not renderer.render().full
    assert "/articles/plain-1/" not in sitemap.read_text(encoding="utf-8")
    assert not (work / "site" / "articles" / "plain-1").exists()
    _assert_same_as_full(work)

    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(ENV["SOURCE_DATE_EPOCH"]) + 3 * 86400))
    done = renderer.render()
    assert not done.full and done.changed == []
    assert "2023-11-17" in sitemap.read_text(encoding="utf-8")  # three days after 2023-11-14
    _assert_same_as_full(work)


def test_a_kept_renderer_rereads_nothing_of_the_archive_for_an_added_page(work: Path, env,
                                                                          monkeypatch: pytest.MonkeyPatch):
    """The preview's render of one added dump costs that dump, not the archive (issue 15): a kept Renderer
    does not read its record back from disk and makes a MkDocs File for the new page's sitemap entry, not
    one for every page (~1.5 s of CPU per update at 10k articles); the site still equals a full build."""
    from mkdocs.structure.files import File

    from build_tools.site import render as render_module

    _build(work)
    renderer = Renderer(_config(work, work / "site", "mkdocs.yml"), state_dir=work / ".cache" / "site")
    assert renderer.render().full
    (work / "raw" / "first.txt").write_text(article_text("site-first"), encoding="utf-8")
    _build(work)
    assert not renderer.render().full  # the first update after a start (or a full render) sees every page once
    (work / "raw" / "added.txt").write_text(article_text("site-added"), encoding="utf-8")
    _build(work)
    files: list[str] = []
    made = File.__init__

    def counted(self, path, *args, **kwargs):
        files.append(path)
        made(self, path, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(File, "__init__", counted)
        patched.setattr(render_module, "load_record",
                        lambda path: pytest.fail("the kept renderer read its record again"))
        done = renderer.render()
    assert not done.full and "articles/added.md" in done.changed
    # No File for a page nothing changed about: another article's provenance view (no changed page links it).
    others = {f"articles/provenance/{page.name}" for page in (work / "docs" / "articles" / "provenance").glob("*.md")
              if page.name not in ("added.md", "first.md")}
    assert len(others) > 5 and not others & set(files), sorted(others & set(files))
    assert "/articles/added/" in (work / "site" / "sitemap.xml").read_text(encoding="utf-8")
    _assert_same_as_full(work)


def _files_made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The source path of every MkDocs File made from here on."""
    from mkdocs.structure.files import File

    files: list[str] = []
    made = File.__init__

    def counted(self, path, *args, **kwargs):
        files.append(path)
        made(self, path, *args, **kwargs)

    monkeypatch.setattr(File, "__init__", counted)
    return files


@pytest.mark.parametrize("damage", [None, "truncated", "wrong shape"])
def test_a_one_shot_render_of_an_added_page_keeps_the_sitemap_s_entries(work: Path, env, damage: str | None,
                                                                        monkeypatch: pytest.MonkeyPatch):
    """`make site` renders in a new process each time: the sitemap's entry of every page (a MkDocs File each,
    ~2 s at 10k articles) is kept beside the render's record, from the full render on, so an added page makes
    a File for itself and the pages that changed, not for every page.  A damaged record is made again."""
    _build(work)
    config, state = _config(work, work / "site", "mkdocs.yml"), work / ".cache" / "site"
    assert render(config, state_dir=state).full
    (kept,) = state.glob("*.sitemap.rec")
    if damage == "truncated":
        kept.write_bytes(kept.read_bytes()[:100])
    elif damage == "wrong shape":  # intact as a file, but not entries
        save_record(kept, {**load_record(kept), "pages": {"a.md": (1, 2)}})
    (work / "raw" / "added.txt").write_text(article_text("site-added"), encoding="utf-8")
    _build(work)
    with monkeypatch.context() as patched:
        files = _files_made(patched)
        done = render(config, state_dir=state)
    assert not done.full and "articles/added.md" in done.changed
    others = {f"articles/provenance/{page.name}" for page in (work / "docs" / "articles" / "provenance").glob("*.md")
              if page.name != "added.md"}
    assert len(others) > 5
    assert (others & set(files)) == (others if damage else set())
    assert "/articles/added/" in (work / "site" / "sitemap.xml").read_text(encoding="utf-8")
    _assert_same_as_full(work)


def test_the_preview_s_renderer_spreads_many_pages_over_workers_beside_its_threads(work: Path, env,
                                                                                 monkeypatch: pytest.MonkeyPatch):
    """The preview renders while its web server and watchers run (a 400-page update took 13.5 s in one
    process at 10k): told that its threads hold no lock a worker takes, a Renderer forks workers for many
    pages as `make site` does; the site still equals a full build."""
    import threading

    from build_tools.site import parallel

    monkeypatch.setattr(parallel, "cpus", lambda: 2)  # two workers, whatever this machine has
    monkeypatch.setattr(parallel, "_WORTH_A_FORK", 0)  # the added dump's few pages are worth it here
    _build(work)
    renderer = Renderer(_config(work, work / "site", "mkdocs.yml"), state_dir=work / ".cache" / "site",
                        fork_beside_threads=True)
    assert renderer.render().full
    forked: list[int] = []
    real = parallel.render_in_workers
    monkeypatch.setattr(parallel, "render_in_workers", lambda *args: forked.append(args[-1]) or real(*args))
    (work / "raw" / "added.txt").write_text(article_text("site-added"), encoding="utf-8")
    _build(work)
    stop = threading.Event()
    server = threading.Thread(target=stop.wait, daemon=True)  # the preview's web server, say
    server.start()
    try:
        done = renderer.render()
    finally:
        stop.set()
        server.join()
    assert not done.full and "articles/added/index.html" in done.pages
    assert forked == [2]
    _assert_same_as_full(work)


def test_renders_in_workers_equal_mkdocs_and_stay_strict(work: Path, env, monkeypatch: pytest.MonkeyPatch):
    from mkdocs.exceptions import Abort

    from build_tools.site import parallel

    def not_mkdocs_build(*args, **kwargs):
        raise AssertionError("the full render fell back to one process")

    monkeypatch.setattr(parallel, "cpus", lambda: 2)  # two workers, whatever this machine has
    monkeypatch.setattr(parallel, "build", not_mkdocs_build)
    _build(work)
    config = _config(work, work / "site", "mkdocs.yml")
    assert render(config, state_dir=work / ".cache" / "site", full=True).full
    _assert_same_as_full(work)

    from build_tools.site import incremental

    monkeypatch.setattr(parallel, "_WORTH_A_FORK", 0)  # the added dump's few pages go to the workers too
    monkeypatch.setattr(incremental, "_populate_page", not_mkdocs_build)
    (work / "raw" / "added.txt").write_text(article_text("site-added"), encoding="utf-8")
    _build(work)
    done = render(config, state_dir=work / ".cache" / "site")
    assert not done.full and "articles/added/index.html" in done.pages
    _assert_same_as_full(work)

    about = work / "docs" / "about.md"  # a link to an anchor another worker's page lacks: a strict failure
    about.write_text(about.read_text(encoding="utf-8") + "\n[来源](articles/sources.md#no-such-anchor)\n",
                     encoding="utf-8")
    with pytest.raises(Abort, match="1 warnings"):
        render(config, state_dir=work / ".cache" / "site", full=True)
    # Strict even in a process that quieted MkDocs' logger (the preview sets it to ERROR)
    mkdocs_log = logging.getLogger("mkdocs")
    level = mkdocs_log.level
    mkdocs_log.setLevel(logging.ERROR)  # setLevel, not the attribute: it also clears the loggers' level cache
    try:
        with pytest.raises(Abort, match="1 warnings"):
            render(config, state_dir=work / ".cache" / "site", full=True)
    finally:
        mkdocs_log.setLevel(level)
