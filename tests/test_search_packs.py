"""A kept word stream saved in pieces (search/packs.py via search/streams.py): whatever was saved reads back as it
was, in this process or a new one; a save after a change writes only the pieces that differ; the pack is written
anew before its dead bytes outweigh its live ones; a pack cut short reads as nothing kept."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from build_tools.search import packs, streams
from build_tools.search.splice import Kept


@pytest.fixture(autouse=True)
def nothing_held(monkeypatch):
    monkeypatch.setattr(streams, "_HELD", {})
    monkeypatch.setattr(streams, "_PACKED", {})


def _kept(n: int, seed: int = 0, chunk: int = 7) -> Kept:
    """A stream of ``n`` words in order (every 13th a frequent word: entry None, its runs kept), chunks of
    ``chunk`` stream words as layout.lay_chunks keeps them (0: none kept)."""
    rng = random.Random(seed)
    stream = [(f"w{i:05d}", None if i % 13 == 5 else rng.randbytes(rng.randint(1, 40)), rng.randint(1, 99))
              for i in range(n)]
    runs = {w: (4, {k: rng.randbytes(8) for k in range(3)}) for w, e, _u in stream if e is None}
    chunks = [(stream[i][0], stream[min(i + chunk, n) - 1][0], "sha", True, min(chunk, n - i), 0)
              for i in range(0, n, chunk)] if chunk else []
    return Kept(shards=["s1"], slots={"a/": 1}, limit=100, stream=stream, runs=runs, chunks=chunks)


def _cold(path: Path) -> Kept | None:
    """What a new process reads."""
    streams._HELD.clear()
    streams._PACKED.clear()
    return streams.load(path)


def _same(a: Kept | None, b: Kept) -> bool:
    return isinstance(a, Kept) and a == b  # (a dataclass: every field compared)


@pytest.mark.parametrize(("n", "chunk"), [(0, 7), (1, 7), (60, 7), (60, 0), (300, 1), (300, 500)])
def test_a_saved_stream_reads_back_as_it_was(tmp_path, n, chunk):
    kept = _kept(n, chunk=chunk)
    path = tmp_path / "b.pkl"
    streams.save(path, kept)
    assert _same(_cold(path), kept)
    assert _same(streams.load(path), kept)  # (read again: a held stream is taken once)


def _edited(kept: Kept, rng: random.Random, edits: int) -> Kept:
    """``kept`` with ``edits`` entries changed, a word added and one dropped, a run changed: as a splice leaves
    it (new lists and dicts, the unchanged items' objects shared)."""
    stream = list(kept.stream)
    for i in rng.sample(range(len(stream)), min(edits, len(stream))):
        w, e, u = stream[i]
        stream[i] = (w, e if e is None else e + b"+", u + 1)
    if stream:
        del stream[rng.randrange(len(stream))]
    stream = sorted([*stream, (f"w{rng.randrange(10**5):05d}x", rng.randbytes(5), 3)])
    runs = dict(kept.runs)
    if runs:
        w = rng.choice(sorted(runs))
        runs[w] = (runs[w][0], {**runs[w][1], 0: rng.randbytes(9)})
    return Kept(kept.shards, kept.slots, kept.limit, stream, runs, chunks=kept.chunks)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10**6), rounds=st.lists(st.tuples(st.integers(0, 40), st.booleans()), max_size=8))
def test_any_sequence_of_saves_reads_back_the_last(tmp_path, seed, rounds):
    """Each save after a change, by this process (the stream held) or by a new one (read from the pack)."""
    rng = random.Random(seed)
    path = tmp_path / f"s{seed}" / "b.pkl"
    kept = _kept(rng.randint(1, 400), seed, rng.choice([0, 1, 5, 30]))
    streams.save(path, kept)
    for edits, cold in rounds:
        got = _cold(path) if cold else streams.load(path)
        assert _same(got, kept)
        kept = _edited(got, rng, edits)
        streams.save(path, kept)
        live = sum(n for spots in pickle.loads(path.read_bytes())[3].values() for _o, n in spots)
        (pack,) = path.parent.glob("b.*.pack")  # one pack, its dead bytes under half its live ones
        assert pack.stat().st_size <= live + live // 2 or pack.stat().st_size == live
    assert _same(_cold(path), kept)


def test_a_save_after_a_change_appends_only_the_pieces_that_differ(tmp_path):
    kept = _kept(700, chunk=7)  # 100 pieces
    path = tmp_path / "b.pkl"
    streams.save(path, kept)
    (pack,) = tmp_path.glob("b.*.pack")
    before = pack.stat().st_size
    got = _cold(path)
    got.stream[10] = (got.stream[10][0], b"changed", 1)  # the caller changes the list it was given
    streams.save(path, got)
    piece = pickle.dumps(got.stream[7:14], protocol=pickle.HIGHEST_PROTOCOL)
    assert pack.stat().st_size == before + len(piece)
    assert _same(_cold(path), got)


def test_a_runs_dict_changed_in_place_is_written_again(tmp_path):
    path = tmp_path / "b.pkl"
    streams.save(path, _kept(60))
    got = _cold(path)
    word = sorted(got.runs)[0]
    got.runs[word][1][1] = b"changed in place"
    streams.save(path, got)
    assert _cold(path).runs[word][1][1] == b"changed in place"


@pytest.mark.parametrize("damage", ["cut", "gone"])
def test_a_head_whose_pack_is_not_all_there_reads_as_nothing_kept(tmp_path, damage):
    path = tmp_path / "b.pkl"
    streams.save(path, _kept(60))
    (pack,) = tmp_path.glob("b.*.pack")
    if damage == "cut":
        pack.write_bytes(pack.read_bytes()[:-10])
    else:
        pack.unlink()
    assert _cold(path) is None
    streams.save(path, _kept(60, seed=2))  # and the next save writes a whole new pack
    assert _same(_cold(path), _kept(60, seed=2))


def test_a_stream_pickled_whole_before_pieces_is_read_and_saved_in_pieces(tmp_path):
    path = tmp_path / "b.pkl"
    path.write_bytes(pickle.dumps(_kept(60)))
    got = _cold(path)
    assert _same(got, _kept(60))
    streams.save(path, got)
    assert pickle.loads(path.read_bytes())[0] == packs.FORMAT and _same(_cold(path), _kept(60))


def _with_pages(kept: Kept, shards: int = 30) -> Kept:
    """``kept`` with ``shards`` shards' pages (tiers.shard_info's shape), as a bundle's Kept holds them."""
    pages = {f"s{k:02d}": {"urls": [f"a/{k}-{i}/" for i in range(40)], "dates": ["2020-01-01"] * 40,
                           "frags": [f"f{k}-{i}" for i in range(40)], "counts": [k + i for i in range(40)],
                           "facts": {"n": {}, "p": [["", "", [f"e{i}"]] for i in range(40)]}}
             for k in range(shards)}
    return Kept(list(pages), kept.slots, kept.limit, kept.stream, kept.runs, pages, chunks=kept.chunks)


def test_the_pages_of_one_shard_changed_append_only_that_shard(tmp_path):
    """Session 31: a bundle's pages by shard (1.9 MB of the head at 10k articles, ~0.1 s to pickle whole) are
    pieces too; a change that replaces one shard appends that shard's pages only, and the head holds none."""
    kept = _with_pages(_kept(70))
    path = tmp_path / "b.pkl"
    streams.save(path, kept)
    (pack,) = tmp_path.glob("b.*.pack")
    before = pack.stat().st_size
    assert pickle.loads(path.read_bytes())[1].pages == {}
    got = _cold(path)
    assert _same(got, kept)
    info = {**got.pages.pop("s07"), "counts": [1] * 40}
    got.pages["s07b"] = info
    got.shards = list(got.pages)
    streams.save(path, got)
    piece = pickle.dumps([("s07b", info)], protocol=pickle.HIGHEST_PROTOCOL)
    assert pack.stat().st_size == before + len(piece)
    assert _same(_cold(path), got)
    assert list(_cold(path).pages) == list(got.pages)  # (in the order kept)


def test_a_head_with_its_pages_in_its_body_reads_them_from_there(tmp_path):
    """A head saved by session 30's code (the pages in the head, no "pages" part) reads back whole."""
    kept = _with_pages(_kept(70), 3)
    path = tmp_path / "b.pkl"
    streams.save(path, kept)
    fmt, body, pack, where, size = pickle.loads(path.read_bytes())
    del where["pages"]
    body.pages = kept.pages
    path.write_bytes(pickle.dumps((fmt, body, pack, where, size)))
    assert _same(_cold(path), kept)
