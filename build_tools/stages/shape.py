"""Give the cleaned body its structure: subheadings and Q&A turns.

Dumps lose structure: a text copy turns 小标题 into short lines, WeChat
editors make headings out of bold paragraphs, and interviews mark turns
with a speaker label and a colon.  These rules restore what a reader sees.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from build_tools.model import (
    Block,
    Emph,
    Heading,
    Inline,
    Link,
    Paragraph,
    Quote,
    Strong,
    Text,
    Turn,
    inline_text,
    web_url,
)
from build_tools.model.walk import map_texts
from build_tools.stages.readers.inlines import normalize

HEADING_MAX = 30
_NO_HEADING_END = re.compile(r"[。，,；;：:、…！!)）]$|[.]$|[!！]")
_SPEAKER = re.compile(
    r"^(?P<speaker>Q|A|问|答|問|[\u4e00-\u9fff·]{2,5}|「[^」]{1,10}」|【[^】]{1,10}】|[A-Z][A-Za-z .]{1,20})\s*[:：]\s*"
)
QUESTION_SPEAKERS = {"Q", "问", "問", "主持人", "记者", "記者", "提问者", "提问", "提問", "观众", "觀眾", "主持"}
# Speaker-like labels that are really bylines or section labels.
NOT_SPEAKERS = {
    "来源", "來源", "作者", "编辑", "編輯", "注", "备注", "備注", "图", "圖",
    "参考", "参考链接", "参考资料", "Github", "GitHub", "链接", "地址", "时间", "时间线", "导读",
    "提示", "温馨提示", "说明", "例如", "比如", "注意", "答案", "问题", "原文", "译文",
    "摘要", "结论", "总结", "目录", "公告", "特别提示",
}


REFERENCE_LABELS = {"参考链接", "参考资料", "参考文献", "参考", "相关链接", "參考連結", "參考資料", "References"}
_URL = re.compile(r"https?://[^\s<>\"'，。；、）)】」]+")
# WeChat editors mark a pull-quote, and sometimes a section title, with a left bar character.
_BAR = "▎▍▌▋▊▉┃|｜"
_OPENING_QUOTES = "\"“「『‘'"


def shape(blocks: Sequence[Block], plain_text: bool = False) -> tuple[Block, ...]:
    """`plain_text`: the dump lost all markup, so short plain lines may be headings too."""
    blocks = _bars(list(blocks))
    blocks = _reference_links(blocks)
    blocks = _turns(blocks)
    blocks = _headings(blocks, plain_text)
    return tuple(_normalize_levels(blocks))


def _strip_prefix(inlines: tuple[Inline, ...], count: int) -> tuple[Inline, ...]:
    """Remove the first `count` visible characters (the speaker label), keeping formatting."""
    out: list[Inline] = []
    for node in inlines:
        if count <= 0:
            out.append(node)
            continue
        if isinstance(node, Text):
            if len(node.text) <= count:
                count -= len(node.text)
                continue
            out.append(Text(node.text[count:]))
            count = 0
        elif isinstance(node, (Strong, Emph)):
            size = len(inline_text(node.children))
            if size <= count:
                count -= size
                continue
            out.append(type(node)(_strip_prefix(node.children, count)))
            count = 0
        else:
            out.append(node)
    return normalize(out)


def _reference_links(blocks: list[Block]) -> list[Block]:
    """Under a 参考链接 / 参考资料 label, the addresses a text dump kept as plain text become links again
    (up to the next heading).  Only http(s) addresses with a host; the render stage still vets each URL."""
    out: list[Block] = []
    under = False
    for block in blocks:
        label = inline_text(block.inlines).strip().strip("*#：: ") if isinstance(block, (Paragraph, Heading)) else ""
        if label in REFERENCE_LABELS:
            under = True
        elif isinstance(block, Heading):
            under = False
        elif under:
            block = map_texts(block, _linked_urls)
        out.append(block)
    return out


def _linked_urls(node: Text, _offset: int) -> tuple[Inline, ...] | None:
    if "http" not in node.text:
        return None
    parts: list[Inline] = []
    last = 0
    for m in _URL.finditer(node.text):
        url = web_url(m.group(0))
        if url is None:
            continue
        parts += [Text(node.text[last:m.start()])] if m.start() > last else []
        parts.append(Link(url, (Text(url),)))
        last = m.end()
    if not parts:
        return None
    return tuple(parts + ([Text(node.text[last:])] if last < len(node.text) else []))


def _bars(blocks: list[Block]) -> list[Block]:
    """A heading that opens with a bar (``##### ▎"…"``): a quoted sentence under it is a pull-quote, not a
    section title (it becomes a quote); any other text is a title, shown without the bar."""
    out: list[Block] = []
    for block in blocks:
        if isinstance(block, Heading):
            text = inline_text(block.inlines)
            body = text.lstrip(" " + _BAR)
            if body != text.lstrip() and body:
                inlines = _strip_prefix(block.inlines, len(text) - len(body))
                if body[0] in _OPENING_QUOTES or len(body) > HEADING_MAX:
                    out.append(Quote((Paragraph(inlines),)))
                else:
                    out.append(Heading(block.level, inlines))
                continue
        out.append(block)
    return out


def _turns(blocks: list[Block]) -> list[Block]:
    labels: Counter[str] = Counter()
    matches: dict[int, re.Match[str] | None] = {}  # block index -> speaker match of a paragraph
    for i, block in enumerate(blocks):
        if isinstance(block, Paragraph):
            found = matches[i] = _SPEAKER.match(inline_text(block.inlines))
            if found and found.group("speaker") not in NOT_SPEAKERS:
                labels[found.group("speaker")] += 1
    speakers = {s for s, n in labels.items() if n >= 2}
    interviewers = {s for s in speakers if s in QUESTION_SPEAKERS or s[0] in "「【"}
    # An interview has an interviewer; "用途：" / "输入来源：" runs are labels, not turns.
    if sum(labels[s] for s in speakers) < 4 or not interviewers:
        return blocks
    questions = interviewers
    out: list[Block] = []
    for i, block in enumerate(blocks):
        if isinstance(block, Paragraph):
            found = matches[i]
            if found and found.group("speaker") in speakers:
                rest = _strip_prefix(block.inlines, found.end())
                speaker = found.group("speaker")
                out.append(Turn(speaker, rest, speaker in questions))
                continue
        out.append(block)
    return _question_continuations(out, {i for i, m in matches.items() if m and m.group("speaker") in speakers})


def _question_continuations(blocks: list[Block], turns: set[int]) -> list[Block]:
    """Paragraphs between a question and the answer that follows it are the rest of the question (a long
    question runs over several paragraphs): question turns without a speaker, shown bold like the first."""
    out = list(blocks)
    for i, block in enumerate(blocks):
        if not (isinstance(block, Turn) and block.is_question):
            continue
        j = i + 1
        while j < len(blocks) and isinstance(blocks[j], Paragraph) and j not in turns:
            j += 1
        answered = j < len(blocks) and isinstance(blocks[j], Turn) and not blocks[j].is_question
        if answered and j > i + 1:
            for k in range(i + 1, j):
                out[k] = Turn("", blocks[k].inlines, True)
    return out


def _is_bold_only(block: Paragraph) -> bool:
    meaningful = [n for n in block.inlines if not (isinstance(n, Text) and not n.text.strip())]
    return len(meaningful) == 1 and isinstance(meaningful[0], Strong)


def _headings(blocks: list[Block], plain_text: bool) -> list[Block]:
    out: list[Block] = []
    # inline_text of each paragraph or turn, computed once (each is asked for as a block and as the next one).
    texts = [inline_text(b.inlines) if isinstance(b, (Paragraph, Turn)) else "" for b in blocks]
    for i, block in enumerate(blocks):
        if isinstance(block, Paragraph) and 0 < i < len(blocks) - 1:
            text = texts[i].strip()
            nxt = blocks[i + 1]
            short = 2 <= len(text) <= HEADING_MAX and not _NO_HEADING_END.search(text)
            if not short:
                out.append(block)
                continue
            followed_by_prose = isinstance(nxt, (Paragraph, Turn)) and len(texts[i + 1]) > len(text)
            plain_line = plain_text and all(isinstance(n, Text) for n in block.inlines)
            if short and followed_by_prose and (_is_bold_only(block) or plain_line) and not _SPEAKER.match(text):
                inlines = block.inlines[0].children if _is_bold_only(block) else block.inlines
                out.append(Heading(2, normalize(list(inlines))))
                continue
        out.append(block)
    return out


def _normalize_levels(blocks: list[Block]) -> list[Block]:
    levels = sorted({b.level for b in blocks if isinstance(b, Heading)})
    if not levels:
        return blocks
    shift = {level: min(6, 2 + rank) for rank, level in enumerate(levels)}
    return [Heading(shift[b.level], b.inlines) if isinstance(b, Heading) else b for b in blocks]
