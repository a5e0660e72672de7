"""The bundles' kept word streams (:class:`~build_tools.search.splice.Kept`) on disk, and in memory ahead of use.

Unpickling the old articles' stream is ~0.2 s of CPU at 10k articles, in every index a change runs.  Two callers
need not wait for it: a long-lived process (the preview) indexes again with the stream it saved itself the last
time, and the site step of `make site`, started beside the build step (site/after_build.py), reads the streams
while the build runs (:func:`preload`).  A stream held in memory is used only while its file is the one it was
read from or saved as (its inode, size and times), and only once (the caller may change it); what is held stays
under :data:`HELD_BYTES` of pickled size, so the memory it costs does not grow with the archive (at 50k articles
the old articles' bundles are cut in several, and none is held).  On disk a stream is a head file and a pack of
pieces (packs.py), so that a save writes only what the change touched; what this process last read or wrote of
each head is remembered for that (:data:`_PACKED`).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from build_tools.memory import gc_paused
from build_tools.search import packs
from build_tools.search.splice import Kept

HELD_BYTES = 192 * 2**20

_HELD: dict[str, tuple[tuple[int, int, int, int], Kept]] = {}
# what this process last read or wrote of each head file (packs.Packed), while the head is that file
_PACKED: dict[str, tuple[tuple[int, int, int, int], packs.Packed]] = {}
_sizes: dict[str, int] = {}  # the bytes on disk of each stream held (its head's and packs')


def load(path: Path) -> Kept | None:
    """The stream kept in ``path`` (None: none, or unreadable)."""
    held = _HELD.pop(str(path), None)
    if held is not None and held[0] == _stat(path):
        return held[1]
    return _read(path)


def save(path: Path, kept: Kept) -> None:
    """``kept`` into ``path`` (replaced at once; only the pieces that differ from the ones this process last read
    or wrote there are written: packs.py), and held for this process's next :func:`load` of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    last = _PACKED.pop(str(path), None)
    packed = packs.write(path, kept, last[1] if last is not None and last[0] == _stat(path) else None)
    stat = _stat(path)
    if stat is not None:
        _PACKED[str(path)] = (stat, packed)
    _hold(path, kept)


def preload(folder: Path) -> None:
    """Read the streams kept in ``folder`` now, smallest first, while they fit in :data:`HELD_BYTES`."""
    try:
        found = sorted((p.stat().st_size + packs.pack_bytes(p), p.name, p) for p in folder.glob("*.pkl"))
    except OSError:
        return
    for size, _name, path in found:
        before = _stat(path)
        if before is None or size + _held_bytes() > HELD_BYTES:
            return
        with gc_paused():  # ~10^5 bytes objects, no cycles
            kept = _read(path)
        if kept is not None and _stat(path) == before:
            _HELD[str(path)] = (before, kept)
            _sizes[str(path)] = size


def _hold(path: Path, kept: Kept) -> None:
    _HELD.pop(str(path), None)
    stat = _stat(path)
    size = stat[1] + packs.pack_bytes(path) if stat is not None else 0
    if stat is not None and size + _held_bytes() <= HELD_BYTES:
        _HELD[str(path)] = (stat, kept)
        _sizes[str(path)] = size


def _held_bytes() -> int:
    return sum(_sizes.get(p, stat[1]) for p, (stat, _kept) in _HELD.items())


def _stat(path: Path) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _read(path: Path) -> Kept | None:
    try:
        before = _stat(path)
        with path.open("rb") as f:  # not read whole first: the kept stream is ~40-90 MB at 10k (peak memory)
            done = packs.read(path, pickle.load(f))
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError, IndexError):
        return None
    if done is None:
        return None
    kept, packed = done
    if packed is not None and before is not None and _stat(path) == before:
        _PACKED[str(path)] = (before, packed)
    return kept
