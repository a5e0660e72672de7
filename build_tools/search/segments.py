"""A shard's word lists as "segments": what the merge (merge.py) works on.

The merge never decodes a page's location lists more than once: each shard's index is
read into one "segment" per word, with the page entries kept as raw CBOR bytes. Page
numbers are delta-coded, so appending a shard's entries to a merged word only changes
the FIRST entry's delta; every other entry is copied byte for byte. Segments are
cached with the shard (indexer.py), so an unchanged shard is never decoded again.

Segment of one word in one shard (a tuple, to pickle small and fast):
  (word, n_entries, first_abs_page, first_head, first_tail, rest, last_abs_page,
   units, has_meta_locs, variants)
first_head: CBOR array head of the first entry; first_tail: its items after the page
delta; rest: the other entries, concatenated; units: sum(len(locs) + 1) (chunking);
variants: Pagefind's [[form, pages]] (decoded; empty for the `en` index we build).
"""

from __future__ import annotations

import io
from pathlib import Path

import cbor2

from build_tools.search.bundle import meta_file, read_pf


def cbor_head(major: int, n: int) -> bytes:
    """CBOR head (major type + length/value), minimal encoding as cbor2 writes it."""
    if n < 24:
        return bytes((major << 5 | n,))
    if n < 0x100:
        return bytes((major << 5 | 24, n))
    if n < 0x10000:
        return bytes((major << 5 | 25,)) + n.to_bytes(2, "big")
    if n < 0x100000000:
        return bytes((major << 5 | 26,)) + n.to_bytes(4, "big")
    return bytes((major << 5 | 27,)) + n.to_bytes(8, "big")


def cbor_text(s: str) -> bytes:
    b = s.encode("utf-8")
    return cbor_head(3, len(b)) + b


def _segment(word: str, pages: list, variants: list) -> tuple:
    first = pages[0]
    rest = cbor2.dumps(pages[1:])[len(cbor_head(4, len(pages) - 1)) :]
    first_tail = b"".join(cbor2.dumps(x) for x in first[1:])
    has_meta = any(len(p) > 2 and p[2] for p in pages)
    last = sum(p[0] for p in pages)
    units = sum(len(p[1]) for p in pages) + len(pages)
    return (word, len(pages), first[0], cbor_head(4, len(first)), first_tail, rest, last, units, has_meta, variants)


# Bytes taken by a CBOR integer, by its first byte (major types 0 and 1); 0 = not an integer.
INT_LEN = bytes(
    (1 if (b & 31) < 24 else {24: 2, 25: 3, 26: 5, 27: 9}.get(b & 31, 0)) if b >> 5 in (0, 1) else 0 for b in range(256)
)


def read_uint(data: bytes, p: int) -> tuple[int, int]:
    """Value of the CBOR head at ``p`` (its length field) and the position after it."""
    ai = data[p] & 31
    if ai < 24:
        return ai, p + 1
    n = {24: 1, 25: 2, 26: 4, 27: 8}.get(ai)
    if n is None:
        raise ValueError(f"unsupported CBOR head {data[p]:#x} at {p}")
    return int.from_bytes(data[p + 1 : p + 1 + n], "big"), p + 1 + n


def skip_ints(data: bytes, p: int, n: int) -> int:
    table = INT_LEN
    for _ in range(n):
        step = table[data[p]]
        if not step:
            raise ValueError(f"expected a CBOR integer at {p}")
        p += step
    return p


def parse_entries(data: bytes, p: int, n: int, page: int = 0) -> tuple[list[tuple[int, bytes, bytes]], int]:
    """The ``n`` delta-coded page entries at ``p``: (page, CBOR head of the entry, its bytes after the page
    delta) each, pages counted from ``page``; and the position after them.  The one walk over a word's page
    list that the merge, the splice and the renumbering share (a chunk's own parse, _word_segment, also
    counts units and checks heads)."""
    out = []
    table = INT_LEN
    for _ in range(n):
        head = data[p : p + 1]
        b = data[p + 1]
        if b < 24:  # most deltas: one byte
            page += b
            q = p + 2
        else:
            delta, q = read_uint(data, p + 1)
            page += delta
        b = data[q]
        if 0x80 <= b < 0x98:
            nlocs, end = b - 0x80, q + 1
        else:
            nlocs, end = read_uint(data, q)
        for _ in range(nlocs):
            step = table[data[end]]
            if not step:
                raise ValueError(f"expected a CBOR integer at {end}")
            end += step
        if head == b"\x83":
            if data[end] == 0x80:
                end += 1
            else:
                nmeta, end = read_uint(data, end)
                end = skip_ints(data, end, nmeta)
        out.append((page, head, data[q:end]))
        p = end
    return out, p


def entries_of(seg: tuple) -> list[tuple[int, bytes, bytes]]:
    """(page, CBOR head of the entry, its bytes after the page delta) of every entry of a segment."""
    _word, n, first_abs, first_head, first_tail, rest, _last, _units, _m, _v = seg
    if not n:
        return []
    return [(first_abs, first_head, first_tail), *parse_entries(rest, 0, n - 1, first_abs)[0]]


def _chunk_segments(data: bytes) -> list[tuple]:
    """Segments of one Pagefind index chunk, read straight off its CBOR bytes.

    Only the structure is walked; location lists are skipped, not decoded (decoding
    and re-encoding every location with cbor2 took ~10 s per 1,000 pages).
    """
    if data[0] != 0x81:
        raise ValueError("index chunk: expected [words]")
    n_words, p = read_uint(data, 1)
    segs = []
    for _ in range(n_words):
        seg, p = _word_segment(data, p)
        segs.append(seg)
    if p != len(data):
        raise ValueError("index chunk: trailing bytes")
    return segs


def _word_segment(data: bytes, p: int) -> tuple[tuple, int]:
    """The segment of the word entry at ``p``, and the position after it."""
    if data[p] != 0x83:
        raise ValueError(f"index chunk: word entry of {data[p] & 31} items")
    wlen, p = read_uint(data, p + 1)
    word = data[p : p + wlen].decode("utf-8")
    p += wlen
    n, p = read_uint(data, p)
    first_abs = last = units = 0
    first_head = first_tail = b""
    has_meta = False
    rest_start = p
    table = INT_LEN
    for i in range(n):
        head = data[p]
        if head != 0x83 and head != 0x82:
            raise ValueError(f"index chunk: page entry head {head:#x}")
        b = data[p + 1]
        if b < 24:
            delta, q = b, p + 2
        else:
            delta, q = read_uint(data, p + 1)
        last += delta
        b = data[q]
        if 0x80 <= b < 0x98:
            nlocs, end = b - 0x80, q + 1
        else:
            nlocs, end = read_uint(data, q)
        units += nlocs + 1
        for _ in range(nlocs):
            step = table[data[end]]
            if not step:
                raise ValueError(f"expected a CBOR integer at {end}")
            end += step
        if head == 0x83:
            if data[end] == 0x80:
                end += 1
            else:
                nmeta, end = read_uint(data, end)
                has_meta = True
                end = skip_ints(data, end, nmeta)
        if i == 0:
            first_abs, first_head, first_tail, rest_start = delta, data[p : p + 1], data[q:end], end
        p = end
    rest = data[rest_start:p]
    variants, p = _variants(data, p)
    return (word, n, first_abs, first_head, first_tail, rest, last, units, has_meta, variants), p


def _variants(data: bytes, p: int) -> tuple[list, int]:
    """A word's variant list at ``p`` (decoded: rare, our index language has no stemmed variants)."""
    nvar, after = read_uint(data, p)
    if not nvar:
        return [], after
    fp = io.BytesIO(data)
    fp.seek(p)
    variants = cbor2.CBORDecoder(fp).decode()
    return variants, fp.tell()


def shard_segments(bundle: Path) -> tuple[list, list]:
    """(meta, segments) of one Pagefind bundle; segments sorted by word."""
    meta = cbor2.loads(read_pf(meta_file(bundle)))
    segs = []
    for _from, _to, chunk_hash in meta[2]:
        segs.extend(_chunk_segments(read_pf(bundle / "index" / f"{chunk_hash}.pf_index")))
    return meta, segs


def remapped(seg: tuple, field_map: list[int]) -> tuple:
    """A segment whose meta locations use the merged bundle's field numbers (rare: decode it)."""
    word, n, first_abs, first_head, first_tail, rest, _last, _units, _m, variants = seg
    first = cbor2.loads(first_head + cbor_head(0, first_abs) + first_tail)
    pages = [first, *cbor2.loads(cbor_head(4, n - 1) + rest)]
    for p in pages:
        if len(p) > 2 and p[2]:
            p[2] = _remap_meta_locs(p[2], field_map)
    return _segment(word, pages, variants)


def _remap_meta_locs(locs: list[int], field_map: list[int]) -> list[int]:
    # meta locations: a negative number -(field_id + 1) switches field, positives are positions
    return [(-(field_map[-x - 1]) - 1) if x < 0 else x for x in locs]


def reordered(meta: list, segs: list, order: list[int]) -> tuple[list, list]:
    """(meta, segments) of the same shard with its pages renumbered: ``order`` lists the old page numbers
    in their new order.  Why: Pagefind numbers a shard's pages its own way; the indexer puts them in (date,
    path) order so that the merged page number alone ranks ties newest first (search.js).  Entries are
    moved as raw bytes (only their page deltas are rewritten), so this costs a walk over the shard."""
    new_of = [0] * len(order)
    for new, old in enumerate(order):
        new_of[old] = new
    if all(n == i for i, n in enumerate(new_of)):
        return meta, segs
    meta = [meta[0], [meta[1][old] for old in order], *meta[2:]]
    return meta, [renumbered(s, new_of) for s in segs]


HEADS = [bytes((n,)) if n < 24 else bytes((24, n)) for n in range(256)]  # cbor_head(0, n), n < 256


def renumbered(seg: tuple, new_of: list[int]) -> tuple:
    word, n, first_abs, first_head, first_tail, rest, _last, units, has_meta, variants = seg
    if variants:
        variants = [[form, _renumbered_list(pages, new_of)] for form, pages in variants]
    if n <= 1:  # most words of a shard: no delta to rewrite
        page = new_of[first_abs] if n else first_abs
        return (word, n, page, first_head, first_tail, rest, page if n else _last, units, has_meta, variants)
    entries = parse_entries(rest, 0, n - 1, first_abs)[0]
    pages = [new_of[first_abs], *(new_of[e[0]] for e in entries)]
    heads = [first_head, *(e[1] for e in entries)]
    tails = [first_tail, *(e[2] for e in entries)]
    order = range(n)
    if any(pages[i] >= pages[i + 1] for i in range(n - 1)):  # a shard not in slot order (older caches)
        order = sorted(order, key=pages.__getitem__)
    out, prev = [], pages[order[0]]
    heads_of = HEADS
    for i in order[1:]:
        d = pages[i] - prev
        out.append(heads[i] + (heads_of[d] if d < 256 else cbor_head(0, d)) + tails[i])
        prev = pages[i]
    f = order[0]
    return (word, n, pages[f], heads[f], tails[f], b"".join(out), prev, units, has_meta, variants)


def _renumbered_list(pages: list, new_of: list[int]) -> list:
    """A delta-coded page list (decoded) renumbered and delta-coded again."""
    acc, absolute = 0, []
    for page in pages:
        acc += page[0]
        absolute.append([new_of[acc], *page[1:]])
    absolute.sort(key=lambda p: p[0])
    prev = 0
    for page in absolute:
        page[0], prev = page[0] - prev, page[0]
    return absolute
