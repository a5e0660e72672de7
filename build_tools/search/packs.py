"""A kept word stream (:class:`~build_tools.search.splice.Kept`) on disk in pieces, so that saving it after a change
writes only the pieces the change touched.

Why: pickling the old articles' whole stream after every change was 0.27 s of CPU and 90 MB written at 10k articles
(session 30), while a change touches a few hundred of its ~7,600 chunks.  The stream is cut into pieces at its
chunks' first words (layout.Chunk: a change leaves the others' words as they were), the frequent words' runs into
one piece per word; each piece is pickled on its own into an append-only pack file, and a small head file (the
rest of the Kept, and where each piece is) replaces the old head at once.  A save compares each piece with the
piece of the same first word last loaded or saved by this process (``==``: a whole-content comparison, fast
because an unchanged piece holds the very same objects) and appends only the pieces that differ; the pack is
written anew, from its live pieces' bytes, once its dead bytes outweigh its live ones.  A head names its pack, a
pack is only appended to or replaced whole, so a head always reads back the stream it was saved with.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import zlib
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

from build_tools.search.splice import Kept

FORMAT = "pieces-1"
# Cut the stream every ~this many words where no chunk says where (a Kept laid out before chunks were kept)
FALLBACK_PIECE = 8
SPAN = 4 * 2**20  # bytes of pieces read at once


@dataclasses.dataclass
class Packed:
    """What this process last read or wrote of one head: its pack, its bytes, and each part's pieces in order as
    (the piece's objects as saved, offset, length); what :func:`write` compares a new stream's pieces with."""

    pack: str
    pieces: dict[str, list[tuple[list, int, int]]]
    size: int


def stream_cuts(kept: Kept) -> list[int]:
    """Where the stream's pieces start: at each chunk's first word (a stray frequent word joins the piece before
    it), or, with no chunks that match the stream, after each word whose hash says so.  (Any cut reads back the
    same stream: these are the ones a change leaves in place.)"""
    stream, cuts, i = kept.stream, [0], 0
    for c in kept.chunks or ():
        while i < len(stream) and stream[i][0] != c[0]:
            i += 1
        if i >= len(stream):
            break
        if i:
            cuts.append(i)
        i += c[4]
    if len(cuts) == 1:
        cuts += [k + 1 for k, item in enumerate(stream[:-1])
                 if zlib.crc32(item[0].encode("utf-8", "surrogatepass")) % FALLBACK_PIECE == 0]
    return cuts


def pieces_of(kept: Kept) -> dict[str, list[list]]:
    """The Kept's pieces by part: "stream" (lists of its items), "runs" (one [(word, runs)] per frequent word,
    its runs' dict copied: a caller may change the one it holds, and the next write compares with this one),
    "pages" (one [(shard key, its pages)] per shard: 1.9 MB of the 2.7 MB head at 10k articles, ~0.1 s to pickle
    whole, while a change touches the pages of a shard or two)."""
    stream = kept.stream
    bounds = [*stream_cuts(kept), len(stream)] if stream else []
    return {"stream": [stream[a:b] for a, b in pairwise(bounds)],
            "runs": [[(w, (r[0], dict(r[1])))] for w, r in kept.runs.items()],
            "pages": [[(k, info)] for k, info in kept.pages.items()]}


def write(head: Path, kept: Kept, last: Packed | None) -> Packed:
    """``kept`` as the head file ``head`` and its pack (appended to ``last``'s pack, when that is this head's and
    still as ``last`` left it); returns what was written, for the next write's comparison."""
    folder = head.parent
    old_pack = folder / last.pack if last is not None else None
    if old_pack is not None and (not old_pack.is_file() or os.path.getsize(old_pack) != last.size):
        last = old_pack = None
    pieces: dict[str, list[list]] = {}  # part -> [[piece, old offset or -1, length, new bytes or None]]
    for part, cut in pieces_of(kept).items():
        seen = {p[0][0][0]: p for p in last.pieces.get(part, ())} if last is not None else {}
        pieces[part] = rows = []
        for piece in cut:
            was = seen.get(piece[0][0])
            if was is not None and was[0] == piece:  # the same content (fast: mostly the very same objects)
                rows.append([was[0], was[1], was[2], None])
            else:
                data = pickle.dumps(piece, protocol=pickle.HIGHEST_PROTOCOL)
                rows.append([piece, -1, len(data), data])
    rows = [row for part_rows in pieces.values() for row in part_rows]
    live = sum(row[2] for row in rows)
    new_bytes = sum(row[2] for row in rows if row[3] is not None)
    # dead bytes kept under half the live ones (else a new pack): what preload budgets stays near the stream
    append = last is not None and last.size + new_bytes <= live + live // 2
    pack = last.pack if append else f"{head.stem}.{os.urandom(6).hex()}.pack"
    at = last.size if append else 0
    with open(folder / pack, "ab" if append else "wb") as f, _opened(None if append else old_pack) as old:
        for row in rows:
            if row[3] is not None:
                f.write(row[3])
            elif append:
                continue  # in the pack already, where it was
            else:  # (a new pack: the live piece's bytes copied, not pickled again)
                f.write(os.pread(old.fileno(), row[2], row[1]))
            row[1], at = at, at + row[2]
    where = {part: [(row[1], row[2]) for row in part_rows] for part, part_rows in pieces.items()}
    tmp = head.with_name(f".{head.name}.tmp")
    with tmp.open("wb") as f:
        pickle.dump((FORMAT, dataclasses.replace(kept, stream=[], runs={}, pages={}), pack, where, at), f,
                    protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(head)
    for other in folder.glob(f"{head.stem}.*.pack"):
        if other.name != pack:
            other.unlink(missing_ok=True)
    return Packed(pack, {part: [(r[0], r[1], r[2]) for r in part_rows] for part, part_rows in pieces.items()}, at)


def _opened(path: Path | None):
    """The file ``path`` opened for reading, or nothing (a context that gives None)."""
    return open(path, "rb") if path is not None else contextlib.nullcontext()


def read(head: Path, loaded) -> tuple[Kept, Packed | None] | None:
    """The Kept of a head file (unpickled as ``loaded``): its stream and runs read from its pack; a Kept pickled
    whole (the format before pieces) as it is.  None: not a Kept, or its pack is not all there."""
    if isinstance(loaded, Kept):
        return loaded, None
    if not (isinstance(loaded, tuple) and len(loaded) == 5 and loaded[0] == FORMAT and isinstance(loaded[1], Kept)):
        return None
    _format, body, pack, where, size = loaded
    pieces: dict[str, list[tuple[list, int, int]]] = {}
    with open(head.parent / pack, "rb") as f:
        if os.fstat(f.fileno()).st_size < size:
            return None
        loaded = {o: pickle.loads(view) for o, view in _spans(f.fileno(), [s for ss in where.values() for s in ss])}
        for part, spots in where.items():
            pieces[part] = [(loaded[o], o, n) for o, n in spots]
    stream = [item for piece, _o, _n in pieces.get("stream", ()) for item in piece]
    runs = {w: r for piece, _o, _n in pieces.get("runs", ()) for w, r in piece}
    # (a head saved before the pages were pieces keeps them in its body)
    pages = {k: info for piece, _o, _n in pieces["pages"] for k, info in piece} if "pages" in where else body.pages
    # the runs as read, copied (a caller may change the dicts it is given: write compares with these)
    pieces["runs"] = [([(w, (r[0], dict(r[1]))) for w, r in piece], o, n) for piece, o, n in pieces.get("runs", ())]
    return dataclasses.replace(body, stream=stream, runs=runs, pages=pages), Packed(pack, pieces, size)


def _spans(fd: int, spots: list[tuple[int, int]]) -> Iterator[tuple[int, memoryview]]:
    """(offset, bytes) of each (offset, length) of the file ``fd``, read in runs of adjacent pieces of up to SPAN
    bytes (one read each, not one per piece; and one run held at a time, not the whole pack: the peak memory)."""
    todo = sorted(spots)
    i = 0
    while i < len(todo):
        start = todo[i][0]
        j, end = i + 1, start + todo[i][1]
        while j < len(todo) and todo[j][0] == end and end - start < SPAN:
            end += todo[j][1]
            j += 1
        block = memoryview(os.pread(fd, end - start, start))
        if len(block) != end - start:
            raise EOFError("search: a kept stream's pack is cut short")
        for o, n in todo[i:j]:
            yield o, block[o - start:o - start + n]
        i = j


def pack_bytes(head: Path) -> int:
    """The bytes of the packs beside ``head`` (what holding its stream costs, with the head's own)."""
    return sum(p.stat().st_size for p in head.parent.glob(f"{head.stem}.*.pack"))
