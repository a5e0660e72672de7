"""A full disk (issue 12, item 13): one line naming what could not be written, exit 2, and docs/ still
showing the previous output; never ``OSError: [Errno 28]`` with a traceback.

A full disk is simulated where each kind of write happens (a page, a hard link of the new generation,
the cache, the manifest, the report), and for real with a file size limit (RLIMIT_FSIZE: the kernel
refuses writes past it, as a full disk does, without needing root for a tiny file system).
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from build_tools.cli import main
from build_tools.runtime import emit, generations
from build_tools.runtime.cache import Store
from tests.conftest import ROOT
from tests.fixtures.hostile.corpus import article_text
from tests.test_output_identity import published_tree

# Whole builds, several per test: the full lane (make test), not the edit loop's.
pytestmark = pytest.mark.slow

FULL = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture()
def built(tmp_path: Path, monkeypatch) -> Path:
    """A project whose docs/ holds a finished build; then one dump changes, so the next build writes."""
    monkeypatch.chdir(tmp_path)
    shutil.copytree(ROOT / "raw", tmp_path / "raw")
    (tmp_path / "raw" / "extra.txt").write_text(article_text("disk"), encoding="utf-8")
    assert _build() == 0
    (tmp_path / "raw" / "extra.txt").write_text(article_text("disk full"), encoding="utf-8")
    return tmp_path


def _build(*extra: str) -> int:
    return main(["build", "--raw", "raw", "--docs", "docs", "--quiet", "--jobs", "1",
                 "--entities", str(ROOT / "entities.yml"), "--overrides", "none.yml", *extra])


def _full_when(real, *, path_contains: str = ""):
    def refuse(*args, **kwargs):
        if path_contains in str(args[0]):
            raise FULL
        return real(*args, **kwargs)
    return refuse


class _FullDatabase:
    """A connection whose writes of results fail as SQLite's do on a full disk."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def execute(self, query: str, *args):
        if query.startswith("INSERT OR REPLACE INTO article"):
            error = sqlite3.OperationalError("database or disk is full")
            error.sqlite_errorcode = 13  # SQLITE_FULL
            raise error
        return self.db.execute(query, *args)

    def __getattr__(self, name: str):
        return getattr(self.db, name)


def _cache_full(patch) -> None:
    real = Store._open

    def open_then_fill(self):
        real(self)
        self.db = _FullDatabase(self.db)

    patch.setattr(Store, "_open", open_then_fill)


CASES = {
    "page": lambda patch: patch.setattr(emit, "open", _full_when(open, path_contains="extra"), raising=False),
    "hard link": lambda patch: patch.setattr(generations.os, "link", _full_when(os.link)),
    "cache": _cache_full,
    "generation folder": lambda patch: patch.setattr(emit, "new_generation", _full_when(emit.new_generation)),
}
NAMED = {"page": "docs/articles/extra.md", "hard link": "docs/.generated/g-", "cache": "the build cache",
         "generation folder": "docs/.generated"}
# Writes only a build with no spare generation to start from makes (a new generation folder, every unchanged file
# linked into it): as after a build whose spare is gone.  Since a cold build leaves a spare, it is removed first.
NO_SPARE = {"hard link", "generation folder"}


@pytest.mark.parametrize("case", list(CASES))
def test_a_full_disk_is_one_line_and_the_previous_output_stays(built, case, monkeypatch, capsys):
    before = published_tree(built / "docs")
    if case in NO_SPARE:
        (built / "docs" / ".generated" / generations.SPARE).unlink()
    capsys.readouterr()
    with monkeypatch.context() as patch:
        CASES[case](patch)
        code = _build()
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, err
    assert lines[0].startswith("error: ") and NAMED[case] in lines[0], lines
    assert "No space left on device" in lines[0] or "full" in lines[0]
    assert published_tree(built / "docs") == before
    spare = generations.spare_generation(built / "docs")  # a whole one, recorded: kept for the next build
    assert sorted(p.name for p in (built / "docs" / ".generated").iterdir() if p.name.startswith("g-")) == sorted(
        [os.readlink(built / "docs" / ".generated" / "current"), *([spare.name] if spare else [])])  # nothing half-made
    assert _build() == 0  # room again: the next build goes through
    assert published_tree(built / "docs") != before


def test_a_full_disk_after_the_swap_names_the_manifest(built, monkeypatch, capsys):
    """The new output is in place; only the record that saves the next build some work is missing."""
    capsys.readouterr()
    with monkeypatch.context() as patch:
        patch.setattr(emit, "_save_manifest", _full_when(emit._save_manifest))
        code = _build()
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "cannot write" in lines[0] and "manifests" in lines[0], lines
    assert "disk full" in (built / "docs" / "articles" / "extra.md").read_text(encoding="utf-8")


def test_a_report_that_cannot_be_written_is_one_line(built, monkeypatch, capsys):
    real = Path.write_text

    def write_text(self, *args, **kwargs):
        if self.name == "report.json":
            raise FULL
        return real(self, *args, **kwargs)

    capsys.readouterr()
    monkeypatch.setattr(Path, "write_text", write_text)
    code = _build("--report", "out/report.json")
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and lines == ["error: cannot write the report out/report.json: No space left on device"]


@pytest.mark.slow
def test_a_file_size_limit_stops_the_build_with_one_line(built):
    """The kernel refuses the writes (EFBIG past RLIMIT_FSIZE), as a full disk does (ENOSPC)."""
    before = published_tree(built / "docs")
    (built / "raw" / "big.txt").write_text(article_text("big") * 40, encoding="utf-8")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (48 * 1024, resource.RLIM_INFINITY))

    command = [sys.executable, "-m", "build_tools", "build", "--raw", "raw", "--docs", "docs", "--quiet",
               "--entities", str(ROOT / "entities.yml"), "--overrides", "none.yml"]
    done = subprocess.run(command, cwd=built, env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=limit,
                          capture_output=True, text=True, timeout=120, check=False)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: cannot write"), done.stderr
    assert "File too large" in lines[0] or "full" in lines[0]
    assert published_tree(built / "docs") == before
