"""The Atom feed ``docs/feed.xml``: the newest articles, from :class:`~build_tools.model.Summary` records.

A pure function of its arguments: no clock, no disk.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from build_tools.archive.ordering import ISO_DATE, iso_date, newest_first
from build_tools.model import Summary

ATOM_NS = "http://www.w3.org/2005/Atom"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_EPOCH = "1970-01-01"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Drop characters XML 1.0 cannot carry (control characters from scraped text)."""
    return _XML_BAD.sub("", text)


def _timestamp(date: str | None) -> str:
    """``2025-02-22`` -> ``2025-02-22T00:00:00Z``; partial or missing dates fall back."""
    if date:
        m = ISO_DATE.match(date.strip())
        if m and m.group(3):
            return f"{date.strip()}T00:00:00Z"
        if m:
            return f"{m.group(1)}-{m.group(2) or '01'}-01T00:00:00Z"
    return f"{_EPOCH}T00:00:00Z"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: _xml_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = _xml_text(text)
    return el


def feed_xml(summaries: Sequence[Summary], *, site_url: str, title: str, limit: int = 50) -> str:
    """An Atom feed of the ``limit`` newest articles.

    Deterministic: no clock.  The feed's ``updated`` is the newest article date
    (1970-01-01 when no article has one).  Article URLs follow
    ``use_directory_urls``: ``<site_url>articles/<slug>/``.
    """
    base = site_url if site_url.endswith("/") else site_url + "/"
    ordered = newest_first(summaries)
    entries = ordered[: max(0, limit)]
    newest = next((s.date for s in ordered if iso_date(s)), None)

    feed = ET.Element("feed", {"xmlns": ATOM_NS, _XML_LANG: "zh-CN"})
    _sub(feed, "title", title)
    _sub(feed, "id", base)
    _sub(feed, "link", rel="alternate", type="text/html", href=base)
    _sub(feed, "link", rel="self", type="application/atom+xml", href=base + "feed.xml")
    _sub(feed, "updated", _timestamp(newest))
    author = _sub(feed, "author")
    _sub(author, "name", title)
    _sub(feed, "generator", "cn-archive")

    for s in entries:
        url = f"{base}articles/{s.slug}/"
        entry = _sub(feed, "entry")
        _sub(entry, "title", s.title or s.slug, type="text")
        _sub(entry, "id", url)
        _sub(entry, "link", rel="alternate", type="text/html", href=url)
        if s.url and s.url.startswith(("http://", "https://")):
            _sub(entry, "link", rel="related", type="text/html", href=s.url)
        stamp = _timestamp(s.date if iso_date(s) else None)
        _sub(entry, "published", stamp)
        _sub(entry, "updated", stamp)
        for name in s.authors:
            _sub(_sub(entry, "author"), "name", name)
        for tag in dict.fromkeys(s.tags):
            _sub(entry, "category", term=tag)
        if s.source:
            _sub(entry, "category", term=s.source, label=s.source, scheme=base + "articles/sources/")
        if s.summary:
            _sub(entry, "summary", s.summary, type="text")
        if s.lang:
            entry.set(_XML_LANG, _xml_text(s.lang))

    ET.indent(feed, space="  ")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
