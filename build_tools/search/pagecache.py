"""One page's extraction, kept in the search cache under its page key (pagekeys.py): what search
reads off a built page is worked out once per version of its HTML."""

from __future__ import annotations

import hashlib
import os
import pickle
import zlib
from pathlib import Path

from build_tools.search.extract import extract_page
from build_tools.search.service import record_html

# Original text kept per page for excerpts/highlights (characters).
MAX_TEXT_CHARS = 400_000


def processed(rel: str, path: str, pkey: str, docs_dir: Path | None, cache: Path | None) -> tuple:
    """(Page or None, record html or None) of one file, from the page cache if present."""
    cfile = cache / pkey[:2] / f"{pkey}.pkl" if cache is not None else None
    if cfile is not None:
        try:
            return pickle.loads(zlib.decompress(cfile.read_bytes())), False
        except (OSError, zlib.error, pickle.UnpicklingError, EOFError):
            pass
    value = _extracted(rel, path, docs_dir)
    if cfile is not None:
        _keep(cfile, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return value, True


def content_key(rel: str, path: str, pkey: str, docs_dir: Path | None, cache: Path) -> tuple[str, str, str]:
    """(page key, content key, date) of one page: extracted (and kept in the page cache) unless kept already.
    The date orders the articles into shards (pagekeys.shard_groups)."""
    cfile = cache / pkey[:2] / f"{pkey}.pkl"
    try:
        data = zlib.decompress(cfile.read_bytes())
        page = pickle.loads(data)[0]
    except (OSError, zlib.error, pickle.UnpicklingError, EOFError):
        value = _extracted(rel, path, docs_dir)
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        _keep(cfile, data)
        page = value[0]
    return pkey, hashlib.sha256(data).hexdigest()[:32], page.date if page is not None else ""


def _keep(cfile: Path, data: bytes) -> None:
    cfile.parent.mkdir(parents=True, exist_ok=True)
    tmp = cfile.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(zlib.compress(data, 1))
    os.replace(tmp, cfile)


def _extracted(rel: str, path: str, docs_dir: Path | None) -> tuple:
    with open(path, encoding="utf-8") as fh:
        page = extract_page(fh.read(), rel, docs_dir)
    if page is None or not (page.title or page.text):
        value: tuple = (None, None)
    else:
        rec = record_html(page)
        page.text = page.text[:MAX_TEXT_CHARS]  # all that is kept of it: the fragment's content
        value = (page, rec)
    return value
