"""Blocks → CommonMark-style Markdown that Python-Markdown renders as intended.

Everything that came from a dump is escaped: it can never become HTML, a
link with a dangerous scheme, an attribute list or a template expression.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from .model import (
    Block,
    Break,
    Code,
    CodeBlock,
    Emph,
    EntityRef,
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
    Turn,
    inline_text,
)

SAFE_SCHEMES = {"http", "https", "mailto"}
_ESCAPE = re.compile(r"([\\`*_{}\[\]|])")
_LINE_START = re.compile(r"^(\s*)(\d+)([.)])")
_START_MARK = re.compile(r"^(\s*)([-+#])")


def escape_inline(text: str) -> str:
    """Escape text so Python-Markdown shows it literally (no HTML, links, emphasis, attr lists, Jinja)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _ESCAPE.sub(r"\\\1", text)
    text = re.sub(r"\s*\n\s*", " ", text)
    text = _START_MARK.sub(r"\1\\\2", text)
    return _LINE_START.sub(r"\1\2\\\3", text)


def safe_url(url: str, entity_link: bool = False) -> str | None:
    url = url.strip()
    if entity_link:
        return url
    parts = urlsplit(url)
    if parts.scheme.lower() not in SAFE_SCHEMES or not (parts.netloc or parts.scheme == "mailto"):
        return None
    return quote(url, safe="/:?&=#%+@,;~!$*'.-_[]")


def inlines_md(inlines: tuple[Inline, ...], entity_prefix: str = "../entities/") -> str:
    out: list[str] = []
    for node in inlines:
        if isinstance(node, Text):
            out.append(escape_inline(node.text))
        elif isinstance(node, Code):
            ticks = "`" * (max((len(m) for m in re.findall(r"`+", node.text)), default=0) + 1)
            body = node.text.replace("\n", " ")
            out.append(f"{ticks} {body} {ticks}" if body.strip() else "")
        elif isinstance(node, Strong):
            inner = inlines_md(node.children, entity_prefix).strip()
            out.append(f"**{inner}**" if inner else "")
        elif isinstance(node, Emph):
            inner = inlines_md(node.children, entity_prefix).strip()
            out.append(f"*{inner}*" if inner else "")
        elif isinstance(node, Link):
            inner = inlines_md(node.children, entity_prefix).strip()
            url = safe_url(node.href)
            if url and inner:
                out.append(f"[{inner}]({url})")
            else:
                out.append(inner)
        elif isinstance(node, EntityRef):
            inner = inlines_md(node.children, entity_prefix)
            out.append(f"[{inner}]({entity_prefix}{node.entity_id}.md){{ .entity-link }}")
        elif isinstance(node, InlineImage):
            url = safe_url(node.src)
            if url:
                out.append(f"![{escape_inline(node.alt)}]({url})")
        elif isinstance(node, Break):
            out.append("  \n")
    return "".join(out)


def block_md(block: Block) -> str:
    if isinstance(block, Paragraph):
        return inlines_md(block.inlines)
    if isinstance(block, Heading):
        text = inlines_md(block.inlines).replace("  \n", " ")
        # A closing run of # would be read as the heading's optional closing sequence.
        return "#" * block.level + " " + (text[:-1] + "\\#" if text.endswith("#") else text)
    if isinstance(block, Turn):
        speaker = escape_inline(block.speaker)
        if block.is_question:
            return f"**{speaker}：{escape_inline(inline_text(block.inlines))}**\n{{ .qa-question }}"
        return f"**{speaker}：** {inlines_md(block.inlines)}\n{{ .qa-answer }}"
    if isinstance(block, Quote):
        inner = blocks_md(block.blocks)
        return "\n".join("> " + line if line else ">" for line in inner.split("\n"))
    if isinstance(block, ListBlock):
        items = []
        for n, item in enumerate(block.items, 1):
            marker = f"{n}. " if block.ordered else "- "
            body = blocks_md(item).replace("\n", "\n    ")
            items.append(marker + body)
        return "\n".join(items)
    if isinstance(block, Table):
        return _table_md(block)
    if isinstance(block, Figure):
        return _figure_md(block)
    if isinstance(block, CodeBlock):
        fence = "`" * max(3, max((len(m) for m in re.findall(r"`{3,}", block.text)), default=0) + 1)
        lang = block.lang if re.fullmatch(r"[A-Za-z0-9_+-]{1,20}", block.lang or "") else ""
        return f"{fence}{lang}\n{block.text}\n{fence}"
    if isinstance(block, Rule):
        return "---"
    return ""


def blocks_md(blocks: tuple[Block, ...] | list[Block]) -> str:
    parts = [block_md(b) for b in blocks]
    return "\n\n".join(p for p in parts if p.strip())


def _figure_md(block: Figure) -> str:
    lines = []
    url = safe_url(block.src) if block.src else None
    if url:
        alt = escape_inline(block.alt or inline_text(block.caption) or "图片")
        lines.append(f"![{alt}]({url}){{ loading=lazy }}")
    if block.caption:
        lines.append(f"*{inlines_md(block.caption).strip()}*\n{{ .caption }}")
    return "\n\n".join(lines)


def _table_md(block: Table) -> str:
    rows = [list(block.header)] if block.header else []
    rows += [list(r) for r in block.rows]
    if not rows:
        return ""
    width = max(len(r) for r in rows)

    def cell(c: tuple[Inline, ...]) -> str:
        return inlines_md(c).replace("  \n", " ").strip() or " "

    lines = []
    for i, row in enumerate(rows):
        cells = [cell(c) for c in row] + [" "] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
        if i == 0:
            lines.append("|" + "---|" * width)
    return "\n".join(lines)
