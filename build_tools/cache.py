"""Per-dump work, cached by content hash and spread over all cores.

The prepared Article (ingest → clean → metadata) depends only on the dump's
bytes, its path, its overrides entry and the code and rules, so that is the
cache key.  Results come back in input order: parallel builds stay
byte-identical to serial ones.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache, partial
from pathlib import Path

from .model import Article, Failure
from .settings import Settings

PARALLEL_THRESHOLD = 64  # below this, process start-up costs more than it saves


@lru_cache(maxsize=1)
def code_version() -> str:
    digest = hashlib.sha256()
    root = Path(__file__).parent
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".yml", ".json") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _key(path: Path, settings: Settings, override_key: str) -> str | None:
    try:
        data = path.read_bytes() if path.stat().st_size <= settings.max_dump_bytes else b""
    except OSError:
        return None
    digest = hashlib.sha256(data)
    digest.update(path.relative_to(settings.raw_dir).as_posix().encode())
    digest.update(code_version().encode())
    digest.update(override_key.encode())
    return digest.hexdigest()


def _load(file: Path) -> Article | Failure | None:
    try:
        with file.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
        return None


def _store(file: Path, result: Article | Failure) -> None:
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_suffix(f".{os.getpid()}.tmp")
    with tmp.open("wb") as handle:
        pickle.dump(result, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, file)


def map_prepare(paths: list[Path], settings: Settings, overrides, prepare: Callable) -> Iterator[Article | Failure]:
    keys = [_key(p, settings, overrides.key_for(p.relative_to(settings.raw_dir).as_posix())) for p in paths]
    results: list[Article | Failure | None] = [
        _load(settings.cache_dir / f"{k}.pickle") if k else None for k in keys
    ]
    missing = [i for i, r in enumerate(results) if r is None]
    work = partial(prepare, settings=settings, overrides=overrides)
    jobs = settings.jobs or os.cpu_count() or 1
    if len(missing) >= PARALLEL_THRESHOLD and jobs > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            fresh = pool.map(work, [paths[i] for i in missing], chunksize=16)
            for i, result in zip(missing, fresh):
                results[i] = result
    else:
        for i in missing:
            results[i] = work(paths[i])
    for i, result in enumerate(results):
        assert result is not None
        if i in set(missing) and keys[i]:
            _store(settings.cache_dir / f"{keys[i]}.pickle", result)
        yield result
