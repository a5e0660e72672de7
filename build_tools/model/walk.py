"""The one walker of the block tree and of inline trees.

Only this module knows where a block keeps its children: a quote's blocks, a
list's items, a table's cells, a figure's caption, the inlines of a paragraph,
heading or Q&A turn; and that ``Strong``, ``Emph``, ``Link`` and ``EntityRef``
hold inline children.  Every other module asks it instead of matching shapes.

Reading::

    >>> from build_tools.model import Paragraph, Quote, Strong, Text
    >>> quote = Quote((Paragraph((Text("甲"),)), Paragraph((Strong((Text("乙"),)),))))
    >>> [block.__class__.__name__ for block in child_blocks(quote)]
    ['Paragraph', 'Paragraph']
    >>> [(offset, group) for offset, group in iter_inline_groups(quote)]  # offsets into block_text(quote)
    [(0, (Text(text='甲'),)), (2, (Strong(children=(Text(text='乙'),)),))]
    >>> [(run.offset, run.node.text, run.linked) for run in iter_texts(quote)]
    [(0, '甲', False), (2, '乙', False)]
    >>> [n.__class__.__name__ for n in iter_nodes(quote.blocks[1].inlines)]
    ['Strong', 'Text']

Rebuilding (a block or tuple comes back as the same object when nothing in it changed)::

    >>> map_inlines(quote, lambda group: group) is quote
    True
    >>> upper = map_texts(quote, lambda node, offset: (Text(f"{offset}{node.text}"),))
    >>> [run.node.text for run in iter_texts(upper)]
    ['0甲', '2乙']
    >>> map_blocks((quote,), lambda block, depth: None if depth == 0 else ())  # drop every child
    (Quote(blocks=()),)
    >>> map_nodes((Strong((Text("a"), Text("b"))),), lambda node: getattr(node, "children", None))
    (Text(text='a'), Text(text='b'))
    >>> merge_texts((Text("a"), Text("b")))
    (Text(text='ab'),)

Offsets are offsets into ``block_text(block)``: a turn's text starts after its speaker and
"：", quote children and list items are joined by one newline, table cells by one space, a
line break counts one character and an image none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import NamedTuple

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
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Strong,
    Table,
    Text,
    Turn,
)

Inlines = tuple[Inline, ...]
# Inline nodes that hold other inline nodes (``children``).
CONTAINERS = (Strong, Emph, Link, EntityRef)
# Text under these is already a link: counted, never offered for linking.
_LINKED = (Link, EntityRef)


class TextRun(NamedTuple):
    """One ``Text`` node of a block, where it starts in ``block_text``, and whether it sits in a link."""

    offset: int
    node: Text
    linked: bool


# --- reading ----------------------------------------------------------------------------


def child_blocks(block: Block) -> tuple[Block, ...]:
    """The blocks directly inside ``block``: a quote's blocks, or every list item's blocks in order."""
    if isinstance(block, Quote):
        return block.blocks
    if isinstance(block, ListBlock):
        return tuple(sub for item in block.items for sub in item)
    return ()


def text_length(inlines: Inlines) -> int:
    """``len(inline_text(inlines))`` without building the string."""
    total = 0
    for node in inlines:
        if isinstance(node, (Text, Code)):
            total += len(node.text)
        elif isinstance(node, Break):
            total += 1
        elif isinstance(node, CONTAINERS):
            total += text_length(node.children)
    return total


def iter_inline_groups(block: Block) -> Iterator[tuple[int, Inlines]]:
    """Every inline tuple in ``block``, nested blocks included, with its offset into ``block_text(block)``."""
    yield from _groups(block, 0)


def _groups(block: Block, start: int):
    """Yields (offset, inlines); returns the length of ``block_text(block)``."""
    if isinstance(block, (Paragraph, Heading)):
        yield start, block.inlines
        return text_length(block.inlines)
    if isinstance(block, Turn):
        lead = len(block.speaker) + 1
        yield start + lead, block.inlines
        return lead + text_length(block.inlines)
    if isinstance(block, Figure):
        yield start, block.caption
        return text_length(block.caption)
    if isinstance(block, (Quote, ListBlock)):
        pos = start
        for i, sub in enumerate(child_blocks(block)):
            pos += 1 if i else 0
            pos += yield from _groups(sub, pos)
        return pos - start
    if isinstance(block, Table):
        pos = start
        for i, cell in enumerate((*block.header, *(c for row in block.rows for c in row))):
            pos += 1 if i else 0
            yield pos, cell
            pos += text_length(cell)
        return pos - start
    if isinstance(block, CodeBlock):
        return len(block.text)
    return 0


def iter_nodes(inlines: Inlines) -> Iterator[Inline]:
    """Every inline node, each before its children (document order)."""
    for node in inlines:
        yield node
        if isinstance(node, CONTAINERS):
            yield from iter_nodes(node.children)


def iter_texts(block: Block) -> Iterator[TextRun]:
    """Every ``Text`` node in ``block`` (nested blocks included) with its offset into ``block_text(block)``."""
    for start, group in _groups(block, 0):
        yield from _runs(group, start, False)


def _runs(inlines: Inlines, start: int, linked: bool):
    """Yields the text runs of ``inlines``; returns their text length."""
    pos = start
    for node in inlines:
        if isinstance(node, Text):
            yield TextRun(pos, node, linked)
            pos += len(node.text)
        elif isinstance(node, Code):
            pos += len(node.text)
        elif isinstance(node, Break):
            pos += 1
        elif isinstance(node, CONTAINERS):
            pos += yield from _runs(node.children, pos, linked or isinstance(node, _LINKED))
    return pos - start


# --- rebuilding ---------------------------------------------------------------------------


def map_children(
    block: Block,
    blocks_fn: Callable[[tuple[Block, ...]], tuple[Block, ...]],
    inlines_fn: Callable[[Inlines], Inlines],
) -> Block:
    """``block`` with its own child blocks and inline tuples replaced (one level, in document order).

    ``blocks_fn`` gets a quote's blocks or one list item at a time; ``inlines_fn`` each inline tuple
    (a table's header cells, then its rows' cells).  ``block`` itself comes back when nothing changed.
    """
    if isinstance(block, (Paragraph, Heading, Turn)):
        new = inlines_fn(block.inlines)
        return block if new is block.inlines else replace(block, inlines=new)
    if isinstance(block, Figure):
        new = inlines_fn(block.caption)
        return block if new is block.caption else replace(block, caption=new)
    if isinstance(block, Quote):
        kids = blocks_fn(block.blocks)
        return block if kids is block.blocks else replace(block, blocks=kids)
    if isinstance(block, ListBlock):
        items = _same_or_new(block.items, [blocks_fn(item) for item in block.items])
        return block if items is block.items else replace(block, items=items)
    if isinstance(block, Table):
        header = _same_or_new(block.header, [inlines_fn(cell) for cell in block.header])
        rows = _same_or_new(block.rows, [_same_or_new(row, [inlines_fn(c) for c in row]) for row in block.rows])
        if header is block.header and rows is block.rows:
            return block
        return replace(block, header=header, rows=rows)
    return block


def _same_or_new(old: tuple, new: list) -> tuple:
    """``old`` when ``new`` holds the same objects (and ``old`` is a tuple, as the model's fields should be)."""
    if type(old) is tuple and len(old) == len(new) and all(n is o for n, o in zip(new, old, strict=True)):
        return old
    return tuple(new)


def map_blocks(
    blocks: tuple[Block, ...],
    fn: Callable[[Block, int], tuple[Block, ...] | list[Block] | None],
    depth: int = 0,
) -> tuple[Block, ...]:
    """Rewrite a block tree top-down: ``fn(block, depth)`` returns the blocks that replace ``block``,
    or None to keep it and go on into its children (quote blocks, list items).

    Top-down, so a caller can stop before a too-deep subtree is ever entered.
    """
    out: list[Block] = []
    for block in blocks:
        new = fn(block, depth)
        if new is None:
            out.append(map_children(block, lambda kids: map_blocks(kids, fn, depth + 1), _keep))
        else:
            out.extend(new)
    return _same_or_new(blocks, out)


def _keep(inlines: Inlines) -> Inlines:
    return inlines


def map_inlines(block: Block, fn: Callable[[Inlines], Inlines]) -> Block:
    """``fn`` applied to every inline tuple in ``block``, nested lists, quotes, table cells and captions included."""
    return map_children(block, lambda kids: _same_or_new(kids, [map_inlines(b, fn) for b in kids]), fn)


def map_texts(block: Block, fn: Callable[[Text, int], Inlines | None]) -> Block:
    """``block`` with each ``Text`` outside links replaced by ``fn(node, offset)`` (None: keep it).

    Offsets are into ``block_text(block)``, as in :func:`iter_texts`.  Text under a ``Link`` or
    ``EntityRef`` is counted but not offered: it is a link already.
    """
    starts = (start for start, _group in iter_inline_groups(block))
    # map_inlines visits the inline tuples in the order iter_inline_groups yields them.
    return map_inlines(block, lambda group: _map_runs(group, next(starts), fn)[0])


def _map_runs(inlines: Inlines, pos: int, fn) -> tuple[Inlines, int]:
    """``inlines`` with unlinked Text replaced by ``fn``; and the offset after them."""
    out: list[Inline] = []
    changed = False
    for node in inlines:
        if isinstance(node, Text):
            new = fn(node, pos)
            pos += len(node.text)
            if new is not None:
                out.extend(new)
                changed = True
                continue
        elif isinstance(node, Code):
            pos += len(node.text)
        elif isinstance(node, Break):
            pos += 1
        elif isinstance(node, _LINKED):
            pos += text_length(node.children)
        elif isinstance(node, CONTAINERS):
            kids, pos = _map_runs(node.children, pos, fn)
            if kids is not node.children:
                node = replace(node, children=kids)
                changed = True
        out.append(node)
    return (tuple(out) if changed else inlines), pos


def map_nodes(inlines: Inlines, fn: Callable[[Inline], Inlines | None]) -> Inlines:
    """Rewrite an inline tree bottom-up: each container's children are rewritten first, then
    ``fn(node)`` returns the nodes that replace ``node`` (None: keep it).  Unwrapping a container
    is ``fn = lambda node: node.children``.  Adjacent ``Text`` nodes are not merged: see
    :func:`merge_texts`.
    """
    out: list[Inline] = []
    changed = False
    for node in inlines:
        if isinstance(node, CONTAINERS):
            kids = map_nodes(node.children, fn)
            if kids is not node.children:
                node = replace(node, children=kids)
                changed = True
        new = fn(node)
        if new is None:
            out.append(node)
        else:
            out.extend(new)
            changed = True
    return tuple(out) if changed else inlines


def merge_texts(inlines: Inlines) -> Inlines:
    """Adjacent ``Text`` nodes joined into one (this level only)."""
    if not any(isinstance(a, Text) and isinstance(b, Text) for a, b in zip(inlines, inlines[1:], strict=False)):
        return inlines
    out: list[Inline] = []
    for node in inlines:
        if isinstance(node, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + node.text)
        else:
            out.append(node)
    return tuple(out)
