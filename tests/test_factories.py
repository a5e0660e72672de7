"""tests/factories.py makes records the stages take as they are: each block kind renders, defaults are sane."""

from __future__ import annotations

import pytest

from build_tools.model import Article, Meta, Paragraph, Text, block_text, summarize
from build_tools.stages.render.page import render_article
from tests import factories as f

BLOCKS = [
    # (factory call, text of the block, what its Markdown holds)
    (f.paragraph(), f.BODY, [f.BODY]),
    (f.paragraph("见", f.link("原文", "https://example.com/x"), "。"), "见原文。", ["[原文](https://example.com/x)"]),
    (f.paragraph(f.strong("重点"), f.emph("强调"), f.code("x=1")), "重点强调x=1", ["**重点**", "*强调*", "x=1"]),
    (f.heading("小标题", level=3), "小标题", ["### 小标题"]),
    (f.bullet_list("甲", "乙"), "甲\n乙", ["- 甲", "- 乙"]),
    (f.bullet_list("甲", "乙", ordered=True), "甲\n乙", ["1. 甲", "2. 乙"]),
    (f.quote("引文。"), "引文。", ["> 引文。"]),
    (f.table(("公司", "市值"), ("英伟达", "3万亿")), "公司 市值 英伟达 3万亿",
     ["| 公司 | 市值 |", "| 英伟达 | 3万亿 |"]),
    (f.figure("https://example.com/a.png", "图注"), "图注", ["https://example.com/a.png", "*图注*"]),
    (f.code_block("print(1)", "python"), "print(1)", ["```python", "print(1)"]),
    (f.turn("记者", "你怎么看？"), "记者：你怎么看？", ["你怎么看？"]),
]


@pytest.mark.parametrize(("block", "text", "markdown"), BLOCKS, ids=[type(b[0]).__name__ for b in BLOCKS])
def test_each_block_renders_on_its_own(block, text, markdown):
    assert block_text(block) == text
    page = render_article(f.article(block))
    assert isinstance(page, str), page
    assert all(piece in page for piece in markdown), page


@pytest.mark.parametrize(("made", "want"), [
    (f.article(), {"raw_path": "raw/test.txt", "slug": "test", "title": f.TITLE, "blocks": 1}),
    (f.article(f.heading(), f.paragraph(), raw_path="raw/wechat/a.html", meta_fields={"date": "2025-01-27"}),
     {"raw_path": "raw/wechat/a.html", "slug": "a", "title": f.TITLE, "date": "2025-01-27", "blocks": 2}),
    (f.article(meta=Meta(title="别的标题")), {"title": "别的标题"}),
    (f.dump("标题\n\n第一段。\n第二段。"), {"title": "", "blocks": 3, "format": "text", "slug": ""}),
], ids=["defaults", "path, blocks and a meta field", "a whole Meta", "a dump before clean"])
def test_article_defaults(made: Article, want: dict):
    got = {"raw_path": made.raw_path, "slug": made.slug, "title": made.meta.title, "date": made.meta.date,
           "blocks": len(made.blocks), "format": made.format}
    assert {k: got[k] for k in want} == want
    assert len(made.sha256) == 64


def test_the_hash_follows_the_text():
    assert f.article(text="一").sha256 != f.article(text="二").sha256
    assert f.article(text="一").sha256 == f.article(text="一", raw_path="raw/other.txt").sha256


def test_inlines_take_strings_and_nodes():
    assert f.inlines("甲", "", f.code("b")) == (Text("甲"), f.code("b"))
    assert f.paragraph("往期回顾") == Paragraph((Text("往期回顾"),))
    assert (f.removed("往期回顾").text, f.removed().rule) == ("往期回顾", "tail:推荐阅读")


def test_summary_matches_what_summarize_makes():
    made = f.article(f.paragraph("四个汉字"), raw_path="raw/s.txt", meta_fields={"title": "标题", "date": "2025-02-01"})
    assert summarize(made) == f.summary("s", title="标题", date="2025-02-01", sha256=made.sha256,
                                        chars=f.chars(*made.blocks))


def test_raw_file_writes_text_and_bytes(tmp_path):
    assert f.raw_file(tmp_path, "正文", encoding="gb18030").read_bytes() == "正文".encode("gb18030")
    assert f.raw_file(tmp_path, b"\xff", name="sub/x.bin").read_bytes() == b"\xff"
