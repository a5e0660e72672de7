"""The build, as a table of contents.

    discover → [ingest → clean → metadata → overrides]   per dump, parallel, cached by content hash
             → dedupe                                     on small per-dump records
             → link                                       alias index built first; cached per registry
             → related, entity pages, index pages         from small per-article views
             → render → emit                              one article in memory at a time; staged,
                                                          swapped in atomically
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import cache, linking
from .cache import Prepared
from .clean import clean, drop_recurring, recurring_lines
from .dedupe import near_duplicates
from .emit import OutputWriter
from .indexing import index_pages_for
from .ingest import ingest, printable_path
from .metadata import extract_metadata
from .model import Article, Failure, Slug, Summary
from .overrides import Overrides, apply_overrides, load_overrides
from .render import raw_text_copy, render_article
from .settings import Settings
from .slugs import assign_slugs, slugify


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
    """Every regular file under raw/, sorted, hidden files and folders skipped."""
    found = []
    for path in raw_dir.rglob("*"):
        rel = path.relative_to(raw_dir)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        found.append(path)
    return sorted(found, key=lambda p: p.relative_to(raw_dir).as_posix())


def prepare(path: Path, settings: Settings, overrides: Overrides) -> Article | Failure:
    """ingest → clean → metadata → overrides for one dump: a pure function of its bytes and the rules."""
    rel = path.relative_to(settings.raw_dir).as_posix()
    article = ingest(path, _display(path), settings.max_dump_bytes)
    if isinstance(article, Failure):
        return article
    article = replace(article, slug=slugify(rel))
    article = apply_overrides(article, overrides, stage="clean-before")
    cleaned = clean(article)
    if isinstance(cleaned, Failure):
        return cleaned
    article = extract_metadata(cleaned)
    return apply_overrides(article, overrides, stage="metadata")


def build(settings: Settings, progress: Progress | None = None) -> BuildReport:
    report = BuildReport()
    overrides = load_overrides(settings.overrides_path, report.warnings)
    paths = discover(settings.raw_dir)
    with _cache_dir(settings) as settings, _store(settings) as store:
        slugs = _slugs(paths, settings, report)
        prepared = _dedupe([replace(p, slug=slugs.get(p.raw_path, p.slug))
                            for p in _prepared(paths, settings, overrides, store, report, progress)], report)
        index = linking.load_index(settings.entities_path, report.warnings)
        recurring = recurring_lines([p.short_lines for p, _ in prepared])
        registry_key = linking.registry_key(settings.entities_path) + cache.content_key(*sorted(recurring))[:12]
        linker = _Linker(index, registry_key, recurring, store, overrides)
        views = [linker.view(p) for p, _ in prepared]
        related = linking.related(views)
        names = linking.entity_names(index)
        writer = OutputWriter(settings.docs_dir, settings.raw_dir)
        try:
            for n, ((item, also), view) in enumerate(zip(prepared, views, strict=True), 1):
                page, raw_copy = linker.page(item, also, tuple(related.get(item.slug, ())), names)
                if isinstance(page, Failure):
                    report.inputs.append(InputResult(page.raw_path, "rejected", None, f"{page.stage}: {page.reason}"))
                    continue
                writer.write(f"articles/{item.slug}.md", page)
                writer.write(f"articles/raw/{item.slug}.txt", raw_copy)
                report.inputs.append(InputResult(item.raw_path, "ok", item.slug))
                report.summaries.append(view.summary)
                if progress:
                    progress("render", n, len(prepared))
            published = {s.slug for s in report.summaries}
            views = [v for v in views if v.summary.slug in published]
            for relative, text in linking.entity_pages(views, index).items():
                writer.write(relative, text)
            for relative, text in index_pages_for(report.summaries, index).items():
                writer.write(relative, text)
            writer.commit()
        except BaseException:
            writer.abort()
            raise
        report.warnings.extend(overrides.unused_warnings(
            [p.relative_to(settings.raw_dir).as_posix() for p in paths], [cache.Loader(p, store) for p, _ in prepared],
            index.registry if index else None))
    return report


def _slugs(paths: list[Path], settings: Settings, report: BuildReport) -> dict[str, str]:
    """Slugs over the whole of raw/: only same-name dumps with different extensions need the archive view."""
    relative = {p.relative_to(settings.raw_dir).as_posix(): printable_path(_display(p)) for p in paths}
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


class _Linker:
    """Link and render, each cached: a rebuild touches only the articles whose inputs changed.

    Linking depends on the prepared article, the registry and the cross-dump lines; a page
    also on its slug, related articles and "also published by".  Whole-archive passes read
    only the small views.
    """

    def __init__(self, index, registry_key: str, recurring: frozenset[str], store: cache.Store,
                 overrides: Overrides):
        self.index, self.registry_key, self.recurring = index, registry_key, recurring
        self.store, self.overrides = store, overrides

    def _key(self, item: Prepared) -> str:
        return f"{item.key}-{self.registry_key}"

    def _link(self, item: Prepared) -> Article:
        key = self._key(item)
        article = self.store.get("linked", key)
        if article is None:
            prepared = cache.load_article(self.store, item)
            article = linking.link(drop_recurring(prepared, self.recurring), self.index, self.overrides)
            self.store.put("linked", key, article)
            self.store.put("view", key, linking.view_of(article))
        return replace(article, slug=item.slug) if article.slug != item.slug else article

    def view(self, item: Prepared) -> linking.LinkedView:
        view = self.store.get("view", self._key(item))
        if view is None:
            self._link(item)
            view = self.store.get("view", self._key(item))
        if view.summary.slug != item.slug:  # the archive-wide slug, which the per-dump cache does not know
            view = replace(view, summary=replace(view.summary, slug=item.slug))
        return view

    def page(self, item: Prepared, also: tuple[str, ...], related: tuple, names: dict[str, str]):
        key = cache.content_key(self._key(item), item.slug, repr(also), repr(related))
        cached = self.store.get("page", key)
        if cached is None:
            article = replace(self._link(item), related=related, also_published_by=also)
            cached = (render_article(article, names), raw_text_copy(article))
            self.store.put("page", key, cached)
        return cached


def _prepared(paths: list[Path], settings: Settings, overrides: Overrides, store: cache.Store, report: BuildReport,
              progress: Progress | None) -> Iterator[Prepared]:
    for n, result in enumerate(cache.prepare_all(paths, settings, overrides, prepare, store), 1):
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
