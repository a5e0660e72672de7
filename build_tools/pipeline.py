"""The build, as a table of contents.

    discover → [ingest → clean → metadata → overrides]   per dump, parallel, cached by content hash
             → dedupe                                     on small per-dump records
             → [link]                                     alias index built first; parallel, cached per registry
             → related, entity pages, index pages         from small per-article views
             → [render] → emit                            parallel, only pages whose inputs changed; the
                                                          changed files swapped in atomically
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from build_tools.archive import views as article_views
from build_tools.archive.dedupe import near_duplicates
from build_tools.archive.furniture import drop_recurring, recurring_lines
from build_tools.archive.site_pages import index_pages_for
from build_tools.archive.slugs import assign_slugs, slugify
from build_tools.archive.views import Prepared, prepared_record
from build_tools.config import registry
from build_tools.config.corrections import Overrides, load_overrides
from build_tools.model import Article, Failure, Slug, Summary
from build_tools.model.paths import printable_path, relative_path
from build_tools.runtime import cache
from build_tools.runtime.emit import OutputWriter
from build_tools.runtime.parallel import ordered_map
from build_tools.settings import Settings
from build_tools.stages.clean import clean
from build_tools.stages.correct import apply_overrides
from build_tools.stages.ingest import ingest
from build_tools.stages.link import link
from build_tools.stages.metadata import extract_metadata
from build_tools.stages.render import page as render
from build_tools.stages.render.page import raw_text_copy, render_article


@dataclass
class InputResult:
    raw: str
    status: str  # ok | rejected | duplicate
    slug: str | None = None
    reason: str | None = None


@dataclass
class BuildReport:
    inputs: list[InputResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    summaries: list[Summary] = field(default_factory=list)
    timings: list[tuple[str, float]] = field(default_factory=list)  # wall seconds per stage; not in the JSON report
    changed_files: int = 0  # files this build wrote or removed in docs/

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings.append((stage, time.perf_counter() - start))

    @property
    def rejected(self) -> list[InputResult]:
        return [i for i in self.inputs if i.status == "rejected"]

    def to_json(self) -> str:
        inputs = [
            {"raw": i.raw, "status": i.status, "slug": i.slug, "reason": i.reason}
            for i in sorted(self.inputs, key=lambda i: i.raw)
        ]
        return json.dumps({"inputs": inputs, "warnings": sorted(self.warnings)}, ensure_ascii=False, indent=2) + "\n"


Progress = Callable[[str, int, int], None]


def discover(raw_dir: Path) -> list[Path]:
    """Every regular file under raw/ (or link to one), sorted, hidden files and folders skipped."""
    found = []
    for folder, dirs, files in os.walk(raw_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(os.path.join(folder, name) for name in files if not name.startswith("."))
    root = Path(raw_dir)
    paths = [root / os.path.relpath(f, raw_dir) for f in found if os.path.isfile(f)]
    return sorted(paths, key=lambda p: relative_path(p, root))


def load_prepare_stages() -> None:
    """Import what reading dumps needs (BeautifulSoup, markdown-it…) once, before workers fork, and only
    when some dump has to be read at all."""
    from build_tools.stages.readers import body_readers

    body_readers()


def prepare(path: Path, settings: Settings, overrides: Overrides) -> Article | Failure:
    """ingest → clean → metadata → overrides for one dump: a pure function of its bytes and the rules."""
    rel = relative_path(path, settings.raw_dir)
    article = ingest(path, _display(path), settings.max_dump_bytes)
    if isinstance(article, Failure):
        return article
    article = replace(article, slug=slugify(rel))
    cleaned = clean(article)
    if isinstance(cleaned, Failure):
        return cleaned
    article = extract_metadata(cleaned)
    return apply_overrides(article, overrides)


def build(settings: Settings, progress: Progress | None = None) -> BuildReport:
    report = BuildReport()
    timed = report.timed
    overrides = load_overrides(settings.overrides_path, report.warnings)
    with timed("discover"):
        paths = discover(settings.raw_dir)
    with _cache_dir(settings) as settings, _store(settings) as store:
        slugs = _slugs(paths, settings, report)
        with timed("prepare"):
            prepared = [replace(p, slug=slugs.get(p.raw_path, p.slug))
                        for p in _prepared(paths, settings, overrides, store, report, progress)]
        with timed("dedupe"):
            prepared = _dedupe(prepared, report)
            store.checkpoint()
        with timed("link"):
            index = registry.load_index(settings.entities_path, report.warnings)
            recurring = recurring_lines([p.short_lines for p, _ in prepared])
            registry_key = registry.registry_key(settings.entities_path) + cache.content_key(*sorted(recurring))[:12]
            linker = _Linker(index, registry_key, recurring, store, overrides, settings.jobs)
            views = linker.views([p for p, _ in prepared], progress)
        with timed("related"):
            related = linker.related(views, [p for p, _ in prepared])
        writer = OutputWriter(settings.docs_dir, settings.raw_dir, manifest=_manifest_path(settings))
        try:
            with timed("render"):
                _write_articles(writer, linker, prepared, views, related, report, progress)
            published = {s.slug for s in report.summaries}
            shown = [(item, view) for (item, _), view in zip(prepared, views, strict=True) if item.slug in published]
            with timed("entity pages"):
                for relative, text in linker.entity_pages(shown).items():
                    writer.write(relative, text)
            with timed("index pages"):
                for relative, text in index_pages_for(report.summaries, index).items():
                    writer.write(relative, text)
            with timed("emit"):
                report.changed_files = writer.commit()
        except BaseException:
            writer.abort()
            raise
        report.warnings.extend(overrides.unused_warnings(
            [relative_path(p, settings.raw_dir) for p in paths], [cache.Loader(p, store) for p, _ in prepared],
            index.registry if index else None))
    return report


def _write_articles(writer: OutputWriter, linker: _Linker, prepared: list[tuple[Prepared, tuple[str, ...]]],
                    views: list[article_views.LinkedView], related: dict, report: BuildReport,
                    progress: Progress | None) -> None:
    """Each article's page and raw copy; a page whose inputs are unchanged is neither rendered nor rewritten."""
    jobs = []
    for item, also in prepared:
        job = linker.page_job(item, also, tuple(related.get(item.slug, ())))
        md_kept = writer.keep_if_unchanged(job.page_path, job.key)
        raw_kept = writer.keep_if_unchanged(job.raw_copy_path, job.key)
        jobs.append(None if md_kept and raw_kept else replace(job, write_page=not md_kept, write_raw=not raw_kept))
    rendered = linker.render([job for job in jobs if job is not None])
    for n, ((item, _), view, job) in enumerate(zip(prepared, views, jobs, strict=True), 1):
        if job is not None:
            page, raw_copy = next(rendered)
            if isinstance(page, Failure):
                report.inputs.append(InputResult(page.raw_path, "rejected", None, f"{page.stage}: {page.reason}"))
                continue
            if job.write_page:
                writer.write(job.page_path, page, key=job.key)
            if job.write_raw:
                writer.write(job.raw_copy_path, raw_copy, key=job.key)
        report.inputs.append(InputResult(item.raw_path, "ok", item.slug))
        report.summaries.append(view.summary)
        if progress:
            progress("render", n, len(prepared))


def _manifest_path(settings: Settings) -> Path:
    """One manifest per output directory, kept with the cache (docs/ holds only pages)."""
    docs = str(settings.docs_dir.absolute()).encode("utf-8", "surrogateescape")
    return settings.cache_dir / "manifests" / (hashlib.sha256(docs).hexdigest()[:16] + ".json")


def _slugs(paths: list[Path], settings: Settings, report: BuildReport) -> dict[str, str]:
    """Slugs over the whole of raw/: only same-name dumps with different extensions need the archive view."""
    shown = _display(settings.raw_dir)
    relative = {}
    for path in paths:
        rel = relative_path(path, settings.raw_dir)
        relative[rel] = printable_path(rel if shown == "." else f"{shown}/{rel}")
    assigned = assign_slugs(relative)
    for rel, (_, note) in sorted(assigned.items()):
        if note:
            report.warnings.append(f"{relative[rel]}: {note}")
    return {relative[rel]: slug for rel, (slug, _) in assigned.items()}


@contextmanager
def _store(settings: Settings) -> Iterator[cache.Store]:
    store = cache.Store(settings.cache_dir)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def _cache_dir(settings: Settings) -> Iterator[Settings]:
    """--no-cache still streams through disk, in a throwaway directory."""
    if settings.use_cache:
        yield settings
        return
    with tempfile.TemporaryDirectory(prefix="cn-archive-cache-") as tmp:
        yield replace(settings, cache_dir=Path(tmp))


@dataclass(frozen=True)
class PageJob:
    """What rendering one article's page needs; ``key`` changes whenever the page could."""

    key: str
    linked_key: str
    slug: str
    also: tuple[str, ...]
    related: tuple
    write_page: bool = True
    write_raw: bool = True

    @property
    def page_path(self) -> str:
        return f"articles/{self.slug}.md"

    @property
    def raw_copy_path(self) -> str:
        return f"articles/raw/{self.slug}.txt"


class _Linker:
    """Link and render on all cores, each cached: a rebuild touches only the articles whose inputs changed.

    Linking depends on the prepared article, the registry and the cross-dump lines; a page
    also on its slug, related articles and "also published by".  Whole-archive passes read
    only the small views.  Workers read the articles from the store themselves.
    """

    def __init__(self, index, registry_key: str, recurring: frozenset[str], store: cache.Store,
                 overrides: Overrides, jobs: int):
        self.index, self.registry_key, self.recurring = index, registry_key, recurring
        self.store, self.overrides, self.jobs = store, overrides, jobs
        self.names = registry.entity_names(index)

    def _key(self, item: Prepared) -> str:
        return f"{item.key}-{self.registry_key}"

    def views(self, items: list[Prepared], progress: Progress | None = None) -> list[article_views.LinkedView]:
        keys = [self._key(item) for item in items]
        found = self.store.get_many("view", keys)
        missing = [(item, key) for item, key in zip(items, keys, strict=True) if key not in found]
        context = (cache.Reader(self.store.path), self.index, self.recurring, self.overrides)
        linked = ordered_map(_link_one, [item for item, _ in missing], context, self.jobs)
        for n, ((_, key), (blob, view)) in enumerate(zip(missing, linked, strict=True), 1):
            self.store.put_raw("linked", key, blob)
            self.store.put("view", key, view)
            found[key] = view
            if progress:
                progress("link", n, len(missing))
        self.store.checkpoint()
        views = []
        for item, key in zip(items, keys, strict=True):
            view = found[key]
            if view.summary.slug != item.slug:  # the archive-wide slug, which the per-dump cache does not know
                view = replace(view, summary=replace(view.summary, slug=item.slug))
            views.append(view)
        return views

    def related(self, views: list[article_views.LinkedView], items: list[Prepared]) -> dict:
        """Related articles for the whole archive: recomputed only when some article's view changed."""
        return self._whole_archive("related", items, lambda: article_views.related(views, self._map_ranges))

    def _map_ranges(self, func: Callable, ranges: list[range], context: Any) -> Iterator[dict]:
        return ordered_map(func, ranges, context, self.jobs, chunksize=1, min_items=1)  # related decides when

    def entity_pages(self, shown: list[tuple[Prepared, article_views.LinkedView]]) -> dict[str, str]:
        """Every entity page, from the published articles' views: recomputed only when one of them changed."""
        return self._whole_archive("entity pages", [item for item, _ in shown],
                                   lambda: article_views.entity_pages([view for _, view in shown], self.index))

    def _whole_archive(self, name: str, items: list[Prepared], compute: Callable[[], Any]) -> Any:
        # The views are functions of these keys and slugs (and the registry, part of every key).
        key = cache.content_key(name, *(f"{self._key(item)} {item.slug}" for item in items))
        found = self.store.get("whole", key)
        if found is None:
            found = compute()
            self.store.put_kind_only("whole", name, key, found)
        return found

    def page_job(self, item: Prepared, also: tuple[str, ...], related: tuple) -> PageJob:
        linked_key = self._key(item)
        key = cache.content_key(linked_key, item.slug, repr(also), repr(related))
        return PageJob(key, linked_key, item.slug, also, related)

    def render(self, jobs: list[PageJob]) -> Iterator[tuple[str | Failure, str]]:
        return ordered_map(_render_one, jobs, (cache.Reader(self.store.path), self.names), self.jobs,
                           warm=render.warm)


def _link_one(context: tuple, item: Prepared) -> tuple[bytes, article_views.LinkedView]:
    """In a worker: one prepared article → its linked form (pickled, for the store) and its view."""
    reader, index, recurring, overrides = context
    article = link(drop_recurring(reader.get("article", item.key), recurring), index, overrides)
    return pickle.dumps(article, protocol=pickle.HIGHEST_PROTOCOL), article_views.view_of(article)


def _render_one(context: tuple, job: PageJob) -> tuple[str | Failure, str]:
    """In a worker: one linked article → its Markdown page and its raw-text copy."""
    reader, names = context
    article = replace(reader.get("linked", job.linked_key), slug=job.slug, related=job.related,
                      also_published_by=job.also)
    return render_article(article, names), raw_text_copy(article)


def _prepare_one(context: tuple[Settings, Overrides], job: tuple[Path, str]) -> tuple[Prepared | Failure, bytes | None]:
    """In a worker: one dump → its small record plus the pickled Article for the store."""
    settings, overrides = context
    path, key = job
    result = prepare(path, settings=settings, overrides=overrides)
    if isinstance(result, Failure):
        return result, None
    return prepared_record(result, key), pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)


def _prepared(paths: list[Path], settings: Settings, overrides: Overrides, store: cache.Store, report: BuildReport,
              progress: Progress | None) -> Iterator[Prepared]:
    results = cache.prepare_all(paths, settings, overrides, _prepare_one, store, load_prepare_stages)
    for n, result in enumerate(results, 1):
        if progress:
            progress("clean", n, len(paths))
        if isinstance(result, Failure):
            report.inputs.append(InputResult(result.raw_path, "rejected", None, f"{result.stage}: {result.reason}"))
        else:
            report.warnings.extend(f"{result.raw_path}: {warning}" for warning in result.warnings)
            yield result


def _dedupe(items: list[Prepared], report: BuildReport) -> list[tuple[Prepared, tuple[str, ...]]]:
    """Byte-identical dumps, then the same article saved from two portals (≥90% of sentences shared)."""
    first_of: dict[str, Prepared] = {}
    survivors: list[Prepared] = []
    for item in items:
        if item.sha256 in first_of:
            first = first_of[item.sha256]
            reason = f"byte-identical to {first.raw_path}"
            report.inputs.append(InputResult(item.raw_path, "duplicate", first.slug, reason))
            continue
        first_of[item.sha256] = item
        survivors.append(item)
    duplicate_of = near_duplicates([s.fingerprint for s in survivors])
    also: dict[int, set[str]] = {}
    for dup, keeper in sorted(duplicate_of.items()):
        also.setdefault(keeper, set()).add(survivors[dup].label)
        report.inputs.append(InputResult(survivors[dup].raw_path, "duplicate", survivors[keeper].slug,
                                         f"same article as {survivors[keeper].raw_path} (≥90% of sentences shared)"))
    return [(s, tuple(sorted(also.get(i, ())))) for i, s in enumerate(survivors) if i not in duplicate_of]


def _display(path: Path) -> str:
    """The dump's path as the editor knows it (never resolved: a symlink keeps its own name)."""
    try:
        return path.absolute().relative_to(Path.cwd().absolute()).as_posix()
    except ValueError:
        return path.as_posix()


__all__ = ["build", "BuildReport", "InputResult", "Settings", "Slug"]
