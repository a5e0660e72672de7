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
from dataclasses import replace

from build_tools.entities.matcher import AliasIndex, Match
from build_tools.entities.normalize import key
from build_tools.entities.registry import Registry
from build_tools.model import (
    Article,
    Block,
    Emph,
    EntityRef,
    Figure,
    Heading,
    Inline,
    Mention,
    Strong,
    Text,
    Turn,
    block_text,
)
from build_tools.model.walk import iter_nodes, iter_texts, map_inlines, map_nodes, map_texts, merge_texts

CONTEXT_WINDOW = 40
SNIPPET_MAX = 90
# Bare URLs, e-mail addresses and domain names written as plain text: never linked inside.
_URL_TAIL = r"[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef<>\"']*"
BARE_URL = re.compile(
    r"(?i:https?://|ftp://|www\.)"
    + _URL_TAIL
    + r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
    + r"|(?<![A-Za-z0-9.-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
    + r"\.(?:com|cn|net|org|io|ai|dev|co|me|tv|hk|tw|jp|gov|edu)(?![A-Za-z0-9])(?:/"
    + _URL_TAIL
    + ")?",
)


def _unwrap_entity_refs(nodes: tuple[Inline, ...]) -> tuple[Inline, ...]:
    """Remove EntityRef wrappers (so linking twice gives the same result); merge Texts."""
    if not any(isinstance(n, EntityRef) for n in iter_nodes(nodes)):
        return nodes
    return merge_texts(map_nodes(nodes, _unwrap_one))


def _unwrap_one(node: Inline) -> tuple[Inline, ...] | None:
    if isinstance(node, EntityRef):
        return node.children
    if isinstance(node, (Strong, Emph)):
        return (replace(node, children=merge_texts(node.children)),)
    return None


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

        for run in iter_texts(b):
            if run.linked:
                continue
            for m in index.find(text, run.offset, run.offset + len(run.node.text), text_key=k):
                if urls is None:
                    urls = [(u.start(), u.end()) for u in BARE_URL.finditer(text)]
                if not any(s < m.end and m.start < e for s, e in urls):
                    found.append((bi, m))
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
    blocks = tuple(map_inlines(b, _unwrap_entity_refs) for b in article.blocks)
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

        new_blocks[bi] = map_texts(blocks[bi], visit)
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
