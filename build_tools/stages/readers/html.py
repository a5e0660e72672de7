"""Saved HTML pages and HTML fragments, read with BeautifulSoup into blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup, CData, NavigableString, Tag
from bs4.element import Comment, Declaration, Doctype, ProcessingInstruction, Script, Stylesheet, TemplateString

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
    PageShape,
    Paragraph,
    Quote,
    Rule,
    Strong,
    Table,
    Text,
)
from build_tools.stages.readers import Body
from build_tools.stages.readers.html_meta import content_heading, dateline, find, page_hints, tags
from build_tools.stages.readers.inlines import normalize
from build_tools.stages.readers.main_content import main_content, page_text, prose_paragraphs, refuse_too_deep

# A saved page: before its first element only a BOM, whitespace, comments ("saved from url", the crawler's
# URL), an XML declaration or a doctype; then a document-level element.
_SAVED_PAGE = re.compile(
    # Linear: one run of whitespace between the prologue's parts, and a comment ends at its first "-->"
    # (``(?:\s+|…)*`` was exponential on a dump starting with 40 blank lines; ``.{0,2000}?`` spanned comments).
    r"\ufeff?\s*(?:(?:<!--(?:(?!-->).){0,2000}-->|<\?xml[^>]{0,200}\?>|<!doctype[^>]{0,300}>)\s*)*"
    r"<(?:html|head|body|meta|title|link|base|script|style)[\s>/]",
    re.I | re.S,
)
_TAGS = re.compile(r"<(p|div|br|img|h[1-6]|html|body|article|span|a|section|table)\b", re.I)
DROP = ("script", "style", "noscript", "iframe", "nav", "header", "footer", "aside", "form", "button",
        "svg", "canvas", "object", "embed", "template", "select", "input", "textarea")
BLOCK_TAGS = {"p", "div", "section", "article", "main", "figure", "ul", "ol", "table", "blockquote",
              "pre", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "center", "dl"}
_PAGE_MARKUP = re.compile(r"<(p|div|img|table|ul|ol|h[1-6]|blockquote|section|article|figure|br|a)\b", re.I)


def has_page_markup(text: str) -> bool:
    return bool(_PAGE_MARKUP.search(text))


@dataclass(frozen=True)
class HtmlReader:
    name: str = "html"

    def matches(self, text: str) -> bool:
        if _SAVED_PAGE.match(text):
            return True
        sample = text[:50_000]
        return len(_TAGS.findall(sample)) >= 3 and sample.count("<") > sample.count("\n") / 4

    def read(self, text: str) -> Body:
        """The page's body as blocks, its metadata (title, meta tags, JSON-LD, headline, dateline) as hints and
        the shape of its text, from one parse."""
        return _parse(text)


_DROP = frozenset(DROP)
_TABLE_PARTS = frozenset(("tbody", "thead", "tfoot", "tr", "td", "th"))


def fragment_blocks(text: str) -> tuple[Block, ...]:
    """An HTML fragment inside another format (a Markdown clip's raw <figure> or <div>): all of it, as blocks.
    No main-content search: the surrounding document already is the article."""
    soup = BeautifulSoup(text, "lxml")
    for tag in [t for t in tags(soup) if t.name in _DROP or _is_furniture(t)]:
        if not tag.decomposed:
            tag.decompose()
    return tuple(_blocks(find(soup, "article") or find(soup, "body") or soup))


def _parse(text: str) -> Body:
    """One parse: the body from the main-content container, the page's hints, and the shape of its text."""
    soup = BeautifulSoup(text, "lxml")
    refuse_too_deep(soup)
    hints = page_hints(soup)
    # What soup.find_all(DROP) and soup.find_all(_is_furniture) return, in document order, found
    # in one plain walk over the tree each (BeautifulSoup's generic matcher is many times slower).
    for tag in [t for t in tags(soup) if t.name in _DROP or (t.prefix and f"{t.prefix}:{t.name}" in _DROP)]:
        if not tag.decomposed and not _holds_prose(tag, "form"):
            tag.decompose()
    for toc in _tables_of_contents(soup):
        toc.decompose()
    whole = page_text(soup)
    page_marks = len(_PROSE_MARKS.findall(soup.get_text()))
    for tag in [t for t in tags(soup) if _is_furniture(t)]:
        # A furniture-named container that holds most of the page's sentences is the article's wrapper.
        if not tag.decomposed and not (_holds_prose(tag) and _shown_marks(tag) * 2 >= page_marks):
            tag.decompose()
    body = next((h.value for h in hints if h.field == "article_body"), None)
    main = main_content(soup, body)
    root = main or find(soup, "article") or find(soup, "body") or soup
    hints = tuple(h for h in hints if h.field != "article_body")
    heading = content_heading(main) if main is not None else None
    if heading:
        hints += (Hint("heading", heading, "content-heading"),)
    stated = dateline(soup, main) if main is not None else None
    if stated:
        hints += (Hint("published", stated, "html-dateline"),)
    shape = PageShape(whole.text, whole.links, *(prose_paragraphs(main) if main is not None else (0, 0)))
    return Body(tuple(_blocks(root)), hints, shape)


# A container named like furniture ("share", "list"…) that holds this many sentence marks is the article's
# wrapper, not furniture (portals wrap articles in "js_img_share_area", ASP.NET pages in one <form>).
_PROSE_MARKS = re.compile(r"[，。！？；]")
PROSE_MARKS_KEPT = 8


def _tables_of_contents(soup: Tag) -> list[Tag]:
    """A page's own table of contents: the widest element whose links all jump within the page ("#section")
    and make most of its text.  The headings it lists are in the article; the list is navigation."""
    found: list[Tag] = []
    for link in soup.find_all("a", href=_IN_PAGE):
        top = None
        for parent in link.parents:  # up to the first ancestor with a link out of the page (all above have it)
            if parent.name in ("body", "html", "[document]", "article", "main"):
                break
            jumps = _jumps_only(parent)
            if jumps is None:
                break
            top = parent if jumps else top
        if top is not None and not any(top is t or _within(top, t) for t in found):
            found.append(top)
    return found


_IN_PAGE = re.compile(r"^#")
TOC_LINKS = 3  # a table of contents lists three or more sections


def _jumps_only(tag: Tag) -> bool | None:
    """True: a table of contents; False: not (yet: too few links, or too much text); None: it links out."""
    links = tag.find_all("a")
    if any(not _IN_PAGE.match(str(a.get("href") or "")) for a in links):
        return None
    if len(links) < TOC_LINKS:
        return False
    text = len("".join(tag.get_text().split()))
    return sum(len("".join(a.get_text().split())) for a in links) * 10 >= text * 6


def _within(tag: Tag, ancestor: Tag) -> bool:
    return any(parent is ancestor for parent in tag.parents)


def _marks(tag: Tag) -> int:
    return len(_PROSE_MARKS.findall(tag.get_text()))


def _shown_marks(tag: Tag) -> int:
    """Sentence marks a reader sees without a click: a comment section's rules folded away (Bootstrap's
    ``collapse``, ``hidden``, ``display:none``) are no sign that the section is the article."""
    folded = tag.find_all(_folded)
    outer = [t for t in folded if not any(_within(t, o) for o in folded if o is not t)]
    return _marks(tag) - sum(_marks(t) for t in outer)


def _folded(tag: Tag) -> bool:
    classes = tag.get("class") or []
    if "collapse" in classes and "show" not in classes and "in" not in classes:
        return True
    return tag.has_attr("hidden") or bool(_NO_DISPLAY.search(str(tag.get("style") or "")))


_NO_DISPLAY = re.compile(r"display\s*:\s*none", re.I)


def _holds_prose(tag: Tag, only: str | None = None) -> bool:
    if only is not None and tag.name != only:
        return False
    return len(_PROSE_MARKS.findall(tag.get_text())) >= PROSE_MARKS_KEPT


# Containers whose class or id names page furniture (as readability and trafilatura do).
_FURNITURE = re.compile(
    r"(^|[-_\s])(nav|navbar|menu|breadcrumbs?|crumbs?|footer|foot|sidebar|side|aside|related\w*|recommend\w*|"
    r"share|sharing|social|comment\w*|reply\w*|respond|ad|ads|advert\w*|banner|toolbar|copyright|hot|rank|tags?-?list|"
    r"login|subscribe|qrcode|qr)($|[-_\s\d])",
    re.I,
)


def _is_furniture(tag: Tag) -> bool:
    if tag.name in ("body", "html", "article", "main") or not isinstance(tag, Tag):
        return False
    names = " ".join(tag.get("class") or []) + " " + str(tag.get("id") or "")
    # Inside code, class names are a highlighter's tokens ("hljs-comment", "comment"), not page furniture.
    return bool(names.strip()) and bool(_FURNITURE.search(names)) and tag.find_parent(_CODE) is None


_CODE = ("pre", "code")


def _code_text(node: Tag) -> str:
    """A code block's text with each <br> as the line break it shows (highlighters wrap lines in spans + <br>)."""
    parts = []
    for piece in node.descendants:
        if isinstance(piece, Tag):
            if piece.name == "br":
                parts.append("\n")
        elif type(piece) in (NavigableString, CData):
            parts.append(str(piece))
    return "".join(parts)


READER = HtmlReader()


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
            if _shown(node) and node.strip():
                pending.append(Text(str(node)))
            continue
        if not isinstance(node, Tag):
            continue
        name = node.name
        if name in _TABLE_PARTS:  # the main container can be a row or a cell of a layout table
            flush()
            out.extend(_blocks(node))
            continue
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
            text = _code_text(node)
            if text.strip():
                out.append(CodeBlock(text.rstrip("\n")))
        elif name == "hr":
            out.append(Rule())
        elif name == "table":
            out.extend(_table_blocks(node))
        else:
            out.extend(_blocks(node))
    flush()
    return out


# Strings a browser never shows: comments (a template's "<!-- /.fontsize -->", "<!-- ad start -->", a whole
# commented-out share bar), declarations, processing instructions, and the text of a <style>, <script> or
# <template> wherever it survived.  BeautifulSoup makes them NavigableString subclasses, so they read as text.
_HIDDEN_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction, Stylesheet, Script, TemplateString)


def _shown(node: NavigableString) -> bool:
    return not isinstance(node, _HIDDEN_STRINGS)


def _paragraph(inlines: tuple[Inline, ...]) -> list[Block]:
    """Images among the text become figures of their own, in place; a blank line (``<br><br>``, what older pages
    separate their paragraphs with) ends a paragraph, as a browser shows it."""
    out: list[Block] = []
    run: list[Inline] = []

    def flush() -> None:
        text = normalize(run)
        if text:
            out.append(Paragraph(text))
        run.clear()

    for node in inlines:
        if isinstance(node, InlineImage):
            flush()
            out.append(Figure(node.src, node.alt))
        elif isinstance(node, Break) and _ends_line(run):
            flush()
        else:
            run.append(node)
    flush()
    return out


def _ends_line(run: list[Inline]) -> bool:
    """The run so far ends with a line break and only blank text after it: the next break leaves a blank line."""
    for node in reversed(run):
        if isinstance(node, Break):
            return True
        if not (isinstance(node, Text) and not node.text.strip()):
            return False
    return False


def _table_blocks(node: Tag) -> list[Block]:
    """A table of data as a table; a layout table as the blocks of its cells, in order."""
    if not _is_layout_table(node):
        table = _table(node)
        return [table] if table else []
    out: list[Block] = []
    for cell in _own_cells(node):
        out.extend(_blocks(cell))
    return out


def _own_cells(table: Tag) -> list[Tag]:
    """The cells of ``table`` itself, in document order, not those of tables nested in it.  One walk that
    stops at nested tables: asking every cell for its table (``find_parent``) made pages of nested layout
    tables quadratic in their depth (200 levels, 7 kB: 1.6 s)."""
    cells: list[Tag] = []
    stack = list(reversed([c for c in table.children if isinstance(c, Tag)]))
    while stack:
        tag = stack.pop()
        if tag.name == "table":
            continue
        if tag.name in ("td", "th"):
            cells.append(tag)
        stack.extend(reversed([c for c in tag.children if isinstance(c, Tag)]))
    return cells


def _is_layout_table(node: Tag) -> bool:
    """A table used to lay out a page (cells holding paragraphs, one cell or one column), not a table of data."""
    cells = _own_cells(node)
    if len(cells) <= 1:
        return True
    for cell in cells:
        if cell.find(["p", "div", "table", "ul", "ol", "h1", "h2", "h3", "blockquote", "pre"]) is not None:
            return True
        if len(cell.get_text(strip=True)) > 200 or len(cell.find_all("br")) >= 3:
            return True
    return all(len(row.find_all(["td", "th"], recursive=False)) <= 1 for row in node.find_all("tr"))


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
        return [Text(str(child))] if _shown(child) else []
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

