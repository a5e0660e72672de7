"""Session 29: a layout resumes the last one's chunks that hold no changed word (layout.lay_chunks): their words
are skipped, their payloads neither joined nor hashed.  Property: after any sequence of splices, each laid out
from the last layout's chunks and the words the splice changed, the files are byte for byte the ones laid out
from the same entries merged from nothing."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from build_tools.search import index_site, layout, splice, tiers
from tests.test_search_incremental import _dated_article
from tests.test_search_index import bundle_bytes
from tests.test_search_splice_runs import HEAD, _entry, _stream
from tests.test_search_stable import _site, _text

WORDS = [f"w{i:03d}" for i in range(80)]
SLOTS = list(range(0, 120, 3))
# a word: {slot: locations}; few pages each, so at a limit of 16 units the 80 words make many chunks
WORD_PAGES = st.dictionaries(st.sampled_from(SLOTS), st.integers(1, 4), max_size=6)
EDIT = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SLOTS), st.integers(0, 30)), min_size=1,
                max_size=6)


def _files(laid: layout.Laid) -> dict[str, tuple[bytes, int]]:
    return {rel: (p.payload() if isinstance(p, layout.Deferred) else p, lvl) for rel, (p, lvl) in laid.files.items()}


def _apply(state: dict[str, dict[int, int]], edit: list[tuple[str, int, int]]) -> dict[str, dict[int, int]]:
    out = {w: dict(pages) for w, pages in state.items()}
    for word, slot, nlocs in edit:
        if nlocs:
            out.setdefault(word, {})[slot] = nlocs
        else:
            out.get(word, {}).pop(slot, None)
    return out


def _words(state: dict[str, dict[int, int]]) -> dict[str, dict[int, splice.Entry]]:
    return {w: {s: _entry(s, n) for s, n in pages.items()} for w, pages in state.items()}


def _resumed(laid: layout.Laid, limit: int, before: dict, after: dict) -> layout.Laid:
    """The splice of ``before`` -> ``after`` into the kept ``laid``, laid out from its chunks (as tiers._resumed)."""
    kept = splice.Kept(stream=laid.stream, runs=laid.runs, limit=limit, variants=set(), chunks=laid.chunks)
    changes = splice.word_changes(_words(before), _words(after))
    done = splice.splice(kept, changes, len(SLOTS), lambda _u: limit)
    assert done is not None
    stream, runs, _limit, _skips = done
    dirty = set(changes) | (kept.runs.keys() ^ runs.keys())
    return layout.lay_out(stream, SLOTS, [1] * len(SLOTS), HEAD, "p", limit, runs, kept.chunks, dirty)


@settings(max_examples=200, deadline=None)
@given(first=st.fixed_dictionaries({w: WORD_PAGES for w in WORDS}), edits=st.lists(EDIT, min_size=1, max_size=6),
       limit=st.sampled_from([16, 40]))
def test_layouts_resumed_after_splices_equal_layouts_from_nothing(first, edits, limit):
    states = [first]
    for edit in edits:
        states.append(_apply(states[-1], edit))
    laid = layout.lay_out(_stream(_words(first)), SLOTS, [1] * len(SLOTS), HEAD, "p", limit)
    for before, after in zip(states, states[1:], strict=False):
        laid = _resumed(laid, limit, before, after)
        want = layout.bundle_files(_stream(_words(after)), SLOTS, [1] * len(SLOTS), HEAD, "p", limit)
        assert _files(laid) == want[0]
        assert {w: r[0] for w, r in laid.runs.items()} == {w: r[0] for w, r in want[1].items()}


def test_an_unchanged_chunk_is_resumed_not_laid_out_again(monkeypatch):
    """What the property is for: one changed word lays out its own chunk again (and a neighbour at most); the
    others are known by their SHA-1, neither joined nor hashed."""
    state = {w: {s: 2 for s in SLOTS[:4]} for w in WORDS}
    laid = layout.lay_out(_stream(_words(state)), SLOTS, [1] * len(SLOTS), HEAD, "p", 16)
    assert len(laid.chunks) > 10
    joined = []
    real = layout._payload
    monkeypatch.setattr(layout, "_payload", lambda entries: joined.append(len(entries)) or real(entries))
    after = _apply(state, [(WORDS[40], SLOTS[5], 3)])
    again = _resumed(laid, 16, state, after)
    assert 1 <= len(joined) <= 3  # the changed word's chunk, and the last (never ended by a cut)
    assert _files(again) == layout.bundle_files(_stream(_words(after)), SLOTS, [1] * len(SLOTS), HEAD, "p", 16)[0]


@pytest.mark.parametrize("damage", [None, "one chunk file gone"])
def test_changes_resumed_from_the_last_layout_end_where_an_index_from_nothing_does(tmp_path: Path, monkeypatch,
                                                                                   damage):
    """Old articles changed one after another at the smallest chunk limit (many chunks), each spliced and laid out
    from the last layout; a chunk file removed by hand before the last change is written again (from the kept
    entries).  The bundle equals the one built from nothing."""
    monkeypatch.setattr(tiers, "RECENT_SHARDS", 2)
    site = _site(tmp_path, 24, seed=3)
    cache = tmp_path / "cache"
    index_site(site, None, shard_pages=2, cache_dir=cache, chunk_units=100)
    rng = random.Random(11)
    merges = []
    for n in range(2):  # (a third change here moves the slot width: a merge from the shards)
        old = max(tiers.bundle_dirs(site / "pagefind"), key=lambda d: len(list((d / "fragment").iterdir())))
        if damage and n == 1:
            sorted((old / "index").glob("*.pf_index"), key=lambda f: f.stat().st_size)[-1].unlink()
        _dated_article(site, f"x{n}", f"2024-{1 + rng.randrange(6):02d}-{1 + rng.randrange(28):02d}",
                       _text(rng, f"改{n}"))
        index_site(site, None, shard_pages=2, cache_dir=cache, chunk_units=100)
        merges.append(tiers._record(cache, old.name, site / "pagefind").get("merge"))
    assert merges == ["spliced", "spliced"], merges
    incremental = bundle_bytes(site / "pagefind")
    index_site(site, None, shard_pages=2, cache_dir=False, chunk_units=100)
    assert bundle_bytes(site / "pagefind") == incremental
