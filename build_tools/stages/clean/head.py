"""The head of the body: breadcrumbs and what sits above them; bylines, datelines and timestamps under the title.

Credit and date lines leave the body here and what they say is lifted for metadata
(:mod:`build_tools.stages.clean.credits`).
"""

from __future__ import annotations

import re
from functools import partial

from build_tools.config.rules import Rules
from build_tools.model import Figure, Heading, Paragraph
from build_tools.stages.clean import credits
from build_tools.stages.clean.lines import MARKS, TIMESTAMP, Cleaner, Line, is_prose

_BREADCRUMB = re.compile(r"^[^>›»]{1,16}\s[>›»]\s[^>›»]{1,16}(\s[>›»]\s[^>›»]{1,16})*")
# "2025-02-22 10:49 来源：澎湃新闻", "2025年02月22日 10:49 新浪财经", "2025-02-22·头条号": a dateline.
_DATELINE = re.compile(
    r"(^|[\s·|｜])\d{4}([-/.])\d{1,2}\2\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?|\d{4}年\d{1,2}月\d{1,2}日"
)
# A blog engine's English dateline alone on its line: "Saturday, September 10th, 2005 10:56 am".
_ENGLISH_DATE = re.compile(
    r"^(?:[A-Z][a-z]+day,\s*)?(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?\s+\d{1,2}(?:st|nd|rd|th)?,\s*\d{4}"
    r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?|[AP]M)?)?$"
)
_FULL_DATE = re.compile(r"(?<!\d)\d{4}([-/.])\d{1,2}\1\d{1,2}(?!\d)|\d{4}年\d{1,2}月\d{1,2}日")
_ORIGINAL = re.compile(r"^(原创|原創|Original)(\s|$)")
_SENT_FROM = re.compile(r"\s发自\s")
_ORIGINAL_TITLE = re.compile(r"^(原标题|原標題)[:：]")
_REPORTED = re.compile(r"\S{2,12}(报道|報道|讯|訊|消息)")
_ACCOUNT = re.compile(r"公众号|公眾號|微信号|微信號")
_SENTENCE_END = re.compile(r"[。！？]")
HEAD_MAX = 4  # ... but not below this many windows: a page of short lines has no head to find
CREDIT_MAX = 160  # a repost notice names the account, its ID, the author, the editor and the original title


def strip_head(cleaner: Cleaner, lines: list[Line]) -> list[Line]:
    """Breadcrumbs and whatever a scraper put above them."""
    for i, line in enumerate(lines[:8]):
        if isinstance(line.block, Paragraph) and _BREADCRUMB.match(line.visible) and len(line.visible) < 80:
            for dropped in lines[: i + 1]:
                cleaner.drop(dropped, "head:breadcrumb")
            return lines[i + 1:]
    return lines


def original_title(lines: list[Line], window: int) -> str | None:
    """The title a repost states in its "原标题：…" line near the top (a copy that lost its own title line)."""
    for line in lines[:window]:
        found = _ORIGINAL_TITLE.match(line.visible.strip())
        title = line.visible.strip()[found.end():].strip() if found else ""
        if 4 <= len(title) <= 80:
            return title
    return None


def head_furniture(cleaner: Cleaner, lines: list[Line]) -> list[Line]:
    """Bylines, timestamps and placeholder names near the top leave the body; metadata reads what they say."""
    rules = cleaner.rules
    kept: list[Line] = []
    above_prose = True  # no line of the article's prose yet: a credit may sit below a long run of page chrome
    for i, line in enumerate(lines):
        head = i < rules.byline_window or (above_prose and i < HEAD_MAX * rules.byline_window)
        kind = _furniture(line, rules, above_prose) if head else None
        above_prose = above_prose and not (kind is None and is_prose(line.visible))
        if kind == "credit":
            cleaner.drop(line, "head:credit", partial(credits.from_credit_line, rules=rules, head=True))
        elif kind == "date":
            cleaner.drop(line, "head:date", credits.from_timestamp)
        elif kind == "placeholder":
            cleaner.drop(line, "head:placeholder")
        elif kind == "byline":
            cleaner.drop(line, "head:byline", partial(credits.from_byline, rules=rules))
        elif kind == "dateline":
            cleaner.drop(line, "head:dateline", partial(credits.from_dateline, rules=rules))
        else:
            kept.append(line)
    return kept


def _furniture(line: Line, rules: Rules, above_prose: bool) -> str | None:
    """What kind of head furniture a line near the top is, if any."""
    text = MARKS.sub("", line.visible).strip()
    if isinstance(line.block, Figure) or len(text) > CREDIT_MAX:
        return None
    if rules.credit(text, head=above_prose and not isinstance(line.block, Heading)):
        return "credit"
    if len(text) > 80:
        return None
    if TIMESTAMP.match(text) or _ENGLISH_DATE.match(text):
        return "date"
    if text in rules.placeholder_names:
        return "placeholder"
    if rules.byline.match(text) and not isinstance(line.block, Heading):
        # "来源：人民日报2024-05-13 08:49": a label, an outlet and the time it published is a dateline.
        return "dateline" if _FULL_DATE.search(text) else "byline"
    if _ORIGINAL.match(text) or _SENT_FROM.search(text) or _ORIGINAL_TITLE.match(text) or _REPORTED.fullmatch(text):
        return "byline"
    if _ACCOUNT.search(text) and len(text) <= 40:
        return "byline"
    if _DATELINE.search(text) and not _SENTENCE_END.search(text) and len(text) <= 60:
        return "dateline"
    return None

