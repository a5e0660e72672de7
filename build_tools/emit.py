"""The one writer: every disk write goes through here, into a staging directory
that replaces the previous output only when the whole build succeeded."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

GENERATED = ("articles", "entities", "index.md", "feed.xml")


class OutputWriter:
    def __init__(self, docs_dir: Path, raw_dir: Path | None = None):
        self.docs_dir = docs_dir
        self.raw_dir = raw_dir.resolve() if raw_dir else None
        docs_dir.mkdir(parents=True, exist_ok=True)
        recover(docs_dir)
        self.staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=docs_dir))
        self.written: list[str] = []

    def write(self, relative: str, text: str) -> None:
        target = (self.staging / relative).resolve()
        if self.staging.resolve() not in target.parents:
            raise ValueError(f"refusing to write outside the output directory: {relative}")
        if self.raw_dir and (target == self.raw_dir or self.raw_dir in target.parents):
            raise ValueError(f"refusing to write under raw/: {relative}")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        if not self._link_unchanged(relative, target, data):
            target.write_bytes(data)
        self.written.append(relative)

    def _link_unchanged(self, relative: str, target: Path, data: bytes) -> bool:
        """An unchanged page is hard-linked from the current output: creating files is the slow part of a
        rebuild, and the previous tree stays untouched either way."""
        current = self.docs_dir / relative
        try:
            if current.stat().st_size != len(data) or current.read_bytes() != data:
                return False
            os.link(current, target)
            return True
        except OSError:
            return False

    def commit(self) -> None:
        """Swap the staged tree in. Each rename is atomic; `recover` finishes an interrupted swap."""
        trash = Path(tempfile.mkdtemp(prefix=".old-", dir=self.docs_dir))
        for name in GENERATED:
            new, current = self.staging / name, self.docs_dir / name
            if current.exists() or current.is_symlink():
                os.replace(current, trash / name)
            if new.exists():
                os.replace(new, current)
        shutil.rmtree(trash, ignore_errors=True)
        shutil.rmtree(self.staging, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def recover(docs_dir: Path) -> None:
    """Put back output that a killed swap had moved aside, and drop stale staging trees."""
    for old in sorted(docs_dir.glob(".old-*")):
        for item in old.iterdir():
            if not (docs_dir / item.name).exists():
                os.replace(item, docs_dir / item.name)
        shutil.rmtree(old, ignore_errors=True)
    for stale in docs_dir.glob(".staging-*"):
        shutil.rmtree(stale, ignore_errors=True)
