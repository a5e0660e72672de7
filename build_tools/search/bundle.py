"""Post-processing of Pagefind bundles: shard merge and fragment rewrite.

Why: Pagefind keeps every page's word map in memory and, while writing, builds
one more copy of all (word, page) pairs; with Han bigrams that is ~1.5 MB per
5k-character article (2 GB at 1,000 articles, measured). So the indexer runs
Pagefind on shards of a few hundred pages, each in its own short-lived
Pagefind process, and this module merges the shards' word indexes into ONE
bundle (a k-way merge over the shards' sorted word lists), so the browser still
loads one meta file and one chunk per query word. The merge works on raw CBOR:
a shard's page entries are copied byte for byte, only the first page number of
each shard's part of a word's page list is rewritten (see ``shard_segments``).

The file formats are Pagefind's own (checked against 1.5.2 in
tests/test_search_index.py, which compares merged and unsharded results):

* every binary file is gzip(b"pagefind_dcd" + CBOR);
* ``pagefind.<hash>.pf_meta``: [version, pages[[fragment_hash, word_count]],
  index_chunks[[from, to, chunk_hash]], filters, sorts, meta_fields];
* ``index/<hash>.pf_index``: [[word, [[page_delta, locs, meta_locs]], [[form, pages]]]],
  page numbers delta-coded within each page list;
* ``fragment/<hash>.pf_fragment``: JSON {url, content, word_count, filters, meta, anchors}.

Fragments are rewritten so ``content`` holds the page's ORIGINAL text (the
indexed bigram stream is useless to a reader); the browser builds excerpts and
highlights from it.
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import json
import shutil
import time
import zlib
from pathlib import Path

import cbor2

SIGNATURE = b"pagefind_dcd"
# An index chunk is closed once it holds this many (location + 1) units. Pagefind uses
# 20,000; half that makes the chunk a query token needs ~12 kB instead of ~25 kB at
# 5,000 articles, for a slightly longer chunk list in the meta (measured: less in total).
CHUNK_UNITS = 10000
# gzip level of the merged index chunks: 7 costs half the CPU of 9 for 0.35 % more bytes
# (1k articles: 1.9 s against 4.1 s, 8.84 MB against 8.81 MB).
CHUNK_GZIP_LEVEL = 7


def read_pf(path: Path):
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path}: not a Pagefind file")
    return data[len(SIGNATURE) :]


def write_pf(path: Path, payload: bytes, level: int = 9) -> None:
    path.write_bytes(gzip.compress(SIGNATURE + payload, compresslevel=level, mtime=0))


def _hash(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def meta_file(bundle: Path) -> Path:
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    langs = entry["languages"]
    if len(langs) != 1:
        raise ValueError(f"{bundle}: expected one language index, found {sorted(langs)}")
    (info,) = langs.values()
    return bundle / f"pagefind.{info['hash']}.pf_meta"


def check_bundle(bundle: Path, decode: bool = True) -> None:
    """Raise unless every file of a written bundle is present and complete.

    ``decode=False`` checks gzip integrity only (length and CRC: a truncated write
    fails), not the CBOR inside; a file that is not gzip is still decoded.
    """
    meta = cbor2.loads(read_pf(meta_file(bundle)))
    for h, _wc in meta[1]:
        json.loads(read_pf(bundle / "fragment" / f"{h}.pf_fragment"))
    for _f, _t, h in meta[2]:
        path = bundle / "index" / f"{h}.pf_index"
        if decode or path.read_bytes()[:2] != b"\x1f\x8b":
            cbor2.loads(read_pf(path))
        else:
            read_pf(path)
    for wasm in bundle.glob("wasm.*.pagefind"):
        gzip.decompress(wasm.read_bytes())
    js = (bundle / "pagefind.js").read_text(encoding="utf-8")
    if not js.rstrip().endswith("};"):
        raise ValueError("pagefind.js is incomplete")


def wait_for_bundle(bundle: Path, timeout: float = 120.0) -> None:
    """Wait until Pagefind has finished writing ``bundle``.

    Pagefind's service answers WriteFiles while its last file writes may still be in
    flight in the background; stopping the process then leaves truncated files.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            check_bundle(bundle, decode=False)
            return
        except (OSError, ValueError, EOFError, KeyError, IndexError, zlib.error, cbor2.CBORDecodeError,
                json.JSONDecodeError):  # fmt: skip
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def rewrite_fragments(bundle: Path, texts: dict[str, str]) -> int:
    """Replace each fragment's ``content`` with the original text of its URL."""
    n = 0
    for frag in sorted((bundle / "fragment").glob("*.pf_fragment")):
        doc = json.loads(read_pf(frag))
        text = texts.get(doc["url"])
        if text is None:
            continue
        doc["content"] = text
        write_pf(frag, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        n += 1
    return n


# ---- shard word lists ------------------------------------------------------------------
#
# The merge never decodes a page's location lists more than once: each shard's index is
# read into one "segment" per word, with the page entries kept as raw CBOR bytes. Page
# numbers are delta-coded, so appending a shard's entries to a merged word only changes
# the FIRST entry's delta; every other entry is copied byte for byte. Segments are
# cached with the shard (indexer.py), so an unchanged shard is never decoded again.
#
# Segment of one word in one shard (a tuple, to pickle small and fast):
#   (word, n_entries, first_abs_page, first_head, first_tail, rest, last_abs_page,
#    units, has_meta_locs, variants)
# first_head: CBOR array head of the first entry; first_tail: its items after the page
# delta; rest: the other entries, concatenated; units: sum(len(locs) + 1) (chunking);
# variants: Pagefind's [[form, pages]] (decoded; empty for the `en` index we build).


def _head(major: int, n: int) -> bytes:
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


def _text(s: str) -> bytes:
    b = s.encode("utf-8")
    return _head(3, len(b)) + b


def _segment(word: str, pages: list, variants: list) -> tuple:
    first = pages[0]
    rest = cbor2.dumps(pages[1:])[len(_head(4, len(pages) - 1)) :]
    first_tail = b"".join(cbor2.dumps(x) for x in first[1:])
    has_meta = any(len(p) > 2 and p[2] for p in pages)
    last = sum(p[0] for p in pages)
    units = sum(len(p[1]) for p in pages) + len(pages)
    return (word, len(pages), first[0], _head(4, len(first)), first_tail, rest, last, units, has_meta, variants)


# Bytes taken by a CBOR integer, by its first byte (major types 0 and 1); 0 = not an integer.
_INT_LEN = bytes(
    (1 if (b & 31) < 24 else {24: 2, 25: 3, 26: 5, 27: 9}.get(b & 31, 0)) if b >> 5 in (0, 1) else 0 for b in range(256)
)


def _uint(data: bytes, p: int) -> tuple[int, int]:
    """Value of the CBOR head at ``p`` (its length field) and the position after it."""
    ai = data[p] & 31
    if ai < 24:
        return ai, p + 1
    n = {24: 1, 25: 2, 26: 4, 27: 8}.get(ai)
    if n is None:
        raise ValueError(f"unsupported CBOR head {data[p]:#x} at {p}")
    return int.from_bytes(data[p + 1 : p + 1 + n], "big"), p + 1 + n


def _skip_ints(data: bytes, p: int, n: int) -> int:
    table = _INT_LEN
    for _ in range(n):
        step = table[data[p]]
        if not step:
            raise ValueError(f"expected a CBOR integer at {p}")
        p += step
    return p


def _chunk_segments(data: bytes) -> list[tuple]:
    """Segments of one Pagefind index chunk, read straight off its CBOR bytes.

    Only the structure is walked; location lists are skipped, not decoded (decoding
    and re-encoding every location with cbor2 took ~10 s per 1,000 pages).
    """
    if data[0] != 0x81:
        raise ValueError("index chunk: expected [words]")
    n_words, p = _uint(data, 1)
    segs = []
    for _ in range(n_words):
        if data[p] != 0x83:
            raise ValueError(f"index chunk: word entry of {data[p] & 31} items")
        wlen, p = _uint(data, p + 1)
        word = data[p : p + wlen].decode("utf-8")
        p += wlen
        n, p = _uint(data, p)
        first_abs = last = units = 0
        first_head = first_tail = b""
        has_meta = False
        rest_start = p
        table = _INT_LEN
        for i in range(n):
            head = data[p]
            if head != 0x83 and head != 0x82:
                raise ValueError(f"index chunk: page entry head {head:#x}")
            b = data[p + 1]
            if b < 24:
                delta, q = b, p + 2
            else:
                delta, q = _uint(data, p + 1)
            last += delta
            b = data[q]
            if 0x80 <= b < 0x98:
                nlocs, end = b - 0x80, q + 1
            else:
                nlocs, end = _uint(data, q)
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
                    nmeta, end = _uint(data, end)
                    has_meta = True
                    end = _skip_ints(data, end, nmeta)
            if i == 0:
                first_abs, first_head, first_tail, rest_start = delta, data[p : p + 1], data[q:end], end
            p = end
        rest = data[rest_start:p]
        vstart = p
        nvar, p = _uint(data, p)
        variants: list = []
        if nvar:
            # a variant list: decode it (rare; our index language has no stemmed variants)
            import io

            fp = io.BytesIO(data)
            fp.seek(vstart)
            dec = cbor2.CBORDecoder(fp)
            variants = dec.decode()
            p = fp.tell()
        segs.append((word, n, first_abs, first_head, first_tail, rest, last, units, has_meta, variants))
    if p != len(data):
        raise ValueError("index chunk: trailing bytes")
    return segs


def shard_segments(bundle: Path) -> tuple[list, list]:
    """(meta, segments) of one Pagefind bundle; segments sorted by word."""
    meta = cbor2.loads(read_pf(meta_file(bundle)))
    segs = []
    for _from, _to, chunk_hash in meta[2]:
        segs.extend(_chunk_segments(read_pf(bundle / "index" / f"{chunk_hash}.pf_index")))
    return meta, segs


def _remapped(seg: tuple, field_map: list[int]) -> tuple:
    """A segment whose meta locations use the merged bundle's field numbers (rare: decode it)."""
    word, n, first_abs, first_head, first_tail, rest, _last, _units, _m, variants = seg
    first = cbor2.loads(first_head + _head(0, first_abs) + first_tail)
    pages = [first, *cbor2.loads(_head(4, n - 1) + rest)]
    for p in pages:
        if len(p) > 2 and p[2]:
            p[2] = _remap_meta_locs(p[2], field_map)
    return _segment(word, pages, variants)


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


def _remap_meta_locs(locs: list[int], field_map: list[int]) -> list[int]:
    # meta locations: a negative number -(field_id + 1) switches field, positives are positions
    return [(-(field_map[-x - 1]) - 1) if x < 0 else x for x in locs]


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
    version = metas[0][0]
    fields: list[str] = []
    for m in metas:
        for f in m[5] if len(m) > 5 else []:
            if f not in fields:
                fields.append(f)
    fields.sort()

    # File names: one build id (a hash of every shard's meta, so of all content) plus a
    # sequence number. The meta lists every page's and every chunk's name, and random
    # content hashes do not compress: sequential names make the meta the browser loads
    # first ~25 % smaller at 5,000 pages, and the build id keeps names of different
    # builds apart for caches. The meta file itself stays content-addressed.
    build = _hash(b"".join(cbor2.dumps(m) for m in metas) + str(chunk_units).encode())[:6]
    pages: list[list] = []
    offsets = []
    for shard, m in zip(shards, metas, strict=True):
        offsets.append(len(pages))
        if m[3] or m[4]:
            raise ValueError("merging Pagefind filters/sorts is not supported")
        for frag_hash, word_count in m[1]:
            name = f"{language}_{build}{_b36(len(pages))}"
            shutil.copyfile(shard / "fragment" / f"{frag_hash}.pf_fragment", out / "fragment" / f"{name}.pf_fragment")
            pages.append([name, word_count])

    streams = []
    for k, ((m, segs), off) in enumerate(zip(segments, offsets, strict=True)):
        field_map = [fields.index(f) for f in (m[5] if len(m) > 5 else [])]
        identity = field_map == list(range(len(field_map)))
        if not identity:
            segs = [_remapped(s, field_map) if s[8] else s for s in segs]
        streams.append([(s[0], k, off, s) for s in segs])
    merged = heapq.merge(*streams, key=lambda t: (t[0], t[1]))

    chunks_meta: list[list[str]] = []
    writes: list[tuple[Path, bytes]] = []
    chunk: list[bytes] = []
    chunk_words: list[str] = []
    units = 0
    n_words = 0

    def flush() -> None:
        nonlocal chunk, chunk_words, units
        if not chunk:
            return
        payload = b"\x81" + _head(4, len(chunk)) + b"".join(chunk)
        h = f"{language}_{build}{_b36(len(chunks_meta))}"
        writes.append((out / "index" / f"{h}.pf_index", payload))
        chunks_meta.append([chunk_words[0], chunk_words[-1], h])
        chunk, chunk_words, units = [], [], 0

    def emit(word: str, group: list[tuple]) -> None:
        nonlocal units, n_words
        parts = []
        n = 0
        prev = 0
        w_units = 0
        variants: list = []
        for off, seg in group:
            _w, sn, first_abs, first_head, first_tail, rest, last, su, _m, svar = seg
            if sn:  # a word can have variants only (stemmed: "cafe" <- "café")
                parts.append(first_head + _head(0, off + first_abs - prev) + first_tail + rest)
                prev = off + last
            n += sn
            w_units += su
            for form, vpages in svar:
                shifted = _shift_pages(vpages, off)
                for v in variants:
                    if v[0] == form:
                        v[1].extend(shifted)
                        break
                else:
                    variants.append([form, shifted])
        for v in variants:
            _delta_encode(v[1])
        chunk.append(b"\x83" + _text(word) + _head(4, n) + b"".join(parts) + cbor2.dumps(variants))
        chunk_words.append(word)
        n_words += 1
        units += w_units

    group: list[tuple] = []
    current: str | None = None
    for word, _k, off, seg in merged:
        if word != current:
            if current is not None:
                emit(current, group)
                if units >= chunk_units:
                    flush()
            current, group = word, []
        group.append((off, seg))
    if current is not None:
        emit(current, group)
    flush()
    _write_chunks(writes, threads)

    for i in range(len(chunks_meta) - 1):
        a, b = _prefixes(chunks_meta[i][1], chunks_meta[i + 1][0])
        chunks_meta[i][1], chunks_meta[i + 1][0] = a, b

    meta = [version, pages, chunks_meta, [], [], fields]
    payload = cbor2.dumps(meta)
    meta_hash = f"{language}_{_hash(payload)[: len(language) + 8]}"
    write_pf(out / f"pagefind.{meta_hash}.pf_meta", payload)
    entry = json.loads((first / "pagefind-entry.json").read_text(encoding="utf-8"))
    entry["languages"] = {language: {"hash": meta_hash, "wasm": language, "page_count": len(pages)}}
    (out / "pagefind-entry.json").write_text(json.dumps(entry, ensure_ascii=False, separators=(",", ":")))
    return {"pages": len(pages), "words": n_words, "chunks": len(chunks_meta), "shards": len(shards)}
