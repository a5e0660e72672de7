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
from collections.abc import Sequence

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
