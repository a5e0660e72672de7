"""The runtime layer: per-stage cache keys, the crash wrapper, a cache independent of the working directory."""

from __future__ import annotations

import contextlib
import pickle
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from build_tools.model import Failure
from build_tools.model.errors import BuildError, ConfigError, StageCrash
from build_tools.model.records import BuildReport
from build_tools.runtime import code
from build_tools.runtime.crash import guarded, run_steps
from build_tools.runtime.jobs import Stage
from build_tools.runtime.stages import Runner
from build_tools.settings import PACKAGE_DIR, RULES_DIR, Settings
from tests import factories as f
from tests.conftest import ROOT

# The modules holding each stage's work, as pipeline/__init__.py names them.
STAGES = {
    "prepare": "build_tools.pipeline.prepare_work",
    "link": "build_tools.pipeline.link_work",
    "render": "build_tools.pipeline.render_work",
    "whole-archive views": "build_tools.archive.views",
    "whole-archive passes": "build_tools.archive.view_passes",
}


# --- per-stage code keys ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A copy of the package, its requirements.lock and its rules folder; a test puts back what it edits."""
    tmp_path = tmp_path_factory.mktemp("project")
    package = tmp_path / "build_tools"
    shutil.copytree(PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    lock = tmp_path / "requirements.lock"
    shutil.copy(ROOT / "requirements.lock", lock)
    return package, lock, package / "rules"


def _keys(project: tuple[Path, Path, Path]) -> dict[str, str]:
    package, lock, rules = project
    code._stage_key.cache_clear()
    code._imports.cache_clear()
    return {stage: code.stage_key(module, rules, package_dir=package, lock_file=lock)
            for stage, module in STAGES.items()}


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


# (what is edited, which stages' cached results that invalidates)
EDITS = [
    ("serve/__init__.py", set()),
    ("serve/rebuild.py", set()),
    ("cli.py", set()),
    ("progress.py", set()),
    ("search/__init__.py", set()),
    ("pipeline/__init__.py", set()),  # the order of the stages; each stage's work is in its own module
    ("runtime/emit.py", set()),
    ("stages/clean/__init__.py", {"prepare"}),
    ("stages/render/markdown.py", {"render"}),
    ("entities/linker.py", {"link", "whole-archive views", "whole-archive passes"}),
    # The entity pages' code is the passes' own: editing it re-links no article (session 23).
    ("archive/entity_pages.py", {"whole-archive passes"}),
    ("archive/paging.py", {"whole-archive passes"}),
    ("model/__init__.py", set(STAGES)),
    ("../requirements.lock", set(STAGES)),
    ("rules/generic.yml", {"prepare"}),
]


@pytest.mark.parametrize(("edited", "invalidated"), EDITS, ids=[e for e, _ in EDITS])
def test_a_stage_key_changes_exactly_when_its_own_code_libraries_or_rules_do(project, edited, invalidated):
    before = _keys(project)
    path = project[0] / edited
    original = path.read_bytes()
    try:
        _append(path, "\n# edited\n")
        after = _keys(project)
    finally:
        path.write_bytes(original)
    assert {stage for stage in STAGES if before[stage] != after[stage]} == invalidated


def test_a_rules_folder_in_use_is_part_of_the_keys_of_the_stages_that_read_rules(project, tmp_path):
    package, lock, _ = project
    other = tmp_path / "other-rules"
    shutil.copytree(RULES_DIR, other)
    _append(other / "portals.yml", "\n# edited\n")
    keys = _keys(project)
    moved = {stage: code.stage_key(module, other, package_dir=package, lock_file=lock)
             for stage, module in STAGES.items()}
    assert {stage for stage in STAGES if keys[stage] != moved[stage]} == {"prepare"}


def test_a_stage_closure_is_what_it_imports_and_no_more():
    prepare = code.closure(STAGES["prepare"])
    assert {"build_tools.stages.clean", "build_tools.stages.ingest", "build_tools.config.rules"} <= prepare
    assert not {m for m in prepare if m.startswith(("build_tools.serve", "build_tools.runtime.stages",
                                                    "build_tools.search", "build_tools.stages.render"))}
    assert "build_tools.cli" not in prepare and "build_tools.pipeline" not in prepare
    # A function-level import counts: the readers are imported lazily by prepare's warm hook.
    assert "build_tools.stages.readers" in prepare


# --- the crash wrapper ---------------------------------------------------------------------------------


def _zero(article):
    return 1 / 0


@pytest.mark.parametrize(
    ("error", "passes_through"),
    [(ZeroDivisionError("x"), False), (KeyError("k"), False), (ConfigError("bad"), True),
     (StageCrash("a.txt", "clean", "earlier"), True)],
    ids=["bug", "key error", "the user's error", "already named"],
)
def test_guarded_names_a_bug_and_lets_the_users_errors_through(error, passes_through):
    def fail():
        raise error

    with pytest.raises(BuildError if isinstance(error, BuildError) else StageCrash) as caught:
        guarded("clean", "sub/a.txt", fail)
    if passes_through:
        assert caught.value is error
    else:
        assert (caught.value.raw_path, caught.value.stage) == ("sub/a.txt", "clean")
        assert caught.value.__cause__ is error
        assert str(caught.value).startswith(f"sub/a.txt: the clean stage crashed: {type(error).__name__}")


def test_run_steps_names_the_step_that_crashed_and_stops_at_a_failure():
    article = f.article(f.paragraph("正文"), raw_path="x.txt")
    with pytest.raises(StageCrash, match=r"^x\.txt: the metadata stage crashed: ZeroDivisionError"):
        run_steps(article, (("clean", lambda a: a), ("metadata", _zero)))
    failure = Failure("x.txt", "clean", "not an article")
    assert run_steps(article, (("clean", lambda a: failure), ("metadata", _zero))) is failure


def test_a_stage_crash_survives_pickling_as_it_comes_back_from_a_worker():
    crash = StageCrash("sub/a.txt", "link", "KeyError: 'x'")
    again = pickle.loads(pickle.dumps(crash))
    assert (again.raw_path, again.stage, str(again)) == (crash.raw_path, crash.stage, str(crash))


@dataclass(frozen=True)
class _Item:
    raw_path: str


def _work(context, item: _Item, key: str):
    if item.raw_path == "d030.txt":
        raise ValueError("boom in a worker")
    return f"{context}:{item.raw_path}", None


@pytest.mark.parametrize("jobs", [1, 2], ids=["serial", "forked workers"])
def test_a_crash_in_a_worker_names_the_dump_and_the_stage_with_the_original_chained(tmp_path, jobs):
    stage = Stage("test-stage", _work, ("prepared", "article"))
    items = [_Item(f"d{i:03}.txt") for i in range(60)]  # enough to fan out to workers
    settings = Settings(raw_dir=tmp_path, jobs=jobs, use_cache=False)
    with Runner.open(settings, BuildReport()) as run, pytest.raises(StageCrash) as caught:
        run.each(stage, items, [(item.raw_path,) for item in items], "ctx")
    assert (caught.value.raw_path, caught.value.stage) == ("d030.txt", "test-stage")
    assert "ValueError: boom in a worker" in str(caught.value)
    cause = caught.value.__cause__
    assert cause is not None and "boom in a worker" in str(cause)  # in a worker: its traceback, as text
    if jobs == 2:
        assert "_work" in str(cause) and "Traceback" in str(cause)


def test_the_runner_stores_each_result_once_and_keeps_input_order(tmp_path):
    stage = Stage("test-stage", lambda context, item, key: (item.raw_path.upper(), None), ("prepared", "article"))
    items = [_Item(name) for name in ("b.txt", "a.txt", "c.txt")]
    settings = Settings(raw_dir=tmp_path, cache_dir=tmp_path / "cache", jobs=1)
    for _ in range(2):
        with Runner.open(settings, BuildReport()) as run:
            done = run.each(stage, items, [(item.raw_path,) for item in items], None)
        assert [record for _, record in done] == ["B.TXT", "A.TXT", "C.TXT"]
    assert _rows(tmp_path / "cache", "prepared") == 3


def test_records_loaded_in_bulk_are_kept_out_of_collections_only_until_the_build_ends(tmp_path, monkeypatch):
    """Cached records read back in bulk are set aside from the cyclic collector while the build uses them
    (at 10k articles its full collections walked them again and again: 3.4 of 25 s), and the collector
    sees everything again once the build is over: a preview runs many builds in one process."""
    import gc

    from build_tools.runtime import cache

    monkeypatch.setattr(cache, "KEPT_FROM", 2)
    stage = Stage("test-stage", lambda context, item, key: (item.raw_path.upper(), None), ("prepared", "article"))
    items = [_Item(name) for name in ("b.txt", "a.txt", "c.txt")]
    settings = Settings(raw_dir=tmp_path, cache_dir=tmp_path / "cache", jobs=1)
    with Runner.open(settings, BuildReport()) as run:
        run.each(stage, items, [(item.raw_path,) for item in items], None)  # made: nothing loaded
        assert gc.get_freeze_count() == 0
    with Runner.open(settings, BuildReport()) as run:
        done = run.each(stage, items, [(item.raw_path,) for item in items], None)  # all three loaded
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0
    assert [record for _, record in done] == ["B.TXT", "A.TXT", "C.TXT"]
    gc.freeze()  # a process that keeps a frozen heap of its own (the live preview) keeps it frozen
    try:
        with Runner.open(settings, BuildReport()) as run:
            run.each(stage, items, [(item.raw_path,) for item in items], None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


# --- the cache does not depend on where the build runs -----------------------------------------------


def _rows(cache: Path, table: str) -> int:
    with contextlib.closing(sqlite3.connect(cache / "cache.sqlite3")) as db:
        return db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_building_from_another_folder_reuses_every_prepared_and_linked_article(tmp_path, monkeypatch):
    from build_tools.pipeline import build

    raw = tmp_path / "project" / "raw"
    shutil.copytree(ROOT / "raw", raw)
    cache = tmp_path / "cache"
    first, second = tmp_path / "project", tmp_path / "elsewhere"
    second.mkdir()
    reports = []
    for cwd, raw_dir in ((first, Path("raw")), (second, raw)):
        monkeypatch.chdir(cwd)
        settings = Settings(raw_dir=raw_dir, docs_dir=cwd / "docs", cache_dir=cache, jobs=1,
                            entities_path=ROOT / "entities.yml", overrides_path=tmp_path / "none.yml")
        reports.append(build(settings))
        counts = {table: _rows(cache, table) for table in ("prepared", "article", "linked", "view")}
        assert counts == {table: len(list(raw.iterdir())) for table in counts}, counts
    # Only how the dumps are shown follows the working directory.
    assert sorted(i.raw for i in reports[0].inputs) == sorted(f"raw/{p.name}" for p in raw.iterdir())
    assert sorted(i.raw for i in reports[1].inputs) == sorted(str(p) for p in raw.iterdir())
