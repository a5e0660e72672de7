"""The link stage: entity mentions in the cleaned body become links to entity pages.

Editors' corrections may force or suppress links for one dump (``link_entities`` / ``unlink_entities``).
"""

from __future__ import annotations

from build_tools.entities.linker import link_article
from build_tools.entities.matcher import AliasIndex
from build_tools.model import Article


def link(article: Article, index: AliasIndex | None, overrides=None) -> Article:
    """Link entity mentions; ``overrides`` (overrides.yml) may force or suppress links for this dump."""
    if index is None:
        return article
    entry = overrides.for_file(article.raw_path) if overrides is not None else {}
    if entry.get("link_entities") or entry.get("unlink_entities"):
        from build_tools.stages.correct import link_with_overrides

        return link_with_overrides(article, index, entry, link_article)
    return link_article(article, index)
