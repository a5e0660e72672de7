"""Related articles: shared entities weighted by rarity, and same-story detection.

Ranking (tf-idf style): each article is a vector over its entities, weight
``tf × idf`` with ``tf = 1 + ln(mentions)`` (or ``1/sqrt(1 + salience rank)``
when counts are not given) and ``idf = ln((N + 1) / df)``; related articles are
ranked by cosine similarity.

Scale: candidates come from an inverted index entity → articles.  Entities in
more than ``common_df`` articles are not expanded in full (that would be
quadratic); for them only the ``window`` articles nearest in date are taken as
candidates.  Every candidate is then scored on all shared entities.

Same story (e.g. two outlets reporting the same interview), decided by
:func:`same_story`: the articles are dated at most ``SAME_STORY_DAYS`` apart
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
"""

from __future__ import annotations

import bisect
import heapq
import math
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date as Date

from build_tools.model import Article, Summary, block_text

from .normalize import key

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


@dataclass(frozen=True)
class Fingerprint:
    """Bottom-k MinHash sketch of an article's character shingles."""

    size: int
    sketch: tuple[int, ...]
    quotes: frozenset[int] = frozenset()


def story_fingerprint(article: Article | str, k: int = SKETCH) -> Fingerprint:
    """Fingerprint of the cleaned body (script- and case-blind, punctuation dropped)."""
    text = article if isinstance(article, str) else "\n".join(block_text(b) for b in article.blocks)
    norm = key(text)
    flat = _NON_TEXT.sub("", norm)
    # Content-defined sample: shingles whose first character has an even code point.  The same
    # shingle is kept or dropped in every article, so overlaps are estimated without bias.
    data = flat.encode("utf-32-le")
    marks = data[0 : 4 * max(0, len(flat) - SHINGLE + 1) : 4].translate(_EVEN)
    hashes = {zlib.crc32(data[4 * i : 4 * (i + SHINGLE)]) for i in _positions(marks)}
    quoted: set[int] = set()
    for m in _QUOTED.finditer(norm):
        q = _NON_TEXT.sub("", next(g for g in m.groups() if g))
        for i in range(len(q) - QUOTE_SHINGLE + 1):
            sh = q[i : i + QUOTE_SHINGLE]
            h = zlib.crc32(sh.encode("utf-8"))
            if h % 2 == 0 and len(_CJK_CHAR.findall(sh)) >= 2:  # fixed 1-in-2 sample: same for all
                quoted.add(h)
    return Fingerprint(
        len(hashes), tuple(sorted(heapq.nsmallest(k, hashes))), frozenset(heapq.nsmallest(QUOTE_KEEP, quoted))
    )


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
        return containment(fa, fb) >= SAME_STORY_CONTAINMENT or len(fa.quotes & fb.quotes) >= SAME_STORY_QUOTES
    return (
        days is not None
        and cosine >= SAME_STORY_COSINE
        and bool(a.entities)
        and bool(b.entities)
        and a.entities[0] == b.entities[0]
    )


def _vectors(
    summaries: Sequence[Summary], counts_by_slug: Mapping[str, Mapping[str, int]] | None
) -> tuple[dict[str, dict[str, float]], dict[str, int]]:
    df: dict[str, int] = defaultdict(int)
    for s in summaries:
        for e in set(s.entities):
            df[e] += 1
    n = len(summaries)
    vecs: dict[str, dict[str, float]] = {}
    for s in summaries:
        counts = (counts_by_slug or {}).get(s.slug)
        vec: dict[str, float] = {}
        for rank, e in enumerate(dict.fromkeys(s.entities)):
            tf = 1 + math.log(counts[e]) if counts and counts.get(e) else 1 / math.sqrt(1 + rank)
            vec[e] = tf * math.log((n + 1) / df[e])
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        vecs[s.slug] = {e: w / norm for e, w in vec.items()}
    return vecs, dict(df)


def related_articles(
    summaries: Sequence[Summary],
    fingerprints: Mapping[str, Fingerprint] | None = None,
    counts_by_slug: Mapping[str, Mapping[str, int]] | None = None,
    *,
    limit: int = 5,
    common_df: int | None = None,
    window: int = 40,
    shortlist: int = 25,
) -> dict[str, list[tuple[str, str, bool]]]:
    """slug → up to ``limit`` (slug, title, same_story), best first (same-story reports first).

    Partial scores are accumulated from the postings (rare entities in full, common
    ones only for the ``window`` articles nearest in date); the best ``shortlist``
    candidates are then scored on every shared entity and checked for same story.
    """
    vecs, df = _vectors(summaries, counts_by_slug)
    n = len(summaries)
    if common_df is None:
        common_df = max(50, min(400, n // 20))
    order = sorted(summaries, key=lambda s: (s.date or "", s.slug))
    position = {s.slug: i for i, s in enumerate(order)}
    postings: dict[str, list[int]] = defaultdict(list)  # entity -> positions in date order
    for i, s in enumerate(order):
        for e in vecs[s.slug]:
            postings[e].append(i)
    weights = [vecs[s.slug] for s in order]
    out: dict[str, list[tuple[str, str, bool]]] = {}
    for me, s in enumerate(order):
        vec = weights[me]
        partial: dict[int, float] = defaultdict(float)
        for e, w in vec.items():
            plist = postings[e]
            if df[e] > common_df:
                at = bisect.bisect_left(plist, me)
                plist = plist[max(0, at - window // 2) : at + window // 2 + 1]
            for i in plist:
                partial[i] += w * weights[i][e]
        partial.pop(me, None)
        best = heapq.nlargest(shortlist, partial.items(), key=lambda kv: (kv[1], -kv[0]))
        fa = fingerprints.get(s.slug) if fingerprints else None
        scored: list[tuple[bool, float, int, str]] = []
        for i, _p in best:
            other = order[i]
            ov = weights[i]
            cos = sum(w * ov[e] for e, w in vec.items() if e in ov)
            fb = fingerprints.get(other.slug) if fingerprints else None
            same = same_story(s, other, cos, fa, fb)
            gap = _days(s.date, other.date)
            scored.append((same, cos, -(gap if gap is not None else 10**6), other.slug))
        top = heapq.nlargest(limit, scored, key=lambda t: (t[0], t[1], t[2], _neg(t[3])))
        out[s.slug] = [(slug, order[position[slug]].title, same) for same, _c, _g, slug in top]
    return {s.slug: out[s.slug] for s in summaries}


def _neg(slug: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in slug)


def same_story_groups(related: Mapping[str, Iterable[tuple[str, str, bool]]]) -> list[set[str]]:
    """Connected groups of articles marked as the same story (for 'also published by')."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for slug, items in related.items():
        for other, _title, same in items:
            if same:
                parent[find(slug)] = find(other)
    groups: dict[str, set[str]] = defaultdict(set)
    for x in list(parent):
        groups[find(x)].add(x)
    return [g for g in groups.values() if len(g) > 1]
