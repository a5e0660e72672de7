"""The writer of a bundle's index files: only the files whose bytes changed, each replaced atomically, on inodes
recycled from the files the last writes replaced or removed.

Why recycled (session 29): creating a file, or freeing one's blocks, costs ~0.3-0.8 ms on this machine's disk
(ext4 mounted with ``discard``; measured: 900 empty files created 0.84 s, a rename or a link ~0.02 ms), and a change
at 10k writes ~900 index files, each through a new temporary file so that a reader never sees half a file.
So an index file that is replaced or removed is not let go: its inode is kept under ``<cache>/spare`` (a
link), and a later write takes one from there (renamed to its temporary name, truncated, written, renamed
over the file it replaces).  An inode is taken only when that spare name is its only link (a payload written
under two names, a fragment linked from the shard store, are never written into).  The bytes are the same
either way; only the number of files created differs.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import os
from pathlib import Path

from build_tools.filestat import entries
from build_tools.search.bundle import SIGNATURE
from build_tools.search.layout import Deferred

SPARE = "spare"
SPARE_MAX = 4096  # inodes kept at most (a change at 10k replaces or removes ~1,000 files)


class Spares:
    """Inodes to write into, each a file ``folder/<n>`` (``folder`` on the file system of the files written, or
    none is ever taken: a rename across file systems fails, and the write makes a new file)."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._free: list[str] = []
        self._names = itertools.count()
        self._prefix = f"{os.getpid()}-"
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                self._free = sorted(os.listdir(folder))
            except OSError:
                self.folder = None

    def keep(self, path: Path) -> None:
        """Keep the inode of ``path`` (before it is replaced or removed) as a spare."""
        if self.folder is None or len(self._free) >= SPARE_MAX:
            return
        name = f"{self._prefix}{next(self._names)}"
        try:
            os.link(path, self.folder / name)
        except OSError:
            return
        self._free.append(name)

    def write(self, tmp: Path, data: bytes) -> None:
        """``data`` as the file ``tmp`` (new), on a spare inode when one is free and not linked elsewhere."""
        while self._free:
            name = self._free.pop()
            try:
                os.rename(self.folder / name, tmp)
            except OSError:
                continue
            fd = os.open(tmp, os.O_WRONLY)
            try:
                st = os.fstat(fd)
                if st.st_nlink == 1:
                    # written over from the start, cut only past the end: a block freed costs a discard here
                    # (the disk is mounted with ``discard``), so truncating to nothing first cost ~0.8 ms a file
                    os.write(fd, data) == len(data) or _short(tmp)
                    if st.st_size > len(data):
                        os.ftruncate(fd, len(data))
                    return
            finally:
                os.close(fd)
            os.unlink(tmp)  # linked elsewhere: not written into
        tmp.write_bytes(data)


class Tally:
    """Files and bytes added to a bundle's folder by a write (negative: removed), from a stat of each file it
    replaces, removes or makes: the bundle's figures (indexer.SearchStats) kept up to date without a walk of its
    ~20,000 files after every change (0.07-0.2 s at 10k articles)."""

    def __init__(self) -> None:
        self.files = self.bytes = 0

    def count(self, path: Path | str, sign: int) -> None:
        """The file ``path`` counted in (``sign`` 1) or out (-1); nothing when it is not there."""
        try:
            size = os.stat(path).st_size
        except OSError:
            return
        self.files += sign
        self.bytes += sign * size


def tree_size(top: Path) -> tuple[int, int]:
    """(files, bytes) under ``top`` (:func:`~build_tools.filestat.entries`: half the CPU of pathlib's rglob and
    stat): what a Tally keeps up to date."""
    files = size = 0
    for _rel, entry in entries(str(top), lambda _rel, folder: folder.is_dir(follow_symlinks=False)):
        if entry.is_file(follow_symlinks=False):
            files += 1
            size += entry.stat(follow_symlinks=False).st_size
    return files, size


def _short(tmp: Path) -> None:
    raise OSError(f"search: short write to {tmp}")


def write_changed(out: Path, files: dict[str, tuple[bytes | Deferred, int]], record: dict[str, str],
                  threads: int = 1, spares: Spares | None = None, beside=None,
                  tally: Tally | None = None) -> tuple[dict[str, str], int]:
    """Write ``files`` under ``out`` (gzip(SIGNATURE + payload); a Deferred payload made only if written), skipping
    each whose payload is the one ``record`` (rel -> sha1 of the payload, from the last write) says is there; a
    payload written before under another name is hard-linked from it.  Files of ``record`` not in ``files`` are
    removed.  Returns the new record and the number of files written.

    Every link is made before any file of ``out`` is replaced: a link's source may be a file replaced.
    ``beside()``: called in this thread while the files are compressed and written in others; ``tally``: what the
    writes add to ``out``'s files and bytes is counted there."""
    spares = spares or Spares(None)
    tally = tally or Tally()
    new = {rel: payload.sha1 if isinstance(payload, Deferred) else hashlib.sha1(payload).hexdigest()
           for rel, (payload, _lvl) in files.items()}
    there = present(out, record)
    have = {d: rel for rel, d in record.items() if rel in there}
    links, todo = [], []
    for rel, (payload, level) in files.items():
        path = out / rel
        if record.get(rel) == new[rel] and rel in there:
            continue
        source = have.get(new[rel])
        if source is not None and source != rel:
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            os.link(out / source, tmp)
            links.append((tmp, path, rel in there))
            continue
        todo.append((path, payload.payload() if isinstance(payload, Deferred) else payload, level, rel in there))
    for tmp, path, replaced in links:
        if replaced:
            spares.keep(path)
            tally.count(path, -1)
        os.replace(tmp, path)
        tmp.unlink(missing_ok=True)  # a rename onto another link of the same file does nothing
        tally.count(path, 1)
    for files, size in _gzip_all([(*job, spares) for job in todo], threads, beside or _nothing):
        tally.files, tally.bytes = tally.files + files, tally.bytes + size
    for rel in record.keys() - new.keys():
        if rel in there:
            spares.keep(out / rel)
            tally.count(out / rel, -1)
        (out / rel).unlink(missing_ok=True)
    return new, len(todo)


def present(out: Path, rels) -> set[str]:
    """Which of the files ``rels`` (paths under ``out``) are there: one listing per folder, not a stat per file
    (~20,000 stats at 10k articles, ~0.3 s of each change)."""
    folders: dict[str, list[str]] = {}
    for rel in rels:
        folder, _sep, name = rel.rpartition("/")
        folders.setdefault(folder, []).append(name)
    there = set()
    for folder, names in folders.items():
        try:
            listed = set(os.listdir(out / folder if folder else out))
        except OSError:
            continue
        there.update(f"{folder}/{n}" if folder else n for n in names if n in listed)
    return there


def _write_one(job: tuple[Path, bytes, int, bool, Spares]) -> tuple[int, int]:
    """Write one file; returns the files and bytes it adds (Tally)."""
    path, payload, level, replaced, spares = job
    data = gzip.compress(SIGNATURE + payload, compresslevel=level, mtime=0)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    spares.write(tmp, data)
    files, size = 1, len(data)
    if replaced:
        spares.keep(path)
        gone = Tally()
        gone.count(path, -1)
        files, size = files + gone.files, size + gone.bytes
    os.replace(tmp, path)
    return files, size


def _nothing() -> None:
    pass


def _gzip_all(jobs: list[tuple], threads: int, beside) -> list[tuple[int, int]]:
    """gzip + write; zlib releases the GIL, so threads use both cores (and this thread runs ``beside``).  Returns
    each job's files and bytes added (_write_one)."""
    if threads <= 1 or len(jobs) < 8:
        beside()
        return [_write_one(job) for job in jobs]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        written = pool.map(_write_one, jobs, chunksize=16)  # (submitted at once)
        beside()
        return list(written)
