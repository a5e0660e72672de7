"""A bundle's word stream updated in O(change): the changed shards' entries spliced into the last merge's.

Why: merging every shard again for one article dated among old ones cost ~8 s at 10k articles, ~100 s at 50k
(docs/dev/scaling-history.md).  Pages keep their slots (slots.py), so a changed shard changes the entries of its own
changed pages only: the words whose entries differ between the shard's old and new version (the pages
whose slot moved counted on both sides) are the words to update, each by removing and inserting the
entries of those slots.  A frequent word is kept as its runs (layout.py), so only the runs holding a changed
slot are read.  The result is the stream a merge from nothing makes (tests/test_search_stable.py checks that
over random sequences of changes); when the change is large, or anything kept is missing, the caller merges.

Kept state (``Kept``): the shards merged, each page's slot, the stream (a frequent word's entry left out:
``None``) and the frequent words' runs {word: (width, {run: payload})}.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from build_tools.search.layout import EMPTY_RUN, split_width
from build_tools.search.segments import INT_LEN, cbor_head, cbor_text, entries_of, parse_entries, read_uint, skip_ints

# More shards changed than this (the tiers' cut moved, the slot width doubled...): merge from the shards.
MAX_SHARDS = 24
# A skip point every this many entries of a walked page list: a later change in that list walks from the last
# point before its first changed slot, not from the list's start (the walks were ~0.2 s of each change at 10k:
# ~2,400 changed words, lists of up to ~5,000 entries walked to the change, half of one on average).
SKIP_EVERY = 64

Skip = tuple[int, int, int]  # (entry index, offset of the entry from the list's first entry, page before it)

Entry = tuple[int, bytes, bytes, int]  # (slot, CBOR head of the entry, its bytes after the page delta, units)


@dataclass
class Kept:
    shards: list[str] = field(default_factory=list)
    slots: dict[str, int] = field(default_factory=dict)
    limit: int = 0
    stream: list[tuple[str, bytes | None, int]] = field(default_factory=list)
    runs: dict[str, tuple[int, dict[int, bytes]]] = field(default_factory=dict)
    pages: dict[str, dict] = field(default_factory=dict)  # shard key -> its pages (tiers.shard_info)
    fields: list[str] = field(default_factory=list)
    version: str = ""
    variants: set[str] | None = None  # the words with variant forms (None: not known; their lists walked whole)
    # where to start a page list's walk: {word, or (word, run): [(entry index, offset from its first entry, page
    # of the entry before)]}, every SKIP_EVERY-th entry of the parts of lists a splice walked (see _spliced_list)
    skips: dict = field(default_factory=dict)
    # the chunks the stream was laid out in (layout.Chunk): a later layout resumes the ones no change touches
    chunks: list = field(default_factory=list)
    units: int | None = None  # Σ units of the stream (the chunk limit's input), None: not known (counted)


def parse_list(data: bytes, p: int, n: int, page: int = 0) -> tuple[list[Entry], int]:
    """The ``n`` delta-coded page entries at ``p`` (``page``: the number their deltas start from)."""
    entries, p = parse_entries(data, p, n, page)
    return [(page, head, tail, read_uint(tail, 0)[0] + 1) for page, head, tail in entries], p


def encode_list(entries: list[Entry]) -> bytes:
    parts, prev = [cbor_head(4, len(entries))], 0
    for page, head, tail, _u in entries:
        parts.append(head + cbor_head(0, page - prev) + tail)
        prev = page
    return b"".join(parts)


def _walk(data: bytes, p: int, n: int, stop: int | None = None, page: int = 0) -> tuple[list[int], list[int]]:
    """(page of each entry walked, offset of each and of the end of the last): the ``n`` entries at ``p``, or
    up to the first one past slot ``stop`` (the rest is copied as bytes: their deltas do not move).

    The reading of an entry is segments.parse_entries' own, inlined: a shared per-entry function was tried
    (session 26) and made this walk 10-15% slower, over 200,000 entries; the splice walks changed words'
    lists of up to ~10^5 entries in a change.  ``page``: the page of the entry before the one at ``p``."""
    pages, offsets = [], []
    table = INT_LEN
    for _ in range(n):
        if stop is not None and pages and pages[-1] > stop:
            break
        offsets.append(p)
        head = data[p]
        b = data[p + 1]
        if b < 24:
            page += b
            q = p + 2
        else:
            delta, q = read_uint(data, p + 1)
            page += delta
        pages.append(page)
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
        if head == 0x83:
            if data[end] == 0x80:
                end += 1
            else:
                nmeta, end = read_uint(data, end)
                end = skip_ints(data, end, nmeta)
        p = end
    offsets.append(p)
    return pages, offsets


def _start(skips: list[Skip], first: int) -> Skip:
    """The last skip point whose entry follows only entries before slot ``first`` (none changed), or the start."""
    best = (0, 0, 0)
    for point in skips:
        if point[2] >= first:
            break
        best = point
    return best


def _spliced_list(data: bytes, p: int, gone: set, put: dict[int, Entry], plain: bool,
                  skips: list[Skip] = ()) -> tuple[bytes, int, int, list[Skip]] | None:
    """The page list at ``p`` (a CBOR array of delta-coded entries, then the variant forms) with the entries of
    the slots ``gone`` removed and ``put`` put in: (its new bytes, entries, units added, its skip points); the
    entries between changes copied as bytes, only the first one after a change given its new delta.  ``plain``:
    the word is known to have no variant forms, so the list is walked from its last skip point (``skips``)
    before the first change up to its last change only; else whole, and None when variant forms follow (merged
    from the shards).  The skip points of the new list: the old ones before the walk, one every SKIP_EVERY
    entries copied in the walked part, and the old ones after it moved by the entries and bytes it gained."""
    n, p = read_uint(data, p)
    changed = sorted(gone | put.keys())
    first_i, first_off, before = _start(skips, changed[0]) if plain and changed else (0, 0, 0)
    pages, offsets = _walk(data, p + first_off, n - first_i, changed[-1] if plain and changed else None, before)
    walked = first_i + len(pages)
    if walked == n and data[offsets[-1]:] != b"\x80":
        return None
    out: list[bytes] = [data[p : p + first_off]]
    size = first_off  # bytes of ``out`` so far
    new_skips = [point for point in skips if point[0] < first_i] if plain else []
    prev, at, count, units = before, 0, first_i, 0

    def copy(upto: int) -> None:  # walked entries at..upto-1, the first one's delta made from ``prev``
        nonlocal prev, count, size
        if at >= upto:
            return
        o = offsets[at]
        _d, q = read_uint(data, o + 1)
        delta = cbor_head(0, pages[at] - prev)
        shift = size + 1 + len(delta) - q  # where a copied entry's old offset lands in the new list
        j = at + (-count) % SKIP_EVERY  # the first copied entry whose new index is a multiple of SKIP_EVERY
        if j == at:
            if count:  # (never at the list's start: a list shorter than SKIP_EVERY keeps no point)
                new_skips.append((count, size, prev))
            j += SKIP_EVERY
        new_skips.extend((count + k - at, offsets[k] + shift, pages[k - 1]) for k in range(j, upto, SKIP_EVERY))
        out.append(data[o : o + 1] + delta + data[q : offsets[upto]])
        size += len(out[-1])
        prev, count = pages[upto - 1], count + upto - at

    for slot in changed:
        i = bisect_left(pages, slot, at)
        copy(i)
        at = i
        if i < len(pages) and pages[i] == slot:
            o = offsets[i]
            _d, q = read_uint(data, o + 1)
            units -= read_uint(data, q)[0] + 1
            at = i + 1
        if slot in put:
            page, head, tail, u = put[slot]
            out.append(head + cbor_head(0, page - prev) + tail)
            size += len(out[-1])
            prev, count, units = page, count + 1, units + u
    copy(len(pages))
    # the entries not walked and the variant forms (b"\x80": none) follow as they were, their skip points moved
    gained, moved = count - walked, size - (offsets[-1] - p)
    new_skips += [(i + gained, off + moved, page) for i, off, page in skips if i >= walked] if plain else []
    total = count + n - walked
    return cbor_head(4, total) + b"".join(out) + data[offsets[-1]:], total, units, new_skips


def _entry_list(entry: bytes) -> list[Entry] | None:
    """A word's entries, or None when it has variant forms (not spliced: merged from the shards)."""
    wlen, p = read_uint(entry, 1)
    n, p = read_uint(entry, p + wlen)
    entries, p = parse_list(entry, p, n)
    return entries if entry[p:] == b"\x80" else None


def _run_list(lists: bytes) -> list[Entry] | None:
    n, p = read_uint(lists, 0)
    entries, p = parse_list(lists, p, n)
    return entries if lists[p:] == b"\x80" else None


def shard_entries(segs: list, slots: list[int]) -> dict[str, dict[int, Entry]]:
    """Every word of a shard (its segments, pages numbered 0…) -> {slot: entry}, pages numbered by ``slots``."""
    out: dict[str, dict[int, Entry]] = {}
    for seg in segs:
        if seg[9]:
            raise Unspliceable(seg[0])
        words = out.setdefault(seg[0], {})
        for page, head, tail in entries_of(seg):
            nlocs, _q = read_uint(tail, 0)
            words[slots[page]] = (slots[page], head, tail, nlocs + 1)
    return out


class Unspliceable(Exception):
    pass


def word_changes(old: dict[str, dict[int, Entry]], new: dict[str, dict[int, Entry]]) -> dict[str, tuple[set, dict]]:
    """word -> (slots whose entry goes, {slot: entry} to put in), for the words whose entries differ."""
    out = {}
    for word in old.keys() | new.keys():
        before, after = old.get(word, {}), new.get(word, {})
        if before == after:
            continue
        gone = {s for s in before if s not in after or after[s] != before[s]}
        put = {s: e for s, e in after.items() if before.get(s) != e}
        out[word] = (gone, put)
    return out


def splice(kept: Kept, changes: dict[str, tuple[set, dict]], pages: int,
           limit_of: Callable[[int], int]) -> tuple[list, dict, int, dict] | None:
    """The new (stream, runs, chunk limit, skip points) from ``kept`` and the words' ``changes``, as a merge of
    the same pages makes them; None if a word to rewrite cannot be spliced (variant forms).  ``pages``: the bundle's
    page count; ``limit_of(total units)``: its chunk limit.  (spliced: the same, and the stream's units.)"""
    done = spliced(kept, changes, pages, limit_of)
    return done[:4] if done is not None else None


def spliced(kept: Kept, changes: dict[str, tuple[set, dict]], pages: int,
            limit_of: Callable[[int], int]) -> tuple[list, dict, int, dict, int] | None:
    """splice's (stream, runs, limit, skip points), and the new stream's units (its Σ units: the limit's input).

    A word is kept in runs, and at which width, by the same rule as layout.bundle_files (``layout.split_width``
    of its units, the pages and the limit): a word that crosses the threshold, or whose width moves (its units
    or the pages doubled), is cut again from its own entries here (O(that word)), never by a merge from the
    shards (session 25's bench: a crossing sent one in six changes at 10k to a 10 s full merge).  Only the words
    that can move are looked at (found by bisection: the stream is in word order), not the whole stream."""
    stream, runs, touched, skips, delta = _applied(kept, changes)
    if stream is None:
        return None
    total = stream_units(kept) + delta
    limit = limit_of(total)
    # what can move from runs to an entry or back: a changed word; a frequent word (its width depends on the
    # pages too); with a new limit, any word
    if limit == kept.limit:
        at = (_index(stream, w) for w in sorted(touched | runs.keys()))
        recheck: Iterable[int] = [i for i in at if i is not None]
    else:
        recheck = range(len(stream))
    for i in recheck:
        word, entry, units = stream[i]
        want = split_width(units, pages, limit)
        have = runs[word][0] if word in runs else 0
        if want == have:
            continue
        entries = _joined_runs(runs[word][1]) if have else _entry_list(entry)
        if entries is None:
            return None
        _drop_skips(skips, word, runs)  # its lists are cut again: none of its points holds
        if want:
            runs[word] = (want, cut_runs(entries, want))
            stream[i] = (word, None, units)
        else:
            del runs[word]
            stream[i] = (word, _entry_bytes(word, entries), units)
    return stream, runs, limit, skips, total


def stream_units(kept: Kept) -> int:
    """Σ units of the kept stream: as kept with it, or counted (a Kept from before the count was kept)."""
    units = getattr(kept, "units", None)
    return units if units is not None else sum(u for _w, _e, u in kept.stream)


def _index(stream: list[tuple], word: str) -> int | None:
    """Where ``word`` is in ``stream`` (sorted by word, each once), or None.  ((word,) sorts just before any
    (word, entry, units), and is compared with another item's word only.)"""
    i = bisect_left(stream, (word,))
    return i if i < len(stream) and stream[i][0] == word else None


def _put_skips(skips: dict, key: str | tuple[str, int], points: list[Skip]) -> None:
    if points:
        skips[key] = points
    else:
        skips.pop(key, None)


def _drop_skips(skips: dict, word: str, runs: dict) -> None:
    skips.pop(word, None)
    for k in runs[word][1] if word in runs else ():
        skips.pop((word, k), None)


def _applied(kept: Kept, changes: dict[str, tuple[set, dict]]) -> tuple[list | None, dict, set, dict, int]:
    """(stream, runs, words changed, skip points, units added) with the ``changes`` applied, every word kept as it
    was (runs or entry); (None, …) for a word with variant forms.  The new stream is the kept one's slices between
    the changed words (their very items, not copies: packs.py compares a saved piece with them) and the changed
    words' new items, each found by bisection: no pass over the whole stream in Python (~0.1 s at 10k articles)."""
    old = kept.stream
    runs = dict(kept.runs)
    skips = dict(getattr(kept, "skips", None) or {})  # (a Kept pickled before skip points: none)
    edits: list[tuple[int, bool, tuple[str, bytes | None, int] | None]] = []  # (index, replaces it, new item)
    delta = 0
    for word in sorted(changes):  # (in word order, so the edits are in stream order)
        gone, put = changes[word]
        at = _index(old, word)
        plain = kept.variants is not None
        if plain and word in kept.variants:
            return None, runs, set(), skips, 0
        if word in runs:
            width, payloads = runs[word]
            payloads = dict(payloads)
            added_units = 0
            for k in sorted({s // width for s in gone} | {s // width for s in put}):
                done = _spliced_list(payloads.get(k, EMPTY_RUN), 0, {s for s in gone if s // width == k},
                                     {s: e for s, e in put.items() if s // width == k}, plain,
                                     skips.get((word, k), ()))
                if done is None:
                    return None, runs, set(), skips, 0
                payloads[k], _n, more, points = done
                _put_skips(skips, (word, k), points)
                added_units += more
            units = old[at][2] + added_units
            delta += added_units
            if units:
                runs[word] = (width, payloads)
                edits.append((at, True, (word, None, units)))
            else:
                for k in payloads:
                    skips.pop((word, k), None)
                del runs[word]
                edits.append((at, True, None))
            continue
        if at is None:
            entries = sorted(put.values())
            if entries:
                units = sum(e[3] for e in entries)
                delta += units
                edits.append((bisect_left(old, (word,)), False, (word, _entry_bytes(word, entries), units)))
            continue
        entry = old[at][1]
        wlen, p = read_uint(entry, 1)
        done = _spliced_list(entry, p + wlen, gone, put, plain, skips.get(word, ()))
        if done is None:
            return None, runs, set(), skips, 0
        body, count, added_units, points = done
        _put_skips(skips, word, points)
        delta += added_units if count else -old[at][2]
        edits.append((at, True, (word, entry[:p + wlen] + body, old[at][2] + added_units) if count else None))
    stream: list = []
    upto = 0
    for at, replaces, item in edits:
        stream += old[upto:at]
        if item is not None:
            stream.append(item)
        upto = at + 1 if replaces else at
    stream += old[upto:]
    return stream, runs, set(changes), skips, delta


def kept_skips(skips: dict, spliced: dict, laid_out: dict) -> dict:
    """The splice's skip points (Kept.skips) of the lists kept as the splice left them: a word's entry
    (kept whole in the stream) or a run the layout took from the splice's runs (the very bytes object)."""
    out = {}
    for key, points in skips.items():
        if isinstance(key, tuple):
            word, k = key
            if word not in laid_out or laid_out[word][1].get(k) is not spliced.get(word, (0, {}))[1].get(k):
                continue
        elif key in laid_out:
            continue
        out[key] = points
    return out


def _entry_bytes(word: str, entries: list[Entry]) -> bytes:
    return b"\x83" + cbor_text(word) + encode_list(entries) + b"\x80"


def _joined_runs(payloads: dict[int, bytes]) -> list[Entry] | None:
    """A frequent word's entries, from all its runs (in slot order)."""
    out: list[Entry] = []
    for k in sorted(payloads):
        entries = _run_list(payloads[k])
        if entries is None:
            return None
        out += entries
    return out


def cut_runs(entries: list[Entry], width: int) -> dict[int, bytes]:
    """A frequent word's runs of ``width`` slots from its entries (sorted by slot): what layout.split_runs cuts
    from its entry (the runs holding none of its pages left out: layout fills them in as empty)."""
    out: dict[int, list[Entry]] = {}
    for e in entries:
        out.setdefault(e[0] // width, []).append(e)
    return {k: encode_list(run) + b"\x80" for k, run in out.items()}
