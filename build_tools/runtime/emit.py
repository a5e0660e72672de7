"""The one writer: every disk write goes through here.  A build changes only the
files whose content changed, and the change lands all at once or not at all.

Guarantees (tested in tests/test_atomic.py):

* nothing is ever written under raw/, and docs/ may not overlap raw/;
* only the generated names (``GENERATED``) in docs/ are ever replaced; the
  hand-written pages, assets and dev notes next to them are never touched;
* unchanged pages are not rewritten: a manifest in the build cache records, per
  generated file, the key it was made from and its size, mtime and inode, so a
  rebuild of a 10,000-article archive after one new dump touches a handful of
  files.  The manifest only ever saves work: a file whose stat differs from the
  record (edited by hand, or written by a build that died before recording it)
  is compared by content, so a stale or missing manifest costs time, not
  correctness, and docs/ itself holds nothing but the pages;
* a build killed at any moment (SIGINT, SIGKILL, power cut after the journal
  is on disk) leaves the previous output in place: new files are written to
  ``docs/.staging-*``; the swap first records which files it will create
  (``.old-*/journal.json``), then moves each replaced or deleted file aside
  into ``.old-*/files/`` and each new one in (single renames), and marks
  completion with one more rename (``.old-*`` → ``.trash-*``).
  :func:`recover`, run before every build, rolls an unfinished swap back and
  removes stale staging trees;
* one build at a time per docs/ (an advisory lock on the directory), so a
  second build never removes the staging tree of a running one.

Dot-directories are excluded from MkDocs builds by default, so a leftover
staging tree never shows up on the site.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import tempfile
import time
from pathlib import Path, PurePosixPath

from build_tools.model.errors import OutputError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, one build at a time is up to the user
    fcntl = None  # type: ignore[assignment]

GENERATED = ("articles", "entities", "index.md", "feed.xml")
LOCK_WAIT_SECONDS = 60.0
_PREFIXES = (".staging-", ".old-", ".trash-")

# relative path -> [key, size, mtime_ns, inode]: what the file was made from, and how to tell it is untouched since
Entry = list


class OutputWriter:
    def __init__(self, docs_dir: Path, raw_dir: Path | None = None, manifest: Path | None = None):
        self.docs_dir = docs_dir
        self.manifest_path = manifest
        self.raw_dir = raw_dir.resolve() if raw_dir else None
        check_separate(docs_dir, raw_dir)
        docs_dir.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(docs_dir)
        try:
            recover(docs_dir)
            _refuse_linked_outputs(docs_dir)
            self.staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=docs_dir))
        except BaseException:
            self._release()
            raise
        self._previous = _load_manifest(manifest) if manifest else {}
        self._docs = str(docs_dir)
        self._manifest: dict[str, Entry] = {}
        self._staged: list[str] = []
        self._made_dirs: set[str] = set()
        self.conflicts: list[str] = []  # paths written twice: the first text stayed

    @property
    def staged(self) -> list[str]:
        """The files this build changes (new or different content)."""
        return list(self._staged)

    def keep_if_unchanged(self, relative: str, key: str) -> bool:
        """True when the previous build wrote ``relative`` from the same ``key`` and nobody touched it since:
        the file stays as it is and the caller need not even produce its content."""
        _check_relative(relative)
        previous = self._previous.get(relative)
        if relative in self._manifest or previous is None or previous[0] != key:
            return False
        if not _stat_matches(os.path.join(self._docs, relative), previous):
            return False
        self._manifest[relative] = previous
        return True

    def write(self, relative: str, text: str, key: str | None = None) -> None:
        _check_relative(relative)
        if relative in self._manifest:
            # Two pages for one path (a slug collision): the first stays, the clash is recorded.
            self.conflicts.append(relative)
            return
        # A lone surrogate (from an undecodable file name) must not crash the build: it is written escaped.
        data = text.replace("\r\n", "\n").encode("utf-8", "backslashreplace")
        key = key or hashlib.sha256(data).hexdigest()
        if self.keep_if_unchanged(relative, key):
            return
        current = self.docs_dir / relative
        with contextlib.suppress(OSError):
            info = current.stat()
            if info.st_size == len(data) and current.read_bytes() == data:
                self._manifest[relative] = _entry(key, info)
                return
        target = self.staging / relative
        parent = PurePosixPath(relative).parent.as_posix()
        if parent not in self._made_dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made_dirs.add(parent)
        with open(target, "wb") as handle:
            handle.write(data)
        # A rename keeps size, mtime and inode, so the staged file's stat is the published file's.
        self._manifest[relative] = _entry(key, target.stat())
        self._staged.append(relative)

    def write_all(self, pages: dict[str, str]) -> None:
        """Every page of a whole-archive pass (entity pages, index pages): relative path → text."""
        for relative, text in pages.items():
            self.write(relative, text)

    def commit(self) -> int:
        """Swap the changed files in and return how many were written or removed; see the module docstring
        for why this survives being killed."""
        try:
            stale = sorted(set(_generated_files(self.docs_dir)) - set(self._manifest))
            if self._staged or stale:
                self._swap(sorted(self._staged), stale)
            shutil.rmtree(self.staging, ignore_errors=True)
            if self.manifest_path:
                _save_manifest(self.manifest_path, self._manifest)
            return len(self._staged) + len(stale)
        except BaseException:
            recover(self.docs_dir)  # an error in the middle of the swap: put the previous output back now
            raise
        finally:
            self._release()

    def _swap(self, incoming: list[str], stale: list[str]) -> None:
        journal = Path(tempfile.mkdtemp(prefix=".old-", dir=self.docs_dir))
        # A generated folder docs/ does not have yet (a first build) moves in with one rename, not file by file.
        whole = [name for name in GENERATED if _exists(self.staging / name) and not _exists(self.docs_dir / name)]
        incoming = [rel for rel in incoming if rel.split("/", 1)[0] not in whole]
        created = whole + [rel for rel in incoming if not _exists(self.docs_dir / rel)]
        _write_durably(journal / "journal.json", json.dumps({"created": created}))
        for rel in stale:
            _move(self.docs_dir / rel, journal / "files" / rel)
        for name in whole:
            os.replace(self.staging / name, self.docs_dir / name)
        for rel in incoming:
            current = self.docs_dir / rel
            if _exists(current):
                _move(current, journal / "files" / rel)
            _move(self.staging / rel, current)
        done = self.docs_dir / (".trash-" + journal.name[len(".old-"):])
        os.replace(journal, done)
        _fsync_dir(self.docs_dir)
        _prune_empty_dirs(self.docs_dir, stale)
        shutil.rmtree(done, ignore_errors=True)

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
        try:
            created = json.loads((old / "journal.json").read_text(encoding="utf-8"))["created"]
        except (OSError, ValueError, KeyError, TypeError):
            created = None  # no journal: killed before the first rename, nothing was moved
        if created is not None:
            saved_root = old / "files"
            for saved in sorted(_files_under(saved_root)):
                os.makedirs((docs_dir / saved).parent, exist_ok=True)
                os.replace(saved_root / saved, docs_dir / saved)
            for rel in created:  # new output moved in where there was none: a file, or a whole generated folder
                _discard(docs_dir, docs_dir / rel)
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
        raise OutputError(f"refusing to build: the output directory {docs_dir} is inside raw/ ({raw_dir})")
    if docs in raw.parents:
        top = raw.relative_to(docs).parts[0]
        if top in GENERATED or top.startswith(_PREFIXES):
            raise OutputError(f"refusing to build: raw/ ({raw_dir}) is inside the generated output {docs_dir / top}")


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _check_relative(relative: str) -> None:
    parts = relative.split("/")
    if (parts[0] not in GENERATED or relative.startswith("/")
            or any(part in ("..", ".", "") or part.startswith(_PREFIXES) for part in parts)):
        raise ValueError(f"refusing to write outside the generated output: {relative}")


def _refuse_linked_outputs(docs_dir: Path) -> None:
    """Files are moved into place under the generated names, so none of them may lead elsewhere."""
    for name in GENERATED:
        if (docs_dir / name).is_symlink():
            raise OutputError(f"refusing to build: {docs_dir / name} is a symbolic link; the build owns that name")


def _entry(key: str, info: os.stat_result) -> Entry:
    return [key, info.st_size, info.st_mtime_ns, info.st_ino]


def _load_manifest(path: Path) -> dict[str, Entry]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {rel: entry for rel, entry in data.items() if isinstance(entry, list) and len(entry) == 4}


def _save_manifest(path: Path, manifest: dict[str, Entry]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(manifest, sort_keys=True, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, path)


def _stat_matches(path: str, entry: Entry) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return _entry(entry[0], info) == entry and not stat.S_ISLNK(info.st_mode)


def _generated_files(docs_dir: Path) -> list[str]:
    found = []
    for name in GENERATED:
        top = docs_dir / name
        if top.is_dir() and not top.is_symlink():
            found.extend(f"{name}/{rel}" for rel in _files_under(top))
        elif _exists(top):
            found.append(name)
    return found


def _files_under(root: Path) -> list[str]:
    """Every non-directory under root, as relative POSIX paths (symbolic links are not followed)."""
    found: list[str] = []
    if not root.is_dir():
        return found
    for folder, dirs, files in os.walk(root):
        base = Path(folder).relative_to(root).as_posix()
        prefix = "" if base == "." else base + "/"
        found.extend(prefix + name for name in files)
        found.extend(prefix + name for name in dirs if os.path.islink(os.path.join(folder, name)))
    return found


def _discard(docs_dir: Path, path: Path) -> None:
    """Remove a generated file or folder; a folder is renamed away first, so it never lingers half-deleted."""
    if path.is_dir() and not path.is_symlink():
        trash = Path(tempfile.mkdtemp(prefix=".trash-", dir=docs_dir))
        os.replace(path, trash / path.name)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


def _move(source: Path, target: Path) -> None:
    os.makedirs(target.parent, exist_ok=True)
    os.replace(source, target)


def _prune_empty_dirs(docs_dir: Path, removed: list[str]) -> None:
    """Folders a build emptied (an entity type no longer used) go too."""
    for folder in sorted({(docs_dir / rel).parent for rel in removed}, key=lambda p: -len(p.parts)):
        while folder != docs_dir and folder.is_dir():
            try:
                folder.rmdir()
            except OSError:
                break
            folder = folder.parent


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
                waited = f"waited {LOCK_WAIT_SECONDS:.0f} s"
                raise OutputError(f"another build is writing to {docs_dir} ({waited})") from None
            time.sleep(0.1)


def _unlock(fd: int | None) -> None:
    if fd is None:
        return
    with contextlib.suppress(OSError):
        os.close(fd)  # closing the descriptor releases the lock
