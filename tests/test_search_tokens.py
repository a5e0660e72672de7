"""The query tokeniser in the browser (search.js) and the indexer (normalize.py) agree."""

from __future__ import annotations

import json
from pathlib import Path

from build_tools.search.normalize import (
    index_tokens,
    normalize,
    query_terms,
    t2s_char_map,
    t2s_char_map_json,
    tokens,
)
from tests.conftest import node_module

ROOT = Path(__file__).resolve().parent.parent
SEARCH_JS = ROOT / "theme" / "assets" / "search" / "search.js"

SAMPLES = [
    "黄仁勋",
    "黃仁勛",
    "英偉達市值蒸發創紀錄,DeepSeek掀起AI算力革命意味著什么?|甲子光年",
    "英伟达CEO黄仁勋称市场对DeepSeek带来的影响存在误解。",
    "DeepSeek-R1 Scaling Law",
    "ＮＶＩＤＩＡ　Ｈ２０，全角字符",
    "Nvidia首席执行官黄仁勋回应了市场对 DeepSeek R1 推理模型的恐慌。",
    "算 力",
    "a",
    "",
    "…——「出口管制」🌟👆",
    "𠀀𠮷野家 ㈱ ﬁ Ⅻ",
    "Café naïve Ǆ ß İstanbul",
    "日本語のテキストとカタカナ、한국어",
    "1,000亿美元 5600万 3.5%",
    "emoji👩‍👩‍👧 mixed英伟达RTX 5090",
]


def seed_lines() -> list[str]:
    out: list[str] = []
    for f in sorted((ROOT / "raw").glob("*.txt"))[:5]:
        out += [ln for ln in f.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()][:60]
    return out


def js_tokens(strings: list[str]) -> list[list[str]]:
    return js_eval("inp.strings.map(s => m.tokens(s))", {"strings": strings})


def test_js_and_python_tokenise_identically():
    strings = SAMPLES + seed_lines()
    got = js_tokens(strings)
    mismatches = [(s, py, js) for s, py, js in zip(strings, (tokens(s) for s in strings), got, strict=True) if py != js]
    assert not mismatches, mismatches[:5]


def test_script_blind():
    assert tokens("黄仁勋") == tokens("黃仁勛") == ["黄仁", "仁勋"]
    assert tokens("英偉達") == tokens("英伟达")
    assert normalize("軍備競賽") == "军备竞赛"


def test_bigrams_and_words():
    assert tokens("推理模型") == ["推理", "理模", "模型"]
    assert tokens("DeepSeek-R1") == ["deepseek", "r1"]
    assert tokens("英伟达CEO黄仁勋") == ["英伟", "伟达", "ceo", "黄仁", "仁勋"]
    assert tokens("算") == ["算"]
    assert query_terms("算力 算力") == ["算力"]


def test_substring_recall_property():
    """Every >=2-char Han substring of a text has all its bigrams among the text's tokens."""
    text = "英伟达市值蒸发创纪录，黄仁勋首次回应"
    have = set(index_tokens(text))
    for i in range(len(text)):
        for j in range(i + 2, len(text) + 1):
            q = text[i:j]
            if all("\u4e00" <= c <= "\u9fff" for c in q):
                assert set(tokens(q)) <= have, q


def test_phrase_level_t2s_extras():
    # OpenCC's phrase table converts 乾燥 as a phrase; char-level tokens come first.
    toks = list(index_tokens("天氣乾燥"))
    assert toks[:3] == tokens("天氣乾燥")
    assert "干燥" in toks


def test_char_map_is_one_to_one():
    m = t2s_char_map()
    assert len(m) > 3000
    assert all(len(k) == 1 and len(v) == 1 for k, v in m.items())
    assert m["黃"] == "黄" and m["勛"] == "勋" and m["達"] == "达"
    blob = json.loads(t2s_char_map_json())
    assert len(list(blob["from"])) == len(list(blob["to"])) == len(m)


def test_char_map_buckets_cover_the_map():
    from build_tools.search.normalize import t2s_buckets

    m = t2s_char_map()
    got: dict[str, str] = {}
    inverse: dict[str, str] = {}
    for block, doc in t2s_buckets().items():
        d = json.loads(doc)
        for k, v in zip(d.get("f", ""), d.get("t", ""), strict=True):
            assert f"{ord(k) >> 8:x}" == block
            got[k] = v
        for simp, trads in d.get("v", {}).items():
            assert f"{ord(simp) >> 8:x}" == block
            inverse[simp] = trads
    assert got == m
    assert all(m[t] == s for s, trads in inverse.items() for t in trads)
    assert "黃" in inverse["黄"] and "勛" in inverse["勋"]


# ---- issue 13: exact phrases, whole words with their symbols, OpenCC phrase tables ----------------


def js_eval(expr: str, inp: dict) -> object:
    """Evaluate ``expr`` (JS, may use ``m`` = search.js and ``inp``) in node; its JSON value."""
    script = (
        "import { readFileSync } from 'node:fs';"
        f"const m = await import({json.dumps(SEARCH_JS.as_uri())});"
        "const inp = JSON.parse(readFileSync(0, 'utf8'));"
        "m.setCharMap(inp.map); if (inp.phrases) m.setPhrases(inp.phrases);"
        f"process.stdout.write(JSON.stringify({expr}));"
    )
    payload = json.dumps({"map": json.loads(t2s_char_map_json()), **inp}, ensure_ascii=False)
    return node_module(script, payload, timeout=60)


def test_words_keep_their_symbols():
    assert tokens("C++、C#、.NET 與 5.5% 的$1") == ["c++", "c#", ".net", "与", "5.5%", "的", "$1"]
    assert tokens("H20 和 H200") == ["h20", "和", "h200"]
    assert tokens("the end. next") == ["the", "end", "next"]  # a full stop is no part of a word
    # escaped for Pagefind: no symbol stripped, no stemming, a terminator (h20 is no prefix of h200)
    from build_tools.search.normalize import encode_word

    assert len({encode_word(w) for w in ("c", "c++", "c#")}) == 3
    assert not encode_word("h200").startswith(encode_word("h20"))


def test_stream_marks_where_runs_do_not_touch():
    from build_tools.search.normalize import BOUNDARY, stream

    def has_phrase(text: str, query: str) -> bool:
        page, q = stream(normalize(text)), stream(normalize(query))
        return any(page[i : i + len(q)] == q for i in range(len(page)))

    # "中国。国家" must not match the phrase 中国家: the two runs are not adjacent
    assert stream(normalize("中国。国家")) == ["中国", BOUNDARY + "3002", "国家"] and not has_phrase(
        "中国。国家", "中国家"
    )
    assert (
        has_phrase("AI 芯片", "AI芯片") and has_phrase("用AI芯片做", "AI芯片") and not has_phrase("AI，芯片", "AI芯片")
    )
    assert not has_phrase("人工 智能", "人工智能") and has_phrase("人工智能", "工智")
    assert has_phrase("近6000亿美元", "6000亿") and has_phrase("近6000亿美元", "近6000亿美")
    assert has_phrase("DeepSeek-R1", "deepseek-r1") and not has_phrase("DeepSeek R1", "DeepSeek-R1")


def test_js_and_python_streams_are_identical():
    from build_tools.search.normalize import stream

    strings = SAMPLES + seed_lines() + ["C++、C#、.NET 與 5.5% 的$1", "中国。国家 AI 芯片 AI，芯片 end.", "x.y.z a+b"]
    got = js_eval("inp.strings.map((s) => m.stream(m.normalize(s)))", {"strings": strings})
    bad = [(s, stream(normalize(s)), g) for s, g in zip(strings, got, strict=True) if stream(normalize(s)) != g]
    assert not bad, bad[:3]


def test_opencc_phrase_and_variant_tables_fold_both_sides():
    from build_tools.search.phrases import phrase_table

    table = phrase_table()
    assert table["瞭解"] == ["了解"] and "软件" in table["軟體"]
    # every candidate of the reverse tables, not only the one a conversion takes: 介面 is 界面 or 接口 there
    assert {"界面", "接口"} <= set(table["介面"]) and "默认" in table["預設"]
    # index side: a Traditional page's phrases also as their Simplified folds
    for trad, simp in (("我們瞭解到", "了解"), ("隨著時間", "随着"), ("意味著", "着"), ("反覆", "反复")):
        assert any(simp in t for t in index_tokens(trad)), trad
    # query side (search.js, with the shipped table): the Taiwan/HK forms fold to what a Simplified page says
    inp = {"phrases": table, "qs": ["瞭解", "隨著", "意味著", "憑藉", "答覆", "軟體", "介面", "們都預設的"]}
    folds = js_eval("inp.qs.map((q) => m.parseQuery(q)[0].folds)", inp)
    wants = ["了解", "随着", "意味着", "凭借", "答复", "软件", "接口", "们都默认的"]
    for q, want, got in zip(inp["qs"], wants, folds, strict=True):
        assert want in got, (q, got)


def test_query_phrases():
    got = js_eval(
        "['AI芯片 黄仁勋', '\"deep learning\" C++', '「英伟达」'].map((q) => m.parseQuery(q).map((p) => p.seqs[0]))", {}
    )
    assert got[0] == [["ai\u01c2", "芯", "芯片"], ["黄仁", "仁勋"]]  # one phrase per piece: AI芯片 side by side
    assert got[1] == [["deep\u01c2", "\u01c0", "learning\u01c2"], ["c\u01c1p\u01c1p\u01c2"]]
    assert got[2] == [["英伟", "伟达"]]


def test_a_word_character_is_exactly_what_the_regex_engine_calls_one():
    """The word class is built by ``re``'s ``\\w`` over all code points at once (search/normalize.py): that is
    the per-character rule (Unicode letter or number, or "_"; JS /[\\p{L}\\p{N}_]/u) at every code point."""
    import re
    import unicodedata

    from build_tools.search.normalize import is_word

    differ = [hex(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF
              and is_word(chr(cp)) != bool(re.match(r"\w", chr(cp)))]
    assert differ == [], f"Unicode {unicodedata.unidata_version}: {differ[:10]}"


def test_the_char_map_is_each_character_converted_alone():
    """t2s_char_map converts every Han character in one OpenCC call (a line each): the map must be the one
    converting each character on its own gives."""
    from build_tools.search.normalize import HAN_RANGES, _opencc_t2s

    conv, alone = _opencc_t2s(), {}
    for lo, hi in HAN_RANGES:
        for cp in range(lo, hi + 1):
            converted = conv.convert(chr(cp))
            if converted != chr(cp) and len(converted) == 1:
                alone[chr(cp)] = converted
    assert t2s_char_map() == alone


def test_the_tokeniser_word_class_is_a_word_character_that_is_not_han():
    """The tokeniser's class "[^\\W<Han>]" matches exactly the code points is_word accepts and is_han does not."""
    import re

    from build_tools.search.normalize import _without_han_class, is_han, is_word

    word = re.compile(_without_han_class())
    differ = [hex(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF
              and bool(word.match(chr(cp))) != (is_word(chr(cp)) and not is_han(chr(cp)))]
    assert differ == []
