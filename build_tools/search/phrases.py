"""OpenCC's phrase and variant tables, for folding Traditional, Taiwan and Hong Kong forms that are not
converted character by character (瞭解 → 了解, 隨著 → 随着, 軟體 → 软件).

Index side: :func:`folded_runs` converts a page's whole text with OpenCC's ``t2s``, ``tw2s``, ``hk2s``
and ``tw2sp`` (phrase tables and segmentation included) and returns the Han runs that come out
differently from the character-level fold; the indexer indexes them too.

Query side: the browser cannot run OpenCC, so it gets, for every key of OpenCC's own phrase and
variant dictionaries (read with OpenCC's ``opencc_dict`` tool at index time), what those four
conversions make of the key: ``assets/search/phrases/<first character's code point >> 8>.json``,
loaded for the blocks of a query's characters only. query.js folds a query by longest key match.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import tempfile
import unicodedata
from pathlib import Path

from build_tools.search.normalize import HAN_RANGES, _class, normalize

CONVERSIONS = ("t2s", "tw2s", "hk2s", "tw2sp")
# The dictionaries of those conversions whose keys a reader may type (the character tables are
# covered by the character map, normalize.t2s_char_map).
DICTIONARIES = (
    "TSPhrases", "TWPhrasesRev", "TWVariantsRevPhrases", "TWVariantsRev", "HKVariantsRevPhrases", "HKVariantsRev",
)  # fmt: skip


class OpenCCDataError(RuntimeError):
    """OpenCC's dictionaries or its ``opencc_dict`` tool are missing from the installed package."""


@functools.lru_cache(maxsize=1)
def converters() -> tuple:
    import opencc

    return tuple(opencc.OpenCC(c) for c in CONVERSIONS)


def folds(text: str) -> set[str]:
    """Every fold of ``text`` other than the character-level one."""
    base = unicodedata.normalize("NFKC", text).lower()
    plain = normalize(base)
    return {f for f in (normalize(c.convert(base)) for c in converters()) if f != plain}


@functools.lru_cache(maxsize=1)
def _han_run_re() -> re.Pattern:
    """Maximal Han runs alone: the same runs as normalize.han_runs (a word never holds a Han character),
    without trying the word pattern at every position (~5x faster on an article, measured)."""
    return re.compile(f"[{_class(list(HAN_RANGES))}]+")


def folded_runs(text: str, norm: str) -> list[str]:
    """Han runs of OpenCC's whole-text folds of ``text`` that its character fold ``norm`` lacks, in order."""
    fs = sorted(folds(text))  # a set: sorted, or the index would follow the hash seed
    if not fs:
        return []
    runs = _han_run_re().findall
    have = set(runs(norm))
    out: dict[str, None] = {}
    for f in fs:
        for run in runs(f):
            if run not in have:
                out[run] = None
    return list(out)


def _opencc_share() -> tuple[Path, Path]:
    import opencc

    root = Path(opencc.__file__).resolve().parent / "clib"
    tool, share = root / "bin" / "opencc_dict", root / "share" / "opencc"
    if not tool.is_file() or not share.is_dir():
        raise OpenCCDataError(f"OpenCC's opencc_dict or dictionaries not found under {root}")
    return tool, share


@functools.lru_cache(maxsize=1)
def dictionary_entries() -> dict[str, tuple[str, ...]]:
    """Every key of :data:`DICTIONARIES` with every candidate the dictionaries give it (NFKC, lower case), read
    off OpenCC's own binary dictionaries."""
    tool, share = _opencc_share()
    entries: dict[str, set[str]] = {}
    with tempfile.TemporaryDirectory(prefix="opencc-") as tmp:
        for name in DICTIONARIES:
            out = Path(tmp) / f"{name}.txt"
            subprocess.run([str(tool), "-i", str(share / f"{name}.ocd2"), "-o", str(out), "-f", "ocd2", "-t", "text"],
                           check=True, capture_output=True, timeout=60)  # fmt: skip
            for line in out.read_text(encoding="utf-8").splitlines():
                key, _tab, cands = line.partition("\t")
                key = unicodedata.normalize("NFKC", key.strip()).lower()
                if key:
                    entries.setdefault(key, set()).update(
                        unicodedata.normalize("NFKC", c).lower() for c in cands.split() if c
                    )
    return {k: tuple(sorted(v)) for k, v in sorted(entries.items())}


@functools.lru_cache(maxsize=1)
def phrase_table() -> dict[str, list[str]]:
    """Key → its folds other than the character fold: what :data:`CONVERSIONS` make of it, and the character
    fold of every other candidate the reverse dictionaries list for it (keys without any left out).

    Why the other candidates: a conversion takes a dictionary's first candidate only, and the reverse
    tables are not the inverse of the forward ones: s2twp writes 接口 and 界面 both as 介面, 默认 as 預設,
    but tw2sp reads 介面 back as 界面 only and 預設 as 预设, so a reader typing the Taiwan form of what a
    Simplified page says found nothing (TWPhrasesRev lists 介面: 界面 接口; 預設: 預設 默認 缺省)."""
    out = {}
    for key, cands in dictionary_entries().items():
        plain = normalize(key)
        alts = sorted(folds(key) | {f for f in (normalize(c) for c in cands) if f != plain})
        if alts:
            out[key] = alts
    return out


def phrase_buckets() -> dict[str, str]:
    """:func:`phrase_table` split by the 256-code-point block of each key's first character: ``{block_hex: json}``."""
    blocks: dict[str, dict[str, list[str]]] = {}
    for key, alts in phrase_table().items():
        blocks.setdefault(f"{ord(key[0]) >> 8:x}", {})[key] = alts
    return {
        b: json.dumps(d, ensure_ascii=False, separators=(",", ":"), sort_keys=True) for b, d in sorted(blocks.items())
    }
