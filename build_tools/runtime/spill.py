"""What the forked copy of the build records (:mod:`.ahead`), kept on disk in batches instead of in one list.

The copy makes the entity and index pages ahead and records every call it would make on the writer and the cache;
the main process replays them.  At 50,000 articles, cold, the records held every such page's text: the copy kept
them in a list and pickled the list whole to send it, and the main process received the pickle and unpickled it
whole: the build step's two largest processes, 1495 and 1361 MiB (the limit is 1431), were those two moments.
Here the records go to a file with no name, a batch of about :data:`BATCH` characters at a time, and the main
process reads them back a batch at a time: neither holds more than a batch of them.

A file kept unchanged is recorded apart, in memory (a path and a key: small), because the main process checks
them all before it replays anything; the batches mark where in the order they came (``("keeps", n)``: the
keeps up to the n-th), so that every call is replayed in the order the copy made it.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO

# What the copy recorded, in order: ("keep", path, key), ("write", path, text, key), ("put", kind, key, value),
# ("put_raw", kind, key, bytes), ("latest", name, place, value).
Op = tuple
# Characters of text (and bytes of blobs) per batch.  One batch of pickled ops is a few times this in memory;
# a per-change build at 10k records a few hundred KB, one batch.
BATCH = 4 << 20
_OP = 200  # what an op counts for besides its text or blob


@dataclass(frozen=True)
class Recorded:
    """What the copy sent: the files it kept (path, key), in order, and how many batches the file holds."""

    keeps: list[tuple[str, str]]
    batches: int


class Spill:
    """The copy's records as it makes them (``append``, like a list's): keeps in memory, the rest to ``file``."""

    def __init__(self, file: IO[bytes]):
        self._file = file
        self._batch: list[Op] = []
        self._size = 0
        self._batches = 0
        self._keeps: list[tuple[str, str]] = []

    def append(self, op: Op) -> None:
        if op[0] == "keep":
            self._keeps.append((op[1], op[2]))
            mark = ("keeps", len(self._keeps))
            if self._batch and self._batch[-1][0] == "keeps":
                self._batch[-1] = mark
            else:
                self._batch.append(mark)
            return
        self._batch.append(op)
        self._size += _OP + (len(op[2]) if op[0] == "write" else len(op[3]) if op[0] == "put_raw" else 0)
        if self._size >= BATCH:
            self._flush()

    def close(self) -> Recorded:
        """The last batch written and the file flushed: what the main process needs to read it."""
        self._flush()
        self._file.flush()
        return Recorded(self._keeps, self._batches)

    def _flush(self) -> None:
        if self._batch:
            pickle.dump(self._batch, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._batches += 1
        self._batch, self._size = [], 0


def recorded_ops(file: IO[bytes], recorded: Recorded) -> Iterator[Op]:
    """Every op the copy recorded, in its order, read back from ``file`` one batch at a time."""
    file.seek(0)
    return _expanded((pickle.load(file) for _ in range(recorded.batches)), recorded.keeps)


def _expanded(batches: Iterator[list[Op]], keeps: Sequence[tuple[str, str]]) -> Iterator[Op]:
    done = 0
    for batch in batches:
        for op in batch:
            if op[0] == "keeps":
                for path, item_key in keeps[done:op[1]]:
                    yield ("keep", path, item_key)
                done = op[1]
            else:
                yield op
