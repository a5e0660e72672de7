"""Where a text copy of a page keeps its article: the densest run of prose lines.

A page copied as text (select all, copy) or saved by a plain-text exporter holds the article between the
site's menus, channel lists, "most read" lists, comment threads and footers, all flattened to lines.  The
article is the part where sentences follow each other; the furniture is the part where short lines do.  Each
line scores by what it is (a sentence-like line: its length; a short line without sentence marks: a cost),
and the best-scoring contiguous run of lines (a maximum-sum segment, as in Kadane's algorithm) is the body.

The cut is made only when it removes a substantial amount of furniture: a clipper's export that is already
just the article has no long runs of short lines around it and is left alone.  A few short lines just above
the run are kept for the cleaner (the title, the byline and the dateline sit there, and metadata reads
them).  Everything removed is recorded with the reason, as every other cleaning rule does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from build_tools.model import Paragraph
from build_tools.stages.clean.lines import Cleaner, Line

_SENTENCE = re.compile(r"[。！？；，：、,.!?;:]")
_SPACE = re.compile(r"\s+")
SENTENCE_MIN = 14  # characters: shorter lines are menu items, labels, counters
SHORT_COST = 12.0  # what one short line costs inside the body run (a subheading or two survive, a menu does not)
KEEP_ABOVE = 12  # short lines kept above the run: title, byline, dateline, deck (the head passes sort them)
MIN_CUT_LINES = 8  # cut only when at least this many lines of furniture go


def line_score(text: str) -> float:
    chars = len(_SPACE.sub("", text))
    if chars >= SENTENCE_MIN and (_SENTENCE.search(text) or chars >= 40):
        return float(chars)
    return -SHORT_COST - min(chars, 30) / 3.0


def best_run(scores: Sequence[float]) -> tuple[int, int]:
    """[start, end) of the contiguous run with the largest sum (empty input: (0, 0))."""
    best, best_start, best_end = 0.0, 0, 0
    total, start = 0.0, 0
    for i, score in enumerate(scores):
        if total <= 0:
            total, start = score, i
        else:
            total += score
        if total > best:
            best, best_start, best_end = total, start, i + 1
    return best_start, best_end


def keep_main_region(cleaner: Cleaner, lines: list[Line]) -> list[Line]:
    """A text dump's lines without those far outside its densest run of prose (see the module docstring)."""
    if len(lines) < MIN_CUT_LINES * 2 or not all(isinstance(line.block, Paragraph) for line in lines):
        return lines
    start, end = best_run([line_score(line.text) for line in lines])
    start = max(0, start - KEEP_ABOVE)
    if end <= start or start + (len(lines) - end) < MIN_CUT_LINES:
        return lines
    for line in lines[:start] + lines[end:]:
        cleaner.drop(line, "outside-main-region")
    return lines[start:end]
