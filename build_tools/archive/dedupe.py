"""Duplicate dumps: byte-identical, or the same article saved from two portals.

Two bodies are the same article when at least 90% of the smaller one's
sentences appear in the other.  A body with fewer than ``MIN_SENTENCES``
fingerprinted sentences is too short to judge by containment: it is only a
duplicate of a body with exactly the same sentences (one quoted sentence must
not make a short article disappear behind a long one).  Candidates come from an inverted index over
sentence hashes, so the cost stays near-linear in the archive size.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence

SIMILARITY = 0.9
MIN_SENTENCE = 12
COMMON_SENTENCE_LIMIT = 50
MIN_SENTENCES = 3


_SPACES = re.compile(r"[\s\u3000]+")
_SENTENCE_ENDS = re.compile(r"[。！？!?；;\n]+")


def fingerprint(body: str) -> frozenset[str]:
    sentences = _SENTENCE_ENDS.split(_SPACES.sub("", body))
    return frozenset(
        hashlib.blake2b(s.encode("utf-8"), digest_size=8).hexdigest() for s in sentences if len(s) >= MIN_SENTENCE
    )


def near_duplicates(prints: Sequence[frozenset[str]]) -> dict[int, int]:
    """Map each duplicate's position to the position of the copy that is kept (the larger body, then the first)."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i, fp in enumerate(prints):
        for h in fp:
            postings[h].append(i)
    # Only sentences found in two to COMMON_SENTENCE_LIMIT bodies link bodies: most sentences are in one.
    linking = {h: bucket for h, bucket in postings.items() if 1 < len(bucket) <= COMMON_SENTENCE_LIMIT}
    order = sorted(range(len(prints)), key=lambda i: (-len(prints[i]), i))
    kept_of: dict[int, int] = {}
    for i in order:
        if i in kept_of or not prints[i]:
            continue
        shared: Counter[int] = Counter()
        for h in prints[i]:
            bucket = linking.get(h)
            if bucket:
                shared.update(bucket)
        shared.pop(i, None)
        for j, count in shared.items():
            if j in kept_of or len(prints[j]) > len(prints[i]):
                continue
            if len(prints[j]) < MIN_SENTENCES and prints[j] != prints[i]:
                continue
            if count >= SIMILARITY * len(prints[j]):
                kept_of[j] = i
    return kept_of


def _dominates(a: frozenset[str], b: frozenset[str], shared: int) -> bool:
    """Whether the body ``a`` keeps ``b`` as its copy, given the linking sentences they share (the test of
    :func:`near_duplicates`, on two bodies)."""
    if len(b) > len(a) or (len(b) < MIN_SENTENCES and b != a):
        return False
    return shared >= SIMILARITY * len(b)


class NearIndex:
    """:func:`near_duplicates` kept between builds and updated by the bodies that changed.

    The pass is a function of small parts: which body would keep which (``a`` keeps ``b`` when ``b`` is no
    longer than ``a`` and ≥ 90% of its sentences are linking sentences ``a`` has too), and a greedy walk over
    those pairs, longest body first.  The pairs of a body change only when it changes or when a sentence it
    holds starts or stops linking (its count of bodies crossing 1 or ``COMMON_SENTENCE_LIMIT``), so the index
    keeps the pairs and the bodies they were worked out from, and :meth:`update` works out again the pairs of
    those bodies alone: the bodies holding one of their sentences are found by one pass of set tests over the
    fingerprints at hand, not by an inverted index of the archive (kept, it cost more to store and load than
    to build).  The walk visits only the bodies of some pair (few).  Bodies are named by a key that changes
    with their content (the pipeline's key of the prepared record); the index stays small (the keys, the pairs)."""

    def __init__(self) -> None:
        self.bodies: frozenset[str] = frozenset()
        self.keeps: dict[str, set[str]] = {}  # body → the bodies it would keep as its copies
        self.kept_by: dict[str, set[str]] = {}  # the same pairs, the other way

    def update(self, items: Sequence[tuple[str, frozenset[str]]],
               prints_of: Callable[[list[str]], Mapping[str, frozenset[str]] | None]) -> dict[int, int]:
        """The bodies are now ``items`` (key, fingerprint), in the build's order: what :func:`near_duplicates`
        of their fingerprints returns.  ``prints_of``: the fingerprints of bodies that left (None when they are
        not known any more: then every pair is worked out again)."""
        now = dict(items)
        removed = [k for k in self.bodies if k not in now]
        added = [k for k in now if k not in self.bodies]
        gone = prints_of(removed) if removed else {}
        if gone is None or any(k not in gone for k in removed):
            self.keeps, self.kept_by = {}, {}
            redo, buckets = set(now), _buckets(now, None)
        else:
            touched = {h for k in added for h in now[k]} | {h for k in removed for h in gone[k]}
            buckets = _buckets(now, touched)
            change = Counter(h for k in added for h in now[k] if h in touched)
            change.subtract(h for k in removed for h in gone[k])
            for k in removed:
                self._unpair(k)
            redo = set(added)
            for h in touched:  # a sentence that starts or stops linking changes the count of every pair holding it
                if _links(len(buckets[h]) - change[h]) != _links(len(buckets[h])):
                    redo.update(buckets[h])
            buckets.update(_buckets(now, {h for k in redo for h in now[k]} - touched))
        for k in redo:
            self._unpair(k)
        done: set[str] = set()
        for k in sorted(redo):
            self._pair(k, now, buckets, done)
            done.add(k)
        self.bodies = frozenset(now)
        return self._walk([k for k, _ in items], now)

    def _unpair(self, k: str) -> None:
        for other in self.keeps.pop(k, ()):
            self.kept_by[other].discard(k)
        for other in self.kept_by.pop(k, ()):
            self.keeps[other].discard(k)

    def _pair(self, k: str, now: Mapping[str, frozenset[str]], buckets: Mapping[str, set[str]],
              done: set[str]) -> None:
        """Work out every pair ``k`` is in but those with a body in ``done`` (worked out already, from the other
        side); ``buckets``: the bodies holding each of its sentences."""
        mine = now[k]
        shared: Counter[str] = Counter()
        for h in mine:
            if _links(len(buckets[h])):
                shared.update(buckets[h])
        shared.pop(k, None)
        for other, count in shared.items():
            if other in done:
                continue
            theirs = now[other]
            if _dominates(mine, theirs, count):
                self.keeps.setdefault(k, set()).add(other)
                self.kept_by.setdefault(other, set()).add(k)
            if _dominates(theirs, mine, count):
                self.keeps.setdefault(other, set()).add(k)
                self.kept_by.setdefault(k, set()).add(other)

    def _walk(self, order: list[str], now: Mapping[str, frozenset[str]]) -> dict[int, int]:
        """The greedy walk of :func:`near_duplicates` over the bodies in some pair: positions in ``order``."""
        position = {k: i for i, k in enumerate(order)}
        paired = [k for k, kept in self.keeps.items() if kept]
        kept_of: dict[int, int] = {}
        for k in sorted(paired, key=lambda k: (-len(now[k]), position[k])):
            i = position[k]
            if i in kept_of:
                continue
            for other in self.keeps[k]:
                j = position[other]
                if j not in kept_of:
                    kept_of[j] = i
        return kept_of


def _buckets(now: Mapping[str, frozenset[str]], hashes: set[str] | None) -> dict[str, set[str]]:
    """The bodies holding each of ``hashes`` (None: every sentence of every body)."""
    out: dict[str, set[str]] = {h: set() for h in hashes} if hashes is not None else defaultdict(set)
    for k, fp in now.items():
        for h in (fp if hashes is None else fp & hashes):
            out[h].add(k)
    return dict(out)


def _links(size: int) -> bool:
    """A sentence links the bodies holding it when it is in two to ``COMMON_SENTENCE_LIMIT`` of them."""
    return 1 < size <= COMMON_SENTENCE_LIMIT
