"""Pagefind bundle files: reading, writing, checking, and the fragment rewrite.

Why: Pagefind keeps every page's word map in memory and, while writing, builds
one more copy of all (word, page) pairs; with Han bigrams that is ~1.5 MB per
5k-character article (2 GB at 1,000 articles, measured). So the indexer runs
Pagefind on shards of a few hundred pages, each in its own short-lived
Pagefind process, and merge.py merges the shards' word indexes into ONE
bundle, so the browser still loads one meta file and one chunk per query word.

The file formats are Pagefind's own (checked against 1.5.2 in
tests/test_search_index.py, which compares merged and unsharded results):

* every binary file is gzip(b"pagefind_dcd" + CBOR);
* ``pagefind.<hash>.pf_meta``: [version, pages[[fragment_hash, word_count]],
  index_chunks[[from, to, chunk_hash]], filters, sorts, meta_fields]; a merged bundle's (layout.py) is
  slimmer: [version, [word_count], [[from, to]] of each block of chunk ranges, [], [], meta_fields,
  {"p": name prefix, "s": split words [[word, width]], "c": chunks, "b": [chunks per block], "v": slots}],
  its chunks numbering pages by slot (slots.py), its pages the slots in ascending order (``v``: the sorted
  slots, delta-coded) and its fragments named prefix + slot in base 36 (``page_slots``,
  ``page_files``), its chunks and blocks of chunk ranges by a hash of their first word (``chunk_files``,
  ``range_files``), a word too frequent for one chunk kept apart in runs of slots;
* ``index/<hash>.pf_index``: [[word, [[page_delta, locs, meta_locs]], [[form, pages]]]],
  page numbers delta-coded within each page list;
* ``fragment/<hash>.pf_fragment``: JSON {url, content, word_count, filters, meta, anchors}.

Fragments are rewritten so ``content`` holds the page's ORIGINAL text (the
indexed bigram stream is useless to a reader); the browser builds excerpts and
highlights from it.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from pathlib import Path

import cbor2

SIGNATURE = b"pagefind_dcd"


def read_pf(path: Path):
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path}: not a Pagefind file")
    return data[len(SIGNATURE) :]


def b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def page_slots(meta: list) -> list[int]:
    """A merged bundle's page numbers in its chunks (slots.py), in page order; Pagefind's: 0, 1, 2, …"""
    if len(meta) > 6:
        slots, at = [], 0
        for d in meta[6]["v"]:
            at += d
            slots.append(at)
        return slots
    return list(range(len(meta[1])))


def page_files(meta: list) -> list[str]:
    """The fragment file names of a bundle's pages, in page order (Pagefind's meta or a merged one)."""
    if len(meta) > 6:
        return [f"{meta[6]['p']}{b36(s)}" for s in page_slots(meta)]
    return [h for h, _wc in meta[1]]


def chunk_files(meta: list, bundle: Path | None = None) -> list[str]:
    """The index chunk file names of a bundle: the chunks in word order, then a merged bundle's frequent words'
    runs (layout.py; a merged bundle's chunk names come from its ranges: ``bundle`` is where its blocks are)."""
    if len(meta) <= 6:
        return [h for _f, _t, h in meta[2]]
    from build_tools.search.slots import fnv64

    ext = meta[6]
    prefix = ext["p"]
    ranges = meta[2]
    if ext["b"]:
        ranges = [r for f in range_files(meta) for r in cbor2.loads(read_pf(bundle / "index" / f"{f}.pf_index"))]
    slots = page_slots(meta)
    runs = [f"{prefix}-s{fnv64(w)}-{k:x}" for w, width in ext["s"] for k in sorted({s // width for s in slots})]
    return [f"{prefix}{fnv64(r[0])}" for r in ranges] + runs


def range_files(meta: list) -> list[str]:
    """A merged bundle's files of chunk ranges (layout.py); Pagefind's meta holds them all."""
    if len(meta) <= 6 or not meta[6]["b"]:
        return []
    from build_tools.search.slots import fnv64

    return [f"{meta[6]['p']}-r{fnv64(first)}" for first, _last in meta[2]]


def write_pf(path: Path, payload: bytes, level: int = 9) -> None:
    path.write_bytes(gzip.compress(SIGNATURE + payload, compresslevel=level, mtime=0))


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
    for h in page_files(meta):
        json.loads(read_pf(bundle / "fragment" / f"{h}.pf_fragment"))
    for h in chunk_files(meta, bundle) + range_files(meta):
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
    # the merged bundles copy it from their first shard (a service that stays up is not waited for to exit)
    if not (bundle / "pagefind-worker.js").read_text(encoding="utf-8").rstrip().endswith("})();"):
        raise ValueError("pagefind-worker.js is incomplete")


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


def rewrite_fragments(bundle: Path, texts: dict[str, str]) -> dict[str, str]:
    """Replace each fragment's ``content`` with the original text of its URL; return hash -> URL."""
    n = {}
    for frag in sorted((bundle / "fragment").glob("*.pf_fragment")):
        doc = json.loads(read_pf(frag))
        n[frag.name.removesuffix(".pf_fragment")] = doc["url"]
        text = texts.get(doc["url"])
        if text is None:
            continue
        doc["content"] = text
        write_pf(frag, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return n


def page_facts(bundle: Path) -> dict:
    """One bundle's part of the filters file (facets_json): {"n": {entity id: name}, "p": {page id: [source,
    date, [entity ids]]}}, read off its fragments' metadata."""
    meta = cbor2.loads(read_pf(meta_file(bundle)))
    docs = {h: json.loads(read_pf(bundle / "fragment" / f"{h}.pf_fragment")) for h in page_files(meta)}
    return facts_of(docs)


def facts_of(docs: dict[str, dict]) -> dict:
    """page_facts of fragments already read: {page id: fragment}."""
    names = {d["url"].strip("/").split("/")[-1]: d["meta"].get("title", "") for d in docs.values()
             if d["meta"].get("kind") == "entity"}  # fmt: skip
    pages = {h: [d["meta"].get("source", ""), d["meta"].get("date", ""),
                 [e for e in d["meta"].get("entities", "").split(",") if e]] for h, d in docs.items()}
    return {"n": names, "p": pages}


def facets_json(parts: list[dict]) -> str:
    """What the result filters need, per page of every bundle (issue 13), as JSON.

    ``{"s": [sources], "e": [[entity id, name]], "p": {page id: [source index or -1, date, [entity
    indexes]]}}``. The browser loads it once results are on screen, so the first result never waits for it;
    the Pagefind filter indexes would need the shard merge to carry them, this needs nothing from it.
    """
    names = {e: n for part in parts for e, n in part["n"].items()}
    pages = {h: f for part in parts for h, f in part["p"].items()}
    sources = sorted({f[0] for f in pages.values() if f[0]})
    linked = sorted({e for f in pages.values() for e in f[2] if e in names})
    s_ix = {s: i for i, s in enumerate(sources)}
    e_ix = {e: i for i, e in enumerate(linked)}
    out = {h: [s_ix.get(src, -1), date, [e_ix[e] for e in ents if e in e_ix]] for h, (src, date, ents) in pages.items()}
    doc = {"s": sources, "e": [[e, names[e]] for e in linked], "p": out}
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def facets(bundle: Path) -> str:
    """The filters file of one bundle."""
    return facets_json([page_facts(bundle)])
