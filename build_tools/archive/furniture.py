"""Cross-dump furniture: short lines that many different dumps keep are a site's furniture, not an article's.

Each prepared article contributes the keys of its short paragraphs (:func:`short_line_keys`); lines kept by
enough dumps (:func:`recurring_lines`) are dropped from every article before linking (:func:`drop_recurring`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from build_tools.model import Article, Block, Paragraph, Removed, block_text, line_key, visible

CROSS_DUMP_MAX_CHARS = 40


def short_line_keys(blocks: Sequence[Block]) -> frozenset[str]:
    """Keys of the short paragraphs an article kept, for spotting lines that recur across many dumps."""
    keys = set()
    for block in blocks:
        text = visible(block)
        if isinstance(block, Paragraph) and 2 <= len(text) <= CROSS_DUMP_MAX_CHARS:
            keys.add(line_key(text))
    return frozenset(keys)


def recurring_lines(per_dump: Sequence[frozenset[str]], min_dumps: int = 3, min_share: float = 0.02) -> frozenset[str]:
    """Short lines kept by many different dumps are a site's furniture, not any one article's text."""
    from collections import Counter

    counts = Counter(key for keys in per_dump for key in keys)
    threshold = max(min_dumps, int(min_share * len(per_dump) + 0.999))
    return frozenset(key for key, n in counts.items() if n >= threshold)


def drop_recurring(article: Article, recurring: frozenset[str]) -> Article:
    if not recurring:
        return article
    kept, removed = [], list(article.removed)
    for block in article.blocks:
        text = visible(block)
        # The lines counted are the only ones dropped (short_line_keys' bounds): so an article's result depends
        # on just the recurring lines among its own short lines, which is what the link stage's key holds.
        if isinstance(block, Paragraph) and 2 <= len(text) <= CROSS_DUMP_MAX_CHARS and line_key(text) in recurring:
            removed.append(Removed(block_text(block).strip(), "cross-dump"))
        else:
            kept.append(block)
    if len(kept) == len(article.blocks):
        return article
    return replace(article, blocks=tuple(kept), removed=tuple(removed))
