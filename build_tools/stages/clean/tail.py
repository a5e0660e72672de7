"""The end of the article: the marker after which everything is furniture, credits, decorative images.

Footer lines can name the editor or the account an article was reposted from: that is lifted for
metadata (:func:`build_tools.stages.clean.credits.from_footer`).
"""

from __future__ import annotations

import re
from functools import partial

from build_tools.config.rules import Rules
from build_tools.model import Figure, Rule
from build_tools.stages.clean import credits
from build_tools.stages.clean.head import CREDIT_MAX
from build_tools.stages.clean.lines import CAPTION_HINT, MARKS, Cleaner, Line, bare_image

_DECORATIVE = re.compile(r"gif|qr|code|banner", re.I)
# A user's card: an avatar (an image inlined as data, or one named as an avatar) with the user's name beside it.
# Once the article is under way it starts someone else's post: the next answer, a comment, an author card.
_AVATAR = re.compile(r"^data:image/|avatar", re.I)
# A short question of its own: what a comment prompt asks ("你和父母之间有何暖心事？").
_PROMPT_QUESTION = re.compile(r"^[^。！!]{2,30}[？?]\W*$")
_NAME = re.compile(r"^[^\s，。！？；：,.!?;:]{1,16}$")


def cut_end(cleaner: Cleaner, lines: list[Line]) -> list[Line]:
    """Everything from the first end marker (相关推荐, — 完 —, 免责声明 …) on, once the article is well under way.

    "Well under way" is a share of the dump's text, or a run of markers (a hotline notice under a short
    report, then its numbers): a footer, not a link in the body.  A marker on a later line of a paragraph
    joined by <br> ends nothing: that paragraph is the article's text running on (a reporter's closing
    hotline box inside the last paragraph), and the blocks after it are judged on their own.
    """
    rules = cleaner.rules
    total = sum(len(line.visible) for line in lines) or 1
    seen = 0
    for i, line in enumerate(lines):
        within = i > 0 and lines[i - 1].position == line.position
        if not within and seen >= rules.end_min_chars and _ends(rules, line) and (
                seen / total >= rules.end_min_fraction or _ends_soon(rules, lines[i + 1: i + 1 + END_RUN])):
            if i and _comment_prompt(rules, line.visible) and _PROMPT_QUESTION.search(lines[i - 1].visible):
                i -= 1  # the question the readers are asked to answer in the comments
            for dropped in lines[i:]:
                cleaner.drop(dropped, "tail:after-end", credits.from_footer)
            return lines[:i]
        seen += len(line.visible)
    return lines


END_RUN = 2  # a marker followed this closely by another starts the footer, however short the article above it


def _ends_soon(rules: Rules, after: list[Line]) -> bool:
    return any(_ends(rules, line) for line in after)


def _ends(rules: Rules, line: Line) -> bool:
    text = line.visible
    return len(text) <= 300 and (rules.is_end(text) or _user_card(line) or _comment_prompt(rules, text))


def _comment_prompt(rules: Rules, text: str) -> bool:
    """A short line inviting the readers to the comment section (rules/generic.yml comment_prompts)."""
    return len(text) <= rules.short_line_max and any(p.search(text) for p in rules.comment_prompts)


def _user_card(line: Line) -> bool:
    block = line.block
    if not isinstance(block, Figure) or not _AVATAR.search(block.src):
        return False
    name = line.visible.strip().strip("\u200b")
    return bool(_NAME.match(name))


def tail_credits(cleaner: Cleaner, lines: list[Line]) -> list[Line]:
    """Credits after the last paragraph (排版｜…, 校对｜…) are furniture."""
    kept = list(lines)
    texts = [i for i, line in enumerate(kept) if not isinstance(line.block, Figure)]
    for i in reversed(texts[-6:]):
        bare = MARKS.sub("", kept[i].visible).strip().strip("（）()【】[]")
        credit = CAPTION_HINT.search(bare) and (i == 0 or not isinstance(kept[i - 1].block, Figure))
        if len(bare) <= 40 and (cleaner.rules.byline.match(bare) or credit):
            cleaner.drop(kept.pop(i), "tail:byline", credits.from_footer)
        elif len(kept[i].visible) <= CREDIT_MAX and cleaner.rules.credit(MARKS.sub("", kept[i].visible).strip(), False):
            cleaner.drop(kept.pop(i), "tail:credit", partial(credits.from_credit_line, rules=cleaner.rules, head=False))
        elif len(bare) > 40:
            break
    return kept


def trim_edges(cleaner: Cleaner, lines: list[Line]) -> list[Line]:
    """Decorative images (banners, QR codes, gifs) before the first and after the last text."""
    lines = list(lines)
    trailing = 0
    while trailing < len(lines) and bare_image(lines[-1 - trailing]):
        trailing += 1
    # One screenshot closing a section is content; a stack of images after the text is cards and QR codes.
    while lines and (isinstance(lines[-1].block, Rule) or (
        bare_image(lines[-1]) and (trailing >= 2 or _is_decorative(lines[-1].block))
    )):
        cleaner.drop(lines.pop(), "tail:image", credits.from_footer)
    while lines and isinstance(lines[0].block, Figure) and _is_decorative(lines[0].block):
        cleaner.drop(lines.pop(0), "head:image")
    while lines and isinstance(lines[0].block, Rule):
        lines.pop(0)
    return lines


def _is_decorative(block: Figure) -> bool:
    return not block.caption and bool(_DECORATIVE.search(block.src))
