"""Script detection (build_tools/stages/langdetect.py): zh-Hans, zh-Hant or en.

detect_lang decides by comparing a text's Han characters with their OpenCC simplified and traditional
conversions.  To stay fast it converts only a head of the text when that already decides, and counts
differences on whole integers; these tests hold it to the plain definition.
"""

from __future__ import annotations

import os
import random
import subprocess
from operator import ne

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from build_tools.stages import langdetect
from build_tools.stages.langdetect import detect_lang

SIMPLIFIED = ["这是一篇简体中文的文章，说明了时间与国家的关系。", "我们发现这个问题的后果很严重，需要进一步处理。",
              "乾隆年间的著作里，干部们的说法并不一致。", "他于是离开了，头发也白了。"]
TRADITIONAL = ["這是一篇繁體中文的文章，說明了時間與國家的關係。", "我們發現這個問題的後果很嚴重，需要進一步處理。",
               "乾隆年間的著作裡，幹部們的說法並不一致。", "他於是離開了，頭髮也白了。"]


def by_definition(text: str) -> str:
    """The script, by definition: more traditional-only than simplified-only characters is zh-Hant."""
    han = "".join(ch for ch in text[:langdetect.SAMPLE_CHARS] if "\u4e00" <= ch <= "\u9fff")
    latin = sum(1 for ch in text[:langdetect.SAMPLE_CHARS] if ch.isascii() and ch.isalpha())
    if len(han) < 20 and latin > 5 * max(1, len(han)):
        return "en"
    head = han[:langdetect.HAN_CHARS]
    t2s, s2t = opencc.OpenCC("t2s"), opencc.OpenCC("s2t")
    traditional_only = sum(map(ne, head, t2s.convert(head)))
    simplified_only = sum(map(ne, head, s2t.convert(head)))
    return "zh-Hant" if traditional_only > simplified_only else "zh-Hans"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("".join(SIMPLIFIED) * 40, "zh-Hans"),
        ("".join(TRADITIONAL) * 40, "zh-Hant"),
        ("English only text " * 50, "en"),
        ("", "zh-Hans"),
        ("乾隆著作" * 700, "zh-Hans"),  # characters both scripts share
        ("".join(SIMPLIFIED) * 8 + "".join(TRADITIONAL) * 40, "zh-Hant"),
    ],
)
def test_detect_lang(text, lang):
    assert detect_lang(text) == lang == by_definition(text)


def test_mixed_texts_as_by_definition():
    rnd = random.Random(3)
    for _ in range(150):
        share = rnd.random()
        parts = [rnd.choice(TRADITIONAL if rnd.random() < share else SIMPLIFIED) for _ in range(rnd.randint(10, 160))]
        text = "".join(parts)
        assert detect_lang(text) == by_definition(text), share


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="a中\U00020000\U0010ffff\x00\uffff乾干", max_size=40),
       st.text(alphabet="a中\U00020000\U0010ffff\x00\uffff乾干", max_size=40))
def test_differences_counts_positions_that_differ(a, b):
    assert langdetect._differences(a, b) == sum(map(ne, a, b))


def _exported(tmp_path, name):
    share = os.path.join(os.path.dirname(opencc.__file__), "clib")
    tool = os.path.join(share, "bin", "opencc_dict")
    source = os.path.join(share, "share", "opencc", f"{name}.ocd2")
    if not (os.path.exists(tool) and os.path.exists(source)):
        return None
    out = tmp_path / f"{name}.txt"
    subprocess.run([tool, "-i", source, "-o", str(out), "-f", "ocd2", "-t", "text"], check=True, capture_output=True)
    return [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines() if line]


def test_s2t_dictionaries_as_detect_lang_assumes(tmp_path):
    """Converting a head decides only if no s2t key is longer than S2T_KEY_MAX and every value is as long as its key."""
    if opencc.__version__ != langdetect.S2T_CHECKED_VERSION:
        return  # detect_lang converts the whole text with any other OpenCC
    assert langdetect.S2T_KEY_MAX < langdetect.S2T_MARGIN < langdetect.S2T_HEAD
    for name in ("STPhrases", "STPhrases_GeneratedFromRegionalPhrases", "STCharacters"):
        entries = _exported(tmp_path, name)
        if entries is None:
            return
        assert max(len(key) for key, _ in entries) <= langdetect.S2T_KEY_MAX
        assert all(len(value.split(" ")[0]) == len(key) for key, value in entries)
