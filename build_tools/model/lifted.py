"""What the cleaner lifts out of the body for the metadata stage: typed records, never rule names.

The cleaner drops a byline, a dateline or a text dump's title line from the body where it finds
it, and records what the line says; metadata only chooses among the records (its fallback chains).
``found`` names where a record came from: it becomes the provenance of the field it wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Union

# What a credit line says its name is (generic.yml groups the byline labels by these roles):
#   author, editor, producer (出品), via (来源/编译: an outlet, or "编译自 X"), credit (题图, 排版… ignored);
#   outlet: the name of the publishing outlet itself; original: the outlet an article is reposted from.
Role = Literal["author", "editor", "producer", "via", "credit", "outlet", "original"]


@dataclass(frozen=True)
class Byline:
    """A person or outlet a credit line names: "作者：王博" → ``Byline("author", "王博", "byline")``."""

    role: Role
    name: str
    found: str


@dataclass(frozen=True)
class Dateline:
    """A line that dates the article ("2025-02-22 10:49 来源：澎湃新闻"); metadata normalises the date."""

    text: str
    found: str


@dataclass(frozen=True)
class TitleCandidate:
    """A title found in the body: a text dump's title line, or (``inferred``) its first heading or sentence."""

    text: str
    found: str
    inferred: bool = False


Lifted = Union[Byline, Dateline, TitleCandidate]  # noqa: UP007 - a runtime alias, not an annotation
