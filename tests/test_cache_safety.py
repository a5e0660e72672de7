"""The build cache can be trusted (issue 12, items 7 and 8).

* a result is stored under the key of the bytes the work actually read: a dump saved while the
  build reads it never leaves one version's page under the other version's key, and cached and
  --no-cache builds agree afterwards;
* a dump changed too recently to tell apart by its stat is hashed again next time ("racy" stat);
* a corrupted cache (truncated, random bytes, rows that are not what they claim) is detected,
  moved aside and rebuilt, with one warning: never a traceback, never a stuck build.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from build_tools.pipeline import build
from build_tools.runtime.cache import Store
from build_tools.settings import Settings
from tests.conftest import ROOT
from tests.fixtures.hostile.corpus import article_text
from tests.test_output_identity import published_tree

# Whole builds, several per test: the full lane (make test), not the edit loop's.
pytestmark = pytest.mark.slow

TARGET = "target.txt"
V1 = article_text("version-one", title="第一版的标题：社区图书馆的未来")
V2 = article_text("version-two", title="第二版的标题：河流污染的治理")


def _settings(root: Path, out: str = "out", **extra) -> Settings:
    return Settings(raw_dir=root / "raw", docs_dir=root / out / "docs", cache_dir=root / "cache", jobs=1,
                    entities_path=ROOT / "entities.yml", overrides_path=root / "none.yml", **extra)


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "raw", tmp_path / "raw")
    (tmp_path / "raw" / TARGET).write_text(V1, encoding="utf-8")
    return tmp_path


def _page(root: Path, out: str = "out") -> str:
    return (root / out / "docs" / "articles" / "target.md").read_text(encoding="utf-8")


# --- item 7: keyed by the bytes read ------------------------------------------------------------------


def test_a_dump_saved_between_hashing_and_reading_never_poisons_the_cache(root, monkeypatch):
    target = root / "raw" / TARGET
    real = Store._digest

    def digest_then_save(self, path, *args):
        digest = real(self, path, *args)
        if path.name == TARGET:
            path.write_text(V2, encoding="utf-8")  # the editor saves right after the build hashed the file
        return digest

    with monkeypatch.context() as patch:
        patch.setattr(Store, "_digest", digest_then_save)
        build(_settings(root))
    assert "第二版" in _page(root)  # the page is what the build read
    target.write_text(V1, encoding="utf-8")  # …and the editor reverts
    build(_settings(root))
    assert "第一版" in _page(root)  # before: the cache still held version two under version one's key
    build(_settings(root, "clean", use_cache=False))
    assert published_tree(root / "out" / "docs") == published_tree(root / "clean" / "docs")


def test_a_failure_read_from_other_bytes_is_not_stored_under_the_hashed_ones(root, monkeypatch):
    """A dump hashed as an article but read empty (saved in between): rejected this time, published next time."""
    target = root / "raw" / TARGET
    real = Store._digest

    def digest_then_empty(self, path, *args):
        digest = real(self, path, *args)
        if path.name == TARGET:
            path.write_bytes(b"")
        return digest

    with monkeypatch.context() as patch:
        patch.setattr(Store, "_digest", digest_then_empty)
        report = build(_settings(root))
    assert any(i.raw.endswith(TARGET) and i.status == "rejected" for i in report.inputs)
    target.write_text(V1, encoding="utf-8")
    report = build(_settings(root))
    assert any(i.raw.endswith(TARGET) and i.status == "ok" for i in report.inputs)


def test_a_stat_too_recent_to_trust_is_not_remembered(tmp_path):
    """A file written in the same clock tick as the build's look at it could change again without its stat
    changing (git's "racy" entries): its digest is not remembered, so the next build reads it again."""
    store = Store(tmp_path / "cache")
    fresh, settled = tmp_path / "fresh.txt", tmp_path / "settled.txt"
    fresh.write_text("new", encoding="utf-8")
    settled.write_text("old", encoding="utf-8")
    os.utime(settled, (1_000_000_000, 1_000_000_000))  # long ago (ctime is now, though: see below)
    try:
        store.digest(fresh, 1000)
        rows = store.db.execute("SELECT COUNT(*) FROM seen").fetchone()[0]
    finally:
        store.close()
    assert rows == 0


# --- item 8: a corrupted cache ------------------------------------------------------------------------


def _corrupt_truncated(cache: Path) -> None:
    path = cache / "cache.sqlite3"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _corrupt_random(cache: Path) -> None:
    path = cache / "cache.sqlite3"
    path.write_bytes(os.urandom(max(path.stat().st_size, 8192)))


def _corrupt_header(cache: Path) -> None:
    path = cache / "cache.sqlite3"
    data = bytearray(path.read_bytes())
    data[:100] = os.urandom(100)
    path.write_bytes(bytes(data))


def _corrupt_rows(cache: Path) -> None:
    """Rows whose values are garbage, and articles that are gone although their records say they are there."""
    with contextlib.closing(sqlite3.connect(cache / "cache.sqlite3")) as db:
        db.execute("UPDATE prepared SET value = randomblob(40)")
        db.execute("DELETE FROM linked")
        db.execute("UPDATE article SET value = x'80'")
        db.commit()


def _corrupt_tables(cache: Path) -> None:
    with contextlib.closing(sqlite3.connect(cache / "cache.sqlite3")) as db:
        db.execute("DROP TABLE prepared")
        db.execute("CREATE TABLE prepared (nonsense INTEGER)")
        db.commit()


def _corrupt_manifest(cache: Path) -> None:
    for manifest in (cache / "manifests").glob("*.json"):
        manifest.write_bytes(os.urandom(300))


def _corrupt_directory(cache: Path) -> None:
    (cache / "cache.sqlite3").unlink()
    (cache / "cache.sqlite3").mkdir()


CORRUPTIONS = {
    "truncated": _corrupt_truncated,
    "random bytes": _corrupt_random,
    "header": _corrupt_header,
    "rows": _corrupt_rows,
    "tables": _corrupt_tables,
    "manifest": _corrupt_manifest,
    "a folder": _corrupt_directory,
}


@pytest.mark.parametrize("corrupt", list(CORRUPTIONS.values()), ids=list(CORRUPTIONS))
def test_a_corrupted_cache_is_moved_aside_and_rebuilt_with_one_warning(root, corrupt):
    build(_settings(root))
    expected = published_tree(root / "out" / "docs")
    assert not (root / "cache" / "cache.sqlite3-wal").exists()  # a build that ended folded its journal in
    corrupt(root / "cache")
    shutil.rmtree(root / "out")
    report = build(_settings(root))
    assert published_tree(root / "out" / "docs") == expected
    cache_warnings = [w for w in report.warnings if w.code == "cache"]
    if corrupt is _corrupt_manifest:
        assert cache_warnings == []  # the manifest only ever saves work: nothing to warn about
    else:
        assert len(cache_warnings) == 1, report.warnings
        assert "moved aside" in cache_warnings[0].message
        assert list((root / "cache").glob("corrupt-*"))  # kept for a post-mortem
    again = build(_settings(root))
    assert [w for w in again.warnings if w.code == "cache"] == []  # rebuilt: the next build is quiet
