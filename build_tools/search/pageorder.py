"""The order of the articles' pages in the search index: by day, then a hash of the path (then the path).

The shards hold their pages in this order (pagekeys.shard_groups, shards.py) and the bundles' slots ascend in it
(slots.py, whatever their width), so the merge never interleaves two shards' entries of a word.  A module of its
own because the shards depend on it (shards.SHARD_CODE) and the slots' other rules must not: a change to those
re-merges the bundles without running Pagefind again.
"""

from __future__ import annotations

import datetime
import hashlib

_EPOCH = datetime.date(1970, 1, 1)


def day_of(date: str) -> int:
    """Days since 1970-01-01 of an ISO date (its first ten characters); 0 when there is none."""
    try:
        return (datetime.date.fromisoformat(date[:10]) - _EPOCH).days
    except (TypeError, ValueError):
        return 0


def hash32(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:4], "big")


def order_key(url: str, date: str) -> tuple[int, int, str]:
    """The order of the pages' slots, whatever the width: (day, hash of the path, path).  Why: the shards hold
    their articles in this order (pagekeys.shard_groups, shards.py), so a shard's pages take ascending slots and
    the next shard's come after them; the merge then never interleaves two shards' entries of a word (the
    (date, path) order did on every day cut between two shards: most of a full merge's CPU)."""
    return day_of(date), hash32(url), url
