"""The render stage's work: one linked article → its Markdown page, its provenance view and, when raw
copies are published, the dump as it was saved."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from build_tools.model import Failure, Neighbour
from build_tools.stages.images import Picture, with_pictures
from build_tools.stages.render.page import raw_copy_html, render_article
from build_tools.stages.render.provenance import provenance_page


@dataclass(frozen=True)
class PageInputs:
    """What one page is made of besides the linked article: the archive's view of it."""

    linked_key: str  # the linked article in the store
    shown: str  # the dump's path as the page names it (raw/x.txt)
    also: tuple[str, ...]  # also published by
    links: tuple[Neighbour, ...]  # related articles, then the articles before and after it
    pictures: tuple[Picture, ...] = ()  # how its images are shown: the store's copies, originals behind proxies
    added: str | None = None  # the day its dump entered raw/
    publish_raw: bool = False  # the dump as saved is published beside the provenance view

    def key_parts(self, links_text: str | None = None) -> tuple[str, ...]:
        """The page's key as text.  ``links_text``: ``repr`` of the links as plain tuples, when the caller has it
        already (the render's jobs join it from fragments made once per build: ``page_jobs``)."""
        # The records as tuples of their plain fields: the builtin repr of those is exact and ~10× cheaper
        # than the dataclasses' generated __repr__ (0.5 s of a build at 10k pages).
        if links_text is None:
            links_text = repr(tuple(map(tuple, self.links)))
        pictures = tuple((p.src, p.url, p.local) for p in self.pictures)
        return (self.linked_key, self.shown, repr(self.also), links_text, repr(pictures),
                repr(self.added), repr(self.publish_raw))


def render_one(context: tuple[Any, dict[str, str]], page: PageInputs, key: str) -> tuple[str, ...] | Failure:
    """In a worker: ``context`` is (the store's reader, entity id → name); ``key`` is the page's (unused here)."""
    reader, names = context
    article = reader.load("linked", page.linked_key)
    links = page.links
    related = tuple(n for n in links if n.role in ("related", "same-story"))
    article = replace(article, related=related, neighbours=tuple(n for n in links if n not in related),
                      also_published_by=page.also, meta=replace(article.meta, added=page.added))
    article = with_pictures(article, {picture.src: picture for picture in page.pictures})
    text = render_article(article, names, raw_shown=page.shown, raw_published=page.publish_raw)
    if isinstance(text, Failure):
        return text
    texts = (text, provenance_page(article, raw_published=page.publish_raw, raw_shown=page.shown))
    return texts + ((raw_copy_html(article),) if page.publish_raw else ())
