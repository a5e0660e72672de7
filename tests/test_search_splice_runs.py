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
    spliced, spliced_runs, spliced_limit = done
    fresh = _stream(words_after)
    assert spliced_limit == limit_of(sum(u for _w, _e, u in fresh))
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
