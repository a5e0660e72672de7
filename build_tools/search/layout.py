"""A merged bundle's files from its word stream, and the writer that writes only the files whose bytes changed.

The word stream is every word of the bundle in code-point order, each with its whole index entry (CBOR
``[word, pages, variants]``, page numbers the pages' slots: slots.py) and its units (Σ locations + 1).
Everything here is a pure function of that stream and the pages' slots, and every boundary is content-defined,
so one changed word changes the file that holds it (and, rarely, a neighbour), never the others:

* a chunk is cut after a word once it holds CHUNK_MIN of ``limit`` units, with a chance of the word's
  units / (``limit`` / 2) read off the word's hash (so a chunk holds ``limit`` units on average; at 2 ×
  ``limit`` always): its file is named by a hash of its first word as the ranges store it;
* a frequent word (SPLIT_CHUNKS) is kept in runs of ``width`` slots, run k holding slots
  [k × width, (k + 1) × width) (only runs holding a page are written), named by a hash of the word and k;
  ``width`` a power of two, so it changes only when the word's units or the bundle's pages double or halve;
* the chunks' ranges are in blocks cut after a chunk whose name hashes to 0 mod RANGE_BLOCK (at most
  2 × RANGE_BLOCK), each named by a hash of its first word.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from dataclasses import dataclass
from itertools import accumulate

import cbor2

from build_tools.search.segments import cbor_head, cbor_text
from build_tools.search.slots import fnv64

CHUNK_GZIP_LEVEL = 5  # see merge.py (why 5)
RANGE_BLOCK = 64
RANGE_INLINE = 512
SPLIT_CHUNKS = 4
RUN_CHUNKS = 4


def _h32(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:4], "big")


def cut_after(word: str, units: int, total: int, limit: int) -> bool:
    """Does a chunk holding ``total`` units end after ``word`` (``units`` of them)?"""
    if total >= 2 * limit:
        return True
    return total >= limit // 2 and _h32(word) * (limit // 2) < units * 2**32


# (first word, last word, SHA-1 of its payload, ends at a cut, stream words it spans, entries it holds)
Chunk = tuple[str, str, str, bool, int, int]


class Deferred:
    """A payload known by its SHA-1, made (``make(sha1)``) only when its file must be written: a chunk laid out as
    the last layout laid it out is joined again only if its file is not there (nor under another name)."""

    __slots__ = ("make", "sha1")

    def __init__(self, sha1: str, make):
        self.sha1, self.make = sha1, make

    def payload(self) -> bytes:
        return self.make(self.sha1)


def lay_chunks(stream: list[tuple], limit: int, before: list[Chunk] | None = None,
               dirty: set[str] = frozenset()) -> tuple[list[tuple[Chunk, Deferred]], list[tuple], list[tuple]]:
    """The chunks of ``stream`` at ``limit`` (cut_after): ([(chunk, its payload)], the split words [(word, entry,
    units)], the stream as it is kept (a split word's entry None: its runs are kept)).

    ``before``: the chunks of the last layout, at this same limit; ``dirty``: the words whose entry, presence or
    place in the runs differs from the stream that layout was made of.  A chunk of ``before`` that holds no dirty
    word is laid out again as it was when the new layout starts a chunk at its first word (its cuts depend on its
    own words only): its words are skipped, not hashed for cuts, and its payload is neither joined nor hashed."""
    marks = sorted(dirty)
    starts = {c[0]: c for c in before or () if c[3] and _clean(c, marks)}
    chunks, split, kept = [], [], []
    group, total, begin = [], 0, 0  # the open chunk's words, where it began
    i, n = 0, len(stream)
    while i < n:
        item = stream[i]
        word, _entry, units = item
        if frequent(units, limit):
            split.append(item)
            kept.append((word, None, units))
            i += 1
            continue
        c = None if group else starts.get(word)
        if c is not None and i + c[4] <= n and stream[i + c[4] - 1][0] == c[1]:
            j = i + c[4]
            chunks.append((c, Deferred(c[2], _joiner(stream, i, j, limit))))
            if c[4] == c[5]:  # no frequent word among its words (c[4] - c[5] of them): kept as they are, in C
                kept += stream[i:j]
            else:
                split.extend(x for x in stream[i:j] if frequent(x[2], limit))
                kept.extend(x if x[1] is None or not frequent(x[2], limit) else (x[0], None, x[2])
                            for x in stream[i:j])
            i = j
            continue
        if not group:
            begin = i
        group.append(item)
        kept.append(item)
        total += units
        if cut_after(word, units, total, limit):
            chunks.append(_laid(group, i + 1 - begin, True))
            group, total = [], 0
        i += 1
    if group:
        chunks.append(_laid(group, n - begin, False))
    return chunks, split, kept


def _clean(chunk: Chunk, marks: list[str]) -> bool:
    """Does no word of ``marks`` (sorted) fall in the chunk's words?"""
    k = bisect_left(marks, chunk[0])
    return k == len(marks) or marks[k] > chunk[1]


def _joiner(stream: list[tuple], i: int, j: int, limit: int):
    """The payload of the chunk of stream[i:j], made when asked (Deferred)."""
    return lambda _sha1: _payload([e for _w, e, u in stream[i:j] if not frequent(u, limit)])


def _payload(entries: list[bytes]) -> bytes:
    return b"\x81" + cbor_head(4, len(entries)) + b"".join(entries)


def _laid(group: list[tuple], words: int, cut: bool) -> tuple[Chunk, Deferred]:
    """A chunk laid out anew from its words ``group``: ``words``, the stream's words it spans."""
    payload = _payload([e for _w, e, _u in group])
    sha1 = hashlib.sha1(payload).hexdigest()
    return (group[0][0], group[-1][0], sha1, cut, words, len(group)), Deferred(sha1, lambda _s: payload)


def stream_last(stream: list[tuple[str, bytes, int]], limit: int) -> str:
    return next(w for w, _e, u in reversed(stream) if not frequent(u, limit))


def frequent(units: int, limit: int) -> bool:
    """Is a word kept in runs (its entry over SPLIT_CHUNKS chunks' worth of units) rather than in a chunk?"""
    return units > SPLIT_CHUNKS * limit


def split_width(units: int, pages: int, limit: int) -> int:
    """A word's run width in a bundle of ``pages`` pages chunked at ``limit``; 0 for a word kept in a chunk.
    The one rule of the merge (bundle_files) and the splice (splice.py)."""
    return run_width(units, pages, limit) if frequent(units, limit) else 0


def _prefixes(a: str, b: str) -> tuple[str, str]:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return a[: n + 1], b[: n + 1]


def run_width(units: int, pages: int, limit: int) -> int:
    """Slots per run of a frequent word: a power of two, about twice the pages a run of RUN_CHUNKS chunks'
    worth of its units spans (slots are about half taken), so it moves only when units or pages double."""
    width = 1
    while width * units < 2 * pages * RUN_CHUNKS * limit:
        width *= 2
    return width


def run_ids(slots: list[int], width: int) -> list[int]:
    """The runs that hold a page: the others are never written (nor read: pfindex.js knows the slots)."""
    return sorted({s // width for s in slots})


def split_runs(entry: bytes, width: int, ks: list[int]) -> dict[int, bytes]:
    """A word's entry cut into the runs ``ks`` of ``width`` slots: each run's page list (its first page
    absolute) and its variants, as CBOR."""
    _word, pages, variants = cbor2.loads(entry)
    if variants:
        return _split_variants(pages, variants, width, ks)
    at = list(accumulate(p[0] for p in pages))
    out = {}
    start = 0
    for k in ks:
        start = bisect_left(at, k * width, start)
        end = bisect_left(at, (k + 1) * width, start)
        run = pages[start:end]
        if run:
            run[0] = [at[start], *run[0][1:]]
        out[k] = cbor2.dumps(run) + b"\x80"
        start = end
    return out


def _split_variants(pages: list, variants: list, width: int, ks: list[int]) -> dict[int, bytes]:
    """split_runs of a word with variant forms (stemmed words: none in our ``en`` index of tokens)."""
    rows: dict[int, list[tuple]] = {k: [] for k in ks}  # (slot, -1 or the variant's index, entry)
    for kind, plist in [(-1, pages), *((i, v[1]) for i, v in enumerate(variants))]:
        acc = 0
        for p in plist:
            acc += p[0]
            rows[acc // width].append((acc, kind, p))
    out = {}
    for k, run in rows.items():
        run.sort(key=lambda r: (r[0], r[1]))
        own = _deltas([[page, *p[1:]] for page, kind, p in run if kind < 0])
        forms = []
        for i, (form, _vp) in enumerate(variants):
            vp = [[page, *p[1:]] for page, kind, p in run if kind == i]
            if vp:
                forms.append([form, _deltas(vp)])
        out[k] = cbor2.dumps(own) + cbor2.dumps(forms)
    return out


def _deltas(pages: list) -> list:
    prev = 0
    for page in pages:
        page[0], prev = page[0] - prev, page[0]
    return pages


def bundle_files(stream: list[tuple[str, bytes | None, int]], slots: list[int], counts: list[int], head: list,
                 prefix: str, limit: int, runs: dict | None = None) -> tuple[dict[str, tuple[bytes, int]], dict]:
    """Every index file of the bundle: relative path -> (payload, gzip level), the meta last (its name is the
    hash of its payload); and the frequent words' runs {word: (width, {run: payload})}.  ``head``:
    [version, fields, language]; ``runs``: the runs kept from the last merge (a frequent word whose entry is
    None in ``stream`` must be there, spliced: splice.py)."""
    laid = lay_out(stream, slots, counts, head, prefix, limit, runs)
    files = {rel: (p.payload() if isinstance(p, Deferred) else p, lvl) for rel, (p, lvl) in laid.files.items()}
    return files, laid.runs


@dataclass
class Laid:
    files: dict  # relative path -> (payload or Deferred, gzip level)
    runs: dict  # the frequent words' runs {word: (width, {run: payload})}
    chunks: list  # [Chunk]
    stream: list  # the stream as kept (lay_chunks)


def lay_out(stream: list[tuple], slots: list[int], counts: list[int], head: list, prefix: str, limit: int,
            runs: dict | None = None, before: list[Chunk] | None = None, dirty: set[str] = frozenset()) -> Laid:
    """bundle_files, each chunk's payload a Deferred, and what a later layout resumes from (lay_chunks: ``before``,
    ``dirty``)."""
    files: dict[str, tuple] = {}
    laid, split, kept = lay_chunks(stream, limit, before, dirty) if stream else ([], [], [])
    ranges = [[c[0], c[1]] for c, _p in laid]
    for i in range(len(ranges) - 1):
        ranges[i][1], ranges[i + 1][0] = _prefixes(ranges[i][1], ranges[i + 1][0])
    for (_c, payload), (start, _end) in zip(laid, ranges, strict=True):
        files[f"index/{prefix}{fnv64(start)}.pf_index"] = (payload, CHUNK_GZIP_LEVEL)
    listed, used = [], {}
    ids: dict[int, list[int]] = {}  # run ids by width: a few widths among ~270 frequent words at 10k
    for word, entry, units in split:
        width = split_width(units, len(slots), limit)
        ks = ids.get(width) or ids.setdefault(width, run_ids(slots, width))
        payloads = _kept_runs((runs or {}).get(word), width, ks)
        if payloads is None:
            if entry is None:
                raise ValueError(f"search: the runs of {word!r} were not kept")
            payloads = split_runs(entry, width, ks)
        used[word] = (width, payloads)
        name = fnv64(word)
        for k in ks:
            files[f"index/{prefix}-s{name}-{k:x}.pf_index"] = (b"\x81\x81\x83" + cbor_text(word) + payloads[k],
                                                                CHUNK_GZIP_LEVEL)
        listed.append([word, width])
    blocks: list[list] = []
    if len(ranges) > RANGE_INLINE:
        for r in ranges:
            if not blocks or len(blocks[-1]) >= 2 * RANGE_BLOCK or _h32(blocks[-1][-1][0]) % RANGE_BLOCK == 0:
                blocks.append([])
            blocks[-1].append(r)
        for block in blocks:
            files[f"index/{prefix}-r{fnv64(block[0][0])}.pf_index"] = (cbor2.dumps(block), CHUNK_GZIP_LEVEL)
    # The browser's pages are the slots in ascending order, so the meta holds only sorted slots, delta-coded
    # (mostly one byte each); slots ascend with the day, so a higher page is as new or newer (ties rank
    # newest first: pfindex.js), and the (date, path) order costs the first query nothing.
    order = sorted(range(len(slots)), key=slots.__getitem__)
    sorted_slots = [slots[i] for i in order]
    deltas = [b - a for a, b in zip([0, *sorted_slots], sorted_slots, strict=False)]
    ext = {"p": prefix, "s": listed, "c": len(ranges), "b": [len(b) for b in blocks], "v": deltas}
    top = [[b[0][0], b[-1][1]] for b in blocks] if blocks else ranges
    version, fields, language = head
    payload = cbor2.dumps([version, [counts[i] for i in order], top, [], [], fields, ext])
    files[f"pagefind.{language}_{hashlib.sha1(payload).hexdigest()[: len(language) + 8]}.pf_meta"] = (payload, 9)
    return Laid(files, used, [c for c, _p in laid], kept)


EMPTY_RUN = b"\x80\x80"


def _kept_runs(kept: tuple | None, width: int, ks: list[int]) -> dict[int, bytes] | None:
    """A frequent word's runs ``ks`` from the ones kept, if they were cut at ``width`` (a run not kept is
    empty; a kept run no longer listed must be)."""
    if kept is None or kept[0] != width:
        return None
    payloads = kept[1]
    out = {k: payloads.get(k, EMPTY_RUN) for k in ks}
    return out if all(p == EMPTY_RUN for k, p in payloads.items() if k not in out) else None
