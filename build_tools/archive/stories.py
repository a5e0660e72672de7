"""Same story: two outlets reporting the same interview, a repost, a light edit.

Decided by :func:`same_story`: the articles are dated at most ``SAME_STORY_DAYS`` apart
(or one is undated) and either

* their texts overlap: estimated containment of the shorter text's 5-character
  shingles in the longer one ≥ ``SAME_STORY_CONTAINMENT`` (bottom-k MinHash
  sketches from :func:`story_fingerprint`; catches reposts and light edits), or
* they quote the same words: at least ``SAME_STORY_QUOTES`` sampled 8-character
  shingles (each with two or more CJK characters) of text inside quotation marks
  (“…”, 「…」, ‘…’, "…") are shared.  Two outlets translating or summarising the
  same interview word their reports differently but quote the speaker alike
  (seeds 000 and 001 share 18 such shingles; unrelated seeds at most 2), or
* without fingerprints: entity cosine ≥ ``SAME_STORY_COSINE`` and the same most
  salient entity.

:class:`TextPairs` decides the fingerprint half for many pairs, cheaply (see there).
"""

from __future__ import annotations

import bisect
import heapq
import re
import zlib
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date as Date

from build_tools.entities.normalize import key
from build_tools.model import Article, Summary, block_text

SHINGLE = 5
SKETCH = 128
SAME_STORY_DAYS = 7
SAME_STORY_CONTAINMENT = 0.2
SAME_STORY_COSINE = 0.85
SAME_STORY_QUOTES = 4
QUOTE_SHINGLE = 8
QUOTE_KEEP = 300  # at most this many sampled quote shingles per article
_NON_TEXT = re.compile(r"[^0-9a-z\u3400-\u9fff]+")
_QUOTED = re.compile(r"“([^”]{6,400})”|「([^」]{6,400})」|‘([^’]{6,400})’|\"([^\"\n]{6,400})\"")
_EVEN = bytes(0 if b & 1 else 1 for b in range(256))
_ONE = re.compile(b"\x01")
_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")


def hashes(values: Iterable[int] = ()) -> array:
    """32-bit hashes (CRC-32) packed 4 bytes each: a build keeps one fingerprint per article to its related
    pass, and 128 + up to 300 Python ints in a tuple and a frozenset took ~7.6 KB of an article's ~15 KB view
    (under 1 KB packed)."""
    return array("I", values)


@dataclass(frozen=True)
class Fingerprint:
    """Bottom-k MinHash sketch of an article's character shingles.

    ``sketch`` and ``quotes`` are given as any iterables of 32-bit hashes and kept packed (:func:`hashes`):
    ``sketch`` in the order given, ``quotes`` sorted (a set: only shared members are counted)."""

    size: int
    sketch: array
    quotes: array = field(default_factory=hashes)
    # Bit filters of ``sketch`` and ``quotes`` (see :func:`_filters`); 0: not computed, derived when needed.
    filters: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "sketch", hashes(self.sketch))
        object.__setattr__(self, "quotes", hashes(sorted(set(self.quotes))))

    def __hash__(self) -> int:
        return hash((self.size, self.sketch.tobytes(), self.quotes.tobytes(), self.filters))

    def shared_quotes(self, other: Fingerprint) -> int:
        """How many sampled quote shingles the two articles share."""
        return len(set(self.quotes).intersection(other.quotes))


def story_fingerprint(article: Article | str, k: int = SKETCH) -> Fingerprint:
    """Fingerprint of the cleaned body (script- and case-blind, punctuation dropped)."""
    text = article if isinstance(article, str) else "\n".join(block_text(b) for b in article.blocks)
    norm = key(text)
    flat = _NON_TEXT.sub("", norm)
    # Content-defined sample: shingles whose first character has an even code point.  The same
    # shingle is kept or dropped in every article, so overlaps are estimated without bias.
    data = flat.encode("utf-32-le")
    marks = data[0 : 4 * max(0, len(flat) - SHINGLE + 1) : 4].translate(_EVEN)
    shingles = {zlib.crc32(data[4 * i : 4 * (i + SHINGLE)]) for i in _positions(marks)}
    quoted: set[int] = set()
    for m in _QUOTED.finditer(norm):
        q = _NON_TEXT.sub("", next(g for g in m.groups() if g))
        for i in range(len(q) - QUOTE_SHINGLE + 1):
            sh = q[i : i + QUOTE_SHINGLE]
            h = zlib.crc32(sh.encode("utf-8"))
            if h % 2 == 0 and len(_CJK_CHAR.findall(sh)) >= 2:  # fixed 1-in-2 sample: same for all
                quoted.add(h)
    sketch = sorted(heapq.nsmallest(k, shingles))
    quotes = heapq.nsmallest(QUOTE_KEEP, quoted)
    return Fingerprint(len(shingles), sketch, quotes, _filters(sketch, quotes))


def _positions(marks: bytes) -> list[int]:
    return [m.start() for m in _ONE.finditer(marks)]


def containment(a: Fingerprint, b: Fingerprint) -> float:
    """Estimated share of the smaller text's shingles found in the other text."""
    if not a.size or not b.size:
        return 0.0
    k = min(len(a.sketch), len(b.sketch), SKETCH)
    # Bottom-k estimate: of the k smallest hashes of the union, the share found in both sketches.
    union = sorted(set(a.sketch).union(b.sketch))
    taken = min(k, len(union))
    threshold = union[taken - 1] if taken else 0
    both = sum(1 for h in set(a.sketch).intersection(b.sketch) if h <= threshold)
    j = both / taken if taken else 0.0
    inter = j * (a.size + b.size) / (1 + j)
    return min(1.0, inter / min(a.size, b.size))


def _days(a: str | None, b: str | None) -> int | None:
    try:
        da, db = Date.fromisoformat((a or "")[:10]), Date.fromisoformat((b or "")[:10])
    except ValueError:
        return None
    return abs((da - db).days)


def same_story(
    a: Summary,
    b: Summary,
    cosine: float,
    fa: Fingerprint | None = None,
    fb: Fingerprint | None = None,
) -> bool:
    days = _days(a.date, b.date)
    if days is not None and days > SAME_STORY_DAYS:
        return False
    if fa is not None and fb is not None:
        return containment(fa, fb) >= SAME_STORY_CONTAINMENT or fa.shared_quotes(fb) >= SAME_STORY_QUOTES
    return (
        days is not None
        and cosine >= SAME_STORY_COSINE
        and bool(a.entities)
        and bool(b.entities)
        and a.entities[0] == b.entities[0]
    )


SKETCH_BITS = 8192  # bits of a fingerprint's sketch filter
QUOTE_BITS = 2048  # bits of its quote filter
_QUOTE_MASK = (1 << QUOTE_BITS) - 1
_BITS = bytes.maketrans(b"\x00\x01", b"01")


def _filters(sketch: Iterable[int], quotes: Iterable[int]) -> int:
    """One bit per sketch hash (``h mod SKETCH_BITS``, high part) and per quote hash (``h/2 mod QUOTE_BITS``,
    low part): the popcount of two fingerprints' ``filters & filters`` bounds how many hashes they share."""
    flags = bytearray(SKETCH_BITS + QUOTE_BITS)
    for h in sketch:
        flags[h & (SKETCH_BITS - 1)] = 1
    for h in quotes:  # quote hashes are even
        flags[SKETCH_BITS + ((h >> 1) & (QUOTE_BITS - 1))] = 1
    return int(flags.translate(_BITS), 2)  # the first flag is the highest bit


class TextPairs:
    """The fingerprint half of :func:`same_story` for articles by position, each pair decided once.

    Most candidate pairs share few quote or sketch hashes: a bit filter per article bounds the
    shared counts first (a popcount of two small integers), and only pairs that may pass are
    checked exactly.
    """

    def __init__(self, fps: list[Fingerprint | None]):
        self.fps = fps
        self.filters: list[int | None] = [None] * len(fps)
        # Per position: whether the sketch is sorted and duplicate-free, once needed.  No set of each sketch is
        # kept: the related pass's workers each reach nearly every article, and a set of 128 hashes per article
        # (~8 KB) was 400 MB per worker at 50,000 articles; the pairs that pass the bit filter are few.
        self.ordered: list[bool | None] = [None] * len(fps)
        self.memo: dict[int, bool] = {}  # pair i * n + j (i < j): an int, not a tuple, per pair seen

    def same(self, i: int, j: int) -> bool:
        pair = i * len(self.fps) + j if i < j else j * len(self.fps) + i
        got = self.memo.get(pair)
        if got is None:
            got = self.memo[pair] = self._decide(i, j)
        return got

    def _filter(self, i: int) -> int:
        got = self.filters[i]
        if got is None:
            f = self.fps[i]
            assert f is not None
            got = self.filters[i] = f.filters or _filters(f.sketch, f.quotes)
        return got

    def _ordered(self, i: int) -> bool:
        got = self.ordered[i]
        if got is None:
            sketch = self.fps[i].sketch  # type: ignore[union-attr]
            got = self.ordered[i] = all(a < b for a, b in zip(sketch, sketch[1:], strict=False))
        return got

    def _decide(self, i: int, j: int) -> bool:
        fa, fb = self.fps[i], self.fps[j]
        assert fa is not None and fb is not None
        both = self._filter(i) & self._filter(j)
        if (both & _QUOTE_MASK).bit_count() >= SAME_STORY_QUOTES and fa.shared_quotes(fb) >= SAME_STORY_QUOTES:
            return True
        if not (fa.size and fb.size and SAME_STORY_CONTAINMENT > 0):
            return containment(fa, fb) >= SAME_STORY_CONTAINMENT
        k = min(len(fa.sketch), len(fb.sketch), SKETCH)
        if not k:
            return containment(fa, fb) >= SAME_STORY_CONTAINMENT
        # Upper bound of containment(): every shared hash counted as below the threshold.
        cap = min(fa.size, fb.size) * (1 - 1e-9)
        total = fa.size + fb.size
        if not _may_contain((both >> QUOTE_BITS).bit_count(), k, total, cap):
            return False
        shared = set(fa.sketch).intersection(fb.sketch)
        if not _may_contain(len(shared), k, total, cap):
            return False
        if not (self._ordered(i) and self._ordered(j)):
            return containment(fa, fb) >= SAME_STORY_CONTAINMENT
        return _containment_sorted(fa, fb, fa.sketch, fb.sketch, sorted(shared), k) >= SAME_STORY_CONTAINMENT


def _may_contain(shared: int, k: int, total: int, cap: float) -> bool:
    """False when :func:`containment` is surely below the threshold with at most ``shared`` common hashes."""
    if not shared:
        return False
    j = min(1.0, shared / k)
    return j * total / (1 + j) >= SAME_STORY_CONTAINMENT * cap


def _containment_sorted(
    a: Fingerprint, b: Fingerprint, sa: array, sb: array, shared: list[int], k: int
) -> float:
    """:func:`containment` for sorted, duplicate-free sketches (``shared``: their sorted intersection)."""
    merged = sorted(sa + sb)  # two sorted runs: a linear merge; each shared hash appears twice
    # The k-th smallest distinct hash of the union sits at merged[k - 1 + c], c = shared hashes below it.
    c = 0
    while True:
        t = merged[k - 1 + c]
        below = bisect.bisect_left(shared, t)
        if below != c:
            c = below
        elif k - 2 + c >= 0 and merged[k - 2 + c] == t:  # the second copy of a shared hash
            c += 1
        else:
            break
    both = bisect.bisect_right(shared, t)
    j = both / k
    inter = j * (a.size + b.size) / (1 + j)
    return min(1.0, inter / min(a.size, b.size))
