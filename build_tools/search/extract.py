"""What a built page says: its title, main text and kind, read off the HTML MkDocs wrote.

lxml directly (BeautifulSoup + soupsieve took ~10 ms a page, most of the extraction time);
tests/test_search_index.py pins the results.  The build's own furniture (header metadata,
related-article lists, the archive-information box) is dropped: it would make every article
match its neighbours' titles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
import yaml
from lxml import etree

# Sections the build appends to every article (render.py): not the article's own text.
FURNITURE_HEADINGS = {"相关文章", "继续阅读"}  # related articles; the newer and older ones
FURNITURE_DETAILS = {"存档信息"}
BLOCK_TAGS = [
    "p", "div", "section", "article", "header", "footer", "aside", "blockquote", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "table", "tr",
    "td", "th", "figure", "figcaption", "br", "hr", "details", "summary",
]  # fmt: skip
DROP_SELECTORS = [
    "script", "style", "noscript", "template", "a.headerlink", ".md-content__button",
    ".md-source-file", "nav", "[data-search-exclude]", "svg", ".archive-meta", ".archive-provenance",
]  # fmt: skip


@dataclass
class Page:
    url: str
    kind: str  # article | entity | page
    title: str
    text: str
    aliases: list[str]
    date: str = ""  # the article's date as the page states it (<time datetime>), for results
    source: str = ""  # its 来源
    entities: list[str] = field(default_factory=list)  # ids of the entities its "本文涉及" line links


def _clean_ws(s: str) -> str:
    s = re.sub(r"[ \t\r\f\v\u00a0\u3000]+", " ", s)
    s = re.sub(r" ?\n[ \n]*", "\n", s)
    return s.strip()


_HEADING_RE = re.compile(r"^h[1-6]$")


def _has_class(cls: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')"


# DROP_SELECTORS as XPath over the descendants of the main element (lxml: no soupsieve).
_DROP_XPATH = etree.XPath(
    "|".join(
        [f"descendant::{t}" for t in ("script", "style", "noscript", "template", "nav", "svg")]
        + [
            f"descendant::a[{_has_class('headerlink')}]",
            f"descendant::*[{_has_class('md-content__button')}]",
            f"descendant::*[{_has_class('md-source-file')}]",
            "descendant::*[@data-search-exclude]",
            f"descendant::*[{_has_class('archive-meta')}]",
            f"descendant::*[{_has_class('archive-provenance')}]",
            # "本文涉及": the build's list of linked entities, not the article's text
            f"descendant::*[{_has_class('article-entities')}]",
        ]
    )
)
_MAIN_XPATH = etree.XPath(f"(//article[{_has_class('md-content__inner')}])[1]")
_ARTICLE_XPATH = etree.XPath("(//article)[1]")
_ARCHIVE_ARTICLE = etree.XPath(f"descendant::*[{_has_class('archive-article')}][1]")
_ARCHIVE_ARTICLE_ANY = etree.XPath(f"descendant-or-self::*[{_has_class('archive-article')}][1]")
_BLOCK = frozenset(BLOCK_TAGS)
_PARSER = lxml.html.HTMLParser(encoding="utf-8")


def _drop(el) -> None:
    """Remove an element and its content, keeping the text that follows it (bs4's decompose)."""
    parent = el.getparent()
    if parent is not None:
        el.drop_tree()


def _attached(el, root) -> bool:
    while el is not None:
        if el is root:
            return True
        el = el.getparent()
    return False


def _collect(el, out: list[str], blocks: bool) -> None:
    """Append the text of ``el``'s content in document order (comments/PIs skipped, their tails kept).

    With ``blocks``, a newline goes before and after every block element (what the
    bs4 version did by inserting "\n" strings).
    """
    if el.text:
        out.append(el.text)
    for child in el:
        if isinstance(child.tag, str):
            block = blocks and child.tag in _BLOCK
            if block:
                out.append("\n")
            _collect(child, out, blocks)
            if block:
                out.append("\n")
        if child.tail:
            out.append(child.tail)


def _text(el) -> str:
    """Concatenated text of ``el`` (bs4 ``get_text("")``)."""
    out: list[str] = []
    _collect(el, out, False)
    return "".join(out)


def _stripped_text(el) -> str:
    """bs4 ``get_text("", strip=True)``."""
    out: list[str] = []
    _collect(el, out, False)
    return "".join(s.strip() for s in out)


def _block_text(main) -> str:
    out: list[str] = []
    _collect(main, out, True)
    return "".join(out)


_META_XPATH = etree.XPath(f"descendant::*[{_has_class('archive-meta')}][1]")
_LABEL_XPATH = etree.XPath(f"descendant::li[*[{_has_class('archive-meta__label')}]]")
_TIME_XPATH = etree.XPath("descendant::time[@datetime][1]/@datetime")


def _meta_facts(main) -> tuple[str, str]:
    """(date, source) from the article header the build writes (.archive-meta), before it is dropped."""
    found = _META_XPATH(main)
    if not found:
        return "", ""
    date = ""
    source = ""
    for li in _LABEL_XPATH(found[0]):
        label = _stripped_text(li[0])
        if label == "日期":
            date = str((_TIME_XPATH(li) or [_clean_ws(_text(li))[len(label) :]])[0]).strip()
        elif label == "来源":
            source = _clean_ws(_text(li))[len(label) :].strip()
    return date[:10], source[:80]


_FEED_LINK = etree.XPath(f"descendant::a[{_has_class('archive-feed-link')}]")
_ENTITY_LINKS = etree.XPath(f"descendant::*[{_has_class('article-entities')}]//a/@href")
_ENTITY_ID = re.compile(r"(?:^|/)entities/([^/#?]+)/?(?:[#?].*)?$")


def _entity_ids(main) -> list[str]:
    out: dict[str, None] = {}
    for href in _ENTITY_LINKS(main):
        if m := _ENTITY_ID.search(str(href)):
            out[m.group(1)[:80]] = None
    return list(out)


def extract_page(html_text: str | bytes, rel: str, docs_dir: Path | None) -> Page | None:
    """Title and main text of one built page, or None if it has no main content.

    lxml directly (BeautifulSoup + soupsieve took ~10 ms a page, most of the
    extraction time); tests/test_search_index.py pins the same results.
    """
    data = html_text.encode("utf-8") if isinstance(html_text, str) else html_text
    if not data.strip():
        return None
    try:
        root = lxml.html.document_fromstring(data, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None
    found = _MAIN_XPATH(root) or _ARTICLE_XPATH(root)
    if not found:
        return None
    main = found[0]
    date, source = _meta_facts(main)
    entities = _entity_ids(main)
    for el in _DROP_XPATH(main):
        if _attached(el, main):
            _drop(el)
    h1 = next(main.iterdescendants("h1"), None)
    title = _clean_ws(_text(h1)) if h1 is not None else ""
    if not title:
        head_title = next(root.iter("title"), None)
        if head_title is not None:
            title = _clean_ws(_text(head_title)).rsplit(" - ", 1)[0]
    if h1 is not None:
        _drop(h1)
    parts = rel.split("/")
    is_entity = len(parts) == 3 and parts[0] == "entities" and not _ARCHIVE_ARTICLE(main)
    if is_entity:
        # An entity page is found by its name, aliases and description; the lists of
        # articles and co-occurring entities under its <h2>s would match every query
        # that one of those article titles matches.
        first_h2 = next(main.iterdescendants("h2"), None)
        if first_h2 is not None:
            for el in first_h2.xpath("following::*"):
                _drop(el)
            _drop(first_h2)
        # The line counting its mentions ("本存档中共提及 N 次，见于 M 篇文章", beside the feed link) is the
        # lists' summary: it changes with every new article that names the entity, so indexing it would
        # rebuild the entities' shard for each one (issue 15) and match searches for 提及 or a number.
        for link in _FEED_LINK(main):
            parent = link.getparent()
            _drop(parent if parent is not None and parent.tag == "p" else link)
    _drop_furniture(main)
    text = _clean_ws(_block_text(main))
    if _ARCHIVE_ARTICLE(main) or _ARCHIVE_ARTICLE_ANY(root):
        kind = "article"
    elif is_entity:
        kind = "entity"
    else:
        kind = "page"
    aliases: list[str] = []
    if kind == "entity" and docs_dir is not None:
        aliases, fm_title = _entity_front_matter(docs_dir / "entities" / f"{parts[1]}.md")
        title = title or fm_title
    url = rel[: -len("index.html")] if rel.endswith("index.html") else rel
    return Page(url=url, kind=kind, title=title, text=text, aliases=aliases, date=date, source=source,
                entities=entities)  # fmt: skip


def _drop_furniture(main) -> None:
    """Remove the build's cross-links: they would make every article match its neighbours' titles."""
    for h in [el for el in main.iterdescendants() if isinstance(el.tag, str) and el.tag in _H2_6]:
        if not _attached(h, main) or _stripped_text(h).rstrip("¶").strip() not in FURNITURE_HEADINGS:
            continue
        level = int(h.tag[1])
        for sib in list(h.itersiblings()):
            if not isinstance(sib.tag, str):
                continue
            if _HEADING_RE.match(sib.tag) and int(sib.tag[1]) <= level:
                break
            _drop(sib)
        _drop(h)
    for d in list(main.iterdescendants("details")):
        summary = next(d.iterdescendants("summary"), None)
        if _attached(d, main) and summary is not None and _stripped_text(summary) in FURNITURE_DETAILS:
            _drop(d)


_H2_6 = frozenset(("h2", "h3", "h4", "h5", "h6"))


def _entity_front_matter(md: Path) -> tuple[list[str], str]:
    try:
        raw = md.read_text(encoding="utf-8")
    except OSError:
        return [], ""
    if not raw.startswith("---"):
        return [], ""
    end = raw.find("\n---", 3)
    try:
        fm = yaml.safe_load(raw[3:end]) or {}
    except yaml.YAMLError:
        return [], ""
    aliases = fm.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [aliases]
    return [str(a) for a in aliases if a], str(fm.get("title") or "")
