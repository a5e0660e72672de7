"""Script and language detection with OpenCC: zh-Hans, zh-Hant or en."""

from __future__ import annotations

import re
from functools import lru_cache
from operator import ne

import opencc

_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")
_NOT_LATIN = re.compile(r"[^A-Za-z]+")
SAMPLE_CHARS = 6_000
HAN_CHARS = 2_000  # the script shows within a couple of thousand characters
# OpenCC 1.4.2's s2t: its longest key (STPhrases*, STCharacters) has 15 characters and every value is
# as long as its key (a test checks both on the installed dictionaries).
S2T_CHECKED_VERSION = "1.4.2"
S2T_KEY_MAX = 15
S2T_MARGIN = 64  # characters at the end of a converted head that are not trusted (> S2T_KEY_MAX)
S2T_HEAD = 384


@lru_cache(maxsize=1)
def _converters() -> tuple[opencc.OpenCC, opencc.OpenCC]:
    return opencc.OpenCC("t2s"), opencc.OpenCC("s2t")


def detect_lang(text: str) -> str:
    sample = text[:SAMPLE_CHARS]
    han = _NOT_HAN.sub("", sample)  # every Han character of the sample, in order
    if len(han) < 20:
        latin_chars = len(_NOT_LATIN.sub("", sample))  # the letters of all [A-Za-z]+ runs
        if latin_chars > 5 * max(1, len(han)):
            return "en"
    if not han:
        return "zh-Hans"
    t2s, s2t = _converters()
    joined = han[:HAN_CHARS]
    simplified = t2s.convert(joined)
    if simplified == joined:
        return "zh-Hans"  # nothing traditional-only: it cannot outnumber the simplified-only characters
    traditional_only = _differences(joined, simplified)
    if len(joined) > S2T_HEAD and opencc.__version__ == S2T_CHECKED_VERSION:
        # s2t replaces prefix by prefix, each decided by at most S2T_KEY_MAX characters ahead and as
        # long as what it replaces: converting the first S2T_HEAD characters gives the whole
        # conversion's first S2T_HEAD - S2T_MARGIN characters.  If the simplified-only characters
        # among those already match the traditional-only ones, the text is zh-Hans.
        sure = S2T_HEAD - S2T_MARGIN
        if _differences(joined[:sure], s2t.convert(joined[:S2T_HEAD])[:sure]) >= traditional_only:
            return "zh-Hans"
    traditional = s2t.convert(joined)
    simplified_only = _differences(joined, traditional)
    return "zh-Hant" if traditional_only > simplified_only else "zh-Hans"


# Bit 0 of every 32-bit lane, for HAN_CHARS lanes.
_LANE_BITS = int.from_bytes(b"\x01\x00\x00\x00" * HAN_CHARS, "little")


def _differences(a: str, b: str) -> int:
    """How many positions hold different characters, as zip pairs them (up to the shorter string).

    The same as ``sum(map(ne, a, b))``, computed on whole UTF-32 strings: XOR them as one big
    integer, fold every 32-bit lane onto its lowest bit and count those bits.
    """
    n = min(len(a), len(b))
    if n > HAN_CHARS:
        return sum(map(ne, a, b))
    x = int.from_bytes(a[:n].encode("utf_32_le"), "little") ^ int.from_bytes(b[:n].encode("utf_32_le"), "little")
    x |= x >> 16
    x |= x >> 8
    x |= x >> 4
    x |= x >> 2
    x |= x >> 1
    return (x & _LANE_BITS).bit_count()

