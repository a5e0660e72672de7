"""The records a stage's caller hands the runtime: a page to render (:class:`PageJob`) and a record whose article
waits in the store (:class:`Stored`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from build_tools.runtime.cache import Store


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
