"""A step that has nothing to do, known before the step's libraries are imported (issue 15's no-op floor).

A no-op ``make site`` used to cost two Python processes importing the whole build (the stages, the archive
passes, jsonschema, rich), MkDocs and the search indexer, only for each step's own check to find that
nothing changed: ~0.95 s at 2k articles, 2% of a cold ``make site``.  So each step (the build step in
``cli.py``, the site step in ``site/__main__.py``) first takes a **fingerprint** with the standard library
alone: the stat of every file it reads and writes (raw/, the editors' files, docs/, site/, mkdocs.yml, the
theme), of the code (the package, the lock file, the installed libraries' folders), and the facts that are
not files (its options, the environment values it reads, the day).  When the fingerprint is the one the
step's last run saved (its **stamp**), the step is a no-op: it prints what a no-op run prints and exits.

A stamp is saved only by a run that ended as it began — its inputs' digest at its end equal to the one at
its start — with its outputs as they are at its end, so every byte the step read then is still there now
and its output is what it wrote.  The one gap stat leaves, a file saved twice within one timestamp tick
(git's "racy clean" entries), is closed by the rule every such check shares (``filestat.py``): an
input changed within ``RACY_SECONDS`` of the start is read at the start and again at the end (equal bytes, or no
stamp), and no stamp is saved while an input is that young at the end.  What only a writer that replaces
files touches (docs/'s generations, git's refs) and what the step writes itself are exempt from that rule.
A check compares the inputs first and looks at the outputs only when they agree, so a run that has work to
do pays one look at its inputs at the start and one at everything at its end.  Anything that cannot be
fingerprinted safely (a link to a folder inside an input, an unreadable folder) means no fingerprint: the
step runs and checks as before.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from build_tools.filestat import signature, young

VERSION = 2  # of the stamp's layout and of what a fingerprint covers
PACKAGE_DIR = Path(__file__).resolve().parent
LOCK_FILE = PACKAGE_DIR.parent / "requirements.lock"


class Fingerprint(NamedTuple):
    """A step's facts, inputs and code as one digest (``inputs``: what a run must end with as it began) and its
    outputs as another (None when not taken: a check whose inputs differ from the stamp's needs no outputs);
    ``young``: input files changed within ``RACY_SECONDS`` of taking it (their stat does not yet stand for
    their bytes)."""

    inputs: str
    outputs: str | None
    young: list[str]


class Places(NamedTuple):
    """What a step reads and writes.  ``inputs``: files and folders an editor saves (their young files are
    read again, see the module's docstring); ``settled``: read, but written only by another step's writer,
    which replaces a file rather than rewriting it, so the stat of their folders stands for them (docs/'s
    generations, for the site step); ``outputs``: what the step writes, each file stat-ed (docs/ for the build
    step: a page edited by hand counts); ``output_tops``: written by the step alone, stat-ed by folder down
    to ``TOP_DEPTH`` levels (site/: a page folder removed counts, a page edited in place by hand does not —
    the render's own check looks at site/index.html alone)."""

    inputs: tuple[Path, ...] = ()
    settled: tuple[Path, ...] = ()
    outputs: tuple[Path, ...] = ()
    output_tops: tuple[Path, ...] = ()  # (NamedTuple, not a dataclass: importing dataclasses is 20 ms)


TOP_DEPTH = 2  # site/, site/articles/: a stat of 24k page folders at 10k articles would cost 0.35 s per look


class _Unsafe(Exception):
    """Something a stat cannot stand for: no fingerprint."""


def take(facts: Iterable[str], places: Places, now_ns: int | None = None, outputs: bool = True) -> Fingerprint | None:
    """The fingerprint of ``facts`` (strings), ``places`` (walked whole, hidden entries included, links not
    followed into folders), the code and the installed libraries; None when it cannot be taken safely.
    ``outputs=False``: the inputs' digest alone (see :meth:`Stamp.load`)."""
    now = time.time_ns() if now_ns is None else now_ns
    lines = [f"nochange {VERSION}", *facts]
    recent: list[str] = []
    try:
        for path in (PACKAGE_DIR, LOCK_FILE):
            _add(lines, path, None, now)
        lines += [f"{path}\0{signature(os.stat(path))}" for path in _library_folders()]
        for path in places.inputs:
            _add(lines, Path(path), recent, now)
        for path in places.settled:
            _add(lines, Path(path), None, now, depth=-1)
        return Fingerprint(_digest(lines), outputs_of(places, now) if outputs else None, recent)
    except (_Unsafe, OSError):
        return None


def outputs_of(places: Places, now_ns: int | None = None) -> str:
    """The digest of ``places``' outputs (raises OSError or _Unsafe when it cannot be taken)."""
    now = time.time_ns() if now_ns is None else now_ns
    lines: list[str] = []
    for path in places.outputs:
        _add(lines, Path(path), None, now)
    for path in places.output_tops:
        _add(lines, Path(path), None, now, depth=TOP_DEPTH)
    return _digest(lines)


def _digest(lines: list[str]) -> str:
    # sorted: a folder lists its entries in no fixed order
    return hashlib.sha256("\n".join(sorted(lines)).encode("utf-8", "surrogateescape")).hexdigest()


def _library_folders() -> list[str]:
    """The interpreter and the folders it imports libraries from: installing or upgrading one changes their
    listing (a new ``*.dist-info``), so their own stat."""
    return [sys.executable, *(p for p in sys.path if p.endswith(("site-packages", "dist-packages")))]


def _add(lines: list[str], path: Path, recent: list[str] | None, now: int, depth: int | None = None) -> None:
    """One place: a file by its stat, a folder by every entry under it (its own stat is left out: a lock file
    coming and going changes it), or, with ``depth``, by the stat of every folder under it (-1: all of them;
    n: down to n levels)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        lines.append(f"{path}\0absent")
        return
    if not stat.S_ISDIR(info.st_mode):
        _entry(lines, str(path), info, recent, now)
    elif depth is not None:
        lines.append(f"{path}/\0{signature(info)}")
        _folders(lines, str(path), depth)
    else:
        _walk(lines, str(path), recent, now)


def _walk(lines: list[str], root: str, recent: list[str] | None, now: int) -> None:
    with os.scandir(root) as found:
        for entry in found:
            if entry.name == "__pycache__":  # the interpreter's own, rewritten by imports
                continue
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                lines.append(f"{entry.path}/")
                _walk(lines, entry.path, recent, now)
            else:
                _entry(lines, entry.path, info, recent, now)


def _folders(lines: list[str], root: str, depth: int) -> None:
    """The stat of each folder under ``root`` down to ``depth`` levels (-1: all), and each link's target."""
    if depth == 0:
        return
    with os.scandir(root) as found:
        for entry in found:
            if entry.is_symlink():
                lines.append(f"{entry.path}\0{os.readlink(entry.path)}")
            elif entry.is_dir(follow_symlinks=False):
                lines.append(f"{entry.path}/\0{signature(entry.stat(follow_symlinks=False))}")
                _folders(lines, entry.path, depth - 1)


def _entry(lines: list[str], path: str, info: os.stat_result, recent: list[str] | None, now: int) -> None:
    line = f"{path}\0{signature(info)}"
    if stat.S_ISLNK(info.st_mode):
        try:
            target = os.stat(path)
        except FileNotFoundError:
            target = None
        if target is not None and stat.S_ISDIR(target.st_mode) and recent is not None:
            raise _Unsafe(f"{path} links to a folder")  # an input folder reached through a link: not walked
        line += f"\0{os.readlink(path)}\0{signature(target) if target else 'dangling'}"
        info = target or info
    lines.append(line)
    if recent is not None and young(info, now):
        recent.append(path)


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

    def load(self, fingerprint: Fingerprint | None, places: Places) -> dict | None:
        """The saved payload when ``fingerprint`` (its inputs; its outputs, taken here only when the inputs
        agree) is the saved one, else None."""
        if fingerprint is None:
            return None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("inputs") != fingerprint.inputs:
            return None
        try:
            outputs = fingerprint.outputs or outputs_of(places)
        except (_Unsafe, OSError):
            return None
        payload = data.get("payload")
        return payload if data.get("outputs") == outputs and isinstance(payload, dict) else None

    def save_if_settled(self, start: Fingerprint | None, start_contents: dict[str, str], end: Fingerprint | None,
                        payload: dict) -> bool:
        """Save ``payload`` under ``end`` when the run ended as it began (module docstring); True if saved."""
        if start is None or end is None or end.outputs is None or start.inputs != end.inputs or end.young:
            return False
        if contents(start_contents) != start_contents:
            return False
        from build_tools.runtime.emit import replace_file  # the one writer; imported only by a run that did work

        try:
            replace_file(self.path, json.dumps({"inputs": end.inputs, "outputs": end.outputs, "payload": payload},
                                               ensure_ascii=False))
        except OSError:  # no stamp is only a slower next run
            return False
        return True


def options(step: str, args, skip: tuple[str, ...] = ()) -> list[str]:
    """A step's name and its options (``argparse.Namespace``), paths resolved: where they point, not the cwd."""
    return [step, *sorted(f"{name}={str(value.resolve()) if isinstance(value, Path) else repr(value)}"
                          for name, value in vars(args).items() if name not in skip)]


class Check:
    """A step's no-op check: its fingerprint at its start, and the stamp it is compared with and saved as.

    ``named_by``: the facts that name the stamp (a step run with other options keeps a stamp of its own);
    ``facts``: everything the fingerprint holds that is not a file, read at each look (git's HEAD says which
    commit it names only by its text); ``places``: what the step reads and writes as it is at each look, None
    when that cannot be told (no fingerprint: the step runs)."""

    FOLDER = Path(".cache/nochange")

    def __init__(self, step: str, named_by: Iterable[str], facts: Callable[[], list[str]],
                 places: Callable[[], Places | None], folder: Path = FOLDER):
        self.stamp = Stamp(folder, step, named_by)
        self._facts, self._places = facts, places
        self.start = self.take(outputs=False)  # the outputs are looked at only when the inputs agree
        self.start_contents = contents(self.start.young) if self.start else {}

    def take(self, outputs: bool = True) -> Fingerprint | None:
        places = self._places()
        return None if places is None else take(self._facts(), places, outputs=outputs)

    def replay(self) -> dict | None:
        """What the last run saved when nothing changed since; else None."""
        places = self._places()
        return None if places is None else self.stamp.load(self.start, places)

    def settle(self, payload: dict) -> bool:
        """After a run: ``payload`` kept for the next one when the run ended as it began; True if kept."""
        return self.stamp.save_if_settled(self.start, self.start_contents, self.take(), payload)


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
