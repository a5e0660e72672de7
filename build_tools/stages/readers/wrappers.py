"""Envelopes that clippers and exporters put around an article."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from build_tools.model import Hint


@dataclass(frozen=True)
class Unwrapped:
    body: str
    hints: tuple[Hint, ...]
    inner_format: str | None = None


@dataclass(frozen=True)
class Wrapper:
    name: str
    unwrap: Callable[[str], Unwrapped | None]  # None: the text has no envelope of this kind


# --- Jina Reader ------------------------------------------------------------

JINA_FIELDS = {"Title": "title", "URL Source": "url", "Published Time": "published"}
_JINA_HEAD = re.compile(r"\A\s*Title:[^\n]*\n(?:.*\n){0,12}?Markdown Content:[ \t]*\n", re.M)


def _jina_unwrap(text: str) -> Unwrapped | None:
    head = _JINA_HEAD.match(text)
    if head is None:
        return None
    hints = []
    for line in head.group(0).splitlines():
        key, _, value = line.partition(":")
        if key.strip() in JINA_FIELDS and value.strip():
            hints.append(Hint(JINA_FIELDS[key.strip()], value.strip(), "jina-header"))
    return Unwrapped(text[head.end():], tuple(hints), "markdown")


# --- YAML front matter (Hexo, Obsidian, Omnivore, feed archivers) ----------

_FRONT = re.compile(r"\A\s*---[ \t]*\n(.*?\n)---[ \t]*\n", re.S)
FRONT_FIELDS = {
    "title": "title",
    "url": "url",
    "link": "url",
    "source": "url",
    "original_url": "url",
    "date": "published",
    "published": "published",
    "date_published": "published",
    "saved": "captured",
    "date_saved": "captured",
    "created": "captured",
    "author": "byline",
    "authors": "byline",
    "site": "source",
    "site_name": "source",
    "tags": "tags",
    "categories": "tags",
}


def _front_unwrap(text: str) -> Unwrapped | None:
    found = _FRONT.match(text)
    if not found:
        return None
    try:
        data = yaml.safe_load(found.group(1))
    except yaml.YAMLError:
        return None
    if not isinstance(data, dict):
        return None
    hints = []
    for key, value in data.items():
        name = FRONT_FIELDS.get(str(key).lower())
        if name is None or value in (None, ""):
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, (str, int, float)) or hasattr(item, "isoformat"):
                hints.append(Hint(name, str(item).strip(), "front-matter"))
    return Unwrapped(text[found.end():], tuple(hints))


# --- Evernote / 印象笔记 web clip ----------------------------------------------

_EVERNOTE = re.compile(r"\A\s*#\s+(?P<title>[^\n]+)\n+(?P<meta>(?:>[^\n]*\n)+)\s*(?:---\s*\n)?")
_EVERNOTE_META = {"创建时间": "captured", "来源": "url", "作者": "byline", "标签": "tags", "URL": "url"}
# The clipper's own machine summary and reading-time line, not the author's text.
_EVERNOTE_DIGEST = re.compile(r"\A\s*速读摘要\s*\n.*?原文约[^\n]*\n", re.S)
_EVERNOTE_TAGS = re.compile(r"\n\s*\*\*Tags:\*\*\s*(?P<tags>[^\n]*)\s*\Z")


def _evernote_unwrap(text: str) -> Unwrapped | None:
    found = _EVERNOTE.match(text)
    if not found or not re.search(r"笔记本|创建时间|Notebook|Created", found.group("meta")):
        return None
    hints = [Hint("title", found.group("title").strip(), "evernote-header")]
    for line in found.group("meta").splitlines():
        key, sep, value = line.lstrip("> ").partition(":")
        if sep and key.strip() in _EVERNOTE_META and value.strip():
            hints.append(Hint(_EVERNOTE_META[key.strip()], value.strip(), "evernote-header"))
    body = _EVERNOTE_DIGEST.sub("\n", text[found.end():], count=1)
    tags = _EVERNOTE_TAGS.search(body)
    if tags:
        for tag in re.findall(r"#([^\s#]+)", tags.group("tags")):
            hints.append(Hint("tags", tag, "evernote-footer"))
        body = body[: tags.start()]
    return Unwrapped(body, tuple(hints), "markdown")


# --- Cubox web clip -----------------------------------------------------------

_CUBOX = re.compile(
    r"\A\s*(?P<title>[^\n]+)\n=+[ \t]*\n\s*\[(?P<host>[\w.-]+\.\w+)\]\((?P<url>[^)\s]+)\)(?P<rest>[^\n]*)\n"
)
_CUBOX_FOOTER = re.compile(r"\n\s*\[跳转到 Cubox 查看\]\([^)]*\)\s*\Z")


def _cubox_unwrap(text: str) -> Unwrapped | None:
    found = _CUBOX.match(text)
    if not found or not ("cubox" in text[-400:].lower() or "cubox.pro" in text):
        return None
    hints = [
        Hint("title", found.group("title").strip(), "clip-header"),
        Hint("url", found.group("url"), "clip-header"),
    ]
    if found.group("rest").strip():
        hints.append(Hint("account_line", found.group("rest").strip(), "clip-header"))
    body = _CUBOX_FOOTER.sub("\n", text[found.end():])
    return Unwrapped(body, tuple(hints), "markdown")


WRAPPERS: tuple[Wrapper, ...] = (
    Wrapper("jina", _jina_unwrap),
    Wrapper("front-matter", _front_unwrap),
    Wrapper("evernote", _evernote_unwrap),
    Wrapper("cubox", _cubox_unwrap),
)
