"""Shards' word lists merged into one bundle's word stream (every word, its whole entry, in word order).

Why shards at all: see bundle.py.  The merge works on the shards' segments (segments.py) with page numbers
already the bundle's slots (slots.py, ``in_slots``): a shard's page entries are copied byte for byte, only
the first page number of each shard's part of a word's page list is rewritten; where two shards' slots
interleave (the pages of one day cut between two shards), that word's entries are merged by slot.
layout.py turns the stream into files.
"""

from __future__ import annotations

import os
import pickle
import shutil
from operator import itemgetter
from pathlib import Path

import cbor2

from build_tools.search.segments import HEADS, cbor_head, cbor_text, entries_of, remapped, renumbered
from build_tools.search.slots import base36
from build_tools.search.writer import Tally, present

# An index chunk holds this many (location + 1) units on average (layout.cut_after). Pagefind uses 20,000; a
# query reads one chunk per token and bundle, so a small chunk is a cheap token (~3.5 kB gzip at 2,500 against
# ~13 kB at 10,000, 5,000 articles), and since the chunk ranges are read by block (layout.RANGE_BLOCK) more
# chunks cost a first query little: 57 queries at 5,000 articles, median 123 -> 90 kB, max 351 -> 288 kB.
# The gzip level of the chunks is 5 (layout.CHUNK_GZIP_LEVEL): every written chunk is compressed again, and
# 5 costs half the CPU of 7 for 2.8 % more index bytes (1k articles: 3.7 s against 7.2 s, 3.60 / 3.50 MB).
CHUNK_UNITS = 2500


def link_or_copy(source: Path, target: Path) -> None:
    """A fragment goes over unchanged: a hard link to the cached shard's file (no bytes written; the
    shard cache replaces a shard's folder, never a file in it), or a copy across file systems."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def link_fragments(keys: list[str], pages: dict, store: Path, target: Path, prefix: str, slots: list[int],
                   before: dict[str, str], tally: Tally | None = None) -> dict[str, str]:
    """Each page's fragment as ``fragment/<prefix><slot in base 36>.pf_fragment``: a hard link to its shard's
    file, made again only when the page's fragment (its content hash) differs from the one there; fragments of
    pages gone are removed.  Returns rel -> fragment hash; counts the files and bytes added in ``tally``."""
    tally = tally or Tally()
    now: dict[str, str] = {}
    i = 0
    there = present(target, before)
    for k in keys:
        for frag_hash in pages[k]["frags"]:
            rel = f"fragment/{prefix}{base36(slots[i])}.pf_fragment"
            i += 1
            now[rel] = frag_hash
            if before.get(rel) == frag_hash and rel in there:
                continue
            path = target / rel  # (only for a fragment to link: a path object per page was ~0.03 s at 10k)
            source = store / k / "bundle" / "fragment" / f"{frag_hash}.pf_fragment"
            if rel not in before:  # a new name (a whole bundle merged into a new folder: 10k of them at 10k)
                try:
                    os.link(source, path)  # one system call, not four (1.3 s of the profiled 10k merge)
                    tally.count(path, 1)
                    continue
                except FileExistsError:
                    pass
                except OSError:
                    shutil.copyfile(source, path)
                    tally.count(path, 1)
                    continue
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.unlink(missing_ok=True)
            link_or_copy(source, tmp)
            tally.count(path, -1)
            os.replace(tmp, path)
            tmp.unlink(missing_ok=True)  # a rename onto another link of the same file does nothing
            tally.count(path, 1)
    for rel in before.keys() - now.keys():
        tally.count(target / rel, -1)
        (target / rel).unlink(missing_ok=True)
    return now


def fields_of(metas: list[list]) -> list[str]:
    """Every meta field of the shards, sorted: the merged bundle's field numbers."""
    fields: list[str] = []
    for m in metas:
        for f in m[5] if len(m) > 5 else []:
            if f not in fields:
                fields.append(f)
    return sorted(fields)


def in_slots(meta: list, segs: list, slots: list[int]) -> tuple[list, list]:
    """A shard's (meta, segments) with its page i numbered ``slots[i]`` (its entries re-sorted by slot)."""
    if meta[3] or meta[4]:
        raise ValueError("merging Pagefind filters/sorts is not supported")
    return meta, [renumbered(s, slots) for s in segs]


SLOTTED = "slotted.pkl"  # beside a cached shard's segments.pkl: the same segments in the slots last merged


def shard_in_slots(shard: Path, slots: list[int]) -> tuple[list, list]:
    """The cached shard's (meta, segments) in_slots ``slots``: read as kept when its last merge gave its pages
    the same slots, else renumbered from its segments and kept (``SLOTTED``: the slots, then the segments).

    Why: renumbering walks every entry of every word in Python; a full merge from the cached shards (a cold
    bundle, a change the splice cannot take, a new merge code) did it for every shard, 1.5x main's CPU at 10k
    (docs/dev/scaling-history.md, session 25).  Slots move only with the pages around them, so a shard's are nearly
    always the last merge's.  The file is replaced whole (the shard's fragments, linked from the bundles, are
    never touched), and a stale or unreadable one is only a walk again."""
    path = shard / SLOTTED
    try:
        with path.open("rb") as f:
            if pickle.load(f) == slots:
                return pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError):
        pass
    with (shard / "segments.pkl").open("rb") as f:
        slotted = in_slots(*pickle.load(f), slots)
    tmp = path.with_name(f".{SLOTTED}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as f:
            pickle.dump(slots, f, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(slotted, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:  # a read-only cache merges all the same
        tmp.unlink(missing_ok=True)
    return slotted


def _merged_words(segments: list[tuple[list, list]], fields: list[str]):
    """(word, [segment of each shard holding it, in shard order]) for every word, in word order.  (Dropping
    each word's segments once yielded, so that the stream would grow into the memory they free, raised the
    peak of a 10k merge 716 -> 792 MB; measured, session 25)"""
    parts: dict[str, list] = {}
    for m, segs in segments:
        field_map = [fields.index(f) for f in (m[5] if len(m) > 5 else [])]
        if field_map != list(range(len(field_map))):
            segs = [remapped(s, field_map) if s[8] else s for s in segs]
        # a dict of each word's parts, then one sort of the ~10^6 distinct words: ~4 s less CPU at 10k than
        # sorting every shard's (word, shard, segment) and grouping them (cProfile, session 25)
        get = parts.get
        for seg in segs:
            have = get(seg[0])
            if have is None:
                parts[seg[0]] = [seg]
            else:
                have.append(seg)
    for word in sorted(parts):
        yield word, parts[word]


def from_entries(word: str, entries: list[tuple[int, bytes, bytes]], units: int, has_meta: bool,
                 variants: list) -> tuple:
    """The segment of ``entries`` (sorted by page)."""
    if not entries:
        return (word, 0, 0, b"", b"", b"", 0, units, has_meta, variants)
    rest, prev = [], entries[0][0]
    for page, head, tail in entries[1:]:
        rest.append(head + cbor_head(0, page - prev) + tail)
        prev = page
    first = entries[0]
    return (word, len(entries), first[0], first[1], first[2], b"".join(rest), prev, units, has_meta, variants)


def combined(word: str, parts: list[tuple]) -> tuple:
    """One segment of a word from its segments in several shards (same page numbering)."""
    if len(parts) == 1:
        return parts[0]
    first: tuple | None = None
    rest: list[bytes] = []
    n = prev = units = 0
    has_meta = interleaved = False
    variants: list = []
    heads = HEADS
    for seg in parts:
        _w, sn, first_abs, first_head, first_tail, seg_rest, last, su, m, svar = seg
        if sn:
            if first is None:
                first = (first_abs, first_head, first_tail)
                rest.append(seg_rest)
                prev = last
            elif first_abs > prev:  # shards in slot order: the usual case, only the first delta rewritten
                d = first_abs - prev
                rest.append(first_head + (heads[d] if d < 256 else cbor_head(0, d)) + first_tail + seg_rest)
                prev = last
            else:
                interleaved = True
                prev = max(prev, last)
        n += sn
        units += su
        has_meta = has_meta or m
        if svar:
            _add_variants(variants, svar)
    for v in variants:
        v[1].sort(key=lambda p: p[0])
        _delta_encode(v[1])
    if interleaved:
        entries = sorted((e for seg in parts for e in entries_of(seg)), key=itemgetter(0))
        return from_entries(word, entries, units, has_meta, variants)
    if first is None:
        return (word, 0, 0, b"", b"", b"", 0, units, has_meta, variants)
    return (word, n, first[0], first[1], first[2], b"".join(rest), prev, units, has_meta, variants)


def _add_variants(variants: list, shard_variants: list) -> None:
    """A shard's variant forms of a word (stemmed: "cafe" <- "café") added to the merged ones, as absolute
    page numbers (sorted and delta-coded again by the caller)."""
    for form, vpages in shard_variants:
        acc, shifted = 0, []
        for page in vpages:
            acc += page[0]
            shifted.append([acc, *page[1:]])
        for v in variants:
            if v[0] == form:
                v[1].extend(shifted)
                break
        else:
            variants.append([form, shifted])


def _delta_encode(pages: list) -> list:
    prev = 0
    for page in pages:
        page[0], prev = page[0] - prev, page[0]
    return pages


def entry_bytes(seg: tuple) -> bytes:
    """A segment as its index entry: CBOR [word, [[page delta, locs, meta locs]], variants]."""
    word, n, first_abs, first_head, first_tail, rest, _last, _units, _m, variants = seg
    first = first_head + cbor_head(0, first_abs) + first_tail if n else b""
    return b"\x83" + cbor_text(word) + cbor_head(4, n) + first + rest + (cbor2.dumps(variants) if variants else b"\x80")


def joined_segments(segments: list[tuple[list, list]]) -> tuple[list, list]:
    """Several shards' (meta, segments), page numbers already slots, as the (meta, segments) of one shard
    holding all their pages, in order.

    Why: a bundle merged from a few joined groups instead of from their many small shards does the per-word
    work once per group (tiers.py keeps each group's join), and its entries are the same."""
    metas = [m for m, _ in segments]
    fields = fields_of(metas)
    pages = [p for m in metas for p in m[1]]
    # most words are in one shard: no call for them (~10^6 words at 10k)
    joined = [parts[0] if len(parts) == 1 else combined(word, parts) for word, parts in _merged_words(segments, fields)]
    return [metas[0][0], pages, [], [], [], fields], joined


def word_stream(segments: list[tuple[list, list]]) -> tuple[list[tuple[str, bytes, int]], list[str], set[str]]:
    """The bundle's word stream (word, entry, units), its meta fields and the words with variant forms (the
    splice leaves those to a merge), from its sources' segments."""
    fields = fields_of([m for m, _ in segments])
    stream, variants = [], set()
    for word, parts in _merged_words(segments, fields):
        seg = combined(word, parts)
        stream.append((word, entry_bytes(seg), seg[7]))
        if seg[9]:
            variants.add(word)
    return stream, fields, variants
