"""Keep the article and nothing else.

Each rule looks at structure, not at one portal's strings: position (head
furniture, what follows the end of the article), runs of short lines and
timestamps, dense link lists, lines repeated within the dump, and the short
furniture lines listed in rules/generic.yml.  Portal knowledge comes from
rules/portals.yml.  Every dropped block is kept in ``article.removed`` with
the rule that dropped it, so metadata can still read bylines and editors can
see (and override) what was removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from build_tools.config.rules import Portal, Rules, any_search, load_rules
from build_tools.model import (
    DECORATION,
    Article,
    Block,
    Failure,
    Figure,
    Heading,
    Paragraph,
    Removed,
    Rule,
    Text,
    block_text,
    iter_images,
    iter_links,
    line_key,
    map_inlines,
    visible,
)
from build_tools.stages.shape import shape

_DECOR = DECORATION
_TIMESTAMP = re.compile(r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(\s+\d{1,2}:\d{2}(:\d{2})?)?$")
# "2025-02-22 10:49 来源：澎湃新闻", "2025年02月22日 10:49 新浪财经", "2025-02-22·头条号": a dateline.
_DATELINE = re.compile(
    r"(^|[\s·|｜])\d{4}([-/.])\d{1,2}\2\d{1,2}(\s+\d{1,2}:\d{2}(:\d{2})?)?|\d{4}年\d{1,2}月\d{1,2}日"
)
_BREADCRUMB = re.compile(r"^[^>›»]{1,16}\s[>›»]\s[^>›»]{1,16}(\s[>›»]\s[^>›»]{1,16})*")
_NOT_CAPTION = re.compile(r"编译|編譯|转载|轉載|作者|谢谢|謝謝|授权|授權")
_CARD_MARK = re.compile(r"^\d+\s*篇原创内容$|^\d+\s*篇原創內容$|文章数\s*\d*\s*关注度")
_CAPTION_HINT = re.compile(
    r"图片来源|圖片來源|图源|圖源|图片[:：]|^图[:：\d]|^圖[:：\d]|来源[:：]|來源[:：]|摄影|攝影|^[(（]图|截图|截圖"
)
_URLISH = re.compile(r"^(https?://|www\.)\S+$")


_MENU_SPLIT = re.compile(r"[\s|｜/·]+")
_MENU_NOT = re.compile(r"[，。,：:]|发自|作者")
_MARKS = re.compile(r"[*_\\]+")
_ORIGINAL = re.compile(r"^(原创|原創|Original)(\s|$)")
_SENT_FROM = re.compile(r"\s发自\s")
_ORIGINAL_TITLE = re.compile(r"^(原标题|原標題)[:：]")
_REPORTED = re.compile(r"\S{2,12}(报道|報道|讯|訊|消息)")
_ACCOUNT = re.compile(r"公众号|公眾號|微信号|微信號")
_SENTENCE_END = re.compile(r"[。！？]")
_CARD_PUNCT = re.compile(r"[，。！？：、,.!?:;；|｜]")
_POINTER = re.compile(r"👆|上方|上面")
_INTRODUCES = re.compile(r"(推荐|推薦|阅读|閱讀|文章|回顾|回顧)\S{0,6}[:：]?$")
_TAG = re.compile(r"<[^>]*>")
_MENU_WORD_NOT = re.compile(r"[，。！？：、,.!?:;；]")
_PROSE_END = re.compile(r"[。！]")
_DECORATIVE = re.compile(r"gif|qr|code|banner", re.I)
_STAMP_END = re.compile(r"\d{4}-\d{2}-\d{2}\s\d{2}:\d{2}(:\d{2})?$")
_ENTRY_END = re.compile(r"[。！？!?]$")
_NAME_NOT = re.compile(r"[。，,！？；]")

# Whether a short line matches any of a tuple of patterns, remembered across dumps: the same
# furniture lines recur in dump after dump.
_MATCHERS: dict[tuple[re.Pattern[str], ...], Callable[[str], bool]] = {}
_MATCHER_MEMO = 50_000


def _matcher(patterns: tuple[re.Pattern[str], ...]) -> Callable[[str], bool]:
    found = _MATCHERS.get(patterns)
    if found is None:
        memo: dict[str, bool] = {}
        search = any_search(patterns)

        def found(text: str) -> bool:
            hit = memo.get(text)
            if hit is None:
                hit = search(text)
                if len(memo) >= _MATCHER_MEMO:
                    memo.clear()
                memo[text] = hit
            return hit

        if len(_MATCHERS) >= 64:
            _MATCHERS.clear()
        _MATCHERS[patterns] = found
    return found


class _Cleaner:
    def __init__(self, article: Article, rules: Rules, portals: Sequence[Portal]):
        self.rules = rules
        self.portals = portals
        self.removed: list[Removed] = []
        self.titles = {_norm(h.value) for h in article.hint_values("title")}
        self.junk = rules.junk_lines + tuple(p for portal in portals for p in portal.junk_lines)
        self._is_junk_text = _matcher(self.junk)
        # id(block) -> (block, block_text, visible text): every rule asks for the same texts, and
        # holding the block keeps its id from being reused while the cleaner lives.
        self._texts: dict[int, tuple[Block, str, str]] = {}
        self._norms: dict[str, str] = {}

    def _entry(self, block: Block) -> tuple[Block, str, str]:
        entry = self._texts.get(id(block))
        if entry is None or entry[0] is not block:
            text = block_text(block)
            entry = (block, text, text.strip().strip(_DECOR).strip())
            self._texts[id(block)] = entry
        return entry

    def visible(self, block: Block) -> str:
        entry = self._texts.get(id(block))
        if entry is not None and entry[0] is block:
            return entry[2]
        return self._entry(block)[2]

    def text(self, block: Block) -> str:
        return self._entry(block)[1]

    def caption(self, block: Block) -> str:
        return self.visible(block) if isinstance(block, Figure) else ""

    def bare_image(self, block: Block) -> bool:
        return isinstance(block, Figure) and not self.caption(block)

    def is_name_line(self, block: Block) -> bool:
        return _is_name_line(block, self.visible(block))

    def drop(self, block: Block, rule: str) -> None:
        text = self.text(block).strip()
        if text or isinstance(block, Figure):
            self.removed.append(Removed(text or getattr(block, "src", ""), rule))

    def is_junk_line(self, block: Block) -> bool:
        text = self.visible(block)
        if isinstance(block, Figure) or len(text) > self.rules.short_line_max:
            return False
        return self._is_junk_text(text)

    def is_menu(self, block: Block) -> bool:
        """A row of short navigation words: 首页 新闻 体育 娱乐 财经 …"""
        text = self.visible(block)
        if not isinstance(block, Paragraph) or len(text) > 50:
            return False
        tokens = _MENU_SPLIT.split(text)
        return len(tokens) >= 5 and all(1 <= len(t) <= 4 for t in tokens) and not _MENU_NOT.search(text)

    def is_spam(self, block: Block) -> bool:
        text = self.visible(block)
        if len(text) >= 200:
            return False
        hits = 0
        needed = self.rules.spam_min_hits
        for word in self.rules.spam_words:
            if word in text:
                hits += 1
        return hits >= needed

    def norm(self, text: str) -> str:
        key = self._norms.get(text)
        if key is None:
            key = self._norms[text] = _norm(text)
        return key

    # --- head -----------------------------------------------------------------

    def strip_head(self, blocks: list[Block]) -> list[Block]:
        """Breadcrumbs and whatever a scraper put above them."""
        for i, block in enumerate(blocks[:8]):
            text = self.visible(block)
            if isinstance(block, Paragraph) and _BREADCRUMB.match(text) and len(text) < 80:
                for dropped in blocks[: i + 1]:
                    self.drop(dropped, "head:breadcrumb")
                return blocks[i + 1:]
        return blocks

    def find_title(self, blocks: list[Block]) -> tuple[list[Block], str | None]:
        """A text dump's title is the first title-like line above the first real paragraph."""
        for i, block in enumerate(blocks[:6]):
            text = self.visible(block)
            if _is_prose(text) and not isinstance(block, Heading):
                break
            if isinstance(block, (Paragraph, Heading)) and 6 <= len(text) <= 80 and not text.endswith("。"):
                if self.is_junk_line(block) or self.rules.byline.match(text) or _TIMESTAMP.match(text):
                    continue
                self.drop(block, "head:title")
                # Whatever sits above a text dump's title is site chrome: logo, menu, login links.
                above = [b for b in blocks[:i] if len(self.visible(b)) <= 20]
                for dropped in above:
                    self.drop(dropped, "head:above-title")
                return [b for b in blocks[:i] if b not in above] + self._author_card(blocks[i + 1:]), text
        return blocks, None

    def drop_menu_runs(self, blocks: list[Block]) -> list[Block]:
        """Three or more one-word lines in a row near either end: a menu or an action bar."""
        short = [isinstance(b, Paragraph) and _is_menu_word(self.visible(b)) for b in blocks]
        doomed: set[int] = set()
        i = 0
        while i < len(blocks):
            j = i
            while j < len(blocks) and short[j]:
                j += 1
            near_edge = i < 10 or j > len(blocks) - 10
            if j - i >= 3 and near_edge:
                doomed.update(range(i, j))
            i = max(j, i + 1)
        for n in sorted(doomed):
            self.drop(blocks[n], "menu")
        return [b for n, b in enumerate(blocks) if n not in doomed]

    def strip_suffixes(self, blocks: list[Block]) -> list[Block]:
        """Portal text glued onto the end of a paragraph."""
        out = []
        for block in blocks:
            if isinstance(block, Paragraph) and block.inlines and isinstance(block.inlines[-1], Text):
                last = block.inlines[-1].text
                for pattern in self.rules.junk_suffixes:
                    found = pattern.search(last)
                    if found and found.start() > 0:
                        self.removed.append(Removed(found.group(0), "junk-suffix"))
                        block = replace(block, inlines=block.inlines[:-1] + (Text(last[: found.start()].rstrip()),))
                        break
            out.append(block)
        return out

    def _author_card(self, blocks: list[Block]) -> list[Block]:
        """Between a text dump's title and its first sentence: name, title, follower lines of an author card."""
        first_prose = next(
            (n for n, b in enumerate(blocks[:6]) if _is_prose(self.visible(b)) or not isinstance(b, Paragraph)), None
        )
        if first_prose is None:
            return blocks
        n = first_prose
        for block in blocks[:n]:
            text = self.visible(block)
            if len(text) > 16 or _CARD_PUNCT.search(text) or self.rules.byline.match(text):
                return blocks
        card = [b for b in blocks[:n] if not _TIMESTAMP.match(self.visible(b))]
        for dropped in card:
            self.drop(dropped, "head:author-card")
        return [b for b in blocks[:n] if b not in card] + blocks[n:]

    def head_furniture(self, blocks: list[Block]) -> list[Block]:
        """Bylines, timestamps and placeholder names near the top leave the body (metadata reads them)."""
        kept: list[Block] = []
        window = self.rules.byline_window
        for i, block in enumerate(blocks):
            text = _MARKS.sub("", self.visible(block)).strip()
            if i < window and not isinstance(block, Figure) and len(text) <= 80:
                if _TIMESTAMP.match(text):
                    self.drop(block, "head:date")
                    continue
                if text in self.rules.placeholder_names:
                    self.drop(block, "head:placeholder")
                    continue
                if self.rules.byline.match(text) and not isinstance(block, Heading):
                    self.drop(block, "head:byline")
                    continue
                if _ORIGINAL.match(text) or _SENT_FROM.search(text):
                    self.drop(block, "head:byline")
                    continue
                if _ORIGINAL_TITLE.match(text) or _REPORTED.fullmatch(text):
                    self.drop(block, "head:byline")
                    continue
                if _ACCOUNT.search(text) and len(text) <= 40:
                    self.drop(block, "head:byline")
                    continue
                if _DATELINE.search(text) and not _SENTENCE_END.search(text) and len(text) <= 60:
                    self.drop(block, "head:dateline")
                    continue
            kept.append(block)
        return kept

    # --- tail -----------------------------------------------------------------

    def cut_end(self, blocks: list[Block]) -> list[Block]:
        texts = [self.visible(b) for b in blocks]
        total = sum(len(text) for text in texts) or 1
        seen = 0
        is_end = any_search(self.rules.end_markers)
        for i, text in enumerate(texts):
            if (
                seen >= self.rules.end_min_chars
                and seen / total >= self.rules.end_min_fraction
                and len(text) <= 300
                and is_end(text)
            ):
                for dropped in blocks[i:]:
                    self.drop(dropped, "tail:after-end")
                return blocks[:i]
            seen += len(text)
        return blocks

    def tail_credits(self, blocks: list[Block]) -> list[Block]:
        """Credits after the last paragraph (排版｜…, 校对｜…) are furniture."""
        kept = list(blocks)
        texts = [i for i, b in enumerate(kept) if not isinstance(b, Figure)]
        for i in reversed(texts[-6:]):
            bare = _MARKS.sub("", self.visible(kept[i])).strip().strip("（）()【】[]")
            credit = _CAPTION_HINT.search(bare) and (i == 0 or not isinstance(kept[i - 1], Figure))
            if len(bare) <= 40 and (self.rules.byline.match(bare) or credit):
                self.drop(kept.pop(i), "tail:byline")
            elif len(bare) > 40:
                break
        return kept

    def trim_edges(self, blocks: list[Block]) -> list[Block]:
        """Decorative images (banners, QR codes, gifs) before the first and after the last text."""
        trailing = 0
        while trailing < len(blocks) and self.bare_image(blocks[-1 - trailing]):
            trailing += 1
        # One screenshot closing a section is content; a stack of images after the text is cards and QR codes.
        while blocks and (isinstance(blocks[-1], Rule) or (
            isinstance(blocks[-1], Figure) and not self.caption(blocks[-1])
            and (trailing >= 2 or _is_decorative(blocks[-1]))
        )):
            self.drop(blocks.pop(), "tail:image")
        while blocks and isinstance(blocks[0], Figure) and _is_decorative(blocks[0]):
            self.drop(blocks.pop(0), "head:image")
        while blocks and isinstance(blocks[0], Rule):
            blocks.pop(0)
        return blocks

    # --- anywhere ---------------------------------------------------------------

    def attach_captions(self, blocks: list[Block]) -> list[Block]:
        """A short credit line right under a captionless image is that image's caption."""
        out: list[Block] = []
        for block in blocks:
            prev = out[-1] if out else None
            text = self.visible(block)
            if (
                isinstance(block, Paragraph) and isinstance(prev, Figure) and not prev.caption
                and len(text) <= 100 and _CAPTION_HINT.search(text) and not _NOT_CAPTION.search(text)
            ):
                out[-1] = Figure(prev.src, prev.alt, block.inlines)
                continue
            out.append(block)
        return out

    def drop_lines(self, blocks: list[Block]) -> list[Block]:
        kept: list[Block] = []
        seen: set[str] = set()
        for block in blocks:
            text = self.visible(block)
            if len(text) <= 40 and _CARD_MARK.search(text):
                # The account's name (and its blurb) sit right above its card, its avatar above the name.
                for back in range(1, min(3, len(kept)) + 1):
                    if self.is_name_line(kept[-back]):
                        start = len(kept) - back
                        if start and isinstance(kept[start - 1], Figure) and not kept[start - 1].caption:
                            start -= 1
                        for dropped in kept[start:]:
                            self.drop(dropped, "account-card")
                        del kept[start:]
                        break
                self.drop(block, "account-card")
            elif self.is_spam(block):
                self.drop(block, "spam")
            elif self.is_junk_line(block):
                self.drop(block, "junk-line")
                pointer = _POINTER.search(self.text(block))
                if kept and isinstance(kept[-1], Figure) and not kept[-1].caption and pointer:
                    self.drop(kept.pop(), "junk-line:image")
            elif self.is_menu(block):
                self.drop(block, "menu")
            else:
                # The key matters only to a short line, or near the top while there are titles to repeat.
                short = len(text) <= 100
                key = self.norm(text) if short or (self.titles and len(kept) < 12) else ""
                if key and key in self.titles and len(kept) < 12:
                    self.drop(block, "title-repeat")
                elif key and short and key in seen and not isinstance(block, Figure):
                    self.drop(block, "repeated-line")
                else:
                    kept.append(block)
                    if short:
                        seen.add(key)
        return kept

    def drop_link_lists(self, blocks: list[Block]) -> list[Block]:
        flags = [_link_dominated(b, self.text(b)) for b in blocks]
        runs = [
            flags[i] and ((i > 0 and flags[i - 1]) or (i + 1 < len(blocks) and flags[i + 1]))
            for i in range(len(blocks))
        ]
        kept = []
        for i, block in enumerate(blocks):
            introduces = (
                i + 1 < len(blocks) and runs[i + 1] and not runs[i]
                and _INTRODUCES.search(self.visible(block))
            )
            if runs[i] or introduces:
                self.drop(block, "link-list")
            else:
                kept.append(block)
        return kept

    def drop_timestamp_runs(self, blocks: list[Block]) -> list[Block]:
        """Related-article lists: title / account / timestamp, repeated."""
        texts = [self.visible(b) for b in blocks]
        stamps = [i for i, text in enumerate(texts) if _TIMESTAMP.match(text) or _ends_with_stamp(text)]
        doomed: set[int] = set()
        for a, b in zip(stamps, stamps[1:], strict=False):
            if b - a <= 5:
                start = a
                # An entry is title / account lines above its timestamp: short, never prose.
                while start > 0 and a - start < 4 and _is_entry_line(self.visible(blocks[start - 1])):
                    start -= 1
                doomed.update(range(start, b + 1))
        kept = []
        for i, block in enumerate(blocks):
            if i in doomed and len(self.visible(block)) <= 120:
                self.drop(block, "timestamp-run")
            else:
                kept.append(block)
        return kept


def clean(article: Article, rules: Rules | None = None) -> Article | Failure:
    rules = rules or load_rules()
    url = next((h.value for h in article.hint_values("url")), None)
    portals = rules.portals_for(url, article.text[:3000])
    cleaner = _Cleaner(article, rules, portals)
    blocks = list(article.blocks)
    blocks = cleaner.strip_head(blocks)
    blocks = cleaner.cut_end(blocks)
    blocks = cleaner.drop_timestamp_runs(blocks)
    blocks = cleaner.drop_link_lists(blocks)
    blocks = cleaner.drop_lines(blocks)
    blocks = cleaner.drop_menu_runs(blocks)
    blocks = cleaner.strip_suffixes(blocks)
    hints = list(article.hints)
    if not article.hint_values("title"):
        blocks, title = cleaner.find_title(blocks)
        if title:
            from build_tools.model import Hint

            hints.append(Hint("title", title, "text-head"))
            cleaner.titles.add(_norm(title))
            blocks = cleaner.drop_lines(blocks)
    blocks = cleaner.attach_captions(blocks)
    blocks = cleaner.head_furniture(blocks)
    blocks = cleaner.tail_credits(blocks)
    blocks = cleaner.trim_edges(blocks)
    blocks = [unwrap_search_links(b) for b in blocks]
    blocks = list(shape(blocks, plain_text=article.format.endswith("text")))
    cleaned = replace(article, blocks=tuple(blocks), removed=article.removed + tuple(cleaner.removed),
                      hints=tuple(hints))
    return _accept(cleaned, rules)


def _accept(article: Article, rules: Rules) -> Article | Failure:
    body = "".join(block_text(b) for b in article.blocks)
    chars = sum(map(len, body.split()))  # len(re.sub(r"\s", "", body)): str.split and \s agree on whitespace
    if chars >= rules.min_body_chars * 4:
        return article
    # A block page says so in a short line of its own; an article quoting such a notice says it in a sentence.
    lines = (_TAG.sub(" ", line).strip() for line in article.text.split("\n"))
    short_lines = [line for line in lines if 0 < len(line) <= 40]
    for kind, pattern in rules.reject_patterns:
        if any(_states(pattern, line) for line in short_lines):
            return Failure(article.raw_path, "clean", _REASONS[kind])
    if chars < rules.min_body_chars:
        if not body.strip():
            kept = "title only" if article.hint_values("title") or article.removed else "no text"
            return Failure(article.raw_path, "clean", f"not an article: {kept}, no body text after cleaning")
        return Failure(
            article.raw_path, "clean",
            f"not an article: only {chars} characters of body text after removing boilerplate "
            f"(minimum {rules.min_body_chars})",
        )
    return article


_REASONS = {
    "captcha": "not an article: anti-crawler / captcha page",
    "deleted": "not an article: the article was deleted by its publisher",
    "login_wall": "not an article: login wall",
    "not_found": "not an article: 404 / page not found",
}


_norm = line_key


def _is_menu_word(text: str) -> bool:
    return 1 <= len(text) <= 6 and not _MENU_WORD_NOT.search(text)


def _is_prose(text: str) -> bool:
    """Body text, not a title: long, or a sentence that ends (a question mark alone ends many titles)."""
    return len(text) >= 50 or (len(text) >= 20 and bool(_PROSE_END.search(text)))


def _caption(block: Block) -> str:
    return visible(block) if isinstance(block, Figure) else ""


def _is_decorative(block: Figure) -> bool:
    return not block.caption and bool(_DECORATIVE.search(block.src))


def _ends_with_stamp(text: str) -> bool:
    return len(text) <= 60 and bool(_STAMP_END.search(text))


def _link_dominated(block: Block, text: str | None = None) -> bool:
    """A block that is essentially a link to another page (a related-article entry or card)."""
    inlines = getattr(block, "inlines", None)
    if inlines is None:
        return False
    links = list(iter_links(inlines))
    if not links:
        return False
    text = (block_text(block) if text is None else text).strip().strip(_DECOR)
    linked = sum(len(block_text(Paragraph(link.children)).strip()) for link in links)
    has_image_link = any(list(iter_images(link.children)) for link in links)
    if _URLISH.match(text):
        return False  # a bare reference URL is the author's citation
    return has_image_link or (len(text) <= 80 and linked >= 0.6 * max(1, len(text)))


# --- across dumps -------------------------------------------------------------

_SEARCH_LINK = re.compile(r"[/.](search|so)[/?.]|[?&](q|wd|keyword|query)=", re.I)


def unwrap_search_links(block: Block) -> Block:
    """Portals auto-link keywords to their own site search (CSDN, Baidu…): keep the words, drop the link."""
    if isinstance(block, (Paragraph, Heading)) and not _has_link(block.inlines):
        return block  # what map_inlines would rebuild, unchanged
    return map_inlines(block, _unwrap)


def _has_link(inlines) -> bool:
    return any(True for _ in iter_links(inlines))


def _unwrap(inlines):
    from build_tools.model import Emph, Link, Strong

    if not any(_SEARCH_LINK.search(link.href) for link in iter_links(inlines)):
        return inlines
    out = []
    for node in inlines:
        if isinstance(node, Link) and _SEARCH_LINK.search(node.href):
            out.extend(_unwrap(node.children))
        elif isinstance(node, (Strong, Emph, Link)):
            out.append(replace(node, children=tuple(_unwrap(node.children))))
        else:
            out.append(node)
    from build_tools.stages.readers.inlines import normalize

    return normalize(out)


def _states(pattern: re.Pattern[str], line: str) -> bool:
    """The line shows the notice itself, not a sentence quoting it (“…该内容已被删除…”)."""
    for found in pattern.finditer(line):
        before = line[: found.start()]
        if before.count("“") + before.count("「") + before.count('"') <= before.count("”") + before.count("」"):
            return True
    return False


def _bare_image(block: Block) -> bool:
    return isinstance(block, Figure) and not _caption(block)


def _is_entry_line(text: str) -> bool:
    return len(text) <= 60 and not _ENTRY_END.search(text)


def _is_name_line(block: Block, text: str | None = None) -> bool:
    text = visible(block) if text is None else text
    if isinstance(block, Heading):
        return len(text) <= 30
    return isinstance(block, Paragraph) and 2 <= len(text) <= 20 and not _NAME_NOT.search(text)
