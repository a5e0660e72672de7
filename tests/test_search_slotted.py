"""A cached shard's segments kept in the slots of its last merge (merge.shard_in_slots, session 25): what a full
merge reads must be exactly what renumbering the shard's own segments gives, whatever is in the kept file."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import pytest

from build_tools.search import merge, segments
from build_tools.search.merge import SLOTTED, in_slots, shard_in_slots


def _shard(root: Path, n_pages: int, seed: int) -> Path:
    """A shard folder holding only segments.pkl: random words over ``n_pages`` pages (some with meta
    locations), as the indexer keeps them (pages numbered 0..n-1, entries delta-coded)."""
    rng = random.Random(seed)
    segs = []
    for w in sorted({"".join(rng.choice("芯片算力模型推理开源") for _ in range(2)) + str(i % 7) for i in range(60)}):
        pages = sorted(rng.sample(range(n_pages), rng.randint(1, n_pages)))
        entries, prev = [], 0
        for p in pages:
            locs = sorted(rng.sample(range(300), rng.randint(1, 4)))
            entries.append([p - prev, locs, [-1, 0]] if rng.random() < 0.2 else [p - prev, locs])
            prev = p
        segs.append(segments._segment(w, entries, []))
    meta = ["v", [[f"h{i}", 10 + i] for i in range(n_pages)], [], [], [], ["title"]]
    shard = root / f"s{seed}"
    shard.mkdir()
    (shard / "segments.pkl").write_bytes(pickle.dumps((meta, segs)))
    return shard


def _slots(n: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    return sorted(rng.sample(range(40 * n), n))


def _walk(shard: Path, slots: list[int]) -> tuple:
    return in_slots(*pickle.loads((shard / "segments.pkl").read_bytes()), slots)


@pytest.mark.parametrize("n_pages", [1, 5, 64])
def test_kept_slotted_segments_equal_the_walk_and_are_read_without_it(tmp_path: Path, monkeypatch, n_pages):
    shard = _shard(tmp_path, n_pages, seed=n_pages)
    slots = _slots(n_pages, 1)
    first = shard_in_slots(shard, slots)  # nothing kept: the walk, then kept
    assert first == _walk(shard, slots) and (shard / SLOTTED).is_file()

    def no_walk(*_a):
        raise AssertionError("renumbered although the slots were kept")

    monkeypatch.setattr(merge, "renumbered", no_walk)
    assert shard_in_slots(shard, slots) == first


@pytest.mark.parametrize("kept", ["other slots", "truncated", "garbage", "not a pair"])
def test_a_stale_or_broken_kept_file_is_walked_again(tmp_path: Path, kept):
    shard = _shard(tmp_path, 20, seed=7)
    slots, other = _slots(20, 1), _slots(20, 2)
    shard_in_slots(shard, other)
    data = (shard / SLOTTED).read_bytes()
    if kept == "truncated":
        (shard / SLOTTED).write_bytes(data[: len(data) // 2])
    elif kept == "garbage":
        (shard / SLOTTED).write_bytes(b"\x00not a pickle")
    elif kept == "not a pair":
        (shard / SLOTTED).write_bytes(pickle.dumps(slots))  # the slots, and nothing after them
    assert shard_in_slots(shard, slots) == _walk(shard, slots)
    assert shard_in_slots(shard, slots) == _walk(shard, slots)  # and kept again, now in these slots
    with (shard / SLOTTED).open("rb") as f:
        assert pickle.load(f) == slots
