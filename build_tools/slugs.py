"""One slugify function: ASCII, URL-safe, unique and stable.

A slug depends only on the dump's own path inside raw/, so adding or
removing other dumps never changes an existing article's URL.  When the
path does not map one-to-one onto a slug (non-ASCII, spaces, case), a short
hash of the path keeps two dumps from ever sharing one.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import PurePosixPath

from pypinyin import lazy_pinyin

from .model import Slug

MAX_WORDS_CHARS = 60


def slugify(relative_path: str) -> Slug:
    path = PurePosixPath(relative_path)
    stem = str(path.with_suffix("")) if path.suffix else str(path)
    words = " ".join(lazy_pinyin(unicodedata.normalize("NFKC", stem)))
    base = re.sub(r"[^a-z0-9_]+", "-", words.lower()).strip("-_")[:MAX_WORDS_CHARS].strip("-_")
    canonical = re.fullmatch(r"[a-z0-9][a-z0-9_-]*", stem.replace("/", "-")) and base == stem.replace("/", "-")
    if canonical:
        return Slug(base)
    digest = hashlib.sha1(relative_path.encode("utf-8")).hexdigest()[:6]
    return Slug(f"{base}-{digest}" if base else f"dump-{digest}")
