"""A step that has nothing to do, known before the step's libraries are imported (issue 15's no-op floor).

A no-op ``make site`` used to cost two Python processes importing the whole build (the stages, the archive
passes, jsonschema, rich), MkDocs and the search indexer, only for each step's own check to find that
nothing changed: ~0.95 s at 2k articles, 2% of a cold ``make site``.  So each step (the build step in
``cli.py``, the site step in ``site/__main__.py``) first takes a **fingerprint** with the standard library
alone: the stat of every file it reads and writes (raw/, the editors' files, docs/, site/, mkdocs.yml, the
theme), of the code (the package, the lock file, the installed libraries' folders), and the facts that are
not files (its options, the environment values it reads, the day).  When the fingerprint is the one the
step's last run saved (its **stamp**), the step is a no-op: it prints what a no-op run prints and exits.

A stamp is saved only by a run that ended as it began — the fingerprint taken at its end equal to the one
taken at its start — so every byte the step read then is still there now.  The one gap stat leaves, a file
saved twice within one timestamp tick (git's "racy clean" entries), is closed like the build's own key
(``pipeline/unchanged.py``): an input changed within ``RACY_SECONDS`` of the start is read at the start and
again at the end (equal bytes, or no stamp), and no stamp is saved while an input is that young at the end.
Outputs (docs/'s generations, site/) are exempt: only the step writes them, and the build's writer replaces a
file (a new inode) rather than rewriting it.  Anything that cannot be fingerprinted safely (a link to a
folder inside an input, an unreadable folder) means no fingerprint: the step runs and checks as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

RACY_SECONDS = 2.0  # as build_tools.runtime.cache.RACY_SECONDS (tests/test_nochange.py keeps them equal)
VERSION = 1  # of the stamp's layout and of what a fingerprint covers
PACKAGE_DIR = Path(__file__).resolve().parent
LOCK_FILE = PACKAGE_DIR.parent / "requirements.lock"


@dataclass
class Fingerprint:
    """A step's inputs, outputs, code and facts, as one digest; ``young``: input files changed within
    ``RACY_SECONDS`` of taking it (their stat does not yet stand for their bytes)."""

    value: str
    young: list[str] = field(default_factory=list)


class _Unsafe(Exception):
    """Something a stat cannot stand for: no fingerprint."""


def take(facts: Iterable[str], inputs: Iterable[Path], outputs: Iterable[Path] = (),
         now_ns: int | None = None) -> Fingerprint | None:
    """The fingerprint of ``facts`` (strings), the files and folders ``inputs`` and ``outputs`` (walked whole,
    hidden entries included, links not followed into folders), the code and the installed libraries; None
    when it cannot be taken safely."""
    now = time.time_ns() if now_ns is None else now_ns
    digest = hashlib.sha256(f"nochange {VERSION}\0".encode())
    for fact in facts:
        digest.update(fact.encode("utf-8", "surrogateescape") + b"\0")
    young: list[str] = []
    try:
        for path in (PACKAGE_DIR, LOCK_FILE, *_library_folders()):
            _add(digest, path, None, now)
        for path in inputs:
            _add(digest, Path(path), young, now)
        for path in outputs:
            _add(digest, Path(path), None, now)
    except _Unsafe:
        return None
    return Fingerprint(digest.hexdigest(), young)


def _library_folders() -> list[Path]:
    """The folders the interpreter imports libraries from: installing or upgrading one changes their listing
    (a new ``*.dist-info``); the interpreter itself by its executable."""
    folders = [Path(p) for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
    return [Path(sys.executable), *folders]


def _add(digest, path: Path, young: list[str] | None, now: int) -> None:
    """One place into the digest: a file by its stat, a folder by every entry under it (its own stat, which
    a lock file coming and going changes, is left out); ``young`` collects input files changed lately."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        digest.update(f"{path}\0absent\0".encode("utf-8", "surrogateescape"))
        return
    except OSError as error:
        raise _Unsafe(str(error)) from error
    if stat.S_ISDIR(info.st_mode) and young is None and path.name.endswith(("site-packages", "dist-packages")):
        digest.update(f"{path}\0{_signature(info)}\0".encode("utf-8", "surrogateescape"))  # a library folder
        return
    if stat.S_ISDIR(info.st_mode):
        _walk(digest, str(path), young, now)
        return
    _entry(digest, str(path), info, young, now)


def _walk(digest, root: str, young: list[str] | None, now: int) -> None:
    try:
        with os.scandir(root) as found:
            entries = sorted(found, key=lambda e: e.name)
    except OSError as error:
        raise _Unsafe(str(error)) from error
    for entry in entries:
        if entry.name == "__pycache__":  # the interpreter's own, rewritten by imports
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError as error:
            raise _Unsafe(str(error)) from error
        if stat.S_ISDIR(info.st_mode):
            digest.update(f"{entry.path}/\0".encode("utf-8", "surrogateescape"))
            _walk(digest, entry.path, young, now)
        else:
            _entry(digest, entry.path, info, young, now)


def _entry(digest, path: str, info: os.stat_result, young: list[str] | None, now: int) -> None:
    digest.update(f"{path}\0{_signature(info)}\0".encode("utf-8", "surrogateescape"))
    if stat.S_ISLNK(info.st_mode):
        try:
            target = os.stat(path)
        except FileNotFoundError:
            target = None
        except OSError as error:
            raise _Unsafe(str(error)) from error
        if target is not None and stat.S_ISDIR(target.st_mode) and young is not None:
            raise _Unsafe(f"{path} links to a folder")  # an input folder reached through a link: not walked
        digest.update(f"{os.readlink(path)}\0{_signature(target) if target else 'dangling'}\0"
                      .encode("utf-8", "surrogateescape"))
        info = target or info
    if young is not None and now - max(info.st_mtime_ns, info.st_ctime_ns) <= RACY_SECONDS * 1e9:
        young.append(path)


def _signature(info: os.stat_result) -> str:
    return f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}:{info.st_mode}"


def contents(paths: Iterable[str]) -> dict[str, str]:
    """The sha256 of each file's bytes now ("gone" when it cannot be read)."""
    found = {}
    for path in paths:
        try:
            found[path] = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            found[path] = "gone"
    return found


class Stamp:
    """The fingerprint a step's last run ended with, and what a no-op run of it prints."""

    def __init__(self, folder: Path, step: str, facts: Iterable[str]):
        name = hashlib.sha256("\0".join(facts).encode("utf-8", "surrogateescape")).hexdigest()[:16]
        self.path = folder / f"{step}-{name}.json"

    def load(self, fingerprint: Fingerprint | None) -> dict | None:
        """The saved payload when ``fingerprint`` is the saved one, else None."""
        if fingerprint is None:
            return None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("fingerprint") != fingerprint.value:
            return None
        payload = data.get("payload")
        return payload if isinstance(payload, dict) else None

    def forget(self) -> None:
        """Before a run that may change what the stamp stands for (a stamp is saved again at its end)."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass

    def save_if_settled(self, start: Fingerprint | None, start_contents: dict[str, str], end: Fingerprint | None,
                        payload: dict) -> bool:
        """Save ``payload`` under ``end`` when the run ended as it began (module docstring); True if saved."""
        if start is None or end is None or start.value != end.value or end.young:
            return False
        if contents(start_contents) != start_contents:
            return False
        from build_tools.runtime.emit import replace_file  # the one writer; imported only by a run that did work

        try:
            replace_file(self.path, json.dumps({"fingerprint": end.value, "payload": payload}, ensure_ascii=False))
        except OSError:  # no stamp is only a slower next run
            return False
        return True


class Tee:
    """What a block prints on stdout and stderr, printed and kept (``with Tee() as said: ...; said.stderr``);
    the streams keep answering ``isatty`` and the rest as before, so rich draws as it would."""

    def __init__(self):
        self.stdout = self.stderr = ""

    def __enter__(self) -> Tee:
        self._before = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = _Copy(sys.stdout, self, "stdout"), _Copy(sys.stderr, self, "stderr")
        return self

    def __exit__(self, *exc) -> None:
        sys.stdout, sys.stderr = self._before


class _Copy:
    def __init__(self, stream, tee: Tee, name: str):
        self._stream, self._tee, self._name = stream, tee, name

    def write(self, text: str) -> int:
        setattr(self._tee, self._name, getattr(self._tee, self._name) + text)
        return self._stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)
