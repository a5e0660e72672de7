"""Which related lists a change can alter: what :func:`~build_tools.archive.related.related_incremental` ranks again.

An article's list is made in two steps (:func:`~build_tools.archive.related._rank_range`): a *shortlist* of
the candidates with the best partial scores (every candidate through a rare entity, the window of nearest
articles through a common one), then the shortlist scored in full.  So when an article's own vector, inputs
and candidates are as they were, its list can differ only through the candidates whose partial score may have
changed (a changed, added or removed article, one that entered or left a window): if none of them was on its
last shortlist and none now scores at or above its last cut-off, its shortlist (and so its list) is the same.

That bound is what keeps an entity whose df crosses its idf grid step cheap: the vectors of the 171 articles
naming it change, and ~9,400 of 10,000 articles have one of them among their candidates (session 27's p95
drop), but few had one on their shortlist or now score it above their cut-off.
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from build_tools.archive.related import Tables

# An article's last shortlist and cut-off: (the partial score of the last candidate shortlisted, 0.0 when every
# candidate was; the CRC-32 of each shortlisted slug, as the bytes of an array).  10k shortlists of 25 slugs
# then pickle as 10k small bytes objects (~1 MB), not 250k strings; two slugs that share a checksum only make
# an article that need not be ranked again ranked again, never the other way round.
Shortlist = tuple[float, bytes]


def affected(previous: Tables, now: Tables, postings: Mapping[str, list[int]], slugs: list[str],
             half: int) -> tuple[set[int], dict[int, set[str]]]:
    """``(todo, suspects)``: the positions whose list must be ranked again (their inputs or vector changed, or
    their candidates through an entity can no longer be told apart), and for others the candidates (slugs)
    whose partial score may differ from the last run's; :func:`confirmed` decides those."""
    old_items, old_idf = previous.items, previous.idf
    # A vector changed when its article's inputs did, or the idf of one of its entities (the grid moved).
    moved = {e for e, w in now.idf.items() if old_idf.get(e) != w}
    changed = {slug for slug, item in now.items.items() if old_items.get(slug) != item}
    changed.update(slug for slug in old_items if slug not in now.items)
    for e in moved:
        changed.update(now.postings[e][0])
    todo = {i for i, slug in enumerate(slugs) if slug in changed}
    suspects: dict[int, set[str]] = {}

    def suspect(positions: Sequence[int], who: set[str]) -> None:
        for i in positions:
            if i not in todo:
                suspects.setdefault(i, set()).update(who)

    for e, plist in postings.items():
        names, common = now.postings[e]
        was = previous.postings.get(e)
        if was is None or was[1] != common:
            todo.update(plist)
        elif not common:  # every article naming a rare entity is a candidate of every other
            who = changed.intersection(names)
            if was[0] != names:
                who.update(set(names).symmetric_difference(was[0]))
            if who:
                suspect(plist, who)
        elif was[0] == names:
            for at, slug in enumerate(names):
                if slug in changed:
                    suspect(plist[max(0, at - half): at + half + 1], {slug})
        else:
            again, windows = window_changes(plist, names, was[0], changed, half)
            todo.update(again)
            for i, who in windows.items():
                suspect((i,), who)
    return todo, suspects


def window_changes(plist: list[int], names: tuple[str, ...], old: tuple[str, ...], changed: set[str],
                   half: int) -> tuple[set[int], dict[int, set[str]]]:
    """Along a common entity's postings (``names`` now, ``old`` last run, positions ``plist``): the positions
    of articles new to it, and for the others the articles that entered or left their window or changed in
    it.  Only the windows reaching between the common head and the common tail of the two lists are compared
    (a window inside either is the same list of the same articles): a new article in a 5,000-article postings
    compares ~40 windows, not 5,000."""
    head = _common_head(names, old)
    tail = _common_head(names[head:][::-1], old[head:][::-1])
    old_at = {slug: at for at, slug in enumerate(old[head:len(old) - tail], head)}
    shift = len(old) - len(names)
    new: set[int] = set()
    windows: dict[int, set[str]] = {}
    for at in range(max(0, head - half), min(len(names), len(names) - tail + half)):
        slug = names[at]
        was = at if at < head else at + shift if at >= len(names) - tail else old_at.get(slug)
        if was is None:
            new.add(plist[at])
            continue
        now_window, old_window = names[max(0, at - half): at + half + 1], old[max(0, was - half): was + half + 1]
        if now_window != old_window:
            who = set(now_window).symmetric_difference(old_window)
            who.discard(slug)
            if who:
                windows[plist[at]] = who
    for at, slug in enumerate(names):  # the windows holding a changed article
        if slug in changed:
            for i in plist[max(0, at - half): at + half + 1]:
                if i not in new:
                    windows.setdefault(i, set()).add(slug)
    return new, windows


def confirmed(suspects: Mapping[int, set[str]], slugs: list[str], shortlists: Mapping[str, Shortlist],
              present: Mapping[str, int], partial: Callable[[int, int], float]) -> set[int]:
    """The suspects whose list may differ: no shortlist kept for them, or one of their changed candidates was
    on it, or now scores at or above its cut-off (``partial(me, other)``: the partial score as ranking sums it;
    ``present``: slug → position now, for the candidates still in the archive)."""
    again = set()
    for me, who in suspects.items():
        kept = shortlists.get(slugs[me])
        if kept is None or kept[0] <= 0.0:
            again.add(me)
            continue
        cut, on_it = kept[0], array("I", kept[1])
        for slug in who:
            other = present.get(slug)
            if checksum(slug) in on_it or (other is not None and other != me and partial(me, other) >= cut):
                again.add(me)
                break
    return again


def shortlist_of(cut: float, slugs: Iterable[str]) -> Shortlist:
    return cut, array("I", [checksum(slug) for slug in slugs]).tobytes()


def checksum(slug: str) -> int:
    return zlib.crc32(slug.encode())


def _common_head(a: Sequence[str], b: Sequence[str]) -> int:
    """How many first items ``a`` and ``b`` share."""
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
