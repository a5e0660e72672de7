"""YAML read with limits: editors' files (entities.yml, overrides.yml) and the front matter of dumps.

PyYAML has no limits of its own.  It composes nesting recursively (20,000 levels: a RecursionError), it
hands back one shared object for every use of an alias, so a "billion laughs" document stays small until
something walks it (a schema check, an error message quoting it: minutes and gigabytes), and of two equal
keys it silently keeps the last.  Here a document is composed with a depth limit (deeper collections are
skipped as they are read, without recursion), walked into plain data without recursion and with a budget
for what aliases add, equal keys are refused, and the line of every key and item is kept.  Every problem
is a :class:`YamlProblem` naming its line and its place in the document.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import CollectionEndEvent, CollectionStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from build_tools.model.records import preview

MAX_DEPTH = 50  # levels of nesting; editors' files need 5, front matter 3
MAX_ALIAS_VALUES = 100_000  # values aliases may add when a document is expanded (a billion-laughs bomb: 10**9)
TOO_DEEP = "tag:cn-archive,2025:too-deep"  # a collection skipped for its depth
MERGE = "tag:yaml.org,2002:merge"
Where = tuple  # keys and indexes from the document's root to a node


class YamlProblem(Exception):  # noqa: N818 - a problem with a document, reported, never a crash
    """Why a YAML document (or one value of it) cannot be used: a message, its line (1-based) and its place."""

    def __init__(self, message: str, line: int = 0, where: Where = (), reason: str | None = None):
        super().__init__(message)
        self.message, self.line, self.where = message, line, where
        self.reason = reason or message  # the message without the value it quotes


_NO_DATES = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class Loader(yaml.SafeLoader):
    """A SafeLoader whose composer skips collections nested deeper than ``MAX_DEPTH`` (marked ``TOO_DEEP``)
    and counts the nodes it composed; with ``dates=False`` dates stay text.  ``values_left``: how many more
    values walking its document may make (what it composed, plus ``MAX_ALIAS_VALUES`` for aliases)."""

    def __init__(self, text: str, dates: bool = True):
        super().__init__(text)
        self.depth = 0
        self.composed = 0
        self.values_left = 0
        if not dates:
            self.yaml_implicit_resolvers = _NO_DATES

    def fetch_flow_collection_start(self, token_class: type) -> None:
        """``[[[[…``: the scanner checks every open bracket on every token (20,000 of them: 44 s), so stop early."""
        if self.flow_level >= MAX_DEPTH:
            raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep", self.get_mark().line + 1)
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        self.composed += 1
        if not self.check_event(CollectionStartEvent):
            return super().compose_node(parent, index)
        if self.depth >= MAX_DEPTH:
            return self._skip_collection()
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def _skip_collection(self) -> Node:
        """Read past one collection and everything in it, without recursion."""
        start = self.peek_event()
        level = 0
        while True:
            event = self.get_event()
            level += isinstance(event, CollectionStartEvent) - isinstance(event, CollectionEndEvent)
            if level == 0:
                return ScalarNode(TOO_DEEP, "", start.start_mark, event.end_mark)


def compose(text: str, dates: bool = True) -> tuple[Loader, Node | None]:
    """The document's node tree (None when it is empty); raises ``yaml.YAMLError`` when it is not YAML."""
    loader = Loader(text, dates)
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    loader.values_left = loader.composed + MAX_ALIAS_VALUES
    return loader, root


def line_of(node: Node) -> int:
    return node.start_mark.line + 1


def scalar(loader: Loader, node: Node, where: Where = ()) -> object:
    """A scalar's value (text, number, date…), or a YamlProblem (a 5,000-digit number, an impossible date…)."""
    if node.tag == TOO_DEEP:
        raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep", line_of(node), where)
    if node.tag == MERGE:
        raise YamlProblem("merge keys (<<) are not supported: write the fields out", line_of(node), where)
    try:
        return loader.construct_object(node)
    except (yaml.YAMLError, ValueError, OverflowError, TypeError) as error:
        reason = (getattr(error, "problem", None) or str(error)).split("; use sys.")[0]  # (int's advice)
        raise YamlProblem(f"cannot read {preview(str(node.value))}: {reason}", line_of(node), where, reason) from None


def plain(loader: Loader, node: Node, where: Where = ()) -> tuple[object, dict]:
    """``node`` as plain data (dicts, lists, scalars), walked without recursion, with the line of every key
    and item (``lines[where]``).  Raises YamlProblem for an equal key, a key that is not a scalar, a value
    that cannot be read, a collection nested too deep, or aliases that expand the document (all the walks of
    one loader together) past ``MAX_ALIAS_VALUES`` more values than it holds."""
    lines: dict[Where, int] = {}

    def make(child: Node, at: Where) -> tuple[object, Node | None]:
        loader.values_left -= 1
        if len(at) > MAX_DEPTH:  # an alias inside its own anchor nests without end
            raise YamlProblem(f"nested more than {MAX_DEPTH} levels deep", line_of(child), at[:3])
        if loader.values_left < 0:  # (at the line of the top-level key it happened under: an alias has none)
            raise YamlProblem(f"aliases expand the document past {loader.composed + MAX_ALIAS_VALUES:,} values "
                              f"(an alias bomb?)", lines.get(at[:1], line_of(child)), at[:3])
        if isinstance(child, SequenceNode):
            return [], child
        if isinstance(child, MappingNode):
            return {}, child
        return scalar(loader, child, at), None

    root, pending = make(node, where)
    stack = [(root, pending, where)] if pending is not None else []
    while stack:
        container, current, at = stack.pop()
        for item_where, item_node, key_line in _children(loader, current, at):
            lines[item_where] = key_line
            value, inner = make(item_node, item_where)
            if isinstance(container, list):
                container.append(value)
            else:
                container[item_where[-1]] = value
            if inner is not None:
                stack.append((value, inner, item_where))
    return root, lines


def _children(loader: Loader, node: Node, where: Where):
    """(where, node, line) of each item of a sequence or each value of a mapping; equal keys refused."""
    if isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield where + (index,), item, line_of(item)
        return
    seen: dict[object, int] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            raise YamlProblem("a key must be a name, not a list or a mapping", line_of(key_node), where)
        key = scalar(loader, key_node, where)
        if key in seen:
            raise YamlProblem(f"{key!r} appears twice (lines {seen[key]} and {line_of(key_node)}); keep one "
                              f"(YAML would silently use the last)", line_of(key_node), where + (key,))
        seen[key] = line_of(key_node)
        yield where + (key,), value_node, line_of(key_node)


def load(text: str, dates: bool = False) -> tuple[object, dict]:
    """A whole document as plain data and the line of every key and item; raises ``yaml.YAMLError`` (not
    YAML) or :class:`YamlProblem`."""
    loader, root = compose(text, dates)
    if root is None:
        return None, {}
    return plain(loader, root)
