"""Reading a built article page the way a reader sees it (helpers for the page-level tests)."""

from __future__ import annotations

import html
import re

import yaml

# The renderer's own sections after the article body (entities line, related list, archive box).
_AFTER_BODY = re.compile(r"\n\n(?:\*\*本文涉及：\*\*|## 相关文章\n|\?\?\? info )")
_ATTR = r"(?:[.#][\w-]+|[\w-]+=(?:\"[^\"]*\"|[^\s}]+))"
_ATTR_LIST = re.compile(rf"\{{:?\s*{_ATTR}(?:\s+{_ATTR})*\s*\}}")
_IMAGE = re.compile(r"!\[((?:\\.|[^\]\\\n])*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_LINK = re.compile(r"\[((?:\\.|[^\]\\\n])*)\]\((?:[^()\s]|\([^()\s]*\))*\)")


def split_page(page: str) -> tuple[dict, str]:
    """(front matter as parsed by YAML, everything after it)."""
    if not page.startswith("---\n"):
        raise AssertionError("page does not start with YAML front matter")
    end = page.index("\n---\n", 4)
    return yaml.safe_load(page[4:end]), page[end + 5:]


def article_body(page: str) -> str:
    """The Markdown of the article body only: no front matter, title, header line or archive sections."""
    _, rest = split_page(page)
    rest = rest.lstrip("\n")
    if rest.startswith("# "):  # the page title
        rest = rest.split("\n", 1)[1] if "\n" in rest else ""
    first, _, after = rest.lstrip("\n").partition("\n\n")
    if first.endswith("{ .article-meta }"):  # a header line, when the renderer writes one
        rest = after
    rest = "\n\n" + rest.strip("\n")
    cut = _AFTER_BODY.search(rest)
    return (rest[: cut.start()] if cut else rest).strip()


def visible(markdown: str) -> str:
    """Text as a reader sees it: attr lists, link targets, images and Markdown escapes removed."""
    text = _ATTR_LIST.sub("", markdown)
    text = _IMAGE.sub("", text)
    for _ in range(3):  # links inside links (bold text inside a link inside emphasis)
        text = _LINK.sub(r"\1", text)
    # An unescaped run of * is emphasis markup; \x is the literal x.
    text = re.sub(r"\\(.)|\*+", lambda m: m.group(1) or "", text)
    return html.unescape(text)


def squash(text: str) -> str:
    """Whitespace-insensitive form for containment checks (soft breaks, hard breaks, spacing)."""
    return re.sub(r"\s+", "", text)


def contains(page_text: str, needle: str) -> bool:
    return squash(needle) in squash(page_text)


def older_pages(pages: dict[str, str], start: str) -> list[str]:
    """A list's archived pages in reading order, following the "较旧的文章" links from its main page ``start``."""
    import posixpath

    order, path = [], start
    while True:
        older = re.search(r"\[较旧的文章 →\]\(([^)]+)\)", pages[path])
        if older is None:
            return order
        path = posixpath.normpath(posixpath.join(posixpath.dirname(path), older.group(1)))
        assert path in pages and path not in order, path
        order.append(path)
