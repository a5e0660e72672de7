"""Two builds at once (issue 12, item 9): the second waits for the first, saying so, and both succeed;
never ``database is locked``, never a traceback.  The locks are taken before prepare, so the SQLite
cache is never written by two builds; the live preview's own rebuild waits the same way."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from build_tools.model.errors import BuildError, CacheError
from build_tools.runtime import locks
from build_tools.runtime.locks import FolderLock
from build_tools.serve.rebuild import Builder
from build_tools.settings import Settings
from tests.conftest import ROOT
from tests.fixtures.hostile.corpus import article_text

pytestmark = pytest.mark.slow  # builds in subprocesses

DUMPS = 150


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    for i in range(DUMPS):
        (raw / f"d{i:03}.txt").write_text(article_text(f"twice{i}"), encoding="utf-8")
    return tmp_path


def _start(project: Path, docs: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "build_tools", "build", "--raw", "raw", "--docs", docs, "--jobs", "2",
               "--entities", str(ROOT / "entities.yml"), "--overrides", "none.yml"]
    return subprocess.Popen(command, cwd=project, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("docs", [("docs", "docs"), ("docs", "other-docs")], ids=["same output", "same cache"])
def test_two_builds_at_once_wait_for_each_other(project, docs):
    first = _start(project, docs[0])
    deadline = time.monotonic() + 30
    while not (project / ".cache" / "build" / "cache.sqlite3").exists():  # the first one holds the cache
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.01)
    second = _start(project, docs[1])
    results = [process.communicate(timeout=300) for process in (first, second)]
    for process, (_, err) in zip((first, second), results, strict=True):
        assert process.returncode == 0, err
        assert "Traceback" not in err and "locked" not in err, err
    assert "waiting for another build" in results[1][1]
    for name in set(docs):
        assert len(list((project / name / "articles").glob("*.md"))) >= DUMPS


def test_a_build_that_cannot_wait_any_longer_says_so_in_one_line(project, monkeypatch):
    monkeypatch.setattr(locks, "LOCK_WAIT_SECONDS", 0.3)
    from build_tools.pipeline import build

    settings = Settings(raw_dir=project / "raw", docs_dir=project / "docs", cache_dir=project / "cache", jobs=1,
                        quiet=True, overrides_path=project / "none.yml")
    held = FolderLock(project / "cache", "the build cache", CacheError).acquire()
    try:
        with pytest.raises(BuildError) as caught:
            build(settings)
    finally:
        held.release()
    message = str(caught.value)
    assert "another build is writing the build cache" in message and "\n" not in message
    assert not (project / "docs" / "articles").exists()
    build(settings)  # free again
    assert (project / "docs" / "articles").is_dir()


def test_the_previews_rebuild_waits_for_a_build_from_the_command_line(project, capfd, monkeypatch):
    """``make serve`` rebuilds in its own process while an editor runs ``make build``: it waits, then builds."""
    monkeypatch.chdir(project)
    first = _start(project, "docs")
    deadline = time.monotonic() + 30
    while not (project / ".cache" / "build" / "cache.sqlite3").exists():
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    builder = Builder(Settings(raw_dir=Path("raw"), docs_dir=Path("docs"), overrides_path=Path("none.yml"),
                               entities_path=ROOT / "entities.yml"))
    took = builder.run("raw/d000.txt changed")
    _, first_err = first.communicate(timeout=300)
    assert first.returncode == 0, first_err
    err = capfd.readouterr().err
    assert took is not None, err
    assert "waiting for another build" in err and "Traceback" not in err and "locked" not in err
