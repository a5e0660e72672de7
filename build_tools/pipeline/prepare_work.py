"""The prepare stage's work: one dump → its prepared Article (ingest → clean → metadata → corrections).

A pure function of the dump's bytes, its path inside raw/, its slug, its corrections and the
rules; the runtime caches it under exactly those (and this module's code, see runtime.code).  The
bytes are the ones ingest read, hashed where they were read: the main process's digest only finds a
stored result (see ``Stage.keyed_by_read``).
"""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

from build_tools.archive.prepared import Prepared, prepared_record
from build_tools.archive.slugs import slugify
from build_tools.config.corrections import Overrides
from build_tools.model import Article, Failure, Slug
from build_tools.model.paths import Dump, RawPath, printable_path, relative_path
from build_tools.runtime.cache import file_digest
from build_tools.runtime.crash import guarded, run_steps
from build_tools.settings import Settings
from build_tools.stages.clean import clean
from build_tools.stages.correct import apply_overrides
from build_tools.stages.gate import assess
from build_tools.stages.ingest import ingest
from build_tools.stages.metadata import extract_metadata


def prepare(path: Path, settings: Settings, overrides: Overrides, slug: Slug | None = None) -> Article | Failure:
    """ingest → clean → metadata → corrections for the dump at ``path`` (under ``settings.raw_dir``).

    ``slug`` is the one the build assigned over the whole archive; a dump prepared on its own gets
    ``slugify`` of its path."""
    relative = relative_path(path, settings.raw_dir)
    raw_path = RawPath(printable_path(relative))
    article = guarded("ingest", raw_path, ingest, path, raw_path, settings.max_dump_bytes)
    if isinstance(article, Failure):
        return article
    article = replace(article, slug=slug if slug is not None else slugify(relative))
    return run_steps(article, (
        ("clean", clean),
        ("gate", assess),
        ("metadata", extract_metadata),
        ("correct", lambda prepared: apply_overrides(prepared, overrides)),
    ))


def prepare_one(context: tuple[Settings, Overrides], dump: Dump,
                key: str) -> tuple[Prepared | Failure, bytes | None, str | None]:
    """In a worker: one dump → its small record, the pickled Article for the store, and the digest of the
    bytes it was made from: the article's own (ingest hashes what it read).  A rejected dump is hashed
    before and after: the same bytes both times, or its rejection is not stored (read while being saved)."""
    settings, overrides = context
    before = file_digest(dump.path, settings.max_dump_bytes)
    result = prepare(dump.path, settings, overrides, dump.slug)
    if isinstance(result, Failure):
        return result, None, before if file_digest(dump.path, settings.max_dump_bytes) == before else None
    return prepared_record(result, key), pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), result.sha256


def load_readers() -> None:
    """Import what reading dumps needs (BeautifulSoup, markdown-it…) once, before workers fork, and only
    when some dump has to be read at all."""
    from build_tools.stages.readers import body_readers

    body_readers()
