"""Stable page numbers ("slots") inside a merged search bundle, and the stable file names built on them.

Why (docs/dev/scaling-history.md, "The old bundle in O(change)"): the chunks store delta-coded page numbers, so a
page inserted into a densely numbered bundle moves every later page by one, and every word with a page
after it changes bytes: one article dated among old ones rewrote every chunk of the old bundle.  Here a
page's slot is ``day × width + hash(path) mod width`` (its date's day number since 1970; an undated page's
``hash(path) mod undated``), pushed forward
past the slots taken by the pages before it in (home slot, hash, path) order (pageorder.order_key: the home
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

from build_tools.search.pageorder import day_of, hash32

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_PAIRS = [a + b for a in _DIGITS for b in _DIGITS]  # every two-digit base-36 string, by value (0-1295)


def base36(n: int) -> str:
    """bundle.b36 (``n`` ≥ 0 in base 36), two digits a step: it names every fragment, chunk and run of a merged
    bundle (~26,000 calls when the old articles' bundle at 10k articles is laid out and linked), and b36's digit a
    step, each prepended to a new string, was ~5 % of that merge.  (bundle.py keys the shards: not changed there.)"""
    if n < 36:
        return _DIGITS[n]
    parts = []
    while n >= 1296:
        n, r = divmod(n, 1296)
        parts.append(_PAIRS[r])
    parts.append(_PAIRS[n] if n >= 36 else _DIGITS[n])
    parts.reverse()
    return "".join(parts)


def slot_width(days: list[int]) -> int:
    """Slots per day: a power of two ≥ twice the pages a dated page shares its day with on average
    (Σ pages of a day² / Σ pages), at least 4.  Given every dated article of the archive (tiers.py), so that
    every bundle has the same width and one page moves it only when it tips that mean across a power of two:
    the pages' span is not in it (session 25 measured a width from the span: a newest article five months
    after the last one halved the recent bundle's width and moved every slot in it)."""
    per_day: dict[int, int] = {}
    for d in days:
        if d > 0:
            per_day[d] = per_day.get(d, 0) + 1
    if not per_day:
        return 4
    mean = sum(n * n for n in per_day.values()) / sum(per_day.values())
    width = 4
    while width < 2 * mean:
        width *= 2
    return width


def page_slots(pages: list[tuple[str, str]], width: int | None = None) -> list[int]:
    """The slot of each (url, date), in the order given; ``width``: slots per day (default: slot_width of these
    pages).  Pages without a date (day 0) are spread over the first ``undated`` slots (a power of two ≥ twice
    their number) by the hash of their path, so that one more undated page pushes no run of them."""
    days = [day_of(date) for _url, date in pages]
    width = width or slot_width(days)
    undated = 16
    while undated < 2 * days.count(0):
        undated *= 2
    homes = []
    for i, ((url, _d), day) in enumerate(zip(pages, days, strict=True)):
        h = hash32(url)
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
    return base36(hi) + "_" + base36(lo)

