"""Per-dump work, cached by content hash, spread over all cores, streamed.

The prepared Article (ingest → clean → metadata → overrides) depends only on
the dump's bytes, its path, its overrides entry and the code and rules, so
that is the cache key.  A worker stores the full Article on disk and hands
back only a small :class:`Prepared` record; later passes reload articles one
at a time, so memory stays flat however large the archive.  Results come
back in input order: parallel builds are byte-identical to serial ones.
"""

from __future__ import annotations

import hashlib
import os
import pickle
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
    file: Path
    fingerprint: frozenset[str]
    label: str  # source, platform or path: how "also published by" names it
    short_lines: frozenset[str] = frozenset()

    def load(self) -> Article:
        return load(self.file)


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
        digest.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def load(file: Path) -> Any:
    with file.open("rb") as handle:
        return pickle.load(handle)


def store(file: Path, value: Any) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_name(f"{file.name}.{os.getpid()}.tmp")
    with tmp.open("wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, file)


def try_load(file: Path) -> Any | None:
    try:
        return load(file)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError, ValueError):
        return None


def _key(path: Path, settings: Settings, override_key: str) -> str:
    try:
        size = path.stat().st_size
        data = path.read_bytes() if size <= settings.max_dump_bytes else f"too-large:{size}".encode()
    except OSError as error:
        data = f"unreadable:{error}".encode()
    return content_key(data, path.relative_to(settings.raw_dir).as_posix(), override_key)


def _work(job: tuple[Path, str], settings: Settings, overrides, prepare: Callable) -> Prepared | Failure:
    path, key = job
    result = prepare(path, settings=settings, overrides=overrides)
    if isinstance(result, Failure):
        store(settings.cache_dir / f"{key}.light", result)
        return result
    file = settings.cache_dir / f"{key}.article"
    store(file, result)
    meta = result.meta
    light = Prepared(
        raw_path=result.raw_path,
        sha256=result.sha256,
        slug=result.slug,
        key=key,
        file=file,
        fingerprint=fingerprint("\n".join(block_text(b) for b in result.blocks)),
        label=meta.source or meta.platform or result.raw_path,
        short_lines=short_line_keys(result.blocks),
    )
    store(settings.cache_dir / f"{key}.light", light)
    return light


def prepare_all(paths: list[Path], settings: Settings, overrides, prepare: Callable) -> Iterator[Prepared | Failure]:
    """Yield each dump's Prepared record (or Failure), in input order."""
    keys = [_key(p, settings, overrides.key_for(p.relative_to(settings.raw_dir).as_posix())) for p in paths]
    results: list[Prepared | Failure | None] = []
    for key in keys:
        light = try_load(settings.cache_dir / f"{key}.light")
        if isinstance(light, Prepared) and not light.file.exists():
            light = None
        results.append(light)
    missing = [i for i, r in enumerate(results) if r is None]
    jobs = settings.jobs or os.cpu_count() or 1

    def work(i: int) -> Prepared | Failure:
        return _work((paths[i], keys[i]), settings, overrides, prepare)

    if len(missing) >= PARALLEL_THRESHOLD and jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            jobs_list = [(paths[i], keys[i]) for i in missing]
            fresh = pool.map(_work, jobs_list, *_repeat(len(missing), settings, overrides, prepare), chunksize=8)
            done = dict(zip(missing, fresh, strict=True))
            for i, result in enumerate(results):
                yield result if result is not None else done[i]
        return
    for i, result in enumerate(results):
        yield result if result is not None else work(i)


def _repeat(n: int, *values: Any) -> list[list[Any]]:
    return [[value] * n for value in values]
