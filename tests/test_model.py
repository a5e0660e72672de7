"""The records' text views (build_tools/model): what every heuristic reads of a block."""

from __future__ import annotations

import pytest

from build_tools.model import (
    Break,
    Code,
    EntityRef,
    InlineImage,
    Link,
    Strong,
    Text,
    block_text,
    inline_text,
    strip_decoration,
    web_url,
)
from tests import factories as f


@pytest.mark.parametrize(
    ("inlines", "text"),
    [
        ((), ""),
        ((Text("正文"),), "正文"),
        ((Code("x = 1"),), "x = 1"),
        ((Text("甲"), Break(), Text("乙")), "甲\n乙"),
        ((Strong((Text("粗"), Link("https://x.cn/", (Text("链"),)))), EntityRef("e", (Text("实体"),))), "粗链实体"),
        ((InlineImage("https://x.cn/a.png", "图片说明"), Text("后")), "后"),  # alt text is not visible text
    ],
)
def test_inline_text(inlines, text):
    assert inline_text(inlines) == text


@pytest.mark.parametrize(
    ("block", "text"),
    [
        (f.paragraph("段落"), "段落"),
        (f.heading("标题"), "标题"),
        (f.turn("记者", "问题？"), "记者：问题？"),
        (f.quote("甲", "乙"), "甲\n乙"),
        (f.bullet_list("一", "二"), "一\n二"),
        (f.table(("列", "值"), ("a", "1")), "列 值 a 1"),
        (f.figure(caption="图注"), "图注"),
        (f.code_block("print(1)"), "print(1)"),
    ],
)
def test_block_text(block, text):
    assert block_text(block) == text


@pytest.mark.parametrize(
    ("text", "bare"),
    [("  ★ 相关推荐 ★ ", "相关推荐"), ("**作者：王博**", "作者：王博"), ("👇👇 点击阅读", "点击阅读"), ("", "")],
)
def test_strip_decoration(text, bare):
    assert strip_decoration(text) == bare


@pytest.mark.parametrize(
    ("value", "url"),
    [
        (" https://36kr.com/p/1 ", "https://36kr.com/p/1"),
        ("http://mp.weixin.qq.com/s?a=1", "http://mp.weixin.qq.com/s?a=1"),
        ("mp.weixin.qq.com/s/abc", None),
        ("javascript:alert(1)", None),
        ("https://", None),
    ],
)
def test_web_url(value, url):
    assert web_url(value) == url
