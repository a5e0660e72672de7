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
    # Characters that differ position by position (as zip would pair them: up to the shorter string).
    traditional_only = sum(map(ne, joined, simplified))
    traditional = s2t.convert(joined)
    simplified_only = sum(map(ne, joined, traditional))
    return "zh-Hant" if traditional_only > simplified_only else "zh-Hans"

