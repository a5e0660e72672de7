"""The records that flow through the pipeline.

Every stage takes an immutable :class:`Article` and returns an updated copy
(``dataclasses.replace``) or a :class:`Failure`.  The body is a tuple of
typed blocks, never raw Markdown or HTML: readers parse whatever the dump
holds into these blocks, and only ``render`` turns them back into text, so
nothing from a dump can reach the page unescaped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple, NewType, Union
from urllib.parse import urlsplit

# The records clean lifts out of the body for metadata (re-exported: Article refers to them).
from build_tools.model.lifted import Byline as Byline
from build_tools.model.lifted import Dateline as Dateline
from build_tools.model.lifted import Lifted as Lifted
from build_tools.model.lifted import TitleCandidate as TitleCandidate

Slug = NewType("Slug", str)

# --- inline content ---------------------------------------------------------


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Strong:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Emph:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Link:
    href: str
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class InlineImage:
    src: str
    alt: str = ""
    local: str = ""  # the file in the image store (docs/assets/images) holding this picture, when there is one


@dataclass(frozen=True)
class Break:
    """A hard line break inside a paragraph."""


@dataclass(frozen=True)
class EntityRef:
    """A linked entity mention, added by the link stage."""

    entity_id: str
    children: tuple[Inline, ...]


Inline = Union[  # noqa: UP007 - a runtime alias, not an annotation
    Text, Strong, Emph, Link, Code, InlineImage, Break, EntityRef]

# --- blocks -----------------------------------------------------------------


@dataclass(frozen=True)
class Paragraph:
    inlines: tuple[Inline, ...]


@dataclass(frozen=True)
class Heading:
    level: int
    inlines: tuple[Inline, ...]


@dataclass(frozen=True)
class Turn:
    """One turn of a Q&A interview: the speaker stays visible."""

    speaker: str
    inlines: tuple[Inline, ...]
    is_question: bool = False


@dataclass(frozen=True)
class Quote:
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class ListBlock:
    ordered: bool
    items: tuple[tuple[Block, ...], ...]


@dataclass(frozen=True)
class Table:
    header: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]


@dataclass(frozen=True)
class Figure:
    """An image with its caption; ``src`` is empty when a text dump lost the image."""

    src: str
    alt: str = ""
    caption: tuple[Inline, ...] = ()
    local: str = ""  # the file in the image store (docs/assets/images) holding this picture, when there is one


@dataclass(frozen=True)
class CodeBlock:
    text: str
    lang: str = ""


@dataclass(frozen=True)
class Rule:
    pass


Block = Union[  # noqa: UP007 - a runtime alias, not an annotation
    Paragraph, Heading, Turn, Quote, ListBlock, Table, Figure, CodeBlock, Rule]

# --- metadata ---------------------------------------------------------------


@dataclass(frozen=True)
class Hint:
    """One candidate value for a metadata field and where it came from."""

    field: str
    value: str
    source: str


@dataclass(frozen=True)
class Meta:
    title: str = ""
    title_inferred: bool = False
    lang: str = "zh-Hans"
    date: str | None = None
    captured: str | None = None
    source: str | None = None
    platform: str | None = None
    authors: tuple[str, ...] = ()
    editors: tuple[str, ...] = ()
    url: str | None = None
    original_source: str | None = None
    summary: str | None = None
    tags: tuple[str, ...] = ()
    disclaimer: bool = False
    added: str | None = None  # the day the dump entered raw/ (set at render, never from the dump's text)
    provenance: tuple[tuple[str, str], ...] = ()  # (field, which source won)


@dataclass(frozen=True)
class Removed:
    """A block the cleaner (or an editor) dropped, with the rule that dropped it (for reports and overrides).

    ``block`` is the block as it was dropped; ``position`` its index among the blocks the dump
    was read into; ``before`` the index, in the cleaned body, of the block it stood before (for an
    editor's drop: its own index there).  They let an editor's ``keep_paragraphs`` put it back in
    its place.  A record without a block (-1 positions) only reports text.
    """

    text: str
    rule: str
    block: Block | None = None
    position: int = -1
    before: int = -1


@dataclass(frozen=True)
class Mention:
    entity_id: str
    block_index: int
    start: int
    end: int
    surface: str


@dataclass(frozen=True)
class PageShape:
    """How a saved page's text is spread: what the "is this an article?" step reads (characters, spaces excluded)."""

    text: int  # all visible text of the page
    links: int  # of which inside links
    main_prose: int  # sentence-like text in the main-content container (0: no container found)
    main_paragraphs: int  # paragraphs of at least 40 characters of prose in it


class Neighbour(NamedTuple):
    """Another article a page links to: a related one, or the one before or after it.

    ``role``: ``related``, ``same-story`` (a related report of the same event), ``older``, ``newer``,
    ``source-older``, ``source-newer``.  ``date`` is the article's own date; ``added`` the day it was
    added, shown when it has no date.  A named tuple, not a dataclass: a build makes ~100k of them at 10k
    articles (every page's related articles and neighbours, all keyed) and a tuple is made and keyed ~3× faster."""

    role: str
    slug: str
    title: str
    date: str | None = None
    added: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Article:
    raw_path: str
    sha256: str
    text: str = ""
    encoding: str = ""
    format: str = ""
    hints: tuple[Hint, ...] = ()
    portals: tuple[str, ...] = ()  # names in rules/portals.yml, most specific first; detected by ingest
    blocks: tuple[Block, ...] = ()
    removed: tuple[Removed, ...] = ()
    lifted: tuple[Lifted, ...] = ()  # bylines, datelines and titles clean found, in the order it found them
    meta: Meta = field(default_factory=Meta)
    slug: Slug = Slug("")
    mentions: tuple[Mention, ...] = ()
    entities: tuple[str, ...] = ()
    related: tuple[Neighbour, ...] = ()  # related articles, best first (set at render)
    neighbours: tuple[Neighbour, ...] = ()  # previous/next by date, overall and within its source (set at render)
    also_published_by: tuple[str, ...] = ()
    page: PageShape | None = None  # saved HTML pages only

    def hint_values(self, name: str) -> list[Hint]:
        return [h for h in self.hints if h.field == name]


@dataclass(frozen=True)
class Failure:
    """A data problem: the dump, the stage that gave up, and why. Never an exception."""

    raw_path: str
    stage: str
    reason: str

    def line(self) -> str:
        return f"{self.raw_path}: rejected at {self.stage}: {self.reason}"


# --- helpers shared by stages -----------------------------------------------


def inline_text(inlines: tuple[Inline, ...]) -> str:
    """The visible text of inline content (image alt text excluded)."""
    if len(inlines) == 1 and type(inlines[0]) is Text:
        return inlines[0].text  # most inline content is one run of text, and every heuristic asks for it
    out: list[str] = []
    for node in inlines:
        if isinstance(node, (Text, Code)):
            out.append(node.text)
        elif isinstance(node, Break):
            out.append("\n")
        elif isinstance(node, (Strong, Emph, Link, EntityRef)):
            out.append(inline_text(node.children))
    return "".join(out)


def block_text(block: Block) -> str:
    """The visible text of a block, used by every heuristic."""
    if isinstance(block, (Paragraph, Heading)):
        return inline_text(block.inlines)
    if isinstance(block, Turn):  # a question's later paragraphs have no speaker
        return f"{block.speaker}：{inline_text(block.inlines)}" if block.speaker else inline_text(block.inlines)
    if isinstance(block, Quote):
        return "\n".join(block_text(b) for b in block.blocks)
    if isinstance(block, ListBlock):
        return "\n".join(block_text(b) for item in block.items for b in item)
    if isinstance(block, Table):
        cells = list(block.header) + [c for row in block.rows for c in row]
        return " ".join(inline_text(c) for c in cells)
    if isinstance(block, Figure):
        return inline_text(block.caption)
    if isinstance(block, CodeBlock):
        return block.text
    return ""


@dataclass(frozen=True)
class Summary:
    """What index, entity and feed pages need to know about one published article.

    The pipeline keeps only these in memory after an article is written, so a
    10k-article build never holds every body at once.
    """

    slug: Slug
    title: str
    raw_path: str
    sha256: str
    lang: str
    date: str | None = None
    source: str | None = None
    platform: str | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    url: str | None = None
    summary: str | None = None
    entities: tuple[str, ...] = ()
    chars: int = 0
    title_inferred: bool = False  # no title found: the first words of the body stand in (the editor's desk lists it)
    added: str | None = None  # the day its dump entered raw/: where an undated article is listed


def summarize(article: Article) -> Summary:
    meta = article.meta
    return Summary(
        slug=article.slug,
        title=meta.title,
        raw_path=article.raw_path,
        sha256=article.sha256,
        lang=meta.lang,
        date=meta.date,
        source=meta.source,
        platform=meta.platform,
        authors=meta.authors,
        tags=meta.tags,
        url=meta.url,
        summary=meta.summary,
        entities=article.entities,
        chars=sum(len(block_text(b)) for b in article.blocks),
        title_inferred=meta.title_inferred,
    )


# --- text views of blocks (what cleaning and cross-dump passes compare) ------------------

DECORATION = " \t*_#>\\|·•★☆▲▼△▽◆◇■□●○→←↑↓👆👇🌟"
_LINE_KEY_DROP = re.compile(r"[\s《》「」“”\"'：:|｜_\-—]+")


def visible(block: Block) -> str:
    """A block's text without the decoration portals wrap short lines in."""
    return strip_decoration(block_text(block))


def strip_decoration(text: str) -> str:
    """``text`` without the spaces, stars, arrows and bullets portals wrap short lines in."""
    return text.strip().strip(DECORATION).strip()


def line_key(text: str) -> str:
    """Two lines with the same key say the same thing: spaces, quotes, brackets and case ignored."""
    return _LINE_KEY_DROP.sub("", text).lower()


def web_url(value: str) -> str | None:
    """``value`` as a web address (http or https, with a host), or None."""
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.hostname:
        return value
    return None

