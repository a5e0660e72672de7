"""The curated entity registry (``entities.yml``) and its validation."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml

from build_tools.entities.normalize import key
from build_tools.model import yaml_read
from build_tools.model.errors import ConfigError
from build_tools.settings import SCHEMAS_DIR

SCHEMA_PATH = SCHEMAS_DIR / "entities.schema.json"
ENTITY_TYPES = ("person", "organization", "product", "concept", "place")
TYPE_LABELS = {
    "person": "人物",
    "organization": "机构",
    "product": "产品",
    "concept": "概念",
    "place": "地点",
}


class RegistryError(ConfigError):
    """entities.yml is unreadable or invalid; ``errors`` holds one line per problem."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class Ambiguous:
    alias: str
    context: tuple[str, ...]


@dataclass(frozen=True)
class Entity:
    id: str
    name: str
    type: str
    aliases: tuple[str, ...]
    description: str
    wikidata: str | None = None
    ambiguous: tuple[Ambiguous, ...] = ()
    not_in: tuple[str, ...] = ()
    no_autolink: bool = False

    @property
    def surfaces(self) -> tuple[str, ...]:
        """Name and aliases linked without context (single characters excluded)."""
        amb = {key(a.alias) for a in self.ambiguous}
        out: list[str] = []
        seen: set[str] = set()
        for s in (self.name, *self.aliases):
            k = key(s)
            if len(s) >= 2 and k not in amb and s not in seen:
                seen.add(s)
                out.append(s)
        return tuple(out)

    @property
    def all_names(self) -> tuple[str, ...]:
        """Every form an editor wrote down, for display and front matter."""
        seen: dict[str, None] = {}
        for s in (*self.aliases, *(a.alias for a in self.ambiguous)):
            if s != self.name:
                seen.setdefault(s)
        return tuple(seen)


@dataclass(frozen=True)
class Registry:
    entities: tuple[Entity, ...]
    path: str = "entities.yml"
    by_id: Mapping[str, Entity] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", MappingProxyType({e.id: e for e in self.entities}))

    def __reduce__(self):
        """Pickled as its entries (``by_id`` is derived, and a mapping proxy does not pickle): the build cache
        keeps the alias index over a registry, which costs a second of YAML and schema checks to remake."""
        return (Registry, (self.entities, self.path))

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self.by_id

    def __getitem__(self, entity_id: str) -> Entity:
        return self.by_id[entity_id]

    def __len__(self) -> int:
        return len(self.entities)

    def name(self, entity_id: str) -> str:
        e = self.by_id.get(entity_id)
        return e.name if e else entity_id


def _schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


MESSAGE_CHARS = 300  # a schema message quotes the value: a list of 100,000 items would be megabytes


def _where(path: str, doc: object, loc: list, lines: Mapping[tuple, int] | None = None) -> str:
    """'entities.yml:57: entry 3 (id nvidia): field aliases[2]' from a path in the document; the line is the
    node's own, or its nearest ancestor's that has one (when the document was read from a file)."""
    line = next((lines[tuple(loc[:n])] for n in range(len(loc), 0, -1) if tuple(loc[:n]) in lines), None) \
        if lines else None
    here = f"{path}:{line}" if line else path
    if len(loc) >= 2 and loc[0] == "entities" and isinstance(loc[1], int):
        idx = loc[1]
        ident = ""
        with contextlib.suppress(AttributeError, IndexError, KeyError, TypeError):
            ident = doc["entities"][idx].get("id", "")  # type: ignore[index]
        entry = f"entry {idx + 1}" + (f" (id {ident!r})" if ident else "")
        rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[2:6]).lstrip(".")
        return f"{here}: {entry}" + (f": field {rest}" if rest else "")
    rest = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc[:4]).lstrip(".")
    return f"{here}: {rest or 'top level'}"


def _cut(message: str) -> str:
    return message if len(message) <= MESSAGE_CHARS else f"{message[:MESSAGE_CHARS]}… ({len(message):,} characters)"


def parse_registry(doc: object, path: str = "entities.yml", lines: Mapping[tuple, int] | None = None) -> Registry:
    """Validate a parsed YAML document and build the registry (raises RegistryError); ``lines`` (the line of
    each key and item, from :func:`~build_tools.model.yaml_read.load`) puts a line number in every error."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    errors = [
        f"{_where(path, doc, list(err.absolute_path), lines)}: {_cut(err.message)}"
        for err in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    ]
    if errors:
        raise RegistryError(errors)
    assert isinstance(doc, dict)
    entities: list[Entity] = []
    owner: dict[str, tuple[str, str]] = {}  # alias key -> (entity id, alias as written)
    ids: dict[str, int] = {}
    for n, raw in enumerate(doc["entities"], start=1):
        eid = raw["id"]
        here = _where(path, doc, ["entities", n - 1], lines)
        if eid in ids:
            errors.append(f"{here}: field id: duplicate id, already used by entry {ids[eid]}")
            continue
        ids[eid] = n
        ent = _entity(raw)
        errors += _alias_errors(ent, here, owner)
        entities.append(ent)
    if errors:
        raise RegistryError(errors)
    return Registry(tuple(entities), path)


def _entity(raw: dict) -> Entity:
    return Entity(
        id=raw["id"],
        name=raw["name"],
        type=raw["type"],
        aliases=tuple(raw.get("aliases", ())),
        description=raw["description"],
        wikidata=raw.get("wikidata"),
        ambiguous=tuple(Ambiguous(a["alias"], tuple(a["context"])) for a in raw.get("ambiguous", ())),
        not_in=tuple(raw.get("not_in", ())),
        no_autolink=bool(raw.get("no_autolink", False)),
    )


def _alias_errors(ent: Entity, here: str, owner: dict[str, tuple[str, str]]) -> list[str]:
    """What is wrong with one entry's aliases; ``owner`` (alias key -> (entity id, alias as written))
    learns the entry's forms."""
    errors = []
    eid = ent.id
    plain = {key(s) for s in (ent.name, *ent.aliases)}
    for i, amb in enumerate(ent.ambiguous):
        if key(amb.alias) in {key(a) for a in ent.aliases}:
            errors.append(f"{here}: field ambiguous[{i}].alias: {amb.alias!r} is also listed in aliases")
    forms = [("name", ent.name)] if len(ent.name) >= 2 else []
    forms += [(f"aliases[{i}]", a) for i, a in enumerate(ent.aliases)]
    forms += [(f"ambiguous[{i}].alias", a.alias) for i, a in enumerate(ent.ambiguous)]
    for fld, form in forms:
        k = key(form)
        prev = owner.get(k)
        if prev and prev[0] != eid:
            errors.append(
                f"{here}: field {fld}: alias {form!r} is also an alias of {prev[0]!r}"
                f" (as {prev[1]!r}); an alias may belong to one entity only"
            )
        elif not prev:
            owner[k] = (eid, form)
    all_keys = plain | {key(a.alias) for a in ent.ambiguous}
    for i, phrase in enumerate(ent.not_in):
        pk = key(phrase)
        if not any(k in pk and k != pk for k in all_keys):
            errors.append(f"{here}: field not_in[{i}]: {phrase!r} does not contain any alias of this entity")
    return errors


def load_registry(path: Path | str) -> Registry:
    """Read and validate ``entities.yml`` against ``build_tools/schemas/entities.schema.json``.

    Raises :class:`RegistryError` whose lines name the file, the entry and the field.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError([f"{p}: cannot read: {exc}"]) from exc
    return registry_from_text(text, str(p))


@lru_cache(maxsize=4)
def registry_from_text(text: str, p: str) -> Registry:
    """The registry a text describes (remembered: the live preview rebuilds many times with the same file, and
    reading YAML with limits is pure Python); an invalid text raises every time."""
    try:
        doc, lines = yaml_read.load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise RegistryError([f"{p}{f':{mark.line + 1}' if mark else ''}: not valid YAML: {exc.problem or exc}"]) \
            from exc
    except yaml.YAMLError as exc:
        raise RegistryError([f"{p}: not valid YAML: {exc}"]) from exc
    except yaml_read.YamlProblem as problem:
        where = _where(str(p), None, list(problem.where))[len(str(p)):] if problem.where else ""
        raise RegistryError([f"{p}:{problem.line}{where}: {problem.message}"]) from None
    if doc is None:
        doc = {"entities": []}
    return parse_registry(doc, p, lines)
