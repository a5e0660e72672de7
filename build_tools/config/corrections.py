"""Editors' corrections in overrides.yml, keyed by the dump's file name.

    000_6b80b90a7abdcb64.txt:
      title: 新标题
      date: 2025-02-22
      authors: [王博, 王艺]
      source: 澎湃新闻
      url: https://…
      drop_paragraphs: ["一段要删掉的文字的开头"]      # paragraphs the cleaner kept
      keep_paragraphs: ["被误删的段落的开头"]          # paragraphs the cleaner dropped
      link_entities: [huawei]                          # force a link
      unlink_entities: [apple]                         # suppress a link

The file is checked against build_tools/schemas/overrides.schema.json; every
problem is reported as ``overrides.yml:LINE: entry 'NAME': field FIELD: …``
and stops the build (:class:`OverridesError`).

Corrections live outside raw/ and docs/, so they survive rebuilds.  Metadata
and paragraph corrections are applied in ``prepare`` (and are part of the
cache key, :meth:`Overrides.key_for`); entity corrections are applied by the
link stage (:func:`link_with_overrides`).  A correction whose target no longer
exists is reported as a build warning by :meth:`Overrides.unused_warnings`,
never silently ignored: an entry whose dump is gone, a paragraph prefix that
matches nothing, an entity id that is not in the registry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    import jsonschema

from build_tools.model import (
    Article,
    Block,
    Turn,
    block_text,
    inline_text,
    yaml_read,
)
from build_tools.model.errors import ConfigError
from build_tools.model.records import BuildWarning, CorrectionReview
from build_tools.settings import SCHEMAS_DIR

SCHEMA_PATH = SCHEMAS_DIR / "overrides.schema.json"
METADATA_FIELDS = ("title", "date", "authors", "source", "url")
PARAGRAPH_FIELDS = ("drop_paragraphs", "keep_paragraphs")
LINK_FIELDS = ("link_entities", "unlink_entities")
FIELDS = METADATA_FIELDS + PARAGRAPH_FIELDS + LINK_FIELDS
DROPPED_BY_EDITOR = "override:drop"
PREVIEW = 24  # characters of a prefix quoted in a warning


class OverridesError(ConfigError):
    """overrides.yml is unreadable or invalid; ``errors`` holds one line per problem."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class Overrides:
    """The validated corrections: ``entries[name] = {field: value}``."""

    entries: dict[str, dict] = field(default_factory=dict)
    path: str = "overrides.yml"
    lines: dict[str, int] = field(default_factory=dict)  # entry name → line in overrides.yml
    # (entry, field, index…) → line of that field or item, so a problem is reported where the editor typed it
    field_lines: dict[tuple, int] = field(default_factory=dict)

    # --- which entry applies to a dump ------------------------------------------------

    def names_for(self, path: str) -> list[str]:
        """Entry names that apply to the dump at ``path`` (a path inside raw/, or any path ending in it).

        A name matches the dump's file name or any trailing part of its path, so
        ``000_x.txt`` and ``wechat/000_x.txt`` both name ``raw/wechat/000_x.txt``.
        """
        path = path.replace("\\", "/")
        return [name for name in self.entries if path == name or path.endswith("/" + name)]

    def for_file(self, path: str) -> dict:
        """The corrections for one dump (entries naming it merged, the longest name winning)."""
        merged: dict = {}
        for name in sorted(self.names_for(path), key=len):
            merged.update(self.entries[name])
        return merged

    def key_for(self, relative: str) -> str:
        """Cache-key part for one dump: its corrections (the link stage's cache key builds on it too)."""
        entry = self.for_file(relative)
        if not entry:
            return ""
        blob = json.dumps(entry, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def where(self, name: str, *at: str | int) -> str:
        """``overrides.yml:LINE`` of the entry ``name`` or, given ``at`` (a field and an index), of that field."""
        line = _deepest_line({**self.field_lines, (name,): self.lines.get(name, 0)}, (name, *at))
        return f"{self.path}:{line}" if line else self.path

    # --- corrections whose target is gone -----------------------------------------------

    def unused_warnings(self, dumps: Iterable[str] = (), published: Sequence = (),
                        registry=None, shown: Callable[[str], str] = str) -> list[BuildWarning]:
        """Warnings for corrections that no longer hit anything, each at the line of its entry or field
        (the problems of :meth:`review`, entry after entry)."""
        return [w for review in self.review(dumps, published, registry, shown) for w in review.problems]

    def review(self, dumps: Iterable[str] = (), published: Sequence = (),
               registry=None, shown: Callable[[str], str] = str) -> list[CorrectionReview]:
        """Every entry: the dumps it applies to and its corrections that no longer hit anything.

        ``dumps``: every dump's path inside raw/; ``published``: the prepared articles
        that go on to the link stage (after dedupe), as Articles or as records with
        ``raw_path`` and ``load()`` (loaded only for entries with paragraph corrections);
        ``registry``: the entity registry, or None when there is none; ``shown``: how a
        dump's path is shown to the editor.
        """
        dumps = list(dumps)
        return [self._review_one(name, entry, dumps, published, registry, shown)
                for name, entry in self.entries.items()]

    def _review_one(self, name: str, entry: dict, dumps: list[str], published: Sequence, registry,
                    shown: Callable[[str], str]) -> CorrectionReview:
        problems: list[BuildWarning] = []

        def warn(message: str, at: tuple = ()) -> None:
            problems.append(BuildWarning(self.where(name, *at), "correction", f"entry {name!r}: {message}"))

        def done(applied: bool, matching: Sequence[str] = ()) -> CorrectionReview:
            return CorrectionReview(name, self.where(name), tuple(entry), tuple(shown(d) for d in sorted(matching)),
                                    tuple(problems), applied)

        matching = [d for d in dumps if d == name or d.endswith("/" + name)]
        if not matching:
            warn("no dump with this name under the raw directory (renamed or removed?); "
                 "its corrections are not applied")
            return done(False)
        if len(matching) > 1:
            warn(f"names {len(matching)} dumps ({', '.join(sorted(matching))}); the corrections apply to all "
                 f"of them; use the path inside raw/ as the key to pick one")
        for fld, i, entity_id in _entity_ids(entry):
            if registry is None:
                warn(f"field {fld}[{i}]: no entity registry, {entity_id!r} cannot be linked", (fld, i))
            elif entity_id not in registry:
                warn(f"field {fld}[{i}]: {entity_id!r} is not an entity id in "
                     f"{getattr(registry, 'path', 'entities.yml')}", (fld, i))
        articles = [a for a in published if any(a.raw_path == d or a.raw_path.endswith("/" + d) for d in matching)]
        if not articles:
            warn("the dump was not published (rejected or a duplicate, see the build report), "
                 "so its corrections are not applied")
            return done(False, matching)
        if any(k in entry for k in PARAGRAPH_FIELDS):
            for item in articles:
                article = item.load() if hasattr(item, "load") else item
                which = f" in {shown(article.raw_path)}" if len(articles) > 1 else ""
                for at, message in _paragraph_warnings(entry, article, which):
                    warn(message, at)
        return done(True, matching)


def _entity_ids(entry: dict) -> Iterable[tuple[str, int, str]]:
    for fld in LINK_FIELDS:
        for i, entity_id in enumerate(entry.get(fld) or ()):
            yield fld, i, entity_id


def _paragraph_warnings(entry: dict, article: Article, which: str) -> list[tuple[tuple, str]]:
    """(the field and index it is about, message) for each paragraph correction that hits nothing."""
    out = []
    for i, prefix in enumerate(entry.get("drop_paragraphs") or ()):
        hits = [r for r in article.removed if starts_with(r.text, prefix)]
        if not hits:
            out.append((("drop_paragraphs", i), f"field drop_paragraphs[{i}]: no paragraph{which} starts with "
                        f"{_preview(prefix)!r}; nothing was dropped"))
        elif not any(r.rule == DROPPED_BY_EDITOR for r in hits):
            out.append((("drop_paragraphs", i), f"field drop_paragraphs[{i}]: the cleaner already drops the "
                        f"paragraph{which} starting with {_preview(prefix)!r} ({hits[0].rule}); "
                        f"this correction can go"))
    for i, prefix in enumerate(entry.get("keep_paragraphs") or ()):
        if not any(block_starts(b, prefix) for b in article.blocks):
            out.append((("keep_paragraphs", i), f"field keep_paragraphs[{i}]: no paragraph{which} starts with "
                        f"{_preview(prefix)!r}; nothing was kept"))
    return out


def _preview(prefix: str) -> str:
    prefix = prefix.strip()
    return prefix if len(prefix) <= PREVIEW else prefix[:PREVIEW] + "…"


# --- loading and validation ----------------------------------------------------------


def _parse(text: str) -> tuple[object, dict[tuple, int]]:
    """The document (dates stay text: ``date: 2025-13-01`` is then a schema error naming the entry, not a
    crash) and the line of each entry, field and item, keyed as the schema check names them (mapping keys as
    text, list positions as numbers); equal keys, alias bombs and deep nesting are refused (YamlProblem)."""
    data, lines = yaml_read.load(text, dates=False)
    return data, {_schema_place(data, where): line for where, line in lines.items()}


def _schema_place(data: object, where: tuple) -> tuple:
    """``where`` (keys as YAML read them: ``2025:`` is a number) as the schema check's path (keys as text)."""
    place, node = [], data
    for step in where:
        if isinstance(node, dict):
            place.append(str(step))
            node = node.get(step)
        else:
            place.append(step)
            node = node[step] if isinstance(node, list) and isinstance(step, int) and step < len(node) else None
    return tuple(place)


def _deepest_line(lines: dict[tuple, int], place: tuple) -> int:
    """The line of ``place`` or of the nearest enclosing field or entry that has one (0: none)."""
    for end in range(len(place), 0, -1):
        if lines.get(place[:end]):
            return lines[place[:end]]
    return 0


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    import jsonschema  # only when there is an overrides.yml: it is a large import

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _plain(value: object) -> object:
    """YAML dates/times become ISO strings (``date: 2025-02-22`` parses as a date); keys become strings."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _message(error: jsonschema.ValidationError) -> str:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        unknown = sorted(set(error.instance) - set(FIELDS))
        return f"field {', '.join(unknown)}: unknown field (allowed: {', '.join(FIELDS)})"
    if error.validator == "type" and error.validator_value == "array":
        return f"must be a list, e.g. [{error.instance!r}]"
    if error.validator == "minProperties":
        return "empty entry: give at least one correction (or delete the entry)"
    if error.validator == "format" and error.validator_value == "date":
        return f"{error.instance!r} is not a real date"
    if error.validator == "pattern":
        hints = {"date": "use YYYY-MM-DD", "url": "use an http:// or https:// address"}
        field_name = next((str(p) for p in reversed(error.absolute_path) if isinstance(p, str)), "")
        hint = hints.get(field_name, "")
        if "$defs/prefix" in "/".join(map(str, error.schema_path)) or field_name in PARAGRAPH_FIELDS:
            hint = "give the first characters of the paragraph"
        if "entity_id" in str(error.schema.get("pattern", "")) or field_name in LINK_FIELDS:
            hint = "use an id from entities.yml (lower case, digits, hyphens)"
        return f"{error.instance!r} is not valid" + (f": {hint}" if hint else "")
    if error.validator == "type" and list(error.absolute_path)[-1:] == ["date"]:
        return f"{error.instance!r} is not a date: use YYYY-MM-DD"
    if error.validator == "oneOf" and list(error.absolute_path)[-1:] == ["authors"]:
        return "must be a name or a list of names (each at most 40 characters)"
    if error.validator == "type" and error.validator_value == "object" and len(error.absolute_path) == 1:
        return "must be a mapping of corrections (title:, date:, …)"
    return error.message


MESSAGE_CHARS = 300  # a schema message quotes the value: a list of 100,000 items would be megabytes


def _cut(message: str) -> str:
    return message if len(message) <= MESSAGE_CHARS else f"{message[:MESSAGE_CHARS]}… ({len(message):,} characters)"


def _place(where: tuple) -> str:
    """'entry 'a.txt': field authors[1]: ' for a place in the document ('' at the top)."""
    if not where:
        return ""
    rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in where[1:4]).lstrip(".")
    return f"entry {str(where[0])!r}: " + (f"field {rest}: " if rest else "")


def _error_place(error: jsonschema.ValidationError) -> tuple:
    """Where the editor must look: the value's own field or item; for unknown fields the first of them."""
    place = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        unknown = sorted(set(error.instance) - set(FIELDS))
        if unknown:
            place += (unknown[0],)
    return place


def _location(path: str, lines: dict[tuple, int], error: jsonschema.ValidationError) -> str:
    """``overrides.yml:LINE: entry 'x.txt': field f[i]``, LINE being the line of the field itself."""
    loc = list(error.absolute_path)
    if not loc:
        return f"{path}: top level"
    name = str(loc[0])
    line = _deepest_line(lines, _error_place(error))
    where = f"{path}:{line}" if line else path
    rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[1:]).lstrip(".")
    return f"{where}: entry {name!r}" + (f": field {rest}" if rest else "")


def parse_overrides(text: str, path: str = "overrides.yml") -> Overrides:
    """Validate the text of overrides.yml (raises :class:`OverridesError`, one line per problem)."""
    try:
        data, lines = _parse(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise OverridesError([f"{path}{line}: not valid YAML: {error.problem or error}"]) from error
    except yaml.YAMLError as error:
        raise OverridesError([f"{path}: not valid YAML: {error}"]) from error
    except yaml_read.YamlProblem as problem:
        raise OverridesError([f"{path}:{problem.line}: {_place(problem.where)}{problem.message}"]) from None
    if data is None:
        return Overrides(path=path)
    if not isinstance(data, dict):
        raise OverridesError([f"{path}: top level: must map dump file names to corrections "
                              f"(000_x.txt: {{title: …}}), not a {type(data).__name__}"])
    data = _plain(data)
    errors = sorted(_validator().iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        raise OverridesError([f"{_location(path, lines, e)}: {_cut(_message(e))}" for e in errors])
    entry_lines = {str(place[0]): line for place, line in lines.items() if len(place) == 1}
    return Overrides({str(k): v for k, v in data.items()}, path, entry_lines, lines)


def load_overrides(path: Path, warnings: list[str] | None = None) -> Overrides:
    """Read and validate overrides.yml; a missing file means no corrections."""
    if not path.exists():
        return Overrides(path=str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise OverridesError([f"{path}: cannot read: {error}"]) from error
    return parse_overrides(text, str(path))


# --- paragraph prefixes (shared with the correct stage) ------------------------------


_SPACE = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _SPACE.sub("", text)


def starts_with(text: str, prefix: str) -> bool:
    """``text`` starts with ``prefix``, whitespace ignored (an editor copies a paragraph's first words)."""
    return _norm(text).startswith(_norm(prefix))


def block_starts(block: Block, prefix: str) -> bool:
    """The block's text starts with ``prefix`` (a Q&A turn's with or without its speaker)."""
    if starts_with(block_text(block), prefix):
        return True
    return isinstance(block, Turn) and starts_with(inline_text(block.inlines), prefix)
