"""The Traditional → Simplified tables the browser folds queries with, written beside the bundle.

They depend only on the search code and OpenCC, not on the site, yet building them takes most of a
no-op index run (every code point through OpenCC): they are written again only when the code version
differs from the one recorded with them, or when a file is missing or not the one written (a full
MkDocs render empties the site folder).  The record lists each file's size and mtime, checked by stat.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from build_tools.search.normalize import t2s_buckets, t2s_char_map_json
from build_tools.search.phrases import phrase_buckets

RECORD = "t2s-assets.json"


def write_t2s_assets(asset_dir: Path, cache: Path, code: str) -> bool:
    """Characters (``t2s.json``) and OpenCC's phrase and variant tables, by block of 256 code points
    (``t2s/<block>.json``, loaded for a query's blocks only).  False when the files there are already these."""
    record = cache / RECORD
    try:
        done = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        done = None
    if isinstance(done, dict) and done.get("code") == code and done.get("files") == _stats(asset_dir, done["files"]):
        return False
    record.unlink(missing_ok=True)
    asset_dir.mkdir(parents=True, exist_ok=True)
    written = ["t2s.json"]
    (asset_dir / "t2s.json").write_text(t2s_char_map_json(), encoding="utf-8")
    phrases = phrase_buckets()
    bucket_dir = asset_dir / "t2s"
    if bucket_dir.exists():
        shutil.rmtree(bucket_dir)
    bucket_dir.mkdir()
    for block, doc in t2s_buckets().items():
        if block in phrases:  # "p": the phrase-table keys starting in this block (same request)
            doc = doc[:-1] + ("," if doc != "{}" else "") + '"p":' + phrases[block] + "}"
        (bucket_dir / f"{block}.json").write_text(doc, encoding="utf-8")
        written.append(f"t2s/{block}.json")
    cache.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"code": code, "files": _stats(asset_dir, {n: None for n in written})}),
                      encoding="utf-8")
    return True


def _stats(asset_dir: Path, names) -> dict[str, list[int] | None]:
    """name → [size, mtime_ns] of each file (None when it is missing), plus how many the t2s folder holds, so
    an extra file is a difference too."""
    out: dict[str, list[int] | None] = {}
    for name in names:
        if name == "":
            continue
        try:
            info = os.stat(asset_dir / name)
            out[name] = [info.st_size, info.st_mtime_ns]
        except OSError:
            out[name] = None
    try:
        out[""] = [len(os.listdir(asset_dir / "t2s"))]
    except OSError:
        out[""] = None
    return out
