"""Discover: every dump under raw/, its identity, and its slug, assigned once over the whole archive."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from build_tools.archive.slugs import assign_slugs
from build_tools.model.paths import Dump, RawPath, printable_path, relative_path
from build_tools.model.records import BuildWarning


def discover(raw_dir: Path) -> list[Path]:
    """Every regular file under raw/ (or link to one), sorted, hidden files and folders skipped."""
    found = []
    for folder, dirs, files in os.walk(raw_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(os.path.join(folder, name) for name in files if not name.startswith("."))
    root = Path(raw_dir)
    paths = [root / os.path.relpath(f, raw_dir) for f in found if os.path.isfile(f)]
    return sorted(paths, key=lambda p: relative_path(p, root))


def dumps_in(raw_dir: Path, shown: Callable[[str], str]) -> tuple[list[Dump], list[BuildWarning]]:
    """The dumps in raw/ with their slugs, and a warning for each dump that could not have its own name.

    Slugs are settled over everything discovered (published or not), so a slug does not move when
    another dump starts or stops being rejected."""
    paths = discover(raw_dir)
    relative = [relative_path(path, raw_dir) for path in paths]
    assigned = assign_slugs(relative)
    dumps = [Dump(path, rel, RawPath(printable_path(rel)), assigned[rel][0])
             for path, rel in zip(paths, relative, strict=True)]
    warnings = [BuildWarning(shown(printable_path(rel)), "slug-taken", note)
                for rel, (_, note) in sorted(assigned.items()) if note]
    return dumps, warnings
