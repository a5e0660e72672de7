"""An index whose pages and output are what the last index left: nothing to do (issue 15's no-op floor).

A re-index with nothing changed used to key every page (cheap: by its stat), then shard, key and check
every shard, check each bundle, rewrite the filters file's check, prune the caches, write the page record
(~2 MB at 10k articles) again and count every file of the bundle: ~1 s at 10k articles besides the walk.
Now a finished index records, in the search cache, its parameters (the code version, the output folder, the
docs folder, the shard and chunk sizes), its figures and the stat of its output's entry files and filters
file; the next run, when every page has the stat the page record holds (``pagekeys.page_stat``: the HTML
file and, for an entity page, its Markdown), no page was added or removed and the output is as recorded,
returns those figures with nothing built, merged, pruned or written.  The output check is the bundles'
(``tiers.write_bundles`` trusts a bundle whose entry file is the one it wrote): a removed or rewritten
bundle, entry or filters file makes the run go through as before.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

from build_tools.filestat import signature, young
from build_tools.search import pagekeys
from build_tools.search.tiers import ENTRY

RECORD = "unchanged.json"
FACETS = "facets.json"


def _stat(path: Path) -> str | None:
    try:
        return signature(os.stat(path))
    except OSError:
        return None


def output_signature(out: Path, asset_dir: Path) -> list | None:
    """The names in the output folder and the stat of its entry file, each bundle's and the filters file."""
    try:
        names = sorted(os.listdir(out))
    except OSError:
        return None
    files = [out / ENTRY, *(out / name / ENTRY for name in names if name != ENTRY), asset_dir / FACETS]
    return [names, [_stat(f) for f in files]]


def pages_as_known(files: list[tuple[str, str]], docs_dir: Path | None, known: pagekeys.Known) -> bool:
    """Every candidate page has the stat the page record holds, and the record names no other page."""
    if len(files) != len(known):
        return False
    for rel, path in files:
        entry = known.get(rel)
        if not isinstance(entry, dict) or entry.get("stat") != pagekeys.page_stat(rel, path, docs_dir):
            return False
    return True


def replay(cache: Path, parameters: dict, files: list[tuple[str, str]], docs_dir: Path | None,
           known: pagekeys.Known, out: Path, asset_dir: Path) -> dict | None:
    """The last index's figures when its parameters, pages and output are these; else None (and the record is
    dropped: from here until this run finishes, the next one knows nothing)."""
    try:
        last = json.loads((cache / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if (isinstance(last, dict) and last.get("parameters") == parameters
            and last.get("output") == output_signature(out, asset_dir) and pages_as_known(files, docs_dir, known)):
        return last.get("stats")
    forget(cache)
    return None


def forget(cache: Path) -> None:
    with contextlib.suppress(OSError):
        (cache / RECORD).unlink()


def record(cache: Path, parameters: dict, stats: dict, out: Path, asset_dir: Path) -> None:
    """Remember this finished index: its parameters, figures and output."""
    temporary = cache / f".{RECORD}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps({"parameters": parameters, "stats": stats,
                                     "output": output_signature(out, asset_dir)}), encoding="utf-8")
    os.replace(temporary, cache / RECORD)


LISTING = "listing.json"


def walk(top: Path, skip: set[str], cache: Path | None) -> Iterator[tuple[str, str, list[str]]]:
    """(folder path, folder inside ``top``, its file names sorted) of ``top`` and every folder under it, top
    down, sub-folders in name order, the names in ``skip`` left out at the top: what ``os.walk`` with sorted
    names gives (a linked folder is not entered, a folder that cannot be read yields nothing).

    A folder's names are listed again only when its stat differs from the one recorded with them in
    ``cache`` (adding, removing or renaming an entry changes its folder's mtime, as git's untracked cache
    relies on): the site has a folder per page, and a listing costs ~5 stats' time.  A folder changed within
    ``RACY_SECONDS`` of being listed is not recorded (``filestat.young``)."""
    record_file = cache / LISTING if cache is not None else None
    try:
        known = json.loads(record_file.read_text(encoding="utf-8")) if record_file else {}
    except (OSError, ValueError):
        known = {}
    known = known if isinstance(known, dict) else {}
    seen: dict[str, list] = {}
    now = time.time_ns()
    todo = [(str(top), "")]
    while todo:
        folder, inside = todo.pop()
        try:
            info = os.stat(folder)
        except OSError:
            continue
        stat_key = signature(info)
        entry = known.get(inside)
        if isinstance(entry, list) and len(entry) == 3 and entry[0] == stat_key:
            folders, files = entry[1], entry[2]
        else:
            folders, files = _listed(folder)
        if not young(info, now):  # a second change within its timestamp's tick would keep its stat
            seen[inside] = [stat_key, folders, files]
        if not inside:
            folders = [name for name in folders if name not in skip]
        yield folder, inside, files
        todo.extend((os.path.join(folder, name), f"{inside}/{name}" if inside else name) for name in reversed(folders))
    if record_file is not None and seen != known:
        with contextlib.suppress(OSError):
            temporary = record_file.with_name(f".{LISTING}.{os.getpid()}.tmp")
            temporary.write_text(json.dumps(seen, separators=(",", ":")), encoding="utf-8")
            os.replace(temporary, record_file)


def _listed(folder: str) -> tuple[list[str], list[str]]:
    """(sub-folders to enter, other names), each sorted: as ``os.walk`` tells them apart."""
    folders, files = [], []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if not is_dir:
                    files.append(entry.name)
                elif not entry.is_symlink():
                    folders.append(entry.name)
    except OSError:
        pass
    return sorted(folders), sorted(files)
