"""The link stage as the pipeline sees it: registry → alias index → linked articles,
then the derived views (related articles, entity pages).  The entity machinery
lives in build_tools.entities (see build_tools/link.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import link as entities
from .model import Article, Summary
from .render import summarize


@dataclass(frozen=True)
class LinkedView:
    """The little that whole-archive pages need from one linked article."""

    summary: Summary
    contexts: tuple[tuple[str, str], ...]
    counts: tuple[tuple[str, int], ...]
    story: entities.Fingerprint


def load_index(entities_path: Path, warnings: list[str]) -> entities.AliasIndex | None:
    if not entities_path.exists():
        warnings.append(f"{entities_path}: no entity registry, articles are not cross-linked")
        return None
    return entities.AliasIndex.build(entities.load_registry(entities_path))


def registry_key(entities_path: Path) -> str:
    """Changes whenever the registry does: linked results are cached under it."""
    data = entities_path.read_bytes() if entities_path.exists() else b""
    return hashlib.sha256(data).hexdigest()[:16]


def link(article: Article, index: entities.AliasIndex | None, overrides=None) -> Article:
    """Link entity mentions; ``overrides`` (overrides.yml) may force or suppress links for this dump."""
    if index is None:
        return article
    entry = overrides.for_file(article.raw_path) if overrides is not None else {}
    if entry.get("link_entities") or entry.get("unlink_entities"):
        from .overrides import link_with_overrides

        return link_with_overrides(article, index, entry, entities.link_article)
    return entities.link_article(article, index)


def view_of(article: Article) -> LinkedView:
    return LinkedView(
        summary=summarize(article),
        contexts=tuple(entities.mention_contexts(article)),
        counts=tuple(sorted(entities.mention_counts(article).items())),
        story=entities.story_fingerprint(article),
    )


def related(views: Sequence[LinkedView], jobs: int = 1) -> dict[str, list[tuple[str, str, bool]]]:
    summaries = [v.summary for v in views]
    fingerprints = {v.summary.slug: v.story for v in views}
    counts = {v.summary.slug: dict(v.counts) for v in views}
    return entities.related_articles(summaries, fingerprints, counts, jobs=jobs)


def entity_names(index: entities.AliasIndex | None) -> dict[str, str]:
    if index is None:
        return {}
    return {entity.id: entity.name for entity in index.registry.entities}


def entity_pages(views: Sequence[LinkedView], index: entities.AliasIndex | None) -> dict[str, str]:
    if index is None:
        return {}
    summaries = [v.summary for v in views]
    contexts = {v.summary.slug: list(v.contexts) for v in views}
    counts = {v.summary.slug: dict(v.counts) for v in views}
    return entities.entity_pages(summaries, contexts, index.registry, counts)
