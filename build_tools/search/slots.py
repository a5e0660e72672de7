"""Stable page numbers ("slots") inside a merged search bundle, and the stable file names built on them.

Why (docs/dev/scaling.md, "The old bundle in O(change)"): the chunks store delta-coded page numbers, so a
page inserted into a densely numbered bundle moves every later page by one, and every word with a page
after it changes bytes: one article dated among old ones rewrote every chunk of the old bundle.  Here a
page's slot is ``day × width + hash(path) mod width`` (its date's day number since 1970; an undated page's
``hash(path) mod undated``), pushed forward
past the slots taken by the pages before it in (home slot, hash, path) order (``order_key``: the home
is the hash's top bits).  So

* the slots are a pure function of the current set of pages (same pages → same slots, whatever the
  history: no page keeps a slot because it had it before);
* adding, editing or removing a page moves no other page, unless they collide (the pages pushed past it
  in its own run of taken slots: rare at the load kept here);
* slots ascend with the day, so a bundle's slots are nearly in (date, path) order and the list that maps
  them to the browser's page order (the meta's ``v``: pfindex.js) delta-codes to a byte or two a page.

``width`` (slots a day) is the power of two at least twice the mean pages per dated day, so it changes
(and every slot with it) only when that mean doubles.
"""

from __future__ import annotations

import datetime
import hashlib

from build_tools.search.bundle import b36

_EPOCH = datetime.date(1970, 1, 1)


def day_of(date: str) -> int:
    """Days since 1970-01-01 of an ISO date (its first ten characters); 0 when there is none."""
    try:
        return (datetime.date.fromisoformat(date[:10]) - _EPOCH).days
    except (TypeError, ValueError):
        return 0


def _hash32(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:4], "big")


def order_key(url: str, date: str) -> tuple[int, int, str]:
    """The order of the pages' slots, whatever the width: (day, hash of the path, path).  Why: the shards hold
    their articles in this order (pagekeys.shard_groups, indexer), so a shard's pages take ascending slots and
    the next shard's come after them; the merge then never interleaves two shards' entries of a word (the
    (date, path) order did on every day cut between two shards: most of a full merge's CPU)."""
    return day_of(date), _hash32(url), url


def slot_width(days: list[int]) -> int:
    """Slots per day: a power of two ≥ twice the mean pages per day over the dated pages' span, at least 4."""
    dated = [d for d in days if d > 0]
    if not dated:
        return 4
    mean = len(dated) / (max(dated) - min(dated) + 1)
    width = 4
    while width < 2 * mean:
        width *= 2
    return width


def page_slots(pages: list[tuple[str, str]]) -> list[int]:
    """The slot of each (url, date), in the order given.  Pages without a date (day 0) are spread over the
    first ``undated`` slots (a power of two ≥ twice their number) by the hash of their path, so that one more
    undated page pushes no run of them."""
    days = [day_of(date) for _url, date in pages]
    width = slot_width(days)
    undated = 16
    while undated < 2 * days.count(0):
        undated *= 2
    homes = []
    for i, ((url, _d), day) in enumerate(zip(pages, days, strict=True)):
        h = _hash32(url)
        # the hash's top bits: slot order is then (day, hash, path) whatever the width (order_key)
        homes.append((day * width + (h * width >> 32) if day else h * undated >> 32, h, url, i))
    homes.sort()
    out = [0] * len(pages)
    last = -1
    for home, _h, _url, i in homes:
        last = max(home, last + 1)
        out[i] = last
    return out


def fnv64(text: str) -> str:
    """A 64-bit FNV-1a hash of ``text``'s UTF-8 bytes, in base 36: names a chunk by its first word (and a
    frequent word's runs by the word) so that a change elsewhere renames nothing.  pfindex.js computes the same
    (two 32-bit halves: JavaScript has no fast 64-bit integers)."""
    lo, hi = 0x811C9DC5, 0x050C5D1F
    for b in text.encode("utf-8"):
        lo = ((lo ^ b) * 0x01000193) & 0xFFFFFFFF
        hi = ((hi ^ b) * 0x01000193) & 0xFFFFFFFF
    return b36(hi) + "_" + b36(lo)

