"""A long-lived process (the preview, ``keep_warm``) stores the whole-archive records that serve only the next
process (the related tables, the slugs, the report a build with nothing to do replays) when it is idle, not
inside the update an editor waits for (issue 15: ~0.15 s of each preview update at 10k articles).

What must hold: once written, the store holds them as if written at once; the next build of the same process
writes them before it reads the store; a cache another build holds is left alone; a process stopped before
writing them leaves the next one to work them out again, with the same output."""

from __future__ import annotations

from dataclasses import replace

import pytest

from build_tools.pipeline import build, unchanged
from build_tools.runtime import deferred, stages
from build_tools.runtime.cache import Store
from build_tools.runtime.locks import FolderLock
from tests.test_serve_warm import _settings


@pytest.fixture
def warm(tmp_path, monkeypatch):
    """Settings of a preview (keep_warm) over two seeds, in a process that holds nothing warm yet."""
    monkeypatch.setattr(stages, "_WARM", {})
    monkeypatch.setattr(stages, "_ASKED", {})
    monkeypatch.setattr(deferred, "_PENDING", {})
    monkeypatch.setattr(unchanged, "RACY_SECONDS", 0)  # the seeds were copied just now: trusted here
    return replace(_settings(tmp_path), keep_warm=True)


def _stages_run(report) -> list[str]:
    return [name for name, _ in report.timings]


def _stored_names(settings) -> set[str]:
    store = Store(settings.cache_dir)
    try:
        return {name for (name,) in store.db.execute("SELECT name FROM whole WHERE name IS NOT NULL")}
    finally:
        store.close()


@pytest.mark.parametrize("deferring", ["keep_warm", "defer_latest"], ids=["preview", "make site"])
def test_records_for_the_next_process_wait_until_written_when_idle(warm, deferring):
    """The preview writes them when idle; `make site` (``defer_latest``, no records kept warm) once its site step
    was told to go."""
    warm = replace(warm, keep_warm=deferring == "keep_warm", defer_latest=deferring == "defer_latest")
    assert "prepare" in _stages_run(build(warm))
    assert "unchanged build" not in _stored_names(warm)  # waits: the update is not slowed by it
    assert deferred.write_deferred(warm.cache_dir)
    assert {"unchanged build", "related tables"} <= _stored_names(warm)
    assert not deferred.write_deferred(warm.cache_dir)  # nothing left
    assert _stages_run(build(warm)) == ["discover"]  # nothing changed: the report written is replayed


def test_the_next_build_of_the_process_writes_them_before_reading_the_store(warm):
    build(warm)
    again = build(warm)  # nothing changed; no idle moment between the builds
    assert _stages_run(again) == ["discover"]
    assert "unchanged build" in _stored_names(warm)


def test_a_cache_another_build_holds_is_left_alone(warm):
    build(warm)
    lock = FolderLock(warm.cache_dir, "the build cache").acquire(notice=None, wait=0)
    try:
        assert not deferred.write_deferred(warm.cache_dir)
    finally:
        lock.release()
    assert deferred.write_deferred(warm.cache_dir)  # still waiting, written once the cache is free


def test_a_process_stopped_before_writing_them_costs_only_time(warm, tmp_path):
    first = build(warm)
    docs = {p.relative_to(warm.docs_dir): p.read_bytes() for p in warm.docs_dir.rglob("*.md")}
    deferred._PENDING.clear()  # the preview stopped before it was idle
    stages._WARM.clear()
    again = build(replace(warm, keep_warm=False))
    assert "prepare" in _stages_run(again)  # no record to replay: the build runs
    assert [i.status for i in again.inputs] == [i.status for i in first.inputs]
    assert {p.relative_to(warm.docs_dir): p.read_bytes() for p in warm.docs_dir.rglob("*.md")} == docs
