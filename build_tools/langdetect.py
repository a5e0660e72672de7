"""Script and language detection with OpenCC: zh-Hans, zh-Hant or en."""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]+")


@lru_cache(maxsize=1)
def _converters() -> tuple[opencc.OpenCC, opencc.OpenCC]:
    return opencc.OpenCC("t2s"), opencc.OpenCC("s2t")


def detect_lang(text: str) -> str:
    sample = text[:6_000]
    han = _HAN.findall(sample)
    latin_chars = sum(len(w) for w in _LATIN.findall(sample))
    if len(han) < 20 and latin_chars > 5 * max(1, len(han)):
        return "en"
    if not han:
        return "zh-Hans"
    t2s, s2t = _converters()
    joined = "".join(han[:2_000])  # the script shows within a couple of thousand characters
    simplified = t2s.convert(joined)
    traditional = s2t.convert(joined)
    traditional_only = sum(1 for a, b in zip(joined, simplified, strict=False) if a != b)
    simplified_only = sum(1 for a, b in zip(joined, traditional, strict=False) if a != b)
    return "zh-Hant" if traditional_only > simplified_only else "zh-Hans"
