"""Normalising inline content the same way whichever reader produced it."""

from __future__ import annotations

import re
from dataclasses import replace

from build_tools.model import Break, Inline, InlineImage, Link, Strong, Text
from build_tools.model.walk import CONTAINERS

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_SPACES = re.compile(r"[ \t\u00a0\u2002\u2003\u2009\u200b\u3000]+")


def _join_softbreak(left: str, right: str) -> str:
    """A hard-wrapped line inside Chinese prose joins with no space."""
    if left and right and (_CJK.match(left[-1]) or _CJK.match(right[0])):
        return ""
    return " "


def normalize(inlines: list[Inline] | tuple[Inline, ...]) -> tuple[Inline, ...]:
    """Merge adjacent text, drop empty wrappers, collapse whitespace."""
    out: list[Inline] = []
    run: list[str] = []  # adjacent non-empty texts, merged into one Text before the next node
    for node in inlines:
        if isinstance(node, Text):
            if node.text:
                run.append(node.text)
            continue
        if isinstance(node, CONTAINERS):
            children = normalize(node.children)
            if not children and not isinstance(node, Link):
                continue  # dropped: the texts around it still merge
            if isinstance(node, Link) and not children and not node.href:
                continue
            # **a****b** parses as nested empty strongs; flatten strong-in-strong.
            if isinstance(node, Strong) and len(children) == 1 and isinstance(children[0], Strong):
                children = children[0].children
            node = replace(node, children=children)
        if run:
            out.append(_clean_text(run))
            run = []
        out.append(node)
    if run:
        out.append(_clean_text(run))
    return tuple(_strip_edges(out))


_SOFTBREAK = re.compile(r"(?<!\s)\s*\n\s*")


def _clean_text(run: list[str]) -> Text:
    """One Text of adjacent texts: soft line breaks joined, runs of spaces collapsed to one."""
    text = run[0] if len(run) == 1 else "".join(run)
    if "\n" in text:
        text = _SOFTBREAK.sub("\n", text)
        parts = text.split("\n")
        text = parts[0]
        for part in parts[1:]:
            text += _join_softbreak(text, part) + part
    if "  " in text or _has_odd_space(text):
        text = _SPACES.sub(" ", text)
    return Text(text)  # (a text with single plain spaces only is what _SPACES.sub(" ", text) returns)


def _has_odd_space(text: str) -> bool:
    """A _SPACES character other than the plain space: tab, no-break, en/em/thin, zero-width or ideographic."""
    return ("\t" in text or "\u00a0" in text or "\u3000" in text or "\u2002" in text or "\u2003" in text
            or "\u2009" in text or "\u200b" in text)


def _strip_edges(nodes: list[Inline]) -> list[Inline]:
    if not nodes:
        return nodes
    if isinstance(nodes[0], Break) or isinstance(nodes[-1], Break):
        start, end = 0, len(nodes)
        while start < end and isinstance(nodes[start], Break):
            start += 1
        while end > start and isinstance(nodes[end - 1], Break):
            end -= 1
        nodes = nodes[start:end]
    if nodes and isinstance(nodes[0], Text):
        first = nodes[0].text
        stripped = first.lstrip()
        if not stripped:
            nodes.pop(0)
        elif stripped != first:
            nodes[0] = Text(stripped)
    if nodes and isinstance(nodes[-1], Text):
        last = nodes[-1].text
        stripped = last.rstrip()
        if not stripped:
            nodes.pop()
        elif stripped != last:
            nodes[-1] = Text(stripped)
    return nodes


def only_images(inlines: tuple[Inline, ...]) -> bool:
    meaningful = [n for n in inlines if not (isinstance(n, Text) and not n.text.strip()) and not isinstance(n, Break)]
    return bool(meaningful) and all(isinstance(n, InlineImage) for n in meaningful)


def plain(text: str) -> tuple[Inline, ...]:
    # normalize([Text(text)]) for the one text: cleaned, then stripped at both ends.
    if not text:
        return ()
    stripped = _clean_text([text]).text.strip()
    return (Text(stripped),) if stripped else ()


__all__ = ["normalize", "only_images", "plain"]
