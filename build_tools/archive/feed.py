"""The Atom feeds: ``feed.xml`` (the newest articles), one per source (``articles/feeds/<source>.xml``) and
one per entity (``entities/<id>.xml``), from :class:`~build_tools.model.Summary` records and the articles'
cleaned text as HTML.

A pure function of its arguments: no clock, no disk.  Every timestamp is the article's own date or, when
the dump states none, the day it was added to raw/ (and the entry says so); an article with neither is
left out rather than given an invented date.  Links are absolute, from ``site_url``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import islice

from build_tools.archive.ordering import ADDED_LABEL, newest_first
from build_tools.archive.paging import Part, Parts, every_part, listed_keys
from build_tools.archive.slugs import hashed_slug
from build_tools.model import Summary

ATOM_NS = "http://www.w3.org/2005/Atom"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Entity links in an article's HTML are relative to its page; in a feed they must be absolute.
_ENTITY_HREF = re.compile(r'href="\.\./entities/([a-z0-9][a-z0-9-]*)\.md"')
MAIN_LIMIT = 50  # entries in feed.xml
TOPIC_LIMIT = 10  # entries in a source's or an entity's feed: each carries full text, and an archive has hundreds


@dataclass(frozen=True)
class Channel:
    """One feed: where it is written, what it is called, the page it stands for, what it holds."""

    path: str  # docs-relative: feed.xml, articles/feeds/<key>.xml, entities/<id>.xml
    title: str
    page: str  # site-relative URL of the page it mirrors ("" for the home page)
    members: Sequence[Summary]
    limit: int


def source_feed(name: str, prefix: str = "", known: Mapping[str, str] | None = None) -> str:
    """Where a source's feed lives, from ``prefix`` (``articles/`` from the docs root): an ASCII name.
    ``known``: :func:`source_feed_names` of the archive's sources, when the caller kept it."""
    found = known.get(name) if known else None
    return prefix + (found or f"feeds/{hashed_slug(name)}.xml")


def source_feed_names(names: Sequence[str]) -> dict[str, str]:
    """name → its feed's path below articles/.  A Chinese name's pinyin needs a large dictionary (half a
    second to load): the pipeline keeps this mapping like a whole-archive pass, so a build whose sources
    did not change never loads it."""
    return {name: source_feed(name) for name in names}


def timestamp(summary: Summary) -> tuple[str, bool] | None:
    """The entry's ``published``: its date (a full day), else its added day (True: it is the added day)."""
    if summary.date and _DAY.match(summary.date.strip()):
        return f"{summary.date.strip()}T00:00:00Z", False
    if summary.added and _DAY.match(summary.added):
        return f"{summary.added}T00:00:00Z", True
    return None


def feeds(summaries: Sequence[Summary], bodies: Mapping[str, str], *, site_url: str, title: str,
          entity_names: Mapping[str, str] | None = None, feed_paths: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every feed of the archive: docs-relative path → Atom XML.  ``bodies``: slug → the article's HTML."""
    return every_part([feed_parts(summaries, bodies, site_url=site_url, title=title, entity_names=entity_names,
                                  feed_paths=feed_paths)])


def feed_parts(summaries: Sequence[Summary], bodies: Mapping[str, str], *, site_url: str, title: str,
               entity_names: Mapping[str, str] | None = None, feed_paths: Mapping[str, str] | None = None,
               keys: Mapping[str, str] | None = None, ordered: bool = False) -> Parts:
    """The feeds as a reduction: each feed a part made by :func:`channel_page` from the entries it carries
    (the newest ``limit`` of its articles that have a timestamp), which its inputs name with whether each has
    a body (``keys``: slug → the key naming the article, its body too: :func:`~build_tools.archive.paging.
    listed_keys`; ``ordered``: the summaries are newest first already)."""
    members = list(summaries) if ordered else newest_first(summaries)
    channels = [Channel("feed.xml", title, "", members, MAIN_LIMIT)]
    by_source: dict[str, list[Summary]] = {}
    by_entity: dict[str, list[Summary]] = {}
    for s in members:
        if s.source and s.source.strip():
            by_source.setdefault(s.source, []).append(s)
        for entity in dict.fromkeys(s.entities):
            if entity_names is not None and entity in entity_names:
                by_entity.setdefault(entity, []).append(s)
    for name, listed in sorted(by_source.items()):
        channels.append(Channel(source_feed(name, "articles/", feed_paths), f"{title} · {name}", "articles/sources/",
                                listed, TOPIC_LIMIT))
    for entity, listed in sorted(by_entity.items()):
        channels.append(Channel(f"entities/{entity}.xml", f"{title} · {(entity_names or {})[entity]}",
                                f"entities/{entity}/", listed, TOPIC_LIMIT))
    base = site_url if site_url.endswith("/") else site_url + "/"
    parts: dict[str, Part] = {}
    for c in channels:
        # The entries it carries: what channel_xml would take of all its members, found without stamping them all.
        carried = tuple(islice((s for s in c.members if timestamp(s)), max(0, c.limit)))
        inputs = (c.title, c.page, base, title, *listed_keys(carried, keys),
                  *("body" if s.slug in bodies else "-" for s in carried))
        parts[c.path] = (inputs, (replace(c, members=carried), {s.slug: bodies[s.slug] for s in carried
                                                                  if s.slug in bodies}, base, title))
    return channel_page, parts


def channel_page(channel: Channel, bodies: Mapping[str, str], base: str, author: str) -> dict[str, str]:
    """One feed, as a part's pages."""
    return {channel.path: channel_xml(channel, bodies, base=base, author=author)}


def entries_needed(summaries: Sequence[Summary], entity_names: Mapping[str, str] | None, *,
                   ordered: bool = False) -> list[Summary]:
    """The articles some feed carries (their text is made only for them), newest first (``ordered``: the
    summaries are newest first already)."""
    newest = list(summaries) if ordered else newest_first(summaries)
    wanted = {s.slug for s in newest[:MAIN_LIMIT]}
    counts: dict[str, int] = {}
    for s in newest:
        keys = ([f"s:{s.source}"] if s.source and s.source.strip() else []) + \
               [f"e:{e}" for e in dict.fromkeys(s.entities) if entity_names is not None and e in entity_names]
        for k in keys:
            counts[k] = counts.get(k, 0) + 1
            if counts[k] <= TOPIC_LIMIT:
                wanted.add(s.slug)
    return [s for s in newest if s.slug in wanted]


def channel_xml(channel: Channel, bodies: Mapping[str, str], *, base: str, author: str,
                made: dict[str, str] | None = None) -> str:
    """One Atom feed; its ``updated`` is its newest entry's timestamp (left out when it has none).  ``made``
    keeps each entry's XML for the next feed that carries it (same ``base``)."""
    entries = [(s, stamp) for s in channel.members if (stamp := timestamp(s))][: max(0, channel.limit)]
    feed = ET.Element("feed", {"xmlns": ATOM_NS, _XML_LANG: "zh-CN"})
    _sub(feed, "title", channel.title)
    _sub(feed, "id", base + channel.path)
    _sub(feed, "link", rel="alternate", type="text/html", href=base + channel.page)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=base + channel.path)
    if entries:
        _sub(feed, "updated", max(stamp for _, (stamp, _) in entries))
    _sub(_sub(feed, "author"), "name", author)
    _sub(feed, "generator", "cn-archive")
    ET.indent(feed, space="  ")
    head = ET.tostring(feed, encoding="unicode")
    made = {} if made is None else made
    for summary, stamp in entries:
        if summary.slug not in made:
            made[summary.slug] = _entry_xml(summary, stamp, bodies.get(summary.slug), base)
    body = "".join(f"  {made[summary.slug]}\n" for summary, _ in entries)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + head[: -len("</feed>")] + body + "</feed>\n"


def _entry_xml(s: Summary, stamp: tuple[str, bool], body: str | None, base: str) -> str:
    holder = ET.Element("feed")
    _entry(holder, s, stamp, body, base)
    entry = holder[0]
    ET.indent(entry, space="  ", level=1)
    entry.tail = None
    return ET.tostring(entry, encoding="unicode")


def _entry(feed: ET.Element, s: Summary, stamp: tuple[str, bool], body: str | None, base: str) -> None:
    url = f"{base}articles/{s.slug}/"
    entry = _sub(feed, "entry")
    _sub(entry, "title", s.title or s.slug, type="text")
    _sub(entry, "id", url)
    _sub(entry, "link", rel="alternate", type="text/html", href=url)
    if s.url and s.url.startswith(("http://", "https://")):
        _sub(entry, "link", rel="related", type="text/html", href=s.url)
    when, added_only = stamp
    _sub(entry, "published", when)
    _sub(entry, "updated", when)
    for name in s.authors:
        _sub(_sub(entry, "author"), "name", name)
    for tag in dict.fromkeys(s.tags):
        _sub(entry, "category", term=tag)
    if s.source:
        _sub(entry, "category", term=s.source, label=s.source, scheme=base + "articles/sources/")
    if s.summary:
        _sub(entry, "summary", s.summary, type="text")
    if body is not None:
        note = f"<p><em>原文未注明日期，{ADDED_LABEL} {s.added}。</em></p>\n" if added_only else ""
        _sub(entry, "content", note + absolute_links(body, base), type="html")
    if s.lang:
        entry.set(_XML_LANG, _xml_text(s.lang))


def absolute_links(html: str, base: str) -> str:
    """An article's HTML with its entity links pointing at the site, not at a page next to it."""
    return _ENTITY_HREF.sub(lambda m: f'href="{base}entities/{m.group(1)}/"', html)


def _xml_text(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (control characters from scraped text)."""
    return _XML_BAD.sub("", text)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: _xml_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = _xml_text(text)
    return el


def feed_xml(summaries: Sequence[Summary], *, site_url: str, title: str, limit: int = MAIN_LIMIT,
                bodies: Mapping[str, str] | None = None) -> str:
    """The main feed alone: the ``limit`` newest articles."""
    base = site_url if site_url.endswith("/") else site_url + "/"
    return channel_xml(Channel("feed.xml", title, "", newest_first(summaries), limit), bodies or {}, base=base,
                       author=title)
