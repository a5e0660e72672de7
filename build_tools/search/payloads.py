"""The kept word stream (splice.Kept) holds each chunked word's entry as a reference into its chunk's payload,
read back from the bundle's own chunk file and checked against the SHA-1 the bundle's record gives it.

Why (session 29): the kept stream of the old articles' bundle at 10k was an 86 MB pickle, ~70 MB of it the
entries; every change unpickled it whole (~0.13-0.4 s), pickled it whole again (~0.2-0.3 s), and laid every
chunk out again from it (~0.2 s) to find the ~900 files that changed.  With references, a change reads back only
the chunks its words are in, and a chunk whose words are all unchanged is known by its SHA-1 without being joined
or hashed again (layout.lay_chunks).  The payloads are not kept a second time in the cache: creating a file costs
~0.8 ms on this machine's disk (ext4), so ~900 payload files a change cost as much as the pickle did.

A reference is ``(sha1 of the payload, start, end)``.  A payload is read back whole once per object, only before
anything of the bundle is written (tiers._merge_one), and used only when its SHA-1 is the one recorded: a file
changed, damaged or gone since raises ``Missing`` (the caller merges from the shards).
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from pathlib import Path

from build_tools.search.bundle import SIGNATURE

Ref = tuple[str, int, int]


class Missing(Exception):
    """A kept payload is gone or not what the record says."""


class Payloads:
    """The chunk payloads of one written bundle (``bundle``: its folder; ``files``: its record, rel -> SHA-1)."""

    def __init__(self, bundle: Path, files: dict[str, str]):
        self.bundle = bundle
        self._rel = {sha1: rel for rel, sha1 in files.items()}
        self._read: dict[str, bytes] = {}

    def get(self, sha1: str) -> bytes:
        data = self._read.get(sha1)
        if data is None:
            rel = self._rel.get(sha1)
            if rel is None:
                raise Missing(sha1)
            try:
                data = gzip.decompress((self.bundle / rel).read_bytes())
            except (OSError, EOFError, zlib.error) as exc:
                raise Missing(sha1) from exc
            data = data[len(SIGNATURE):] if data.startswith(SIGNATURE) else b""
            if hashlib.sha1(data).hexdigest() != sha1:
                raise Missing(sha1)
            self._read[sha1] = data
        return data

    def resolve(self, entry: bytes | Ref | None) -> bytes | None:
        """An entry of a kept stream as bytes (a reference read from its chunk)."""
        if entry is None or isinstance(entry, bytes):
            return entry
        sha1, start, end = entry
        return self.get(sha1)[start:end]
