"""The link stage as the pipeline sees it: registry → alias index → linked articles,
then the derived views (related articles, entity pages).  The entity machinery
lives in build_tools.entities (see build_tools/link.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from . import link as entities
from .model import Article
from .render import summarize


def load_index(entities_path: Path, warnings: list[str]) -> entities.AliasIndex | None:
    if not entities_path.exists():
        warnings.append(f"{entities_path}: no entity registry, articles are not cross-linked")
        return None
    return entities.AliasIndex.build(entities.load_registry(entities_path))


def link(article: Article, index: entities.AliasIndex | None, overrides=None) -> Article:
    if index is None:
        return article
    return entities.link_article(article, index)


def with_related(articles: Sequence[Article]) -> list[Article]:
    summaries = [summarize(a) for a in articles]
    fingerprints = {a.slug: entities.story_fingerprint(a) for a in articles}
    counts = {a.slug: entities.mention_counts(a) for a in articles}
    related = entities.related_articles(summaries, fingerprints, counts)
    return [replace(a, related=tuple(related.get(a.slug, ()))) for a in articles]


def entity_names(index: entities.AliasIndex | None) -> dict[str, str]:
    if index is None:
        return {}
    registry = index.registry
    return {entity.id: entity.name for entity in registry.entities}


def entity_pages(articles: Sequence[Article], index: entities.AliasIndex | None) -> dict[str, str]:
    if index is None:
        return {}
    summaries = [summarize(a) for a in articles]
    contexts = {a.slug: entities.mention_contexts(a) for a in articles}
    counts = {a.slug: entities.mention_counts(a) for a in articles}
    return entities.entity_pages(summaries, contexts, index.registry, counts)
