"""Running pure stages over many items: cached by key, spread over all cores, crashes named.

A :class:`~build_tools.runtime.jobs.Stage` is a work function ``work(context, item, key)`` plus where its results are
stored.  :meth:`Runner.each` runs it over a list of items: an item whose key the store already
holds is not worked on again; the others go to worker processes (forked after ``warm`` and the
``context`` are ready, so both are shared, not pickled); results come back in input order, so a
parallel build is byte-identical to a serial one.  A stage's key is its own code key
(:mod:`build_tools.runtime.code`) plus the item's inputs, so a change to one stage's code redoes
that stage and the ones after it, never an unrelated one.

A whole-archive pass is either memoised whole (:meth:`Runner.whole`: recomputed when any of its inputs
changed) or, when it makes pages, cut into parts (:meth:`Runner.parts`: one entity's page, one archived page,
one feed): one cheap pass groups the small records, each part is keyed by what it shows, and only the parts
whose key changed are made again; the others' pages stay as the last build wrote them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from build_tools.config.rules import use_rules_dir
from build_tools.memory import build_collections, gc_paused
from build_tools.model import Failure
from build_tools.model.errors import CacheError, Interrupted
from build_tools.model.paths import PathDisplay
from build_tools.model.records import BuildReport, BuildWarning, InputResult, Progress, Status
from build_tools.runtime import deferred
from build_tools.runtime.ahead import Ahead, replay
from build_tools.runtime.cache import Reader, Store, key
from build_tools.runtime.code import stage_key
from build_tools.runtime.crash import guarded
from build_tools.runtime.early import begin_absent
from build_tools.runtime.emit import OutputWriter, check_separate, output_lock
from build_tools.runtime.jobs import Item, PageJob, Stage
from build_tools.runtime.locks import FolderLock, holding, say
from build_tools.runtime.parallel import ordered_map
from build_tools.settings import Settings

# One part of a pass: its inputs (what its key is made of) and the arguments of the function making its pages.
Group = tuple[Sequence[str], tuple]


class Family(Protocol):
    """Parts laid out together (``archive.paging.Family``): ``inputs`` names everything their pages show
    (``""``: not known), ``parts()`` lays them out as ``[(func, {name: (inputs, args)})]``."""

    @property
    def inputs(self) -> str: ...

    @property
    def parts(self) -> Callable[[], list[tuple[Callable[..., dict[str, str]], Mapping[str, Group]]]]: ...


# (store, kind) → key → record: the records the last build of this process used, kept when the settings say
# ``keep_warm`` (Runner._stored).  Replaced by each build, so it holds one archive's working set at most.
_WARM: dict[tuple[str, str], dict[str, Any]] = {}
# store → the part places this process has read the store for (``Runner._part_records``).
_ASKED: dict[str, set[str]] = {}


class Runner:
    """One build's runtime: the store, the workers, the writer, and the statuses of failed dumps."""

    def __init__(self, settings: Settings, cache_dir: Path, report: BuildReport, progress: Progress | None = None,
                 docs_lock: FolderLock | None = None):
        self.settings, self.cache_dir, self.report, self.progress = settings, cache_dir, report, progress
        self.docs_lock = docs_lock
        self.output_changed = False  # the writer's swap happened: docs/ holds this build's output
        self.store = Store(cache_dir)
        self.rules_dir, self.jobs = settings.rules_dir, settings.jobs
        self.shown = PathDisplay.for_raw_dir(settings.raw_dir)  # the working directory is read here, once
        self.reader = Reader(self.store.path)  # for workers: they read what earlier stages stored
        deferred.write_pending(self.store)  # the last build of this process's, before anything reads the store

    @classmethod
    @contextlib.contextmanager
    def open(cls, settings: Settings, report: BuildReport, progress: Progress | None = None,
             locks: tuple[FolderLock, ...] | None = None) -> Iterator[Runner]:
        """The runtime of one build: its cache (with ``use_cache=False`` a throwaway one: the build still
        streams articles through disk) and the rules folder its stages read.  ``locks``: the build's
        (:func:`build_locks`), held already; without them the runner takes its own."""
        use_rules_dir(settings.rules_dir)  # before any key is computed and before workers fork
        runner = None
        # Ctrl-C while closing (the store's journal folded in, a throwaway cache removed: after the swap, and
        # longer the more the store holds) is reported like one during the build: did docs/ change?
        try:
            with contextlib.ExitStack() as stack:
                if locks is None:
                    locks = stack.enter_context(build_locks(settings))
                cache_dir = settings.cache_dir if settings.use_cache else \
                    Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cn-archive-cache-")))
                stack.enter_context(build_collections())  # exits last (memory.py)
                # The main process's passes make little cyclic garbage, and the collector walked the build's
                # records to find it: 0.55-0.65 s of an edit's ~4.7 s of CPU at 10k (5-6 full collections).  Work
                # on many items runs with it on (parallel.py: in the workers, or here when run serially).
                stack.enter_context(gc_paused())
                runner = cls(settings, cache_dir, report, progress, docs_lock=locks[-1])
                stack.callback(runner.store.close)  # last: the last connection to close folds the journal in
                stack.callback(Reader.close_all)
                yield runner
        except KeyboardInterrupt as stop:
            if isinstance(stop, Interrupted):
                raise
            raise Interrupted(runner.output_changed if runner is not None else False) from None

    @contextlib.contextmanager
    def output(self) -> Iterator[OutputWriter]:
        """The one writer into docs/: its changes land when the block ends, or not at all if it raises."""
        settings = self.settings
        writer = OutputWriter(settings.docs_dir, settings.raw_dir, manifest=self.manifest_path, lock=self.docs_lock)
        try:
            yield writer
            with self.report.timed("emit"):
                self.report.warnings.extend(BuildWarning(path, "slug-conflict", "two pages for one path (a slug "
                                                         "conflict): the first one written was kept")
                                            for path in writer.conflicts)
                self.report.changed_paths = tuple(writer.commit())
                self.output_changed = True
        except BaseException:
            self.output_changed = writer.swapped
            writer.abort()
            raise

    def key(self, func: Callable, *inputs: str) -> str:
        """The key of a result ``func`` makes from ``inputs``: ``func``'s code key plus the inputs."""
        return key(stage_key(func.__module__, self.rules_dir), *inputs)

    def each(self, stage: Stage, items: Sequence[Item], inputs: Sequence[tuple[str, ...]],
             context: Any) -> list[tuple[str, Any]]:
        """``(key, record)`` for every item whose work succeeded, in input order; each Failure becomes a
        ``rejected`` status in the report."""
        code = stage.code_key(self.rules_dir)
        keys = [key(code, *parts) for parts in inputs]

        def work(shared: Any, job: tuple[Item, str]) -> tuple[Any, bytes | None]:
            item, item_key = job
            return guarded(stage.name, item.raw_path, stage.work, shared, item, item_key)

        early = begin_absent(self.store, stage, work, items, keys, context, self.jobs)  # early.py
        try:
            found = self._stored(stage.kinds[0], keys)
        except BaseException:
            if early is not None:
                early[1].close()
            raise
        warm = dict(found)  # what the next build of this process may take without unpickling (keep_warm)
        missing = [i for i, k in enumerate(keys) if k not in found]
        if early is not None and early[0] == missing:
            fresh = early[1]
        else:  # nothing begun, or other work (a record unreadable, or stored meanwhile): begun here, as always
            if early is not None:
                early[1].close()
            fresh = ordered_map(work, [(items[i], keys[i]) for i in missing], context, self.jobs, warm=stage.warm)
        stored_under: dict[str, str] = {}
        with contextlib.closing(fresh):  # an interrupt here stops the workers now, not at exit
            for n, (i, result) in enumerate(zip(missing, fresh, strict=True), 1):
                record, blob = result[:2]
                where = self._read_key(stage, code, inputs[i], keys[i], result[2]) if stage.keyed_by_read else keys[i]
                if where is not None:
                    self.store.put(stage.kinds[0], where, record)
                    stored_under[keys[i]] = where
                    if where == keys[i]:
                        warm[where] = record
                if blob is not None:
                    if where is None:  # a bug in the stage: what follows could not find its article
                        raise ValueError(f"{items[i].raw_path}: {stage.name} returned an article but not what it read")
                    self.store.put_raw(stage.kinds[1], where, blob)
                found[keys[i]] = record
                self._progress(stage.name, n, len(missing))
        self.store.checkpoint()  # workers of the next stage read what this one stored
        if self.settings.keep_warm:
            _WARM[(str(self.store.path), stage.kinds[0])] = warm
        done = []
        for item_key in keys:
            record = found[item_key]
            if isinstance(record, Failure):
                self.reject(record)
            else:
                done.append((stored_under.get(item_key, item_key), record))
        return done

    def warm_to_load(self) -> bool:
        """A process that keeps records warm (the live preview) and holds none of this store's stage records yet
        (a whole-archive record read already, as discovery reads the last slugs, does not count): its first build
        should read them even when nothing changed, or its first update would."""
        path = str(self.store.path)
        return self.settings.keep_warm and not any(place == path and kind not in ("latest", "parts")
                                                   for place, kind in _WARM)

    def _stored(self, kind: str, keys: list[str]) -> dict[str, Any]:
        """The stored records of those keys that have one; with ``keep_warm`` (the live preview: one process,
        many builds) the records the previous build of this process used are taken as they are, not read and
        unpickled again (~2 s of CPU per update at 10k articles).  Records are immutable, and a key names
        exactly what its record was made from, so a record kept is the record the store holds."""
        if not self.settings.keep_warm:
            return self.store.get_many(kind, keys)
        kept = _WARM.get((str(self.store.path), kind), {})
        found = {k: kept[k] for k in keys if k in kept}
        found.update(self.store.get_many(kind, [k for k in keys if k not in found]))
        return found

    @staticmethod
    def _read_key(stage: Stage, code: str, parts: tuple[str, ...], asked: str, read: str | None) -> str | None:
        """Where a result of a ``keyed_by_read`` stage is stored: under the key of the bytes its work read."""
        if read is None:
            return None
        return asked if read == parts[0] else key(code, read, *parts[1:])

    def whole(self, func: Callable[..., Any], inputs: Sequence[str], *args: Any) -> Any:
        """``func(*args)`` over the whole archive, recomputed only when ``inputs`` (the keys of the items it
        reads, which name their slugs too) or ``func``'s code changed."""
        name = func.__name__
        whole_key = self.key(func, name, *inputs)
        found = self.store.get("whole", whole_key)
        if found is None:
            found = guarded(name, None, func, *args)
            self.put_latest(name, whole_key, found)
        return found

    def latest(self, name: str, place: str) -> Any:
        """The whole-archive record stored as ``name`` under ``place`` (:meth:`put_latest`), or None.  With
        ``keep_warm`` (the live preview) the one this process put or read last is taken as it is, not read and
        unpickled again: such a record (the related pass's tables) describes the inputs it was made from, so one
        older than the store's (another process built meanwhile) is still a valid starting point, only a farther
        one."""
        if not self.settings.keep_warm:
            waiting = deferred.waiting(self.store, name, place)
            return self.store.get("whole", place) if waiting is None else waiting
        warm = _WARM.setdefault((str(self.store.path), "latest"), {})
        if name in warm and warm[name][0] == place:
            return warm[name][1]
        found = self.store.get("whole", place)
        if found is not None:  # read once: the next update takes it from memory (the preview's first one too)
            warm[name] = (place, found)
        return found

    def put_latest(self, name: str, place: str, value: Any) -> None:
        """Store ``value`` as the one record called ``name`` (:meth:`Store.put_latest`).  With ``keep_warm`` it is
        kept warm, and stored only when the process is idle; with ``defer_latest`` (`make site`) stored once the site
        step runs (:mod:`build_tools.runtime.deferred`)."""
        if not (self.settings.keep_warm or self.settings.defer_latest):
            self.store.put_latest(name, place, value)
            return
        deferred.defer(self.store, name, place, value)
        if self.settings.keep_warm:
            _WARM.setdefault((str(self.store.path), "latest"), {})[name] = (place, value)

    def parts(self, func: Callable[..., dict[str, str]], groups: Mapping[str, tuple[Sequence[str], tuple]],
              writer: OutputWriter) -> list[str]:
        """The pages of a whole-archive pass cut into small groups (one entity's articles, one month's, one feed's
        entries), each group ``name → (inputs, args)`` making its pages ``func(*args)`` (docs-relative path → text).
        A group whose key (``func``'s code, its name, ``inputs``: the keys of the articles in it and whatever else
        its pages show) the last build wrote its pages from, and whose files nobody touched since, is not made
        again and its texts are never read: the writer's manifest keeps them, as :meth:`pages` keeps an
        article's.  One small record per group (its key and its paths) is kept in the store, under the group's
        name, so a group remade replaces its record rather than adding one.  The groups remade, in order."""
        return self._parts(func, groups, writer, frozenset(), [])

    def _parts(self, func: Callable[..., dict[str, str]], groups: Mapping[str, tuple[Sequence[str], tuple]],
               writer: OutputWriter, already: frozenset[str], records: list[tuple[str, tuple[str, ...]]]) -> list[str]:
        """:meth:`parts`; ``already``: paths the writer keeps already (a family's, see :meth:`families`), with the
        key this build would make them from; ``records`` gets each group's (key, paths)."""
        code, name = stage_key(func.__module__, self.rules_dir), func.__name__
        places = {group: key("parts", func.__module__, name, group) for group in groups}
        kept = self._part_records(list(places.values()))
        remade = []
        for group, (inputs, args) in groups.items():
            group_key = key(code, name, group, json.dumps(inputs))  # one string hashed, not one update an input
            record = kept.get(places[group])
            same = isinstance(record, tuple) and record[0] == group_key
            unchanged = {path for path in record[1] if path in already or writer.keep_if_unchanged(path, group_key)} \
                if same else set()
            if same and len(unchanged) == len(record[1]):
                records.append(record)
                continue
            pages = guarded(name, None, func, *args)
            for path, text in pages.items():
                if path not in unchanged and path not in already:  # a kept file is the text this key makes
                    writer.write(path, text, key=group_key)
            kept[places[group]] = (group_key, tuple(pages))
            records.append(kept[places[group]])
            self.store.put("whole", places[group], kept[places[group]])
            remade.append(group)
        return remade

    def families(self, maker: Callable, families: Mapping[str, Family], writer: OutputWriter) -> list[str]:
        """The pages of a pass whose parts come in families (one entity's page and its archive, laid out together):
        a family whose inputs (and ``maker``'s code) are those the last build made its pages from, and whose files
        nobody touched since, is not even laid out; the others go through :meth:`parts`.  One record per family
        (its key, its parts' keys and paths) is kept under its name.  The families laid out, in order."""
        code, name = stage_key(maker.__module__, self.rules_dir), maker.__name__
        places = {family: key("family", maker.__module__, name, family) for family in families}
        kept = self._part_records(list(places.values()))
        laid_out = []
        for family, group in families.items():
            family_key = key(code, name, family, group.inputs)
            record = kept.get(places[family])
            already: frozenset[str] = frozenset()
            if group.inputs and isinstance(record, tuple) and record[0] == family_key:
                # Each file is kept (or not) once: a file kept here is never written again by the family's parts.
                already = frozenset(path for part_key, paths in record[1] for path in paths
                                    if writer.keep_if_unchanged(path, part_key))
                if len(already) == sum(len(paths) for _, paths in record[1]):
                    continue
            records: list[tuple[str, tuple[str, ...]]] = []
            for func, parts in group.parts():
                self._parts(func, parts, writer, already, records)
            kept[places[family]] = (family_key, tuple(records))
            self.store.put("whole", places[family], kept[places[family]])
            laid_out.append(family)
        return laid_out

    @contextlib.contextmanager
    def ahead(self, work: Callable[[Runner, OutputWriter], None], writer: OutputWriter) -> Iterator[Ahead | None]:
        """``work(run, writer)`` started in a forked copy that records what it would write (:mod:`.ahead`); the
        copy is stopped when the block ends (an error, or its work not taken by :meth:`replayed`)."""
        ahead = Ahead.start(self, writer, work)
        del work  # what it holds (the linked articles with their stories) is the copy's, not this process's
        try:
            yield ahead
        finally:
            if ahead is not None:
                ahead.cancel()

    def replayed(self, ahead: Ahead | None, writer: OutputWriter, trusted: bool) -> bool:
        """Whether the copy's work is done here now (its records replayed); False when the caller must do the work
        itself (no copy, ``trusted`` false, the copy failed, or a file it kept changed)."""
        if ahead is None:
            return False
        if not trusted:
            ahead.cancel()
            return False
        taken = ahead.take()
        return taken is not None and replay(*taken, writer, self._put_replayed, self.put_latest, self.store.put_raw)

    def _put_replayed(self, kind: str, place: str, value: Any) -> None:
        """A record the copy stored: a part's (kept warm as :meth:`parts` keeps it) or a feed entry's."""
        self.store.put(kind, place, value)
        if self.settings.keep_warm and kind == "whole":
            _WARM.setdefault((str(self.store.path), "parts"), {})[place] = value
            _ASKED.setdefault(str(self.store.path), set()).add(place)

    def _part_records(self, places: list[str]) -> dict[str, Any]:
        """The stored record of each part; with ``keep_warm`` (the live preview) the records of this process's
        last builds are kept in memory, and the store is read only for the places this process never asked for
        (a record another process stores later is only a part made once more: the writer's manifest decides
        what is kept).  Those places were once taken as new, all of their parts made: an entity's family laid
        out for the first time in a preview made every page of its year again (~0.4 s of an update at 10k)."""
        if not self.settings.keep_warm:
            return self.store.get_many("whole", places)
        warm = _WARM.setdefault((str(self.store.path), "parts"), {})
        asked = _ASKED.setdefault(str(self.store.path), set())
        new = [place for place in places if place not in asked]
        if new:
            warm.update(self.store.get_many("whole", new))
            asked.update(new)
        return warm

    def map_ranges(self, func: Callable[[Any, range], dict], ranges: Sequence[range], context: Any) -> Iterator[dict]:
        """Ranges of one whole-archive pass on all cores (the pass decides when that is worth it)."""
        return ordered_map(func, ranges, context, self.jobs, chunksize=1, min_items=1)

    def pages(self, stage: Stage, jobs: Sequence[PageJob], context: Any, writer: OutputWriter) -> list[bool]:
        """Write each job's outputs; a job whose outputs the previous build made from the same key is
        neither rendered nor rewritten.  Whether each job was published (a render Failure is rejected)."""
        code = stage.code_key(self.rules_dir)
        keys = [key(code, *job.inputs) for job in jobs]
        kept = [[writer.keep_if_unchanged(path, k) for path in job.outputs] for job, k in zip(jobs, keys, strict=True)]
        todo = [i for i, flags in enumerate(kept) if not all(flags)]

        def work(shared: Any, job: tuple[PageJob, str]) -> tuple[str, ...] | Failure:
            page, page_key = job
            return guarded(stage.name, page.raw_path, stage.work, shared, page.payload, page_key)

        rendered = ordered_map(work, [(jobs[i], keys[i]) for i in todo], context, self.jobs, warm=stage.warm)
        published = [True] * len(jobs)
        with contextlib.closing(rendered):
            for n, (i, texts) in enumerate(zip(todo, rendered, strict=True), 1):
                if isinstance(texts, Failure):
                    self.reject(texts)
                    published[i] = False
                    continue
                for path, text, unchanged in zip(jobs[i].outputs, texts, kept[i], strict=True):
                    if not unchanged:
                        writer.write(path, text, key=keys[i])
                self._progress(stage.name, n, len(todo))
        return published

    @property
    def manifest_path(self) -> Path:
        """One manifest per output directory, kept with the cache (docs/ holds only pages)."""
        docs = str(self.settings.docs_dir.absolute()).encode("utf-8", "surrogateescape")
        return self.cache_dir / "manifests" / (hashlib.sha256(docs).hexdigest()[:16] + ".json")

    def reject(self, failure: Failure) -> None:
        self.report.inputs.append(InputResult(self.shown(failure.raw_path), Status.REJECTED, None,
                                              f"{failure.stage}: {failure.reason}"))

    def _progress(self, stage: str, done: int, total: int) -> None:
        if self.progress:
            self.progress(stage, done, total)


@contextlib.contextmanager
def build_locks(settings: Settings) -> Iterator[tuple[FolderLock, ...]]:
    """The build's locks, taken before it reads anything: its cache folder (unless it uses a throwaway
    cache) and its output folder.  A second build waits, saying so (unless quiet)."""
    check_separate(settings.docs_dir, settings.raw_dir)  # before the output folder is made, if missing
    locks = (FolderLock(settings.cache_dir, "the build cache", CacheError),) if settings.use_cache else ()
    locks += (output_lock(settings.docs_dir),)
    with holding(*locks, notice=None if settings.quiet else say) as held:
        yield held
