"""A paragraph whose lines are joined by line breaks (``<br>``, a Markdown hard break) is read line by line.

Older pages and some editors put a whole article, or its byline, dateline and source lines, in one
paragraph, one line per ``<br>``.  A reader sees separate lines, so the cleaning passes judge them
one by one: :func:`split_lines` turns such a paragraph into one line per piece (all at the paragraph's
place in the dump), and :func:`join_lines` puts the pieces the passes kept back into one paragraph,
joined by the breaks they had, so a kept paragraph renders as it did.

A list whose every item is one "label: value" field (a clipper's "- 作者：…", "- 发布时间：…", "- 原文链接：…"
under the title, a post's "- Likes: 123" counters) is read item by item the same way: each field is judged as
the byline, dateline or counter line it is, and the items kept go back into one list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from build_tools.model import Break, Inline, ListBlock, Paragraph, block_text
from build_tools.stages.clean.lines import Line, line_of
from build_tools.stages.readers.inlines import normalize


def split_lines(lines: list[Line]) -> tuple[list[Line], frozenset[int]]:
    """Each paragraph with line breaks as one line per piece; and the places of the paragraphs split."""
    out: list[Line] = []
    split: set[int] = set()
    for line in lines:
        block = line.block
        if isinstance(block, Paragraph) and any(isinstance(node, Break) for node in block.inlines):
            pieces = [inlines for inlines in map(normalize, _pieces(block.inlines)) if inlines]
            if len(pieces) > 1:
                split.add(line.position)
                out.extend(line_of(Paragraph(inlines), line.position) for inlines in pieces)
                continue
        elif _is_field_list(block):
            split.add(line.position)
            out.extend(line_of(ListBlock(block.ordered, (item,)), line.position) for item in block.items)
            continue
        out.append(line)
    return out, frozenset(split)


# A field's label: a word or two before a colon ("作者：", "发布时间：", "Author:", "Likes:"), no sentence.
_FIELD = re.compile(r"^[^\s:：，。,]{1,12}(?:\s[^\s:：，。,]{1,12})?\s*[:：]")
FIELD_LIST_MIN = 2


def _is_field_list(block: object) -> bool:
    """A list of "label: value" fields, one short paragraph per item."""
    return (isinstance(block, ListBlock) and len(block.items) >= FIELD_LIST_MIN and all(
        len(item) == 1 and isinstance(item[0], Paragraph) and _FIELD.match(block_text(item[0]))
        for item in block.items))


def _pieces(inlines: tuple[Inline, ...]) -> Iterator[list[Inline]]:
    piece: list[Inline] = []
    for node in inlines:
        if isinstance(node, Break):
            yield piece
            piece = []
        else:
            piece.append(node)
    yield piece


def join_lines(lines: list[Line], split: frozenset[int]) -> list[Line]:
    """Kept pieces of one split paragraph, next to each other, as one paragraph again."""
    if not split:
        return lines
    out: list[Line] = []
    run: list[Line] = []  # pieces of one paragraph, joined once (joining two at a time was quadratic)

    def flush() -> None:
        if len(run) == 1:
            out.append(run[0])
        elif run and isinstance(run[0].block, ListBlock):  # the fields kept, as the list they were
            items = tuple(item for piece in run for item in piece.block.items)
            out.append(line_of(ListBlock(run[0].block.ordered, items), run[0].position))
        elif run:
            inlines = [node for i, piece in enumerate(run) for node in ((Break(),) if i else ()) + piece.block.inlines]
            out.append(line_of(Paragraph(tuple(inlines)), run[0].position))
        run.clear()

    for line in lines:
        if line.position in split and isinstance(line.block, (Paragraph, ListBlock)):
            if run and run[-1].position != line.position:
                flush()
            run.append(line)
        else:
            flush()
            out.append(line)
    flush()
    return out
