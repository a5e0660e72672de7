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
    "origin_url": "url",
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


_URL_KEYS = frozenset(k for k, v in FRONT_FIELDS.items() if v == "url")


def _is_clip_note(data: dict) -> bool:
    """A note made from a web page (it records the page's URL) and says nothing of who wrote the article:
    its plain ``date`` is when the note was made, not when the article was published.  An export of the
    article itself names its author (or uses an explicit ``published`` key)."""
    keys = {str(k).lower() for k in data}
    if "extra" in keys and isinstance(data.get("extra"), dict):
        keys |= {str(k).lower() for k in data["extra"]}
    return bool(keys & _URL_KEYS) and not keys & {"author", "authors", "byline"}


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
    clip = _is_clip_note(data)
    for key, value in data.items():
        name = FRONT_FIELDS.get(str(key).lower())
        if name == "published" and clip and str(key).lower() == "date":
            name = "captured"
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
# ``\n[^\S\n]*``, not ``\n\s*``: from every newline of a run of blank lines \s* read the whole run (quadratic).
_EVERNOTE_TAGS = re.compile(r"\n[^\S\n]*\*\*Tags:\*\*\s*(?P<tags>[^\n]*)\s*\Z")


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
_CUBOX_FOOTER = re.compile(r"\n[^\S\n]*\[跳转到 Cubox 查看\]\([^()]*\)\s*\Z")


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


# --- SimpRead (简悦) and reader-mode banners ---------------------------------------
# "> 本文由 [简悦 SimpRead](http://ksria.com/simpread/) 转码， 原文地址 [host](url)": one banner line above the
# article (sometimes saved with Markdown escapes), never part of it; its URL is the article's.

_BANNER = re.compile(r"\A\s*(?:\\?>\s*)?本文由[^\n]{0,80}?转码[^\n]{0,20}?原文地址(?P<rest>[^\n]*)\n")
_BANNER_URL = re.compile(r"https?://[^\s)\]]+")


def _banner_unwrap(text: str) -> Unwrapped | None:
    found = _BANNER.match(text)
    if found is None:
        return None
    rest = found.group("rest").replace("\\", "")
    urls = [u for u in _BANNER_URL.findall(rest) if "ksria.com" not in u]
    hints = (Hint("url", urls[-1], "clip-banner"),) if urls else ()
    return Unwrapped(text[found.end():], hints, "markdown")


# --- exporter header as a quote block ---------------------------------------------------
# WeChat exporters and read-later tools put the article's metadata in a quote block above it:
# "> 公众号: 某某", "> 发布时间: 2026-04-08 08:03", "> 原文链接: https://…".  Two or more such lines.

QUOTE_FIELDS = {
    "公众号": "source", "公眾號": "source", "来源": "source", "來源": "source", "作者": "byline",
    "发布时间": "published", "發布時間": "published", "发表时间": "published",
    "原文链接": "url", "原文連結": "url", "原文地址": "url", "链接": "url",
}
_QUOTE_LINE = re.compile(r"^>\s*(?P<key>[^:：\n]{1,6})\s*[:：]\s*(?P<value>[^\n]+)$")
_QUOTE_HEAD = re.compile(r"\A\s*(?:#[^\n]*\n\s*)?((?:>[^\n]*\n)+)")


def _quote_fields(text: str) -> list[tuple[str, str]] | None:
    found = _QUOTE_HEAD.match(text)
    if not found:
        return None
    lines = [_QUOTE_LINE.match(line.strip()) for line in found.group(1).splitlines() if line.strip(" >")]
    fields = [(QUOTE_FIELDS[m["key"].strip()], m["value"].strip())
              for m in lines if m and m["key"].strip() in QUOTE_FIELDS]
    return fields if len(fields) >= 2 and len(fields) == len(lines) else None


def _quote_unwrap(text: str) -> Unwrapped | None:
    fields = _quote_fields(text)
    found = _QUOTE_HEAD.match(text)
    if fields is None or found is None:
        return None
    hints = tuple(Hint(name, value, "quote-header") for name, value in fields)
    return Unwrapped(text[: found.start(1)] + text[found.end(1):], hints, "markdown")


WRAPPERS: tuple[Wrapper, ...] = (
    Wrapper("jina", _jina_unwrap),
    Wrapper("front-matter", _front_unwrap),
    Wrapper("evernote", _evernote_unwrap),
    Wrapper("cubox", _cubox_unwrap),
    Wrapper("simpread", _banner_unwrap),
    Wrapper("quote-header", _quote_unwrap),
)
