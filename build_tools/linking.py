"""The link stage as the pipeline sees it: entity registry → alias index → linked articles.

The entity machinery lives in build_tools.entities; this module is the
narrow seam the pipeline calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .model import Article


def load_index(entities_path: Path, warnings: list[str]):
    if not entities_path.exists():
        return None
    from .entities.matcher import AliasIndex
    from .entities.registry import load_registry

    return AliasIndex.build(load_registry(entities_path))


def link(article: Article, index, overrides=None) -> Article:
    if index is None:
        return article
    from .entities.linker import link_article

    return link_article(article, index)


def with_related(articles: Sequence[Article]) -> list[Article]:
    return list(articles)


def entity_names(index) -> dict[str, str]:
    if index is None:
        return {}
    return {e.id: e.name for e in index.registry.entities}


def entity_pages(articles: Sequence[Article], index) -> dict[str, str]:
    return {}
