"""The correct stage: an editor's corrections (overrides.yml) applied to one dump.

Metadata fields and paragraph corrections are applied after the metadata stage; entity corrections by the
link stage (:func:`link_with_overrides`).  The corrections file itself is loaded and checked in
:mod:`build_tools.config.corrections`.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

from build_tools.config.corrections import (
    DROPPED_BY_EDITOR,
    METADATA_FIELDS,
    Overrides,
    _block_starts,
    _norm,
    _starts,
)
from build_tools.model import (
    Article,
    Block,
    EntityRef,
    Figure,
    Heading,
    Inline,
    ListBlock,
    Paragraph,
    Quote,
    Removed,
    Table,
    Text,
    Turn,
    block_text,
)

# --- metadata and paragraphs (in prepare) ----------------------------------------------


def apply_overrides(article: Article, overrides: Overrides, stage: str) -> Article:
    """Apply one dump's corrections. ``stage="metadata"`` (after metadata): fields and paragraphs.

    Other stages are accepted and change nothing (kept for the pipeline's call sites).
    """
    entry = overrides.for_file(article.raw_path)
    if not entry or stage != "metadata":
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
    """Remove every top-level block that starts with one of ``prefixes``."""
    kept: list[Block] = []
    removed = list(article.removed)
    for block in article.blocks:
        if any(_block_starts(block, p) for p in prefixes):
            removed.append(Removed(block_text(block).strip(), DROPPED_BY_EDITOR))
        else:
            kept.append(block)
    return replace(article, blocks=tuple(kept), removed=tuple(removed))


def _keep(article: Article, prefixes: Sequence[str]) -> Article:
    """Put back every block the cleaner dropped that starts with one of ``prefixes``, where it was."""
    wanted = [r for r in article.removed
              if r.rule != DROPPED_BY_EDITOR and any(_starts(r.text, p) for p in prefixes)]
    if not wanted:
        return article
    original = _original_blocks(article)
    keys = [_norm(block_text(b)) for b in original]
    positions: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        positions.setdefault(k, []).append(i)
    # Where each surviving block came from in the dump (first unused match, in order).
    anchors: list[int | None] = []
    floor = 0
    for block in article.blocks:
        spots = positions.get(_norm(block_text(block)), [])
        j = bisect.bisect_left(spots, floor)
        if j < len(spots):
            anchors.append(spots[j])
            floor = spots[j] + 1
        else:
            anchors.append(None)
    restored: list[tuple[int, int, Block]] = []
    taken: set[int] = set()
    for item in wanted:
        k = _norm(item.text)
        source = next((i for i in positions.get(k, []) if i not in taken), None)
        if source is None:
            restored.append((len(article.blocks), len(original), Paragraph((Text(item.text),))))
            continue
        taken.add(source)
        at = next((n for n, a in enumerate(anchors) if a is not None and a > source), len(article.blocks))
        restored.append((at, source, original[source]))
    blocks = list(article.blocks)
    for at, _, block in sorted(restored, key=lambda r: (r[0], r[1]), reverse=True):
        blocks.insert(at, block)
    removed = tuple(r for r in article.removed if r not in wanted)
    return replace(article, blocks=tuple(blocks), removed=removed)


def _original_blocks(article: Article) -> tuple[Block, ...]:
    """The dump's blocks before cleaning (readers are pure functions of the decoded text)."""
    from build_tools.stages.readers import read

    try:
        return read(article.text).blocks
    except Exception:  # a reader problem must not lose the editor's paragraph: fall back to plain text
        return ()


# --- entity links (in the link stage) --------------------------------------------------


def link_with_overrides(article: Article, index, entry: dict, link_article) -> Article:
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


@lru_cache(maxsize=8)
def _forced_index(index, force: tuple[str, ...]):
    from build_tools.entities.matcher import AliasIndex
    from build_tools.entities.registry import Registry
    registry = index.registry
    entities = []
    for entity in registry.entities:
        if entity.id in force:
            extra = tuple(a.alias for a in entity.ambiguous if a.alias not in entity.aliases)
            entity = replace(entity, aliases=entity.aliases + extra, ambiguous=(), no_autolink=False)
        entities.append(entity)
    return AliasIndex.build(Registry(tuple(entities), registry.path))


def _unlink_inlines(nodes: tuple[Inline, ...], ids: frozenset[str]) -> tuple[Inline, ...]:
    out: list[Inline] = []
    for node in nodes:
        if isinstance(node, EntityRef) and node.entity_id in ids:
            out.extend(_unlink_inlines(node.children, ids))
            continue
        children = getattr(node, "children", None)
        if children is not None:
            node = replace(node, children=_unlink_inlines(children, ids))
        if isinstance(node, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + node.text)
            continue
        out.append(node)
    return tuple(out)


def _unlink_block(block: Block, ids: frozenset[str]) -> Block:
    if isinstance(block, (Paragraph, Heading, Turn)):
        return replace(block, inlines=_unlink_inlines(block.inlines, ids))
    if isinstance(block, Quote):
        return replace(block, blocks=tuple(_unlink_block(b, ids) for b in block.blocks))
    if isinstance(block, ListBlock):
        return replace(block, items=tuple(tuple(_unlink_block(b, ids) for b in item) for item in block.items))
    if isinstance(block, Table):
        return replace(block, header=tuple(_unlink_inlines(c, ids) for c in block.header),
                       rows=tuple(tuple(_unlink_inlines(c, ids) for c in row) for row in block.rows))
    if isinstance(block, Figure):
        return replace(block, caption=_unlink_inlines(block.caption, ids))
    return block

