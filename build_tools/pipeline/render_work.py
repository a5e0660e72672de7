"""The render stage's work: one linked article → its Markdown page and its raw-text copy."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from build_tools.model import Failure
from build_tools.stages.images import Picture, with_pictures
from build_tools.stages.render.page import raw_text_copy, render_article


@dataclass(frozen=True)
class PageInputs:
    """What one page is made of besides the linked article: the archive's view of it."""

    linked_key: str  # the linked article in the store
    shown: str  # the dump's path as the page names it (raw/x.txt)
    also: tuple[str, ...]  # also published by
    related: tuple[tuple[str, str, bool], ...]  # (slug, title, same story)
    pictures: tuple[Picture, ...] = ()  # how its images are shown: the store's copies, originals behind proxies

    def key_parts(self) -> tuple[str, ...]:
        return self.linked_key, self.shown, repr(self.also), repr(self.related), repr(self.pictures)


def render_one(context: tuple[Any, dict[str, str]], page: PageInputs, key: str) -> tuple[str, str] | Failure:
    """In a worker: ``context`` is (the store's reader, entity id → name); ``key`` is the page's (unused here)."""
    reader, names = context
    article = replace(reader.load("linked", page.linked_key), related=page.related, also_published_by=page.also)
    article = with_pictures(article, {picture.src: picture for picture in page.pictures})
    text = render_article(article, names, raw_shown=page.shown)
    if isinstance(text, Failure):
        return text
    return text, raw_text_copy(article)
