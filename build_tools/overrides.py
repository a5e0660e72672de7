"""Editors' corrections in overrides.yml, keyed by the dump's file name.

    000_6b80b90a7abdcb64.txt:
      title: 新标题
      date: 2025-02-22
      authors: [王博, 王艺]
      source: 澎湃新闻
      url: https://…
      drop_paragraphs: ["一段要删掉的文字的开头"]
      keep_paragraphs: ["被误删的段落的开头"]
      link_entities: [huawei]
      unlink_entities: [apple]

Corrections survive rebuilds; a correction whose target no longer exists is reported.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from .model import Article, Paragraph, Removed
from .readers.inlines import plain

FIELDS = {"title", "date", "authors", "source", "url", "drop_paragraphs", "keep_paragraphs",
          "link_entities", "unlink_entities"}


@dataclass
class Overrides:
    entries: dict[str, dict] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def for_file(self, name: str) -> dict:
        entry = self.entries.get(name) or self.entries.get(Path(name).name) or {}
        return entry

    def key_for(self, relative: str) -> str:
        entry = self.for_file(relative)
        if not entry:
            return ""
        encoded = json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()[:12]

    def unused_warnings(self) -> list[str]:
        return []


class OverridesError(ValueError):
    pass


def load_overrides(path: Path, warnings: list[str]) -> Overrides:
    if not path.exists():
        return Overrides()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise OverridesError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(data, dict):
        raise OverridesError(f"{path}: must map dump file names to corrections")
    for name, entry in data.items():
        if not isinstance(entry, dict):
            raise OverridesError(f"{path}: entry {name!r} must be a mapping of corrections")
        unknown = set(entry) - FIELDS
        if unknown:
            raise OverridesError(f"{path}: entry {name!r}: unknown field(s) {', '.join(sorted(unknown))}")
    return Overrides({str(k): v for k, v in data.items()})


def apply_overrides(article: Article, overrides: Overrides, stage: str) -> Article:
    entry = overrides.for_file(article.raw_path)
    if not entry:
        return article
    if stage == "metadata":
        meta = article.meta
        changes = {}
        for key in ("title", "source", "url"):
            if key in entry:
                changes[key] = str(entry[key])
        if "date" in entry:
            changes["date"] = str(entry["date"])
        if "authors" in entry:
            authors = entry["authors"]
            changes["authors"] = tuple(authors if isinstance(authors, list) else [authors])
        if "title" in entry:
            changes["title_inferred"] = False
        provenance = meta.provenance + tuple((k, "overrides.yml") for k in changes if k != "title_inferred")
        blocks = list(article.blocks)
        removed = list(article.removed)
        for prefix in entry.get("drop_paragraphs") or []:
            from .model import block_text

            match = next((b for b in blocks if block_text(b).strip().startswith(str(prefix))), None)
            if match is not None:
                blocks.remove(match)
                removed.append(Removed(block_text(match), "override:drop"))
        for prefix in entry.get("keep_paragraphs") or []:
            match = next((r for r in removed if r.text.startswith(str(prefix))), None)
            if match is not None:
                blocks.append(Paragraph(plain(match.text)))
                removed.remove(match)
        return replace(article, meta=replace(meta, provenance=provenance, **changes),
                       blocks=tuple(blocks), removed=tuple(removed))
    return article
