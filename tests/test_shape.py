"""Shape (build_tools/shape.py): Q&A turns and subheadings restored from what a dump kept."""

from __future__ import annotations

import pytest

from build_tools.model import Heading, Paragraph, Strong, Text, Turn, block_text, inline_text
from build_tools.stages.readers.inlines import plain
from build_tools.stages.render.markdown import blocks_md
from build_tools.stages.shape import shape

PROSE = (
    "我需要和美国政府保持良好关系，也需要和中国政府保持良好关系，我和几乎所有政府的关系都很好，这给了我一个交流的机会。"
)


def p(text: str) -> Paragraph:
    return Paragraph(plain(text))


def bold(text: str) -> Paragraph:
    return Paragraph((Strong((Text(text),)),))


INTERVIEW = [
    p("北京时间7月16日，黄仁勋出席媒体见面会，以下是现场的一些摘录。"),
    p("Q：你使用DeepSeek吗？"),
    p("黄仁勋：我只用这几个 AI 工具，几乎是同时使用的。"),
    p(PROSE),
    p("Q：你是怎么在中国政府和美国政府之间保持平衡的？"),
    p("黄仁勋：没有什么秘诀。我也没有在平衡什么。"),
    p("Q:有新闻说，腾讯申请大量采购 H20，这是真的吗？"),  # ASCII colon
    p("黄仁勋:我这段时间一直都在这里陪你们。"),
]


def test_interview_turns():
    blocks = shape(INTERVIEW)
    turns = [b for b in blocks if isinstance(b, Turn)]
    assert [(t.speaker, t.is_question) for t in turns] == [
        ("Q", True), ("黄仁勋", False), ("Q", True), ("黄仁勋", False), ("Q", True), ("黄仁勋", False),
    ]
    assert inline_text(turns[0].inlines) == "你使用DeepSeek吗？"  # the label is the speaker, not the text
    assert inline_text(turns[-1].inlines) == "我这段时间一直都在这里陪你们。"
    # paragraphs without a label stay paragraphs (the answer goes on)
    assert isinstance(blocks[0], Paragraph) and isinstance(blocks[3], Paragraph)


def test_turn_speaker_stays_visible_in_markdown():
    markdown = blocks_md(shape(INTERVIEW))
    assert "**Q：你使用DeepSeek吗？**" in markdown
    assert "**黄仁勋：** 我只用这几个 AI 工具" in markdown


def test_bold_speaker_labels_and_bracketed_interviewer():
    """06: '**「暗涌」：**' asks, '**梁文锋：**' answers."""
    blocks = shape([
        Paragraph((Strong((Text("「暗涌」：前不久，幻方发公告决定下场做大模型，为什么？"),)),)),
        Paragraph((Strong((Text("梁文锋："),)), Text("我们做大模型，其实跟量化和金融都没有直接关系。"))),
        Paragraph((Strong((Text("「暗涌」：那研究经费哪里来？"),)),)),
        Paragraph((Strong((Text("梁文锋："),)), Text("幻方作为我们的出资人之一，有充足的研发预算。"))),
    ])
    assert [(b.speaker, b.is_question) for b in blocks] == [
        ("「暗涌」", True), ("梁文锋", False), ("「暗涌」", True), ("梁文锋", False),
    ]
    assert inline_text(blocks[1].inlines) == "我们做大模型，其实跟量化和金融都没有直接关系。"


@pytest.mark.parametrize(
    "labels",
    [
        pytest.param(["用途", "输入来源"], id="05: 用途/输入来源 labels"),
        pytest.param(["来源", "作者"], id="bylines"),
        pytest.param(["黄仁勋", "马斯克"], id="two people quoted, no interviewer"),
    ],
)
def test_label_runs_without_an_interviewer_are_not_turns(labels):
    blocks = [p(f"{label}：第{i}段说明文字，并不是对话中的一轮。") for i in range(3) for label in labels]
    assert not any(isinstance(b, Turn) for b in shape(blocks))


def test_bold_only_short_paragraph_becomes_a_heading():
    blocks = shape([p(PROSE), bold("国产替代下国产GPU的机会"), p(PROSE + PROSE), p(PROSE)])
    assert blocks[1] == Heading(2, (Text("国产替代下国产GPU的机会"),))


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(p("按时整活！"), id="exclamation, plain"),
        pytest.param(bold("按时整活！"), id="exclamation, bold"),
        pytest.param(bold("“大放异彩！”"), id="quoted exclamation"),
        pytest.param(bold("优化并行策略。"), id="ends a sentence"),
        pytest.param(bold("DeepSeek开源周第四天，直接痛快，且全都围绕一个主题："), id="ends with a colon"),
        pytest.param(bold("这是一个很长的加粗段落，用来强调一个观点，超过了三十个字符的小标题长度上限"), id="too long"),
        pytest.param(Paragraph((Strong((Text("加粗"),)), Text("后面还有普通文字"))), id="partly bold"),
        pytest.param(p("够了!————(突然用中文)"), id="004: quoted outburst"),
        pytest.param(p("以下是老黄现场的一些摘录,供大家参考——这篇很轻松:)"), id="004: lead-in sentence"),
    ],
)
@pytest.mark.parametrize("plain_text", [False, True], ids=["markdown dump", "text dump"])
def test_not_a_heading(block, plain_text):
    blocks = shape([p(PROSE), block, p(PROSE + PROSE), p(PROSE)], plain_text=plain_text)
    assert not isinstance(blocks[1], Heading), block_text(blocks[1])


def test_text_dump_short_line_above_prose_is_a_heading():
    """A text copy turns 小标题 into plain short lines (seed 000: “印象深刻”的决定)."""
    blocks = shape([p(PROSE), p("“印象深刻”的决定"), p(PROSE + PROSE), p(PROSE)], plain_text=True)
    assert isinstance(blocks[1], Heading) and block_text(blocks[1]) == "“印象深刻”的决定"


def test_markdown_dump_plain_short_line_is_not_a_heading():
    blocks = shape([p(PROSE), p("“印象深刻”的决定"), p(PROSE + PROSE), p(PROSE)], plain_text=False)
    assert isinstance(blocks[1], Paragraph)


def test_first_and_last_blocks_are_never_promoted():
    blocks = shape([bold("开头的加粗短句"), p(PROSE), bold("结尾的加粗短句")])
    assert not any(isinstance(b, Heading) for b in blocks)


def test_heading_levels_start_at_two_and_keep_their_order():
    blocks = shape([Heading(1, plain("一级")), p(PROSE), Heading(4, plain("四级")), p(PROSE),
                    Heading(5, plain("五级"))])
    assert [b.level for b in blocks if isinstance(b, Heading)] == [2, 3, 4]
