"""The "is this an article?" step on the cleaned body: result lists and annotation notes, table-driven."""

from __future__ import annotations

import pytest

from build_tools.model import Heading, Link, Paragraph, Quote, Text
from build_tools.stages.gate import body_reason

SNIPPET = "网友：这家书店我去过很多次，老板推荐的书都很好看，下次还会再去的，也推荐给身边的朋友们。"
PROSE = "今年夏天，这座城市的旧书店迎来了一批特别的读者，他们大多是附近大学的学生，也有不少退休的老人。"


def para(text: str) -> Paragraph:
    return Paragraph((Text(text),))


def linked(text: str) -> Paragraph:
    return Paragraph((Link("https://example.cn/q", (Text(text),)),))


def headline(i: int) -> Paragraph:
    return linked(f"旧书店第{i}个问题怎么回答才好")


def callout(text: str) -> Quote:
    return Quote((para(text),))


CASES = [
    # (blocks, the reason's words, or None for an article)
    ([b for i in range(12) for b in (headline(i), para(SNIPPET))], "list of results"),
    ([Heading(2, (Link("https://example.cn/q", (Text("旧书店第1个问题怎么回答才好"),)),))] + [para(SNIPPET)]
     + [b for i in range(11) for b in (headline(i), para(SNIPPET))], "list of results"),
    ([para(PROSE)] + [headline(i) for i in range(12)] + [para(PROSE)], None),  # a digest: headlines, no snippets
    ([b for i in range(9) for b in (headline(i), para(SNIPPET))], None),  # too few results to be a result page
    ([para(PROSE)] * 40 + [b for i in range(10) for b in (headline(i), para(SNIPPET))] + [para(PROSE)] * 20,
     None),  # an article with a results box is mostly its own prose
    ([callout("[!example]- 🧷内部链接 🌐外部链接"), callout("[!md] Metadata 标题:: 旧书店"),
      callout("[!srhl2] Highlights 我之前"), callout("[!srhl3] Highlights 大家分享"), para(PROSE)], "callouts"),
    ([para(PROSE), callout("[!note] 读后感"), para(PROSE), para(PROSE), callout("[!tip] 书单"), para(PROSE)], None),
]


@pytest.mark.parametrize(("blocks", "reason"), CASES)
def test_what_the_body_says_the_dump_is(blocks, reason):
    found = body_reason(blocks)
    if reason is None:
        assert found is None
    else:
        assert found is not None and reason in found
