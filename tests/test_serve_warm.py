"""The preview's updates keep warm what did not change (issue 15): a second update after a new dump does not
rebuild the entity index when entities.yml is unchanged; an edited registry is read again.  A fresh process
(``make site``'s build step) finds the index in the build cache instead of rebuilding it."""

from __future__ import annotations

import logging
import shutil
from functools import partial
from pathlib import Path

import pytest

from build_tools.entities import matcher
from build_tools.pipeline import entity_index
from build_tools.serve.rebuild import Builder
from build_tools.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "raw").iterdir())
EXTRA = """
  - id: test-warm-entity
    name: 暖索引测试实体
    type: concept
    aliases: []
    description: 只在这个测试里登记的实体。
"""


@pytest.fixture
def indexes_built(monkeypatch) -> list[int]:
    """One entry per alias index built from a registry (not loaded from a cache)."""
    built: list[int] = []
    real = matcher.AliasIndex.build.__func__

    def counted(cls, registry):
        built.append(len(registry))
        return real(cls, registry)

    monkeypatch.setattr(matcher.AliasIndex, "build", classmethod(counted))
    return built


def _settings(tmp_path: Path) -> Settings:
    raw = tmp_path / "raw"
    raw.mkdir()
    for seed in SEEDS[:2]:
        shutil.copy(seed, raw / seed.name)
    shutil.copy(ROOT / "entities.yml", tmp_path / "entities.yml")
    return Settings(raw_dir=raw, docs_dir=tmp_path / "docs", cache_dir=tmp_path / "cache",
                    entities_path=tmp_path / "entities.yml", overrides_path=tmp_path / "overrides.yml",
                    added_record=tmp_path / "added.json", jobs=1, quiet=True)


def test_a_second_update_does_not_rebuild_the_entity_index(tmp_path, indexes_built):
    settings = _settings(tmp_path)
    builder = Builder(settings)
    assert builder.run("first build") is not None
    assert len(indexes_built) == 1
    shutil.copy(SEEDS[3], settings.raw_dir / SEEDS[3].name)  # a new dump, the registry unchanged
    assert builder.run("one dump added") is not None
    assert len(indexes_built) == 1, "the entity index was rebuilt though entities.yml did not change"

    with settings.entities_path.open("a", encoding="utf-8") as registry:  # an edited registry is read again
        registry.write(EXTRA)
    assert builder.run("entities.yml edited") is not None
    assert len(indexes_built) == 2
    assert indexes_built[-1] == indexes_built[0] + 1  # the new entry is in the index


def test_a_new_process_loads_the_entity_index_from_the_build_cache(tmp_path, indexes_built, monkeypatch):
    settings = _settings(tmp_path)
    assert Builder(settings).run("first build") is not None
    monkeypatch.setattr(entity_index, "_WARM", {})  # what a new process starts with
    shutil.copy(SEEDS[3], settings.raw_dir / SEEDS[3].name)
    assert Builder(settings).run("one dump added") is not None
    assert len(indexes_built) == 1
    linked = (settings.docs_dir / "articles").glob("*.md")
    assert any("/entities/" in page.read_text(encoding="utf-8") for page in linked)  # the cached index links


def test_a_second_update_reads_only_the_new_dumps_records_from_the_cache(tmp_path, monkeypatch):
    """The preview keeps the records its last build used: after a new dump, the prepared record and the view of
    every other article are taken from memory, not read from the cache and unpickled again."""
    from dataclasses import replace

    from build_tools.runtime.cache import Store

    settings = replace(_settings(tmp_path), keep_warm=True)
    builder = Builder(settings)
    assert builder.run("first build") is not None
    asked: list[str] = []
    real = Store.get_many

    def counted(store, kind, keys):
        if kind != "whole":  # the article's records; a part's record is read once per process (test_parts.py)
            asked.extend(keys)
        return real(store, kind, keys)

    monkeypatch.setattr(Store, "get_many", counted)
    assert builder.run("nothing changed") is not None
    assert asked == []
    shutil.copy(SEEDS[3], settings.raw_dir / SEEDS[3].name)
    assert builder.run("one dump added") is not None
    assert 0 < len(asked) <= 3, asked  # its prepared record, its view and its feed entry (none for the others)
    assert (settings.docs_dir / "articles").is_dir()


def test_a_preview_started_again_reads_its_records_before_the_first_drop(tmp_path, monkeypatch):
    """`make serve` stopped and started again on the same archive: its first build finds nothing changed since the
    last preview's, but still reads the records it keeps warm, so the first dump dropped costs what later ones
    do, not every record read then (~3 s of a 10k archive's first update)."""
    from dataclasses import replace

    from build_tools.pipeline import unchanged
    from build_tools.runtime import stages
    from build_tools.runtime.cache import Store

    monkeypatch.setattr(unchanged, "RACY_SECONDS", 0)  # dumps saved a while ago: a build of them is remembered
    settings = replace(_settings(tmp_path), keep_warm=True)
    assert Builder(settings).run("the last preview's first build") is not None
    monkeypatch.setattr(stages, "_WARM", {})  # a new process: the preview started again
    preview = Builder(settings)
    assert preview.run("first build") is not None
    asked: list[str] = []
    real = Store.get_many

    def counted(store, kind, keys):
        if kind != "whole":
            asked.extend(keys)
        return real(store, kind, keys)

    monkeypatch.setattr(Store, "get_many", counted)
    shutil.copy(SEEDS[3], settings.raw_dir / SEEDS[3].name)
    assert preview.run("one dump added") is not None
    assert 0 < len(asked) <= 3, asked  # the new dump's records only


@pytest.mark.slow
def test_the_preview_loads_the_theme_once_and_renders_only_what_changed(tmp_path, monkeypatch, request):
    """The preview's render keeps MkDocs' config and the theme's compiled templates between updates (an
    update after one new dump renders that dump's pages, not a fresh theme), and still serves the page."""
    from mkdocs.theme import Theme

    from build_tools.serve.update import Update
    from tests.test_e2e import _project

    _project(tmp_path)
    settings = _settings(tmp_path)
    envs: list[object] = []
    made = Theme.get_env

    def counted(self):
        envs.append(self)
        return made(self)

    monkeypatch.setattr(Theme, "get_env", counted)
    mkdocs_log = logging.getLogger("mkdocs")
    request.addfinalizer(partial(mkdocs_log.setLevel, mkdocs_log.level))  # the preview quiets MkDocs: undone after
    update = Update(Builder(settings), tmp_path / "mkdocs.yml", settings.docs_dir)
    assert update.run("first build")
    first = len(envs)
    assert first >= 1
    shutil.copy(SEEDS[3], settings.raw_dir / SEEDS[3].name)
    assert update.run("one dump added")
    assert len(envs) == first, "the second update loaded the theme again"
    pages = sorted(p.name for p in (update.site / "articles").rglob("index.html"))
    assert len(pages) >= 3


@pytest.mark.slow
def test_an_update_walks_the_warm_heap_only_when_the_preview_is_idle(tmp_path, monkeypatch, request):
    """The preview holds the archive warm (~1 GB at 10k articles); Python's cyclic collector walked all of it
    15-18 times per update (3.5-5 s at 10k).  Now no collection runs during an update's build step or search
    index, the heap that survives is frozen, and its garbage is collected when the preview is idle."""
    import gc

    from build_tools.serve import update as update_module
    from tests.test_e2e import _project

    _project(tmp_path)
    settings = _settings(tmp_path)
    mkdocs_log = logging.getLogger("mkdocs")
    request.addfinalizer(partial(mkdocs_log.setLevel, mkdocs_log.level))
    request.addfinalizer(gc.unfreeze)
    step: list[str] = []
    collected: list[tuple[str, int]] = []

    def during(name, work):
        def run(*args, **kwargs):
            step.append(name)
            try:
                return work(*args, **kwargs)
            finally:
                step.pop()
        return run

    def watch(phase, info):
        if phase == "start" and step:
            collected.append((step[-1], info["generation"]))

    update = update_module.Update(Builder(settings), tmp_path / "mkdocs.yml", settings.docs_dir)
    assert update.run("first build")
    monkeypatch.setattr(update.builder, "run", during("build step", update.builder.run))
    monkeypatch.setattr(update_module, "index_site", during("search index", update_module.index_site))
    gc.callbacks.append(watch)
    request.addfinalizer(partial(gc.callbacks.remove, watch))
    for seed in SEEDS[3:5]:
        shutil.copy(seed, settings.raw_dir / seed.name)
        assert update.run(f"{seed.name} added")
    assert collected == [], collected
    assert update.steps.build > 0 and update.steps.search > 0
    assert update.collect() > 0 and gc.get_freeze_count() > 0  # idle: collected once, the survivors frozen
    assert update.collect() == 0  # nothing new since
    assert gc.isenabled()


def test_runner_latest_takes_this_process_record_and_else_reads_the_store(tmp_path, monkeypatch):
    """``Runner.latest``: with ``keep_warm`` the record this process put last is taken as it is (not read from
    the store); under another place (the code changed) or without ``keep_warm`` the store answers; a damaged
    stored record reads as missing."""
    from dataclasses import replace

    from build_tools.model.records import BuildReport
    from build_tools.runtime import deferred, stages
    monkeypatch.setattr(stages, "_WARM", {})
    settings = replace(_settings(tmp_path), keep_warm=True)
    with stages.Runner.open(settings, BuildReport()) as run:
        run.put_latest("tables", "place-1", ("kept", [1]))
        kept = run.latest("tables", "place-1")
        run.store.put_raw("whole", "place-1", b"not a pickle")  # damaged in the store: the warm one still stands
        assert run.latest("tables", "place-1") is kept
        assert run.latest("tables", "place-2") is None
    monkeypatch.setattr(deferred, "_PENDING", {})  # a new process: the warm one's unwritten records died with it
    with stages.Runner.open(replace(settings, keep_warm=False), BuildReport()) as run:
        assert run.latest("tables", "place-1") is None  # a new process reads the store: damaged → missing
        run.put_latest("tables", "place-1", ("stored", [2]))
        assert run.latest("tables", "place-1") == ("stored", [2])
    monkeypatch.setattr(stages, "_WARM", {})  # a preview started after that build: it reads the store once
    with stages.Runner.open(settings, BuildReport()) as run:
        read = run.latest("tables", "place-1")
        assert read == ("stored", [2])
        run.store.put_raw("whole", "place-1", b"not a pickle")
        assert run.latest("tables", "place-1") is read


def test_a_preview_sequence_writes_the_pages_of_a_build_from_nothing(tmp_path, monkeypatch):
    """One preview process (``keep_warm``: its records, part records and related tables kept in memory, the lean
    copies of the records not made) through dumps added, edited and removed writes the docs/ a build from
    nothing writes, and so does a preview that starts after `make site` built the archive."""
    from dataclasses import replace

    from build_tools.pipeline import build
    from build_tools.runtime import stages
    from tests.fixtures.hostile.corpus import tree_bytes

    monkeypatch.setattr(stages, "_WARM", {})
    monkeypatch.setattr(stages, "_ASKED", {})
    settings = _settings(tmp_path)
    build(settings)  # `make site` before the preview
    builder = Builder(replace(settings, keep_warm=True))
    fresh = replace(settings, docs_dir=tmp_path / "fresh", use_cache=False)
    steps = [lambda: shutil.copy(SEEDS[3], settings.raw_dir / SEEDS[3].name),
             lambda: shutil.copy(SEEDS[4], settings.raw_dir / SEEDS[4].name),
             lambda: (settings.raw_dir / SEEDS[3].name).write_bytes(
                 (settings.raw_dir / SEEDS[3].name).read_bytes().replace("。".encode(), "，另有补充。".encode(), 1)),
             lambda: (settings.raw_dir / SEEDS[0].name).unlink(),
             lambda: None]
    for n, step in enumerate(steps):
        step()
        assert builder.run(f"step {n}") is not None
        build(fresh)
        assert tree_bytes(settings.docs_dir) == tree_bytes(fresh.docs_dir), f"step {n}"


def test_warming_the_readers_prepares_one_dump_of_each_kind_and_writes_nothing(tmp_path, monkeypatch):
    """After its first build the preview prepares one dump per file suffix (the first drop then finds the readers
    imported and the rules loaded); a dump that cannot be read is only a failure; nothing is written."""
    from build_tools.pipeline import prepare_work

    settings = _settings(tmp_path)
    (settings.raw_dir / "sub").mkdir()
    (settings.raw_dir / "sub" / "page.HTML").write_bytes(b"<html><body><p>\xff\xfe\x00broken</p></body></html>")
    (settings.raw_dir / "empty.txt").write_bytes(b"")
    before = {p: p.read_bytes() for p in settings.raw_dir.rglob("*") if p.is_file()}
    prepared: list[str] = []
    real = prepare_work.prepare

    def counted(path, *args, **kwargs):
        prepared.append(path.name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(prepare_work, "prepare", counted)
    assert Builder(settings).warm_readers() >= 0
    suffixes = sorted(name.rsplit(".", 1)[-1].lower() for name in prepared)
    assert suffixes == sorted({p.suffix.lower().lstrip(".") for p in before}), prepared
    assert {p: p.read_bytes() for p in settings.raw_dir.rglob("*") if p.is_file()} == before
    assert not settings.docs_dir.exists() and not settings.cache_dir.exists()
