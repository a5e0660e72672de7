"""The one writer: every disk write goes through here, into a staging directory
that replaces the previous output only when the whole build succeeded.

Guarantees (tested in tests/test_atomic.py):

* nothing is ever written under raw/, and docs/ may not overlap raw/;
* only the generated names (``GENERATED``) in docs/ are ever replaced; the
  hand-written pages, assets and dev notes next to them are never touched;
* a build killed at any moment (SIGINT, SIGKILL, power cut after the journal
  is on disk) leaves the previous output in place: pages are written to
  ``docs/.staging-*``; the swap first records which generated names exist
  (``.old-*/journal.json``), then moves each old name aside and the new one
  in (single renames), and marks completion with one more rename
  (``.old-*`` → ``.trash-*``).  :func:`recover`, run before every build,
  rolls an unfinished swap back and removes stale staging trees;
* one build at a time per docs/ (an advisory lock on the directory), so a
  second build never removes the staging tree of a running one.

Dot-directories are excluded from MkDocs builds by default, so a leftover
staging tree never shows up on the site.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path, PurePosixPath

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, one build at a time is up to the user
    fcntl = None  # type: ignore[assignment]

GENERATED = ("articles", "entities", "index.md", "feed.xml")
LOCK_WAIT_SECONDS = 60.0
_PREFIXES = (".staging-", ".old-", ".trash-")


class OutputWriter:
    def __init__(self, docs_dir: Path, raw_dir: Path | None = None):
        self.docs_dir = docs_dir
        self.raw_dir = raw_dir.resolve() if raw_dir else None
        check_separate(docs_dir, raw_dir)
        docs_dir.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(docs_dir)
        try:
            recover(docs_dir)
            self.staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=docs_dir))
        except BaseException:
            self._release()
            raise
        self._staging_real = self.staging.resolve()
        self.written: list[str] = []
        self.conflicts: list[str] = []
        self._seen: set[str] = set()

    def write(self, relative: str, text: str) -> None:
        parts = PurePosixPath(relative).parts
        if not parts or PurePosixPath(relative).is_absolute() or ".." in parts or parts[0] not in GENERATED:
            raise ValueError(f"refusing to write outside the generated output: {relative}")
        target = (self.staging / relative).resolve()
        if self._staging_real not in target.parents:
            raise ValueError(f"refusing to write outside the output directory: {relative}")
        if self.raw_dir and (target == self.raw_dir or self.raw_dir in target.parents):
            raise ValueError(f"refusing to write under raw/: {relative}")
        if relative in self._seen:
            # Two pages for one path (a slug collision): the first stays, the clash is recorded.
            self.conflicts.append(relative)
            return
        self._seen.add(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        # A lone surrogate (from an undecodable file name) must not crash the build: it is written escaped.
        data = text.replace("\r\n", "\n").encode("utf-8", "backslashreplace")
        if not self._link_unchanged(relative, target, data):
            target.write_bytes(data)
        self.written.append(relative)

    def _link_unchanged(self, relative: str, target: Path, data: bytes) -> bool:
        """An unchanged page is hard-linked from the current output: creating files is the slow part of a
        rebuild, and the previous tree stays untouched either way (staged files are never rewritten)."""
        current = self.docs_dir / relative
        try:
            if current.stat().st_size != len(data) or current.read_bytes() != data:
                return False
            os.link(current, target)
            return True
        except OSError:
            return False

    def commit(self) -> None:
        """Swap the staged tree in; see the module docstring for why this survives being killed."""
        try:
            journal = Path(tempfile.mkdtemp(prefix=".old-", dir=self.docs_dir))
            present = [name for name in GENERATED if _exists(self.docs_dir / name)]
            _write_durably(journal / "journal.json", json.dumps({"present": present}))
            for name in GENERATED:
                new, current = self.staging / name, self.docs_dir / name
                if _exists(current):
                    os.replace(current, journal / name)
                if _exists(new):
                    os.replace(new, current)
            done = self.docs_dir / (".trash-" + journal.name[len(".old-"):])
            os.replace(journal, done)
            _fsync_dir(self.docs_dir)
            shutil.rmtree(done, ignore_errors=True)
            shutil.rmtree(self.staging, ignore_errors=True)
        except BaseException:
            recover(self.docs_dir)  # an error in the middle of the swap: put the previous output back now
            raise
        finally:
            self._release()

    def abort(self) -> None:
        try:
            shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._release()

    def _release(self) -> None:
        fd, self._lock = self._lock, None
        _unlock(fd)


def recover(docs_dir: Path) -> None:
    """Roll back a swap that was killed before it finished, and drop stale staging and trash trees."""
    for old in sorted(docs_dir.glob(".old-*")):
        journal = old / "journal.json"
        try:
            present = set(json.loads(journal.read_text(encoding="utf-8"))["present"])
        except (OSError, ValueError, KeyError, TypeError):
            present = None  # no journal: killed before the first rename, nothing was moved
        if present is not None:
            for name in GENERATED:
                saved, current = old / name, docs_dir / name
                if _exists(saved):
                    _discard(docs_dir, current)
                    os.replace(saved, current)
                elif name not in present:
                    _discard(docs_dir, current)  # new output moved in where there was none
        trash = docs_dir / (".trash-" + old.name[len(".old-"):])
        os.replace(old, trash)
    for leftover in list(docs_dir.glob(".trash-*")) + list(docs_dir.glob(".staging-*")):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                leftover.unlink()


def check_separate(docs_dir: Path, raw_dir: Path | None) -> None:
    """Refuse output directories that would put generated files under raw/ or replace raw/ with output."""
    if raw_dir is None:
        return
    docs, raw = docs_dir.resolve(), raw_dir.resolve()
    if docs == raw or raw in docs.parents:
        raise ValueError(f"refusing to build: the output directory {docs_dir} is inside raw/ ({raw_dir})")
    if docs in raw.parents:
        top = raw.relative_to(docs).parts[0]
        if top in GENERATED or top.startswith(_PREFIXES):
            raise ValueError(f"refusing to build: raw/ ({raw_dir}) is inside the generated output {docs_dir / top}")


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _discard(docs_dir: Path, path: Path) -> None:
    """Remove a generated tree without ever leaving half of it under its own name."""
    if not _exists(path):
        return
    trash = Path(tempfile.mkdtemp(prefix=".trash-", dir=docs_dir))
    os.replace(path, trash / path.name)


def _write_durably(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _lock(docs_dir: Path) -> int | None:
    """Hold an advisory lock on docs/ itself (no lock file to clean up); released when the process dies."""
    if fcntl is None:
        return None
    fd = os.open(docs_dir, os.O_RDONLY)
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except OSError:
            if time.monotonic() > deadline:
                os.close(fd)
                raise ValueError(f"another build is writing to {docs_dir} (waited {LOCK_WAIT_SECONDS:.0f} s)") from None
            time.sleep(0.1)


def _unlock(fd: int | None) -> None:
    if fd is None:
        return
    with contextlib.suppress(OSError):
        os.close(fd)  # closing the descriptor releases the lock
