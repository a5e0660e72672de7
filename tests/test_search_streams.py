"""The kept word streams held in memory ahead of use (search/streams.py): a held stream is used only while its
file is the one it was read from or saved as, once, and only within the memory budget."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from build_tools.search import streams
from build_tools.search.splice import Kept


@pytest.fixture(autouse=True)
def nothing_held(monkeypatch):
    monkeypatch.setattr(streams, "_HELD", {})


def _kept(tag: str, size: int = 10) -> Kept:
    return Kept(shards=[tag], stream=[(f"w{i}", tag.encode() * size, i) for i in range(50)])


def _unread(monkeypatch) -> list[Path]:
    """Reads of a file from now on (a held stream is taken without one)."""
    reads: list[Path] = []
    real = streams._read
    monkeypatch.setattr(streams, "_read", lambda path: reads.append(path) or real(path))
    return reads


def test_a_saved_stream_is_taken_by_the_next_load_without_reading_once(tmp_path, monkeypatch):
    path = tmp_path / "streams" / "b1.pkl"
    streams.save(path, _kept("a"))
    reads = _unread(monkeypatch)
    assert streams.load(path).shards == ["a"] and reads == []
    assert streams.load(path).shards == ["a"] and reads == [path]  # once: the caller may have changed it


def test_a_file_replaced_since_is_read_again(tmp_path, monkeypatch):
    path = tmp_path / "b1.pkl"
    streams.save(path, _kept("a"))
    other = tmp_path / "other.pkl"  # another process's index saved its own stream since
    other.write_bytes(pickle.dumps(_kept("b")))
    other.replace(path)
    reads = _unread(monkeypatch)
    assert streams.load(path).shards == ["b"] and reads == [path]


def test_preload_reads_ahead_within_the_budget_only(tmp_path, monkeypatch):
    folder = tmp_path / "streams"
    folder.mkdir()
    for tag, size in (("small", 10), ("large", 4000)):
        (folder / f"{tag}.pkl").write_bytes(pickle.dumps(_kept(tag, size)))
    monkeypatch.setattr(streams, "HELD_BYTES", (folder / "small.pkl").stat().st_size + 100)
    streams.preload(folder)
    reads = _unread(monkeypatch)
    assert streams.load(folder / "small.pkl").shards == ["small"] and reads == []
    assert streams.load(folder / "large.pkl").shards == ["large"] and reads == [folder / "large.pkl"]
    streams.preload(tmp_path / "missing")  # no folder: nothing, no error


def test_an_unreadable_stream_is_none(tmp_path):
    path = tmp_path / "b1.pkl"
    path.write_bytes(b"not a pickle")
    streams.preload(tmp_path)
    assert streams.load(path) is None
