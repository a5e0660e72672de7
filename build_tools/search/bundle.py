"""Post-processing of Pagefind bundles: shard merge and fragment rewrite.

Why: Pagefind keeps every page's word map in memory and, while writing, builds
one more copy of all (word, page) pairs; with Han bigrams that is ~1.5 MB per
5k-character article (2 GB at 1,000 articles, measured). So the indexer runs
Pagefind on shards of a few hundred pages, each in its own short-lived
Pagefind process, and this module merges the shards' word indexes into ONE
bundle, streaming (a k-way merge over the shards' sorted index chunks), so the
browser still loads one meta file and one chunk per query word.

The file formats are Pagefind's own (checked against 1.5.2 in
tests/test_search_bundle.py, which compares merged and unsharded results):

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
from collections.abc import Iterator
from pathlib import Path

import cbor2

SIGNATURE = b"pagefind_dcd"
# An index chunk is closed once it holds this many (location + 1) units. Pagefind uses
# 20,000; half that makes the chunk a query token needs ~12 kB instead of ~25 kB at
# 5,000 articles, for a slightly longer chunk list in the meta (measured: less in total).
CHUNK_UNITS = 10000


def read_pf(path: Path):
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path}: not a Pagefind file")
    return data[len(SIGNATURE) :]


def write_pf(path: Path, payload: bytes) -> None:
    path.write_bytes(gzip.compress(SIGNATURE + payload, compresslevel=9, mtime=0))


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


def check_bundle(bundle: Path) -> None:
    """Raise unless every file of a written bundle is present and complete."""
    meta = cbor2.loads(read_pf(meta_file(bundle)))
    for h, _wc in meta[1]:
        json.loads(read_pf(bundle / "fragment" / f"{h}.pf_fragment"))
    for _f, _t, h in meta[2]:
        cbor2.loads(read_pf(bundle / "index" / f"{h}.pf_index"))
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
            check_bundle(bundle)
            return
        except (OSError, ValueError, EOFError, KeyError, IndexError, cbor2.CBORDecodeError, json.JSONDecodeError):
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


def _shift_pages(pages: list, offset: int, field_map: list[int]) -> list:
    """Delta-coded page list of a shard -> absolute page numbers of the merged bundle."""
    out = []
    acc = 0
    for page in pages:
        page = list(page)
        acc += page[0]
        page[0] = acc + offset
        if len(page) > 2 and page[2]:
            page[2] = _remap_meta_locs(page[2], field_map)
        out.append(page)
    return out


def _iter_words(bundle: Path, meta: list, offset: int, field_map: list[int], k: int) -> Iterator[tuple]:
    """(word, shard, [word, pages, variants]) of one shard in index order, pages renumbered."""
    for _from, _to, chunk_hash in meta[2]:
        words = cbor2.loads(read_pf(bundle / "index" / f"{chunk_hash}.pf_index"))[0]
        for word in words:
            pages = _shift_pages(word[1], offset, field_map)
            variants = [[v[0], _shift_pages(v[1], offset, field_map)] for v in (word[2] if len(word) > 2 else [])]
            yield word[0], k, [word[0], pages, variants]
        del words


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


def merge_bundles(shards: list[Path], out: Path, language: str, chunk_units: int = CHUNK_UNITS) -> dict:
    """Merge shard bundles (same Pagefind version and language) into ``out``."""
    if out.exists():
        shutil.rmtree(out)
    first = shards[0]
    shutil.copytree(first, out, ignore=shutil.ignore_patterns("index", "fragment", "*.pf_meta"))
    (out / "index").mkdir()
    (out / "fragment").mkdir()

    metas = [cbor2.loads(read_pf(meta_file(s))) for s in shards]
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
    build = _hash(b"".join(read_pf(meta_file(s)) for s in shards) + str(chunk_units).encode())[:6]
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
    for k, (shard, m, off) in enumerate(zip(shards, metas, offsets, strict=True)):
        field_map = [fields.index(f) for f in (m[5] if len(m) > 5 else [])]
        streams.append(_iter_words(shard, m, off, field_map, k))
    merged = heapq.merge(*streams, key=lambda t: (t[0], t[1]))

    chunks_meta: list[list[str]] = []
    chunk: list[list] = []
    units = 0
    n_words = 0

    def flush() -> None:
        nonlocal chunk, units
        if not chunk:
            return
        payload = cbor2.dumps([chunk])
        h = f"{language}_{build}{_b36(len(chunks_meta))}"
        write_pf(out / "index" / f"{h}.pf_index", payload)
        chunks_meta.append([chunk[0][0], chunk[-1][0], h])
        chunk = []
        units = 0

    current: list | None = None
    for word, _k, entry in merged:
        if current is not None and current[0] == word:
            current[1].extend(entry[1])
            for form, vpages in entry[2]:
                for v in current[2]:
                    if v[0] == form:
                        v[1].extend(vpages)
                        break
                else:
                    current[2].append([form, vpages])
            continue
        if current is not None:
            _delta_encode(current[1])
            for v in current[2]:
                _delta_encode(v[1])
            chunk.append(current)
            n_words += 1
            units += sum(len(p[1]) + 1 for p in current[1])
            if units >= chunk_units:
                flush()
        current = entry
    if current is not None:
        _delta_encode(current[1])
        for v in current[2]:
            _delta_encode(v[1])
        chunk.append(current)
        n_words += 1
    flush()

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
