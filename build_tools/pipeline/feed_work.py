"""The feed stage's work: one linked article → its body as HTML, for the feeds that carry it.

Only the articles some feed carries are worked on, each once, cached under its linked article's key: a
rebuild after one new dump renders one body, not the whole feed's.
"""

from __future__ import annotations

from typing import Any

from build_tools.stages.render.html import article_html


class FeedItem:
    """A published article a feed carries: its dump (for a crash's message) and its linked article's key."""

    __slots__ = ("raw_path", "linked_key", "slug")

    def __init__(self, raw_path: str, linked_key: str, slug: str):
        self.raw_path, self.linked_key, self.slug = raw_path, linked_key, slug


def entry_one(reader: Any, item: FeedItem, key: str) -> tuple[str, None]:
    """In a worker: ``reader`` reads the store; the body's HTML is the record kept."""
    return article_html(reader.load("linked", item.linked_key)), None
