"""The build cache: results stored by key in one SQLite file, and the dumps' digests.

A key is a hash of everything a result depends on (the stage's code key, see
:mod:`build_tools.runtime.code`, and the result's inputs), so a stored result is valid exactly
as long as its key is asked for again.  Results live in one SQLite file (creating thousands of
small files costs more than the work itself on many disks); only the main process writes it,
and workers read from it through their own connections (:class:`Reader`) after a
:meth:`Store.checkpoint`.

A dump whose size, mtime, ctime and inode are those recorded last time is not even read again
(as git's index does): its digest is remembered.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
from pathlib import Path
from typing import Any

from build_tools.model.errors import CacheError


def key(*parts: str | bytes) -> str:
    """One hash of ``parts`` (order matters; no part can run into the next)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()


def pickled(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


class Store:
    """A key → pickled value table per kind, in one SQLite file; written only by the main process."""

    KINDS = ("prepared", "article", "linked", "view")
    FILENAME = "cache.sqlite3"

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / self.FILENAME
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        for kind in self.KINDS:
            self.db.execute(f"CREATE TABLE IF NOT EXISTS {kind} (key TEXT PRIMARY KEY, value BLOB)")
        self.db.execute("DROP TABLE IF EXISTS archive")  # an earlier layout (no name column)
        self.db.execute("CREATE TABLE IF NOT EXISTS whole (key TEXT PRIMARY KEY, value BLOB, name TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (path BLOB PRIMARY KEY, stat TEXT, digest TEXT)")
        self.db.execute("BEGIN")

    def get(self, kind: str, key: str) -> Any | None:
        row = self.db.execute(f"SELECT value FROM {kind} WHERE key = ?", (key,)).fetchone()
        return None if row is None else _unpickle(row[0])

    def get_many(self, kind: str, keys: list[str]) -> dict[str, Any]:
        """The stored values for those keys that have one (one query per 500 keys, not one per key)."""
        found: dict[str, Any] = {}
        unique = sorted(set(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            marks = ",".join("?" * len(chunk))
            for stored_key, blob in self.db.execute(f"SELECT key, value FROM {kind} WHERE key IN ({marks})", chunk):
                value = _unpickle(blob)
                if value is not None:
                    found[stored_key] = value
        return found

    def checkpoint(self) -> None:
        """Commit, so worker processes (their own connections) see what this build stored so far."""
        self.db.execute("COMMIT")
        self.db.execute("BEGIN")

    def put(self, kind: str, key: str, value: Any) -> None:
        self.put_raw(kind, key, pickled(value))

    def put_raw(self, kind: str, key: str, blob: bytes) -> None:
        self.db.execute(f"INSERT OR REPLACE INTO {kind} (key, value) VALUES (?, ?)", (key, blob))

    def put_latest(self, name: str, key: str, value: Any) -> None:
        """Store ``value`` as the one whole-archive result called ``name`` (only the latest is ever useful)."""
        self.db.execute("DELETE FROM whole WHERE name = ?", (name,))
        self.db.execute("INSERT OR REPLACE INTO whole (key, value, name) VALUES (?, ?, ?)", (key, pickled(value), name))

    def load(self, kind: str, key: str) -> Any:
        """A value this build stored or found: its absence means the cache was removed meanwhile."""
        value = self.get(kind, key)
        if value is None:
            raise _vanished(kind, key)
        return value

    def digest(self, path: Path, max_bytes: int) -> str:
        """sha256 of the dump's bytes, reused while its size, mtime, ctime and inode stay the same.

        A dump over ``max_bytes`` is not read: ingest rejects it by its size, so its size is its digest.
        """
        absolute = os.fsencode(os.path.abspath(path))  # bytes: a file name need not be valid UTF-8
        try:
            info = os.lstat(path)
        except OSError as error:
            return hashlib.sha256(f"unreadable:{error}".encode()).hexdigest()
        stat = f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}:{info.st_mode}"
        row = self.db.execute("SELECT stat, digest FROM seen WHERE path = ?", (absolute,)).fetchone()
        if row and row[0] == stat:
            return row[1]
        try:
            data = path.read_bytes() if info.st_size <= max_bytes else f"too-large:{info.st_size}".encode()
        except OSError as error:
            return hashlib.sha256(f"unreadable:{error}".encode()).hexdigest()
        digest = hashlib.sha256(data).hexdigest()
        self.db.execute("INSERT OR REPLACE INTO seen (path, stat, digest) VALUES (?, ?, ?)", (absolute, stat, digest))
        return digest

    def close(self) -> None:
        self.db.execute("COMMIT")
        self.db.close()


class Reader:
    """A read-only view of the store for worker processes (one connection per process)."""

    _open: dict[Path, sqlite3.Connection] = {}

    def __init__(self, path: Path):
        self.path = path

    def load(self, kind: str, key: str) -> Any:
        db = self._open.get(self.path)
        if db is None:
            db = self._open[self.path] = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        row = db.execute(f"SELECT value FROM {kind} WHERE key = ?", (key,)).fetchone()
        value = None if row is None else _unpickle(row[0])
        if value is None:
            raise _vanished(kind, key)
        return value


def _vanished(kind: str, key: str) -> CacheError:
    return CacheError(f"cache entry {kind}/{key[:12]} vanished during the build (was the cache folder removed?); "
                      f"run the build again")


def _unpickle(blob: bytes) -> Any | None:
    try:
        return pickle.loads(blob)
    except (pickle.PickleError, EOFError, AttributeError, ImportError, ValueError):
        return None
