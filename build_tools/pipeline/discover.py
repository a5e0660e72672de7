"""Discover: every dump under raw/, its identity, and its slug, assigned once over the whole archive."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from build_tools.archive.slugs import assign_slugs
from build_tools.model.paths import Dump, RawPath, Slug, printable_path
from build_tools.model.records import BuildWarning

# A dump's stat as discovery found it (following a link): the no-op check reads it instead of a second stat.
Stats = dict[Path, os.stat_result]
Assigned = dict[str, tuple[Slug, str | None]]


def discover(raw_dir: Path) -> list[Path]:
    """Every regular file under raw/ (or link to one), sorted, hidden files and folders skipped."""
    return [path for _relative, path, _info in _found(raw_dir)]


def _found(raw_dir: Path) -> list[tuple[str, Path, os.stat_result]]:
    """Every regular file under raw/ (or link to one) with its stat, in the order of its path inside raw/.

    One ``scandir`` per folder and one stat per file (a folder entry's type comes with the listing): what
    ``os.walk`` plus ``os.path.isfile`` found, without the second stat or ``relpath`` per file.  As there, a
    linked folder is not entered and a folder that cannot be read is skipped."""
    found: list[tuple[str, str, os.stat_result]] = []
    todo = [(str(raw_dir), "")]
    while todo:
        folder, inside = todo.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            relative = f"{inside}/{entry.name}" if inside else entry.name
            try:
                if entry.is_dir():
                    if not entry.is_symlink():
                        todo.append((entry.path, relative))
                    continue
                info = entry.stat()
            except OSError:  # a broken link, or a file gone since the listing
                continue
            if stat.S_ISREG(info.st_mode):
                found.append((relative, entry.path, info))
    root = Path(raw_dir)
    return [(relative, root / relative, info) for relative, _path, info in sorted(found, key=lambda item: item[0])]


def dumps_in(raw_dir: Path, shown: Callable[[str], str]) -> tuple[list[Dump], list[BuildWarning]]:
    """The dumps in raw/ with their slugs, and a warning for each dump that could not have its own name."""
    dumps, warnings, _stats = dumps_found(raw_dir, shown)
    return dumps, warnings


def dumps_found(raw_dir: Path, shown: Callable[[str], str], assign: Callable[[list[str]], Assigned] = assign_slugs,
                ) -> tuple[list[Dump], list[BuildWarning], Stats]:
    """The dumps in raw/ with their slugs, a warning for each dump that could not have its own name, and the
    stat discovery found each dump's path with.  ``assign``: :func:`assign_slugs` (the build keeps its result
    between builds: ~0.1 s at 10k dumps, most of a no-op build's discovery after the stats).

    Slugs are settled over everything discovered (published or not), so a slug does not move when
    another dump starts or stops being rejected."""
    found = _found(raw_dir)
    assigned = assign([rel for rel, _path, _info in found])
    dumps = [Dump(path, rel, RawPath(printable_path(rel)), assigned[rel][0]) for rel, path, _info in found]
    warnings = [BuildWarning(shown(printable_path(rel)), "slug-taken", note)
                for rel, (_, note) in sorted(assigned.items()) if note]
    return dumps, warnings, {path: info for _rel, path, info in found}
