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
run's tables (with each article's shortlist and cut-off) let only the articles whose candidates changed, and
whose shortlist such a candidate was on or now enters, be ranked again (:mod:`.related_changes`): the same
lists as from nothing.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date as Date
from typing import Any

from build_tools.archive.furniture import settled_size
from build_tools.archive.related_changes import Shortlist, affected, confirmed, shortlist_of
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


def _postings(order: Sequence[Summary]) -> dict[str, list[int]]:
    """entity -> the positions (in ``order``) of the articles naming it, ascending; an entity's df is its length."""
    postings: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(order):
        for e in dict.fromkeys(s.entities):
            postings[e].append(i)
    return postings


def _idf(postings: Mapping[str, list[int]], n: int) -> dict[str, float]:
    """idf from the archive's size and each df on a ~9% grid (exact below ~22): one more article then changes
    the weights of few articles, not all of them, so a later run re-ranks only around what changed."""
    log, size = math.log, settled_size(n) + 1
    return {e: log(size / settled_size(len(plist))) for e, plist in postings.items()}


class _Weights:
    """Each article's unit vector (entity -> tf x idf), by position, made when first read: a run that re-ranks a
    few articles reads the vectors of their candidates only (making all 10k was ~0.2 s of every build)."""

    def __init__(self, order: Sequence[Summary], counts_by_slug: Mapping[str, Mapping[str, int]] | None,
                 idf: Mapping[str, float]):
        self._order, self._counts, self._idf = order, counts_by_slug or {}, idf
        self._vecs: list[dict[str, float] | None] = [None] * len(order)
        self._logs: dict[int, float] = {}

    def __getitem__(self, i: int) -> dict[str, float]:
        vec = self._vecs[i]
        if vec is None:
            vec = self._vecs[i] = self._vector(self._order[i])
        return vec

    def _vector(self, s: Summary) -> dict[str, float]:
        counts, idf, logs = self._counts.get(s.slug), self._idf, self._logs
        vec: dict[str, float] = {}
        for rank, e in enumerate(dict.fromkeys(s.entities)):
            c = counts.get(e) if counts else None
            if c:
                tf = logs.get(c)
                if tf is None:
                    tf = logs[c] = 1 + math.log(c)
            else:
                tf = 1 / math.sqrt(1 + rank)
            vec[e] = tf * idf[e]
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        return {e: w / norm for e, w in vec.items()}


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
    shortlists: dict[str, Shortlist] = field(default_factory=dict)  # slug -> its last shortlist and cut-off


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
    only the articles whose list can differ are ranked again (:mod:`.related_changes`); the others' lists are
    copied: the result is the same as ranking everything.

    ``identities``: slug -> a value that changes whenever the article's summary, fingerprint or counts do
    (the build passes the linked article's cache key); without it the inputs themselves are kept."""
    params = (limit, common_df, window, shortlist)
    n = len(summaries)
    if common_df is None:
        common_df = max(COMMON_DF_MIN, min(COMMON_DF_MAX, n // 20))
    order = sorted(summaries, key=lambda s: (s.date or "", s.slug))
    slugs = [s.slug for s in order]
    postings = _postings(order)
    idf = _idf(postings, n)
    common = {e for e, plist in postings.items() if len(plist) > common_df}
    if identities is None:
        counts_of = counts_by_slug or {}
        identities = {s.slug: (s, fingerprints.get(s.slug) if fingerprints else None,
                               tuple(sorted(counts_of.get(s.slug, {}).items()))) for s in order}
    tables = Tables(params, {slug: identities[slug] for slug in slugs},
                    {e: (tuple([slugs[i] for i in plist]), e in common) for e, plist in postings.items()}, {}, idf)
    context = _ranking(order, fingerprints, counts_by_slug, postings, idf, common, (limit, shortlist, window // 2))
    out: dict[str, tuple[list[tuple[str, str, bool]], Shortlist]] = {}
    if previous is not None and previous.params == params:
        todo = _todo(previous, tables, context, slugs)
        out = {slugs[i]: (previous.results[slugs[i]], previous.shortlists[slugs[i]])
               for i in set(range(n)).difference(todo)}
    else:
        todo = list(range(n))
    if todo:
        if len(todo) >= PARALLEL_FROM:  # made once here, not again in each forked worker
            context.make_all()
        # Each article's list depends only on the shared tables above: ranges of articles go to forked workers.
        ranges = [todo[start:start + RANGE] for start in range(0, len(todo), RANGE)]
        if map_ranges is not None and len(todo) >= PARALLEL_FROM:
            ranked = map_ranges(_rank_range, ranges, context)  # type: ignore[arg-type]
        else:
            ranked = (_rank_range(context, r) for r in ranges)
        for part in ranked:
            out.update(part)
    results = {s.slug: out[s.slug][0] for s in summaries}
    return results, replace(tables, results=results, shortlists={s.slug: out[s.slug][1] for s in summaries})


def _todo(previous: Tables, now: Tables, context: _Ranking, slugs: list[str]) -> list[int]:
    """The positions to rank again: those :func:`~build_tools.archive.related_changes.affected` names, and the
    suspects whose shortlist a changed candidate was on or now enters."""
    todo, suspects = affected(previous, now, context.postings, slugs, context.half_window)
    if suspects:
        present = {slug: i for i, slug in enumerate(slugs)}
        todo |= confirmed(suspects, slugs, previous.shortlists, present, context.partial)
    return sorted(todo)


def _ranking(order: list[Summary], fingerprints: Mapping[str, Fingerprint] | None,
             counts_by_slug: Mapping[str, Mapping[str, int]] | None, postings: dict[str, list[int]],
             idf: dict[str, float], common: set[str], sizes: tuple[int, int, int]) -> _Ranking:
    """What ranking reads; vectors and weights along postings are made as the ranked articles read them."""
    weights = _Weights(order, counts_by_slug, idf)
    fps = [fingerprints.get(s.slug) if fingerprints else None for s in order]
    return _Ranking(order, weights, postings, {}, common, [_ordinal(s.date) for s in order], fps, TextPairs(fps),
                    _tie_ranks([s.slug for s in order]), *sizes)


@dataclass(frozen=True)
class _Ranking:
    order: list[Summary]
    weights: _Weights
    postings: dict[str, list[int]]  # entity -> positions, ascending
    xs: dict[str, list[float]]  # entity -> the weights along its postings, made when first read (:meth:`along`)
    common: set[str]
    dates: list[int | None]
    fps: list[Fingerprint | None]
    texts: TextPairs
    tie: list[int]
    limit: int
    shortlist: int
    half_window: int

    def along(self, e: str) -> list[float]:
        xs = self.xs.get(e)
        if xs is None:
            weights = self.weights
            xs = self.xs[e] = [weights[i][e] for i in self.postings[e]]
        return xs

    def make_all(self) -> None:
        for e in self.postings:
            self.along(e)

    def partial(self, me: int, other: int) -> float:
        """``other``'s partial score as a candidate of ``me``, summed as :func:`_rank_range` sums it (the same
        terms in the same order: the same float), 0.0 when it is not a candidate."""
        vec, theirs, total = self.weights[me], self.weights[other], 0.0
        for e, w in vec.items():
            x = theirs.get(e)
            if x is None:
                continue
            if e in self.common:  # a candidate through a common entity only inside the window
                plist = self.postings[e]
                at, there = bisect_left(plist, me), bisect_left(plist, other)
                if not max(0, at - self.half_window) <= there < at + self.half_window + 1:
                    continue
            total = total + w * x
        return total


def _rank_range(ctx: _Ranking, positions: Sequence[int]) -> dict[str, tuple[list[tuple[str, str, bool]], Shortlist]]:
    order, weights, postings, common_set, dates, fps, texts, tie = (ctx.order, ctx.weights, ctx.postings, ctx.common,
                                                                    ctx.dates, ctx.fps, ctx.texts, ctx.tie)
    limit, shortlist, along, made = ctx.limit, ctx.shortlist, ctx.along, ctx.xs
    lo_half, hi_half = ctx.half_window, ctx.half_window + 1
    far = 10**6
    out: dict[str, tuple[list[tuple[str, str, bool]], Shortlist]] = {}
    for me in positions:
        s = order[me]
        vec = weights[me]
        partial: dict[int, float] = {}
        get = partial.get
        for e, w in vec.items():
            plist = postings[e]
            if e in common_set:  # only the window is read: unless made already, only its weights are made
                at = bisect_left(plist, me)  # the postings are ascending positions
                lo = at - lo_half if at > lo_half else 0
                plist, xs = plist[lo : at + hi_half], made.get(e)
                xs = [weights[i][e] for i in plist] if xs is None else xs[lo : at + hi_half]
            else:
                xs = along(e)
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
            best, cut = list(partial), 0.0  # every candidate is on it: any other one would be too
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
        out[s.slug] = ([(order[i].slug, order[i].title, not notsame) for notsame, _c, _g, _t, i in scored[:limit]],
                       shortlist_of(cut, [order[i].slug for i in best]))
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
