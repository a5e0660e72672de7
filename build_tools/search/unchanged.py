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
from pathlib import Path

from build_tools.search import pagekeys
from build_tools.search.tiers import ENTRY

RECORD = "unchanged.json"
FACETS = "facets.json"


def _stat(path: Path) -> list[int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return [info.st_size, info.st_mtime_ns, info.st_ino]


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
