"""The build, as a table of contents.

    discover → [ingest → clean → metadata]  (per dump, parallel, cached by content hash)
             → dedupe → link (alias index built once, first) → related
             → render → emit (staged, swapped in atomically)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import cache, linking
from .clean import clean
from .dedupe import fingerprint, near_duplicates
from .emit import OutputWriter
from .indexing import index_pages_for
from .ingest import ingest
from .metadata import extract_metadata
from .model import Article, Failure, Slug, Summary, block_text
from .overrides import Overrides, apply_overrides, load_overrides
from .render import raw_text_copy, render_article, summarize
from .settings import Settings
from .slugs import slugify


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
    articles = list(_prepared(paths, settings, overrides, report, progress))
    articles = _dedupe(articles, report)
    index = linking.load_index(settings.entities_path, report.warnings)
    writer = OutputWriter(settings.docs_dir, settings.raw_dir)
    try:
        linked = [linking.link(a, index, overrides) for a in articles]
        linked = linking.with_related(linked)
        for n, article in enumerate(linked, 1):
            page = render_article(article, linking.entity_names(index))
            if isinstance(page, Failure):
                report.inputs.append(InputResult(page.raw_path, "rejected", None, f"{page.stage}: {page.reason}"))
                continue
            writer.write(f"articles/{article.slug}.md", page)
            writer.write(f"articles/raw/{article.slug}.txt", raw_text_copy(article))
            report.inputs.append(InputResult(article.raw_path, "ok", article.slug))
            report.summaries.append(summarize(article))
            if progress:
                progress("render", n, len(linked))
        for relative, text in linking.entity_pages(linked, index).items():
            writer.write(relative, text)
        for relative, text in index_pages_for(report.summaries, index).items():
            writer.write(relative, text)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    report.warnings.extend(overrides.unused_warnings())
    return report


def _prepared(paths: list[Path], settings: Settings, overrides: Overrides, report: BuildReport,
              progress: Progress | None) -> Iterator[Article]:
    for n, result in enumerate(cache.map_prepare(paths, settings, overrides, prepare), 1):
        if progress:
            progress("clean", n, len(paths))
        if isinstance(result, Failure):
            report.inputs.append(InputResult(result.raw_path, "rejected", None, f"{result.stage}: {result.reason}"))
        else:
            yield result


def _dedupe(articles: list[Article], report: BuildReport) -> list[Article]:
    kept: dict[str, Article] = {}
    survivors: list[Article] = []
    for article in articles:
        if article.sha256 in kept:
            first = kept[article.sha256]
            report.inputs.append(InputResult(article.raw_path, "duplicate", first.slug,
                                             f"byte-identical to {first.raw_path}"))
            continue
        kept[article.sha256] = article
        survivors.append(article)
    prints = [fingerprint("\n".join(block_text(b) for b in a.blocks)) for a in survivors]
    duplicate_of = near_duplicates(prints)
    also: dict[int, list[str]] = {}
    for dup, keeper in duplicate_of.items():
        source = survivors[dup].meta.source or survivors[dup].meta.platform or survivors[dup].raw_path
        also.setdefault(keeper, []).append(source)
        report.inputs.append(InputResult(survivors[dup].raw_path, "duplicate", survivors[keeper].slug,
                                         f"same article as {survivors[keeper].raw_path} (≥90% of sentences shared)"))
    return [
        replace(a, also_published_by=tuple(sorted(set(also.get(i, []))))) if i in also else a
        for i, a in enumerate(survivors)
        if i not in duplicate_of
    ]


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


__all__ = ["build", "BuildReport", "InputResult", "Settings", "Slug"]
