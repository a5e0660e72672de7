"""The search index's shards: a few dozen pages each, run through Pagefind and kept in the search cache.

A shard's Pagefind output and its parsed word list (pages renumbered in their slots' order: pageorder.py) are
kept under ``.cache/search/shards/<key>`` (the key: its pages' paths and content keys, pagekeys.shard_key), so
a re-index runs Pagefind only for shards whose pages say something new.  Shards that must be built run in
worker processes (two on this machine), each with one Pagefind service for its batch.

Why a module of its own: what a shard holds depends on this code and the modules in SHARD_CODE only, so a
change to how the index is planned, merged or kept (indexer.py, tiers.py, splice.py…) re-merges the bundles
without running Pagefind on every page again (a cold index at 10k articles: ~3 min).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import pickle
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from build_tools.memory import gc_paused
from build_tools.search.bundle import rewrite_fragments
from build_tools.search.extract import Page
from build_tools.search.normalize import warm
from build_tools.search.pagecache import processed
from build_tools.search.pageorder import order_key
from build_tools.search.phrases import converters
from build_tools.search.segments import reordered, shard_segments
from build_tools.search.service import index_shard, launch

# What a shard (and a page's extraction: its page key) is made by: these modules (and Pagefind, OpenCC, cbor2:
# indexer._code_version).  pagekeys.py groups the pages into shards; pageorder.py orders a shard's pages.
SHARD_CODE = ("shards.py", "extract.py", "normalize.py", "phrases.py", "service.py", "bundle.py", "segments.py",
              "pagekeys.py", "pagecache.py", "pageorder.py")


def _build_batch(batch: list[tuple[str, list]], docs_dir: Path | None, store: Path, page_cache: Path | None) -> None:
    """Build several shards in turn with one Pagefind service (each shard an index of its own in it)."""
    with asyncio.Runner() as runner:
        service = runner.run(launch())
        try:
            for key, items in batch:
                _build_shard(key, items, docs_dir, store, page_cache,
                             lambda u, r, o: runner.run(index_shard(u, r, o, service)))  # fmt: skip
        finally:
            runner.run(service.close())


def _build_shard(
    key: str, items: list[tuple[str, str, str]], docs_dir: Path | None, store: Path, page_cache: Path | None,
    index: Callable[[list[str], list[str], Path], float],
) -> dict:
    """Extract/tokenise ``items``, run Pagefind on them, keep bundle + parsed word list in ``store/key``.

    Runs in a worker process. Returns the shard's manifest.
    """
    pages: list[Page] = []
    records: list[str] = []
    kinds: dict[str, int] = {}
    skipped = extracted = 0
    t0 = time.perf_counter()
    for rel, path, pkey in items:
        (page, rec), fresh = processed(rel, path, pkey, docs_dir, page_cache)
        extracted += fresh
        if page is None:
            skipped += 1
            continue
        kinds[page.kind] = kinds.get(page.kind, 0) + 1
        pages.append(page)
        records.append(rec)
    final = store / key
    tmp = store / f".tmp-{key}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    bundle = tmp / "bundle"
    t1 = time.perf_counter()
    peak = index([p.url for p in pages], records, bundle)  # returns once the bundle checks
    t2 = time.perf_counter()
    url_of = rewrite_fragments(bundle, {p.url: p.text for p in pages})
    with gc_paused():
        meta, segs = shard_segments(bundle)
        # pages in their slots' order (slots.order_key: by day, so ties rank newest first; and the merge
        # never interleaves two shards)
        date_of = {p.url: (p.date if p.kind == "article" else "") for p in pages}
        urls = [url_of[frag] for frag, _wc in meta[1]]
        order = sorted(range(len(urls)), key=lambda i: order_key(urls[i], date_of.get(urls[i]) or ""))
        meta, segs = reordered(meta, segs, order)
        # what the bundles' stable page numbers are made of (slots.py), in page order
        urls = [urls[i] for i in order]
        dates = [date_of.get(u, "") for u in urls]
        frags = [frag for frag, _wc in meta[1]]
        counts = [wc for _frag, wc in meta[1]]
        (tmp / "segments.pkl").write_bytes(pickle.dumps((meta, segs), protocol=pickle.HIGHEST_PROTOCOL))
        del segs
    manifest = {"pages": len(pages), "kinds": kinds, "skipped": skipped, "extracted": extracted, "urls": urls,
                "dates": dates, "frags": frags,
                "counts": counts, "fields": meta[5] if len(meta) > 5 else [], "version": meta[0],
                "pagefind_peak_mb": round(peak, 1), "seconds_extract": round(t1 - t0, 2),
                "seconds_pagefind": round(t2 - t1, 2), "seconds_parse": round(time.perf_counter() - t2, 2)}  # fmt: skip
    (tmp / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    return manifest


def load_manifest(d: Path) -> dict | None:
    try:
        m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return m if (d / "segments.pkl").is_file() and (d / "bundle" / "pagefind-entry.json").is_file() else None




def build_shards(todo: list[tuple[str, list]], docs_dir: Path | None, store: Path, page_cache: Path | None,
                  jobs: int) -> None:
    """Build the shards not in the cache, on ``jobs`` worker processes when there are several (a batch of
    every jobs-th shard each, one Pagefind service a batch)."""
    if not todo:
        return
    n = min(jobs, len(todo))
    if n > 1:
        ctx = multiprocessing.get_context("fork")
        warm()  # tables built once, inherited by the workers
        converters()
        with ProcessPoolExecutor(n, mp_context=ctx) as pool:
            futures = [pool.submit(_build_batch, todo[i::n], docs_dir, store, page_cache) for i in range(n)]
            for f in futures:
                f.result()
    else:
        _build_batch(todo, docs_dir, store, page_cache)
