"""Session 31: the splice and the layout that resumes it do no Python pass over the whole kept stream (~53,000
words at 10k articles; the passes were ~0.1-0.15 s of each change to the old articles' bundle).  The splice finds
each changed word by bisection and builds the new stream from the kept one's slices, so the unchanged words' items
are the kept objects themselves (what packs.py's save compares fast); the stream's units are kept with it, not
counted again; a resumed chunk with no frequent word is laid out by one slice, its words not looked at; the names
of a bundle's files in base 36 two digits a step."""

from __future__ import annotations

from build_tools.search import layout, splice
from tests.test_search_resume import SLOTS, WORDS, _apply, _words
from tests.test_search_splice_runs import HEAD, _entry, _stream


class _NoWalk(list):
    """A kept stream that may be indexed and sliced but not iterated in Python."""

    def __iter__(self):
        raise AssertionError("the kept stream was walked")


def _kept(words: dict) -> splice.Kept:
    stream = _stream(words)
    return splice.Kept(stream=_NoWalk(stream), limit=10**6, variants=set(), units=sum(u for _w, _e, u in stream))


def test_the_splice_does_not_walk_the_kept_stream_and_keeps_its_items():
    before = {f"w{i:03d}": {s: _entry(s, 1) for s in (0, 3, 6)} for i in range(0, 200, 2)}
    after = {w: dict(pages) for w, pages in before.items()}
    after["w010"][9] = _entry(9, 2)  # changed
    del after["w100"]  # gone
    after["w051"] = {3: _entry(3, 1)}  # new, between two kept words
    after["w999"] = {0: _entry(0, 4)}  # new, last
    kept = _kept(before)
    stream, _runs, _limit, _skips, units = splice.spliced(kept, splice.word_changes(before, after), 10,
                                                          lambda _u: 10**6)
    assert stream == _stream(after)
    assert units == sum(u for _w, _e, u in _stream(after))
    same = [w for w in after if w in before and after[w] == before[w]]
    old = {item[0]: item for item in list.__iter__(kept.stream)}
    assert all(next(x for x in stream if x[0] == w) is old[w] for w in same)


def test_the_stream_units_are_the_kept_ones_plus_the_change():
    """A Kept that holds its units is not counted again (a wrong count shows in the limit it is given); one from
    before the count was kept (None) is counted."""
    before = {"a": {0: _entry(0, 1)}, "b": {3: _entry(3, 2)}}
    after = {"a": {0: _entry(0, 1), 6: _entry(6, 3)}, "b": {3: _entry(3, 2)}}
    asked = []
    for units in (1000, None):
        kept = splice.Kept(stream=_stream(before), limit=16, variants=set(), units=units)
        done = splice.spliced(kept, splice.word_changes(before, after), 3, lambda u: asked.append(u) or 16)
        assert done is not None and done[4] == asked[-1]
    assert asked == [1000 + 4, 2 + 3 + 4]


def test_a_resumed_chunk_without_a_frequent_word_is_not_looked_at_word_by_word(monkeypatch):
    state = {w: {s: 2 for s in SLOTS[:4]} for w in WORDS}
    laid = layout.lay_out(_stream(_words(state)), SLOTS, [1] * len(SLOTS), HEAD, "p", 100)
    assert len(laid.chunks) > 5 and all(c[4] == c[5] for c in laid.chunks)
    after = _apply(state, [(WORDS[40], SLOTS[5], 3)])
    kept = splice.Kept(stream=laid.stream, runs=laid.runs, limit=100, variants=set(), chunks=laid.chunks)
    changes = splice.word_changes(_words(state), _words(after))
    stream, runs, _limit, _skips = splice.splice(kept, changes, len(SLOTS), lambda _u: 100)
    looked = []
    frequent = layout.frequent
    monkeypatch.setattr(layout, "frequent", lambda units, limit: looked.append(units) or frequent(units, limit))
    again = layout.lay_chunks(stream, 100, kept.chunks, set(changes))
    assert len(looked) < len(stream) // 2  # the changed word's chunk and the last, not every word (twice)
    assert again[2] == layout.lay_chunks(stream, 100)[2]


def test_base36_is_bundle_b36():
    """slots.base36 (two digits a step) names the fragments, chunks and runs as bundle.b36 did (pfindex.js
    computes the same names)."""
    import random

    from build_tools.search.bundle import b36
    from build_tools.search.slots import base36

    rng = random.Random(0)
    edges = [0, 1, 35, 36, 1295, 1296, 1297, 36**3, 36**4 - 1, 36**4, 2**32 - 1, 2**32, 2**64 - 1]
    for n in [*range(3000), *edges, *(rng.getrandbits(rng.choice([8, 16, 32, 64])) for _ in range(20000))]:
        assert base36(n) == b36(n), n
