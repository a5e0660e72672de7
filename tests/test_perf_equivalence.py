"""The speed-ups of the prepare stages compute exactly what the straightforward code did.

Each optimised helper is checked against a verbatim copy of the version it replaced, on
generated input (hypothesis): any difference would change published bytes.
"""

from __future__ import annotations

import re
import warnings

import opencc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from build_tools.model import (
    Block,
    Break,
    Code,
    CodeBlock,
    Emph,
    EntityRef,
    Figure,
    Heading,
    InlineImage,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Rule,
    Strong,
    Table,
    Text,
    Turn,
    block_text,
    inline_text,
)
from build_tools.stages import langdetect
from build_tools.stages.readers import inlines as inlines_module

pytestmark = pytest.mark.slow  # hypothesis against the replaced code, seconds per test

FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --- the replaced implementations, verbatim ----------------------------------------------


def old_inline_text(inlines) -> str:
    out: list[str] = []
    for node in inlines:
        if isinstance(node, (Text, Code)):
            out.append(node.text)
        elif isinstance(node, Break):
            out.append("\n")
        elif isinstance(node, (Strong, Emph, Link, EntityRef)):
            out.append(old_inline_text(node.children))
    return "".join(out)


def old_block_text(block: Block) -> str:
    if isinstance(block, (Paragraph, Heading)):
        return old_inline_text(block.inlines)
    if isinstance(block, Turn):
        return f"{block.speaker}：{old_inline_text(block.inlines)}"
    if isinstance(block, Quote):
        return "\n".join(old_block_text(b) for b in block.blocks)
    if isinstance(block, ListBlock):
        return "\n".join(old_block_text(b) for item in block.items for b in item)
    if isinstance(block, Table):
        cells = list(block.header) + [c for row in block.rows for c in row]
        return " ".join(old_inline_text(c) for c in cells)
    if isinstance(block, Figure):
        return old_inline_text(block.caption)
    if isinstance(block, CodeBlock):
        return block.text
    return ""


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u2009\u200b\u3000]+")


def _old_join_softbreak(left: str, right: str) -> str:
    if left and right and (_CJK.match(left[-1]) or _CJK.match(right[0])):
        return ""
    return " "


def old_normalize(inlines):
    out = []
    for node in inlines:
        if isinstance(node, (Strong, Emph, Link, EntityRef)):
            children = old_normalize(node.children)
            if not children and not isinstance(node, Link):
                continue
            if isinstance(node, Link) and not children and not node.href:
                continue
            if isinstance(node, Strong) and len(children) == 1 and isinstance(children[0], Strong):
                children = children[0].children
            node = type(node)(**{**node.__dict__, "children": children})
        elif isinstance(node, Text):
            if not node.text:
                continue
            if out and isinstance(out[-1], Text):
                out[-1] = Text(out[-1].text + node.text)
                continue
        out.append(node)
    result = []
    for node in out:
        if isinstance(node, Text):
            text = node.text
            text = re.sub(r"(?<!\s)\s*\n\s*", "\n", text)
            parts = text.split("\n")
            text = parts[0]
            for part in parts[1:]:
                text += _old_join_softbreak(text, part) + part
            node = Text(_SPACES.sub(lambda m: " " if "\u3000" not in m.group(0) else " ", text))
        result.append(node)
    return tuple(_old_strip_edges(result))


def _old_strip_edges(nodes):
    while nodes and isinstance(nodes[0], Break):
        nodes.pop(0)
    while nodes and isinstance(nodes[-1], Break):
        nodes.pop()
    if nodes and isinstance(nodes[0], Text):
        nodes[0] = Text(nodes[0].text.lstrip())
        if not nodes[0].text:
            nodes.pop(0)
    if nodes and isinstance(nodes[-1], Text):
        nodes[-1] = Text(nodes[-1].text.rstrip())
        if not nodes[-1].text:
            nodes.pop()
    return nodes


_T2S, _S2T = opencc.OpenCC("t2s"), opencc.OpenCC("s2t")


def old_detect_lang(text: str) -> str:
    sample = text[:6_000]
    han = re.findall(r"[\u4e00-\u9fff]", sample)
    latin_chars = sum(len(w) for w in re.findall(r"[A-Za-z]+", sample))
    if len(han) < 20 and latin_chars > 5 * max(1, len(han)):
        return "en"
    if not han:
        return "zh-Hans"
    joined = "".join(han[:2_000])
    simplified = _T2S.convert(joined)
    traditional = _S2T.convert(joined)
    traditional_only = sum(1 for a, b in zip(joined, simplified, strict=False) if a != b)
    simplified_only = sum(1 for a, b in zip(joined, traditional, strict=False) if a != b)
    return "zh-Hant" if traditional_only > simplified_only else "zh-Hans"


# --- generated content ----------------------------------------------------------------------

_CHARS = st.sampled_from(
    list("ab 　\t\n\u00a0\u200b中文繁體简体發发後后著着乾干們们，。！A1") + ["  \n ", "\n\n", " \n"]
)
_TEXT = st.lists(_CHARS, max_size=12).map("".join)

_INLINE = st.recursive(
    st.one_of(
        _TEXT.map(Text),
        _TEXT.map(Code),
        st.just(Break()),
        st.builds(InlineImage, _TEXT, _TEXT),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4).map(lambda c: Strong(tuple(c))),
        st.lists(children, max_size=4).map(lambda c: Emph(tuple(c))),
        st.builds(lambda h, c: Link(h, tuple(c)), st.sampled_from(["", "https://x.cn/a"]),
                  st.lists(children, max_size=4)),
        st.builds(lambda c: EntityRef("e1", tuple(c)), st.lists(children, max_size=3)),
    ),
    max_leaves=12,
)
_INLINES = st.lists(_INLINE, max_size=8).map(tuple)

_BLOCK = st.recursive(
    st.one_of(
        _INLINES.map(Paragraph),
        st.builds(Heading, st.integers(1, 6), _INLINES),
        st.builds(Turn, _TEXT, _INLINES, st.booleans()),
        st.builds(Figure, _TEXT, _TEXT, _INLINES),
        st.builds(CodeBlock, _TEXT),
        st.just(Rule()),
        st.builds(lambda h, r: Table(tuple(h), tuple(tuple(x) for x in r)),
                  st.lists(_INLINES, max_size=3), st.lists(st.lists(_INLINES, max_size=3), max_size=3)),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3).map(lambda b: Quote(tuple(b))),
        st.builds(lambda o, items: ListBlock(o, tuple(tuple(i) for i in items)),
                  st.booleans(), st.lists(st.lists(children, max_size=3), max_size=3)),
    ),
    max_leaves=8,
)


@FAST
@given(_INLINES)
def test_inline_text_unchanged(inlines):
    assert inline_text(inlines) == old_inline_text(inlines)


@FAST
@given(_BLOCK)
def test_block_text_unchanged(block):
    assert block_text(block) == old_block_text(block)


@FAST
@given(_INLINES)
def test_normalize_unchanged(inlines):
    new = inlines_module.normalize(list(inlines))
    assert new == old_normalize(list(inlines))
    assert all(type(n) is Text for n in new if isinstance(n, Text))


_LANG_TEXT = st.lists(
    st.sampled_from(
        list("的是在了不和有大這个們们發发後后著着乾干體体國国說说時时 abcXYZ，。\n")
        + ["繁體中文", "简体中文", "English words "]
    ),
    max_size=400,
).map("".join)


@FAST
@given(_LANG_TEXT)
def test_detect_lang_unchanged(text):
    assert langdetect.detect_lang(text) == old_detect_lang(text)


def test_detect_lang_long_texts():
    traditional = "這是一篇繁體中文的文章，說明了時間與國家的關係。" * 300
    simplified = "这是一篇简体中文的文章，说明了时间与国家的关系。" * 300
    mixed = simplified[:3000] + traditional
    for text in (traditional, simplified, mixed, "English only text " * 50, "", "乾隆著作" * 700):
        assert langdetect.detect_lang(text) == old_detect_lang(text)


def _old_count_invalid(data: bytes, encoding: str) -> int:
    count = 0

    def handler(error):
        nonlocal count
        count += 1
        return "", error.end

    import codecs

    codecs.register_error("test-perf-count", handler)
    data.decode(encoding, errors="test-perf-count")
    return count


_BYTES = st.lists(
    st.sampled_from([b"a", b"\n", b"\xef\xbf\xbd", b"\xef\xbf", b"\xbd", b"\xe4\xb8\xad", b"\xe4\xb8", b"\xe4",
                     b"\xf0\x9f\x98\x80", b"\xf0\x9f", b"\xc3\xa9", b"\xc3", b"\x80", b"\xff", b"\xc0\xaf",
                     b"\xed\xa0\x80", b"\xb9\xfa", b"\xd6\xd0\xce\xc4"]),
    max_size=40,
).map(b"".join)


@FAST
@given(_BYTES)
def test_count_invalid_utf8_unchanged(data):
    from build_tools.stages.decode import _count_invalid

    assert _count_invalid(data, "utf_8") == _old_count_invalid(data, "utf_8")


@FAST
@given(_TEXT)
def test_plain_unchanged(text):
    assert inlines_module.plain(text) == old_normalize([Text(text)])


def test_rules_alternatives_split_only_when_equivalent():
    from build_tools.config.rules import AnyPattern, load_rules
    from build_tools.config.rules import alternatives as _alternatives

    rules = load_rules()
    cases = ["^a|b", "a|b", r"^(x|y)z|q", r"[|^]a|^b", r"\|^a", r"(a)\1|^b", "(?i)^a|b", "^a|", r"^\d+$|[，,]"]
    for source in cases:
        pattern = re.compile(source)
        parts = _alternatives(pattern)
        for text in ("a", "b", "xz", "qq", "|a", "^b", "aa", "A", "", "12", "，", "za", "bz"):
            assert any(p.search(text) for p in parts) == bool(pattern.search(text)), (source, text)
    patterns = rules.junk_lines + rules.end_markers
    search = AnyPattern(patterns)
    for text in ("分享", "点赞 12", "本文来自微信公众号 abc", "x 36氪经授权发布", "IP 属地", "继续阅读", "正文内容。"):
        assert search(text) == any(p.search(text) for p in patterns)


@FAST
@given(st.lists(st.sampled_from(["^", "a", "b", "|", "(", ")", "[", "]", "\\", "\\d", "$", "x", "?", "*", "，"]),
                max_size=10).map("".join),
       st.lists(st.sampled_from(list("ab|^()[]x1，\\")), max_size=6).map("".join))
def test_rules_alternatives_random(source, text):
    from build_tools.config.rules import alternatives as _alternatives

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible nested set": fine for this test
        try:
            pattern = re.compile(source)
            parts = _alternatives(pattern)
        except re.error:
            return
    assert any(p.search(text) for p in parts) == bool(pattern.search(text))


@FAST
@given(st.lists(st.sampled_from(["a", "中", "\U00020000", "\U0010ffff", "\x00", "\uffff", "乾"]), max_size=30),
       st.lists(st.sampled_from(["a", "中", "\U00020000", "\U0010ffff", "\x00", "\uffff", "干"]), max_size=30))
def test_lang_differences_unchanged(a, b):
    a, b = "".join(a), "".join(b)
    assert langdetect._differences(a, b) == sum(1 for x, y in zip(a, b, strict=False) if x != y)


def test_lang_differences_long():
    a = "这是一篇简体中文的文章" * 200
    b = "這是一篇簡體中文的文章" * 200
    for x, y in ((a, b), (a[:2000], b[:2000]), (a[:2000], b[:1999]), (a[:1500], a[:1500]), (a * 2, b)):
        assert langdetect._differences(x, y) == sum(1 for p, q in zip(x, y, strict=False) if p != q)


def test_regex_whitespace_is_str_whitespace():
    # clean._accept counts body characters with str.split() instead of re.sub(r"\s", "", body).
    space = re.compile(r"\s")
    assert all((space.match(chr(c)) is not None) == chr(c).isspace() for c in range(0x110000))


@FAST
@given(st.text(alphabet=" \t\u00a0\u2002\u2003\u2009\u200b\u3000\u2000\u205fab中\n", max_size=20))
def test_clean_text_unchanged(text):
    assert inlines_module._clean_text([text]).text == _old_clean(text)


def _old_clean(text: str) -> str:
    text = re.sub(r"(?<!\s)\s*\n\s*", "\n", text)
    parts = text.split("\n")
    text = parts[0]
    for part in parts[1:]:
        text += _old_join_softbreak(text, part) + part
    return _SPACES.sub(lambda m: " ", text)


def test_front_matter_parsed_once_reads_the_same():
    from build_tools.stages.readers import read

    text = "---\ntitle: 标题\ndate: 2025-02-22\ntags: [a, b]\nauthor: 王博\n---\n\n正文第一段，足够长的一句话。\n"
    first = read(text)
    assert read(text) == first
    assert [h.field for h in first.hints] == ["title", "published", "tags", "tags", "byline"]
    assert read("---\n: : bad\n---\n正文") == read("---\n: : bad\n---\n正文")


def _exported(tmp_path, name):
    import os
    import subprocess

    share = os.path.join(os.path.dirname(opencc.__file__), "clib")
    tool = os.path.join(share, "bin", "opencc_dict")
    source = os.path.join(share, "share", "opencc", f"{name}.ocd2")
    if not (os.path.exists(tool) and os.path.exists(source)):
        return None
    out = tmp_path / f"{name}.txt"
    subprocess.run([tool, "-i", source, "-o", str(out), "-f", "ocd2", "-t", "text"], check=True, capture_output=True)
    return [line.split("\t") for line in out.read_text(encoding="utf-8").splitlines() if line]


def test_s2t_dictionaries_as_langdetect_assumes(tmp_path):
    # detect_lang trusts the first S2T_HEAD - S2T_MARGIN characters of a converted head.
    if opencc.__version__ != langdetect.S2T_CHECKED_VERSION:
        return
    assert langdetect.S2T_KEY_MAX < langdetect.S2T_MARGIN < langdetect.S2T_HEAD
    for name in ("STPhrases", "STPhrases_GeneratedFromRegionalPhrases", "STCharacters"):
        entries = _exported(tmp_path, name)
        if entries is None:
            return
        assert max(len(key) for key, _ in entries) <= langdetect.S2T_KEY_MAX
        assert all(len(value.split(" ")[0]) == len(key) for key, value in entries)


def test_detect_lang_long_mixed_texts():
    import random

    simplified = ["这是一篇简体中文的文章，说明了时间与国家的关系。", "我们发现这个问题的后果很严重，需要进一步处理。",
                  "乾隆年间的著作里，干部们的说法并不一致。", "他于是离开了，头发也白了。"]
    traditional = ["這是一篇繁體中文的文章，說明了時間與國家的關係。", "我們發現這個問題的後果很嚴重，需要進一步處理。",
                   "乾隆年間的著作裡，幹部們的說法並不一致。", "他於是離開了，頭髮也白了。"]
    rnd = random.Random(3)
    for _ in range(150):
        share = rnd.random()
        parts = [rnd.choice(traditional if rnd.random() < share else simplified) for _ in range(rnd.randint(10, 160))]
        text = "".join(parts)
        assert langdetect.detect_lang(text) == old_detect_lang(text), share
