"""Read one dump: size limit, bytes, encoding, format → an Article with blocks and hints."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .decode import DecodeError, decode
from .model import Article, Failure
from .readers import read
from .settings import MAX_DUMP_BYTES


def ingest(path: Path, display_path: str, max_bytes: int = MAX_DUMP_BYTES) -> Article | Failure:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Failure(display_path, "ingest",
                           f"too large: {size / 1048576:.1f} MB (limit {max_bytes / 1048576:.0f} MB)")
        data = path.read_bytes()
    except OSError as error:
        return Failure(display_path, "ingest", f"cannot read file: {error.strerror or error}")
    digest = hashlib.sha256(data).hexdigest()
    try:
        text, encoding = decode(data)
    except DecodeError as error:
        return Failure(display_path, "ingest", str(error))
    if _is_data_table(text):
        return Failure(display_path, "ingest", "not an article: tab-separated data table")
    document = read(text)
    return Article(
        raw_path=display_path,
        sha256=digest,
        text=text,
        encoding=encoding,
        format=document.format,
        hints=document.hints,
        blocks=document.blocks,
    )


def _is_data_table(text: str) -> bool:
    lines = [line for line in text.split("\n")[:200] if line.strip()]
    tabbed = sum(1 for line in lines if line.count("\t") >= 3)
    return len(lines) >= 3 and tabbed >= 0.8 * len(lines)
