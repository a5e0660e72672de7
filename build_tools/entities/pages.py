"""Entity pages ``docs/entities/<id>.md`` and the index ``docs/entities/index.md``."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from build_tools.model import Summary
from build_tools.render import dump_yaml

from .registry import ENTITY_TYPES, TYPE_LABELS, Entity, Registry

ENTITY_DIR = "entities"
MAX_COOCCURRING = 12
_BRACES = re.compile(r"[{}]")


def _escape_inline(text: str) -> str:
    """Text shown literally inside a Markdown line; braces become entities (no ``{{ }}`` survives)."""
    try:
        from build_tools.render import escape_inline
    except ImportError:  # the render stage is not there: same rules, written here
        escape_inline = _fallback_escape
    out = escape_inline(" ".join(text.split()))
    # escape_inline may backslash-escape braces; HTML entities are safe in every context
    out = out.replace("\\{", "{").replace("\\}", "}")
    return _BRACES.sub(lambda m: "&#123;" if m.group() == "{" else "&#125;", out)


def _fallback_escape(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([\\`*_{}\[\]|#!~])", r"\\\1", text)
    return re.sub(r"^(\s*)([-+=]|\d+[.)])", lambda m: m.group(1) + "\\" + m.group(2), text)


def _front_matter(data: dict) -> str:
    return "---\n" + dump_yaml(data) + "---\n\n"


def _newest_first(summaries: Sequence[Summary]) -> list[Summary]:
    """Newest first; undated articles last; ties by slug."""
    by_slug = sorted(summaries, key=lambda s: s.slug)
    dated = sorted((s for s in by_slug if s.date), key=lambda s: s.date or "", reverse=True)
    return dated + [s for s in by_slug if not s.date]


def _article_item(s: Summary, snippet: str | None) -> str:
    meta = " · ".join(_escape_inline(x) for x in (s.date, s.source) if x)
    line = f"- [{_escape_inline(s.title or s.slug)}](../articles/{s.slug}.md)"
    if meta:
        line += f" · {meta}"
    if snippet:
        line += f"  \n  “{_escape_inline(snippet)}”"
    return line


def _entity_page(
    ent: Entity,
    articles: list[Summary],
    snippets: Mapping[str, str],
    mentions: int,
    cooccurring: list[tuple[str, int]],
    registry: Registry,
) -> str:
    fm = {"entity": ent.id, "title": ent.name, "type": ent.type, "aliases": list(ent.all_names)}
    if ent.wikidata:
        fm["wikidata"] = ent.wikidata
    out = [_front_matter(fm), f"# {_escape_inline(ent.name)}\n\n", f"{_escape_inline(ent.description)}\n\n"]
    facts = [f"**类型：** {TYPE_LABELS.get(ent.type, ent.type)}"]
    if ent.all_names:
        facts.append("**别名：** " + "、".join(_escape_inline(a) for a in ent.all_names))
    if ent.wikidata:
        facts.append(f"**Wikidata：** [{ent.wikidata}](https://www.wikidata.org/wiki/{ent.wikidata})")
    out.append("  \n".join(facts) + "\n\n")
    if not articles:
        out.append("本存档中尚无文章提及。\n")
        return "".join(out)
    out.append(f"本存档中共提及 **{mentions}** 次，见于 **{len(articles)}** 篇文章。\n\n")
    out.append(f"## 提及的文章（{len(articles)}）\n\n")
    out.extend(_article_item(s, snippets.get(s.slug)) + "\n" for s in _newest_first(articles))
    if cooccurring:
        out.append("\n## 常一起出现\n\n")
        out.extend(
            f"- [{_escape_inline(registry.name(other))}]({other}.md)（{n} 篇）\n" for other, n in cooccurring
        )
    return "".join(out)


def _index_page(registry: Registry, article_counts: Counter[str]) -> str:
    out = [_front_matter({"title": "实体"}), "# 实体\n\n"]
    mentioned = sum(1 for e in registry.entities if article_counts[e.id])
    out.append(f"本存档登记了 {len(registry)} 个条目，其中 {mentioned} 个在文章中出现。\n\n")
    for etype in ENTITY_TYPES:
        group = [e for e in registry.entities if e.type == etype]
        if not group:
            continue
        group.sort(key=lambda e: (-article_counts[e.id], e.id))
        out.append(f"## {TYPE_LABELS[etype]}（{len(group)}）\n\n")
        for e in group:
            n = article_counts[e.id]
            count = f"（{n} 篇）" if n else "（尚无文章）"
            out.append(f"- [{_escape_inline(e.name)}]({e.id}.md){count} — {_escape_inline(e.description)}\n")
        out.append("\n")
    return "".join(out)


def entity_pages(
    summaries: Sequence[Summary],
    mentions_by_slug: Mapping[str, Sequence[tuple[str, str]]],
    registry: Registry,
    counts_by_slug: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, str]:
    """Docs-relative path → Markdown for every registry entity and the index.

    ``mentions_by_slug``: slug → [(entity_id, one-sentence context)], as given by
    :func:`mention_contexts`.  ``counts_by_slug`` (slug → entity → mentions, from
    :func:`mention_counts`) gives the mention totals; without it each article
    counts once.  Which articles mention an entity comes from
    ``mentions_by_slug`` and, failing that, ``Summary.entities``.
    """
    by_entity: dict[str, list[Summary]] = defaultdict(list)
    snippets: dict[str, dict[str, str]] = defaultdict(dict)
    totals: Counter[str] = Counter()
    pair_counts: dict[str, Counter[str]] = defaultdict(Counter)
    for s in summaries:
        ctx = mentions_by_slug.get(s.slug)
        ids = list(dict.fromkeys([e for e, _ in ctx] if ctx is not None else s.entities))
        ids = [e for e in ids if e in registry]
        for eid, snippet in ctx or ():
            snippets[eid].setdefault(s.slug, snippet)
        counts = (counts_by_slug or {}).get(s.slug, {})
        for eid in ids:
            by_entity[eid].append(s)
            totals[eid] += counts.get(eid, 1)
            for other in ids:
                if other != eid:
                    pair_counts[eid][other] += 1
    article_counts = Counter({eid: len(arts) for eid, arts in by_entity.items()})
    pages: dict[str, str] = {}
    for ent in registry.entities:
        co = sorted(pair_counts[ent.id].items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_COOCCURRING]
        pages[f"{ENTITY_DIR}/{ent.id}.md"] = _entity_page(
            ent, by_entity.get(ent.id, []), snippets.get(ent.id, {}), totals[ent.id], co, registry
        )
    pages[f"{ENTITY_DIR}/index.md"] = _index_page(registry, article_counts)
    return pages


def entity_href(entity_id: str, prefix: str = "../entities/") -> str:
    return f"{prefix}{entity_id}.md"
