"""The forked copy's records kept on disk in batches (runtime/spill.py): read back whole and in their order, and
never more than about a batch of them held by the copy (issue 15: memory at 50k)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from build_tools.runtime import spill
from build_tools.runtime.spill import Spill, recorded_ops

OPS = [("keep", "entities/a.md", "k1"), ("keep", "entities/b.md", "k2"),
       ("write", "entities/c.md", "页" * 600, None), ("put", "whole", "place", (1, ("x", "y"))),
       ("keep", "timeline/2024.md", "k3"), ("write", "index.md", "首" * 900, "key"),
       ("put_raw", "entry", "k", b"z" * 50), ("latest", "name", "place", {"a": 1}), ("keep", "feed.xml", "k4")]


def test_the_records_come_back_in_order_and_the_keeps_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(spill, "BATCH", 1200)
    with tempfile.TemporaryFile(dir=tmp_path) as file:
        records = Spill(file)
        for op in OPS:
            records.append(op)
        recorded = records.close()
        assert recorded.keeps == [("entities/a.md", "k1"), ("entities/b.md", "k2"), ("timeline/2024.md", "k3"),
                                  ("feed.xml", "k4")]
        assert recorded.batches == 2
        assert list(recorded_ops(file, recorded)) == OPS
        assert list(recorded_ops(file, recorded)) == OPS  # read again from the start


def test_a_batch_goes_to_disk_once_it_is_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The copy holds at most about a batch of texts: the rest is on disk (the file's size counts what its buffer
    holds too, so this says when a batch was handed over, not when the disk got it)."""
    monkeypatch.setattr(spill, "BATCH", 1200)
    with tempfile.TemporaryFile(dir=tmp_path) as file:
        records = Spill(file)
        written = []
        for op in OPS:
            records.append(op)
            written.append(file.tell())
        assert written[:5] == [0] * 5  # 600 characters and a few records: under a batch, still in memory
        assert written[5] > 0  # 1,500 characters and a few records: the batch went out
        assert written[5:] == [written[5]] * (len(OPS) - 5)  # the next batch is held until full or closed
