"""A file's stat as the stand-in for its bytes, and when it may not stand in yet (the racy rule).

Every "nothing changed" check (the no-op step's fingerprint in ``build_tools.nochange``, the build's key in
``pipeline/unchanged.py``, the cache's digests, the search index's folder listings) compares stats instead of
reading bytes.  A stat changed within ``RACY_SECONDS`` of being taken is not trusted: a second save within the
same timestamp tick would keep it (git's "racily clean" entries).  Standard library only: the no-op path
imports this before anything heavy.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

RACY_SECONDS = 2.0  # at least a timestamp tick on any file system we write to (FAT's mtime tick is 2 s)


def signature(info: os.stat_result) -> str:
    """What a save, a replace or a chmod changes: size, both times, inode, mode (as git's index keeps them)."""
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}:{info.st_mode}"


def young(info: os.stat_result, now_ns: int, window: float = RACY_SECONDS) -> bool:
    """Changed within ``window`` seconds of ``now_ns``: its stat does not yet stand for its bytes."""
    return now_ns - max(info.st_mtime_ns, info.st_ctime_ns) <= window * 1e9


def entries(top: str, enter: Callable[[str, os.DirEntry], bool]) -> Iterator[tuple[str, os.DirEntry]]:
    """Every entry under ``top``: (its path below ``top``, "/"-separated, the entry), one ``scandir`` per folder
    (the entry's own type and stat, no path join and ``os.stat`` per name as ``os.walk`` and ``rglob`` make:
    a quarter of their CPU over a 10k site's 25,000 pages).  The folders ``enter(path, entry)`` accepts are
    listed in turn; a folder that cannot be listed is passed over.  Not in sorted order."""
    folders = [(top, "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            listing = os.scandir(folder)
        except OSError:
            continue
        with listing:
            for entry in listing:
                rel = prefix + entry.name
                yield rel, entry
                if enter(rel, entry):
                    folders.append((entry.path, rel + "/"))


def real_folder(rel: str, entry: os.DirEntry) -> bool:  # noqa: ARG001 - the signature entries() calls
    """For :func:`entries`: enter folders, not links to them (``os.walk``'s and ``rglob``'s default)."""
    return entry.is_dir(follow_symlinks=False)
