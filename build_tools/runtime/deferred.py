"""Store writes a long-lived process makes for the next process only, written when it is idle.

The live preview keeps its whole-archive records in memory between builds (:meth:`Runner.latest`); the store's
copy of such a record (the related pass's tables, the slugs, the report that a build with nothing to do replays)
serves only the next process.  Pickling and writing them was ~0.15 s of each preview update at 10k articles, so
with ``keep_warm`` they wait here until :func:`write_deferred`, which the preview runs once the update is shown,
or until the next build of this process opens the store (it writes them first, under its own lock).  A preview
stopped before then loses them: the next process works them out again (a slower start, never a wrong one).
`make site` defers them too (``defer_latest``), and writes them while its site step renders.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from build_tools.model.errors import CacheError
from build_tools.runtime.cache import Store
from build_tools.runtime.locks import FolderLock

# store file → record name → (place, value): the latest value of each name, as Store.put_latest keeps it.
_PENDING: dict[str, dict[str, tuple[str, Any]]] = {}


def defer(store: Store, name: str, place: str, value: Any) -> None:
    """``store.put_latest(name, place, value)``, later."""
    _PENDING.setdefault(str(store.path), {})[name] = (place, value)


def waiting(store: Store, name: str, place: str) -> Any:
    """The value waiting to be stored as ``name`` under ``place``, or None."""
    found = _PENDING.get(str(store.path), {}).get(name)
    return found[1] if found is not None and found[0] == place else None


def write_pending(store: Store) -> None:
    """Write what waits for ``store`` (its caller holds the cache's lock)."""
    for name, (place, value) in _PENDING.pop(str(store.path), {}).items():
        store.put_latest(name, place, value)


def write_deferred(cache_dir: Path) -> bool:
    """Write what waits for the store in ``cache_dir``, under the cache's lock, without waiting for it (a build
    holding it writes them itself when it opens the store).  True when something was written."""
    if not _PENDING.get(str(cache_dir / Store.FILENAME)):
        return False
    lock = FolderLock(cache_dir, "the build cache", CacheError)
    try:
        lock.acquire(notice=None, wait=0)
    except CacheError:
        return False
    try:
        store = Store(cache_dir)
        try:
            write_pending(store)
        finally:
            store.close()
    finally:
        lock.release()
    return True
