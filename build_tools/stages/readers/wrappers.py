"""Envelopes that clippers and exporters put around an article."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import yaml
from yaml.nodes import MappingNode, ScalarNode

from build_tools.model import Hint, yaml_read
from build_tools.model.records import preview

WARNING = "warning"  # Hint.field of a problem the article carries to the build report (as ingest's repairs)


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
    return _jina_from(text, _JINA_HEAD.match(text))


# Bookmark and read-later tools that fetch pages through Jina Reader save its whole output under a summary
# of their own ("## TL;DR", "## Summary", "## Full Content"): the article is what follows Jina's header.
_JINA_INNER = re.compile(r"^Title:[^\n]*\n(?:.*\n){0,12}?Markdown Content:[ \t]*\n", re.M)


def _jina_inner_unwrap(text: str) -> Unwrapped | None:
    head = _JINA_INNER.search(text)
    if head is None or "URL Source:" not in head.group(0) or len(text) - head.end() < head.start():
        return None  # no Jina header inside, or the text before it would outweigh the article after it
    return _jina_from(text, head)


def _jina_from(text: str, head: re.Match[str] | None) -> Unwrapped | None:
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
    read = _front_matter(found.group(1))
    if read is None:
        return None
    data, warnings = read
    hints = []
    clip = _is_clip_note(data)
    for key, value in data.items():
        name = FRONT_FIELDS.get(str(key).lower())
        if name == "published" and clip and str(key).lower() == "date":
            name = "captured"
        if name is None or value in (None, ""):
            continue
        for item in value if isinstance(value, list) else [value]:
            shown = _text_of(item)
            if shown is None:
                why = "too many digits to write" if isinstance(item, int) else "not text, a number or a date"
                warnings.append(_dropped(key, preview(item), why, "value"))
            else:
                hints.append(Hint(name, shown.strip(), "front-matter"))
    return Unwrapped(text[found.end():], tuple(hints) + tuple(Hint(WARNING, w, "front-matter") for w in warnings))


_READ_KEYS = frozenset(FRONT_FIELDS) | {"extra", "byline"}  # what hints and _is_clip_note read
FIELD_VALUES = 10_000  # values one field may expand to (a tag list has tens; an alias bomb, 10**9)
_TOP_KEY = re.compile(r"^[^\s#\[\]{},&*!|>'\"%@`-][^:\n]*:(?:[ \t]|$)")


def _front_matter(source: str) -> tuple[dict, list[str]] | None:
    """The front matter's fields and what was wrong with the ones the build reads, or None when it is no YAML
    mapping.  A value YAML cannot turn into data (``date: 2025-02-30``, a 5,000-digit number, a list nested
    thousands deep, an unknown ``!tag``, an alias bomb) costs that field only."""
    warnings: list[str] = []
    for _ in range(4):
        try:
            loader, root = yaml_read.compose(source)
            break
        except yaml.YAMLError:
            return None
        except yaml_read.YamlProblem as problem:  # brackets nested past the limit: the scanner stops there
            cut = _without_entry(source, problem.line)
            if cut is None:
                return None
            source, key, value = cut
            warnings.append(_dropped(key, preview(value), problem.reason))
    else:
        return None
    if not isinstance(root, MappingNode):
        return None
    used = {}  # key -> its (last) value node, for the keys the build reads
    for key_node, value_node in root.value:
        try:
            key = yaml_read.scalar(loader, key_node) if isinstance(key_node, ScalarNode) else None
        except yaml_read.YamlProblem:
            continue
        if isinstance(key, (str, int, float)) and str(key).lower() in _READ_KEYS:
            used[key] = value_node  # (of two equal keys the last counts, in the place of the first, as in YAML)
    data: dict = {}
    for key, value_node in used.items():
        loader.values_left = FIELD_VALUES
        try:
            data[key], _ = yaml_read.plain(loader, value_node, (key,))
        except yaml_read.YamlProblem as problem:
            warnings.append(_dropped(key, preview(source[value_node.start_mark.index: value_node.end_mark.index]),
                                     problem.reason))
    return data, warnings


def _without_entry(source: str, line: int) -> tuple[str, str, str] | None:
    """``source`` without the top-level entry that holds ``line`` (1-based), that entry's key and value text."""
    lines = source.split("\n")
    start = next((i for i in range(min(line, len(lines)) - 1, -1, -1) if _TOP_KEY.match(lines[i])), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if _TOP_KEY.match(lines[i])), len(lines))
    key, _, value = "\n".join(lines[start:end]).partition(":")
    return "\n".join(lines[:start] + lines[end:]), key.strip(), value.strip()


def _text_of(item: object) -> str | None:
    """A front matter value as a hint's text: text, numbers, dates; None for anything else."""
    if not (isinstance(item, (str, int, float)) or hasattr(item, "isoformat")):
        return None
    try:
        return str(item)
    except ValueError:  # an integer of more than 4,300 digits (written in hex, YAML reads it)
        return None


def _dropped(key: object, shown: str, reason: str, what: str = "field") -> str:
    return f"front matter field {key}: {shown} cannot be used ({reason}); the {what} is dropped"


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
    Wrapper("jina-inside", _jina_inner_unwrap),
    Wrapper("evernote", _evernote_unwrap),
    Wrapper("cubox", _cubox_unwrap),
    Wrapper("simpread", _banner_unwrap),
    Wrapper("quote-header", _quote_unwrap),
)
