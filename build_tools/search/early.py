"""What the merges will need of the last ones, read while the new shards are built (session 29).

Why: a change at 10k builds one shard, in this process (shards.build_shards: no worker for one), and its
Pagefind run (~0.3-0.45 s) leaves this process waiting.  Each bundle to merge again is known before the build
(its shards are keyed by their pages' content: indexer.py), and so is what a splice reads of its last merge:
the kept stream (splice.load) and the entries of the shards it no longer lists (tiers._side).  So a thread
reads those while the shard is built, and tiers.write_bundles takes them (``early``).  Only for one shard built
in this process: with workers (forked), no other thread runs beside the fork.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from build_tools.search import splice, tiers


def read(keys: list[str], kinds: list[bool], store: Path, out: Path, cache: Path, code: str, chunk_units: int,
         width: int) -> dict:
    """{bundle name: (its kept stream, (shards no longer listed, their entries or None))} of each bundle to merge
    again (tiers.stale), as tiers._merge_one and tiers._spliced read them."""
    early = {}
    for role, part in tiers.plan(kinds):
        name = tiers.bundle_name(code, role, chunk_units)
        shard_keys = [keys[i] for g in part for i in g]
        if not tiers.stale(tiers._record(cache, name, out), shard_keys, width, out / name):
            continue
        kept = splice.load(cache / tiers.STREAMS / f"{name}.pkl")
        if kept is None:
            continue
        now = set(shard_keys)
        gone = [k for k in kept.shards if k not in now]
        entries = None
        if len(gone) <= splice.MAX_SHARDS and all((store / k).is_dir() for k in gone):
            try:
                entries = tiers._side(gone, kept.pages, kept.slots, kept.fields, store)
            except (splice.Unspliceable, OSError, KeyError):
                entries = None
        early[name] = (kept, (gone, entries))
    return early


def beside(build, todo: list, reading) -> dict:
    """``build()`` (the shards ``todo``) and, when it is one shard, ``reading()`` in this thread meanwhile;
    returns what ``reading`` read ({} when it did not run)."""
    if len(todo) != 1:
        build()
        return {}
    with ThreadPoolExecutor(1) as pool:
        built = pool.submit(build)
        try:
            return reading()
        finally:
            built.result()
