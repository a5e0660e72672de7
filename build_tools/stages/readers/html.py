"""Saved HTML pages and HTML fragments, read with BeautifulSoup into blocks."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, NavigableString, Tag

from build_tools.model import (
    Block,
    Break,
    Code,
    CodeBlock,
    Emph,
    Figure,
    Heading,
    Hint,
    Inline,
    InlineImage,
    Link,
    ListBlock,
    Paragraph,
    Quote,
    Rule,
    Strong,
    Table,
    Text,
)
from build_tools.stages.readers import Body
from build_tools.stages.readers.inlines import normalize

_TAGS = re.compile(r"<(p|div|br|img|h[1-6]|html|body|article|span|a|section|table)\b", re.I)
DROP = ("script", "style", "noscript", "iframe", "nav", "header", "footer", "aside", "form", "button",
        "svg", "canvas", "object", "embed", "template", "select", "input", "textarea")
BLOCK_TAGS = {"p", "div", "section", "article", "main", "figure", "ul", "ol", "table", "blockquote",
              "pre", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "center", "dl"}
META_FIELDS = {
    "og:title": "title",
    "twitter:title": "title",
    "article:published_time": "published",
    "pubdate": "published",
    "publishdate": "published",
    "og:url": "url",
    "author": "byline",
    "article:author": "byline",
    "og:site_name": "source",
    "description": "description",
    "og:description": "description",
    "keywords": "keywords",
}


_PAGE_MARKUP = re.compile(r"<(p|div|img|table|ul|ol|h[1-6]|blockquote|section|article|figure|br|a)\b", re.I)


def has_page_markup(text: str) -> bool:
    return bool(_PAGE_MARKUP.search(text))


@dataclass(frozen=True)
class HtmlReader:
    name: str = "html"

    def matches(self, text: str) -> bool:
        sample = text[:50_000]
        return len(_TAGS.findall(sample)) >= 3 and sample.count("<") > sample.count("\n") / 4

    def read(self, text: str) -> Body:
        """The page's body as blocks and its metadata (title, meta tags, JSON-LD) as hints, from one parse."""
        soup = BeautifulSoup(text, "lxml")
        hints = _page_hints(soup)
        # What soup.find_all(DROP) and soup.find_all(_is_furniture) return, in document order, found
        # in one plain walk over the tree each (BeautifulSoup's generic matcher is many times slower).
        for tag in [t for t in _tags(soup) if t.name in _DROP or (t.prefix and f"{t.prefix}:{t.name}" in _DROP)]:
            tag.decompose()
        for tag in [t for t in _tags(soup) if _is_furniture(t)]:
            if not tag.decomposed:
                tag.decompose()
        root = _find(soup, "article") or _find(soup, "body") or soup
        return Body(tuple(_blocks(root)), hints)


_DROP = frozenset(DROP)


def _tags(root: Tag) -> list[Tag]:
    """Every tag under ``root`` in document order (``root.find_all(True)``)."""
    return [element for element in root.descendants if isinstance(element, Tag)]


def _find(root: Tag, name: str) -> Tag | None:
    """The first tag called ``name`` under ``root`` (``root.find(name)``)."""
    for element in root.descendants:
        if isinstance(element, Tag) and element.name == name:
            return element
    return None


# Containers whose class or id names page furniture (as readability and trafilatura do).
_FURNITURE = re.compile(
    r"(^|[-_\s])(nav|navbar|menu|breadcrumbs?|crumbs?|footer|foot|sidebar|side|aside|related|recommend\w*|"
    r"share|sharing|social|comments?|ad|ads|advert\w*|banner|toolbar|copyright|hot|rank|tags?-?list|"
    r"login|subscribe|qrcode|qr)($|[-_\s\d])",
    re.I,
)


def _is_furniture(tag: Tag) -> bool:
    if tag.name in ("body", "html", "article", "main") or not isinstance(tag, Tag):
        return False
    names = " ".join(tag.get("class") or []) + " " + str(tag.get("id") or "")
    return bool(names.strip()) and bool(_FURNITURE.search(names))


def _page_hints(soup: BeautifulSoup) -> tuple[Hint, ...]:
    found: list[Hint] = []
    # soup.title, soup.find_all("meta") and soup.find_all("script", type="application/ld+json"), in one walk.
    title: Tag | None = None
    metas: list[Tag] = []
    scripts: list[Tag] = []
    for tag in _tags(soup):
        name = tag.name
        if name == "meta":
            metas.append(tag)
        elif name == "title":
            if title is None:
                title = tag
        elif name == "script" and tag.get("type") == "application/ld+json":
            scripts.append(tag)
    title_text = title.string if title is not None else None
    if title_text and title_text.strip():
        found.append(Hint("title", title_text.strip(), "html-title"))
    for meta in metas:
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        value = (meta.get("content") or "").strip()
        if key in META_FIELDS and value:
            found.append(Hint(META_FIELDS[key], value, f"meta:{key}"))
    for script in scripts:
        found.extend(_json_ld(script.string or ""))
    return tuple(found)


READER = HtmlReader()


def _json_ld(raw: str) -> list[Hint]:
    try:
        data = json.loads(raw)
    except ValueError:
        return []
    items = data if isinstance(data, list) else [data]
    hints: list[Hint] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        for key, name in (("headline", "title"), ("datePublished", "published"), ("url", "url")):
            if isinstance(item.get(key), str):
                hints.append(Hint(name, item[key], "json-ld"))
        authors = item.get("author")
        for author in authors if isinstance(authors, list) else [authors]:
            if isinstance(author, dict) and isinstance(author.get("name"), str):
                hints.append(Hint("byline", author["name"], "json-ld"))
            elif isinstance(author, str):
                hints.append(Hint("byline", author, "json-ld"))
        publisher = item.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            hints.append(Hint("source", publisher["name"], "json-ld"))
    return hints


_CAPTION_CLASS = re.compile(r"desc|caption|img-?note|pic-?text")
_HEADING = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))


def _is_caption(tag: Tag) -> bool:
    if tag.name == "figcaption":
        return True
    classes = " ".join(tag.get("class") or [])
    return bool(_CAPTION_CLASS.search(classes))


def _blocks(root: Tag) -> list[Block]:
    out: list[Block] = []
    pending: list[Inline] = []

    def flush() -> None:
        inlines = normalize(pending)
        pending.clear()
        if inlines:
            out.extend(_paragraph(inlines))

    for node in root.children:
        if isinstance(node, NavigableString):
            if node.strip():
                pending.append(Text(str(node)))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if name not in BLOCK_TAGS and name != "figcaption":
            pending.extend(_inline(node))
            continue
        flush()
        if _is_caption(node) and out and isinstance(out[-1], Figure) and not out[-1].caption:
            caption = normalize(_inlines(node))
            out[-1] = Figure(out[-1].src, out[-1].alt, caption)
        elif name in _HEADING:
            inlines = normalize(_inlines(node))
            if inlines:
                out.append(Heading(int(name[1]), inlines))
        elif name == "p":
            inlines = normalize(_inlines(node))
            if inlines:
                out.extend(_paragraph(inlines))
        elif name in ("ul", "ol"):
            items = [tuple(_blocks(li)) for li in node.find_all("li", recursive=False)]
            items = [i for i in items if i]
            if items:
                out.append(ListBlock(name == "ol", tuple(items)))
        elif name == "blockquote":
            inner = _blocks(node)
            if inner:
                out.append(Quote(tuple(inner)))
        elif name == "pre":
            text = node.get_text()
            if text.strip():
                out.append(CodeBlock(text.rstrip("\n")))
        elif name == "hr":
            out.append(Rule())
        elif name == "table":
            table = _table(node)
            if table:
                out.append(table)
        else:
            out.extend(_blocks(node))
    flush()
    return out


def _paragraph(inlines: tuple[Inline, ...]) -> list[Block]:
    """Images among the text become figures of their own, in place."""
    out: list[Block] = []
    run: list[Inline] = []
    for node in inlines:
        if isinstance(node, InlineImage):
            text = normalize(run)
            if text:
                out.append(Paragraph(text))
            run = []
            out.append(Figure(node.src, node.alt))
        else:
            run.append(node)
    text = normalize(run)
    if text:
        out.append(Paragraph(text))
    return out


def _table(node: Tag) -> Table | None:
    rows = []
    for tr in node.find_all("tr"):
        cells = tuple(normalize(_inlines(td)) for td in tr.find_all(["td", "th"], recursive=False))
        if cells:
            rows.append((cells, bool(tr.find("th"))))
    if not rows:
        return None
    header, body = (rows[0][0], rows[1:]) if rows[0][1] or len(rows) > 1 else ((), rows)
    return Table(header, tuple(r for r, _ in body))


def _inlines(node: Tag) -> list[Inline]:
    out: list[Inline] = []
    for child in node.children:
        out.extend(_inline(child))
    return out


def _inline(child) -> list[Inline]:
    """One node as inline content: the node itself, not only its children."""
    if isinstance(child, NavigableString):
        return [Text(str(child))]
    if not isinstance(child, Tag):
        return []
    name = child.name
    if name == "br":
        return [Break()]
    if name == "img":
        src = child.get("data-src") or child.get("src") or ""
        return [InlineImage(str(src), str(child.get("alt") or ""))]
    if name in ("strong", "b"):
        return [Strong(tuple(_inlines(child)))]
    if name in ("em", "i"):
        return [Emph(tuple(_inlines(child)))]
    if name == "code":
        return [Code(child.get_text())]
    if name == "a":
        children = tuple(_inlines(child))
        href = str(child.get("href") or "")
        # Portals auto-link entity names (36kr "project-link"); those are not the author's links.
        if "project-link" in (child.get("class") or []) or not href:
            return list(children)
        return [Link(href, children)]
    return _inlines(child)

