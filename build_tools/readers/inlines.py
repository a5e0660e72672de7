"""Normalising inline content the same way whichever reader produced it."""

from __future__ import annotations

import re

from ..model import Break, Code, Emph, EntityRef, Inline, InlineImage, Link, Strong, Text

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
    for node in inlines:
        if isinstance(node, (Strong, Emph, Link, EntityRef)):
            children = normalize(node.children)
            if not children and not isinstance(node, Link):
                continue
            if isinstance(node, Link) and not children and not node.href:
                continue
            # **a****b** parses as nested empty strongs; flatten strong-in-strong.
            if isinstance(node, Strong) and len(children) == 1 and isinstance(children[0], Strong):
                children = children[0].children
            node = type(node)(**{**node.__dict__, "children": children})
        elif isinstance(node, Text):
            if not node.text:
                continue
            if out and isinstance(out[-1], Text):
                out[-1] = Text(out[-1].text + node.text)
                continue
        out.append(node)
    result: list[Inline] = []
    for node in out:
        if isinstance(node, Text):
            text = node.text
            text = re.sub(r"(?<!\s)\s*\n\s*", "\n", text)
            parts = text.split("\n")
            text = parts[0]
            for part in parts[1:]:
                text += _join_softbreak(text, part) + part
            node = Text(_SPACES.sub(lambda m: " " if "\u3000" not in m.group(0) else " ", text))
        result.append(node)
    return tuple(_strip_edges(result))


def _strip_edges(nodes: list[Inline]) -> list[Inline]:
    while nodes and isinstance(nodes[0], Break):
        nodes.pop(0)
    while nodes and isinstance(nodes[-1], Break):
        nodes.pop()
    if nodes and isinstance(nodes[0], Text):
        nodes[0] = Text(nodes[0].text.lstrip())
        if not nodes[0].text:
            nodes.pop(0)
    if nodes and isinstance(nodes[-1], Text):
        nodes[-1] = Text(nodes[-1].text.rstrip())
        if not nodes[-1].text:
            nodes.pop()
    return nodes


def only_images(inlines: tuple[Inline, ...]) -> bool:
    meaningful = [n for n in inlines if not (isinstance(n, Text) and not n.text.strip()) and not isinstance(n, Break)]
    return bool(meaningful) and all(isinstance(n, InlineImage) for n in meaningful)


def plain(text: str) -> tuple[Inline, ...]:
    return normalize([Text(text)])


__all__ = ["normalize", "only_images", "plain", "Code"]
