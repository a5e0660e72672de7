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
    """Short lines kept by many different dumps are a site's furniture, not any one article's text.

    "Many" is ``min_share`` of the archive, taken of its size rounded down to :func:`settled_size`: a
    threshold that moved with every 50th new dump re-cleaned, each time, every article holding a line kept
    by exactly that many dumps (209 files of 1,000 articles); on a grid of ~9% steps it moves 19 times from
    2,000 to 10,000 dumps instead of 160, and is never above the exact share.  Below 150 dumps (every
    per-site build of ``make eval``) ``min_dumps`` decides, as before."""
    from collections import Counter

    counts = Counter(key for keys in per_dump for key in keys)
    threshold = max(min_dumps, int(min_share * settled_size(len(per_dump)) + 0.999))
    return frozenset(key for key, n in counts.items() if n >= threshold)


def settled_size(n: int) -> int:
    """The largest point ≤ ``n`` of the grid 1, 2, …, g, g + g // 11, … (steps of ~9%; integers only, so the
    same on every machine)."""
    point = 1
    while True:
        following = point + max(1, point // 11)
        if following > n:
            return point if n >= 1 else n
        point = following


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
