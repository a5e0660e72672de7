"""The title, where the body holds it: a text dump's title line, or failing every other source its first words.

Both are found here, once, as :class:`~build_tools.model.TitleCandidate` records; the metadata
stage only chooses among the candidates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from build_tools.model import Block, Heading, Paragraph, TitleCandidate, Turn, block_text
from build_tools.stages.clean.lines import TIMESTAMP, Cleaner, Line, is_prose
from build_tools.stages.title import agrees

_CARD_PUNCT = re.compile(r"[，。！？：、,.!?:;；|｜]")
_WHITESPACE = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"[。！？!?；;]")


def find_title(cleaner: Cleaner, lines: list[Line], named: str | None = None) -> tuple[list[Line], str | None]:
    """A text dump's title is the first title-like line above the first real paragraph.  When the file's
    name states a title (``named``), only a line that agrees with it is the title line: a clip that does
    not repeat its title opens with the article's first heading or sentence, which stay."""
    for i, line in enumerate(lines[:6]):
        text = line.visible
        if is_prose(text) and not isinstance(line.block, Heading):
            break
        if isinstance(line.block, (Paragraph, Heading)) and 6 <= len(text) <= 80 and not text.endswith("。"):
            if cleaner.is_junk_line(line) or cleaner.rules.byline.match(text) or TIMESTAMP.match(text):
                continue
            if named and not agrees(text, named):
                continue
            cleaner.drop(line, "head:title")
            # Whatever sits above a text dump's title is site chrome: logo, menu, login links.
            for dropped in lines[:i]:
                if len(dropped.visible) <= 20:
                    cleaner.drop(dropped, "head:above-title")
            above = [kept for kept in lines[:i] if len(kept.visible) > 20]
            return above + _author_card(cleaner, lines[i + 1:]), text
    return lines, None


def _author_card(cleaner: Cleaner, lines: list[Line]) -> list[Line]:
    """Between a text dump's title and its first sentence: name, title, follower lines of an author card."""
    first_prose = next(
        (n for n, line in enumerate(lines[:6]) if is_prose(line.visible) or not isinstance(line.block, Paragraph)),
        None,
    )
    if first_prose is None:
        return lines
    card = lines[:first_prose]
    for line in card:
        text = line.visible
        if len(text) > 16 or _CARD_PUNCT.search(text) or cleaner.rules.byline.match(text):
            return lines
    for line in card:
        if not TIMESTAMP.match(line.visible):
            cleaner.drop(line, "head:author-card")
    return [line for line in card if TIMESTAMP.match(line.visible)] + lines[first_prose:]


def inferred_title(blocks: Sequence[Block], raw_path: str) -> TitleCandidate:
    """The title when nothing else gives one: the first heading, or the first sentence (cut to 40 characters)."""
    return TitleCandidate(_first_words(blocks) or raw_path.rsplit("/", 1)[-1], "inferred from body", inferred=True)


def _first_words(blocks: Sequence[Block]) -> str | None:
    for block in blocks:
        if isinstance(block, Heading):
            text = block_text(block).strip()
            if 4 <= len(text) <= 60:
                return text
        if isinstance(block, (Paragraph, Turn)):
            text = _WHITESPACE.sub(" ", block_text(block)).strip()
            if len(text) >= 8:
                # The first sentence with words in it (a paragraph may open with ";;" or "。").
                sentence = next((part.strip() for part in _SENTENCE_END.split(text) if part.strip()), "")
                if sentence:
                    return sentence[:40] + ("…" if len(sentence) > 40 else "")
    return None
