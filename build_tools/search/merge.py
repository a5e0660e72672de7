"""Merge shard bundles into ONE Pagefind bundle (a k-way merge over the shards' sorted word lists).

Why shards at all: see bundle.py.  The merge works on the shards' segments (segments.py): a shard's
page entries are copied byte for byte, only the first page number of each shard's part of a word's
page list is rewritten.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
from bisect import bisect_left
from itertools import accumulate, groupby
from operator import itemgetter
from pathlib import Path

import cbor2

from build_tools.search.bundle import b36, range_file, run_file, write_pf
from build_tools.search.segments import cbor_head, cbor_text, remapped, shard_segments

# An index chunk is closed once it holds this many (location + 1) units. Pagefind uses 20,000; a query
# reads one chunk per token and bundle, so a small chunk is a cheap token (~3.5 kB gzip at 2,500 against
# ~13 kB at 10,000, 5,000 articles), and since the chunk ranges are read by block (RANGE_BLOCK) more
# chunks cost a first query little: 57 queries at 5,000 articles, median 123 -> 90 kB, max 351 -> 288 kB.
CHUNK_UNITS = 2500
# gzip level of the merged index chunks.  Every change to the site re-merges (and so re-compresses) every
# chunk, so this is part of the cost of each edit, not only of a cold build: 5 costs half the CPU of 7 for
# 2.8 % more index bytes (1k articles, one run: 3.7 s against 7.2 s, 3.60 MB against 3.50 MB; 9: 9.5 s,
# 3.47 MB), about 1 KiB more for a first query.
CHUNK_GZIP_LEVEL = 5
# The chunks' word ranges are read in blocks of RANGE_BLOCK: the meta holds each block's first and last
# word, a block file (``range_file``) its chunks' ranges, fetched for the tokens a query looks up. Why:
# every chunk's range in the meta cost ~7 bytes gzip a chunk on every first query, which kept chunks big
# (a query reads a whole chunk per token); with blocks a chunk can be small.
RANGE_BLOCK = 64
# A bundle of at most RANGE_INLINE chunks (the entities', the recent articles') keeps every range in its
# meta (~3.5 kB gzip at most): one request less per token, and a first query is mostly requests in flight.
RANGE_INLINE = 512
# A word is split when its list holds more than SPLIT_CHUNKS chunks' worth of units, in runs of about
# RUN_CHUNKS chunks: each split word costs the meta ~3 bytes gzip (its name and width), so only the few
# hundred heaviest words are worth it (at 5,000 articles: 476 words over 10,000 units, 3,064 over 2,500).
SPLIT_CHUNKS = 4
RUN_CHUNKS = 4
# A word whose page list alone would fill several chunks (的, ai, the gap after a comma: on nearly every
# page, every position) is not in the chunks: it is written in runs of ``width`` pages (page // width), each
# a one-word chunk file of its own (``run_file``: the word's place in the meta's list of split words, the
# run's number), every run written even when empty, its page numbers counted from 0; the meta lists each
# split word with its width. Why: a query reads one chunk per token, and a frequent token's was 60-180 kB at
# 5,000 articles; a phrase that also holds a rarer token needs the frequent one only on the pages the rare
# one is on (search.js), so only the runs holding those pages are read.


def _hash(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _shift_pages(pages: list, offset: int) -> list:
    """Delta-coded page list of a shard -> absolute page numbers of the merged bundle."""
    out = []
    acc = 0
    for page in pages:
        acc += page[0]
        out.append([acc + offset, *page[1:]])
    return out


def _delta_encode(pages: list) -> list:
    prev = 0
    for page in pages:
        page[0], prev = page[0] - prev, page[0]
    return pages


def _prefixes(a: str, b: str) -> tuple[str, str]:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[: n + 1], b[: n + 1]


def _write_chunks(jobs: list[tuple[Path, bytes]], threads: int) -> None:
    """gzip + write index chunks; zlib releases the GIL, so threads use both cores."""
    if threads <= 1 or len(jobs) < 8:
        for path, payload in jobs:
            write_pf(path, payload, CHUNK_GZIP_LEVEL)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        for _ in pool.map(lambda j: write_pf(*j, CHUNK_GZIP_LEVEL), jobs, chunksize=16):
            pass


def merge_bundles(
    shards: list[Path],
    out: Path,
    language: str,
    chunk_units: int = CHUNK_UNITS,
    segments: list[tuple[list, list]] | None = None,
    threads: int = 1,
) -> dict:
    """Merge shard bundles (same Pagefind version and language) into ``out``.

    ``segments``: each shard's ``shard_segments()`` if already at hand (cached).
    """
    if out.exists():
        shutil.rmtree(out)
    first = shards[0]
    shutil.copytree(first, out, ignore=shutil.ignore_patterns("index", "fragment", "*.pf_meta"))
    (out / "index").mkdir()
    (out / "fragment").mkdir()
    if segments is None:
        segments = [shard_segments(s) for s in shards]
    metas = [m for m, _ in segments]
    fields = _fields(metas)
    # File names: one build id (a hash of every shard's meta, so of all content) plus a
    # sequence number. The meta lists every page's and every chunk's name, and random
    # content hashes do not compress: sequential names make the meta the browser loads
    # first ~25 % smaller at 5,000 pages, and the build id keeps names of different
    # builds apart for caches. The meta file itself stays content-addressed.
    build = _hash(b"".join(cbor2.dumps(m) for m in metas) + str(chunk_units).encode())[:6]
    pages, offsets = _copy_fragments(shards, metas, out, f"{language}_{build}")
    chunks = _Chunks(out / "index", f"{language}_{build}", chunk_units, len(pages))
    for word, group in _merged_words(segments, offsets, fields):
        chunks.add(word, group)
    chunks.flush()
    _write_chunks(chunks.writes, threads)
    ranges = chunks.ranges
    for i in range(len(ranges) - 1):
        ranges[i][1], ranges[i + 1][0] = _prefixes(ranges[i][1], ranges[i + 1][0])
    prefix = f"{language}_{build}"
    per_block = RANGE_BLOCK if len(ranges) > RANGE_INLINE else 0  # 0: every range in the meta
    blocks = [[r[:2] for r in ranges[k : k + RANGE_BLOCK]] for k in range(0, len(ranges), RANGE_BLOCK)]
    for b, block in enumerate(blocks if per_block else []):
        write_pf(out / "index" / f"{range_file(prefix, b)}.pf_index", cbor2.dumps(block), CHUNK_GZIP_LEVEL)
    # Not listed: the files' names (prefix + sequence number: page_files, chunk_files), a third of the meta
    # the browser loads before its first result (54 -> 31 kB gzip at 5,000 articles), and the chunks' word
    # ranges but each block's first and last word (the rest: 18 kB gzip at 5,000 articles, and it grows
    # with the archive).
    ext = {"p": prefix, "s": chunks.split, "c": len(ranges), "b": per_block}
    top = [[block[0][0], block[-1][1]] for block in blocks] if per_block else [r[:2] for r in ranges]
    payload = cbor2.dumps([metas[0][0], [wc for _name, wc in pages], top, [], [], fields, ext])
    meta_hash = f"{language}_{_hash(payload)[: len(language) + 8]}"
    write_pf(out / f"pagefind.{meta_hash}.pf_meta", payload)
    entry = json.loads((first / "pagefind-entry.json").read_text(encoding="utf-8"))
    entry["languages"] = {language: {"hash": meta_hash, "wasm": language, "page_count": len(pages)}}
    (out / "pagefind-entry.json").write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
    return {"pages": len(pages), "words": chunks.words, "chunks": len(ranges), "shards": len(shards)}


def _fields(metas: list[list]) -> list[str]:
    """Every meta field of the shards, sorted: the merged bundle's field numbers."""
    fields: list[str] = []
    for m in metas:
        for f in m[5] if len(m) > 5 else []:
            if f not in fields:
                fields.append(f)
    return sorted(fields)


def _copy_fragments(shards: list[Path], metas: list[list], out: Path, prefix: str) -> tuple[list[list], list[int]]:
    """Copy every shard's fragments under sequential names: the merged page list, and each
    shard's first page number in it."""
    pages: list[list] = []
    offsets = []
    for shard, m in zip(shards, metas, strict=True):
        offsets.append(len(pages))
        if m[3] or m[4]:
            raise ValueError("merging Pagefind filters/sorts is not supported")
        for frag_hash, word_count in m[1]:
            name = f"{prefix}{b36(len(pages))}"
            link_or_copy(shard / "fragment" / f"{frag_hash}.pf_fragment", out / "fragment" / f"{name}.pf_fragment")
            pages.append([name, word_count])
    return pages, offsets


def link_or_copy(source: Path, target: Path) -> None:
    """A fragment goes over unchanged: a hard link to the cached shard's file (no bytes written; the
    shard cache replaces a shard's folder, never a file in it), or a copy across file systems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _merged_words(segments: list[tuple[list, list]], offsets: list[int], fields: list[str]):
    """(word, [(shard's first page, segment)]) for every word of every shard, in word order."""
    streams = []
    for k, ((m, segs), off) in enumerate(zip(segments, offsets, strict=True)):
        field_map = [fields.index(f) for f in (m[5] if len(m) > 5 else [])]
        if field_map != list(range(len(field_map))):
            segs = [remapped(s, field_map) if s[8] else s for s in segs]
        streams.append([(s[0], k, off, s) for s in segs])
    # (word, shard) is unique, so plain tuple order never compares further; one sort of every item (C) is
    # faster than a k-way heapq.merge (a Python generator) over ~10^6 of them
    merged = sorted(item for stream in streams for item in stream)
    for word, items in groupby(merged, key=itemgetter(0)):
        yield word, [(off, seg) for _w, _k, off, seg in items]


class _Chunks:
    """The merged index chunks being written: words are added in order, a chunk is closed by ``flush``."""

    def __init__(self, index_dir: Path, prefix: str, limit: int, pages: int) -> None:
        self.index_dir, self.prefix, self.limit, self.pages = index_dir, prefix, limit, pages
        self.split: list[list] = []  # [word, run width in pages] per split word
        self.ranges: list[list[str]] = []  # [first word, last word, chunk name] per chunk
        self.writes: list[tuple[Path, bytes]] = []
        self.entries: list[bytes] = []
        self.entry_words: list[str] = []
        self.units = 0  # of the open chunk
        self.words = 0

    def add(self, word: str, group: list[tuple]) -> None:
        entry, units = _word_entry(word, group)
        self.words += 1
        if units <= SPLIT_CHUNKS * self.limit:
            self._append(word, entry, units)
            if self.units >= self.limit:
                self.flush()
            return
        width = max(1, math.ceil(self.pages * RUN_CHUNKS * self.limit / units))
        for k, lists in enumerate(split_entry(entry, width, math.ceil(self.pages / width))):
            name = run_file(self.prefix, len(self.split), k)
            self.writes.append((self.index_dir / f"{name}.pf_index", b"\x81\x81\x83" + cbor_text(word) + lists))
        self.split.append([word, width])

    def _append(self, word: str, entry: bytes, units: int) -> None:
        self.entries.append(entry)
        self.entry_words.append(word)
        self.units += units

    def flush(self) -> None:
        if not self.entries:
            return
        payload = b"\x81" + cbor_head(4, len(self.entries)) + b"".join(self.entries)
        name = f"{self.prefix}{b36(len(self.ranges))}"
        self.writes.append((self.index_dir / f"{name}.pf_index", payload))
        self.ranges.append([self.entry_words[0], self.entry_words[-1], name])
        self.entries, self.entry_words, self.units = [], [], 0


def split_entry(entry: bytes, width: int, runs: int) -> list[bytes]:
    """A word's entry cut into ``runs`` runs of ``width`` pages (page // width): each run's page list and
    variants as CBOR, page numbers delta-coded from 0 (an empty run: two empty lists).

    Why slices: a run's entries keep their deltas but the first (its absolute page), so the list is cut where
    the running page number crosses a run's end (bisect over the accumulated deltas) and each slice encoded
    whole; decoding every entry into (page, kind) rows and sorting them took a third of a 10k re-merge."""
    _word, pages, variants = cbor2.loads(entry)
    if variants:
        return _split_variants(pages, variants, width, runs)
    at = list(accumulate(p[0] for p in pages))
    out = []
    start = 0
    for k in range(runs):
        end = bisect_left(at, (k + 1) * width, start)
        run = pages[start:end]
        if run:
            run[0] = [at[start], *run[0][1:]]
        out.append(cbor2.dumps(run) + b"\x80")
        start = end
    return out


def _split_variants(pages: list, variants: list, width: int, runs: int) -> list[bytes]:
    """split_entry of a word with variant forms (stemmed words: none in our ``en`` index of tokens)."""
    rows: list[list[tuple]] = [[] for _ in range(runs)]  # (absolute page, -1 or the variant's index, entry)
    for kind, plist in [(-1, pages), *((i, v[1]) for i, v in enumerate(variants))]:
        acc = 0
        for p in plist:
            acc += p[0]
            rows[acc // width].append((acc, kind, p))
    out = []
    for run in rows:
        run.sort(key=lambda r: (r[0], r[1]))
        own = _delta_encode([[page, *p[1:]] for page, kind, p in run if kind < 0])
        forms = []
        for i, (form, _vp) in enumerate(variants):
            vp = [[page, *p[1:]] for page, kind, p in run if kind == i]
            if vp:
                forms.append([form, _delta_encode(vp)])
        out.append(cbor2.dumps(own) + cbor2.dumps(forms))
    return out


def _add_variants(variants: list, shard_variants: list, offset: int) -> None:
    """A shard's variant forms of a word (stemmed: "cafe" <- "café") added to the merged ones, its page numbers
    shifted by the shard's first page."""
    for form, vpages in shard_variants:
        shifted = _shift_pages(vpages, offset)
        for v in variants:
            if v[0] == form:
                v[1].extend(shifted)
                break
        else:
            variants.append([form, shifted])


def _word_entry(word: str, group: list[tuple]) -> tuple[bytes, int]:
    """One word's entry in the merged index (its page lists appended, shard by shard), and its units."""
    parts = []
    n = 0
    prev = 0
    units = 0
    variants: list = []
    for off, seg in group:
        _w, sn, first_abs, first_head, first_tail, rest, last, su, _m, svar = seg
        if sn:  # a word can have variants only (stemmed: "cafe" <- "café")
            parts.append(first_head + cbor_head(0, off + first_abs - prev) + first_tail + rest)
            prev = off + last
        n += sn
        units += su
        _add_variants(variants, svar, off)
    for v in variants:
        _delta_encode(v[1])
    return b"\x83" + cbor_text(word) + cbor_head(4, n) + b"".join(parts) + cbor2.dumps(variants), units


def joined_segments(segments: list[tuple[list, list]]) -> tuple[list, list]:
    """Several shards' (meta, segments) as the (meta, segments) of one shard holding all their pages, in order.

    Why: a bundle merged from a few joined groups instead of from their many small shards does the per-word
    work once per group (tiers.py keeps each group's join), and its bytes are the same: a joined word's page
    list is exactly the bytes ``_word_entry`` writes for those shards."""
    metas = [m for m, _ in segments]
    fields = _fields(metas)
    pages: list[list] = []
    offsets = []
    for m in metas:
        offsets.append(len(pages))
        pages.extend(m[1])
    joined = [_joined(word, group) for word, group in _merged_words(segments, offsets, fields)]
    return [metas[0][0], pages, [], [], [], fields], joined


def _joined(word: str, group: list[tuple]) -> tuple:
    if len(group) == 1 and group[0][1][1] and not group[0][1][9]:
        # a word of one shard only (most of them): its entries as they are, page numbers moved by the offset
        off, (_w, sn, first_abs, first_head, first_tail, seg_rest, last, su, m, _v) = group[0]
        return (word, sn, off + first_abs, first_head, first_tail, seg_rest, off + last, su, m, [])
    first: tuple | None = None
    rest: list[bytes] = []
    n = prev = units = 0
    has_meta = False
    variants: list = []
    for off, seg in group:
        _w, sn, first_abs, first_head, first_tail, seg_rest, last, su, m, svar = seg
        if sn:
            if first is None:
                first = (off + first_abs, first_head, first_tail)
                rest.append(seg_rest)
            else:
                rest.append(first_head + cbor_head(0, off + first_abs - prev) + first_tail + seg_rest)
            prev = off + last
        n += sn
        units += su
        has_meta = has_meta or m
        _add_variants(variants, svar, off)
    for v in variants:
        _delta_encode(v[1])
    first_abs, first_head, first_tail = first or (0, b"", b"")
    return (word, n, first_abs, first_head, first_tail, b"".join(rest), prev, units, has_meta, variants)
