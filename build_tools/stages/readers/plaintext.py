"""Plain-text copies of portal pages: one paragraph per line.

When a page is copied as text its images vanish, but they leave a trace: an
extra blank line where the image stood, followed by its caption.  A short
line after two or more blank lines is kept as the caption of a lost image.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from build_tools.model import Block, Figure, Paragraph
from build_tools.stages.readers import Body
from build_tools.stages.readers.inlines import plain

CAPTION_MAX = 120
_SENTENCE_END = re.compile(r"[。！？!?；;]$")


@dataclass(frozen=True)
class PlainTextReader:
    name: str = "text"

    def matches(self, text: str) -> bool:
        return True

    def read(self, text: str) -> Body:
        blocks: list[Block] = []
        blank_run = 0
        for raw_line in text.split("\n"):
            line = raw_line.strip()
            if not line:
                blank_run += 1
                continue
            inlines = plain(line)
            if blank_run >= 2 and blocks and len(line) <= CAPTION_MAX and not _SENTENCE_END.search(line):
                blocks.append(Figure("", "", inlines))
            else:
                blocks.append(Paragraph(inlines))
            blank_run = 0
        return Body(tuple(blocks))


READER = PlainTextReader()
