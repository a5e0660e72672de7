"""What a saved page states about its article outside the body: title, headline, dates, authors, site.

Read from the whole parsed page (``<title>``, ``<meta>``, JSON-LD, the headline element, the elements and
script variables a page marks its publication time with, the dateline by the main container) into hints the
metadata stage chooses among.  The body itself is read by :mod:`build_tools.stages.readers.html`.
"""

from __future__ import annotations

import json
import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from build_tools.model import Hint

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



def tags(root: Tag) -> list[Tag]:
    """Every tag under ``root`` in document order (``root.find_all(True)``)."""
    return [element for element in root.descendants if isinstance(element, Tag)]


def find(root: Tag, name: str) -> Tag | None:
    """The first tag called ``name`` under ``root`` (``root.find(name)``)."""
    for element in root.descendants:
        if isinstance(element, Tag) and element.name == name:
            return element
    return None


_TITLE_CLASS = re.compile(r"title|headline|biaoti|标题", re.I)


def _is_heading(tag: Tag) -> bool:
    if tag.name in ("h1", "h2", "h3"):
        return True
    names = " ".join(tag.get("class") or []) + " " + str(tag.get("id") or "")
    return tag.name in ("div", "p", "span", "td", "strong", "b") and bool(_TITLE_CLASS.search(names))


def content_heading(main: Tag) -> str | None:
    """The heading that opens the article: the first one inside the main content before any prose, or the
    nearest one above it (pages put the <h1> outside the text's container)."""
    for tag in main.find_all(True, limit=40):
        text = one_line(tag.get_text(" "))
        if _is_heading(tag) and 4 <= len(text) <= 120 and not _DATED.search(text):
            return text
        if tag.name == "p" and len(text) > 40:
            break
    stated = _stated_above(main)
    if stated:
        return stated
    for tag in main.find_all_previous(True, limit=60):
        if _is_heading(tag):
            text = one_line(tag.get_text(" "))
            if 4 <= len(text) <= 120 and not _DATED.search(text):
                return text
    return None


# A forum post or a blog entry states its subject just above its text without a heading element: after a
# label ("主题：标题"), or as the entry's bold line that the text then opens with again.
_TITLE_LABEL = re.compile(r"^(?:帖子)?(?:主题|主題|标题|標題|题目|題目)\s*[:：]\s*")
_SENTENCE_END = re.compile(r"[。！？!?；;]$")
ABOVE_REACH = 12  # pieces of text above the main container a stated subject may sit in


def _stated_above(main: Tag) -> str | None:
    above = _text_above(main, ABOVE_REACH)
    for i, text in enumerate(above):
        label = _TITLE_LABEL.match(text)
        if label:
            subject = one_line(text[label.end():] or (above[i - 1] if i > 0 else ""))
            if 4 <= len(subject) <= 120 and not _DATED.search(subject):
                return subject
    opening = next((one_line(str(t)) for t in main.find_all(string=True, limit=20)
                    if str(t).strip() and not isinstance(t, Comment)), "")
    key = _key(opening)
    repeated = any(_key(text) == key for text in above[:8])
    return opening if repeated and len(key) >= 4 and len(opening) <= 60 and not _SENTENCE_END.search(opening) \
        else None


# A full date as pages write it under a headline: 2020-02-29, 2020/2/29, 2020.02.29, 2020年2月29日, and a
# blog engine's English form, "September 10th, 2005", also localised: "十一月 6th, 2009" (a Chinese month name).
_FULL_DATE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}(?!\d)|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)"
    r"|(?<![一二三四五六七八九十])[一二三四五六七八九十]{1,3}月\s*\d{1,2}(?:st|nd|rd|th)?,\s*(?:19|20)\d{2}(?!\d)"
    r"|\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?"
    r"|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?\s+\d{1,2}(?:st|nd|rd|th)?,\s*(?:19|20)\d{2}(?!\d)"
)
_DATE_ATTRS = ("datetime", "content")


def dateline(soup: BeautifulSoup, main: Tag) -> str | None:
    """The publication date a page states where readers see it: an element marked as the publication date
    (``itemprop=datePublished``, ``<time datetime>``), else the first full date in the text between the
    article's heading and its first paragraph (the dateline), looked for just above the main container and
    in its first lines.  Dates further away (related lists, comments, the footer) are never read."""
    for tag in soup.find_all(attrs={"itemprop": "datePublished"}, limit=1):
        value = next((tag.get(a) for a in _DATE_ATTRS if tag.get(a)), None) or tag.get_text(" ", strip=True)
        if _FULL_DATE.search(value):
            return value
    # The container's own first lines first: a date above it may be the page's (a crawl-day date in the
    # header), one between the container's start and its first paragraph is the entry's.
    for node in main.find_all(string=True, limit=25):
        text = str(node).strip()
        if len(text) > 80:
            break  # the first paragraph: a date in the prose is not a dateline
        if _FULL_DATE.search(text):
            return text
    headline = _key(soup.title.get_text()) if soup.title is not None else ""
    for node in _text_above(main, DATELINE_REACH, headline):
        if _FULL_DATE.search(node):
            return node
    return None


DATELINE_REACH = 40  # pieces of visible text above the main container a dateline may sit in


def _text_above(main: Tag, reach: int, headline: str = "") -> list[str]:
    """The last ``reach`` pieces of visible text before ``main``, nearest first, up to the article's heading
    (an ``<h1>``–``<h3>``, or the text the tab title starts with): a date above the heading is the page's
    (today's date in a portal's top bar), not the article's.  Blank strings and comments (the whitespace
    between a share bar's many tags) do not count against the reach."""
    found: list[str] = []
    for node in main.previous_elements:  # a generator: the walk stops at the reach
        if not isinstance(node, NavigableString) or isinstance(node, Comment):
            continue
        text = str(node).strip()
        if not text or node.parent is None or node.parent.name in ("script", "style"):
            continue
        key = _key(text)
        if node.find_parent(("h1", "h2", "h3")) is not None or (len(key) >= 6 and headline.startswith(key)):
            break
        found.append(text)
        if len(found) >= reach:
            break
    return found


def _key(text: str) -> str:
    return "".join(re.findall(r"[^\W_]+", text)).lower()


_LINE_BREAKS = re.compile(r"\s*[\r\n\t]+\s*")
_DATED = re.compile(r"\d{4}\s*[年/.-]\s*\d{1,2}\s*[月/.-]\s*\d{1,2}|星期[一二三四五六日天]")


def one_line(text: str) -> str:
    """Text on one line, its own spaces (U+3000, double spaces) kept: titles are cited as written."""
    return _LINE_BREAKS.sub(" ", text).strip()


def page_hints(soup: BeautifulSoup) -> tuple[Hint, ...]:
    found: list[Hint] = []
    # soup.title, soup.find_all("meta") and soup.find_all("script", type="application/ld+json"), in one walk.
    title: Tag | None = None
    metas: list[Tag] = []
    scripts: list[Tag] = []
    published_in_script: str | None = None
    for tag in tags(soup):
        name = tag.name
        if name == "meta":
            metas.append(tag)
        elif name == "title":
            if title is None:
                title = tag
        elif name == "script" and tag.get("type") == "application/ld+json":
            scripts.append(tag)
        elif name == "script" and tag.string and not published_in_script:
            published_in_script = _script_date(tag.string)
    headings = [t for t in tags(soup) if t.name == "h1" or t.get("itemprop") == "headline"]
    for heading in headings[:3]:
        text = one_line(heading.get_text(" "))
        if 2 <= len(text) <= 200:
            found.append(Hint("heading", text, "html-h1"))
    title_text = title.string if title is not None else None
    # A lower heading the tab title starts with is the headline as the page shows it, without the suffix the
    # tab title glues on ("标题-EDN 电子技术设计"): pages without an <h1> set their headline in an <h2>–<h6>.
    tab = _key(title_text or "")
    for heading in (t for t in tags(soup) if t.name in ("h2", "h3", "h4", "h5", "h6")) if tab else ():
        text = one_line(heading.get_text(" "))
        key = _key(text)
        if len(key) >= 6 and tab.startswith(key) and len(key) * 2 >= len(tab) and len(text) <= 200:
            found.append(Hint("heading", text, "html-heading"))
            break
    if title_text and title_text.strip():
        found.append(Hint("title", title_text.strip(), "html-title"))
    for meta in metas:
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        value = (meta.get("content") or "").strip()
        if key in META_FIELDS and value:
            found.append(Hint(META_FIELDS[key], value, f"meta:{key}"))
    for script in scripts:
        found.extend(_json_ld(script.string or ""))
    marked = _marked_date(soup)
    if marked:
        found.append(Hint("published", marked, "html-date-element"))
    if published_in_script:
        found.append(Hint("published", published_in_script, "html-script-variable"))
    in_comment = _comment_date(soup)
    if in_comment:
        found.append(Hint("published", in_comment, "html-comment-property"))
    return tuple(found)


# Newspaper CMSs write the article's properties into a comment at the end of the page, as date elements:
# "<!--mpproperty <founder-date>2022-02-12</founder-date> …-->".  Only an element named as a (publication)
# date, holding a full date.
_COMMENT_DATE = re.compile(r"<(?:[a-z]+[-_:])?(?:pub|publish|publication)?[-_]?date>\s*(?P<value>[^<>]{8,40}?)\s*</",
                           re.I)


def _comment_date(soup: BeautifulSoup) -> str | None:
    for node in soup.find_all(string=lambda text: isinstance(text, Comment)):
        found = _COMMENT_DATE.search(str(node)[:20_000])
        if found and _FULL_DATE.search(found["value"]):
            return found["value"]
    return None


# A page's scripts often carry the publication date as a named variable: publishtime="2009年11月09日 00:00",
# "pubDate":"2024-05-06T15:44:46".  Only these names; any other date in a script is not the article's.
_SCRIPT_DATE = re.compile(
    r"""\b(?:pub_?date|publish_?time|publish_?date|date_?published|pubtime|post_?date|release_?date)["']?\s*[:=]\s*["']"""
    r"""(?P<value>[^"'\n]{8,40})["']""",
    re.I,
)
# Elements a page marks as the article's date: class or id names like these, the date in their text or data.
_DATE_MARK = re.compile(r"(^|[-_\s])(pub|publish|post|article|news|art|create)?[-_]?(date|time|datetime|pubtime)"
                        r"([-_\s]|$)|^(date|time)$", re.I)


def _script_date(source: str) -> str | None:
    found = _SCRIPT_DATE.search(source[:200_000])
    return found["value"] if found and _FULL_DATE.search(found["value"]) else None


def _marked_date(soup: BeautifulSoup) -> str | None:
    """The first element marked as a date (by its class or id, or a <time>) that holds a full date, before any
    list of links to other pages (whose dates belong to those pages)."""
    for tag in tags(soup):
        if tag.name in ("ul", "ol") and len(tag.find_all("a", limit=4)) >= 4:
            continue
        names = " ".join(tag.get("class") or []) + " " + str(tag.get("id") or "")
        if tag.name != "time" and not _DATE_MARK.search(names.strip()):
            continue
        if tag.find_parent(("ul", "ol", "dl")) is not None:
            continue
        candidates = [str(v) for k, v in tag.attrs.items() if k in ("datetime", "title") or k.startswith("data-")]
        candidates.append(tag.get_text(" ", strip=True)[:60])
        for value in candidates:
            if _FULL_DATE.search(value):
                return value
    return None


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
        if isinstance(item.get("articleBody"), str):
            hints.append(Hint("article_body", item["articleBody"], "json-ld"))
        publisher = item.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            hints.append(Hint("source", publisher["name"], "json-ld"))
    return hints
