"""Whether a one-shot site step (``python -m build_tools.site``) may tell the index what its render wrote.

The preview keeps the fact in memory (serve/update.py): its last index saw the site as its last render left it.
A one-shot process cannot, so the fact is kept as a mark in the search cache: the render's records as they were
(their stat) once the last index of this site finished.  The next run reads the mark and drops it *before* it
renders (so a render or an index that fails, or is interrupted, leaves no mark behind), and trusts the render's
list of written pages only when the render's records are still the ones marked: no render ran since without an
index (``--no-search``), none failed, the index cache was not made for another site.  Then the index need not walk
site/ and stat every page (10k articles: ~0.9 s of a change's ~1.1 s).

What the render itself trusts is trusted no further: that nothing but the render writes site/ (the render does not
look at its outputs either).  A full render, a removed page or an HTML file copied from docs/ (pages the render's
list does not name as indexable pages) walk, as in the preview.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

MARK = "render-seen.json"


def default_cache(site_dir: Path) -> Path:
    """The index's cache when none is given (``index_site``'s default): beside the site, under .cache/search."""
    return Path(site_dir).resolve().parent / ".cache" / "search"


def records_stat(state_dir: Path) -> list[list] | None:
    """The stat of each of the render's record files (top level of its state folder, by name); None if unreadable."""
    try:
        with os.scandir(state_dir) as entries:
            found = [[e.name, *_stat(e)] for e in entries if e.is_file(follow_symlinks=False)]
    except OSError:
        return None
    return sorted(found)


def _stat(entry: os.DirEntry) -> list[int]:
    info = entry.stat(follow_symlinks=False)
    return [info.st_ino, info.st_size, info.st_mtime_ns]


def take(site_dir: Path, state_dir: Path) -> bool:
    """Before the render: whether the last index of ``site_dir`` saw the site as the render's records say; the
    mark is dropped either way (this run marks again only once its index finished)."""
    mark = default_cache(site_dir) / MARK
    try:
        kept = json.loads(mark.read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing or damaged: not trusted
        return False
    finally:
        with contextlib.suppress(OSError):
            mark.unlink()
    now = records_stat(state_dir)
    return (isinstance(kept, dict) and now is not None and kept.get("site") == str(Path(site_dir).resolve())
            and kept.get("records") == now)


def told_pages(trusted: bool, full: bool, removed: list[str], changed: list[str], pages: list[str]) -> list[str] | None:
    """The render's written pages to tell the index (``index_site(changed=…)``), or None: walk the site."""
    if not trusted or full or removed or any(rel.endswith((".html", ".htm")) for rel in changed):
        return None
    return pages


def mark(site_dir: Path, state_dir: Path) -> None:
    """After an index that finished: the render's records as they are now, the state the index saw the site in."""
    now = records_stat(state_dir)
    if now is None:
        return
    path = default_cache(site_dir) / MARK
    temporary = path.with_name(path.name + ".tmp")
    with contextlib.suppress(OSError):
        temporary.write_text(json.dumps({"site": str(Path(site_dir).resolve()), "records": now}), encoding="utf-8")
        os.replace(temporary, path)
