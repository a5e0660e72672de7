"""The link stage's work: one prepared article → its linked form (for the store) and its small view.

Cross-dump furniture is dropped first (the lines many dumps share, found over the whole archive),
then entity mentions become links.
"""

from __future__ import annotations

import pickle
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from build_tools.archive.furniture import drop_recurring
from build_tools.archive.prepared import Published
from build_tools.archive.views import LinkedView, dated, view_of
from build_tools.runtime.crash import run_steps
from build_tools.stages.images import image_sources
from build_tools.stages.link import link


def link_one(context: tuple[Any, Any, frozenset[str], Any, Mapping[str, str]], item: Published,
             key: str) -> tuple[LinkedView, bytes]:
    """In a worker: ``context`` is (the store's reader, the alias index, the recurring lines, the corrections, each
    dump's added day by its path as pages name it)."""
    reader, index, recurring, overrides, added = context
    article = run_steps(reader.load("article", item.prepared.key), (
        ("furniture", lambda prepared: drop_recurring(prepared, recurring)),
        ("link", lambda prepared: link(prepared, index, overrides)),
    ))
    view = dated(replace(view_of(article), images=image_sources(article)), added.get(item.raw_path))
    return view, pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL)
