"""Whether a one-shot site step (``python -m build_tools.site``) may tell the index what its render wrote.

The preview keeps the fact in memory (serve/update.py): its last index saw the site as its last render left it.
A one-shot process cannot, so the fact is kept as a mark in the search cache: the render's records as they were
(their stat) once the last index of this site finished.  The next run reads the mark and drops it *before* it
renders (so a render or an index that fails, or is interrupted, leaves no mark behind), and trusts the render's
list of written pages only when the render's records are still the ones marked: no render ran since without an
index (``--no-search``), none failed, the index cache was not made for another site.  Then the index need not walk
site/ and stat every page (10k articles: ~0.9 s of a change's ~1.1 s).

What the render itself trusts is trusted no further: that nothing but the render writes site/ (the render does not
look at its outputs either).  A full render walks.  The render's list names the pages it wrote, not those it
removed: the places a removed docs/ file's output may have been are told beside it (and HTML files copied from docs/).
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
    """The site files to tell the index (``index_site(changed=…)``): the render's written pages, every place a
    removed docs/ file's page may have been, and HTML files copied from docs/; None (walk the site) when not
    ``trusted`` or after a full render.  A superset is safe: the index looks at each told file (there or not)."""
    if not trusted or full:
        return None
    gone = [place for rel in removed for place in output_places(rel)]
    copied = [rel for rel in changed if rel.endswith((".html", ".htm"))]
    return sorted({*pages, *gone, *copied})


MARKDOWN = (".md", ".markdown", ".mdown", ".mkdn", ".mkd")  # MkDocs' Markdown suffixes


def output_places(rel: str) -> list[str]:
    """Every place MkDocs may have written a docs/ file's output, whichever its settings (a superset): the file
    itself (copied), and for a page ``a/b.md`` ``a/b/index.html`` and ``a/b.html``, and ``a/index.html`` when its
    name is index or README (any case)."""
    stem, dot, suffix = rel.rpartition(".")
    if not dot or f".{suffix.lower()}" not in MARKDOWN:
        return [rel]
    folder, _slash, name = stem.rpartition("/")
    places = [rel, f"{stem}/index.html", f"{stem}.html"]
    if name.lower() in ("index", "readme"):
        places.append(f"{folder}/index.html" if folder else "index.html")
    return places


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
