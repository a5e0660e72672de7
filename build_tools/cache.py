"""Per-dump work, cached by content hash, spread over all cores, streamed.

The prepared Article (ingest → clean → metadata → overrides) depends only on
the dump's bytes, its path, its overrides entry and the code and rules, so
that is the cache key.  Workers hand back the Article pickled together with
a small :class:`Prepared` record; the main process keeps only the records
and stores the articles in one SQLite file (creating thousands of small
files costs more than the work itself on many disks).  Later passes reload
articles one at a time, so memory stays flat however large the archive.
Results come back in input order: parallel builds are byte-identical to
serial ones.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .clean import short_line_keys
from .dedupe import fingerprint
from .model import Article, Failure, block_text
from .settings import Settings

PARALLEL_THRESHOLD = 48  # below this, process start-up costs more than it saves


@dataclass(frozen=True)
class Prepared:
    """What the whole-archive passes need to know about one prepared dump."""

    raw_path: str
    sha256: str
    slug: str
    key: str
    fingerprint: frozenset[str]
    label: str  # source, platform or path: how "also published by" names it
    short_lines: frozenset[str] = frozenset()
    warnings: tuple[str, ...] = ()  # repairs the decoder made, for the build report


@lru_cache(maxsize=1)
def code_version() -> str:
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".yml", ".json") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
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

    KINDS = ("prepared", "article", "linked", "view", "page")

    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(directory / "cache.sqlite3", isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        for kind in self.KINDS:
            self.db.execute(f"CREATE TABLE IF NOT EXISTS {kind} (key TEXT PRIMARY KEY, value BLOB)")
        self.db.execute("BEGIN")

    def get(self, kind: str, key: str) -> Any | None:
        row = self.db.execute(f"SELECT value FROM {kind} WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            return pickle.loads(row[0])
        except (pickle.PickleError, EOFError, AttributeError, ImportError, ValueError):
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        self.put_raw(kind, key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def put_raw(self, kind: str, key: str, blob: bytes) -> None:
        self.db.execute(f"INSERT OR REPLACE INTO {kind} (key, value) VALUES (?, ?)", (key, blob))

    def close(self) -> None:
        self.db.execute("COMMIT")
        self.db.close()


def _key(path: Path, settings: Settings, override_key: str) -> str:
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= settings.max_dump_bytes else f"too-large:{size}".encode()
    except OSError as error:
        data = f"unreadable:{error}".encode()
    # The article records its path as the editor sees it (relative to where the build runs), so the
    # absolute path and working directory belong to the key: one cache may serve several raw/ trees.
    return content_key(data, path.relative_to(settings.raw_dir).as_posix(), str(path.absolute()), os.getcwd(),
                       override_key)


def _work(job: tuple[Path, str], settings: Settings, overrides, prepare: Callable) -> tuple[Any, bytes | None]:
    """Runs in a worker: the small record plus the pickled Article for the store."""
    path, key = job
    result = prepare(path, settings=settings, overrides=overrides)
    if isinstance(result, Failure):
        return result, None
    meta = result.meta
    light = Prepared(
        raw_path=result.raw_path,
        sha256=result.sha256,
        slug=result.slug,
        key=key,
        fingerprint=fingerprint("\n".join(block_text(b) for b in result.blocks)),
        label=meta.source or meta.platform or result.raw_path,
        short_lines=short_line_keys(result.blocks),
        warnings=tuple(h.value for h in result.hint_values("warning")),
    )
    return light, pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


def prepare_all(paths: list[Path], settings: Settings, overrides, prepare: Callable,
                store: Store) -> Iterator[Prepared | Failure]:
    """Yield each dump's Prepared record (or Failure), in input order."""
    keys = [_key(p, settings, overrides.key_for(p.relative_to(settings.raw_dir).as_posix())) for p in paths]
    results: list[Prepared | Failure | None] = [store.get("prepared", key) for key in keys]
    missing = [i for i, r in enumerate(results) if r is None]
    jobs = settings.jobs or os.cpu_count() or 1
    if len(missing) >= PARALLEL_THRESHOLD and jobs > 1:
        pool = ProcessPoolExecutor(max_workers=jobs)
        work = [(paths[i], keys[i]) for i in missing]
        fresh = pool.map(_work, work, *_repeat(len(work), settings, overrides, prepare), chunksize=8)
    else:
        pool = None
        fresh = (_work((paths[i], keys[i]), settings, overrides, prepare) for i in missing)
    try:
        done = iter(fresh)
        for i, result in enumerate(results):
            if result is None:
                result, blob = next(done)
                if blob is not None:
                    store.put_raw("article", keys[i], blob)
                store.put("prepared", keys[i], result)
            yield result
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def load_article(store: Store, item: Prepared) -> Article:
    article = store.get("article", item.key)
    if article is None:
        raise RuntimeError(f"{item.raw_path}: cache entry {item.key[:12]} vanished during the build")
    return article


@dataclass(frozen=True)
class Loader:
    """A prepared record that can fetch its full Article on demand."""

    item: Prepared
    store: Store

    @property
    def raw_path(self) -> str:
        return self.item.raw_path

    def load(self) -> Article:
        return load_article(self.store, self.item)


def _repeat(n: int, *values: Any) -> list[list[Any]]:
    return [[value] * n for value in values]
