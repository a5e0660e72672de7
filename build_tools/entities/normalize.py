"""Script-blind, length-preserving text normalisation for entity matching.

The matcher runs on a *key* string that has exactly one character per
character of the original text, so every offset found in the key is an
offset in the original (the page always shows the original script).

``key(s)``:

* Traditional → Simplified per character with OpenCC ``t2s``.  OpenCC's
  phrase conversion can change length (and would make an alias convert
  differently from the same characters inside a sentence), so the table is
  built once by converting each character on its own; a character whose
  single-character conversion is not exactly one character is left as is.
  Aliases and text go through the same table, so they always agree.
* full-width ASCII (``Ｎｖｉｄｉａ``) → half-width, ASCII letters → lower case;
* the middle-dot variants used in transliterated names (``・ ‧ • ･``) → ``·``.
"""

from __future__ import annotations

import functools

# Ranges converted up front: CJK Ext A, CJK Unified, CJK Compatibility.
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_DOTS = "・‧•･∙⋅"


@functools.lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    chars = [chr(c) for lo, hi in _CJK_RANGES for c in range(lo, hi + 1)]
    try:
        import opencc

        converted = opencc.OpenCC("t2s").convert("\n".join(chars)).split("\n")
    except Exception:  # pragma: no cover - opencc is a pinned dependency
        converted = chars
    if len(converted) == len(chars):
        for src, dst in zip(chars, converted, strict=False):
            if dst != src and len(dst) == 1:
                table[ord(src)] = dst
    for c in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[c] = chr(c - 0xFEE0).lower()
    table[0x3000] = " "  # ideographic space
    for c in range(ord("A"), ord("Z") + 1):
        table[c] = chr(c).lower()
    for d in _DOTS:
        table[ord(d)] = "·"
    return table


def key(text: str) -> str:
    """The matching key of ``text``: same length, script- and case-blind."""
    return text.translate(_table())


def is_latin_word_char(ch: str) -> bool:
    """Characters that glue Latin words together (for word-boundary checks)."""
    return ch.isascii() and ch.isalnum() or ("\uff10" <= ch <= "\uff19") or ("\uff21" <= ch <= "\uff5a")
