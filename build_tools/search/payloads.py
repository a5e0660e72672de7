"""A bundle's chunk payloads kept in the cache by SHA-1, so the kept word stream (splice.Kept) holds each chunked
word's entry as a reference into its chunk's payload, not as bytes.

Why (session 29): the kept stream of the old articles' bundle at 10k was an 86 MB pickle, ~70 MB of it the
entries; every change unpickled it whole (~0.13-0.4 s), pickled it whole again (~0.2-0.3 s), and laid every
chunk out again from it (~0.2 s) to find the ~500 that changed.  With references, a change reads back only the
payloads of the chunks its words are in, writes only the new ones, and a chunk whose words are all unchanged is
known by its SHA-1 without being joined or hashed again (layout.lay_out).

A reference is ``(sha1 of the payload, start, end)``; the payload is read back whole once per run and checked
against its SHA-1, so a damaged or missing file is never used: ``Missing`` (the caller merges from the shards).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

Ref = tuple[str, int, int]


class Missing(Exception):
    """A kept payload is gone or not what its name says."""


class Payloads:
    """The payload files of one bundle (``folder/<sha1>``), read at most once per object."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._read: dict[str, bytes] = {}

    def get(self, sha1: str) -> bytes:
        data = self._read.get(sha1)
        if data is None:
            try:
                data = (self.folder / sha1).read_bytes()
            except OSError as exc:
                raise Missing(sha1) from exc
            if hashlib.sha1(data).hexdigest() != sha1:
                raise Missing(sha1)
            self._read[sha1] = data
        return data

    def resolve(self, entry: bytes | Ref | None) -> bytes | None:
        """An entry of a kept stream as bytes (a reference read from its payload)."""
        if entry is None or isinstance(entry, bytes):
            return entry
        sha1, start, end = entry
        return self.get(sha1)[start:end]

    def put(self, fresh: dict[str, bytes]) -> None:
        """Keep the payloads ``fresh`` (by SHA-1); one already there is the same bytes (its name says so)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        there = set(os.listdir(self.folder)) if fresh else set()
        for sha1, payload in fresh.items():
            self._read[sha1] = payload
            if sha1 in there:
                continue
            tmp = self.folder / f".{sha1}.{os.getpid()}.tmp"
            tmp.write_bytes(payload)
            os.replace(tmp, self.folder / sha1)

    def keep_only(self, used: set[str], before: set[str] | None = None) -> None:
        """Remove the payloads not ``used``: of ``before`` (the last layout's) only, or every other file (after
        a merge from the shards, which starts from no layout)."""
        names = before if before is not None else set(os.listdir(self.folder)) if self.folder.is_dir() else set()
        for name in names - used:
            (self.folder / name).unlink(missing_ok=True)
