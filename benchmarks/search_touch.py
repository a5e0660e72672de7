"""How much of the `old` search bundle one change touches, and what stable page numbers would cost (issue 15).

Reads a built site's merged `old` bundle and the search cache beside it (never writes): for a few shards,
how many of the bundle's chunks hold the words of one page and of the whole shard (what a re-merge must
rewrite when that page's or that shard's page numbers move), and, over a sample of words, the page-delta
bytes of the kept joins' page lists numbered densely (as now) against gapped, stable numbers (64 a shard,
a page at the slot of a hash of its fragment; shards cut as tiers cut them). docs/dev/scaling-history.md, "The old
bundle without a re-merge (session 22)".

    python -m benchmarks.search_touch --site /tmp/p10k/site [--words 1500] [--shards 3]
"""

from __future__ import annotations

import argparse
import bisect
import gc
import hashlib
import json
import pickle
import random
from pathlib import Path

import cbor2

from build_tools.search.bundle import meta_file, range_files, read_pf
from build_tools.search.segments import cbor_head


def _old_bundle(site: Path) -> Path:
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    bundles = entry["languages"]["en"]["bundles"]
    return site / "pagefind" / max(bundles, key=lambda b: b["page_count"])["dir"]


def _chunk_starts(bundle: Path) -> tuple[list[str], set[str]]:
    """Every chunk's first word (from the range blocks), and the words kept in runs."""
    meta = cbor2.loads(read_pf(meta_file(bundle)))
    ranges = [r for f in range_files(meta) for r in cbor2.loads(read_pf(bundle / "index" / f"{f}.pf_index"))]
    ranges = ranges or meta[2]
    return [r[0] for r in ranges], {w for w, _width in meta[6]["s"]}


def touched(site: Path, cache: Path, shards: int) -> list[str]:
    starts, split = _chunk_starts(_old_bundle(site))

    def chunks(words: list[str]) -> int:
        return len({bisect.bisect_right(starts, w) - 1 for w in words if w not in split})

    lines = [f"old bundle: {len(starts)} chunks, {len(split)} frequent words in runs"]
    for shard in sorted((cache / "shards").iterdir())[5 : 5 + shards]:
        meta, segs = pickle.loads((shard / "segments.pkl").read_bytes())
        words = [s[0] for s in segs if s[1]]
        page = [s[0] for s in segs if s[1] and s[2] == 0]  # the words of the shard's first page
        lines.append(f"shard of {len(meta[1])} pages: {len(words)} words in {chunks(words)} chunks; its first "
                     f"page: {len(page)} words in {chunks(page)} chunks + {sum(w in split for w in page)} runs")
    return lines


def _h(text: str, salt: str) -> int:
    return int(hashlib.sha1((salt + text).encode()).hexdigest()[:8], 16)


def _int_bytes(v: int) -> int:
    return 1 if v < 24 else 2 if v < 256 else 3 if v < 65536 else 5


def _gapped(frags: list[str]) -> tuple[list[int], int]:
    """Stable numbers: shards cut like tiers' (a page whose hash is 0 mod 32, or 64 pages), 64 numbers each,
    a page at the slot of its hash (linear probing, pages in hash-name order)."""
    number = [0] * len(frags)
    base = 0
    shard: list[int] = []
    for i, frag in enumerate(frags):
        shard.append(i)
        if _h(frag, "cut") % 32 == 0 or len(shard) == 64 or i == len(frags) - 1:
            used: set[int] = set()
            for j in sorted(shard, key=lambda j: frags[j]):
                slot = _h(frags[j], "slot") % 64
                while slot in used:
                    slot = (slot + 1) % 64
                used.add(slot)
                number[j] = base + slot
            base += 64
            shard = []
    return number, base


def gap_cost(cache: Path, words: int) -> str:
    joins = [pickle.loads((g / "segments.pkl").read_bytes()) for g in sorted((cache / "groups").iterdir())]
    offsets, frags = [], []
    for meta, _segs in joins:
        offsets.append(len(frags))
        frags += [h for h, _wc in meta[1]]
    by_word = [{s[0]: s for s in segs} for _meta, segs in joins]
    sample = random.Random(1).sample(sorted({w for d in by_word for w in d}), words)
    number, space = _gapped(frags)
    raw = dense = gapped = entries = 0
    for word in sample:
        pages = []
        for off, d in zip(offsets, by_word, strict=True):
            s = d.get(word)
            if not s or not s[1]:
                continue
            first = cbor2.loads(s[3] + cbor_head(0, s[2]) + s[4])
            rest = cbor2.loads(cbor_head(4, s[1] - 1) + s[5]) if s[1] > 1 else []
            at = 0
            for e in [first, *rest]:
                at += e[0]
                pages.append(off + at)
            raw += len(s[3]) + _int_bytes(s[2]) + len(s[4]) + len(s[5])
        entries += len(pages)
        for numbers, out in ((sorted(pages), "dense"), (sorted(number[p] for p in pages), "gapped")):
            cost = sum(_int_bytes(b - a) for a, b in zip([0, *numbers], numbers, strict=False))
            dense, gapped = (dense + cost, gapped) if out == "dense" else (dense, gapped + cost)
    return (f"{len(frags)} pages in {space} stable numbers ({len(frags) / space:.0%} used); {words} words, {entries} "
            f"entries, {raw} raw bytes of page lists: page deltas {dense} B dense, {gapped} B gapped "
            f"(+{(gapped - dense) / raw:.1%} of the raw page lists)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--site", type=Path, required=True)
    ap.add_argument("--cache", type=Path, help="default: <site>/../.cache/search")
    ap.add_argument("--words", type=int, default=1500)
    ap.add_argument("--shards", type=int, default=3)
    args = ap.parse_args()
    cache = args.cache or args.site.parent / ".cache" / "search"
    gc.disable()  # ~10^6 small tuples unpickled at once (segments.gc_paused)
    for line in touched(args.site, cache, args.shards):
        print(line)
    print(gap_cost(cache, args.words))


if __name__ == "__main__":
    main()
