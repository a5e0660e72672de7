"""Loading the declarative cleaning rules (rules/*.yml) once, compiled."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from build_tools.settings import RULES_DIR


@dataclass(frozen=True)
class Portal:
    name: str
    hosts: tuple[str, ...]
    markers: tuple[str, ...]
    platform: str
    source: str | None
    aliases: tuple[str, ...]
    junk_lines: tuple[re.Pattern[str], ...]
    title_suffixes: tuple[str, ...]
    source_patterns: tuple[re.Pattern[str], ...]

    def matches(self, url: str | None, text_head: str) -> bool:
        host = urlsplit(url).hostname or "" if url else ""
        if host and any(host == h or host.endswith("." + h) for h in self.hosts):
            return True
        return any(marker in text_head for marker in self.markers)


@dataclass(frozen=True)
class Rules:
    short_line_max: int
    junk_lines: tuple[re.Pattern[str], ...]
    spam_words: tuple[str, ...]
    spam_min_hits: int
    end_markers: tuple[re.Pattern[str], ...]
    junk_suffixes: tuple[re.Pattern[str], ...]
    end_min_fraction: float
    end_min_chars: int
    byline: re.Pattern[str]
    byline_window: int
    placeholder_names: frozenset[str]
    reject_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    min_body_chars: int
    portals: tuple[Portal, ...]

    def portals_for(self, url: str | None, text_head: str) -> tuple[Portal, ...]:
        # The stages ask again for the same dump (clean, then metadata twice): remember the last answers.
        key = (url, text_head)
        memo = _PORTALS_MEMO.get(id(self))
        if memo is None or memo[0] is not self:
            memo = (self, {})
            if len(_PORTALS_MEMO) >= 16:
                _PORTALS_MEMO.clear()
            _PORTALS_MEMO[id(self)] = memo
        found = memo[1].get(key)
        if found is None:
            found = self._portals_for(url, text_head)
            if len(memo[1]) >= 8:
                memo[1].clear()
            memo[1][key] = found
        return found

    def _portals_for(self, url: str | None, text_head: str) -> tuple[Portal, ...]:
        # What [p for p in self.portals if p.matches(url, text_head)] finds, with the URL parsed once.
        host = urlsplit(url).hostname or "" if url and self.portals else ""
        found = [p for p in self.portals if _host_matches(host, p.hosts) or _any_in(p.markers, text_head)]
        # The most specific host wins first (mp.weixin.qq.com before qq.com).
        return tuple(sorted(found, key=lambda p: -max((len(h) for h in p.hosts), default=0)))


def _host_matches(host: str, hosts: tuple[str, ...]) -> bool:
    if host:
        for h in hosts:
            if host == h or host.endswith("." + h):
                return True
    return False


def _any_in(markers: tuple[str, ...], text: str) -> bool:
    for marker in markers:  # noqa: SIM110 - a plain loop: no generator per call
        if marker in text:
            return True
    return False


_PORTALS_MEMO: dict[int, tuple[Rules, dict[tuple[str | None, str], tuple[Portal, ...]]]] = {}


# --- "does any of these patterns occur in the text?", fast ------------------------------------

_UNSPLITTABLE = re.compile(r"\(\?[aiLmsux#(-]|\(\?P=|\\[1-9]|\\g")


def _alternatives(pattern: re.Pattern[str]) -> tuple[re.Pattern[str], ...]:
    """``pattern`` cut at its top-level ``|`` (if a branch starts with ``^``): found iff a part is found.

    ``^a|b`` is slow to search for: no first character to look for, and the anchor is tried at
    every position.  ``^a`` and ``b`` on their own are fast.  Patterns with backreferences,
    inline flags or conditionals are left whole.
    """
    source = pattern.pattern
    if not isinstance(source, str) or pattern.flags & re.VERBOSE or _UNSPLITTABLE.search(source):
        return (pattern,)
    pieces: list[str] = []
    depth = start = i = 0
    in_class = False
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            i += 1
            if source[i:i + 1] == "^":
                i += 1
            if source[i:i + 1] == "]":
                i += 1  # a "]" first in a set is literal
            continue
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            pieces.append(source[start:i])
            start = i + 1
        i += 1
    pieces.append(source[start:])
    if len(pieces) == 1 or not any(piece.startswith("^") for piece in pieces):
        return (pattern,)  # without an anchor in a branch the regex engine searches it fast enough
    try:
        return tuple(re.compile(piece, pattern.flags) for piece in pieces)
    except re.error:
        return (pattern,)


_SEARCHERS: dict[tuple[re.Pattern[str], ...], Callable[[str], bool]] = {}


def any_search(patterns: tuple[re.Pattern[str], ...]) -> Callable[[str], bool]:
    """A function telling whether ``any(p.search(text) for p in patterns)``, made once per tuple."""
    found = _SEARCHERS.get(patterns)
    if found is None:
        parts = tuple(part for pattern in patterns for part in _alternatives(pattern))
        searches = tuple(part.search for part in parts)

        def found(text: str) -> bool:
            for search in searches:  # noqa: SIM110 - a plain loop: no generator per call
                if search(text) is not None:
                    return True
            return False

        if len(_SEARCHERS) >= 256:
            _SEARCHERS.clear()
        _SEARCHERS[patterns] = found
    return found


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns or [])


_active_dir = RULES_DIR


def use_rules_dir(directory: Path) -> None:
    """Make ``directory`` (generic.yml + portals.yml) the rules that ``load_rules()`` returns from now on,
    in this process and in workers forked after it (``Settings.rules_dir``, ``build --rules``)."""
    global _active_dir
    _active_dir = Path(directory).resolve()


def active_rules_dir() -> Path:
    return _active_dir


def load_rules(directory: Path | None = None) -> Rules:
    return _load_rules(Path(directory).resolve() if directory is not None else _active_dir)


@lru_cache(maxsize=2)
def _load_rules(directory: Path) -> Rules:
    generic = yaml.safe_load((directory / "generic.yml").read_text(encoding="utf-8"))
    portal_data = yaml.safe_load((directory / "portals.yml").read_text(encoding="utf-8"))
    portals = tuple(
        Portal(
            name=p["name"],
            hosts=tuple(p.get("hosts") or ()),
            markers=tuple(p.get("markers") or ()),
            platform=p.get("platform") or p["name"],
            source=p.get("source"),
            aliases=tuple(p.get("aliases") or ()),
            junk_lines=_compile(p.get("junk_lines")),
            title_suffixes=tuple(p.get("title_suffixes") or ()),
            source_patterns=tuple(re.compile(x, re.M) for x in p.get("source_patterns") or ()),
        )
        for p in portal_data["portals"]
    )
    labels = generic["byline_labels"]
    return Rules(
        short_line_max=generic["short_line_max"],
        junk_lines=_compile(generic["junk_lines"]),
        spam_words=tuple(generic["spam_words"]),
        spam_min_hits=generic["spam_min_hits"],
        end_markers=_compile(generic["end_markers"]),
        junk_suffixes=_compile(generic.get("junk_suffixes")),
        end_min_fraction=generic["end_min_fraction"],
        end_min_chars=generic["end_min_chars"],
        byline=re.compile(rf"^\s*(?P<label>{labels})\s*[|｜丨/:：]\s*(?P<value>.+)$"),
        byline_window=generic["byline_window"],
        placeholder_names=frozenset(generic["placeholder_names"]),
        reject_patterns=tuple((k, re.compile(v, re.M | re.I)) for k, v in generic["reject_patterns"].items()),
        min_body_chars=generic["min_body_chars"],
        portals=portals,
    )
