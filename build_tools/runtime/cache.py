"""Per-dump work, cached by content hash, spread over all cores, streamed.

The prepared Article (ingest → clean → metadata → overrides) depends only on
the dump's bytes, its path, its overrides entry and the code and rules, so
that is the cache key.  A dump whose size, mtime, ctime and inode are those
recorded last time is not even read again (as git's index does).  Workers
hand back the Article pickled together with a small :class:`Prepared`
record; the main process keeps only the records and stores the articles in
one SQLite file (creating thousands of small files costs more than the work
itself on many disks).  Later passes reload articles one at a time (workers
read them directly), so memory stays flat however large the archive.
Results come back in input order: parallel builds are byte-identical to
serial ones.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from build_tools.config.rules import active_rules_dir, use_rules_dir
from build_tools.model import Article
from build_tools.model.paths import relative_path
from build_tools.runtime.parallel import ordered_map
from build_tools.settings import PACKAGE_DIR, RULES_DIR, Settings


def code_version() -> str:
    return _code_version(active_rules_dir())


@lru_cache(maxsize=2)
def _code_version(rules_dir: Path) -> str:
    """The package's code and data, plus the rules folder in use when it is not the package's own."""
    digest = hashlib.sha256()
    root = PACKAGE_DIR
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".yml", ".json") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    if rules_dir != RULES_DIR:
        for path in sorted(rules_dir.glob("*.yml")):
            digest.update(b"rules/" + path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def content_key(*parts: str | bytes) -> str:
    digest = hashlib.sha256(code_version().encode())
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
    return digest.hexdigest()


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
            for key, blob in self.db.execute(f"SELECT key, value FROM {kind} WHERE key IN ({marks})", chunk):
                value = _unpickle(blob)
                if value is not None:
                    found[key] = value
        return found

    def checkpoint(self) -> None:
        """Commit, so worker processes (their own connections) see what this build stored so far."""
        self.db.execute("COMMIT")
        self.db.execute("BEGIN")

    def digests(self) -> dict[bytes, tuple[str, str]]:
        return {path: (stat, digest) for path, stat, digest in self.db.execute("SELECT path, stat, digest FROM seen")}

    def remember_digest(self, path: bytes, stat: str, digest: str) -> None:
        """``path`` as bytes: a file name need not be valid UTF-8."""
        self.db.execute("INSERT OR REPLACE INTO seen (path, stat, digest) VALUES (?, ?, ?)", (path, stat, digest))

    def put(self, kind: str, key: str, value: Any) -> None:
        self.put_raw(kind, key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def put_kind_only(self, kind: str, name: str, key: str, value: Any) -> None:
        """Store ``value`` as the one entry named ``name`` (whole-archive results: only the latest is useful)."""
        self.db.execute(f"DELETE FROM {kind} WHERE name = ?", (name,))
        self.db.execute(f"INSERT OR REPLACE INTO {kind} (key, value, name) VALUES (?, ?, ?)",
                        (key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), name))

    def put_raw(self, kind: str, key: str, blob: bytes) -> None:
        self.db.execute(f"INSERT OR REPLACE INTO {kind} (key, value) VALUES (?, ?)", (key, blob))

    def close(self) -> None:
        self.db.execute("COMMIT")
        self.db.close()


class Reader:
    """A read-only view of the store for worker processes (one connection per process)."""

    _open: dict[Path, sqlite3.Connection] = {}

    def __init__(self, path: Path):
        self.path = path

    def get(self, kind: str, key: str) -> Any:
        db = self._open.get(self.path)
        if db is None:
            db = self._open[self.path] = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        row = db.execute(f"SELECT value FROM {kind} WHERE key = ?", (key,)).fetchone()
        value = None if row is None else _unpickle(row[0])
        if value is None:
            raise RuntimeError(f"cache entry {kind}/{key[:12]} vanished during the build")
        return value


def _unpickle(blob: bytes) -> Any | None:
    try:
        return pickle.loads(blob)
    except (pickle.PickleError, EOFError, AttributeError, ImportError, ValueError):
        return None


def _digest(path: Path, settings: Settings, seen: dict[bytes, tuple[str, str]], store: Store) -> str:
    """sha256 of the dump's bytes, reused while its size, mtime, ctime and inode stay the same."""
    absolute = os.fsencode(os.path.abspath(path))
    try:
        info = os.lstat(path)
    except OSError as error:
        return hashlib.sha256(f"unreadable:{error}".encode()).hexdigest()
    stat = f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}:{info.st_mode}"
    remembered = seen.get(absolute)
    if remembered and remembered[0] == stat:
        return remembered[1]
    try:
        data = path.read_bytes() if info.st_size <= settings.max_dump_bytes else f"too-large:{info.st_size}".encode()
    except OSError as error:
        return hashlib.sha256(f"unreadable:{error}".encode()).hexdigest()
    digest = hashlib.sha256(data).hexdigest()
    store.remember_digest(absolute, stat, digest)
    return digest


def _key(relative: str, absolute: str, override_key: str, digest: str) -> str:
    # The article records its path as the editor sees it (relative to where the build runs), so the
    # absolute path and working directory belong to the key: one cache may serve several raw/ trees.
    return content_key(digest, relative, absolute, os.getcwd(), override_key)


def prepare_all(paths: list[Path], settings: Settings, overrides, work: Callable,
                store: Store, warm: Callable[[], object] | None = None) -> Iterator[Any]:
    """Yield each dump's record (or Failure), in input order; ``warm`` runs first if any dump has to be prepared.

    ``work(context, (path, key))`` runs in a worker with ``context = (settings, overrides)`` and returns the
    small record plus the pickled article for the store (or ``(failure, None)``)."""
    use_rules_dir(settings.rules_dir)  # before the keys (code_version) and before the workers fork
    seen = store.digests()
    keys = []
    for path in paths:
        relative = relative_path(path, settings.raw_dir)
        keys.append(_key(relative, os.path.abspath(path), overrides.key_for(relative),
                         _digest(path, settings, seen, store)))
    cached = store.get_many("prepared", keys)
    missing = [i for i, key in enumerate(keys) if key not in cached]
    fresh = ordered_map(work, [(paths[i], keys[i]) for i in missing], (settings, overrides), settings.jobs,
                        warm=warm)
    for key in keys:
        result = cached.get(key)
        if result is None:
            result, blob = next(fresh)
            if blob is not None:
                store.put_raw("article", key, blob)
            store.put("prepared", key, result)
        yield result


def load_article(store: Store, item: Any) -> Article:
    article = store.get("article", item.key)
    if article is None:
        raise RuntimeError(f"{item.raw_path}: cache entry {item.key[:12]} vanished during the build")
    return article


@dataclass(frozen=True)
class Loader:
    """A prepared record that can fetch its full Article on demand."""

    item: Any
    store: Store

    @property
    def raw_path(self) -> str:
        return self.item.raw_path

    def load(self) -> Article:
        return load_article(self.store, self.item)
