"""Furniture anywhere in the body: furniture lines, account cards, menus, link lists, related-article runs.

Also what is kept but mended: portal text glued to a paragraph, a credit line that is an image's
caption, links to a portal's own site search.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial

from build_tools.model import (
    DECORATION,
    Block,
    Figure,
    Heading,
    InlineImage,
    Link,
    Paragraph,
    Text,
    block_text,
    line_key,
)
from build_tools.model.walk import iter_nodes, map_inlines, map_nodes
from build_tools.stages.clean import credits
from build_tools.stages.clean.lines import (
    CAPTION_HINT,
    TIMESTAMP,
    Cleaner,
    Line,
    is_menu_word,
    is_name_line,
    is_prose,
    line_of,
)
from build_tools.stages.readers.inlines import normalize

_CARD_MARK = re.compile(r"^\d+\s*篇原创内容$|^\d+\s*篇原創內容$|文章数\s*\d*\s*关注度")
_POINTER = re.compile(r"👆|上方|上面")
_NOT_CAPTION = re.compile(r"编译|編譯|转载|轉載|作者|谢谢|謝謝|授权|授權")
_URLISH = re.compile(r"^(https?://|www\.)\S+$")
_INTRODUCES = re.compile(r"(推荐|推薦|阅读|閱讀|文章|回顾|回顧)\S{0,6}[:：]?$")
# How an entry of a related or most-read list ends: a timestamp, a bare date, or its comment count.
_STAMP_END = re.compile(r"\d{4}-\d{2}-\d{2}\s\d{2}:\d{2}(:\d{2})?$|\D\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|(评论|評論)\d+条?$")
_ENTRY_END = re.compile(r"[。！？!?]$")
_SEARCH_LINK = re.compile(r"[/.](search|so)[/?.]|[?&](q|wd|keyword|query)=", re.I)
TITLE_ZONE = 12  # a line repeating the title is dropped only among the first kept lines


def drop_lines(cleaner: Cleaner, lines: list[Line]) -> list[Line]:
    """Account cards, spam, furniture lines, menus; a title repeated near the top; a short line said twice."""
    kept: list[Line] = []
    seen: set[str] = set()
    for i, line in enumerate(lines):
        text = line.visible
        if len(text) <= 40 and _CARD_MARK.search(text):
            _drop_account_card(cleaner, kept)
            cleaner.drop(line, "account-card")
        elif cleaner.is_spam(line):
            cleaner.drop(line, "spam")
        elif cleaner.is_junk_line(line):
            # Above the first kept lines a junk line may be the stats line that states the time of publication.
            at_head = len(kept) < cleaner.rules.byline_window
            cleaner.drop(line, "junk-line", partial(credits.from_junk_line, rules=cleaner.rules, at_head=at_head))
            if kept and _bare_figure(kept[-1].block) and _POINTER.search(line.text):
                cleaner.drop(kept.pop(), "junk-line:image")  # the image a "👆 关注" line points at
        elif cleaner.is_menu(line):
            cleaner.drop(line, "menu")
        else:
            # The key matters only to a short line, or near the top while there are titles to repeat.
            short = len(text) <= 100
            near_top = len(kept) < TITLE_ZONE
            key = line_key(text) if short or (cleaner.titles and near_top) else ""
            if key and near_top and (key in cleaner.titles or _title_skeleton(cleaner, text)):
                cleaner.drop(line, "title-repeat")
            elif _promo_link(line):
                cleaner.drop(line, "promo-link")
            elif (key and short and key in seen and not isinstance(line.block, Figure)
                  and not _labels_prose(kept, lines, i)):
                cleaner.drop(line, "repeated-line")
            else:
                kept.append(line)
                if short:
                    seen.add(key)
    return kept


# A save tool that cannot write Han characters leaves the title's Latin words alone as a heading
# ("Claude Code 101 6 Kimi Code" for "Claude Code 101:普通人…的 6 个高分插件(亲测 Kimi Code 也能用)").
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_RUN = re.compile(r"[a-z0-9]+(?:[^a-z0-9\u3400-\u9fff\uf900-\ufaff]+[a-z0-9]+)*")


def _title_skeleton(cleaner: Cleaner, text: str) -> bool:
    """A line without Han that is a title's Latin words and nothing else, where the title has Han between
    them (two or more Latin runs: a title that merely starts with a product name is not stripped to it)."""
    if _HAN.search(text):
        return False
    key = "".join(_ALNUM.findall(line_key(text)))
    if len(key) < 6:
        return False
    for title in cleaner.titles:
        if _HAN.search(title) and len(_LATIN_RUN.findall(title)) >= 2 and "".join(_ALNUM.findall(title)) == key:
            return True
    return False


_ALNUM = re.compile(r"[a-z0-9]+")
# A call to go elsewhere set as a paragraph of its own: one link, led by arrows (">>加入粉絲團", "» 下载客户端").
_ARROWS = re.compile(r"^\s*(>>|＞＞|»|》》|→|▶|►|👉)")


def _promo_link(line: Line) -> bool:
    if not isinstance(line.block, Paragraph) or len(line.visible) > 40 or not _ARROWS.match(line.text):
        return False
    links = _links(line.block.inlines)
    linked = sum(len(block_text(Paragraph(link.children)).strip()) for link in links)
    return len(links) == 1 and linked >= 0.9 * len(line.visible.strip())


def _labels_prose(kept: list[Line], lines: list[Line], i: int) -> bool:
    """A short line between two paragraphs of prose: a speaker's name in a play, a refrain, a note the author
    puts after each part; said again, it is still the text's (furniture repeats at the page's edges)."""
    after = lines[i + 1].visible if i + 1 < len(lines) else ""
    return bool(kept) and is_prose(kept[-1].visible) and is_prose(after)


def _drop_account_card(cleaner: Cleaner, kept: list[Line]) -> None:
    """The account's name (and its blurb) sit right above its card, its avatar above the name."""
    for back in range(1, min(3, len(kept)) + 1):
        if is_name_line(kept[-back]):
            start = len(kept) - back
            if start and _bare_figure(kept[start - 1].block):
                start -= 1
            for dropped in kept[start:]:
                cleaner.drop(dropped, "account-card")
            del kept[start:]
            return


def _bare_figure(block: Block) -> bool:
    return isinstance(block, Figure) and not block.caption


def drop_menu_runs(cleaner: Cleaner, lines: list[Line]) -> list[Line]:
    """Three or more one-word lines in a row near either end: a menu or an action bar.

    Not in a dump written in short lines (a phone-style post that breaks each sentence into phrases, one per
    line): there a run of one- or two-word phrases is the author's sentence, and shortness tells nothing."""
    if _written_in_phrases(lines):
        return lines
    short = [isinstance(line.block, Paragraph) and is_menu_word(line.visible) for line in lines]
    doomed: set[int] = set()
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and short[j]:
            j += 1
        near_edge = i < 10 or j > len(lines) - 10
        if j - i >= 3 and near_edge:
            doomed.update(range(i, j))
        i = max(j, i + 1)
    for n in sorted(doomed):
        cleaner.drop(lines[n], "menu")
    return [line for n, line in enumerate(lines) if n not in doomed]


PHRASE_MAX = 15  # characters: a phrase the author put on a line of its own, not a sentence
PHRASE_SHARE = 0.6  # of the text lines: a dump written in phrases
PHRASE_MIN_LINES = 20  # text lines: fewer say nothing about how the dump is written
_SENTENCE_END = re.compile(r"[。！？!?；;]")


def _written_in_phrases(lines: list[Line]) -> bool:
    """Most text lines are phrases without a sentence's end: the author writes one phrase per line."""
    texts = [line.visible for line in lines if isinstance(line.block, Paragraph) and line.visible.strip()]
    phrases = sum(1 for t in texts if len(t) <= PHRASE_MAX and not _SENTENCE_END.search(t))
    return len(texts) >= PHRASE_MIN_LINES and phrases >= PHRASE_SHARE * len(texts)


def drop_link_lists(cleaner: Cleaner, lines: list[Line]) -> list[Line]:
    """Two or more link-dominated blocks in a row (related articles, cards), and the line introducing them."""
    flags = [_link_dominated(line) for line in lines]
    runs = [
        flags[i] and ((i > 0 and flags[i - 1]) or (i + 1 < len(lines) and flags[i + 1]))
        for i in range(len(lines))
    ]
    if _is_digest(lines, runs):
        return lines
    cited = _citations(lines, flags)
    kept = []
    for i, line in enumerate(lines):
        # A list's label ("相关文章：", "推荐阅读"), not a sentence of the article announcing its own links
        # ("…把经过都写到文章中去了，文章如下："): the article's own prose stays.
        introduces = (i + 1 < len(lines) and runs[i + 1] and not runs[i] and _INTRODUCES.search(line.visible)
                      and not _announces(line.visible))
        if (runs[i] and i not in cited) or introduces:
            cleaner.drop(line, "link-list")
        else:
            kept.append(line)
    return kept


# The author's references: a linked title in another script than the article's (an English source cited in a
# Chinese text), set between the article's paragraphs (prose just above the references, more of it below).
# A site's related list is in the site's own language.
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
_KANA = re.compile(r"[\u3040-\u30ff]")
CITE_REACH = 6  # lines: how near the paragraph of prose the references follow stands
_ANNOUNCES = re.compile(r"[:：]$")  # a sentence that ends by announcing what follows
_CLAUSE = re.compile(r"[，,；;。]")  # a sentence has clauses; a list's label ("相关文章：") has none
# What an account's card says of the links under it ("过去关于 AI 的几篇文章推荐："): a recommendation, not the text
_RECOMMENDS = re.compile(r"推荐|推薦|阅读|閱讀|回顾|回顧|往期|相关|相關|精选|精選")
SENTENCE_MIN = 20


def _announces(text: str) -> bool:
    """A sentence of the article that ends announcing what follows, without recommending it ("…，文章如下：")."""
    if not _ANNOUNCES.search(text) or not (is_prose(text) or (len(text) >= SENTENCE_MIN and _CLAUSE.search(text))):
        return False
    return not _RECOMMENDS.search(_CLAUSE.split(text)[-1])


def _citations(lines: list[Line], flags: list[bool]) -> set[int]:
    han = sum(len(_HAN.findall(line.visible)) for line in lines)
    latin = sum(len(w) for line in lines for w in _LATIN_WORD.findall(line.visible))
    if han <= latin:
        return set()  # not a text in Han script
    prose = [i for i, line in enumerate(lines) if not flags[i] and is_prose(line.visible)]
    cited: set[int] = set()
    start = 0
    while start < len(lines):
        if not flags[start]:
            start += 1
            continue
        end = start
        while end < len(lines) and flags[end]:
            end += 1
        # The run follows the article's prose closely, and more of the article follows it.
        if any(start - CITE_REACH <= p < start for p in prose) and any(p >= end for p in prose):
            # Links a sentence of the article announces ("…我也写了几篇文章，文章如下：") are the author's own
            # references, in whatever script; a site's inserted list is headed by a label, not by prose.
            announced = start > 0 and _announces(lines[start - 1].visible)
            cited.update(i for i in range(start, end) if announced or _foreign_title(lines[i]))
        start = end
    return cited


def _foreign_title(line: Line) -> bool:
    """A linked title (the links' words, not a label before them: "插画师的介绍：Kay Nielsen") written more in
    another script (Latin letters, kana) than in Han characters, without an image."""
    links = _links(getattr(line.block, "inlines", ()))
    if any(isinstance(n, InlineImage) for link in links for n in iter_nodes(link.children)):
        return False
    text = "".join(block_text(Paragraph(link.children)) for link in links)
    foreign = sum(len(w) for w in _LATIN_WORD.findall(text)) + len(_KANA.findall(text))
    return foreign > len(_HAN.findall(text))


# A digest (a link post, a weekly roundup, a list of sources) is two sentences and its list of linked headlines:
# the list is the article.  Related-article lists hang under an article that stands without them.
DIGEST_PROSE = 300  # characters of sentences besides the lists: "a few sentences" (stages/gate.py SHORT_PROSE)
_SENTENCE_MARK = re.compile(r"[，。！？；：,.!?;:]")


def _is_digest(lines: list[Line], runs: list[bool]) -> bool:
    listed = sum(len(line.visible) for line, run in zip(lines, runs, strict=True) if run)
    prose = sum(len(line.visible) for line, run in zip(lines, runs, strict=True)
                if not run and isinstance(line.block, Paragraph) and _SENTENCE_MARK.search(line.visible))
    return 0 < prose < DIGEST_PROSE and listed > prose


def _link_dominated(line: Line) -> bool:
    """A block that is essentially a link to another page (a related-article entry or card)."""
    inlines = getattr(line.block, "inlines", None)
    if inlines is None:
        return False
    links = _links(inlines)
    if not links:
        return False
    text = line.text.strip().strip(DECORATION)
    linked = sum(len(block_text(Paragraph(link.children)).strip()) for link in links)
    has_image_link = any(isinstance(n, InlineImage) for link in links for n in iter_nodes(link.children))
    if _URLISH.match(text):
        return False  # a bare reference URL is the author's citation
    return has_image_link or (len(text) <= 80 and linked >= 0.6 * max(1, len(text)))


def drop_timestamp_runs(cleaner: Cleaner, lines: list[Line]) -> list[Line]:
    """Related-article lists: title / account / timestamp, repeated."""
    stamps = [i for i, line in enumerate(lines) if TIMESTAMP.match(line.visible) or _ends_with_stamp(line.visible)]
    doomed: set[int] = set()
    for a, b in zip(stamps, stamps[1:], strict=False):
        if b - a <= 5:
            start = a
            # An entry is title / account lines above its timestamp: short, never prose.
            while start > 0 and a - start < 4 and _is_entry_line(lines[start - 1].visible):
                start -= 1
            doomed.update(range(start, b + 1))
    kept = []
    for i, line in enumerate(lines):
        if i in doomed and len(line.visible) <= 120:
            cleaner.drop(line, "timestamp-run")
        else:
            kept.append(line)
    return kept


def _ends_with_stamp(text: str) -> bool:
    return len(text) <= 60 and bool(_STAMP_END.search(text))


def _is_entry_line(text: str) -> bool:
    return len(text) <= 60 and not _ENTRY_END.search(text)


def strip_suffixes(cleaner: Cleaner, lines: list[Line]) -> list[Line]:
    """Portal text glued onto the end of a paragraph."""
    out = []
    for line in lines:
        block = line.block
        if isinstance(block, Paragraph) and block.inlines and isinstance(block.inlines[-1], Text):
            last = block.inlines[-1].text
            for pattern in cleaner.rules.junk_suffixes:
                found = pattern.search(last)
                if found and found.start() > 0:
                    cleaner.drop_text(found.group(0), "junk-suffix")
                    block = replace(block, inlines=block.inlines[:-1] + (Text(last[: found.start()].rstrip()),))
                    line = line_of(block, line.position)
                    break
        out.append(line)
    return out


def attach_captions(lines: list[Line]) -> list[Line]:
    """A short credit line right under a captionless image is that image's caption."""
    out: list[Line] = []
    for line in lines:
        prev = out[-1].block if out else None
        text = line.visible
        if (
            isinstance(line.block, Paragraph) and isinstance(prev, Figure) and not prev.caption
            and len(text) <= 100 and CAPTION_HINT.search(text) and not _NOT_CAPTION.search(text)
        ):
            out[-1] = line_of(Figure(prev.src, prev.alt, line.block.inlines), out[-1].position)
            continue
        out.append(line)
    return out


def unwrap_search_links(block: Block) -> Block:
    """Portals auto-link keywords to their own site search (CSDN, Baidu…): keep the words, drop the link."""
    if isinstance(block, (Paragraph, Heading)) and not _links(block.inlines):
        return block  # (the common case, answered without walking the block)
    return map_inlines(block, _unwrap)


def _links(inlines) -> list[Link]:
    return [node for node in iter_nodes(inlines) if isinstance(node, Link)]


def _unwrap(inlines):
    if not any(_SEARCH_LINK.search(link.href) for link in _links(inlines)):
        return inlines
    return normalize(map_nodes(inlines, _search_link_words))


def _search_link_words(node):
    return node.children if isinstance(node, Link) and _SEARCH_LINK.search(node.href) else None
