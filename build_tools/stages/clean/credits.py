"""Reading credit and date lines the cleaner drops: who wrote, edited and published the article, and when.

Each function takes the text of one dropped line (as :class:`~build_tools.model.Removed` holds it)
and returns the records it lifts for metadata, in the order metadata weighs them.  The line's role
comes from where the cleaner found it: a byline or dateline under the title, a footer after the
article, the account line a clipper kept, the account card or a portal's source pattern.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from build_tools.config.rules import Portal, Rules
from build_tools.model import Byline, Dateline, Lifted

_MARKS = re.compile(r"[*_\\]+")
_ORIGINAL = re.compile(r"^(原创|原創|Original)\s+(?P<rest>.+)$")
# Link text and target stop at the next bracket or parenthesis: ``[^\]]*`` rescanned a line of "[" to its end
# from every "[" (quadratic); these read each character once.
_MARKDOWN_LINK = re.compile(r"\[([^\[\]\n]*)\]\([^()\n]*\)")
_SENT_FROM = " 发自 "
_ISO = re.compile(r"(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})")
_DATELINE_NOISE = re.compile(r"\d{1,2}:\d{2}(:\d{2})?|日|发布于|發佈於|发布|[·|｜]")
_EDITOR_LINE = re.compile(r"^(责任编辑|責任編輯)\s*[:：]")
_REPOST = re.compile(r"本文(?:来自|轉載自|转载自)微信公众号\s*[:：]?\s*[“\"「]?(?P<src>[^”\"」（(]{2,20})")
AUTHOR_IN_LINE = re.compile(r"作者[:：]\s*([^，,。；;）)]+)")
_PUBLISHED_IN_LINE = re.compile(r"(\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}(?::\d{2})?)\s*发布于")
_PERSON = re.compile(r"^[\u4e00-\u9fff·]{2,5}$|^[A-Z][a-z]+(?: [A-Z][a-z]+){0,2}$")
# (?<!\d): a run of digits is tried once, from its start, not from each of its digits (quadratic).
_ACCOUNT_CARD = re.compile(r"文章数\s*\d*\s*关注度|(?<!\d)\d+\s*文章数|文章數")
_DATE_IN_NAME = re.compile(r"\d{4}-\d{2}")


def _bare(text: str) -> str:
    return text.strip().strip("*_ ")


def from_timestamp(text: str) -> list[Lifted]:
    """A timestamp line under the title: the publication time."""
    return [Dateline(_bare(text), "head-timestamp")]


def from_dateline(text: str, rules: Rules) -> list[Lifted]:
    """A dateline ("2025-02-22 10:49 来源：澎湃新闻 作者：王博"): the date, and the people and outlet it names."""
    text = _bare(text)
    lifted: list[Lifted] = [Dateline(text, "head-dateline")]
    named = [Byline(role, found.group(1), "head-dateline")
             for role, pattern in rules.dateline_labels if (found := pattern.search(text))]
    if not named:
        # Without labels, a dateline's one name is its outlet ("2025-02-22·头条号 科技小新").
        rest = _DATELINE_NOISE.sub(" ", _ISO.sub("", text)).split()
        names = [t for t in rest if 2 <= len(t) <= 16 and not t.isdigit()]
        if len(names) == 1:
            named.append(Byline("outlet", names[0], "head-dateline"))
    return lifted + named


def from_byline(text: str, rules: Rules) -> list[Lifted]:
    """A byline under the title: "作者：王博", "原创 王博 机器之心", "王博 发自 凹非寺"."""
    text = _MARKS.sub("", _bare(text)).strip()
    original = _ORIGINAL.match(text)
    if original:
        # WeChat's "原创 AUTHOR ACCOUNT": the last word is the account, a word before it the author.
        tokens = [t for t in re.split(r"\s+", _MARKDOWN_LINK.sub(r"\1", original["rest"])) if t]
        lifted: list[Lifted] = []
        if len(tokens) >= 2:
            lifted.append(Byline("author", tokens[0], "byline"))
        if tokens:
            lifted.append(Byline("outlet", tokens[-1].rstrip(";:)）"), "byline"))
        return lifted
    found = rules.byline.match(text)
    if found:
        return [Byline(rules.byline_roles[found.group("label")], found.group("value"), "byline")]
    if _SENT_FROM in text:
        return [Byline("author", text.split(_SENT_FROM)[0], "byline")]
    return []


def from_credit_line(text: str, rules: Rules, head: bool) -> list[Lifted]:
    """A credit line of generic.yml's ``credit_lines`` ("□ 本报记者 王博"): what its named groups state."""
    found = rules.credit(_MARKS.sub("", _bare(text)).strip(), head)
    if found is None:
        return []
    named = {role: value.strip() for role, value in found.groupdict().items() if value and value.strip()}
    lifted: list[Lifted] = [Dateline(named.pop("date"), "credit-line")] if "date" in named else []
    lifted += [Byline(role, value, "credit-line") for role, value in named.items() if role in _CREDIT_ROLES]
    author = None if "author" in named else AUTHOR_IN_LINE.search(text)  # a repost notice's "，作者：王博，"
    return lifted + ([Byline("author", author.group(1).strip(), "credit-line")] if author else [])


_CREDIT_ROLES = frozenset(("author", "editor", "outlet", "via", "original"))


def from_footer(text: str) -> list[Lifted]:
    """A line after the article: "责任编辑：李曦", or a repost notice naming the account and its author."""
    text = _bare(text)
    lifted: list[Lifted] = []
    if _EDITOR_LINE.match(text):
        lifted.append(Byline("editor", re.split(r"[:：]", text, maxsplit=1)[1], "tail-editor"))
    repost = _REPOST.search(text)
    if repost:
        lifted.append(Byline("original", repost.group("src").strip(), "repost-footer"))
        author = AUTHOR_IN_LINE.search(text)
        if author:
            lifted.append(Byline("author", author.group(1), "repost-footer"))
    return lifted


# A page copy's stats line under the title opens with the publication time: "2015.11.26 13:07:28 字数 672 阅读 4,431".
_LEADING_STAMP = re.compile(r"^\s*(\d{4}([-/.])\d{1,2}\2\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?)(?!\d)")


def from_head_junk(text: str) -> list[Lifted]:
    """A furniture line above the article's first prose: the time it opens with, if any (a stats line's)."""
    stamp = _LEADING_STAMP.match(_bare(text))
    return [Dateline(stamp.group(1), "head-stats")] if stamp else from_footer(text)


def from_junk_line(text: str, rules: Rules, at_head: bool) -> list[Lifted]:
    """A furniture line: what it states if it is a credit line ("新頭殼2014.10.24 金名/高雄報導"), else what a
    stats line above the article or a footer line below it states."""
    return from_credit_line(text, rules, head=False) or (from_head_junk(text) if at_head else from_footer(text))


def from_account_line(line: str) -> list[Lifted]:
    """The account line a clipper kept under the title ("智源社区2023-08-29 18:00:00发布于北京")."""
    published = _PUBLISHED_IN_LINE.search(line)
    if published:
        lifted: list[Lifted] = [Dateline(published.group(1), "account-line")]
        name = line[: published.start()].strip()
        if name:
            lifted.append(Byline("outlet", name, "account-line"))
        return lifted
    tokens = list(dict.fromkeys(t for t in line.split() if not re.search(r"[!！]", t)))
    lifted = []
    if tokens:
        lifted.append(Byline("outlet", tokens[-1], "account-line"))
    if len(tokens) == 2 and _PERSON.match(tokens[0]):
        lifted.append(Byline("author", tokens[0], "account-line"))
    return lifted


def from_account_card(removed: Sequence[str]) -> list[Lifted]:
    """The name above a "N文章数 N关注度" card among the dropped lines is the publishing account."""
    texts = [text.strip() for text in removed]
    for i, text in enumerate(texts):
        if _ACCOUNT_CARD.search(text):
            before = [t.replace("incentive-icons", "").strip() for t in texts[max(0, i - 4): i]]
            repeated = [t for t in before if before.count(t) > 1 and 2 <= len(t) <= 20]
            if repeated:
                return [Byline("outlet", repeated[-1], "account-card")]
            for name in reversed(texts[max(0, i - 3): i]):
                if 2 <= len(name) <= 20 and "。" not in name and not _DATE_IN_NAME.search(name):
                    return [Byline("outlet", name.replace("incentive-icons", "").strip(), "account-card")]
    return []


def from_portal_patterns(removed: Sequence[str], portals: Sequence[Portal], rules: Rules) -> list[Lifted]:
    """Outlets a portal's source patterns find in the dropped lines: the dump's portals first, then any."""
    ordered = tuple(portals) + tuple(p for p in rules.portals if p not in portals)
    return [Byline("outlet", found.group("source"), f"portal:{portal.name}")
            for portal in ordered for pattern in portal.source_patterns
            for text in removed if (found := pattern.search(text))]
