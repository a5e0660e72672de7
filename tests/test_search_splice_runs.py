"""The splice (search/splice.py) takes every change a merge takes, frequent words included (session 26).

A word is kept in runs once its units pass a threshold, at a run width that depends on its units, the bundle's
pages and the chunk limit.  Before session 26 the splice gave up (a full merge of the bundle from its shards:
10 s at 10k articles) when a change moved a word across the threshold or moved a run width; now it cuts such a
word again from its own entries.  Property: whatever the change — words crossing the threshold both ways, a run
width moving because a word's units or the pages doubled, the chunk limit moving — the files laid out from the
spliced stream are byte for byte the ones laid out from the same entries merged from nothing.
"""

from __future__ import annotations

import cbor2
from hypothesis import given, settings
from hypothesis import strategies as st

from build_tools.search import splice
from build_tools.search.layout import bundle_files

HEAD = [1, [], "en"]
WORDS = [f"w{i:02d}" for i in range(12)]


def _entry(slot: int, nlocs: int) -> splice.Entry:
    return (slot, b"\x82", cbor2.dumps(list(range(nlocs))), nlocs + 1)


def _stream(words: dict[str, dict[int, splice.Entry]]) -> list[tuple[str, bytes, int]]:
    """What a merge from nothing makes of these entries: every word, its whole entry, its units."""
    out = []
    for w in sorted(words):
        entries = sorted(words[w].values())
        if entries:
            out.append((w, b"\x83" + cbor2.dumps(w) + splice.encode_list(entries) + b"\x80",
                        sum(e[3] for e in entries)))
    return out


def _limit_of(step: int):
    # a chunk limit that moves with the bundle's units, as tiers.limit_for does for a small bundle
    return lambda units: 16 if units < step else 32


# a word: {slot: number of locations}; pages are slots 0, 3, 6… (the bundle's pages hold every word's slots)
WORD_PAGES = st.dictionaries(st.integers(0, 119).map(lambda i: 3 * i), st.integers(1, 6), max_size=120)
STATE = st.fixed_dictionaries({w: WORD_PAGES for w in WORDS})


@settings(max_examples=300, deadline=None)
@given(before=STATE, after=STATE, extra_pages=st.integers(0, 600), step=st.sampled_from([10**9, 3000, 6000]),
       plain=st.booleans())
def test_a_spliced_change_lays_out_as_a_merge_from_nothing(before, after, extra_pages, step, plain):
    """``plain``: the words known to have no variant forms, so a page list is walked up to its last change only."""
    words_before = {w: {s: _entry(s, n) for s, n in pages.items()} for w, pages in before.items()}
    words_after = {w: {s: _entry(s, n) for s, n in pages.items()} for w, pages in after.items()}
    slots_before = list(range(0, 360, 3))
    slots_after = slots_before + [1000 + i for i in range(extra_pages)]  # the pages double: run widths move
    limit_of = _limit_of(step)
    stream = _stream(words_before)
    limit = limit_of(sum(u for _w, _e, u in stream))
    _files, runs = bundle_files(stream, slots_before, [1] * len(slots_before), HEAD, "p", limit)
    kept = splice.Kept(stream=[(w, None if w in runs else e, u) for w, e, u in stream], runs=runs, limit=limit,
                       variants=set() if plain else None)

    done = splice.splice(kept, splice.word_changes(words_before, words_after), len(slots_after), limit_of)

    assert done is not None
    spliced, spliced_runs, spliced_limit, _skips = done
    fresh = _stream(words_after)
    assert spliced_limit == limit_of(sum(u for _w, _e, u in fresh))
    # (session 31: the units as the splice counts them from a Kept that holds its own)
    kept.units = sum(u for _w, _e, u in stream)
    again = splice.spliced(kept, splice.word_changes(words_before, words_after), len(slots_after), limit_of)
    assert again is not None and again[4] == sum(u for _w, _e, u in fresh)
    counts = [1] * len(slots_after)
    want = bundle_files(fresh, slots_after, counts, HEAD, "p", spliced_limit)
    got = bundle_files(spliced, slots_after, counts, HEAD, "p", spliced_limit, spliced_runs)
    assert got[0] == want[0]
    assert {w: r[0] for w, r in got[1].items()} == {w: r[0] for w, r in want[1].items()}


def test_the_cases_the_property_is_about_happen():
    """The examples reach what the property is for: a word into runs, out of them, and a width moving."""
    few = {w: {s: _entry(s, 1) for s in range(0, 30, 3)} for w in WORDS}
    many = {**few, "w00": {s: _entry(s, 6) for s in range(0, 360, 3)}}
    slots = list(range(0, 360, 3))
    kinds = []
    for before, after, pages in ((few, many, len(slots)), (many, few, len(slots)), (many, many, 4 * len(slots))):
        stream = _stream(before)
        _f, runs = bundle_files(stream, slots, [1] * len(slots), HEAD, "p", 16)
        kept = splice.Kept(stream=[(w, None if w in runs else e, u) for w, e, u in stream], runs=runs, limit=16)
        done = splice.splice(kept, splice.word_changes(before, after), pages, lambda _u: 16)
        assert done is not None
        kinds.append((runs.get("w00", (0,))[0], done[1].get("w00", (0,))[0]))
    (a, b), (c, d), (e, f) = kinds
    assert a == 0 < b and c > 0 == d and 0 < e < f, kinds  # into runs, out of them, wider runs


# a small change: a few (word, slot, locations) put in (0 locations: the slot's entry removed)
EDIT = st.lists(st.tuples(st.sampled_from(WORDS[:3]), st.integers(0, 119).map(lambda i: 3 * i), st.integers(0, 6)),
                min_size=1, max_size=3)


def _edited(state: dict[str, dict[int, int]], edit: list[tuple[str, int, int]]) -> dict[str, dict[int, int]]:
    out = {w: dict(pages) for w, pages in state.items()}
    for word, slot, nlocs in edit:
        if nlocs:
            out[word][slot] = nlocs
        else:
            out[word].pop(slot, None)
    return out


@settings(max_examples=200, deadline=None)
@given(first=STATE, edits=st.lists(st.one_of(EDIT, STATE.map(lambda s: [s])), min_size=1, max_size=8),
       every=st.sampled_from([1, 2, 3, 5]), step=st.sampled_from([10**9, 3000]))
def test_changes_spliced_one_after_another_from_skip_points_lay_out_as_a_merge_from_nothing(first, edits, every,
                                                                                             step):
    """Session 28: a splice walks a page list from the last skip point the previous splices kept (splice.Kept.skips)
    before its first change.  Whatever the sequence of changes (a few entries, or every word anew), each spliced
    stream lays out as the same entries merged from nothing; ``every``: a skip point every that many entries
    (small, so the lists here have many)."""
    old_every, splice.SKIP_EVERY = splice.SKIP_EVERY, every
    try:
        slots = list(range(0, 360, 3))
        limit_of = _limit_of(step)
        states = [first]
        for edit in edits:
            states.append(edit[0] if isinstance(edit[0], dict) else _edited(states[-1], edit))
        words = [{w: {s: _entry(s, n) for s, n in pages.items()} for w, pages in state.items()} for state in states]
        stream = _stream(words[0])
        limit = limit_of(sum(u for _w, _e, u in stream))
        _files, runs = bundle_files(stream, slots, [1] * len(slots), HEAD, "p", limit)
        kept = splice.Kept(stream=[(w, None if w in runs else e, u) for w, e, u in stream], runs=runs, limit=limit,
                           variants=set())
        for before, after in zip(words, words[1:], strict=False):
            done = splice.splice(kept, splice.word_changes(before, after), len(slots), limit_of)
            assert done is not None
            spliced, spliced_runs, spliced_limit, skips = done
            want = bundle_files(_stream(after), slots, [1] * len(slots), HEAD, "p", spliced_limit)
            got = bundle_files(spliced, slots, [1] * len(slots), HEAD, "p", spliced_limit, spliced_runs)
            assert got[0] == want[0]
            kept = splice.Kept(stream=[(w, None if w in got[1] else e, u) for w, e, u in spliced], runs=got[1],
                               limit=spliced_limit, variants=set(),
                               skips=splice.kept_skips(skips, spliced_runs, got[1]))
    finally:
        splice.SKIP_EVERY = old_every


def test_a_change_after_a_skip_point_is_walked_from_it(monkeypatch):
    """The point of the skip points: a second change late in a long list walks only its end."""
    monkeypatch.setattr(splice, "SKIP_EVERY", 8)
    walked = []
    walk = splice._walk
    monkeypatch.setattr(splice, "_walk", lambda data, p, n, *a: walked.append(n) or walk(data, p, n, *a))
    states = [{"w": {s: _entry(s, 1) for s in range(0, 300, 3)}}]
    states.append({"w": {**states[0]["w"], 298: _entry(298, 2)}})  # near the end: the first walk is the list
    states.append({"w": {**states[1]["w"], 299: _entry(299, 2)}})  # after it: walked from the last point
    kept = splice.Kept(stream=_stream(states[0]), limit=10**6, variants=set())
    for before, after in zip(states, states[1:], strict=False):
        stream, runs, limit, skips = splice.splice(kept, splice.word_changes(before, after), 300, lambda _u: 10**6)
        assert stream == _stream(after)
        kept = splice.Kept(stream=stream, runs=runs, limit=limit, variants=set(), skips=skips)
    assert walked == [100, 101 - 96]  # 100 entries; then from entry 96 (the 12th point) of 101
