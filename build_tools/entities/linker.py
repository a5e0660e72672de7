"""The link stage: find entity mentions in the cleaned body and link first mentions.

Offsets of a :class:`Mention` are offsets into ``block_text(article.blocks[i])``
(the visible text of the block, original script).  Text inside ``Link``,
``Code``, ``InlineImage`` and ``CodeBlock`` is never searched, nor is the
speaker label of a ``Turn``.

Ambiguous aliases (see entities.yml) are accepted when one of their context
words occurs within ``CONTEXT_WINDOW`` characters in the same block, or when
the article also has an unambiguous mention of the same entity.

The link goes on the first mention in running text; only when an entity is
mentioned in figure captions or headings alone is the first of those linked.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from build_tools.entities.matcher import AliasIndex, Match
from build_tools.entities.normalize import key
from build_tools.entities.registry import Registry
from build_tools.model import (
    Article,
    Block,
    Break,
    Code,
    CodeBlock,
    Emph,
    EntityRef,
    Figure,
    Heading,
    Inline,
    Link,
    ListBlock,
    Mention,
    Paragraph,
    Quote,
    Strong,
    Table,
    Text,
    Turn,
    block_text,
)

CONTEXT_WINDOW = 40
SNIPPET_MAX = 90
# Bare URLs, e-mail addresses and domain names written as plain text: never linked inside.
_URL_TAIL = r"[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef<>\"']*"
_URLISH = re.compile(
    r"(?i:https?://|ftp://|www\.)"
    + _URL_TAIL
    + r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
    + r"|(?<![A-Za-z0-9.-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    + r"\.(?:com|cn|net|org|io|ai|dev|co|me|tv|hk|tw|jp|gov|edu)(?![A-Za-z0-9])(?:/"
    + _URL_TAIL
    + ")?",
)

# visitor(node, offset_in_block_text) -> replacement inlines or None (unchanged)
Visitor = Callable[[Text, int], "tuple[Inline, ...] | None"]


class _Walk:
    """Walks a block in ``block_text`` order, tracking offsets, optionally rebuilding it."""

    def __init__(self, visit: Visitor):
        self.visit = visit
        self.pos = 0

    def inlines(self, nodes: tuple[Inline, ...], linkable: bool = True) -> tuple[Inline, ...]:
        out: list[Inline] = []
        changed = False
        for node in nodes:
            if isinstance(node, Text):
                new = self.visit(node, self.pos) if linkable else None
                self.pos += len(node.text)
                if new is not None:
                    out.extend(new)
                    changed = True
                    continue
            elif isinstance(node, Code):
                self.pos += len(node.text)
            elif isinstance(node, Break):
                self.pos += 1
            elif isinstance(node, (Link, EntityRef)):
                self.inlines(node.children, linkable=False)
            elif isinstance(node, (Strong, Emph)):
                kids = self.inlines(node.children, linkable)
                if kids is not node.children:
                    node = replace(node, children=kids)
                    changed = True
            out.append(node)
        return tuple(out) if changed else nodes

    def block(self, b: Block) -> Block:
        if isinstance(b, (Paragraph, Heading)):
            new = self.inlines(b.inlines)
            return b if new is b.inlines else replace(b, inlines=new)
        if isinstance(b, Turn):
            self.pos += len(b.speaker) + 1
            new = self.inlines(b.inlines)
            return b if new is b.inlines else replace(b, inlines=new)
        if isinstance(b, Quote):
            kids = self._joined(b.blocks, "\n")
            return b if kids is b.blocks else replace(b, blocks=kids)
        if isinstance(b, ListBlock):
            items: list[tuple[Block, ...]] = []
            first = True
            for item in b.items:
                new_item = []
                for sub in item:
                    if not first:
                        self.pos += 1
                    first = False
                    new_item.append(self.block(sub))
                items.append(tuple(new_item))
            changed = any(
                n is not o for ni, oi in zip(items, b.items, strict=False) for n, o in zip(ni, oi, strict=False)
            )
            return replace(b, items=tuple(items)) if changed else b
        if isinstance(b, Table):
            cells = [*b.header, *(c for row in b.rows for c in row)]
            new_cells = []
            for i, cell in enumerate(cells):
                if i:
                    self.pos += 1
                new_cells.append(self.inlines(cell))
            if all(n is o for n, o in zip(new_cells, cells, strict=False)):
                return b
            nh = len(b.header)
            header = tuple(new_cells[:nh])
            rows, i = [], nh
            for row in b.rows:
                rows.append(tuple(new_cells[i : i + len(row)]))
                i += len(row)
            return replace(b, header=header, rows=tuple(rows))
        if isinstance(b, Figure):
            new = self.inlines(b.caption)
            return b if new is b.caption else replace(b, caption=new)
        if isinstance(b, CodeBlock):
            self.pos += len(b.text)
        return b

    def _joined(self, blocks: tuple[Block, ...], sep: str) -> tuple[Block, ...]:
        out = []
        for i, sub in enumerate(blocks):
            if i:
                self.pos += len(sep)
            out.append(self.block(sub))
        return tuple(out) if any(n is not o for n, o in zip(out, blocks, strict=False)) else blocks


def _unwrap_entity_refs(nodes: tuple[Inline, ...]) -> tuple[Inline, ...]:
    """Remove EntityRef wrappers (so linking twice gives the same result); merge Texts."""
    out: list[Inline] = []
    for node in nodes:
        if isinstance(node, EntityRef):
            out.extend(_unwrap_entity_refs(node.children))
            continue
        if isinstance(node, (Strong, Emph)):
            node = replace(node, children=_unwrap_entity_refs(node.children))
        out.append(node)
    merged: list[Inline] = []
    for node in out:
        if isinstance(node, Text) and merged and isinstance(merged[-1], Text):
            merged[-1] = Text(merged[-1].text + node.text)
        else:
            merged.append(node)
    return tuple(merged)


def _inline_groups(b: Block):
    """Every inline tuple of a block (nested blocks included)."""
    if isinstance(b, (Paragraph, Heading, Turn)):
        yield b.inlines
    elif isinstance(b, Quote):
        for sub in b.blocks:
            yield from _inline_groups(sub)
    elif isinstance(b, ListBlock):
        for item in b.items:
            for sub in item:
                yield from _inline_groups(sub)
    elif isinstance(b, Table):
        yield from b.header
        for row in b.rows:
            yield from row
    elif isinstance(b, Figure):
        yield b.caption


def _has_refs(nodes: tuple[Inline, ...]) -> bool:
    return any(
        isinstance(n, EntityRef) or (isinstance(n, (Strong, Emph, Link)) and _has_refs(n.children)) for n in nodes
    )


class _Strip(_Walk):
    def inlines(self, nodes: tuple[Inline, ...], linkable: bool = True) -> tuple[Inline, ...]:
        return _unwrap_entity_refs(nodes) if _has_refs(nodes) else nodes


def _strip_block(b: Block) -> Block:
    if not any(_has_refs(g) for g in _inline_groups(b)):
        return b
    return _Strip(lambda n, o: None).block(b)


def find_mentions(blocks: tuple[Block, ...], index: AliasIndex) -> list[Mention]:
    """All accepted mentions in body blocks, in document order."""
    found: list[tuple[int, Match]] = []
    keys: dict[int, str] = {}
    for bi, b in enumerate(blocks):
        text = block_text(b)
        if not text:
            continue
        k = key(text)
        keys[bi] = k
        urls: list[tuple[int, int]] | None = None  # bare URLs in the text, found when first needed

        def visit(node: Text, off: int, bi: int = bi, text: str = text, k: str = k) -> None:
            nonlocal urls
            for m in index.find(text, off, off + len(node.text), text_key=k):
                if urls is None:
                    urls = [(u.start(), u.end()) for u in _URLISH.finditer(text)]
                if not any(s < m.end and m.start < e for s, e in urls):
                    found.append((bi, m))
            return None

        _Walk(visit).block(b)
    sure = {m.entity_id for _, m in found if not m.ambiguous}
    mentions: list[Mention] = []
    for bi, m in found:
        if m.ambiguous and m.entity_id not in sure:
            k = keys[bi]
            near = k[max(0, m.start - CONTEXT_WINDOW) : m.end + CONTEXT_WINDOW]
            if not any(c and c in near for c in m.context or ()):
                continue
        mentions.append(Mention(m.entity_id, bi, m.start, m.end, m.surface))
    return mentions


def _salience(mentions: list[Mention]) -> tuple[str, ...]:
    counts = Counter(m.entity_id for m in mentions)
    return tuple(sorted(counts, key=lambda e: (-counts[e], e)))


def _first_mentions(mentions: list[Mention], blocks: tuple[Block, ...]) -> list[Mention]:
    """The mention of each entity that gets the link: first in running text, else in a
    figure caption, else in a heading."""
    best: dict[str, tuple[int, Mention]] = {}
    for m in mentions:
        b = blocks[m.block_index]
        rank = 2 if isinstance(b, Heading) else 1 if isinstance(b, Figure) else 0
        if m.entity_id not in best or rank < best[m.entity_id][0]:
            best[m.entity_id] = (rank, m)
    return sorted((m for _r, m in best.values()), key=lambda m: (m.block_index, m.start))


def link_article(article: Article, index: AliasIndex) -> Article:
    """A copy of ``article`` with first mentions wrapped in EntityRef, ``mentions`` and ``entities``."""
    blocks = tuple(_strip_block(b) for b in article.blocks)
    mentions = find_mentions(blocks, index)
    targets: dict[int, dict[int, Mention]] = {}
    for m in _first_mentions(mentions, blocks):
        targets.setdefault(m.block_index, {})[m.start] = m
    new_blocks = list(blocks)
    for bi, starts in targets.items():

        def visit(node: Text, off: int, starts: dict[int, Mention] = starts) -> tuple[Inline, ...] | None:
            end = off + len(node.text)
            inside = sorted(s for s in starts if off <= s and starts[s].end <= end)
            if not inside:
                return None
            out: list[Inline] = []
            cur = off
            for s in inside:
                m = starts[s]
                if s > cur:
                    out.append(Text(node.text[cur - off : s - off]))
                out.append(EntityRef(m.entity_id, (Text(node.text[s - off : m.end - off]),)))
                cur = m.end
            if cur < end:
                out.append(Text(node.text[cur - off :]))
            return tuple(out)

        new_blocks[bi] = _Walk(visit).block(blocks[bi])
    return replace(article, blocks=tuple(new_blocks), mentions=tuple(mentions), entities=_salience(mentions))


_SNIPPET_LEAD = " \t\u3000”’」』）)】〕,，、;；:：.。!！?？"
_SENT_END = re.compile(r"[。！？!?；;\n]")


def _sentence(text: str, start: int, end: int) -> str:
    lo = 0
    for m in _SENT_END.finditer(text, 0, start):
        lo = m.end()
    m = _SENT_END.search(text, end)
    hi = m.end() if m and m.group() != "\n" else (m.start() if m else len(text))
    raw = text[lo:hi]
    sent = raw.lstrip(_SNIPPET_LEAD)
    lo += len(raw) - len(sent)
    sent = sent.rstrip()
    if len(sent) <= SNIPPET_MAX:
        return sent
    s0 = start - lo
    half = (SNIPPET_MAX - (end - start)) // 2
    a = max(0, s0 - half)
    b = min(len(sent), a + SNIPPET_MAX)
    a = max(0, b - SNIPPET_MAX)
    return ("…" if a > 0 else "") + sent[a:b].strip() + ("…" if b < len(sent) else "")


def mention_contexts(article: Article) -> list[tuple[str, str]]:
    """One sentence around the first (linked) mention of each entity, in salience order."""
    firsts = {m.entity_id: m for m in _first_mentions(list(article.mentions), article.blocks)}
    out: list[tuple[str, str]] = []
    for eid in article.entities or tuple(firsts):
        m = firsts.get(eid)
        if m is None or m.block_index >= len(article.blocks):
            continue
        b = article.blocks[m.block_index]
        text = block_text(b)
        lo = len(b.speaker) + 1 if isinstance(b, Turn) else 0
        out.append((eid, _sentence(text[lo:], m.start - lo, m.end - lo)))
    return out


def mention_counts(article: Article) -> dict[str, int]:
    """Mentions per entity in the article body."""
    return dict(Counter(m.entity_id for m in article.mentions))


def entity_names(registry: Registry) -> dict[str, str]:
    """entity id → display name, for ``render_article(article, entity_names)`` ("本文涉及")."""
    return {e.id: e.name for e in registry.entities}
