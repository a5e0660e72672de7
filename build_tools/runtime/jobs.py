"""The records a stage's caller hands the runtime: a stage (:class:`Stage`), a page to render (:class:`PageJob`) and
a record whose article waits in the store (:class:`Stored`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from build_tools.runtime.cache import Store
from build_tools.runtime.code import stage_key


@dataclass(frozen=True)
class PageJob:
    """What rendering one dump's files needs: ``inputs`` (everything the files depend on besides the
    render code) make their key; ``outputs`` are the files, in the order the work returns their texts."""

    raw_path: str
    outputs: tuple[str, ...]
    inputs: tuple[str, ...]
    payload: Any  # what the work function reads (the linked article's key, related articles…)


@dataclass(frozen=True)
class Stored:
    """A record whose full article waits in the store: loaded only when asked for."""

    record: Any  # has raw_path and key
    store: Store
    kind: str = "article"

    @property
    def raw_path(self) -> str:
        return self.record.raw_path

    def load(self) -> Any:
        return self.store.load(self.kind, self.record.key)


class Item(Protocol):
    """Whatever a stage works on names its dump (a crash names it too)."""

    @property
    def raw_path(self) -> str: ...


@dataclass(frozen=True)
class Stage:
    """One stage as the runtime runs it.

    ``work(context, item, key)`` runs in a worker.  Run by :meth:`Runner.each`, it returns ``(record,
    blob)``: the small record the build keeps (or the item's ``Failure``), stored under ``kinds[0]``,
    and the pickled article for the next stage (or None), stored under ``kinds[1]``.  Run by
    :meth:`Runner.pages`, it returns the texts of the page's files (or a ``Failure``), which are not
    stored: the writer's manifest is their cache.  ``warm`` runs once before the workers fork
    (imports, compiled schemas), and only when some item has to be worked on.

    ``keyed_by_read``: the item's first key input is the digest of the bytes its work reads (the main
    process's guess, to find a stored result).  The work returns a third value, the digest of the bytes
    it actually read (None when it cannot tell), and its result is stored under the key of those bytes,
    or not at all: a file saved while the build reads it never leaves one version's result under the
    other's key.  The key :meth:`Runner.each` returns with a record is the one it is stored under.
    """

    name: str
    work: Callable[[Any, Any, str], Any]
    kinds: tuple[str, str] = ("", "")
    warm: Callable[[], object] | None = None
    keyed_by_read: bool = False

    def code_key(self, rules_dir: Path) -> str:
        return stage_key(self.work.__module__, rules_dir)
