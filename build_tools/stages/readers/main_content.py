"""Where a saved page keeps its article: the main-content container, found from structure alone.

A saved HTML page holds the article inside a page: navigation, channel menus, share bars, related lists,
comments, ads, footers.  Rules that read the page as a flat list of lines keep whatever they were not told
about, so the container comes first.  The scoring is the one the best extractors use (readability's
paragraph scores propagated to ancestors, trafilatura's and GNE's text and link density), made
CJK-aware: a Chinese paragraph has no spaces and few commas, so length counts characters and punctuation
counts both scripts' marks.

* every paragraph-like element (``p``, ``pre``, ``td``, text-bearing ``div``/``section``/``span`` runs)
  scores by its punctuation and length, and gives that score to its parent (full), grandparent (half) and
  great-grandparent (a third);
* a candidate's score is scaled by how little of its text is link text and by what its class/id say
  (``content``/``article``/``正文`` up, ``comment``/``related``/``footer`` down: data in
  ``CLASS_HINTS``);
* ``<article>``, ``<main>``, ``itemprop=articleBody`` and a JSON-LD ``articleBody`` that the candidate
  contains are strong signals, never blind trust;
* the best candidate grows to its parent while the parent adds prose without adding link lists (articles
  split into several sibling containers), and siblings with enough prose of their own are kept;
* only containers are candidates (never one paragraph, heading or list), and text set in ``<small>`` is small
  print (disclaimers, reprint terms), not prose: a short post's disclaimer box must not outscore the post;
* a post too short to outweigh its own links (a digest: two sentences and a list of linked headlines) is
  found by the one ``<article>``/``<main>``/``articleBody`` element holding prose.

``main_content(root)`` returns the container, or ``None`` when the page has no block of prose at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import NavigableString, Tag

from build_tools.model.errors import DumpError

# Marks that end or split sentences in Chinese and Latin text: prose has them, menus and link lists do not.
_PUNCT = re.compile(r"[，。！？；：、,.!?;:“”「」（）]")
_SPACE = re.compile(r"\s+")
_PARAGRAPHS = frozenset({"p", "pre", "td", "blockquote", "li", "dd", "h2", "h3", "h4"})
_CONTAINERS = frozenset({"div", "section", "article", "main", "td", "body", "center", "font", "span", "form"})
_STRONG = frozenset({"article", "main"})
# class / id words: (pattern, weight).  Kept as data: a site's own names are never listed.
CLASS_HINTS: tuple[tuple[re.Pattern[str], float], ...] = (
    (re.compile(r"article|content|post|entry|text|body|story|main|detail|news_?txt|zhengwen|正文|blog|"
                r"rich_media|markdown|cont\b|conts?\b|artic", re.I), 0.35),
    (re.compile(r"comment|reply|related|recommend|footer|foot|nav|menu|sidebar|side|aside|share|social|"
                r"ad\b|ads\b|advert|banner|promo|hot|rank|list|tags?\b|crumb|header|login|copyright|"
                r"widget|toolbar|author-?info|subscribe|pager|pagination|relate|xgyd|tuijian", re.I), -0.45),
)
MIN_PROSE_CHARS = 60  # a container with less prose than this is not an article body
# The search below costs the page's size times its depth.  The HTML reader's recursion gives up past about this
# depth anyway (layout tables of 4 elements a level, the deepest shape it reads), so a deeper page is refused
# before the search: 5,000 nested <div>s took 4 s to refuse that way, 10,000 took 13 s.
MAX_ELEMENT_DEPTH = 2_000


_BLOCKS = frozenset({"p", "div", "li", "td", "th", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "section",
                     "article", "main", "dd", "dt", "figcaption", "center", "body", "table", "tr", "ul", "ol", "form"})
JUNK_WEIGHT = 0.6  # how much a character of link text or menu text costs against a character of prose


@dataclass
class _Stats:
    text: int = 0  # visible characters, spaces excluded
    prose: int = 0  # characters in blocks that read as sentences
    links: int = 0  # characters inside <a>


def _block_of(node) -> Tag | None:
    parent = node.parent
    while parent is not None and parent.name not in _BLOCKS:
        parent = parent.parent
    return parent


def _negative(tag: Tag) -> bool:
    names = " ".join(tag.get("class") or []) + " " + str(tag.get("id") or "")
    return bool(names.strip()) and _class_weight_of(names) < 0


def _class_weight_of(names: str) -> float:
    return sum(weight for pattern, weight in CLASS_HINTS if pattern.search(names))


def _class_weight(tag: Tag) -> float:
    names = " ".join(tag.get("class") or []) + " " + str(tag.get("id") or "") + " " + str(tag.get("itemprop") or "")
    return _class_weight_of(names) if names.strip() else 0.0


def _measure(root: Tag) -> dict[int, _Stats]:
    """Text, prose and link characters per element, summed bottom-up from every string."""
    block_info: dict[int, tuple[bool]] = {}
    stats: dict[int, _Stats] = {}
    teasers = _teaser_lists(root)
    for node in root.descendants:
        if not isinstance(node, NavigableString) or type(node) is not NavigableString:
            continue
        n = len(_SPACE.sub("", str(node)))
        if not n:
            continue
        block = _block_of(node)
        key = id(block)
        if key not in block_info:
            block_info[key] = (_is_prose(block) and not _within(block, teasers),)
        prose = block_info[key][0]
        in_link = False
        parent = node.parent
        while parent is not None:
            if parent.name == "a":
                in_link = True
            s = stats.setdefault(id(parent), _Stats())
            s.text += n
            if in_link:
                s.links += n
            elif prose:
                s.prose += n
            if parent is root:
                break
            parent = parent.parent
    return stats


def _teaser_lists(root: Tag) -> set[int]:
    """Lists of linked headlines with a summary each (news streams, "you may also like"): their sentences are
    teasers for other pages, not this page's prose.  Four or more items, most led by a link of 8+ characters."""
    found = set()
    for list_tag in root.find_all(("ul", "ol")):
        items = list_tag.find_all("li", recursive=False)
        if len(items) < 4:
            continue
        linked = 0
        for item in items:
            link = item.find("a")
            if link is not None and len(_SPACE.sub("", link.get_text())) >= 8:
                linked += 1
        if linked >= 0.7 * len(items):
            found.add(id(list_tag))
    return found


def _within(tag: Tag | None, ids: set[int]) -> bool:
    while tag is not None:
        if id(tag) in ids:
            return True
        tag = tag.parent
    return False


def _is_prose(block: Tag | None) -> bool:
    """A block that reads as sentences: some length, sentence marks, not mostly links, not furniture by name."""
    if block is None:
        return False
    text, links, punct = 0, 0, 0
    for node in block.descendants:
        if isinstance(node, NavigableString) and type(node) is NavigableString and _block_of(node) is block:
            piece = _SPACE.sub("", str(node))
            text += len(piece)
            punct += len(_PUNCT.findall(piece))
            if node.find_parent("a") is not None:
                links += len(piece)
    return text >= 12 and punct > 0 and links * 2 <= text and not _negative(block) and not _small_print(block)


def _small_print(block: Tag) -> bool:
    """Text set in <small> is the page's small print (disclaimers, caveats, reprint terms: the HTML standard's
    own examples), not the article's sentences."""
    small = sum(len(_SPACE.sub("", tag.get_text())) for tag in block.find_all("small"))
    if not small:
        return block.find_parent("small") is not None
    return small * 2 >= len(_SPACE.sub("", block.get_text()))


class TooDeep(DumpError):  # noqa: N818 - a state of the dump; ingest rejects the dump with its reason
    pass


def refuse_too_deep(root: Tag) -> None:
    """Raise :class:`TooDeep` when an element under ``root`` is nested more than MAX_ELEMENT_DEPTH deep (one walk)."""
    stack = [(root, 0)]
    while stack:
        tag, depth = stack.pop()
        if depth > MAX_ELEMENT_DEPTH:
            raise TooDeep("too deeply nested to read (thousands of nested HTML elements)")
        stack.extend((child, depth + 1) for child in tag.contents if isinstance(child, Tag))


def main_content(root: Tag, article_body: str | None = None) -> Tag | None:
    """The element holding the article's text (see the module docstring), or ``None``."""
    stats = _measure(root)
    body_text = _SPACE.sub("", article_body or "")
    scored: list[tuple[float, Tag]] = []
    for tag in root.find_all(True):
        if tag.name in _NOT_CONTAINERS:
            continue  # the document itself is never the container (at most its <body>), nor one paragraph or list
        s = stats.get(id(tag))
        if s is None or s.prose < MIN_PROSE_CHARS:
            continue
        junk = s.text - s.prose
        score = (s.prose - JUNK_WEIGHT * junk) * (1.0 + 0.3 * _class_weight(tag))
        if tag.name in _STRONG or tag.get("itemprop") == "articleBody":
            score *= 1.15
        if body_text and len(body_text) >= 80 and body_text[:40] in _SPACE.sub("", tag.get_text()):
            score *= 1.3
        scored.append((score, tag))
    best_score, best = max(scored, key=lambda pair: pair[0]) if scored else (0.0, None)
    if best is None or best_score <= 0:
        return _semantic_container(root, stats)
    # The innermost element that keeps nearly all of the best score: a layout table or page wrapper around
    # the article adds a sidebar's few sentences, not the article.
    inner = [tag for score, tag in scored if score >= CONCENTRATION * best_score and _inside(tag, best)]
    return min(inner, key=lambda tag: stats[id(tag)].text) if inner else best


CONCENTRATION = 0.85
# A paragraph, a heading or a list is a piece of the article, never its container (readability scores only
# the parents of paragraphs): a short post's one long sentence must not outscore the post.
_NOT_CONTAINERS = frozenset({"html", "head", "p", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5",
                             "h6", "pre", "small", "a", "b", "strong", "em", "i", "code"})


def _semantic_container(root: Tag, stats: dict[int, _Stats]) -> Tag | None:
    """A page whose article is too short to outweigh its links (two sentences and a list of linked headlines: a
    digest, a link post) still marks it: the one ``<article>``/``<main>``/``itemprop=articleBody`` element
    holding prose.  Its innermost element keeping nearly all of its text is the container."""
    marked = [tag for tag in root.find_all(_STRONG) if (stats.get(id(tag)) or _Stats()).prose >= MIN_PROSE_CHARS]
    marked += [tag for tag in root.find_all(itemprop="articleBody")
               if (stats.get(id(tag)) or _Stats()).prose >= MIN_PROSE_CHARS]
    outer = [tag for tag in marked if not any(_inside(tag, other) for other in marked if other is not tag)]
    if len(outer) != 1:
        return None  # none, or several (a list of article cards): no single article is marked
    whole = stats[id(outer[0])].text
    inner = [tag for tag in outer[0].find_all(True) if tag.name not in _NOT_CONTAINERS
             and (stats.get(id(tag)) or _Stats()).text >= CONCENTRATION * whole]
    return min(inner, key=lambda tag: stats[id(tag)].text, default=outer[0])


def _inside(tag: Tag, ancestor: Tag) -> bool:
    parent = tag.parent
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.parent
    return False


def page_text(root: Tag) -> _Stats:
    """Visible, link and prose characters of the whole page."""
    return _measure(root).get(id(root)) or _Stats()


def prose_paragraphs(main: Tag) -> tuple[int, int]:
    """(prose characters, paragraphs of 40+ characters of prose) in the main container."""
    stats = _measure(main).get(id(main)) or _Stats()
    paragraphs = sum(1 for tag in main.find_all(("p", "div", "td", "li"))
                     if _is_prose(tag) and len(_SPACE.sub("", tag.get_text())) >= 40)
    return stats.prose, paragraphs
