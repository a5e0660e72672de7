"""The records as the build keeps them once a pass has read their large fields: the sentence fingerprints (read by
dedupe only) and the story fingerprints (read by the related pass only) dropped from every article's record.

``dataclasses.replace`` runs the record's ``__init__`` again (every field looked up and set one by one): ~4 µs a
record, ~0.1 s of CPU per build at 10k articles for these three copies of every record.  A record whose class runs
no ``__post_init__`` is the same value when its ``__dict__`` is copied and the fields changed: what
:func:`changed` does (any other class goes through ``replace``).

Apart from :mod:`~build_tools.archive.prepared` and :mod:`~build_tools.archive.views`: those are in the prepare and
link stages' code keys, and these passes run after the stages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar

from build_tools.archive.prepared import Prepared, Published
from build_tools.archive.views import LinkedView

T = TypeVar("T")


def without_fingerprints(prepared: Sequence[Prepared], published: Sequence[Published]) -> tuple[list[Prepared],
                                                                                              list[Published]]:
    """The records as the build keeps them once :func:`~build_tools.archive.prepared.dedupe` has run: without their
    sentence fingerprints, which nothing after it reads (~4 KB of a ~5 KB record in memory: 200 MB at 50,000
    dumps, kept to the build's end)."""
    lean = {id(p): changed(p, fingerprint=frozenset()) for p in prepared}

    def light(record: Prepared) -> Prepared:
        return lean.get(id(record)) or changed(record, fingerprint=frozenset())

    return [lean[id(p)] for p in prepared], [changed(item, prepared=light(item.prepared)) for item in published]


def without_stories(linked: Sequence[tuple[str, LinkedView]]) -> list[tuple[str, LinkedView]]:
    """``(key, view)`` pairs without the views' story fingerprints: the related pass is their only reader, and
    they are most of a view in memory (~9 KB of ~15 KB: 450 MB at 50,000 articles, kept to the build's end)."""
    return [(item_key, changed(view, story=None)) for item_key, view in linked]


def changed(record: T, **values: Any) -> T:
    """``dataclasses.replace(record, **values)``, without running ``__init__`` for a plain dataclass."""
    cls = type(record)
    if not _plain(cls):
        return replace(record, **values)  # type: ignore[type-var]
    copy = object.__new__(cls)
    state = copy.__dict__
    state.update(record.__dict__)
    state.update(values)
    return copy


_PLAIN: dict[type, bool] = {}


def _plain(cls: type) -> bool:
    """A dataclass with a ``__dict__``, no ``__post_init__`` and every field set by ``__init__``."""
    plain = _PLAIN.get(cls)
    if plain is None:
        plain = _PLAIN[cls] = (is_dataclass(cls) and not hasattr(cls, "__post_init__")
                               and not hasattr(cls, "__slots__") and all(f.init for f in fields(cls)))
    return plain
