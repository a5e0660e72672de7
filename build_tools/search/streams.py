"""The bundles' kept word streams (:class:`~build_tools.search.splice.Kept`) on disk, and in memory ahead of use.

Unpickling the old articles' stream is ~0.2 s of CPU at 10k articles, in every index a change runs.  Two callers
need not wait for it: a long-lived process (the preview) indexes again with the stream it saved itself the last
time, and the site step of `make site`, started beside the build step (site/after_build.py), reads the streams
while the build runs (:func:`preload`).  A stream held in memory is used only while its file is the one it was
read from or saved as (its inode, size and times), and only once (the caller may change it); what is held stays
under :data:`HELD_BYTES` of pickled size, so the memory it costs does not grow with the archive (at 50k articles
the old articles' bundles are cut in several, and none is held).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from build_tools.memory import gc_paused
from build_tools.search.splice import Kept

HELD_BYTES = 192 * 2**20

_HELD: dict[str, tuple[tuple[int, int, int, int], Kept]] = {}


def load(path: Path) -> Kept | None:
    """The stream kept in ``path`` (None: none, or unreadable)."""
    held = _HELD.pop(str(path), None)
    if held is not None and held[0] == _stat(path):
        return held[1]
    return _read(path)


def save(path: Path, kept: Kept) -> None:
    """``kept`` into ``path`` (replaced at once), and held for this process's next :func:`load` of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as f:  # streamed: no second copy of the whole stream as one bytes object
        pickle.dump(kept, f, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)
    _hold(path, kept)


def preload(folder: Path) -> None:
    """Read the streams kept in ``folder`` now, smallest first, while they fit in :data:`HELD_BYTES`."""
    try:
        found = sorted((p.stat().st_size, p.name, p) for p in folder.glob("*.pkl"))
    except OSError:
        return
    for _size, _name, path in found:
        before = _stat(path)
        if before is None or before[1] + _held_bytes() > HELD_BYTES:
            return
        with gc_paused():  # ~10^5 bytes objects, no cycles
            kept = _read(path)
        if kept is not None and _stat(path) == before:
            _HELD[str(path)] = (before, kept)


def _hold(path: Path, kept: Kept) -> None:
    _HELD.pop(str(path), None)
    stat = _stat(path)
    if stat is not None and stat[1] + _held_bytes() <= HELD_BYTES:
        _HELD[str(path)] = (stat, kept)


def _held_bytes() -> int:
    return sum(stat[1] for stat, _kept in _HELD.values())


def _stat(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _read(path: Path) -> Kept | None:
    try:
        with path.open("rb") as f:  # not read whole first: the kept stream is ~40-90 MB at 10k (peak memory)
            kept = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return None
    return kept if isinstance(kept, Kept) else None
