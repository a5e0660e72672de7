"""Script-blind, dictionary-free tokenisation shared by the indexer and the browser.

The same rules are implemented in ``theme/assets/search/query.js``
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
  characters becomes n-1 bigrams at successive positions: Pagefind's exact
  phrase search on them is a substring match, without a dictionary.
* Runs of other letters/digits (Latin, Cyrillic, kana, ...) are single words,
  keeping a few symbols (C++, C#, .NET, 5.5%) and escaped for Pagefind.
* Where two runs do not touch, a gap token stands between them (:func:`stream`),
  so a phrase never matches across punctuation (issue 13).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable

# Han ideograph ranges, identical to HAN in query.js.
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
    # One call over every character, a line each: OpenCC's phrases hold no line break, so each line converts
    # as the character alone would (the same map as one call per character, 4× less CPU on every index run;
    # tests/test_search_tokens.py compares the two).
    chars = [chr(cp) for lo, hi in HAN_RANGES for cp in range(lo, hi + 1)]
    converted = _opencc_t2s().convert("\n".join(chars)).split("\n")
    return {ch: s for ch, s in zip(chars, converted, strict=True) if s != ch and len(s) == 1}


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


# Symbols kept inside a word token (C++, C#, .NET, $1, 5.5%): a leading "." or "$", inner "."
# between word characters, and a trailing "++", "+", "#" or "%".
# Word tokens are handed to Pagefind in an escaped form (Pagefind would strip the symbols,
# stem English words and fold diacritics): each symbol becomes ESCAPE + a letter, and
# TERMINATOR ends the token, so an exact search never matches a longer word (H20 vs H200).
ESCAPE = "\u01c1"  # ǁ (a letter to Pagefind: kept)
TERMINATOR = "\u01c2"  # ǂ
_ESCAPES = {".": "d", "$": "s", "+": "p", "#": "h", "%": "c", "_": "u"}
# Between two runs that are not adjacent in the text (punctuation between them, or a space
# between two Han runs or two words): phrase search must not match across it.
BOUNDARY = "\u01c0"  # ǀ
# Between a page's title, aliases, text and folded copies (never typed: a gap token is never two BOUNDARYs).
SEPARATOR = BOUNDARY * 2
# After a title and after each alias of a page (service.head_tokens): "<phrase> NAME_END" is a whole name.
NAME_END = "\u01c3"  # ǃ


def _class(ranges: list[tuple[int, int]]) -> str:
    esc = re.escape
    return "".join(esc(chr(lo)) if lo == hi else f"{esc(chr(lo))}-{esc(chr(hi))}" for lo, hi in ranges)


def _without_han_class() -> str:
    """A word character that is not Han, as one regex class: ``re``'s ``\\w`` (exactly :func:`is_word`:
    ``tests/test_search_tokens.py`` checks every code point) less the Han ranges, written as "neither a non-word
    character nor Han".  Listing the ranges of ``\\w`` instead cost ~0.2 s of CPU on every index run."""
    return f"[^\\W{_class(list(HAN_RANGES))}]"


@functools.lru_cache(maxsize=1)
def _runs_re() -> re.Pattern:
    """Maximal Han runs (group 1) and word tokens (group 2; letters/digits with their symbols).

    The classes are exactly the per-character rules :func:`is_han` / :func:`is_word`
    (checked at every code point), only much faster.  The same pattern is RUNS_SRC in query.js.
    """
    w = _without_han_class()
    word = rf"(?:(?<![.$])(?<!{w})[.$](?={w}))?{w}+(?:\.{w}+)*(?:\+\+|[+#%])?"
    return re.compile(f"([{_class(list(HAN_RANGES))}]+)|({word})")


def warm() -> None:
    """Build the lazily built tables now (before worker processes fork, so they inherit them)."""
    _t2s_table()
    _runs_re()
    _opencc_t2s()


def encode_word(word: str) -> str:
    """A word token as Pagefind indexes it (see ESCAPE / TERMINATOR)."""
    return "".join(ESCAPE + _ESCAPES[c] if c in _ESCAPES else c for c in word) + TERMINATOR


def _han_tokens(run: str) -> list[str]:
    return [run] if len(run) == 1 else [a + b for a, b in zip(run, run[1:], strict=False)]


def _token_list(norm: str) -> list[str]:
    """Plain tokens of normalised text: Han bigrams (a lone Han character as itself) and words."""
    out: list[str] = []
    for han, word in _runs_re().findall(norm):
        if han:
            out.extend(_han_tokens(han))
        else:
            out.append(word)
    return out


def gap_token(gap: str) -> str:
    """What stands between two runs that do not touch: BOUNDARY for white space, else BOUNDARY and the code
    points of its other characters (so "DeepSeek-R1" is not "DeepSeek R1": Ctrl+F would not say so)."""
    marks = [f"{ord(c):x}" for c in gap if not c.isspace()]
    return BOUNDARY + BOUNDARY.join(marks[:4])


def stream(norm: str) -> list[str]:
    """Index tokens of normalised text in text order: Han bigrams, encoded words, and :func:`gap_token`
    between runs that do not touch.

    A space between a Han run and a word does not count ("AI 芯片" is typed "AI芯片"); a Han run touching
    a word also gives its first (last) character on its own, so "6000亿" is found in "6000亿美元".
    """
    found = [(m.start(), m.end(), m.group(1), m.group(2)) for m in _runs_re().finditer(norm)]
    touch = []
    for (_s0, e0, h0, _w0), (s1, _e1, h1, _w1) in zip(found, found[1:], strict=False):
        gap = norm[e0:s1]
        touch.append(not gap or (not gap.strip() and bool(h0) != bool(h1)))
    out: list[str] = []
    for i, (_s, _e, han, word) in enumerate(found):
        if i and not touch[i - 1]:
            out.append(gap_token(norm[found[i - 1][1] : found[i][0]]))
        if not han:
            out.append(encode_word(word))
            continue
        left = i > 0 and touch[i - 1] and not found[i - 1][2]
        right = i + 1 < len(found) and touch[i] and not found[i + 1][2]
        if len(han) > 1 and left:
            out.append(han[0])
        out.extend(_han_tokens(han))
        if len(han) > 1 and right:
            out.append(han[-1])
    return out


def han_runs(norm: str) -> list[str]:
    return [h for h, _w in _runs_re().findall(norm) if h]


def tokens(text: str) -> list[str]:
    """Plain tokens of a query or a text (character-level normalisation only)."""
    return _token_list(normalize(text))


def query_terms(query: str) -> list[str]:
    """Distinct tokens of a query, in order."""
    return list(dict.fromkeys(tokens(query)))


def index_tokens(text: str) -> list[str]:
    """Tokens to index for a text: :func:`stream` of its character-level normalisation, then, for
    each Han run that OpenCC's whole-text conversions (t2s, tw2s, hk2s, tw2sp: phrase and variant
    tables) fold differently, SEPARATOR and that run's bigrams, so 瞭解 is also found as 了解."""
    from build_tools.search.phrases import folded_runs

    norm = normalize(text)
    out = stream(norm)
    for run in folded_runs(text, norm):
        out.append(SEPARATOR)
        out.extend(_han_tokens(run))
    return out


def token_stream(text: str, extra: Iterable[str] = ()) -> str:
    """Space-separated index tokens of ``text`` (every occurrence: phrase search needs all positions)."""
    toks = index_tokens(text)
    toks.extend(extra)
    return " ".join(toks)
