"""Blocks → CommonMark-style Markdown that Python-Markdown renders as intended.

Everything that came from a dump is escaped: it can never become HTML, a
link with a dangerous scheme, an attribute list, a block construct of one of
the extensions in mkdocs.yml (admonitions, details, fences, tables, setext
headings) or a template expression.  Links and images are the only markup a
dump can produce, and only with http(s)/mailto URLs:

* external links get ``rel="noopener noreferrer nofollow"``;
* images get ``referrerpolicy="no-referrer"`` (hotlink-protected CDNs such
  as mmbiz.qpic.cn refuse requests that carry a foreign Referer, and no
  third party needs to learn which page a reader is on) and ``loading=lazy``.

Output size per Markdown block is bounded (``MAX_BLOCK_CHARS``, ``MAX_DEPTH``):
Python-Markdown's inline pass is superlinear in the number of escapes in one
block and recursive in nesting depth, so a hostile dump with a megabyte-long
line or thousands of nested quotes would otherwise stall or crash ``mkdocs
build``.  Over-long paragraphs are split at sentence ends; over-deep nesting
is flattened.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from build_tools.markup import CONTROLS, LINE_BREAKS, escape_inline, image_url, is_external, safe_url
from build_tools.model import (
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
    block_text,
    inline_text,
)
from build_tools.stages.images import STORE_NAME

EXTERNAL_LINK_ATTRS = '{ rel="noopener noreferrer nofollow" }'
IMAGE_ATTRS = '{ referrerpolicy="no-referrer" loading=lazy }'
LOCAL_IMAGE_ATTRS = "{ loading=lazy }"
# The image store (docs/assets/images) as an article page (docs/articles/<slug>.md) reaches it.
IMAGE_STORE = "../assets/images/"
# A caption whose picture the dump lost (or whose address cannot be shown) says so.
MISSING_IMAGE = "［图片缺失］"
# Visible characters per Markdown paragraph, table cell or heading.
MAX_BLOCK_CHARS = 2000
MAX_HEADING_CHARS = 200
# Quote / list nesting kept as structure; anything deeper is flattened to paragraphs.
MAX_DEPTH = 6


def inlines_md(inlines: tuple[Inline, ...], entity_prefix: str = "../entities/", line_start: bool = True) -> str:
    """Inline content as Markdown.  ``line_start``: the output begins a Markdown line."""
    out: list[str] = []
    at_start = line_start
    last_mark = ""  # the emphasis delimiter the last written piece ends with
    for node in _tidy(inlines):
        piece = ""
        if isinstance(node, Text):
            piece = escape_inline(node.text, line_start=at_start)
        elif isinstance(node, Code):
            # Code spans show their text verbatim (Python-Markdown escapes it): only line breaks and
            # control characters go, so the span can never end the line it stands on.
            body = LINE_BREAKS.sub(" ", node.text).translate(CONTROLS)
            if body.strip():
                ticks = "`" * (max((len(m) for m in re.findall(r"`+", body)), default=0) + 1)
                piece = f"{ticks} {body} {ticks}"
        elif isinstance(node, Strong):
            inner = inlines_md(node.children, entity_prefix, line_start=False).strip()
            piece = f"**{inner}**" if inner else ""
        elif isinstance(node, Emph):
            inner = inlines_md(node.children, entity_prefix, line_start=False).strip()
            piece = f"*{inner}*" if inner else ""
        elif isinstance(node, Link):
            inner = inlines_md(node.children, entity_prefix, line_start=False).strip()
            url = safe_url(node.href)
            piece = inner
            if url and inner:
                piece = f"[{inner}]({url})" + (EXTERNAL_LINK_ATTRS if is_external(url) else "")
        elif isinstance(node, EntityRef):
            inner = inlines_md(node.children, entity_prefix, line_start=False)
            piece = f"[{inner}]({entity_prefix}{node.entity_id}.md){{ .entity-link }}"
        elif isinstance(node, InlineImage):
            piece = _image_md(node.src, node.local, escape_inline(node.alt, line_start=False))
        elif isinstance(node, Break):
            out.append("  \n")
            at_start = True
            last_mark = ""
            continue
        if piece:
            mark = "**" if isinstance(node, Strong) else "*" if isinstance(node, Emph) else ""
            if mark and last_mark == mark:
                # two bolds (or italics) with nothing written between them (_tidy merged the nodes, but an
                # empty text, code span or image between them writes nothing): one span, not "**a****b**"
                out[-1] = out[-1][: -len(mark)]
                piece = piece[len(mark) :]
            if piece[0] == "`" and out and out[-1].endswith("`"):
                # Two code spans side by side would merge their backtick runs into one unmatched
                # delimiter, and the first span's text would be read as raw HTML.
                out.append(" ")
            out.append(piece)
            last_mark = mark
            at_start = False
    return "".join(out)


def _tidy(inlines: tuple[Inline, ...], inside: frozenset[type] = frozenset()) -> list[Inline]:
    """Emphasis that Markdown can write: no bold inside bold or italics inside italics, and neighbours of
    one kind merged — "**a****b**" or "****a****" become runs of four asterisks that Python-Markdown
    parses into a tangle (and an attribute list after a link inside them shows up as text)."""
    out: list[Inline] = []
    for node in _unlinked(inlines):
        if isinstance(node, (Strong, Emph)):
            children = _tidy(node.children, inside | {type(node)})
            if type(node) in inside:
                out.extend(children)
                continue
            if out and type(out[-1]) is type(node):
                out[-1] = type(node)(out[-1].children + tuple(children))
                continue
            out.append(type(node)(tuple(children)))
        elif isinstance(node, (Link, EntityRef)):
            out.append(type(node)(**{**node.__dict__, "children": tuple(_tidy(node.children, inside))}))
        else:
            out.append(node)
    return out


def _unlinked(inlines: tuple[Inline, ...]) -> list[Inline]:
    """A link whose address cannot be shown (javascript:, data:, …) as its content, before neighbours are
    merged: its bold beside a bold made "**a****b**" again."""
    out: list[Inline] = []
    for node in inlines:
        if isinstance(node, Link) and not safe_url(node.href):
            out.extend(_unlinked(node.children))
        else:
            out.append(node)
    return out


# Blocks whose first line may stand on a list marker's line.
_OPENS_ON_MARKER_LINE = (Paragraph, Heading, Turn)


def block_md(block: Block, depth: int = 0) -> str:
    if isinstance(block, Paragraph):
        return _paragraphs(block.inlines)
    if isinstance(block, Heading):
        if len(inline_text(block.inlines)) > MAX_HEADING_CHARS:
            return _paragraphs(block.inlines)
        text = inlines_md(block.inlines, line_start=False).replace("  \n", " ").strip()
        if not text:
            return ""
        level = min(6, max(1, block.level))
        return "#" * level + " " + text
    if isinstance(block, Turn):
        speaker = escape_inline(block.speaker, line_start=False)
        chunks = list(_chunks(block.inlines))
        if block.is_question:
            # Every paragraph of a question is bold, not only the one that carries the speaker.
            first = escape_inline(inline_text(chunks[0] if chunks else ()), line_start=not speaker)
            head = f"**{speaker}：{first}**\n{{ .qa-question }}" if speaker else f"**{first}**\n{{ .qa-question }}"
            rest = [f"**{escape_inline(inline_text(c))}**\n{{ .qa-question }}" for c in chunks[1:]
                    if inline_text(c).strip()]
            return "\n\n".join([head, *rest])
        first = inlines_md(chunks[0], line_start=False) if chunks else ""
        head = f"**{speaker}：** {first}\n{{ .qa-answer }}"
        return "\n\n".join([head] + [inlines_md(c) for c in chunks[1:]])
    if isinstance(block, Quote):
        inner = blocks_md(block.blocks, depth + 1) if depth < MAX_DEPTH else _flat(block.blocks)
        return "\n".join("> " + line if line else ">" for line in inner.split("\n"))
    if isinstance(block, ListBlock):
        if depth >= MAX_DEPTH:
            return _flat((block,))
        items = []
        for n, item in enumerate(block.items, 1):
            marker = f"{n}. " if block.ordered else "- "
            shown = [(b, md) for b in item if (md := block_md(b, depth + 1)).strip()]
            body = "\n\n".join(md for _, md in shown).replace("\n", "\n    ")
            if shown and not isinstance(shown[0][0], _OPENS_ON_MARKER_LINE):
                # A fence (or a quote holding one) opened on the marker's line is no fence for
                # Python-Markdown, and the code text would be read as Markdown and raw HTML: such an
                # item starts on the next line, indented like the rest of its content.
                body = "\n    " + body
            items.append(marker + body)
        return "\n".join(items)
    if isinstance(block, Table):
        return _table_md(block)
    if isinstance(block, Figure):
        return _figure_md(block)
    if isinstance(block, CodeBlock):
        text = LINE_BREAKS.sub("\n", block.text.replace("\r\n", "\n")).translate(CONTROLS)
        fence = "`" * max(3, max((len(m) for m in re.findall(r"`{3,}", text)), default=0) + 1)
        lang = block.lang if re.fullmatch(r"[A-Za-z0-9_+-]{1,20}", block.lang or "") else ""
        return f"{fence}{lang}\n{text}\n{fence}"
    if isinstance(block, Rule):
        return "---"
    return ""


def blocks_md(blocks: tuple[Block, ...] | list[Block], depth: int = 0) -> str:
    parts = [block_md(b, depth) for b in blocks]
    return "\n\n".join(p for p in parts if p.strip())


def _paragraphs(inlines: tuple[Inline, ...]) -> str:
    return "\n\n".join(p for p in (inlines_md(c) for c in _chunks(inlines)) if p.strip())


def _flat(blocks: tuple[Block, ...]) -> str:
    """Nesting too deep to keep: the visible text, one paragraph per line."""
    lines = [line for b in blocks for line in block_text(b).split("\n") if line.strip()]
    return "\n\n".join(_paragraphs((Text(line),)) for line in lines)


def _chunks(inlines: tuple[Inline, ...], limit: int = MAX_BLOCK_CHARS) -> Iterator[tuple[Inline, ...]]:
    """Split inline content into runs of at most ~``limit`` visible characters, at sentence ends."""
    if _size(inlines) <= limit:
        yield inlines
        return
    current: list[Inline] = []
    size = 0
    for node in inlines:
        node_size = _size((node,))
        if node_size > limit and not isinstance(node, Text):
            node = Text(inline_text((node,)))  # one huge formatted run: keep its text, drop the markup
        if isinstance(node, Text):
            text = node.text
            while size + len(text) > limit:
                cut = _cut(text, limit - size)
                if cut == 0:
                    if current:
                        yield _trim(current)
                    current, size = [], 0
                    cut = _cut(text, limit)
                current.append(Text(text[:cut]))
                yield _trim(current)
                current, size, text = [], 0, text[cut:]
            if text:
                current.append(Text(text))
                size += len(text)
            continue
        if size + node_size > limit and current:
            yield _trim(current)
            current, size = [], 0
        current.append(node)
        size += node_size
    if current:
        yield _trim(current)


_SENTENCE_END = re.compile(r"[。！？!?；;…]+[”’」』）)\"']*|\s+")


def _cut(text: str, budget: int) -> int:
    """Where to cut ``text`` to keep at most ``budget`` characters: a sentence end or space if there is one."""
    if budget <= 0:
        return 0
    if len(text) <= budget:
        return len(text)
    best = 0
    for match in _SENTENCE_END.finditer(text, 0, budget):
        best = match.end()
    return best if best >= budget // 2 else budget


def _trim(nodes: list[Inline]) -> tuple[Inline, ...]:
    while nodes and isinstance(nodes[0], Break):
        nodes.pop(0)
    while nodes and isinstance(nodes[-1], Break):
        nodes.pop()
    return tuple(nodes)


def _size(inlines: tuple[Inline, ...]) -> int:
    total = 0
    for node in inlines:
        if isinstance(node, (Text, Code)):
            total += len(node.text)
        elif isinstance(node, (Strong, Emph, Link, EntityRef)):
            total += _size(node.children) + (len(node.href) if isinstance(node, Link) else 0)
        elif isinstance(node, InlineImage):
            total += len(node.src) + len(node.alt)
        else:
            total += 1
    return total


def _image_md(src: str, local: str, alt: str) -> str:
    """An image from the archive's own store when it holds a copy, else from its http(s) address; "" when
    neither can be shown.  ``local`` is only ever a store file name (the SHA-256 of the bytes)."""
    if local and STORE_NAME.fullmatch(local):
        return f"![{alt}]({IMAGE_STORE}{local}){LOCAL_IMAGE_ATTRS}"
    url = image_url(src) if src else None
    return f"![{alt}]({url}){IMAGE_ATTRS}" if url else ""


def _figure_md(block: Figure) -> str:
    """The picture, then its caption; a caption whose picture is gone is marked as that, never left bare
    (it would read as a stray line of the article)."""
    alt_text = block.alt or inline_text(block.caption) or "图片"
    image = _image_md(block.src, block.local, escape_inline(alt_text[:MAX_HEADING_CHARS], line_start=False))
    lines = [image] if image else []
    attrs = "{ .caption }" if image else "{ .caption .image-missing }"
    for n, chunk in enumerate(_chunks(block.caption)):
        caption = inlines_md(chunk, line_start=False).strip()
        if caption:
            mark = MISSING_IMAGE if not image and n == 0 else ""
            lines.append(f"{mark}*{caption}*\n{attrs}")
    return "\n\n".join(lines)


def _table_md(block: Table) -> str:
    rows = [list(block.header)] if block.header else []
    rows += [list(r) for r in block.rows]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    if not width:
        return ""

    def cell(c: tuple[Inline, ...]) -> str:
        if _size(c) > MAX_BLOCK_CHARS:
            text = inline_text(c)
            c = (Text(text[: _cut(text, MAX_BLOCK_CHARS)] + " …"),)
        return inlines_md(c, line_start=False).replace("  \n", " ").strip() or " "

    lines = []
    for i, row in enumerate(rows):
        cells = [cell(c) for c in row] + [" "] * (width - len(row))
        lines.append("| " + " | ".join(cells) + " |")
        if i == 0:
            lines.append("|" + "---|" * width)
    return "\n".join(lines)
