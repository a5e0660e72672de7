"""An article's pictures: which remote images it shows, the original behind a proxy's address, and the
article with its pictures pointed at the archive's own copies.

Pure: downloading and the image store are I/O and live in ``runtime/images.py`` and
``pipeline/images.py``; this module only reads and rewrites the block tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from urllib.parse import parse_qsl, urlsplit

from build_tools.markup import image_url
from build_tools.model import Article, Block, Figure, Inline, InlineImage
from build_tools.model.walk import child_blocks, iter_inline_groups, iter_nodes, map_blocks, map_inlines, map_nodes

# A file of the content-addressed store: the SHA-256 of its bytes and the type its bytes were sniffed as.
STORE_NAME = re.compile(r"[0-9a-f]{64}\.(?:jpg|png|gif|webp|avif)")
# A proxy of a proxy is followed this far, no further.
MAX_PROXY_HOPS = 3


@dataclass(frozen=True)
class Picture:
    """How one image of a page is shown: ``src`` as the dump gave it, ``url`` the remote address to show
    (the original where ``src`` was a proxy's), ``local`` the store's file when the archive holds a copy."""

    src: str
    url: str
    local: str = ""


def image_sources(article: Article) -> tuple[str, ...]:
    """Every remote (http/https) image the article shows, once each, in document order."""
    seen: dict[str, None] = {}
    for src in _sources(article.blocks):
        if image_url(src):
            seen.setdefault(src, None)
    return tuple(seen)


def _sources(blocks: tuple[Block, ...]) -> Iterator[str]:
    for block in blocks:
        if isinstance(block, Figure) and block.src:
            yield block.src
        for _offset, group in iter_inline_groups(block):
            yield from (node.src for node in iter_nodes(group) if isinstance(node, InlineImage))
        # iter_inline_groups already descends into nested blocks' inlines; figures nested in quotes
        # and lists are blocks, found here
        yield from (b.src for b in _nested_figures(child_blocks(block)))


def _nested_figures(blocks: tuple[Block, ...]) -> Iterator[Figure]:
    for block in blocks:
        if isinstance(block, Figure) and block.src:
            yield block
        yield from _nested_figures(child_blocks(block))


def original_url(src: str, params: tuple[str, ...]) -> str:
    """The picture's own address when ``src`` is a proxy's that carries it in one of ``params``
    (``…?url=https://origin/x.jpg``); ``src`` itself otherwise."""
    url = src
    for _hop in range(MAX_PROXY_HOPS):
        try:
            query = parse_qsl(urlsplit(url).query, keep_blank_values=False)
        except ValueError:
            return url
        values = dict(reversed(query))  # the first occurrence of a parameter counts
        inner = next((values[p] for p in params if p in values and image_url(values[p].strip())), None)
        if inner is None:
            return url
        url = inner.strip()
    return url


def with_pictures(article: Article, pictures: Mapping[str, Picture]) -> Article:
    """The article with each image whose ``src`` has a :class:`Picture` shown from its ``url`` and
    ``local`` copy.  A ``local`` name that is not a store file name is ignored."""
    if not pictures:
        return article

    def figure(block: Block, _depth: int) -> tuple[Block, ...] | None:
        if isinstance(block, Figure) and block.src in pictures:
            picture = pictures[block.src]
            return (replace(block, src=picture.url, local=_checked(picture.local)),)
        return None

    def image(node: Inline) -> tuple[Inline, ...] | None:
        if isinstance(node, InlineImage) and node.src in pictures:
            picture = pictures[node.src]
            return (replace(node, src=picture.url, local=_checked(picture.local)),)
        return None

    def inlines(group: tuple[Inline, ...]) -> tuple[Inline, ...]:
        return map_nodes(group, image)

    blocks = map_blocks(article.blocks, figure)
    blocks = tuple(map_inlines(block, inlines) for block in blocks)
    return replace(article, blocks=blocks)


def _checked(local: str) -> str:
    return local if STORE_NAME.fullmatch(local) else ""
