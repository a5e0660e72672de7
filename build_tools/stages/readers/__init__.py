"""Source formats as a registry of small readers.

A *wrapper* recognises a clipper's or exporter's envelope (Jina Reader,
Cubox, Evernote, YAML front matter), returns the metadata it carries as
hints and the inner text.  A *body reader* turns that text into blocks (and
the hints a page's own markup carries), in one pass.  Both are looked up by
content, never by file extension.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from build_tools.model import Block, Hint, PageShape


@dataclass(frozen=True)
class Document:
    format: str
    hints: tuple[Hint, ...]
    blocks: tuple[Block, ...]
    page: PageShape | None = None  # saved HTML pages: how the page's text is spread (the gate reads it)


class Body(NamedTuple):
    """What a body reader reads from a text: its blocks, and the metadata its markup carries."""

    blocks: tuple[Block, ...]
    hints: tuple[Hint, ...] = ()
    page: PageShape | None = None


@lru_cache(maxsize=1)
def body_readers() -> tuple:
    """The body readers, in the order they are tried; imported on first use (BeautifulSoup and markdown-it
    are large imports that a rebuild with nothing new to read does not need)."""
    from build_tools.stages.readers import html, markdown, plaintext

    return (html.READER, markdown.READER, plaintext.READER)


def read(text: str) -> Document:
    from build_tools.stages.readers import wrappers

    names: list[str] = []
    hints: list[Hint] = []
    # Leading blank lines say nothing to any reader; every envelope's \A\s* would read them (and give them
    # back one by one) again: 5 MB of them cost seconds per envelope.
    body = text[text.rfind("\n", 0, len(text) - len(text.lstrip())) + 1:]
    inner_format = None
    readers = body_readers()
    for wrapper in wrappers.WRAPPERS:
        unwrapped = wrapper.unwrap(body)
        if unwrapped is not None:
            names.append(wrapper.name)
            hints.extend(unwrapped.hints)
            body = unwrapped.body
            inner_format = unwrapped.inner_format or inner_format
    reader = next(
        (r for r in readers if r.name == inner_format),
        None,
    ) or next(r for r in readers if r.matches(body))
    names.append(reader.name)
    read_body = reader.read(body)
    return Document("+".join(names), tuple(hints) + read_body.hints, read_body.blocks, read_body.page)
