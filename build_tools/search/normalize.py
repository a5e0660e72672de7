"""Script-blind, dictionary-free tokenisation shared by the indexer and the browser.

The same rules are implemented in ``overrides/assets/search/search.js``
(``normChar`` / ``tokens``); ``tests/test_search_tokens.py`` runs both on the
same strings and requires identical output.

* Every character is normalised on its own: NFKC (full-width Latin -> ASCII),
  lower case, then OpenCC's Traditional->Simplified *character* table
  (:func:`t2s_char_map`, generated from OpenCC's own data and shipped to the
  browser as ``assets/search/t2s.json``).  Per-character mapping keeps the
  normalised text aligned with the original, so highlights can be drawn on the
  original text.
* Han runs become overlapping character bigrams (a one-character run stays a
  unigram), as Lucene's CJKBigramFilter does.  A query of n >= 2 Han
  characters becomes n-1 bigrams; a page holds the query as a substring only
  if it holds all of them, so AND over bigrams gives substring recall without a
  dictionary.
* Runs of other letters/digits (Latin, Cyrillic, kana, ...) are single words.
  Everything else separates tokens.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator

# Han ideograph ranges, identical to HAN_RE in search.js.
HAN_RANGES: tuple[tuple[int, int], ...] = (
    (0x3400, 0x4DBF),  # Extension A
    (0x4E00, 0x9FFF),  # URO
    (0xF900, 0xFAFF),  # Compatibility ideographs
    (0x20000, 0x323AF),  # Extensions B..H
)


def is_han(ch: str) -> bool:
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in HAN_RANGES)


def is_word(ch: str) -> bool:
    """Letter or digit (JS: /[\\p{L}\\p{N}_]/u)."""
    return ch == "_" or unicodedata.category(ch)[0] in "LN"


@functools.lru_cache(maxsize=1)
def _opencc_t2s():
    import opencc

    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=1)
def t2s_char_map() -> dict[str, str]:
    """OpenCC's t2s conversion applied to each Han character on its own.

    Only one-to-one changes are kept, so the map is length-preserving.
    """
    conv = _opencc_t2s()
    out: dict[str, str] = {}
    for lo, hi in HAN_RANGES:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            s = conv.convert(ch)
            if s != ch and len(s) == 1:
                out[ch] = s
    return out


def t2s_char_map_json() -> str:
    """Compact form shipped to the browser: two strings of equal length (in code points)."""
    m = t2s_char_map()
    keys = sorted(m)
    return json.dumps(
        {"from": "".join(keys), "to": "".join(m[k] for k in keys)}, ensure_ascii=False, separators=(",", ":")
    )


def t2s_buckets() -> dict[str, str]:
    """The char map split by 256-code-point block, as the browser loads it.

    ``{block_hex: json}`` for every block of :data:`HAN_RANGES`; each holds
    ``f``/``t`` (Traditional chars of the block and their Simplified forms) and
    ``v`` (Simplified chars of the block -> the Traditional chars that map to
    them, for highlighting the original text). A query needs the blocks of its
    own characters only: a few hundred bytes instead of the whole table.
    """
    m = t2s_char_map()
    inv: dict[str, list[str]] = {}
    for k in sorted(m):
        inv.setdefault(m[k], []).append(k)
    blocks: dict[int, dict] = {}
    for lo, hi in HAN_RANGES:
        for b in range(lo >> 8, (hi >> 8) + 1):
            blocks.setdefault(b, {"f": [], "t": [], "v": {}})
    for k in sorted(m):
        blk = blocks[ord(k) >> 8]
        blk["f"].append(k)
        blk["t"].append(m[k])
    for simp, trads in inv.items():
        if (ord(simp) >> 8) in blocks:
            blocks[ord(simp) >> 8]["v"][simp] = "".join(trads)
    out = {}
    for b, blk in blocks.items():
        doc = {}
        if blk["f"]:
            doc["f"], doc["t"] = "".join(blk["f"]), "".join(blk["t"])
        if blk["v"]:
            doc["v"] = blk["v"]
        out[f"{b:x}"] = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return out


@functools.lru_cache(maxsize=1)
def _t2s_table() -> dict[int, str]:
    return {ord(k): v for k, v in t2s_char_map().items()}


def normalize(text: str) -> str:
    """Character-level normalisation of a whole string (same as the browser)."""
    return unicodedata.normalize("NFKC", text).lower().translate(_t2s_table())


def _class(ranges: list[tuple[int, int]]) -> str:
    esc = re.escape
    return "".join(esc(chr(lo)) if lo == hi else f"{esc(chr(lo))}-{esc(chr(hi))}" for lo, hi in ranges)


@functools.lru_cache(maxsize=1)
def _runs_re() -> re.Pattern:
    """Maximal Han runs (group 1) and runs of other word characters (group 2).

    The classes are built from :func:`is_han` / :func:`is_word` over every code
    point, so the regex is exactly the per-character rules, only much faster.
    """
    word: list[tuple[int, int]] = []
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        if is_word(ch) and not is_han(ch):
            if word and word[-1][1] == cp - 1:
                word[-1] = (word[-1][0], cp)
            else:
                word.append((cp, cp))
    return re.compile(f"([{_class(list(HAN_RANGES))}]+)|([{_class(word)}]+)")


def warm() -> None:
    """Build the lazily built tables now (before worker processes fork, so they inherit them)."""
    _t2s_table()
    _runs_re()
    _opencc_t2s()


def _runs(norm: str) -> Iterator[tuple[bool, str]]:
    """Yield (is_han, run) for maximal Han runs and word runs of normalised text."""
    for han, word in _runs_re().findall(norm):
        yield (True, han) if han else (False, word)


def _token_list(norm: str) -> list[str]:
    out: list[str] = []
    for han, word in _runs_re().findall(norm):
        if not han:
            out.append(word)
        elif len(han) == 1:
            out.append(han)
        else:
            out.extend([a + b for a, b in zip(han, han[1:], strict=False)])
    return out


def tokens_of_normalized(norm: str) -> Iterator[str]:
    return iter(_token_list(norm))


def tokens(text: str) -> list[str]:
    """Tokens of a query or a text (character-level normalisation only)."""
    return list(tokens_of_normalized(normalize(text)))


def query_terms(query: str) -> list[str]:
    """Distinct tokens of a query, in order (what the browser sends to Pagefind)."""
    return list(dict.fromkeys(tokens(query)))


def index_tokens(text: str) -> Iterator[str]:
    """Tokens to index for a text.

    Character-level tokens first, in text order (so positions and phrase
    search behave), then bigrams that only OpenCC's *phrase-level* t2s yields
    (乾燥 -> 干燥), so a Simplified query also finds a Traditional phrase whose
    characters are not converted one by one.
    """
    return iter(_index_token_list(text))


def _index_token_list(text: str) -> list[str]:
    norm = normalize(text)
    out = _token_list(norm)
    phrase = _opencc_t2s().convert(norm)
    if phrase != norm:
        have = set(out)
        for tok in _token_list(phrase):
            if tok not in have:
                have.add(tok)
                out.append(tok)
    return out


def token_stream(text: str, extra: Iterable[str] = (), max_repeat: int = 0) -> str:
    """Space-separated index tokens; with ``max_repeat``, later repeats of a token are dropped.

    Pagefind stores every position of every word; past a few occurrences they only
    feed a saturating term-frequency score, while they make the index chunk a query
    downloads larger.
    """
    toks = _index_token_list(text)
    toks.extend(extra)
    if max_repeat:
        seen: dict[str, int] = {}
        get = seen.get
        kept = []
        keep = kept.append
        for t in toks:
            n = get(t, 0)
            if n < max_repeat:
                keep(t)
                seen[t] = n + 1
        toks = kept
    return " ".join(toks)
