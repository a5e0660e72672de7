"""What every cleaning pass shares for one dump: its line table and the cleaner's record of what it dropped.

The body is turned once into a table of :class:`Line` records (each block with its text, its
visible text and its place in the dump), so no rule computes a block's text twice.  Passes take
and return lists of lines; :class:`Cleaner` records each drop, with what metadata can lift from it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from build_tools.config.rules import Portal, Rules
from build_tools.model import Block, Figure, Heading, Lifted, Paragraph, Removed, block_text, strip_decoration


class Line(NamedTuple):
    """One block of the body, with the texts the rules read, and its index among the blocks the dump was read into."""

    block: Block
    text: str  # block_text(block)
    visible: str  # the text without the decoration portals wrap short lines in
    position: int


def line_of(block: Block, position: int) -> Line:
    text = block_text(block)
    return Line(block, text, strip_decoration(text), position)


def line_table(blocks: Sequence[Block]) -> list[Line]:
    return [line_of(block, i) for i, block in enumerate(blocks)]


# Patterns more than one pass reads.
TIMESTAMP = re.compile(r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(\s+\d{1,2}:\d{2}(:\d{2})?)?$")
MARKS = re.compile(r"[*_\\]+")  # Markdown emphasis left in a text copy
CAPTION_HINT = re.compile(
    r"图片来源|圖片來源|图源|圖源|图片[:：]|^图[:：\d]|^圖[:：\d]|来源[:：]|來源[:：]|摄影|攝影|^[(（]图|截图|截圖"
)
_MENU_SPLIT = re.compile(r"[\s|｜/·]+")
# Sentence marks and credits; an equation (“总存款 = 100 元 + 90 元”); a number spaced off its unit (“在 2021 年
# 11 月”, the spacing clippers put between Han and digits): a menu names places, it never counts or computes.
_MENU_NOT = re.compile(r"[，。,：:=＝]|发自|作者|\d\s+[年月日时岁歲元万萬亿億个個倍]")
# Sentence marks, and quotation marks or an ellipsis: a menu names its items, it never quotes them or trails off.
_MENU_WORD_NOT = re.compile(r"[，。！？：、,.!?:;；“”「」『』…]")
_PROSE_END = re.compile(r"[。！]")
_NAME_NOT = re.compile(r"[。，,！？；]")

Lifter = Callable[[str], Iterable[Lifted]]


class Cleaner:
    """One dump's cleaning: the rules and the dump's portals, the titles it may repeat, what was dropped
    (in order) and what metadata can read from it."""

    def __init__(self, rules: Rules, portals: Sequence[Portal], titles: Iterable[str]):
        self.rules = rules
        self.portals = portals
        self.titles = set(titles)  # line keys of the title candidates
        self.lifted: list[Lifted] = []
        self._dropped: list[tuple[str, str, Block | None, int]] = []

    def drop(self, line: Line, rule: str, lift: Lifter | None = None) -> None:
        """``line`` leaves the body under ``rule``; ``lift`` reads records for metadata from its text.

        A block without text (a rule, an empty paragraph) leaves no record.
        """
        text = line.text.strip()
        if text or isinstance(line.block, Figure):
            text = text or line.block.src  # type: ignore[union-attr]
            self._dropped.append((text, rule, line.block, line.position))
            if lift is not None:
                self.lifted.extend(lift(text))

    def drop_text(self, text: str, rule: str) -> None:
        """A piece of a kept block's text leaves the body (it is no block of its own to put back)."""
        self._dropped.append((text, rule, None, -1))

    def removed(self, kept: Sequence[Line]) -> tuple[Removed, ...]:
        """What was dropped, each block with the index in the cleaned body it stood before."""
        positions = [line.position for line in kept]
        return tuple(
            Removed(text, rule, block, position, bisect.bisect_left(positions, position) if block is not None else -1)
            for text, rule, block, position in self._dropped
        )

    # --- what a line is -------------------------------------------------------------------

    def is_junk_line(self, line: Line) -> bool:
        """A short line the rules call furniture (generic.yml, or one of the dump's portals)."""
        text = line.visible
        if isinstance(line.block, Figure) or len(text) > self.rules.short_line_max:
            return False
        return self.rules.is_junk(text) or any(portal.is_junk(text) for portal in self.portals)

    def is_menu(self, line: Line) -> bool:
        """A row of short navigation words: 首页 新闻 体育 娱乐 财经 …"""
        text = line.visible
        if not isinstance(line.block, Paragraph) or len(text) > 50:
            return False
        tokens = _MENU_SPLIT.split(text)
        return len(tokens) >= 5 and all(1 <= len(t) <= 4 for t in tokens) and not _MENU_NOT.search(text)

    def is_spam(self, line: Line) -> bool:
        text = line.visible
        if len(text) >= 200:
            return False
        return sum(1 for word in self.rules.spam_words if word in text) >= self.rules.spam_min_hits


def is_prose(text: str) -> bool:
    """Body text, not a title: long, or a sentence that ends (a question mark alone ends many titles)."""
    return len(text) >= 50 or (len(text) >= 20 and bool(_PROSE_END.search(text)))


def is_menu_word(text: str) -> bool:
    return 1 <= len(text) <= 6 and not _MENU_WORD_NOT.search(text)


def is_name_line(line: Line) -> bool:
    """A short line that could be an account's or author's name."""
    if isinstance(line.block, Heading):
        return len(line.visible) <= 30
    return isinstance(line.block, Paragraph) and 2 <= len(line.visible) <= 20 and not _NAME_NOT.search(line.visible)


def bare_image(line: Line) -> bool:
    """An image without a caption."""
    return isinstance(line.block, Figure) and not line.visible
