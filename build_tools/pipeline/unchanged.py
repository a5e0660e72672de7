"""A build whose inputs and output are what the last build left: nothing to do (issue 15's no-op floor).

Even with every result cached, a build that changes nothing used to load every article's record and view
from the cache and key every page again: O(archive) work (~1 s at 2k, ~4 s of CPU at 10k) to find that
nothing changed.  So a successful build records, in the build cache, the key of everything it read and the
report it made; the next build compares keys right after discovery, and when they agree and docs/ is as
the writer left it (:func:`~build_tools.runtime.emit.untouched`: each generated file's stat as recorded,
none added), it returns that report without running a stage — the way make or ninja skip a target whose
inputs' stamps did not change.

What the key holds: the build code (the pipeline and everything it imports, the rules, the lock file and
the schemas: ``stage_key``), the settings and where their relative paths point, every dump's
identity, slug and stat (size, mtime, ctime, inode, mode, as git's index keeps them), the added dates, the
bytes of entities.yml and overrides.yml, the image store's record and file names, and the manifest the writer left.  A
dump's stat younger than ``RACY_SECONDS`` is not trusted (a file saved again within one timestamp tick
keeps its stat) until the build is over: it records its key only if by then every such dump is older than
``RACY_SECONDS``, has the stat discovery saw, and its bytes, read again now, are the ones the build's
result for it was made from (git re-reads its "racily clean" entries the same way).  So the build right
after a batch of dumps was written (a cold ``make site`` on a fresh archive) is remembered, and the next
one skips.  ``--fetch-images`` (network) and ``--no-cache`` builds never skip.
"""

from __future__ import annotations

import hashlib
import os
import stat
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from build_tools.filestat import RACY_SECONDS, young  # the window: passed by name (tests set it here)
from build_tools.filestat import signature as _signature  # (tests set a coarser one here)
from build_tools.model.paths import Dump
from build_tools.model.records import BuildReport
from build_tools.runtime.cache import Store, file_digest, key
from build_tools.runtime.code import stage_key
from build_tools.runtime.emit import untouched
from build_tools.runtime.images import SOURCES, STORE_DIR
from build_tools.settings import Settings

NAME = "unchanged build"


@dataclass(frozen=True)
class BuildKey:
    """The key of a build's inputs, and the dumps whose stat was too recent to trust when it was taken (with
    that stat's signature): the key is recorded only once :func:`settled` has checked them."""

    value: str
    racy: tuple[tuple[Dump, str], ...] = ()


def build_key(settings: Settings, dumps: Sequence[Dump], added: dict[str, str],
              stats: Mapping[Path, os.stat_result] | None = None) -> BuildKey | None:
    """The key of this build's inputs, or None when it may not be skipped.  ``stats``: each dump's stat as
    discovery took it (a dump missing there is stat'ed here)."""
    if settings.fetch_images or not settings.use_cache:
        return None
    now = time.time_ns()
    # Where the settings' relative paths point, not the working directory itself (no cwd in a key).
    places = (settings.raw_dir, settings.docs_dir, settings.cache_dir, settings.entities_path,
              settings.overrides_path, settings.added_record)
    parts = [stage_key("build_tools.pipeline", settings.rules_dir), repr(settings),
             *(str(Path(place).resolve()) for place in places)]
    racy = []
    stats = stats or {}
    for dump in dumps:
        try:
            info = stats.get(dump.path) or os.stat(dump.path)
        except OSError:
            return None
        signature = _signature(info)
        if young(info, now, RACY_SECONDS):
            racy.append((dump, signature))
        parts.append(f"{dump.relative}\0{dump.slug}\0{signature}")
    parts += [f"{raw}\0{day}" for raw, day in sorted(added.items())]
    for path in (settings.entities_path, settings.overrides_path, settings.docs_dir / STORE_DIR / SOURCES):
        parts.append(_file_digest(path))
    try:  # a page shows a stored picture only while its file is there (ImageStore.file_for)
        parts.append("\0".join(sorted(os.listdir(settings.docs_dir / STORE_DIR))))
    except OSError:
        parts.append("no image store")
    return BuildKey(key(*parts), tuple(racy))


def settled(build: BuildKey | None, made_from: Callable[[Dump, str], bool], max_bytes: int,
            remember: Callable[[Path, os.stat_result, str], None] | None = None) -> BuildKey | None:
    """``build`` when it may be recorded: every dump whose stat was too recent at discovery is now older than
    ``RACY_SECONDS``, still has that stat, and ``made_from(dump, digest of its bytes now)`` says the build's
    result for it came from those bytes.  A later save then shows in the stat (its time is past the old one's
    tick), so the recorded stat stands for the bytes the build used.  Else None: nothing is recorded.

    ``remember(path, stat, digest)`` is told each digest read here (the store keeps it, as it keeps the ones
    it reads itself once their stat is old enough), so the next build that does run reads no dump again."""
    if build is None:
        return None
    for dump, signature in build.racy:
        try:
            info = os.stat(dump.path)
        except OSError:
            return None
        if _signature(info) != signature or young(info, time.time_ns(), RACY_SECONDS):
            return None
        digest = file_digest(dump.path, max_bytes)
        if not made_from(dump, digest):
            return None
        if remember is not None and stat.S_ISREG(os.lstat(dump.path).st_mode):  # a link's own stat is kept
            remember(dump.path, info, digest)
    return BuildKey(build.value)


def unchanged_report(store: Store, build: BuildKey | None, manifest: Path, docs_dir: Path,
                     report: BuildReport) -> BuildReport | None:
    """The last build's report when ``build`` is its key and docs/ is untouched; ``report`` holds this build's
    discovery (its warnings come first, as in a full build) and timings so far."""
    if build is None or build.racy:  # a stat this recent was never recorded (see settled)
        return None
    found = store.get("whole", key(NAME, build.value))
    if found is None:
        return None
    manifest_digest, last = found
    if _file_digest(manifest) != manifest_digest or not untouched(docs_dir, manifest):
        return None
    return replace(last, warnings=report.warnings + last.warnings, timings=list(report.timings),
                   changed_paths=())


def record(put_latest: Callable[[str, str, object], None], build: BuildKey | None, manifest: Path, report: BuildReport,
           discovered: int) -> None:
    """Remember this build's key and report with ``put_latest`` (the runner's: the live preview writes it when
    idle), after its output is in place (``build`` as :func:`settled` returned it).  The first ``discovered``
    warnings are discovery's (slugs, added dates): made again by the next build, not replayed from this one."""
    if build is not None and not build.racy:
        kept = replace(report, warnings=report.warnings[discovered:], timings=[], changed_paths=())
        put_latest(NAME, key(NAME, build.value), (_file_digest(manifest), kept))


def _file_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return "absent"
    except OSError as error:
        return f"unreadable:{error}"
