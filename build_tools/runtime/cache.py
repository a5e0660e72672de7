"""The build cache: results stored by key in one SQLite file, and the dumps' digests.

A key is a hash of everything a result depends on (the stage's code key, see
:mod:`build_tools.runtime.code`, and the result's inputs), so a stored result is valid exactly
as long as its key is asked for again.  Results live in one SQLite file (creating thousands of
small files costs more than the work itself on many disks); only the main process writes it,
and workers read from it through their own connections (:class:`Reader`) after a
:meth:`Store.checkpoint`.

A dump whose size, mtime, ctime and inode are those recorded last time is not even read again
(as git's index does): its digest is remembered.  A stat taken within ``RACY_SECONDS`` of the
file's last change is not remembered (a second save in the same clock tick would keep the stat).
The digest the main process takes only finds a stored result; the work that reads the dump
hashes the bytes it read and its result is stored under those (see ``Stage.keyed_by_read``).

A damaged cache (not a database, truncated, a table that is not what it should be, an entry a
record points to that is gone) raises :class:`~build_tools.model.errors.CacheCorrupt`; the build
moves the file aside (:func:`quarantine`) and starts again with an empty one.  A cache that
cannot be written (a full disk, no permission) or that another program holds raises a
:class:`~build_tools.model.errors.CacheError` naming the file: one line, never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import pickle
import shutil
import sqlite3
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from build_tools.filestat import signature, young
from build_tools.memory import gc_paused, kept_to_the_end
from build_tools.model.errors import CacheCorrupt, CacheError

# SQLite result codes (the low byte of sqlite_errorcode) that are not damage.
_BUSY = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED: another program holds the file
_CANNOT_WRITE = {3, 8, 13, 23}  # SQLITE_PERM, SQLITE_READONLY, SQLITE_FULL, SQLITE_AUTH
# SQLITE_IOERR_WRITE, _FSYNC, _DIR_FSYNC, _TRUNCATE, _SHMSIZE: a write the disk refused (full, a size limit)
_WRITE_FAILED = {778, 1034, 1290, 1546, 4874}


def key(*parts: str | bytes) -> str:
    """One hash of ``parts`` (order matters; no part can run into the next)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()


def pickled(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def file_digest(path: Path, max_bytes: int) -> str:
    """sha256 of the file's bytes (a dump over ``max_bytes`` is not read: its size is its digest; a file
    that cannot be read: the reason).  The same function in the main process and in the workers."""
    try:
        size = os.lstat(path).st_size
        data = path.read_bytes() if size <= max_bytes else f"too-large:{size}".encode()
    except OSError as error:
        data = f"unreadable:{error}".encode()
    return hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def sqlite_errors(path: Path) -> Iterator[None]:
    """SQLite's errors as the project's: damage → CacheCorrupt, a full disk or a busy file → CacheError."""
    try:
        yield
    except sqlite3.Error as error:
        raise _classified(error, path) from error


def _classified(error: sqlite3.Error, path: Path) -> CacheError:
    extended = getattr(error, "sqlite_errorcode", None) or 0
    code = extended & 0xFF
    if code in _BUSY:
        return CacheError(f"the build cache {path} is in use by another program ({error}); close it and build again")
    if code in _CANNOT_WRITE:
        return CacheError(f"cannot write the build cache {path}: {error}")
    if extended in _WRITE_FAILED:
        return CacheError(f"cannot write the build cache {path}: {error} (is the disk full?)")
    if code == 14 and (not path.parent.is_dir() or not os.access(path.parent, os.W_OK)):  # SQLITE_CANTOPEN
        return CacheError(f"cannot open the build cache {path}: {error}")
    return CacheCorrupt(f"the build cache {path} is damaged ({error})")


# Loaded records (or a whole-archive result of bytes) from this many on are kept out of later garbage
# collections (memory.py): the build uses them to its end.
KEPT_FROM = 1000


class Store:
    """A key → pickled value table per kind, in one SQLite file; written only by the main process."""

    KINDS = ("prepared", "article", "linked", "view", "entry")  # entry: a feed entry's HTML
    FILENAME = "cache.sqlite3"

    def __init__(self, directory: Path):
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CacheError(f"cannot create the build cache folder {directory}: {error.strerror or error}") from error
        self.path = directory / self.FILENAME
        _check_length(self.path)
        with sqlite_errors(self.path):
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=10)
            try:
                self._open()
            except BaseException:
                self.db.close()
                raise

    @classmethod
    def read_only(cls, path: Path) -> Store:
        """The store file ``path`` for a forked process that only reads it (:mod:`.ahead`): a connection of its
        own, as :class:`Reader`'s (the main process's must not cross a fork), for :meth:`get` and :meth:`get_many`."""
        store = cls.__new__(cls)
        store.path = path
        with sqlite_errors(path):
            store.db = _read_only(path)
        return store

    def _open(self) -> None:
        if self.db.execute("PRAGMA journal_mode=WAL").fetchone()[0] != "wal":
            raise sqlite3.DatabaseError("not a database in WAL mode")
        self.db.execute("PRAGMA synchronous=NORMAL")
        for kind in self.KINDS:
            self.db.execute(f"CREATE TABLE IF NOT EXISTS {kind} (key TEXT PRIMARY KEY, value BLOB)")
        self.db.execute("DROP TABLE IF EXISTS archive")  # an earlier layout (no name column)
        self.db.execute("CREATE TABLE IF NOT EXISTS whole (key TEXT PRIMARY KEY, value BLOB, name TEXT)")
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (path BLOB PRIMARY KEY, stat TEXT, digest TEXT)")
        for kind in (*self.KINDS, "whole"):  # the columns every query names: a table that lacks one is damage
            self.db.execute(f"SELECT key, value FROM {kind} LIMIT 1").fetchall()
        self.db.execute("SELECT path, stat, digest FROM seen LIMIT 1").fetchall()
        self.db.execute("BEGIN")

    def _sql(self, query: str, parameters: Any = ()) -> sqlite3.Cursor:
        with sqlite_errors(self.path):
            return self.db.execute(query, parameters)

    def get(self, kind: str, key: str) -> Any | None:
        row = self._sql(f"SELECT value FROM {kind} WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        with gc_paused():  # a whole-archive result can be 10^5 small objects
            value = _unpickle(row[0])
        if len(row[0]) >= KEPT_FROM * 1000:
            kept_to_the_end()
        return value

    def present(self, kind: str, keys: list[str]) -> set[str]:
        """Which of ``keys`` have a ``kind`` record, from the index alone (no record read; one query per 500)."""
        found: set[str] = set()
        unique = sorted(set(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            with sqlite_errors(self.path):
                rows = self.db.execute(f"SELECT key FROM {kind} WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                found.update(row[0] for row in rows)
        return found

    def get_many(self, kind: str, keys: list[str]) -> dict[str, Any]:
        """The stored values for those keys that have one (one query per 500 keys, not one per key)."""
        found: dict[str, Any] = {}
        unique = sorted(set(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start:start + 500]
            marks = ",".join("?" * len(chunk))
            with sqlite_errors(self.path):
                rows = self.db.execute(f"SELECT key, value FROM {kind} WHERE key IN ({marks})", chunk).fetchall()
            with gc_paused():  # thousands of records at once (memory.py)
                for stored_key, blob in rows:
                    value = _unpickle(blob)
                    if value is not None:
                        found[stored_key] = value
        if len(found) >= KEPT_FROM:
            kept_to_the_end()
        return found

    def checkpoint(self) -> None:
        """Commit, so worker processes (their own connections) see what this build stored so far."""
        self._sql("COMMIT")
        self._sql("BEGIN")

    def put(self, kind: str, key: str, value: Any) -> None:
        self.put_raw(kind, key, pickled(value))

    def put_raw(self, kind: str, key: str, blob: bytes) -> None:
        self._sql(f"INSERT OR REPLACE INTO {kind} (key, value) VALUES (?, ?)", (key, blob))

    def put_latest(self, name: str, key: str, value: Any) -> None:
        """Store ``value`` as the one whole-archive result called ``name`` (only the latest is ever useful)."""
        self._sql("DELETE FROM whole WHERE name = ?", (name,))
        self._sql("INSERT OR REPLACE INTO whole (key, value, name) VALUES (?, ?, ?)", (key, pickled(value), name))

    def load(self, kind: str, key: str) -> Any:
        """A value this build stored or found: its absence means the cache is damaged."""
        value = self.get(kind, key)
        if value is None:
            raise _vanished(self.path, kind, key)
        return value

    def digest(self, path: Path, max_bytes: int) -> str:
        """sha256 of the dump's bytes (:func:`file_digest`), reused while its size, mtime, ctime and inode
        stay the same; a stat too recent to trust is not remembered."""
        return self.digests([path], max_bytes)[0]

    def digests(self, paths: Sequence[Path], max_bytes: int) -> list[str]:
        """:meth:`digest` of each path, the stat signatures read in one query (one per path was ~0.5 s of a
        build at 10k dumps)."""
        absolute = [os.fsencode(os.path.abspath(path)) for path in paths]  # bytes: names need not be UTF-8
        known: dict[bytes, tuple[str, str]] = {}
        for start in range(0, len(absolute), 500):
            chunk = absolute[start:start + 500]
            rows = self._sql(f"SELECT path, stat, digest FROM seen WHERE path IN ({','.join('?' * len(chunk))})",
                             chunk).fetchall()
            known.update((row[0], (row[1], row[2])) for row in rows)
        return [self._digest(path, name, known.get(name), max_bytes)
                for path, name in zip(paths, absolute, strict=True)]

    def _digest(self, path: Path, absolute: bytes, seen: tuple[str, str] | None, max_bytes: int) -> str:
        try:
            info = os.lstat(path)
        except OSError as error:
            return hashlib.sha256(f"unreadable:{error}".encode()).hexdigest()
        stat = signature(info)
        if seen and seen[0] == stat:
            return seen[1]
        digest = file_digest(path, max_bytes)
        if not young(info, time.time_ns()):
            self._sql("INSERT OR REPLACE INTO seen (path, stat, digest) VALUES (?, ?, ?)", (absolute, stat, digest))
        return digest

    def remember(self, path: Path, info: os.stat_result, digest: str) -> None:
        """Keep ``digest`` as the bytes of ``path``, read by the caller after it took ``info`` (its ``lstat``) at
        a moment when that stat was already older than ``RACY_SECONDS``: what :meth:`digest` keeps itself."""
        stat = signature(info)
        self._sql("INSERT OR REPLACE INTO seen (path, stat, digest) VALUES (?, ?, ?)",
                  (os.fsencode(os.path.abspath(path)), stat, digest))

    def close(self) -> None:
        try:
            with sqlite_errors(self.path):
                if self.db.in_transaction:
                    self.db.execute("COMMIT")
        finally:
            self.db.close()


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that only reads the store file (a forked process's: the main process's must not cross a fork)."""
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)


def _check_length(path: Path) -> None:
    """A database file shorter than its header says (cut off by a full disk or a copy) is damage SQLite would
    find only when it reads the missing pages, perhaps never; with no journal beside it, they must be there."""
    wal = path.with_name(path.name + "-wal")
    try:
        if wal.exists() and wal.stat().st_size > 0:
            return
        with path.open("rb") as handle:
            header = handle.read(100)
            size = os.fstat(handle.fileno()).st_size
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return  # a missing file is a new cache; a folder in its place SQLite reports itself
    except OSError as error:
        raise CacheError(f"cannot read the build cache {path}: {error.strerror or error}") from error
    if len(header) < 100 or not header.startswith(b"SQLite format 3\0") or header[92:96] != header[24:28]:
        return  # not a database at all (SQLite says so), or a header whose page count is not kept up to date
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if size < page_size * pages:
        raise CacheCorrupt(f"the build cache {path} is damaged (cut off: {size} bytes of {page_size * pages})")


class Reader:
    """A read-only view of the store for worker processes (one connection per process and file)."""

    _open: dict[Path, sqlite3.Connection] = {}

    def __init__(self, path: Path):
        self.path = path

    def load(self, kind: str, key: str) -> Any:
        with sqlite_errors(self.path):
            db = self._open.get(self.path)
            if db is None:
                db = self._open[self.path] = _read_only(self.path)
            row = db.execute(f"SELECT value FROM {kind} WHERE key = ?", (key,)).fetchone()
        value = None if row is None else _unpickle(row[0])
        if value is None:
            raise _vanished(self.path, kind, key)
        return value

    @classmethod
    def forget_inherited(cls) -> None:
        """In a forked process: open connections of its own from now on (those inherited are the parent's, in use
        there; they are dropped, not closed)."""
        cls._open = {}

    @classmethod
    def close_all(cls) -> None:
        """Close this process's connections (the main process, when a build ends: the file may move)."""
        while cls._open:
            _, db = cls._open.popitem()
            with contextlib.suppress(sqlite3.Error):
                db.close()


def quarantine(directory: Path) -> Path:
    """Move a damaged cache file (with its journal files) aside into ``directory/corrupt-<time>/``, kept for a
    post-mortem; an older quarantined copy goes (one is enough to look at, and they can be large)."""
    for older in directory.glob("corrupt-*"):
        shutil.rmtree(older, ignore_errors=True)
    aside = directory / time.strftime("corrupt-%Y%m%d-%H%M%S")
    try:
        aside.mkdir(parents=True, exist_ok=True)
        for name in (Store.FILENAME, Store.FILENAME + "-wal", Store.FILENAME + "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.replace(directory / name, aside / name)
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise CacheError(f"cannot move the damaged build cache {directory} aside: {error.strerror}") from error
        raise CacheError(f"cannot move the damaged build cache {directory} aside ({error.strerror or error}); "
                         f"remove {directory} and build again") from error
    return aside


def _vanished(path: Path, kind: str, key: str) -> CacheCorrupt:
    return CacheCorrupt(f"the build cache {path} is damaged (entry {kind}/{key[:12]} is missing or unreadable)")


def _unpickle(blob: bytes) -> Any | None:
    """The stored value, or None for one that cannot be read back (damage, or a record of older code)."""
    try:
        return pickle.loads(blob)
    except Exception:  # noqa: BLE001 - garbage bytes can raise almost anything from the unpickler
        return None
