"""Session 29: the kept stream holds each chunked word's entry as a reference into its chunk's payload
(search/payloads.py), and a layout resumes the last one's chunks whose words are all unchanged
(layout.lay_chunks).  Property: after any sequence of splices, each laid out from the last layout's chunks and
references, the files are byte for byte the ones laid out from the same entries merged from nothing; and a kept
payload that is damaged or gone is never used."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from build_tools.search import index_site, layout, splice, tiers
from build_tools.search.bundle import write_pf
from build_tools.search.payloads import Missing, Payloads
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


class _Store:
    """The payload store as a dict, counting what is read back."""

    def __init__(self):
        self.kept: dict[str, bytes] = {}
        self.read: set[str] = set()

    def resolve(self, entry):
        if entry is None or isinstance(entry, bytes):
            return entry
        sha1, start, end = entry
        self.read.add(sha1)
        return self.kept[sha1][start:end]


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


@settings(max_examples=150, deadline=None)
@given(first=st.fixed_dictionaries({w: WORD_PAGES for w in WORDS}), edits=st.lists(EDIT, min_size=1, max_size=6),
       limit=st.sampled_from([16, 40]))
def test_layouts_resumed_after_splices_equal_layouts_from_nothing(first, edits, limit):
    store = _Store()
    states = [first]
    for edit in edits:
        states.append(_apply(states[-1], edit))
    laid = layout.lay_out(_stream(_words(first)), SLOTS, [1] * len(SLOTS), HEAD, "p", limit, resolve=store.resolve)
    store.kept.update(laid.fresh)
    resumed = 0
    for before, after in zip(states, states[1:], strict=False):
        kept = splice.Kept(stream=laid.stream, runs=laid.runs, limit=limit, variants=set(), chunks=laid.chunks)
        done = splice.splice(kept, splice.word_changes(_words(before), _words(after)), len(SLOTS),
                             lambda _u: limit, store.resolve)
        assert done is not None
        stream, runs, _limit, _skips = done
        laid = layout.lay_out(stream, SLOTS, [1] * len(SLOTS), HEAD, "p", limit, runs, kept.chunks, store.resolve)
        store.kept.update(laid.fresh)
        want = layout.bundle_files(_stream(_words(after)), SLOTS, [1] * len(SLOTS), HEAD, "p", limit)
        assert _files(laid) == want[0]
        assert {w: r[0] for w, r in laid.runs.items()} == {w: r[0] for w, r in want[1].items()}
        resumed += len(laid.chunks) - len(laid.fresh)
    assert resumed >= 0


def test_an_unchanged_chunk_is_resumed_not_laid_out_again():
    """What the property is for: one changed word lays out its own chunk again, and the others are known by
    their SHA-1 (neither joined nor read back)."""
    state = {w: {s: 2 for s in SLOTS[:4]} for w in WORDS}
    store = _Store()
    laid = layout.lay_out(_stream(_words(state)), SLOTS, [1] * len(SLOTS), HEAD, "p", 16, resolve=store.resolve)
    store.kept.update(laid.fresh)
    assert len(laid.chunks) > 10
    after = _apply(state, [(WORDS[40], SLOTS[5], 3)])
    kept = splice.Kept(stream=laid.stream, runs=laid.runs, limit=16, variants=set(), chunks=laid.chunks)
    stream, runs, _l, _s = splice.splice(kept, splice.word_changes(_words(state), _words(after)), len(SLOTS),
                                         lambda _u: 16, store.resolve)
    again = layout.lay_out(stream, SLOTS, [1] * len(SLOTS), HEAD, "p", 16, runs, laid.chunks, store.resolve)
    assert 1 <= len(again.fresh) <= 3 and len(store.read) <= 3  # the changed word's chunk (and a neighbour)
    assert _files(again) == layout.bundle_files(_stream(_words(after)), SLOTS, [1] * len(SLOTS), HEAD, "p", 16)[0]


@pytest.mark.parametrize("damage", ["gone", "bytes changed", "not recorded"])
def test_a_damaged_kept_payload_is_never_used(tmp_path: Path, damage: str):
    """A reference is read from the bundle's chunk file only when that file's payload has the recorded SHA-1."""
    payload = b"\x81\x82payload"
    sha1 = hashlib.sha1(payload).hexdigest()
    write_pf(tmp_path / "c.pf_index", payload, 5)
    assert Payloads(tmp_path, {"c.pf_index": sha1}).resolve((sha1, 2, 5)) == b"pay"
    if damage == "gone":
        (tmp_path / "c.pf_index").unlink()
    elif damage == "bytes changed":
        write_pf(tmp_path / "c.pf_index", payload.replace(b"y", b"Y"), 5)
    with pytest.raises(Missing):
        Payloads(tmp_path, {} if damage == "not recorded" else {"c.pf_index": sha1}).resolve((sha1, 2, 5))


@pytest.mark.parametrize("damage", [None, "one chunk file gone", "a kept payload unreadable"])
def test_changes_resumed_from_kept_payloads_end_where_an_index_from_nothing_does(tmp_path: Path, monkeypatch,
                                                                                  damage):
    """Old articles changed one after another at the smallest chunk limit (many chunks): each spliced and laid
    out from the last layout; with a chunk file removed, or a kept payload unreadable, before the last change,
    that change merges from the shards.  The bundle equals the one built from nothing either way."""
    monkeypatch.setattr(tiers, "RECENT_SHARDS", 2)
    site = _site(tmp_path, 24, seed=3)
    cache = tmp_path / "cache"
    index_site(site, None, shard_pages=2, cache_dir=cache, chunk_units=100)
    rng = random.Random(11)
    merges = []
    for n in range(2):  # (a third change here moves the slot width: a merge from the shards)
        if damage and n == 1:
            old = max(tiers.bundle_dirs(site / "pagefind"), key=lambda d: len(list((d / "fragment").iterdir())))
            chunk = sorted((old / "index").glob("*.pf_index"), key=lambda f: f.stat().st_size)[-1]
            if damage.endswith("gone"):
                chunk.unlink()
            else:  # (a file changed by hand since: what Payloads.get finds for it, tested above)
                monkeypatch.setattr(Payloads, "get", lambda self, sha1: (_ for _ in ()).throw(Missing(sha1)))
        _dated_article(site, f"x{n}", f"2024-{1 + rng.randrange(6):02d}-{1 + rng.randrange(28):02d}",
                       _text(rng, f"改{n}"))
        index_site(site, None, shard_pages=2, cache_dir=cache, chunk_units=100)
        old = max(tiers.bundle_dirs(site / "pagefind"), key=lambda d: len(list((d / "fragment").iterdir())))
        merges.append(tiers._record(cache, old.name, site / "pagefind").get("merge"))
    assert merges[0] == "spliced", merges
    assert merges[1] == {None: "spliced", "one chunk file gone": "a written file is missing",
                         "a kept payload unreadable": "a kept payload is missing"}[damage], merges
    incremental = bundle_bytes(site / "pagefind")
    index_site(site, None, shard_pages=2, cache_dir=False, chunk_units=100)
    assert bundle_bytes(site / "pagefind") == incremental
