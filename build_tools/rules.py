"""Loading the declarative cleaning rules (rules/*.yml) once, compiled."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

RULES_DIR = Path(__file__).parent / "rules"


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
        # The most specific host wins first (mp.weixin.qq.com before qq.com).
        found = [p for p in self.portals if p.matches(url, text_head)]
        return tuple(sorted(found, key=lambda p: -max((len(h) for h in p.hosts), default=0)))


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns or [])


@lru_cache(maxsize=1)
def load_rules(directory: Path = RULES_DIR) -> Rules:
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
