"""Table tests for entity matching (build_tools.entities / build_tools.link)."""

from __future__ import annotations

from pathlib import Path

import pytest

from build_tools.entities.linker import link_article
from build_tools.entities.matcher import AliasIndex
from build_tools.entities.registry import load_registry
from build_tools.model import (
    Article,
    Code,
    CodeBlock,
    EntityRef,
    Heading,
    InlineImage,
    Link,
    Paragraph,
    Removed,
    Strong,
    Text,
    Turn,
    block_text,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def index() -> AliasIndex:
    return AliasIndex.build(load_registry(ROOT / "entities.yml"))


def _article(*blocks, removed=()) -> Article:
    return Article(raw_path="t.txt", sha256="0", blocks=tuple(blocks), removed=tuple(removed))


def _para(text: str) -> Paragraph:
    return Paragraph((Text(text),))


def found(index: AliasIndex, text: str) -> list[tuple[str, str]]:
    art = link_article(_article(_para(text)), index)
    return [(m.surface, m.entity_id) for m in art.mentions]


CASES = [
    # Simplified, Traditional, English, nickname
    ("英伟达CEO黄仁勋表示", [("英伟达", "nvidia"), ("黄仁勋", "jensen-huang")]),
    ("英偉達CEO黃仁勛的年怕是過不好了", [("英偉達", "nvidia"), ("黃仁勛", "jensen-huang")]),
    ("輝達執行長黃仁勳", [("輝達", "nvidia"), ("黃仁勳", "jensen-huang")]),
    ("Nvidia CEO Jensen Huang said", [("Nvidia", "nvidia"), ("Jensen Huang", "jensen-huang")]),
    ("NVIDIA and nvidia and Ｎｖｉｄｉａ", [("NVIDIA", "nvidia"), ("nvidia", "nvidia"), ("Ｎｖｉｄｉａ", "nvidia")]),
    ("以下是老黄现场的一些摘录，他谈到英伟达", [("老黄", "jensen-huang"), ("英伟达", "nvidia")]),
    ("翻老黄历没有用", []),
    (
        "深度求索(DeepSeek)由梁文锋创办",
        [("深度求索", "deepseek"), ("DeepSeek", "deepseek"), ("梁文锋", "liang-wenfeng")],
    ),
    # longest match first
    ("DeepSeek-R1发布", [("DeepSeek-R1", "deepseek-r1")]),
    ("那是对 DeepSeek R1 的错误理解", [("DeepSeek R1", "deepseek-r1")]),
    ("Deepseek R1 是人工智能的斯普特尼克时刻", [("Deepseek R1", "deepseek-r1")]),
    ("DeepSeek-V3和DeepSeek", [("DeepSeek-V3", "deepseek-v3"), ("DeepSeek", "deepseek")]),
    ("苹果公司发布", [("苹果公司", "apple")]),
    # Latin word boundaries and case
    ("Metadata is not Meta", [("Meta", "meta")]),
    ("AMDX 不是 AMD", [("AMD", "amd")]),
    ("amd 小写不算", []),
    ("H1000 不是 H100", [("H100", "h100")]),
    ("GPT-4o 不是 GPT-4", [("GPT-4", "gpt-4")]),
    ("中国AI初创公司DeepSeek的开源模型", [("DeepSeek", "deepseek")]),
    # single characters are never linked
    ("黄的个人资产净值缩水近 20%", []),
    ("此次崩盘期间，黄的个人资产净值缩水", []),
    # ambiguous aliases need context
    ("我今天吃了一个苹果", []),
    ("DeepSeek登顶苹果美区应用商店", [("DeepSeek", "deepseek"), ("苹果", "apple")]),
    ("小米粥很好喝", []),
    ("雷军介绍了小米的新车", [("雷军", "lei-jun"), ("小米", "xiaomi")]),
    ("奥特曼打怪兽", []),
    ("OpenAI CEO 奥特曼", [("OpenAI", "openai"), ("奥特曼", "sam-altman")]),
    ("R1 还是 R2?", []),
    ("DeepSeek的开源推理模型R1令人兴奋", [("DeepSeek", "deepseek"), ("R1", "deepseek-r1")]),
    ("亚马逊雨林在燃烧", []),
    ("亚马逊云科技和亚马逊", [("亚马逊云科技", "aws"), ("亚马逊", "amazon")]),
    # bare URLs and domains in text
    ("见 https://openai.com/research/ 与 nvidia.com", []),
    ("原文 https://finance.yahoo.com/news/jensen-huang-says 里说黄仁勋", [("黄仁勋", "jensen-huang")]),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:20] for c in CASES])
def test_matching_table(index: AliasIndex, text: str, expected: list[tuple[str, str]]) -> None:
    assert found(index, text) == expected


def test_offsets_point_at_the_original_text(index: AliasIndex) -> None:
    text = "網易號：英偉達CEO黃仁勛，DeepSeek-R1"
    art = link_article(_article(_para(text)), index)
    for m in art.mentions:
        assert block_text(art.blocks[m.block_index])[m.start : m.end] == m.surface


def test_first_mention_wrapped_and_text_split(index: AliasIndex) -> None:
    art = link_article(_article(_para("黄仁勋说：英伟达很好。黄仁勋又说英伟达。")), index)
    inl = art.blocks[0].inlines
    assert inl == (
        EntityRef("jensen-huang", (Text("黄仁勋"),)),
        Text("说："),
        EntityRef("nvidia", (Text("英伟达"),)),
        Text("很好。黄仁勋又说英伟达。"),
    )
    assert art.entities == ("jensen-huang", "nvidia")  # 2 each, then by id
    assert block_text(art.blocks[0]) == "黄仁勋说：英伟达很好。黄仁勋又说英伟达。"


def test_salience_orders_entities(index: AliasIndex) -> None:
    art = link_article(_article(_para("华为。英伟达、英伟达、英伟达。AMD、AMD。")), index)
    assert art.entities == ("nvidia", "amd", "huawei")


def test_never_inside_links_code_images_codeblocks(index: AliasIndex) -> None:
    art = link_article(
        _article(
            Paragraph(
                (
                    Link("https://example.com/nvidia", (Text("英伟达官网"),)),
                    Text(" "),
                    Code("DeepSeek.generate()"),
                    InlineImage("https://img/huawei.png", "华为"),
                )
            ),
            CodeBlock("import openai  # 黄仁勋"),
        ),
        index,
    )
    assert art.mentions == ()
    assert art.entities == ()


def test_inside_strong_is_linked(index: AliasIndex) -> None:
    art = link_article(_article(Paragraph((Text("据"), Strong((Text("华为"),)), Text("称")))), index)
    assert art.blocks[0].inlines[1] == Strong((EntityRef("huawei", (Text("华为"),)),))


def test_boilerplate_only_mentions_are_not_linked(index: AliasIndex) -> None:
    """The cleaner moved the 推荐阅读 list to ``removed``: the link stage never sees it."""
    art = link_article(
        _article(_para("黄仁勋谈DeepSeek"), removed=[Removed("★美国商务部长：华为的芯片没那么先进", "link-list")]),
        index,
    )
    assert "huawei" not in art.entities


def test_turn_speaker_is_not_a_mention_but_offsets_include_it(index: AliasIndex) -> None:
    art = link_article(_article(Turn("黄仁勋", (Text("英伟达是一家非常大的公司"),))), index)
    assert [m.entity_id for m in art.mentions] == ["nvidia"]
    m = art.mentions[0]
    assert block_text(art.blocks[0])[m.start : m.end] == "英伟达"


def test_heading_mention_linked_only_when_no_body_mention(index: AliasIndex) -> None:
    art = link_article(_article(Heading(2, (Text("华为与英伟达"),)), _para("英伟达的芯片")), index)
    assert art.blocks[0].inlines[0] == EntityRef("huawei", (Text("华为"),))
    assert not any(isinstance(n, EntityRef) and n.entity_id == "nvidia" for n in art.blocks[0].inlines)
    assert art.blocks[1].inlines[0] == EntityRef("nvidia", (Text("英伟达"),))


def test_link_article_is_idempotent(index: AliasIndex) -> None:
    once = link_article(_article(_para("黄仁勋说英伟达"), _para("黄仁勋")), index)
    twice = link_article(once, index)
    assert twice == once


def test_unchanged_blocks_are_kept(index: AliasIndex) -> None:
    block = _para("没有任何实体的段落")
    art = link_article(_article(block), index)
    assert art.blocks[0] is block


def test_caption_mention_linked_only_when_no_running_text_mention(index: AliasIndex) -> None:
    from build_tools.model import Figure

    art = link_article(_article(Figure("", "", (Text("英伟达CEO黄仁勋"),)), _para("黄仁勋表示")), index)
    assert art.blocks[1].inlines[0] == EntityRef("jensen-huang", (Text("黄仁勋"),))
    assert art.blocks[0].caption[0] == EntityRef("nvidia", (Text("英伟达"),))  # only mention: caption


def test_snippet_is_one_clean_sentence(index: AliasIndex) -> None:
    from build_tools.entities.linker import mention_contexts
    art = link_article(_article(_para("他说。”5月，在台北国际电脑展期间，英伟达CEO黄仁勋表示。后面还有话。")), index)
    assert dict(mention_contexts(art))["jensen-huang"] == "5月，在台北国际电脑展期间，英伟达CEO黄仁勋表示。"


def test_nested_blocks_offsets_and_wrapping(index: AliasIndex) -> None:
    from build_tools.model import Break, Emph, ListBlock, Quote, Table

    blocks = (
        Quote((_para("引言"), Paragraph((Text("据"), Emph((Text("英伟达"),)), Break(), Text("华为"))))),
        ListBlock(False, ((_para("第一项"),), (_para("AMD 与"), _para("谷歌")))),
        Table(((Text("公司"),), (Text("台积电"),)), (((Text("OpenAI"),), (Code("Meta"),)),)),
        Turn("主持人", (Text("黄仁勋你好"),), is_question=True),
    )
    art = link_article(_article(*blocks), index)
    assert [m.entity_id for m in art.mentions] == [
        "nvidia",
        "huawei",
        "amd",
        "google",
        "tsmc",
        "openai",
        "jensen-huang",
    ]
    for m in art.mentions:
        assert block_text(art.blocks[m.block_index])[m.start : m.end] == m.surface
        assert block_text(art.blocks[m.block_index]) == block_text(blocks[m.block_index])
    assert art.blocks[0].blocks[1].inlines[1] == Emph((EntityRef("nvidia", (Text("英伟达"),)),))
    assert art.blocks[1].items[1][1].inlines[0] == EntityRef("google", (Text("谷歌"),))
    assert art.blocks[2].header[1][0] == EntityRef("tsmc", (Text("台积电"),))
    assert art.blocks[2].rows[0][1] == (Code("Meta"),)
