"""Loading the declarative cleaning rules (rules/*.yml) once, compiled.

Everything the stages ask of the rules per line (is it furniture? does it end the article? which
role does a byline label name?) is built here once per :class:`Rules`, so the stages hold no memos.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from build_tools.model import yaml_read
from build_tools.model.errors import ConfigError
from build_tools.model.lifted import Role
from build_tools.settings import RULES_DIR


class AnyPattern:
    """Whether any of some patterns occurs in a text: one regex call per kind of pattern, built once per rule set.

    Asking forty patterns one by one costs forty calls for every short line of every dump, so the
    patterns are joined: the branches anchored at the start (``^…``) into one ``match``, the others
    into one ``search`` (an anchored branch inside a searched alternation would be tried at every
    position).  A pattern that cannot join (backreferences, inline flags, named groups) is searched alone.

    The same furniture lines recur in dump after dump ("分享", "点赞", a portal's footer), so the
    answer for each text is remembered, up to ``REMEMBERED`` texts, for as long as the rule set lives.
    """

    __slots__ = ("patterns", "_tests", "_remembered")
    REMEMBERED = 1 << 16

    def __init__(self, patterns: tuple[re.Pattern[str], ...]):
        self.patterns = patterns
        self._tests = _joined(patterns)
        self._remembered = lru_cache(maxsize=self.REMEMBERED)(self._found)

    def __call__(self, text: str) -> bool:
        return self._remembered(text)

    def _found(self, text: str) -> bool:
        for test in self._tests:  # noqa: SIM110 - a plain loop: no generator per call
            if test(text) is not None:
                return True
        return False

    def __repr__(self) -> str:
        return f"AnyPattern({len(self.patterns)} patterns)"


def _joined(patterns: tuple[re.Pattern[str], ...]) -> tuple[Callable[[str], object], ...]:
    """Tests that find something iff some pattern is found in a text: ``match`` of the anchored branches
    joined, ``search`` of the other branches joined (per flag set), ``search`` of each pattern that cannot
    join.  A pattern is cut into branches at its top-level ``|`` (``^a|b`` is found iff ``^a`` or ``b`` is)."""
    anchored: dict[int, list[str]] = {}
    floating: dict[int, list[str]] = {}
    joined_from: dict[tuple[str, int], list[re.Pattern[str]]] = {}
    alone = []
    for pattern in patterns:
        source, flags = pattern.pattern, pattern.flags
        if not isinstance(source, str) or flags & re.VERBOSE or _UNSPLITTABLE.search(source) or "(?P" in source:
            alone.append(pattern.search)
            continue
        for branch in _top_level_branches(source):
            kind = "match" if branch.startswith("^") and not flags & re.MULTILINE else "search"
            (anchored if kind == "match" else floating).setdefault(flags, []).append(branch[kind == "match":])
            joined_from.setdefault((kind, flags), []).append(pattern)
    tests = []
    for kind, groups in (("match", anchored), ("search", floating)):
        for flags, branches in groups.items():
            try:
                tests.append(getattr(re.compile("|".join(f"(?:{b})" for b in branches), flags), kind))
            except re.error:  # a branch that is no regex on its own: search its patterns whole
                alone.extend(dict.fromkeys(p.search for p in joined_from[kind, flags]))
    return tuple(tests + alone)


# Backreferences, inline flags and conditionals: a pattern with them is never cut or joined.
_UNSPLITTABLE = re.compile(r"\(\?[aiLmsux#(-]|\(\?P=|\\[1-9]|\\g")


def _top_level_branches(source: str) -> list[str]:
    """``source`` split at each ``|`` outside groups, character sets and escapes."""
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
    return pieces


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
    is_junk: AnyPattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_junk", AnyPattern(self.junk_lines))

    def matches(self, host: str, text_head: str) -> bool:
        """The dump came from this portal: its URL host is (under) one of ours, or its head shows a marker."""
        if host and any(host == h or host.endswith("." + h) for h in self.hosts):
            return True
        return any(marker in text_head for marker in self.markers)

    @property
    def specificity(self) -> int:
        """The longest host: mp.weixin.qq.com is more specific than qq.com."""
        return max((len(h) for h in self.hosts), default=0)


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
    byline: re.Pattern[str]  # label, separator, value; the label's role is byline_roles[label]
    byline_roles: dict[str, Role]
    dateline_labels: tuple[tuple[Role, re.Pattern[str]], ...]  # "来源：X" inside a dateline → ("outlet", …)
    byline_window: int
    placeholder_names: frozenset[str]
    reject_patterns: tuple[tuple[str, re.Pattern[str]], ...]
    min_body_chars: int
    portals: tuple[Portal, ...]
    image_proxy_params: tuple[str, ...] = ()  # query parameters in which an image proxy carries the original URL
    # Credit lines without a label ("□ 本报记者 王博"): at the article's edges; the head ones only above its prose.
    credit_lines: tuple[re.Pattern[str], ...] = ()
    credit_head_lines: tuple[re.Pattern[str], ...] = ()
    comment_prompts: tuple[re.Pattern[str], ...] = ()  # "tell us in the comments": the article ends above
    is_junk: AnyPattern = field(init=False, repr=False, compare=False)  # any of junk_lines
    is_end: AnyPattern = field(init=False, repr=False, compare=False)  # any of end_markers

    def __post_init__(self) -> None:
        object.__setattr__(self, "is_junk", AnyPattern(self.junk_lines))
        object.__setattr__(self, "is_end", AnyPattern(self.end_markers))

    def portals_for(self, url: str | None, text_head: str) -> tuple[Portal, ...]:
        """The portals a dump with this URL (a web address, or None) and this head text comes from,
        the most specific host first."""
        host = urlsplit(url).hostname or "" if url else ""
        found = [p for p in self.portals if p.matches(host, text_head)]
        return tuple(sorted(found, key=lambda p: -p.specificity))

    def credit(self, text: str, head: bool) -> re.Match[str] | None:
        """The credit line pattern ``text`` matches (the head-only ones too when ``head``), or None."""
        for pattern in self.credit_lines + (self.credit_head_lines if head else ()):
            found = pattern.match(text)
            if found:
                return found
        return None

    def portals_named(self, names: tuple[str, ...]) -> tuple[Portal, ...]:
        """The portals an article carries (:attr:`Article.portals`), in its order."""
        return tuple(p for name in names for p in self.portals if p.name == name)


# --- loading --------------------------------------------------------------------------------------


def _compile(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in patterns or [])


_active_dir = RULES_DIR


def use_rules_dir(directory: Path) -> None:
    """Make ``directory`` (generic.yml + portals.yml) the rules that ``load_rules()`` returns from now on,
    in this process and in workers forked after it (``Settings.rules_dir``, ``build --rules``)."""
    global _active_dir
    _active_dir = Path(directory).resolve()


def load_rules(directory: Path | None = None) -> Rules:
    return _load_rules(Path(directory).resolve() if directory is not None else _active_dir)


def _read(path: Path) -> dict:
    """A rules file, read with limits: an equal key twice (YAML keeps the last silently), an alias bomb or deep
    nesting is a ConfigError naming the file and the line."""
    try:
        data, _ = yaml_read.load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise ConfigError(f"{path}:{mark.line + 1 if mark else 0}: not valid YAML: {error.problem or error}",
                          str(path)) from error
    except yaml_read.YamlProblem as problem:
        field = ".".join(map(str, problem.where[:4]))
        raise ConfigError(f"{path}:{problem.line}: {field + ': ' if field else ''}{problem.message}", str(path),
                          problem.line, field or None) from None
    return data if isinstance(data, dict) else {}


@lru_cache(maxsize=2)
def _load_rules(directory: Path) -> Rules:
    generic = _read(directory / "generic.yml")
    portal_data = _read(directory / "portals.yml")
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
    roles = {label: role for role, labels in generic["byline_labels"].items() for label in labels}
    labels = "|".join(map(re.escape, roles))
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
        byline_roles=roles,
        dateline_labels=tuple(
            # The name stops before a date glued to it: "来源：人民日报2024-05-13 08:49".
            (role, re.compile(rf"(?:{'|'.join(map(re.escape, labels))})\s*[:：]\s*([^\s|｜·]+?)"
                              r"(?=\d{4}[-/.年]\d|[\s|｜·]|$)"))
            for role, labels in generic["dateline_labels"].items()
        ),
        byline_window=generic["byline_window"],
        placeholder_names=frozenset(generic["placeholder_names"]),
        reject_patterns=tuple((k, re.compile(v, re.M | re.I)) for k, v in generic["reject_patterns"].items()),
        min_body_chars=generic["min_body_chars"],
        image_proxy_params=tuple(generic.get("image_proxy_params") or ()),
        credit_lines=_compile(generic.get("credit_lines")),
        credit_head_lines=_compile(generic.get("credit_head_lines")),
        comment_prompts=_compile(generic.get("comment_prompts")),
        portals=portals,
    )
