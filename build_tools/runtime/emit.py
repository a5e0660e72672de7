"""The one writer: every disk write goes through here.  A build changes only the
files whose content changed, and the change lands all at once or not at all.

Guarantees (tested in tests/test_atomic.py and tests/test_incremental.py):

* nothing is ever written under raw/, and docs/ may not overlap raw/;
* only the generated names (``GENERATED``) in docs/ are ever replaced; the
  hand-written pages, assets and dev notes next to them are never touched;
* unchanged pages are not rewritten: a manifest in the build cache records, per
  generated file, the key it was made from and its size, mtime and inode, so a
  rebuild of a 10,000-article archive after one new dump writes a handful of
  files (the others are hard links: same inode, same mtime).  The manifest only
  ever saves work: a file whose stat differs from the record (edited by hand, or
  written by a build that died before recording it) is compared by content, so
  a stale or missing manifest costs time, not correctness;
* the new output is a new *generation* (:mod:`build_tools.runtime.generations`),
  published by one rename: a build killed at any instant (SIGINT, SIGKILL, while
  writing or while publishing) leaves docs/ showing the previous output or the
  new one, never a mix; :func:`recover`, run before every build, removes what a
  killed build left unfinished;
* one build at a time per docs/ (an advisory lock on the directory), so a
  second build never removes the generation a running one is writing;
* a file that cannot be written (a full disk) stops the build with one line
  naming it (:class:`~build_tools.model.errors.OutputError`); docs/ is untouched.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
from pathlib import Path, PurePosixPath

from build_tools.model.errors import OutputError
from build_tools.runtime import generations
from build_tools.runtime.generations import GENERATED, HOME, current_generation, link, new_generation
from build_tools.runtime.locks import FolderLock

__all__ = ["GENERATED", "OutputWriter", "check_separate", "output_lock", "recover", "replace_file", "untouched",
           "write_record"]

_PREFIXES = generations.OWN_PREFIXES

# relative path -> [key, size, mtime_ns, inode]: what the file was made from, and how to tell it is untouched since
Entry = list


class OutputWriter:
    def __init__(self, docs_dir: Path, raw_dir: Path | None = None, manifest: Path | None = None,
                 lock: FolderLock | None = None):
        """``lock``: the build's lock on ``docs_dir``, when it holds one already; else the writer takes its own."""
        self.docs_dir = docs_dir
        self.manifest_path = manifest
        self.raw_dir = raw_dir.resolve() if raw_dir else None
        check_separate(docs_dir, raw_dir)
        _writing(docs_dir, lambda: docs_dir.mkdir(parents=True, exist_ok=True))
        self._lock = None if lock is not None and lock.held else output_lock(docs_dir).acquire()
        self._made_dirs: set[str] = set()
        self.reused = False  # the next generation is the last one replaced, brought up to date
        try:
            recover(docs_dir)
            generations.refuse_foreign_links(docs_dir)
            spare = _writing(docs_dir / HOME, lambda: generations.take_spare(docs_dir))
            if spare is not None:
                self.staging, self.reused = spare[0], True
                _writing(self.staging, lambda: self._catch_up(spare[1]))
            else:
                self.staging = _writing(docs_dir / HOME, lambda: new_generation(docs_dir))
        except BaseException:
            if self.reused:
                shutil.rmtree(self.staging, ignore_errors=True)
            self._release()
            raise
        self._previous = _load_manifest(manifest) if manifest else {}
        self._docs = str(docs_dir)
        self._manifest: dict[str, Entry] = {}
        self._staged: list[str] = []
        self.conflicts: list[str] = []  # paths written twice: the first text stayed
        self.swapped = False  # the new generation is the one docs/ shows

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

    def would_keep(self, relative: str, key: str) -> bool:
        """What :meth:`keep_if_unchanged` would answer now, without keeping anything."""
        previous = self._previous.get(relative)
        return relative not in self._manifest and previous is not None and previous[0] == key and \
            _stat_matches(os.path.join(self._docs, relative), previous)

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
        _writing(self.docs_dir / relative, lambda: self._put(relative, target, data))
        # The generation is published as it is, so the file's stat now is the published file's.
        self._manifest[relative] = _entry(key, target.stat())
        self._staged.append(relative)

    def _put(self, relative: str, target: Path, data: bytes) -> None:
        parent = PurePosixPath(relative).parent.as_posix()
        if parent not in self._made_dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made_dirs.add(parent)
        if self.reused:  # the name may be a hard link to the shown file: a new file, never written through
            with contextlib.suppress(FileNotFoundError):
                os.unlink(target)
        with open(target, "wb") as handle:
            handle.write(data)

    def _catch_up(self, differs: list[str]) -> None:
        """The spare generation made equal to the shown one: each file in which they differ removed from the
        spare, and linked again from the shown one where it has it."""
        real = {name: os.path.realpath(self.docs_dir / name) for name in GENERATED}
        staging = str(self.staging) + "/"
        for relative in differs:
            _check_relative(relative)  # the record is a file on disk: never a path outside the generation
            target = staging + relative
            top, _, rest = relative.partition("/")
            source = real[top] + "/" + rest if rest else real[top]
            if os.path.isfile(source) and not os.path.islink(source):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(target)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                link(source, target)
            else:  # gone from the shown generation: gone from this one, with a folder it leaves empty
                self._unlink([relative])

    def write_all(self, pages: dict[str, str]) -> None:
        """Every page of a whole-archive pass (entity pages, index pages): relative path → text."""
        for relative, text in pages.items():
            self.write(relative, text)

    def commit(self) -> list[str]:
        """Publish the new generation and return the files written or removed (docs-relative, sorted)."""
        try:
            shown = set(_generated_files(self.docs_dir))
            stale = shown - set(self._manifest)
            legacy = any(_exists(self.docs_dir / n) and not generations.is_ours(self.docs_dir, n) for n in GENERATED)
            if self._staged or stale or legacy:
                staged = set(self._staged)
                if self.reused:  # the spare holds every unchanged file already, and the stale ones too
                    _writing(self.staging, lambda: self._unlink(stale))
                else:
                    _writing(self.staging, lambda: self._link_unchanged([r for r in self._manifest if r not in staged]))
                previous = _writing(self.docs_dir / HOME, lambda: generations.publish(self.docs_dir, self.staging))
                self.swapped = True
                if previous is not None and not legacy:
                    generations.keep_spare(self.docs_dir, previous, [*staged, *stale])
                else:
                    if previous is not None:
                        shutil.rmtree(previous, ignore_errors=True)
                    generations.spare_ahead(self.docs_dir)
            elif self.reused:  # nothing changed: the spare, equal to the shown generation, stays the spare
                generations.keep_spare(self.docs_dir, self.staging, [])
            else:
                shutil.rmtree(self.staging, ignore_errors=True)
                generations.spare_ahead(self.docs_dir)
            if self.manifest_path:
                _writing(self.manifest_path, lambda: _save_manifest(self.manifest_path, self._manifest))
            return sorted({*self._staged, *stale})
        except BaseException:
            self.swapped = self.swapped or current_generation(self.docs_dir) == self.staging
            if not self.swapped:
                shutil.rmtree(self.staging, ignore_errors=True)
            raise
        finally:
            self._release()

    def _unlink(self, relatives) -> None:
        """Files removed from the generation being made, and the folders that leaves empty (a generation made
        afresh has none: it holds only the files linked or written into it)."""
        for relative in relatives:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.staging / relative)
            for parent in PurePosixPath(relative).parents[:-1]:
                try:
                    os.rmdir(self.staging / parent)
                except OSError:  # not empty (or gone): nor are the folders above it
                    break

    def _link_unchanged(self, kept: list[str]) -> None:
        """Every file this build did not change, into the new generation as a hard link to the shown one."""
        # Where each generated name really is (docs/articles is a link): resolved once, not once per file.
        real = {name: os.path.realpath(self.docs_dir / name) for name in GENERATED}
        staging = str(self.staging) + "/"
        for relative in sorted(kept):
            top, _, rest = relative.partition("/")
            source, target = real[top] + "/" + rest if rest else real[top], staging + relative
            parent = relative.rpartition("/")[0]
            if parent not in self._made_dirs:
                os.makedirs(staging + parent, exist_ok=True)
                self._made_dirs.add(parent)
            try:
                os.link(source, target, follow_symlinks=False)
            except OSError:  # no hard links here (or too many): a copy
                link(source, target)

    def abort(self) -> None:
        try:
            if not self.swapped:
                shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._release()

    def _release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()


def untouched(docs_dir: Path, manifest: Path) -> bool:
    """docs/ shows exactly what the last build recorded in ``manifest``: every generated file has the stat the
    writer recorded and there is no other (what a build that changes nothing would find, file by file)."""
    entries = _load_manifest(manifest)
    docs = str(docs_dir)
    if not entries or any(not _shown_as(os.path.join(docs, rel), entry, "/" in rel) for rel, entry in entries.items()):
        return False
    if any(_exists(docs_dir / n) and not generations.is_ours(docs_dir, n) for n in GENERATED):
        return False
    return set(_generated_files(docs_dir)) == set(entries)


def output_lock(docs_dir: Path) -> FolderLock:
    return FolderLock(docs_dir, "the output folder", OutputError)


def recover(docs_dir: Path) -> None:
    """Remove what a killed build left unfinished (see :func:`generations.recover`)."""
    generations.recover(docs_dir)


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


def _writing(what: Path, action):
    """``action()``; an OSError (a full disk, no permission) becomes one line naming what could not be written."""
    try:
        return action()
    except OSError as error:
        raise OutputError(f"cannot write {what}: {error.strerror or error}") from error


def _exists(path: Path) -> bool:
    return path.exists() or path.is_symlink()


def _check_relative(relative: str) -> None:
    if not generations.inside_generation(relative):
        raise ValueError(f"refusing to write outside the generated output: {relative}")


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


def write_record(path: Path, text: str, raw_dir: Path | None = None) -> None:
    """A small record the build keeps beside its output (the ``added`` dates), replaced in one rename: a
    build killed while writing it leaves the previous record.  Never under raw/."""
    if raw_dir is not None and raw_dir.resolve() in (path.resolve(), *path.resolve().parents):
        raise OutputError(f"refusing to write {path}: it is inside raw/ ({raw_dir})")

    _writing(path, lambda: replace_file(path, text))


def _save_manifest(path: Path, manifest: dict[str, Entry]) -> None:
    replace_file(path, json.dumps(manifest, sort_keys=True, separators=(",", ":")))


def replace_file(path: Path, text: str) -> None:
    """One file outside docs/ (the build's manifest, the preview's editor desk), replaced at once: a reader
    sees the old content or the new, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    os.replace(temporary, path)


def _stat_matches(path: str, entry: Entry) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return _entry(entry[0], info) == entry and not stat.S_ISLNK(info.st_mode)


def _shown_as(path: str, entry: Entry, inside: bool) -> bool:
    """The file docs/ shows at ``path`` is the one ``entry`` records.  A generated top-level file (index.md,
    feed.xml) is itself a link into the current generation: its entry records the file the link leads to."""
    if inside:
        return _stat_matches(path, entry)
    try:
        return _entry(entry[0], os.stat(path)) == entry
    except OSError:
        return False


def _generated_files(docs_dir: Path) -> list[str]:
    """Every generated file docs/ shows now (through the links into the current generation)."""
    found = []
    for name in GENERATED:
        top = docs_dir / name
        if top.is_dir():
            found.extend(f"{name}/{rel}" for rel in _files_under(top))
        elif top.exists():
            found.append(name)
    return found


def _files_under(root: Path) -> list[str]:
    """Every non-directory under root, as relative POSIX paths (symbolic links inside are not followed)."""
    found: list[str] = []
    for folder, dirs, files in os.walk(root):
        base = Path(folder).relative_to(root).as_posix()
        prefix = "" if base == "." else base + "/"
        found.extend(prefix + name for name in files)
        found.extend(prefix + name for name in dirs if os.path.islink(os.path.join(folder, name)))
    return found
