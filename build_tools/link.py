"""The link stage and everything entity-related: one import for the pipeline.

    registry = load_registry(Path("entities.yml"))        # RegistryError on bad data
    index = AliasIndex.build(registry)
    article = link_article(article, index)                 # blocks, mentions, entities
    contexts = mention_contexts(article)                   # [(entity_id, sentence)]
    counts = mention_counts(article)                       # {entity_id: mentions}
    fp = story_fingerprint(article)                        # for same-story detection
    ...
    pages = entity_pages(summaries, contexts_by_slug, registry, counts_by_slug)
    related = related_articles(summaries, fingerprints_by_slug, counts_by_slug)

The implementation lives in :mod:`build_tools.entities`.
"""

from __future__ import annotations

from build_tools.entities.linker import (
    entity_names,
    find_mentions,
    link_article,
    mention_contexts,
    mention_counts,
)
from build_tools.entities.matcher import AliasIndex, Match
from build_tools.entities.pages import entity_href, entity_pages
from build_tools.entities.registry import Entity, Registry, RegistryError, load_registry, parse_registry
from build_tools.entities.related import (
    Fingerprint,
    related_articles,
    same_story,
    same_story_groups,
    story_fingerprint,
)
from build_tools.entities.suggest import Candidate, suggest, suggest_main

__all__ = [
    "AliasIndex",
    "Candidate",
    "Entity",
    "Fingerprint",
    "Match",
    "Registry",
    "RegistryError",
    "entity_href",
    "entity_names",
    "entity_pages",
    "find_mentions",
    "link_article",
    "load_registry",
    "mention_contexts",
    "mention_counts",
    "parse_registry",
    "related_articles",
    "same_story",
    "same_story_groups",
    "story_fingerprint",
    "suggest",
    "suggest_main",
]
