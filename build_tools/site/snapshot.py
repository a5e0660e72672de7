"""What the render knows of docs/ between runs: the stat of every file MkDocs reads (:func:`snapshot_docs`, or
:func:`told_snapshot` from the last one and the files the build step says it changed) and the record files the
render keeps it in (replaced whole: a reader sees the old record or the new one).

A record is ``marshal``'s bytes behind a header and their SHA-256: reading and writing the two records of a
10k archive (25,000 entries each) as sorted JSON took ~0.25 s of a one-shot render, marshal a fifth of that.
marshal trusts its input, so the digest is checked first: a damaged or truncated file, or one another Python's
marshal wrote, is no record (a full render), never a wrong one."""

from __future__ import annotations

import hashlib
import marshal
import os
import stat
from collections.abc import Sequence
from pathlib import Path

from build_tools.filestat import entries
from build_tools.runtime.generations import CURRENT, GENERATED, HOME, last_changes

# relative path -> [size, mtime_ns, inode]
Snapshot = dict[str, list[int]]


def snapshot_docs(docs: Path, skip: tuple[str, ...] = ()) -> Snapshot:
    """Every file MkDocs reads under docs/ (through the generated names' links; dot-folders skipped; ``skip``:
    names at docs/'s top left out), by :func:`~build_tools.filestat.entries`: 0.23 against 0.33 s at 10k articles
    (24,774 files) for ``os.walk``."""
    def read(rel: str, entry: os.DirEntry) -> bool:
        name = entry.name
        return not (name.startswith(".") or ("/" not in rel and name in skip))

    def enter(rel: str, entry: os.DirEntry) -> bool:
        try:
            return read(rel, entry) and entry.is_dir()  # through a link too, as MkDocs reads it
        except OSError:  # a broken link
            return False

    found: Snapshot = {}
    for rel, entry in entries(str(docs), enter):
        try:  # (a try per file, not a context manager per file: this loop runs 25,000 times at 10k)
            if not read(rel, entry) or entry.is_dir():
                continue
            info = entry.stat()
        except OSError:  # a broken link, or a file gone since the listing
            continue
        found[rel] = [info.st_size, info.st_mtime_ns, info.st_ino]
    return found


def told_snapshot(known: Snapshot, docs: Path, told: Sequence[str]) -> Snapshot:
    """:func:`snapshot_docs` as it is now, from ``known`` (docs/ at the last render) and the files changed since:
    an unchanged generated file is a hard link to the same inode, so its entry is the one ``known`` holds."""
    found = dict(known)
    for rel in told:
        if any(part.startswith(".") for part in rel.split("/")):
            continue  # snapshot_docs skips dot-entries
        try:
            info = os.stat(docs / rel)  # through the generated names' links, as the walk
        except OSError:
            found.pop(rel, None)
            continue
        if not stat.S_ISDIR(info.st_mode):
            found[rel] = [info.st_size, info.st_mtime_ns, info.st_ino]
    return found


def pointer(docs: Path) -> list | None:
    """Which generation docs/ shows, and the pointer's own stat: [target, inode, mtime, ctime] of
    ``docs/.generated/current``, the link the build's writer makes anew and renames into place at each publish
    (runtime/generations.py), so a render's record says which publish it saw; None without generations."""
    link = docs / HOME / CURRENT
    try:
        target, info = os.readlink(link), os.lstat(link)
    except OSError:
        return None
    return [target, info.st_ino, info.st_mtime_ns, info.st_ctime_ns]


def docs_now(docs: Path, told: tuple[Snapshot | None, Sequence[str] | None],
             since: tuple[dict | None, tuple[str, list] | None, list | None]) -> tuple[Snapshot, str]:
    """(:func:`snapshot_docs`, how it was found) the cheapest way known: ``told`` (the preview: this process's
    last render's snapshot, and the files its build step changed since) when given, else ``since`` (the last
    render's record, the build that began then, the pointer now: :func:`changed_since`) when it says, else by a
    walk."""
    known, changes = told
    if changes is not None and isinstance(known, dict):
        return told_snapshot(known, docs, changes), "told"
    record, began, shown = since
    built = changed_since(record, began, docs, shown)
    if built is not None:
        return since_build(record["docs"], docs, built), "build record"
    return snapshot_docs(docs), "walk"


def changed_since(record: dict | None, began: tuple[str, list] | None, docs: Path,
                  shown: list | None) -> list[str] | None:
    """The generated files changed since the render that left ``record``, or None (not known: walk docs/).

    ``began``: (docs/ resolved, its :func:`pointer`) as a build step found it when it began; ``shown``: the
    pointer now.  Known when that build began on the generation the record saw, and either nothing was
    published since, or one build was: its spare record then names the generation it replaced, that one, and
    the files it changed, read between two looks at the pointer that agree (no publish meanwhile).  Builds
    take a lock: another build publishing twice between that build's start and this moment (bringing the same
    generation name back) would need two whole builds in the instant between its end and the render."""
    if (began is None or shown is None or not record or began[0] != str(docs.resolve())
            or record.get("pointer") != began[1] or not isinstance(record.get("docs"), dict)):
        return None
    if shown == began[1]:
        return []
    last = last_changes(docs)
    if last is None or last[0] != began[1][0] or pointer(docs) != shown:
        return None
    return last[1]


def since_build(known: Snapshot, docs: Path, changes: Sequence[str]) -> Snapshot:
    """:func:`snapshot_docs` as it is now, from ``known`` (docs/ at the last render) when the one build since then
    changed the generated files ``changes`` (its spare record): those are stat-ed, the other generated files'
    entries are ``known``'s (hard links to the same inodes), and the hand-written files are walked (no build
    writes them; an editor may have)."""
    generated = {rel: entry for rel, entry in known.items() if rel.partition("/")[0] in GENERATED}
    found = told_snapshot(generated, docs, changes)
    found.update(snapshot_docs(docs, skip=GENERATED))
    return found


def file_stat(path: Path) -> tuple | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


_HEADER = b"cn-archive render record, marshal %d\n" % marshal.version
_DIGEST = 32  # bytes of SHA-256


def load_record(path: Path) -> dict | None:
    """The record :func:`save_record` wrote at ``path``; None when there is none or it is not intact."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    start = len(_HEADER) + _DIGEST
    body = memoryview(data)[start:]
    if not data.startswith(_HEADER) or hashlib.sha256(body).digest() != data[len(_HEADER):start]:
        return None
    try:
        record = marshal.loads(body)
    except (EOFError, ValueError, TypeError):  # (a digest that matches makes these a bug, not damage)
        return None
    return record if isinstance(record, dict) else None


def save_record(path: Path, data: dict) -> None:
    """``data`` (dicts, lists, tuples, strings, numbers, None) at ``path``, replacing the file whole."""
    body = marshal.dumps(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_bytes(_HEADER + hashlib.sha256(body).digest() + body)
    os.replace(temporary, path)
