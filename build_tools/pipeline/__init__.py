"""The build, as a table of contents: ``build()`` names the stages in the order they run.

    discover      every dump under raw/, its identity (its path inside raw/) and its slug,
                  assigned once over the whole archive
    prepare       ingest → clean → metadata → correct, per dump          (prepare_work.py)
    dedupe        byte-identical and same-article dumps, on small records
    link          drop cross-dump furniture → link entities, per article   (link_work.py)
    related       related articles, from the linked articles' views; previous/next by date
    images        each article's pictures from the image store; fetched with --fetch-images  (images.py)
    feeds         the feeds' entries as HTML, per article a feed carries (feed_work.py)
    render        page and provenance view (and the raw copy, if published), per article whose
                  inputs changed                             (page_jobs.py, render_work.py)
    entity pages, index pages and the feeds, from the views and the published summaries
    emit          the changed files swapped into docs/ at once

The runtime (build_tools/runtime) runs each stage: it caches results under the stage's own code
key, spreads per-item work over all cores, names the dump when a stage crashes, and owns the one
writer.  This module decides only what runs, in which order, on what.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

from build_tools.archive import view_passes, views
from build_tools.archive.dedupe import NearIndex, near_duplicates
from build_tools.archive.feed import entries_needed, source_feed_names
from build_tools.archive.furniture import recurring_lines
from build_tools.archive.navigation import neighbours
from build_tools.archive.ordering import newest_first
from build_tools.archive.prepared import Prepared, Published, dedupe, without_fingerprints
from build_tools.archive.related import Tables, related_incremental
from build_tools.archive.site_pages import site_parts
from build_tools.archive.slugs import assign_slugs, plain_slugs
from build_tools.config.corrections import Overrides, load_overrides
from build_tools.config.registry import entity_names
from build_tools.model import Failure, Summary
from build_tools.model.errors import CacheCorrupt, UsageError
from build_tools.model.paths import PathDisplay
from build_tools.model.records import BuildReport, BuildWarning, CorrectionReview, InputResult, Progress, Status
from build_tools.pipeline import unchanged
from build_tools.pipeline.discover import discover, dumps_found
from build_tools.pipeline.entity_index import alias_index
from build_tools.pipeline.feed_work import FeedItem, entry_one
from build_tools.pipeline.images import pictures_for
from build_tools.pipeline.link_work import link_one
from build_tools.pipeline.page_jobs import page_jobs
from build_tools.pipeline.prepare_work import load_readers, prepare, prepare_one
from build_tools.pipeline.render_work import render_one
from build_tools.runtime import deferred
from build_tools.runtime.added import added_dates
from build_tools.runtime.cache import key, quarantine
from build_tools.runtime.crash import guarded
from build_tools.runtime.emit import OutputWriter
from build_tools.runtime.jobs import Stage, Stored
from build_tools.runtime.stages import Runner, build_locks
from build_tools.settings import DEFAULT_SITE_URL, Settings
from build_tools.stages.front_matter import warm as load_page_schema

PREPARE = Stage("prepare", prepare_one, ("prepared", "article"), warm=load_readers, keyed_by_read=True)
LINK = Stage("link", link_one, ("view", "linked"))
RENDER = Stage("render", render_one, warm=load_page_schema)
FEED = Stage("feed entries", entry_one, ("entry", ""))
# How a page names a dump (its ``raw:`` field, "also published by"): by its path inside raw/, the same
# wherever the build runs and wherever raw/ lies, so the output never depends on the working directory
# and never publishes a local path.  The report and the warnings show paths as the editor typed them.
PUBLISHED = PathDisplay("raw")


def build(settings: Settings, progress: Progress | None = None) -> BuildReport:
    """raw/ → docs/.  Each stage's statuses, warnings and wall time go into the report.

    One build at a time per cache and per output folder: a second one waits for the first.  A damaged
    build cache is moved aside and the build runs again on an empty one, with one warning."""
    check_deployable(settings)
    overrides = load_overrides(settings.overrides_path)
    with build_locks(settings) as locks:
        try:
            return _build(settings, overrides, locks, progress)
        except CacheCorrupt as damage:
            if not settings.use_cache:
                raise
            aside = quarantine(settings.cache_dir)
            report = _build(settings, overrides, locks, progress)
            report.warnings.append(BuildWarning("", "cache", f"{damage}: moved aside to {aside} and rebuilt"))
            return report


def _build(settings: Settings, overrides: Overrides, locks, progress: Progress | None) -> BuildReport:
    report = BuildReport()
    with Runner.open(settings, report, progress, locks) as run:
        with report.timed("discover"):
            dumps, slug_warnings, stats = dumps_found(settings.raw_dir, run.shown, partial(_slugs, run))
            report.warnings.extend(slug_warnings)
            added = _added(settings, dumps, report)
            discovered, build_key = len(report.warnings), unchanged.build_key(settings, dumps, added, stats)
        # The live preview's first build reads the records it keeps warm even when nothing changed since the last
        # preview's (a restart): otherwise the first dump dropped after the start would read them all.
        last = None if run.warm_to_load() else \
            unchanged.unchanged_report(run.store, build_key, run.manifest_path, settings.docs_dir, report)
        if last is not None:  # inputs and docs/ as the last build left them: its report, no stage run
            return last
        with report.timed("prepare"):
            digests = run.store.digests([d.path for d in dumps], settings.max_dump_bytes)
            inputs = [(digest, d.raw_path, d.slug, overrides.key_for(d.relative))
                      for digest, d in zip(digests, dumps, strict=True)]
            prepared = [_stored_as(record, k) for k, record in run.each(PREPARE, dumps, inputs, (settings, overrides))]
            report.warnings.extend(_repairs(prepared, run))
        with report.timed("dedupe"):
            published, duplicates = dedupe(prepared, run.shown, lambda survivors: _near(run, survivors))
            published = _published_names(published, prepared, run)
            if not settings.keep_warm:  # the preview keeps the whole records anyway: a lean copy is only work
                prepared, published = without_fingerprints(prepared, published)  # read by dedupe only (memory)
            report.inputs.extend(duplicates)
        with report.timed("link"):
            index, registry = _alias_index(settings, report, run)
            recurring = recurring_lines([p.prepared.short_lines for p in published])
            # An article's linked form depends on the recurring lines it holds, not on the whole set: a new
            # dump that makes some line recurring re-links the articles holding that line, not all of them.  Its
            # view is kept dated (the day its dump was added is an input): dating 10k views on every build was
            # ~0.2 s of CPU.
            linked = run.each(LINK, published, [(p.prepared.key, registry, added.get(p.raw_path) or "",
                                                 *sorted(recurring & p.prepared.short_lines)) for p in published],
                              (run.reader, index, recurring, overrides, added))
        # Sorted once: the neighbours, the feeds, the entity and the index pages all list the articles newest
        # first (4 sorts of 10k summaries were ~0.2 s of CPU).
        newest = newest_first(v.summary for _, v in linked)
        around = neighbours(newest, ordered=True)
        # The feeds, the entity and the index pages leave out only the pages that fail to render: a forked copy
        # makes them ahead, as if none will, while this process ranks and renders (~1 s of one core at 10k).
        with run.output() as writer, \
                run.ahead(partial(_whole_pages, settings, index, linked, newest), writer) as ahead:
            with report.timed("related"):
                related = _related(run, linked)
                if not settings.keep_warm:  # as the fingerprints above (0.25 s of a preview update at 10k, both)
                    linked = views.without_stories(linked)  # read by the related pass only (memory)
            with report.timed("images"):
                pictures, image_warnings = pictures_for(settings, published, [view for _, view in linked], run.shown)
                report.warnings.extend(image_warnings)
            with report.timed("render"):
                jobs = page_jobs(published, linked, related, around, pictures, settings, PUBLISHED)
                shown = _publish(run.pages(RENDER, jobs, (run.reader, entity_names(index)), writer),
                                 published, linked, report, run)
                del jobs, related, around, pictures  # not read again (memory: ~5 KB per article)
            with report.timed("feeds, entity and index pages"):
                if not run.replayed(ahead, writer, trusted=len(shown) == len(linked)):
                    _whole_pages(settings, index, shown, newest, run, writer)
        report.corrections = _review_corrections(overrides, dumps, published, run, index)
        report.warnings.extend(w for review in report.corrections for w in review.problems)
        settled = unchanged.settled(build_key, _made_from(run, settings, overrides, prepared), settings.max_dump_bytes,
                                    run.store.remember)
        unchanged.record(run.put_latest, settled, run.manifest_path, report, discovered)
    return report


def write_deferred(settings: Settings) -> bool:
    """Store what a ``keep_warm`` build left for the next process (:mod:`build_tools.runtime.deferred`): the
    preview runs it once an update is shown.  True when something was written."""
    return deferred.write_deferred(settings.cache_dir)


def _made_from(run: Runner, settings: Settings, overrides: Overrides, prepared: list[Prepared]):
    """Whether this build's prepare result for a dump is the one of the bytes with this digest: its record
    is stored under the key of the bytes prepare read (``keyed_by_read``), a rejection too."""
    code, keys = PREPARE.code_key(settings.rules_dir), {p.raw_path: p.key for p in prepared}

    def made_from(dump, digest: str) -> bool:
        expected = key(code, digest, dump.raw_path, dump.slug, overrides.key_for(dump.relative))
        if dump.raw_path in keys:
            return keys[dump.raw_path] == expected
        return isinstance(run.store.get(PREPARE.kinds[0], expected), Failure)

    return made_from


def _whole_pages(settings: Settings, index, shown: list[tuple[str, views.LinkedView]], newest: list[Summary],
                 run: Runner, writer: OutputWriter) -> None:
    """The entity pages, and the index pages and feeds, of the pages written (``shown``): a failed one is in no
    list and no feed.  An entity's pages are laid out again only when its articles changed."""
    keys = dict(zip((view.summary.slug for _, view in shown), _whole_inputs(shown), strict=True))
    newest = [s for s in newest if s.slug in keys]  # the pages written, in the same order
    bodies = _feed_bodies(run, shown, entries_needed(newest, entity_names(index) or None, ordered=True))
    entity_index, families = view_passes.entity_families([v for _, v in shown], index, keys, newest)
    run.families(view_passes.entity_families, families, writer)
    writer.write_all(entity_index)
    _site_pages(run, settings, index, newest, bodies, keys, writer)


def _site_pages(run: Runner, settings: Settings, index, summaries: list[Summary], bodies: dict[str, str],
                keys: dict[str, str], writer: OutputWriter) -> None:
    """The index pages and feeds of the articles ``summaries`` (newest first): the few small pages made every
    time, the lists and feeds by parts (a month, a source, a feed), each made again only when its articles
    changed (the source feeds' pinyin names load a dictionary: kept as a pass of its own, keyed by the source
    names)."""
    sources = sorted({s.source for s in summaries if s.source and s.source.strip()})
    pages, passes = site_parts(summaries, index, settings.site_title, settings.site_url, bodies,
                               run.whole(source_feed_names, sources, sources), keys, ordered=True)
    for func, parts in passes:
        run.parts(func, parts, writer)
    writer.write_all(pages)


def _stored_as(record: Prepared, item_key: str) -> Prepared:
    """A prepared record names the key its article is stored under (the bytes ingest read)."""
    return record if record.key == item_key else replace(record, key=item_key)


def _repairs(prepared: list[Prepared], run: Runner) -> list[BuildWarning]:
    """What the decoder repaired in each dump (a truncated last character, mixed encodings…)."""
    return [BuildWarning(run.shown(p.raw_path), "decode", message) for p in prepared for message in p.warnings]


def _alias_index(settings: Settings, report: BuildReport, run: Runner):
    """(the alias index, the registry key), kept between builds (entity_index.py)."""
    index, registry = alias_index(settings.entities_path, run.whole)
    if index is None:
        report.warnings.append(BuildWarning(str(settings.entities_path), "no-registry",
                                            "no entity registry, articles are not cross-linked"))
    return index, registry


def check_deployable(settings: Settings) -> None:
    """A build for deployment needs the site's public address: feeds and canonical links are absolute."""
    url = settings.site_url.strip()
    if settings.deploy and (url in ("", DEFAULT_SITE_URL) or not url.startswith(("https://", "http://"))):
        raise UsageError("a build for deployment (--deploy) needs the site's public address: "
                         "set SITE_URL or pass --site-url https://…/")


def _added(settings: Settings, dumps, report: BuildReport) -> dict[str, str]:
    """Each dump's added date, by its path as pages name it (raw_path)."""
    dates, warnings = added_dates(settings.raw_dir, [d.relative for d in dumps], settings.added_record,
                                  use_git=settings.added_from_git)
    report.warnings.extend(warnings)
    return {d.raw_path: dates[d.relative] for d in dumps if d.relative in dates}


def _whole_inputs(linked: list[tuple[str, views.LinkedView]]) -> list[str]:
    """A whole-archive pass depends on the linked articles it reads (their keys name their slugs too) and on
    the day each was added (not part of the linked article)."""
    return [f"{item_key}@{view.summary.added}" for item_key, view in linked]


def _near(run: Runner, survivors: list[Prepared]) -> dict[int, int]:
    """The near-duplicates among ``survivors``, kept like a whole-archive result; when they changed, the last
    run's :class:`NearIndex` (kept with it, in one record under a name that does not change) is updated by the
    bodies that came and went (those that left are found in the store by their keys)."""
    place, code = key("near duplicates"), run.key(near_duplicates)
    result_key = key(code, *(p.key for p in survivors))
    kept = run.store.get("whole", place)
    if isinstance(kept, tuple) and kept[:2] == (code, result_key):
        return kept[2]
    index = kept[3] if isinstance(kept, tuple) and kept[0] == code and isinstance(kept[3], NearIndex) else NearIndex()

    def prints_of(keys: list[str]) -> dict[str, frozenset[str]]:
        return {k: r.fingerprint for k, r in run.store.get_many(PREPARE.kinds[0], keys).items()
                if isinstance(r, Prepared)}

    found = guarded("dedupe", None, index.update, [(p.key, p.fingerprint) for p in survivors], prints_of)
    run.store.put("whole", place, (code, result_key, found, index))
    return found


def _related(run: Runner, linked: list[tuple[str, views.LinkedView]]) -> dict[str, list[tuple[str, str, bool]]]:
    """Related articles, kept with the last run's tables under a key of the code alone: with the same inputs
    the kept lists are the result; otherwise the tables let only the articles around the change be ranked.
    An article's identity is its linked key and added day (what its summary, fingerprint and counts are
    made from), so the tables need not hold the articles themselves."""
    inputs = _whole_inputs(linked)
    result_key = run.key(related_incremental, "related", *inputs)
    tables_key = run.key(related_incremental, "related tables")
    kept = run.latest("related tables", tables_key)
    previous = kept[1] if isinstance(kept, tuple) and len(kept) == 2 and isinstance(kept[1], Tables) else None
    if previous is not None and kept[0] == result_key:
        return previous.results
    identities = {view.summary.slug: item for item, (_, view) in zip(inputs, linked, strict=True)}
    found, tables = guarded("related", None, lambda: view_passes.related(
        [v for _, v in linked], previous, identities, map_ranges=run.map_ranges))
    run.put_latest("related tables", tables_key, (result_key, tables))
    return found


def _slugs(run: Runner, names: list[str]) -> dict[str, tuple[str, str | None]]:
    """Every dump's slug (:func:`assign_slugs`, a whole pass over the names), with the last build's ``slugify``
    results (keyed by its code) given to it: a new dump's name is the only one slugified again."""
    place = run.key(assign_slugs, "slugify")
    known = run.latest("slugify", place)
    assigned = run.whole(assign_slugs, names, names, known if isinstance(known, dict) else None)
    plain = plain_slugs(assigned)
    if not isinstance(known, dict) or plain.keys() != known.keys():
        run.put_latest("slugify", place, plain)
    return assigned


def _feed_bodies(run: Runner, linked: list[tuple[str, views.LinkedView]], wanted) -> dict[str, str]:
    """slug → the body HTML of each article a feed may carry (cached per linked article); an article whose page
    then fails to render is in no feed, its body unused."""
    keys = {view.summary.slug: (item_key, view.summary.raw_path) for item_key, view in linked}
    items = [FeedItem(keys[s.slug][1], keys[s.slug][0], s.slug) for s in wanted if s.slug in keys]
    done = run.each(FEED, items, [(item.linked_key,) for item in items], run.reader)
    return {item.slug: html for item, (_, html) in zip(items, done, strict=True)}


def _published_names(published: list[Published], prepared: list[Prepared], run: Runner) -> list[Published]:
    """"Also published by" names a duplicate without a source by its path: as a page names it, not as the
    editor's working directory shows it."""
    unlabelled = {run.shown(p.raw_path): PUBLISHED(p.raw_path) for p in prepared if p.label is None}
    return [replace(item, also=tuple(sorted(unlabelled.get(name, name) for name in item.also))) if item.also else item
            for item in published]


def _publish(rendered: list[bool], published: list[Published], linked: list[tuple[str, views.LinkedView]],
             report: BuildReport, run: Runner) -> list[tuple[str, views.LinkedView]]:
    """The ``ok`` status and the summary of every page written; the linked articles that were published."""
    shown = []
    for ok, item, (item_key, view) in zip(rendered, published, linked, strict=True):
        if ok:
            summary: Summary = view.summary
            report.inputs.append(InputResult(run.shown(item.raw_path), Status.OK, summary.slug))
            report.summaries.append(summary)
            shown.append((item_key, view))
    return shown


def _review_corrections(overrides: Overrides, dumps, published: list[Published], run: Runner,
                        index) -> list[CorrectionReview]:
    return overrides.review([d.relative for d in dumps], [Stored(p.prepared, run.store) for p in published],
                            index.registry if index else None, shown=run.shown)


__all__ = ["build", "discover", "prepare", "write_deferred", "BuildReport", "InputResult", "Settings", "Status"]
