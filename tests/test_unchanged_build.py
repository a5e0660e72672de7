"""A build whose inputs and docs/ are as the last build left them skips every stage (pipeline/unchanged.py),
and anything it reads or writes differing makes it run: a dump, entities.yml, overrides.yml, a generated page
edited or added by hand.  The replayed report is the full build's."""

from __future__ import annotations

import os
from unittest import mock

import pytest

import build_tools
from build_tools.pipeline import unchanged
from build_tools.runtime.cache import Store
from build_tools.settings import Settings
from tests.fixtures.hostile.corpus import article_text


@pytest.fixture
def project(tmp_path, monkeypatch):
    """Twelve dumps and one that is rejected (empty), built once; stats count as settled at once (in a real
    archive a dump is older than RACY_SECONDS when the next build runs)."""
    monkeypatch.setattr(unchanged, "RACY_SECONDS", 0)
    raw = tmp_path / "raw"
    raw.mkdir()
    for n in range(12):
        (raw / f"a{n:02d}.txt").write_text(article_text(n), encoding="utf-8")
    (raw / "empty.txt").write_bytes(b"")
    settings = Settings(raw_dir=raw, docs_dir=tmp_path / "docs", cache_dir=tmp_path / "cache",
                        entities_path=tmp_path / "entities.yml", overrides_path=tmp_path / "overrides.yml",
                        added_record=tmp_path / "added.json", jobs=1)
    build_tools.build(settings)
    return settings


def _build(settings: Settings):
    """The report, and whether the build read any stored result (a skipped build reads none)."""
    with mock.patch.object(Store, "get_many", autospec=True, side_effect=Store.get_many) as reads:
        report = build_tools.build(settings)
    return report, reads.called


def _shown(report) -> tuple:
    return (sorted((i.raw, i.status, i.slug, i.reason) for i in report.inputs), report.warning_lines(),
            sorted(s.slug for s in report.summaries))


def test_nothing_changed_runs_no_stage_and_reports_what_the_full_build_did(project):
    full, _ = _build(project)
    again, ran = _build(project)
    assert not ran
    assert _shown(again) == _shown(full)
    assert [i.raw for i in again.rejected] == [i.raw for i in full.rejected] and again.rejected
    assert again.changed_files == 0


@pytest.mark.parametrize("edit", ["page", "home", "extra page"])
def test_generated_files_touched_by_hand_are_put_back(project, edit):
    _build(project)
    docs = project.docs_dir
    page = {"page": docs / "articles" / "a03.md", "home": docs / "index.md",
            "extra page": docs / "articles" / "by-hand.md"}[edit]
    original = page.read_bytes() if page.exists() else None
    if edit == "home":
        page.unlink()  # a link into the generation: replaced by a file of its own
    page.write_text("edited by hand", encoding="utf-8")
    _, ran = _build(project)
    assert ran
    assert (page.read_bytes() if page.exists() else None) == original


@pytest.mark.parametrize("change", ["dump", "entities", "overrides", "new dump"])
def test_a_changed_input_runs_the_build(project, change):
    _build(project)
    raw = project.raw_dir
    if change == "dump":
        (raw / "a05.txt").write_text(article_text(105), encoding="utf-8")
    elif change == "new dump":
        (raw / "b00.txt").write_text(article_text(200), encoding="utf-8")
    elif change == "entities":
        project.entities_path.write_text("entities: []\n", encoding="utf-8")
    else:
        project.overrides_path.write_text("{}\n", encoding="utf-8")
    report, ran = _build(project)
    assert ran
    if change == "new dump":
        assert (project.docs_dir / "articles" / "b00.md").is_file()


def test_a_build_right_after_a_dump_was_saved_is_not_remembered(project, monkeypatch):
    """A stat younger than RACY_SECONDS may hide a second save within the same timestamp tick."""
    monkeypatch.setattr(unchanged, "RACY_SECONDS", 3600)
    (project.raw_dir / "a05.txt").write_text(article_text(105), encoding="utf-8")
    _build(project)
    _, ran = _build(project)
    assert ran


def _fresh_at_discovery(monkeypatch):
    """Every dump counts as just saved when the build takes its key, and as settled when it ends (a cold
    build of an archive written moments before: its dumps are older than RACY_SECONDS by the time it ends)."""
    real = unchanged.build_key

    def build_key(*args, **kwargs):
        monkeypatch.setattr(unchanged, "RACY_SECONDS", 3600)
        try:
            return real(*args, **kwargs)
        finally:
            monkeypatch.setattr(unchanged, "RACY_SECONDS", 0)

    monkeypatch.setattr(unchanged, "build_key", build_key)


def test_a_build_right_after_dumps_were_saved_is_remembered_once_they_have_settled(project, monkeypatch):
    """The bench's cold build starts moments after the archive was written: it checks those dumps again when
    it ends (older than the racy window, same stat, same bytes as its results were made from) and records
    itself, so the very next build skips (it used to run every stage once more)."""
    (project.raw_dir / "a05.txt").write_text(article_text(105), encoding="utf-8")
    with monkeypatch.context() as patched:
        _fresh_at_discovery(patched)
        first, ran = _build(project)
    assert ran
    again, ran = _build(project)
    assert not ran
    assert _shown(again) == _shown(first)


def test_a_dump_saved_again_within_the_same_tick_during_the_build_is_not_remembered(project, monkeypatch):
    """A save that keeps the stat (same size, same times: a coarse clock) after prepare read the dump: the bytes
    read again when the build ends are not the ones its result was made from, so nothing is recorded and the
    next build publishes the new text."""
    monkeypatch.setattr(unchanged, "_signature", lambda info: f"{info.st_size}:{info.st_mtime_ns}:{info.st_ino}")
    dump = project.raw_dir / "a05.txt"
    dump.write_text(article_text(105), encoding="utf-8")
    text = article_text(105)
    other = text.replace("类似的做法", "笔墨纸砚新", 1)  # same length in bytes: the size stays too
    assert other != text and len(other.encode()) == len(text.encode())
    real_settled = unchanged.settled

    def saved_again_first(*args, **kwargs):
        times = dump.stat()
        dump.write_text(other, encoding="utf-8")
        os.utime(dump, ns=(times.st_atime_ns, times.st_mtime_ns))
        return real_settled(*args, **kwargs)

    monkeypatch.setattr(unchanged, "settled", saved_again_first)
    with monkeypatch.context() as patched:
        _fresh_at_discovery(patched)
        _build(project)
    monkeypatch.setattr(unchanged, "settled", real_settled)
    _, ran = _build(project)
    assert ran
    assert "笔墨纸砚新" in (project.docs_dir / "articles" / "a05.md").read_text(encoding="utf-8")


def test_the_build_after_one_that_settled_fresh_dumps_reads_only_the_new_dump(project, monkeypatch):
    """The digests read when the fresh dumps were checked are kept (as the store keeps those it reads once their
    stat is old enough): the next build that runs (a dump added) hashes the new dump alone, not the archive."""
    from build_tools.runtime import cache

    (project.raw_dir / "a05.txt").write_text(article_text(105), encoding="utf-8")
    with monkeypatch.context() as patched:
        _fresh_at_discovery(patched)
        _build(project)
    (project.raw_dir / "b00.txt").write_text(article_text(200), encoding="utf-8")
    hashed = []
    real = cache.file_digest
    monkeypatch.setattr(cache, "file_digest", lambda path, limit: hashed.append(path.name) or real(path, limit))
    _, ran = _build(project)
    assert ran and hashed == ["b00.txt"]
