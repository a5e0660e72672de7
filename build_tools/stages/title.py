"""The article's title, from the candidates a dump states, with the site's name and sections taken off.

A saved page names its article several times: the clipper's or front matter's ``title:``, ``og:title`` and
JSON-LD ``headline``, the ``<h1>`` (or an ``itemprop=headline`` element), and the ``<title>``, which portals
extend with the section, the site's name and SEO keywords ("标题_财经_新浪网", "标题 - 社會 - 中時",
"风传媒 | 标题").  No list per site is needed: the candidates are compared with each other (a headline the
``<title>`` starts with is the title), and what remains is cut at title separators, dropping the pieces
that are a known site name (``og:site_name``, the publisher, the URL's host, a portal's names) or look
like section labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from build_tools.model import Hint

# Where portals join a title to its section and site name: "_", " - ", "--", "|", "｜", " · ", " — ", "»".
# "_" separates only where it is not part of a Latin identifier ("site_name", "C_2").
_SEPARATOR = re.compile(
    r"\s*(?:(?<![A-Za-z0-9])_{1,2}|_{1,2}(?![A-Za-z0-9])|--+|\|\|?|｜|»|«|::)\s*|\s+[-–—·•]\s+|\s+[-–—]{2}\s*|\s*—{2}\s*"
)
_SPACE = re.compile(r"\s+")
_BREAKS = re.compile(r"[\t\r\n]+")  # a title keeps its own spaces (U+3000, double spaces) but not line breaks
_WORD = re.compile(r"[^\W_]+")
_TRUST = ("title", "headline", "og-title", "html-title")
MAX_TITLE = 200


def norm(text: str) -> str:
    return "".join(_WORD.findall(text)).lower()


def site_names(hints: Sequence[Hint], portal_names: Iterable[str] = ()) -> frozenset[str]:
    """Names the site goes by, normalised: og:site_name, the publisher, the host's labels, portal names."""
    names = {norm(n) for n in portal_names}
    for hint in hints:
        if hint.field == "source" and len(hint.value) <= 40:
            names.add(norm(hint.value))
        elif hint.field == "url":
            host = (urlsplit(hint.value.strip()).hostname or "").removeprefix("www.")
            names.update(norm(label) for label in host.split(".") if len(label) >= 3)
            if host:
                names.add(norm(host))
    return frozenset(n for n in names if n)


def _is_site_piece(piece: str, names: frozenset[str]) -> bool:
    key = norm(piece)
    if not key:
        return True
    return any(key == n or (len(n) >= 2 and (key.startswith(n) or key.endswith(n)) and len(key) <= len(n) + 6)
               or (len(key) >= 3 and key in n) for n in names)


def _is_label(piece: str) -> bool:
    """A section or channel label: short, no sentence marks."""
    text = piece.strip()
    return len(text) <= 8 and not re.search(r"[，。！？：:,.!?]", text)


# A page number the tab title of a paged view adds ("标题(页 1)", "标题（第2页）"): not part of the title.
_PAGE_NUMBER = re.compile(r"\s*[（(]\s*(?:第\s*\d+\s*页|页\s*\d+|[Pp]age\s*\d+)\s*[)）]\s*$")


def strip_site(title: str, names: frozenset[str]) -> str:
    """``title`` without the site name, section labels and keyword tails that portals add around it."""
    headline = _strip_site(_BREAKS.sub(" ", title).strip(), names)
    return _PAGE_NUMBER.sub("", headline) or headline


def _strip_site(title: str, names: frozenset[str]) -> str:
    pieces = [p for p in _SEPARATOR.split(title) if p.strip()]
    if len(pieces) <= 1:
        return title
    while len(pieces) > 1 and (_is_site_piece(pieces[-1], names) or _is_label(pieces[-1])):
        pieces.pop()
    while len(pieces) > 1 and _is_site_piece(pieces[0], names):
        pieces.pop(0)
    if len(pieces) == 1:
        return pieces[0].strip()
    # Still several pieces: the headline is the longest one unless the first is a real sentence of its own
    # (a keyword tail after the headline: "标题_关键词_关键词").
    first = pieces[0].strip()
    longest = max(pieces, key=len).strip()
    return first if len(first) >= 6 or first == longest else longest


# --- the file's own name --------------------------------------------------------------------------------
# "Save as" and most clippers name the file after the article ("标题 - 站点.html", "标题_站点.md"); a
# SimpRead export states its title nowhere else.  A name that is an id, a number or a program's default
# ("新建文本文档", "Untitled") names nothing.
_EXTENSIONS = re.compile(r"(?:\.(?:html?|xhtml|mhtml?|md|markdown|txt|text|xz|gz|bz2))+$", re.I)
_CLIPPER_PREFIX = re.compile(r"^(?:simpread|SimpRead|简悦)\s*[-_：:]\s*")  # SimpRead's older export names
# A date before the title: blog engines' "2009-11-10-标题.md", an archive's "2009-11-10 标题.html", a vault's
# "2026-04-20 - 标题.md".  The date is the day the file was written or clipped as often as the day the article
# was published, so it only leaves the title (it is not read as the article's date).
_DATE_PREFIX = re.compile(r"^(?:19|20)\d{2}([-_.]?)\d{1,2}\1\d{1,2}(?:[\s_]*[-–—:：_][\s_]*|\s+)(?=\S)")
_DEFAULT_NAMES = re.compile(r"^(?:新建文本文档|新建.{0,12}文档|未命名|无标题|無標題|未命名文件|Untitled|untitled|"
                            r"index|article|page|download)(?:\s*[(（]?\d*[)）]?)$")
_HAN = re.compile(r"[\u3400-\u9fff]")
_NAME_SEPARATOR = re.compile(r"\s+[-–—|｜]\s+|_")  # where a saved page's name joins the title to the site
MIN_NAME_HAN = 4  # Chinese characters a file name needs to be read as a title


def file_name_title(raw_path: str) -> str | None:
    """The title the dump's file name states, without its extension, a clipper's prefix and the site or
    section names joined after it; None when the name is an id, a number or a default name."""
    stem = _EXTENSIONS.sub("", raw_path.rsplit("/", 1)[-1])
    stem = _DATE_PREFIX.sub("", _BREAKS.sub(" ", _CLIPPER_PREFIX.sub("", stem)).strip())
    if len(_HAN.findall(stem)) < MIN_NAME_HAN or _DEFAULT_NAMES.match(stem) or len(stem) > MAX_TITLE:
        return None
    pieces = _NAME_SEPARATOR.split(stem)
    while len(pieces) > 1 and _is_label(pieces[-1]) and len(norm("".join(pieces[:-1]))) >= 6:
        pieces.pop()
    # "_" inside a title stays (a name may have replaced a "/" or ":" with it); only the site pieces go.
    title = _rejoin(stem, pieces)
    return title if len(_HAN.findall(title)) >= MIN_NAME_HAN else None


def _rejoin(stem: str, pieces: list[str]) -> str:
    """``stem`` up to the end of its first ``len(pieces)`` pieces (the separators between them kept)."""
    end, at = 0, 0
    for piece in pieces:
        at = stem.index(piece, end)
        end = at + len(piece)
    return stem[:end].strip()


def agrees(line: str, title: str) -> bool:
    """A line of the dump that states ``title`` (the same words, or the title with a short prefix or suffix)."""
    a, b = norm(line), norm(title)
    if len(a) < 4 or len(b) < 4:
        return False
    short, long_ = sorted((a, b), key=len)
    return short in long_ and len(short) * 4 >= len(long_) * 3


def _agrees_with_page(title: str, lines: Sequence[str]) -> str | None:
    """A line of the page itself that the title starts with (or one of its pieces is): the headline as the
    page shows it, without whatever the tab title adds ("-EDN 电子技术设计", "Joel on Software - ")."""
    key = norm(title)
    pieces = {norm(p) for p in _SEPARATOR.split(title) if len(norm(p)) >= 4}
    for line in lines:
        line_key = norm(line)
        if len(line_key) < 4 or line_key == key:
            continue
        if (key.startswith(line_key) and len(line_key) * 2 >= len(key)) or line_key in pieces:
            return line
    return None


def choose_title(hints: Sequence[Hint], names: frozenset[str],
                 page_lines: Sequence[str] = ()) -> tuple[str, str] | None:
    """(title, where it came from), or None when the dump states no title.  ``page_lines``: the short lines
    the page shows near its start (kept or dropped by cleaning), for agreement with the tab title."""
    stated: dict[str, list[tuple[str, str]]] = {kind: [] for kind in _TRUST}
    for hint in hints:
        value = _BREAKS.sub(" ", hint.value).strip()
        if not value or len(value) > 4 * MAX_TITLE:
            continue
        if hint.field == "title":
            kind = "html-title" if hint.source == "html-title" else (
                "og-title" if hint.source.startswith(("meta:", "json-ld")) else "title")
            stated[kind].append((value, hint.source))
        elif hint.field == "heading":
            stated["headline"].append((value, hint.source))
    page_titles = [v for v, _ in stated["html-title"] + stated["og-title"]]
    # A headline the browser tab or og:title also states (usually as their start) is the title as written.
    # The page's headline is the title when the tab or og:title starts with it (after any leading site name):
    # an <h1> that is the site's logo agrees only with the suffix and is skipped.
    stripped = [strip_site(t, names) for t in page_titles]
    for value, source in stated["headline"]:
        key = norm(value)
        if len(key) < 2 or _is_site_piece(value, names):
            continue
        for title, whole in zip(stripped, page_titles, strict=True):
            if norm(title).startswith(key) or norm(whole).startswith(key) or (len(key) >= 8 and key in norm(whole)):
                return value[:MAX_TITLE], source
            if len(norm(title)) >= 6 and norm(title) in key:  # the heading adds a column label: "智能 标题"
                return title[:MAX_TITLE], "agreement"
    for value, source in stated["title"]:
        title = value if source == "file-name" else strip_site(value, names)  # file names are cut already
        if len(norm(title)) >= 2:
            return title[:MAX_TITLE], source
    # Two of the page's own statements agreeing: a JSON-LD or og:title headline the tab title (or another
    # og:title) starts with is the title, before any heading in the text (which may be a caption).
    for value, source in stated["og-title"]:
        key = norm(value)
        if len(key) >= 6 and not _is_site_piece(value, names) and any(
                norm(whole) != key and norm(whole).startswith(key) for whole in page_titles):
            return value[:MAX_TITLE], source
    # The heading that opens the article's text, when the tab title says something else (a slogan, a forum name).
    for value, source in stated["headline"]:
        if source == "content-heading" and len(norm(value)) >= 6 and not _is_site_piece(value, names):
            return value[:MAX_TITLE], source
    for kind in ("og-title", "html-title"):
        for value, _ in stated[kind]:
            shown = _agrees_with_page(value, page_lines)
            if shown:
                return _BREAKS.sub(" ", shown).strip()[:MAX_TITLE], "page-line"
    for kind in ("og-title", "html-title", "headline"):  # a headline nothing agrees with may be a logo
        for value, source in stated[kind]:
            title = strip_site(value, names)
            if len(norm(title)) >= 2:
                return title[:MAX_TITLE], source
    return None
