"""search/writer.py (session 29): index files written on recycled inodes are byte for byte what a fresh write
makes; an inode linked elsewhere (a fragment's shard file, a payload under two names) is never written into."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from build_tools.search.bundle import SIGNATURE
from build_tools.search.writer import Spares, write_changed


def _read(path: Path) -> bytes:
    return gzip.decompress(path.read_bytes())[len(SIGNATURE):]


@pytest.mark.parametrize(("first", "second"), [
    (b"a" * 9000, b"b" * 10),  # a shorter payload over a longer file: cut to its length
    (b"c" * 10, os.urandom(20000)),  # a longer one: the file grows
    (b"d" * 500, b"e" * 500),
])
def test_files_rewritten_on_spare_inodes_hold_exactly_their_payloads(tmp_path: Path, first: bytes, second: bytes):
    out, spare = tmp_path / "out", tmp_path / "spare"
    (out / "index").mkdir(parents=True)
    files = {"index/x.pf_index": (first, 5), "index/gone.pf_index": (b"gone" * 3000, 5)}
    record, _n = write_changed(out, files, {}, 1, Spares(spare))
    record, n = write_changed(out, {"index/x.pf_index": (b"z" + second, 5), "index/new.pf_index": (b"y" + first, 5)},
                              record, 1, Spares(spare))
    assert n == 2 and not (out / "index/gone.pf_index").exists()
    known = {os.stat(f).st_ino for d in (out / "index", spare) for f in d.iterdir()}
    record, n = write_changed(out, {"index/x.pf_index": (second, 5), "index/new.pf_index": (first, 5)}, record, 1,
                              Spares(spare))
    assert n == 2
    assert _read(out / "index/x.pf_index") == second and _read(out / "index/new.pf_index") == first
    assert (out / "index/x.pf_index").read_bytes() == gzip.compress(SIGNATURE + second, 5, mtime=0)
    # the files rewritten took the inodes of the files replaced before: none created
    assert {os.stat(out / rel).st_ino for rel in ("index/x.pf_index", "index/new.pf_index")} <= known


def test_an_inode_linked_elsewhere_is_never_written_into(tmp_path: Path):
    out = tmp_path / "out"
    (out / "index").mkdir(parents=True)
    record, _n = write_changed(out, {"index/a.pf_index": (b"shared", 5)}, {}, 1, Spares(tmp_path / "spare"))
    os.link(out / "index/a.pf_index", tmp_path / "elsewhere")  # as a fragment is linked from the shard store
    before = (tmp_path / "elsewhere").read_bytes()
    record, _n = write_changed(out, {"index/a.pf_index": (b"changed", 5)}, record, 1, Spares(tmp_path / "spare"))
    write_changed(out, {"index/a.pf_index": (b"again", 5)}, record, 1, Spares(tmp_path / "spare"))
    assert (tmp_path / "elsewhere").read_bytes() == before
    assert _read(out / "index/a.pf_index") == b"again"


def test_without_a_spare_folder_files_are_still_written(tmp_path: Path):
    out = tmp_path / "out"
    (out / "index").mkdir(parents=True)
    record, _n = write_changed(out, {"index/a.pf_index": (b"one", 5)}, {})
    write_changed(out, {"index/a.pf_index": (b"two", 5)}, record)
    assert _read(out / "index/a.pf_index") == b"two"
