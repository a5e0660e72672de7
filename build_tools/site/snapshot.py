"""What the render knows of docs/ between runs: the stat of every file MkDocs reads (:func:`snapshot_docs`, or
:func:`told_snapshot` from the last one and the files the build step says it changed) and the record files the
render keeps it in (JSON, replaced whole: a reader sees the old record or the new one)."""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Sequence
from pathlib import Path

# relative path -> [size, mtime_ns, inode]
Snapshot = dict[str, list[int]]


def snapshot_docs(docs: Path) -> Snapshot:
    """Every file MkDocs reads under docs/ (through the generated names' links; dot-folders skipped).

    One ``scandir`` per folder and the entry's own stat (no path joins and ``os.stat`` per name, as
    ``os.walk`` needs): 0.23 against 0.33 s at 10k articles (24,774 files)."""
    found: Snapshot = {}
    folders = [(str(docs), "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            entries = os.scandir(folder)
        except OSError:
            continue
        with entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                with contextlib.suppress(OSError):  # a broken link, or a file gone since the listing
                    if entry.is_dir():  # through a link too, as MkDocs reads it
                        folders.append((entry.path, f"{prefix}{entry.name}/"))
                        continue
                    info = entry.stat()
                    found[prefix + entry.name] = [info.st_size, info.st_mtime_ns, info.st_ino]
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


def file_stat(path: Path) -> tuple | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_ino, info.st_size, info.st_mtime_ns


def load_record(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def save_record(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, path)
