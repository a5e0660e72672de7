"""The correct stage: an editor's corrections (overrides.yml) applied to one dump.

Metadata fields and paragraph corrections are applied after the metadata stage; entity corrections by the
link stage (:func:`link_with_overrides`).  The corrections file itself is loaded and checked in
:mod:`build_tools.config.corrections`.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import replace

from build_tools.config.corrections import (
    DROPPED_BY_EDITOR,
    METADATA_FIELDS,
    Overrides,
    block_starts,
    starts_with,
)
from build_tools.entities.matcher import AliasIndex
from build_tools.entities.registry import Registry
from build_tools.model import (
    Article,
    Block,
    EntityRef,
    Inline,
    Paragraph,
    Removed,
    Text,
    block_text,
)
from build_tools.model.walk import CONTAINERS, map_inlines, map_nodes, merge_texts

# --- metadata and paragraphs (after the metadata stage) ---------------------------------


def apply_overrides(article: Article, overrides: Overrides) -> Article:
    """Apply one dump's corrections to its metadata and paragraphs (entity corrections: the link stage)."""
    entry = overrides.for_file(article.raw_path)
    if not entry:
        return article
    article = _apply_metadata(article, entry)
    if entry.get("drop_paragraphs"):
        article = _drop(article, entry["drop_paragraphs"])
    if entry.get("keep_paragraphs"):
        article = _keep(article, entry["keep_paragraphs"])
    return article


def _apply_metadata(article: Article, entry: dict) -> Article:
    changes: dict = {}
    for key in ("title", "source", "url", "date"):
        if key in entry:
            changes[key] = str(entry[key]).strip()
    if "authors" in entry:
        authors = entry["authors"]
        changes["authors"] = tuple(a.strip() for a in ([authors] if isinstance(authors, str) else authors))
    if not changes:
        return article
    if "title" in changes:
        changes["title_inferred"] = False
    provenance = tuple(p for p in article.meta.provenance if p[0] not in changes)
    provenance += tuple((k, "overrides.yml") for k in METADATA_FIELDS if k in changes)
    return replace(article, meta=replace(article.meta, provenance=provenance, **changes))


def _drop(article: Article, prefixes: Sequence[str]) -> Article:
    """Remove every top-level block that starts with one of ``prefixes`` (remembering its index)."""
    kept: list[Block] = []
    removed = list(article.removed)
    for i, block in enumerate(article.blocks):
        if any(block_starts(block, p) for p in prefixes):
            removed.append(Removed(block_text(block).strip(), DROPPED_BY_EDITOR, block, before=i))
        else:
            kept.append(block)
    return replace(article, blocks=tuple(kept), removed=tuple(removed))


def _keep(article: Article, prefixes: Sequence[str]) -> Article:
    """Put back every block the cleaner dropped that starts with one of ``prefixes``, where it stood.

    The cleaner recorded, for each block it dropped, the block it stood before in the cleaned body
    (``Removed.before``); blocks an editor dropped since have left that body, so the index is
    counted without them.  A record without a block (a suffix cut off a paragraph) goes to the end.
    """
    wanted = [r for r in article.removed
              if r.rule != DROPPED_BY_EDITOR and any(starts_with(r.text, p) for p in prefixes)]
    if not wanted:
        return article
    gone = sorted(r.before for r in article.removed if r.rule == DROPPED_BY_EDITOR)
    end = len(article.blocks)
    places = []
    for record in wanted:
        if record.block is None:
            places.append((end, math.inf, Paragraph((Text(record.text),))))
        else:
            places.append((record.before - bisect.bisect_left(gone, record.before), record.position, record.block))
    blocks = list(article.blocks)
    for at, _, block in sorted(places, key=lambda place: (place[0], place[1]), reverse=True):
        blocks.insert(at, block)
    removed = tuple(r for r in article.removed if r not in wanted)
    return replace(article, blocks=tuple(blocks), removed=removed)


# --- entity links (in the link stage) --------------------------------------------------


def link_with_overrides(article: Article, index: AliasIndex, entry: dict, link_article) -> Article:
    """Link ``article`` with ``index``, forcing ``link_entities`` and suppressing ``unlink_entities``.

    Forced: the entity's ambiguous aliases count as plain ones (no context needed) and
    ``no_autolink`` is ignored; its first mention is linked.  When the text has no alias of
    it at all, the entity is still listed for the article ("本文涉及", the entity page).
    Suppressed: no link, no mention, not listed.  Ids not in the registry are skipped here
    and reported by :meth:`Overrides.unused_warnings`.
    """
    registry = index.registry
    suppress = frozenset(e for e in entry.get("unlink_entities") or () if e in registry)
    force = tuple(sorted({e for e in entry.get("link_entities") or () if e in registry} - suppress))
    if force:
        index = _forced_index(index, force)
    linked = link_article(article, index)
    entities = list(linked.entities)
    entities += [e for e in force if e not in entities]
    if suppress:
        entities = [e for e in entities if e not in suppress]
        linked = replace(
            linked,
            blocks=tuple(_unlink_block(b, suppress) for b in linked.blocks),
            mentions=tuple(m for m in linked.mentions if m.entity_id not in suppress),
        )
    return replace(linked, entities=tuple(entities))


def _forced_index(index: AliasIndex, force: tuple[str, ...]) -> AliasIndex:
    """``index`` rebuilt with the ``force``d entities' ambiguous aliases as plain ones (a millisecond or two:
    only dumps an editor forces links in pay it)."""
    registry = index.registry
    entities = []
    for entity in registry.entities:
        if entity.id in force:
            extra = tuple(a.alias for a in entity.ambiguous if a.alias not in entity.aliases)
            entity = replace(entity, aliases=entity.aliases + extra, ambiguous=(), no_autolink=False)
        entities.append(entity)
    return AliasIndex.build(Registry(tuple(entities), registry.path))


def _unlink_block(block: Block, ids: frozenset[str]) -> Block:
    return map_inlines(block, lambda inlines: _unlink(inlines, ids))


def _unlink(inlines: tuple[Inline, ...], ids: frozenset[str]) -> tuple[Inline, ...]:
    """``inlines`` without the links to ``ids`` (their words stay), adjacent texts joined."""
    def words(node: Inline) -> tuple[Inline, ...] | None:
        if isinstance(node, EntityRef) and node.entity_id in ids:
            return node.children
        if isinstance(node, CONTAINERS):
            joined = merge_texts(node.children)
            return None if joined is node.children else (replace(node, children=joined),)
        return None

    return merge_texts(map_nodes(inlines, words))
