"""Related articles: shared entities weighted by rarity, and same-story detection.

Ranking (tf-idf style): each article is a vector over its entities, weight
``tf × idf`` with ``tf = 1 + ln(mentions)`` (or ``1/sqrt(1 + salience rank)``
when counts are not given) and ``idf = ln((N' + 1) / df')``, N' and df' the archive's size and the entity's
df on a ~9% grid (exact below 22); related articles are ranked by cosine similarity.

Scale: candidates come from an inverted index entity → articles.  Entities in
more than ``common_df`` articles are not expanded in full (that would be
quadratic); for them only the ``window`` articles nearest in date are taken as
candidates.  Every candidate is then scored on all shared entities.

Same-story reports (:mod:`build_tools.archive.stories`) come first in each list.

Incremental (:func:`related_incremental`): with the grid, one more article changes few vectors; the last
run's tables let only the articles whose candidates changed be ranked again, the same lists as from nothing.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date as Date
from typing import Any

from build_tools.archive.furniture import settled_size
from build_tools.archive.stories import SAME_STORY_DAYS, Fingerprint, TextPairs, same_story
from build_tools.model import Summary

# An entity in more articles than this is "common": only the articles nearest in date are candidates
# through it.  5% of the archive, at least 50 and at most 100 articles: above 100 the candidate lists grow
# quadratically (a 10,000-article archive: 8.3 s of ranking with 400, 4.8 s with 100) while such an entity
# says little about which articles belong together (its idf is low).
COMMON_DF_MIN, COMMON_DF_MAX = 50, 100
# Ranking is spread over other cores (``map_ranges``) only from PARALLEL_FROM articles on: below that it
# takes well under a second, less than starting workers.  Each task ranks RANGE articles.
PARALLEL_FROM = 2000
RANGE = 100


def _vectors(
    summaries: Sequence[Summary], counts_by_slug: Mapping[str, Mapping[str, int]] | None
) -> tuple[dict[str, dict[str, float]], dict[str, int], dict[str, float]]:
    df: dict[str, int] = defaultdict(int)
    for s in summaries:
        for e in set(s.entities):
            df[e] += 1
    n = settled_size(len(summaries))
    log = math.log
    # idf from the archive's size and each df on a ~9% grid (exact below ~22): one more article then changes
    # the weights of few articles, not all of them, so a later run re-ranks only around what changed.
    idf = {e: log((n + 1) / settled_size(d)) for e, d in df.items()}
    logs: dict[int, float] = {}
    counts_of = counts_by_slug or {}
    vecs: dict[str, dict[str, float]] = {}
    for s in summaries:
        counts = counts_of.get(s.slug)
        vec: dict[str, float] = {}
        for rank, e in enumerate(dict.fromkeys(s.entities)):
            c = counts.get(e) if counts else None
            if c:
                tf = logs.get(c)
                if tf is None:
                    tf = logs[c] = 1 + log(c)
            else:
                tf = 1 / math.sqrt(1 + rank)
            vec[e] = tf * idf[e]
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        vecs[s.slug] = {e: w / norm for e, w in vec.items()}
    return vecs, dict(df), idf


def _ordinal(d: str | None) -> int | None:
    """Day number of an ISO date (what :func:`_days` compares), None when it does not parse."""
    try:
        return Date.fromisoformat((d or "")[:10]).toordinal()
    except ValueError:
        return None


# How the caller spreads ranking over workers: (func, ranges, context) -> results in order.
RangeMap = Callable[[Callable[[Any, range], dict], Sequence[range], Any], Iterable[dict]]


def related_articles(
    summaries: Sequence[Summary],
    fingerprints: Mapping[str, Fingerprint] | None = None,
    counts_by_slug: Mapping[str, Mapping[str, int]] | None = None,
    *,
    limit: int = 5,
    common_df: int | None = None,
    window: int = 40,
    shortlist: int = 25,
    map_ranges: RangeMap | None = None,
) -> dict[str, list[tuple[str, str, bool]]]:
    """slug → up to ``limit`` (slug, title, same_story), best first (same-story reports first).

    Partial scores are accumulated from the postings (rare entities in full, common
    ones only for the ``window`` articles nearest in date); the best ``shortlist``
    candidates are then scored on every shared entity and checked for same story.
    ``map_ranges(func, ranges, context)`` may rank ranges of articles on other cores (the runtime passes its
    process pool); it must return the results in order.  Without it, or for fewer than ``PARALLEL_FROM``
    articles, ranking runs here.
    """
    return related_incremental(summaries, fingerprints, counts_by_slug, None, limit=limit, common_df=common_df,
                               window=window, shortlist=shortlist, map_ranges=map_ranges)[0]


@dataclass(frozen=True)
class Tables:
    """What one run leaves for the next: what each article's inputs were (its identity), each entity's idf
    and postings, the lists.  An article's vector is a function of its inputs and its entities' idf, so
    an identity plus the idf table say whether the vector changed without keeping the vectors (at 10k
    articles the vectors and summaries were 29 MB to pickle and unpickle on every build)."""

    params: tuple[int, int | None, int, int]
    items: dict[str, Hashable]  # slug -> identity of (summary, fingerprint, counts)
    postings: dict[str, tuple[tuple[str, ...], bool]]  # entity -> (slugs in date order, common)
    results: dict[str, list[tuple[str, str, bool]]]
    idf: dict[str, float] = field(default_factory=dict)


def related_incremental(
    summaries: Sequence[Summary],
    fingerprints: Mapping[str, Fingerprint] | None,
    counts_by_slug: Mapping[str, Mapping[str, int]] | None,
    previous: Tables | None,
    *,
    identities: Mapping[str, Hashable] | None = None,
    limit: int = 5,
    common_df: int | None = None,
    window: int = 40,
    shortlist: int = 25,
    map_ranges: RangeMap | None = None,
) -> tuple[dict[str, list[tuple[str, str, bool]]], Tables]:
    """:func:`related_articles` and the tables for the next run.  With ``previous`` (the last run's tables),
    only the articles whose list can differ are ranked again (:func:`_affected`); the others' lists are
    copied: the result is the same as ranking everything.

    ``identities``: slug -> a value that changes whenever the article's summary, fingerprint or counts do
    (the build passes the linked article's cache key); without it the inputs themselves are kept."""
    params = (limit, common_df, window, shortlist)
    vecs, df, idf = _vectors(summaries, counts_by_slug)
    n = len(summaries)
    if common_df is None:
        common_df = max(COMMON_DF_MIN, min(COMMON_DF_MAX, n // 20))
    order = sorted(summaries, key=lambda s: (s.date or "", s.slug))
    weights = [vecs[s.slug] for s in order]
    postings: dict[str, list[int]] = defaultdict(list)  # entity -> positions in date order
    for i, vec in enumerate(weights):
        for e in vec:
            postings[e].append(i)
    # Per entity, the weights along its postings, and where each article sits in them.
    plists: dict[str, tuple[list[int], list[float], bool]] = {}
    where: list[dict[str, int]] = [{} for _ in order]
    for e, plist in postings.items():
        plists[e] = (plist, [weights[i][e] for i in plist], df[e] > common_df)
        for at, i in enumerate(plist):
            where[i][e] = at
    dates = [_ordinal(s.date) for s in order]
    fps = [fingerprints.get(s.slug) if fingerprints else None for s in order]
    texts = TextPairs(fps)
    tie = _tie_ranks([s.slug for s in order])
    context = _Ranking(order, weights, plists, where, dates, fps, texts, tie, limit, shortlist, window // 2)
    slugs = [s.slug for s in order]
    if identities is None:
        counts_of = counts_by_slug or {}
        identities = {s.slug: (s, fps[i], tuple(sorted(counts_of.get(s.slug, {}).items())))
                      for i, s in enumerate(order)}
    tables = Tables(params, {s.slug: identities[s.slug] for s in order},
                    {e: (tuple(slugs[i] for i in plist), common) for e, (plist, _x, common) in plists.items()}, {},
                    idf)
    todo = list(range(n))
    out: dict[str, list[tuple[str, str, bool]]] = {}
    if previous is not None and previous.params == params:
        todo = sorted(_affected(previous, tables, plists, slugs, window // 2))
        kept = set(range(n)).difference(todo)
        out = {slugs[i]: previous.results[slugs[i]] for i in kept}
    # Each article's list depends only on the shared tables above: ranges of articles go to forked workers.
    ranges = [todo[start:start + RANGE] for start in range(0, len(todo), RANGE)]
    if map_ranges is not None and len(todo) >= PARALLEL_FROM:
        ranked = map_ranges(_rank_range, ranges, context)  # type: ignore[arg-type]
    else:
        ranked = (_rank_range(context, r) for r in ranges)
    for part in ranked:
        out.update(part)
    results = {s.slug: out[s.slug] for s in summaries}
    return results, replace(tables, results=results)


def _affected(previous: Tables, now: Tables, plists: Mapping[str, tuple[list[int], list[float], bool]],
              slugs: list[str], half: int) -> set[int]:
    """Positions whose list may differ from the last run's: the articles whose inputs or vector changed, and
    every article whose candidates (per entity: a rare entity's postings, a common one's window) differ
    as a list or hold a changed, added or removed article."""
    old_items, old_idf = previous.items, previous.idf
    # A vector changed when its article's inputs did, or the idf of one of its entities (the grid moved).
    moved = {e for e, w in now.idf.items() if old_idf.get(e) != w}
    changed = {slug for slug, item in now.items.items() if old_items.get(slug) != item}
    changed.update(slug for slug in old_items if slug not in now.items)
    for e in moved:
        changed.update(now.postings[e][0])
    todo = {i for i, slug in enumerate(slugs) if slug in changed}
    for e, (plist, _x, common) in plists.items():
        names, _c = now.postings[e]
        was = previous.postings.get(e)
        if was is None or was[1] != common or (not common and was[0] != names):
            todo.update(plist)
        elif not common:
            if not changed.isdisjoint(names):
                todo.update(plist)
        elif was[0] == names:
            for at, slug in enumerate(names):
                if slug in changed:
                    todo.update(plist[max(0, at - half): at + half + 1])
        else:
            todo.update(_moved_windows(plist, names, was[0], changed, half))
    return todo


def _moved_windows(plist: list[int], names: tuple[str, ...], old: tuple[str, ...], changed: set[str],
                   half: int) -> list[int]:
    """Positions along a common entity's postings whose window differs from the last run's or holds a
    changed article."""
    old_at = {slug: at for at, slug in enumerate(old)}
    hit = []
    for at, slug in enumerate(names):
        win = names[max(0, at - half): at + half + 1]
        was = old_at.get(slug)
        if was is None or win != old[max(0, was - half): was + half + 1] or not changed.isdisjoint(win):
            hit.append(plist[at])
    return hit


@dataclass(frozen=True)
class _Ranking:
    order: list[Summary]
    weights: list[dict[str, float]]
    plists: dict[str, tuple[list[int], list[float], bool]]
    where: list[dict[str, int]]
    dates: list[int | None]
    fps: list[Fingerprint | None]
    texts: TextPairs
    tie: list[int]
    limit: int
    shortlist: int
    half_window: int


def _rank_range(ctx: _Ranking, positions: Sequence[int]) -> dict[str, list[tuple[str, str, bool]]]:
    order, weights, plists, where, dates, fps, texts, tie = (ctx.order, ctx.weights, ctx.plists, ctx.where,
                                                             ctx.dates, ctx.fps, ctx.texts, ctx.tie)
    limit, shortlist = ctx.limit, ctx.shortlist
    lo_half, hi_half = ctx.half_window, ctx.half_window + 1
    far = 10**6
    out: dict[str, list[tuple[str, str, bool]]] = {}
    for me in positions:
        s = order[me]
        vec = weights[me]
        at_of = where[me]
        partial: dict[int, float] = {}
        get = partial.get
        for e, w in vec.items():
            plist, xs, common = plists[e]
            if common:
                at = at_of[e]
                lo = at - lo_half if at > lo_half else 0
                plist, xs = plist[lo : at + hi_half], xs[lo : at + hi_half]
            for i, x in zip(plist, xs, strict=False):
                partial[i] = get(i, 0.0) + w * x
        partial.pop(me, None)
        if len(partial) > shortlist:
            # The best `shortlist` by (score desc, position asc): those above the cut-off score,
            # then the earliest positions at the cut-off score.
            cut = sorted(partial.values(), reverse=True)[shortlist - 1]
            best = [i for i, p in partial.items() if p > cut]
            if len(best) < shortlist:
                best += sorted(i for i, p in partial.items() if p == cut)[: shortlist - len(best)]
        else:
            best = list(partial)
        fa = fps[me]
        da = dates[me]
        scored: list[tuple[bool, float, int, int, int]] = []
        for i in best:
            ov = weights[i]
            cos = sum([w * ov[e] for e, w in vec.items() if e in ov])
            db = dates[i]
            gap = abs(da - db) if da is not None and db is not None else None
            if gap is not None and gap > SAME_STORY_DAYS:
                same = False
            elif fa is not None and fps[i] is not None:
                same = texts.same(me, i)
            else:
                same = same_story(s, order[i], cos)
            scored.append((not same, -cos, gap if gap is not None else far, tie[i], i))
        scored.sort()
        out[s.slug] = [(order[i].slug, order[i].title, not notsame) for notsame, _c, _g, _t, i in scored[:limit]]
    return out


def _tie_ranks(slugs: list[str]) -> list[int]:
    """Rank of each slug in the final tie-break (largest :func:`_neg` first)."""
    if any("\U0010ffff" in s for s in slugs):
        ranked = sorted(range(len(slugs)), key=lambda i: _neg(slugs[i]), reverse=True)
    else:  # the same order: a smaller character first, a prefix after its extensions
        ranked = sorted(range(len(slugs)), key=lambda i: slugs[i] + "\U0010ffff")
    rank = [0] * len(slugs)
    for r, i in enumerate(ranked):
        rank[i] = r
    return rank


def _neg(slug: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in slug)
