"""The HTML an article may contain, and the check that a rendered page holds nothing else.

This is the second wall against script from a dump.  The first is the Markdown writer, which escapes every
byte of dump text; this one does not trust the writer.  nh3 (the Rust sanitizer ammonia) cleans the HTML with
the allowlist below, and anything it would remove (an element, an attribute, a URL with another scheme) is a
violation.  Nothing is silently cleaned: a page with a violation means the writer has a bug, so the site
check (``python -m build_tools.sitecheck``) fails the build and names the page.
"""

from __future__ import annotations

from collections import Counter

import nh3
from lxml import etree, html

# Everything Python-Markdown (with the extensions of mkdocs.yml) and the article templates produce.
ALLOWED_TAGS = frozenset({
    "p", "br", "strong", "em", "code", "pre", "a", "img", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td", "hr", "div", "span",
    "details", "summary", "sup", "sub", "section", "time", "dl", "dt", "dd", "nav", "small", "abbr", "header",
})
ALLOWED_ATTRIBUTES = {
    "*": {"class", "id", "title", "lang", "aria-label"},
    # type: the raw copy's media type; target: the original article opens in a new tab (templates only).
    "a": {"href", "rel", "type", "target"},
    "img": {"src", "alt", "referrerpolicy", "loading"},
    "th": {"align", "style"},
    "td": {"align", "style"},
    "time": {"datetime"},
    "details": {"open"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def sanitised(fragment: str) -> str:
    return nh3.clean(fragment, tags=set(ALLOWED_TAGS), attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
                     link_rel=None, url_schemes=set(URL_SCHEMES), strip_comments=True)


def _shape(fragment: str) -> Counter:
    """Elements with their attribute names and URL values: what sanitising could remove or change."""
    if not fragment.strip():
        return Counter()
    root = html.fragment_fromstring(fragment, create_parent="div")
    shape: Counter = Counter()
    for node in root.iter():
        if node is root:
            continue
        if not isinstance(node.tag, str):  # comment or processing instruction
            shape[("<!-- -->",)] += 1
            continue
        urls = tuple(node.get(a, "") for a in ("href", "src") if node.get(a) is not None)
        shape[(node.tag, tuple(sorted(node.attrib)), urls)] += 1
    return shape


def violations(fragment: str) -> list[str]:
    """What nh3 would remove from ``fragment`` with the article allowlist, one line each (empty: inert)."""
    cleaned = sanitised(fragment)
    if cleaned == fragment:  # nothing removed: both shapes would be one parse of the same text (~0.5 ms a page)
        return []
    return removed(_shape(fragment), _shape(cleaned))


def removed(before: Counter, after: Counter) -> list[str]:
    """What ``after`` (the sanitised shape) lacks of ``before``, one line each."""
    found = []
    for key, count in sorted((before - after).items(), key=repr):
        if key == ("<!-- -->",):
            found.append(f"{count} HTML comment(s)")
            continue
        tag, attrs, urls = key
        label = f"<{tag}" + "".join(f" {a}" for a in attrs) + ">"
        where = f" ({', '.join(u[:60] for u in urls)})" if urls else ""
        found.append(label + where + (f" ×{count}" if count > 1 else ""))
    return found


def article_region(page: str) -> str | None:
    """The part of a built Material page that is the article (front matter fields and body), as HTML."""
    try:
        tree = html.document_fromstring(page)
    except (etree.ParserError, ValueError):
        return None
    found = tree.xpath('//article[contains(concat(" ", normalize-space(@class), " "), " md-content__inner ")]')
    if not found:
        return None
    inner = found[0]
    return (inner.text or "") + "".join(etree.tostring(child, encoding="unicode", method="html") for child in inner)
