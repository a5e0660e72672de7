"""Markdown dumps (Jina Reader, clippers) parsed with markdown-it-py into blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from build_tools.model import (
    Block,
    Break,
    Code,
    CodeBlock,
    Emph,
    Figure,
    Heading,
    Inline,
    InlineImage,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Rule,
    Strong,
    Table,
    Text,
)
from build_tools.model.errors import DumpError
from build_tools.stages.readers import Body
from build_tools.stages.readers import html as html_reader
from build_tools.stages.readers.inlines import normalize, only_images

_PARSER = MarkdownIt("commonmark", {"html": True}).enable("table")
# Parse javascript:/data: links as links (markdown-it would leave them as literal text):
# markdown_out.safe_url drops the target and keeps the words.
_PARSER.validateLink = lambda url: True
_SIGNALS = re.compile(
    r"^(#{1,6} |={3,}\s*$|-{3,}\s*$|> |\*   |\d+\.  )|!\[[^\[\]\n]*\]\(|\]\(https?://|\*\*[^*\n]+\*\*", re.M
)
# A bulleted list ("- 作者：…" then "- 发布时间：…"), counted once: a clip's field list under its "# 标题" is
# Markdown, but a text copy's own lines starting with "- " are not many signals of it.
_BULLET_RUN = re.compile(r"^[-*+] \S[^\n]*\n[-*+] \S", re.M)
# What markdown-it works hard on: emphasis, link, image, code, table, HTML and entity markers.  Each costs it
# (and the inline tree made of it) 20-90 microseconds, against well under one for a character of prose, so a
# dump that is mostly markers ("*_" repeated: 4.8 MB took 112 s and 3 GB) is refused before it is parsed.  The
# most marked-up dump in the corpora has 14,000 (a Markdown one 1,200); 50,000 of the costliest kind ("*a")
# take about as long as reading a plain 5 MB dump.
MAX_MARKERS = 50_000
_MARKER_CHARS = "*_`[]!<|&\\"
# CSDN and similar put heading anchors like {#t0} in front of the text.
_ANCHOR = re.compile(r"\{#[\w-]+\}")


@dataclass(frozen=True)
class MarkdownReader:
    name: str = "markdown"

    def matches(self, text: str) -> bool:
        head = text[:50_000]
        return len(_SIGNALS.findall(head)) + (1 if _BULLET_RUN.search(head) else 0) >= 3

    def read(self, text: str) -> Body:
        markers = sum(map(text.count, _MARKER_CHARS))
        if markers > MAX_MARKERS:
            raise TooMuchMarkup(f"too much Markdown markup to read: {markers:,} emphasis, link, code, table and "
                                f"HTML markers (limit {MAX_MARKERS:,}; an article has a few thousand)")
        tokens = _PARSER.parse(_fix_tables(_fix_comments(text)))
        blocks, _ = _blocks(tokens, 0, None)
        return Body(tuple(blocks))


class TooMuchMarkup(DumpError):  # noqa: N818 - a state of the dump, like DecodeError's reasons
    """A Markdown dump that is mostly markup: reading it would take minutes (ingest rejects it with this reason)."""


READER = MarkdownReader()


def _fix_comments(text: str) -> str:
    """An HTML comment opener that never closes would swallow the rest of the dump: show it as text."""
    lines = text.split("\n")
    closes_after = [False] * (len(lines) + 1)
    for i in range(len(lines) - 1, -1, -1):
        closes_after[i] = closes_after[i + 1] or "-->" in lines[i]
    for i, line in enumerate(lines):
        if line.lstrip().startswith("<!--") and not closes_after[i]:
            lines[i] = line.replace("<!--", "\\<!--", 1)
    return "\n".join(lines)


def _fix_tables(text: str) -> str:
    """Clippers sometimes emit the separator row above the header row; swap them back."""
    lines = text.split("\n")
    sep = re.compile(r"^\s*\|?(\s*:?-{2,}:?\s*\|)+\s*:?-*:?\s*\|?\s*$")
    for i in range(len(lines) - 1):
        above = lines[i - 1] if i else ""
        if sep.match(lines[i]) and "|" in lines[i + 1] and not sep.match(lines[i + 1]) and "|" not in above:
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
    return "\n".join(lines)


def _blocks(tokens: list[Token], pos: int, close: str | None) -> tuple[list[Block], int]:
    out: list[Block] = []
    while pos < len(tokens):
        tok = tokens[pos]
        if close and tok.type == close:
            return out, pos + 1
        if tok.type == "heading_open":
            inlines = _inline(tokens[pos + 1])
            if inlines:
                out.append(Heading(int(tok.tag[1]), inlines))
            pos += 3
        elif tok.type == "paragraph_open":
            out.extend(_paragraph(_inline(tokens[pos + 1])))
            pos += 3
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            items, pos = _list(tokens, pos + 1, tok.type.replace("_open", "_close"))
            if items:
                out.append(ListBlock(tok.type.startswith("ordered"), tuple(items)))
        elif tok.type == "blockquote_open":
            inner, pos = _blocks(tokens, pos + 1, "blockquote_close")
            if inner:
                out.append(Quote(tuple(inner)))
        elif tok.type == "table_open":
            table, pos = _table(tokens, pos + 1)
            out.append(table)
        elif tok.type in ("fence", "code_block"):
            if tok.content.strip():
                out.append(CodeBlock(tok.content.rstrip("\n"), (tok.info or "").split(" ")[0]))
            pos += 1
        elif tok.type == "hr":
            out.append(Rule())
            pos += 1
        elif tok.type == "html_block":
            out.extend(_html_block(tok.content))
            pos += 1
        else:
            pos += 1
    return out, pos


def _only_comments(content: str) -> bool:
    """Nothing but HTML comments and whitespace (read once from left to right: a hostile run of openers
    without a closer costs no rescanning)."""
    at = 0
    while True:
        start = content.find("<!--", at)
        if content[at:start if start >= 0 else len(content)].strip():
            return False
        if start < 0:
            return True
        end = content.find("-->", start + 4)
        if end < 0:
            return False
        at = end + 3


def _html_block(content: str) -> list[Block]:
    """Real page HTML is read as HTML; anything else (SVG code in a prompt, stray tags) stays visible text.

    A block of HTML comments only ("<!-- -->" a clipper leaves between paragraphs) shows nothing where the
    Markdown is rendered, so it is no block."""
    if _only_comments(content):
        return []
    if html_reader.has_page_markup(content):
        return list(html_reader.fragment_blocks(content))
    inlines: list[Inline] = []
    for line in content.strip("\n").split("\n"):
        if inlines:
            inlines.append(Break())
        inlines.append(Text(line.rstrip()))
    return [Paragraph(normalize(inlines))] if content.strip() else []


def _list(tokens: list[Token], pos: int, close: str) -> tuple[list[tuple[Block, ...]], int]:
    items: list[tuple[Block, ...]] = []
    while pos < len(tokens) and tokens[pos].type != close:
        if tokens[pos].type == "list_item_open":
            inner, pos = _blocks(tokens, pos + 1, "list_item_close")
            if inner:
                items.append(tuple(inner))
        else:
            pos += 1
    return items, pos + 1


def _table(tokens: list[Token], pos: int) -> tuple[Table, int]:
    header: list[tuple[Inline, ...]] = []
    rows: list[tuple[tuple[Inline, ...], ...]] = []
    row: list[tuple[Inline, ...]] = []
    in_head = False
    while tokens[pos].type != "table_close":
        tok = tokens[pos]
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "inline":
            row.append(_inline(tok))
        elif tok.type == "tr_close":
            if in_head:
                header = row
            else:
                rows.append(tuple(row))
        pos += 1
    return Table(tuple(header), tuple(rows)), pos + 1


def _paragraph(inlines: tuple[Inline, ...]) -> list[Block]:
    """Split images out of paragraphs; text glued right after an image is its caption."""
    if not inlines:
        return []
    if only_images(inlines):
        return [Figure(n.src, n.alt) for n in inlines if isinstance(n, InlineImage)]
    first = inlines[0]
    if isinstance(first, InlineImage):
        rest = normalize(list(inlines[1:]))
        if len(rest) == 1 and isinstance(rest[0], Strong) and len(_text(rest)) <= 30:
            return [Figure(first.src, first.alt), Heading(2, rest[0].children)]  # a section banner, then its heading
        if rest and not any(isinstance(n, InlineImage) for n in rest) and len(_text(rest)) <= 80:
            return [Figure(first.src, first.alt, rest)]
    return [Paragraph(inlines)]


def _text(inlines: tuple[Inline, ...]) -> str:
    from build_tools.model import inline_text

    return inline_text(inlines)


def _inline(token: Token) -> tuple[Inline, ...]:
    stack: list[tuple[str, list[Inline], str]] = [("root", [], "")]
    for child in token.children or []:
        kind = child.type
        if kind == "text":
            stack[-1][1].append(Text(_ANCHOR.sub("", child.content)))
        elif kind == "softbreak":
            stack[-1][1].append(Text("\n"))
        elif kind == "hardbreak":
            stack[-1][1].append(Break())
        elif kind == "code_inline":
            stack[-1][1].append(Code(child.content))
        elif kind == "image":
            alt = "".join(c.content for c in child.children or [])
            stack[-1][1].append(InlineImage(str(child.attrs.get("src", "")), alt))
        elif kind in ("strong_open", "em_open", "link_open"):
            stack.append((kind, [], str(child.attrs.get("href", ""))))
        elif kind in ("strong_close", "em_close", "link_close") and len(stack) > 1:
            opened, children, href = stack.pop()
            node: Inline
            if opened == "strong_open":
                node = Strong(tuple(children))
            elif opened == "em_open":
                node = Emph(tuple(children))
            else:
                node = Link(href, tuple(children))
            stack[-1][1].append(node)
        elif kind == "html_inline" and re.match(r"<br\s*/?>", child.content, re.I):
            stack[-1][1].append(Break())
    while len(stack) > 1:
        _, children, _ = stack.pop()
        stack[-1][1].extend(children)
    return _cjk_emphasis(normalize(stack[0][1]))


_LITERAL_STRONG = re.compile(r"\*\*([^*\n]+?)\*\*")
_STRAY_STARS = re.compile(r"\*{2,}")


def _cjk_emphasis(inlines: tuple[Inline, ...]) -> tuple[Inline, ...]:
    """CommonMark's flanking rules leave `**标签：**正文` unparsed next to CJK punctuation.

    WeChat editors write exactly that, so a `**…**` pair left as literal text
    becomes bold, and leftover runs of asterisks (broken editor markup) go.
    """
    out: list[Inline] = []
    for node in inlines:
        if isinstance(node, Text) and "**" in node.text:
            pos = 0
            for found in _LITERAL_STRONG.finditer(node.text):
                out.append(Text(_STRAY_STARS.sub("", node.text[pos: found.start()])))
                out.append(Strong((Text(found.group(1)),)))
                pos = found.end()
            out.append(Text(_STRAY_STARS.sub("", node.text[pos:])))
        elif isinstance(node, (Strong, Emph, Link)):
            out.append(type(node)(**{**node.__dict__, "children": _cjk_emphasis(node.children)}))
        else:
            out.append(node)
    return normalize(out)
