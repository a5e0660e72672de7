"""Entity pages ``docs/entities/<id>.md`` and the index ``docs/entities/index.md``."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from itertools import permutations

from build_tools.entities.registry import ENTITY_TYPES, TYPE_LABELS, Entity, Registry
from build_tools.markup import dump_yaml
from build_tools.model import Summary

ENTITY_DIR = "entities"
MAX_COOCCURRING = 12
_BRACES = re.compile(r"[{}]")


def _escape_inline(text: str) -> str:
    """Text shown literally inside a Markdown line; braces become entities (no ``{{ }}`` survives)."""
    try:
        from build_tools.markup import escape_inline
    except ImportError:  # the render stage is not there: same rules, written here
        escape_inline = _fallback_escape
    return _escape_with(escape_inline, text)


def _escape_with(escape_inline, text: str) -> str:
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
    return _article_head(s) + (f"  \n  “{_escape_inline(snippet)}”" if snippet else "")


def _article_head(s: Summary) -> str:
    meta = " · ".join(_escape_inline(x) for x in (s.date, s.source) if x)
    line = f"- [{_escape_inline(s.title or s.slug)}](../articles/{s.slug}.md)"
    if meta:
        line += f" · {meta}"
    return line


class _Escaper:
    """:func:`_escape_inline` and :func:`_article_head` for one call of :func:`entity_pages`: an article is
    listed on the page of every entity it mentions, its line is escaped once."""

    def __init__(self) -> None:
        try:
            from build_tools.markup import escape_inline
        except ImportError:  # the render stage is not there: same rules, written here
            escape_inline = _fallback_escape
        self._escape = escape_inline
        self._heads: dict[int, str] = {}
        self._done: dict[str, str] = {}  # snippets: entities mentioned in one sentence share it

    def __call__(self, text: str) -> str:
        got = self._done.get(text)
        if got is None:
            got = self._done[text] = _escape_with(self._escape, text)
        return got

    def item(self, s: Summary, snippet: str | None) -> str:
        head = self._heads.get(id(s))
        if head is None:
            head = self._heads[id(s)] = _article_head(s)
        return head + (f"  \n  “{self(snippet)}”" if snippet else "")


def _entity_page(
    ent: Entity,
    articles: list[Summary],
    snippets: Mapping[str, str],
    mentions: int,
    cooccurring: list[tuple[str, int]],
    registry: Registry,
    escape: _Escaper | None = None,
) -> str:
    esc = escape or _Escaper()
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
    out.extend(esc.item(s, snippets.get(s.slug)) + "\n" for s in (articles if escape else _newest_first(articles)))
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
    # Articles newest first once for the archive: an entity's articles keep that order (stable sorts).
    newest = _newest_first(summaries)
    rank = {id(s): r for r, s in enumerate(newest)}
    by_entity: dict[str, list[int]] = defaultdict(list)
    snippets: dict[str, dict[str, str]] = defaultdict(dict)
    totals: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    counts_of = counts_by_slug or {}
    for s in summaries:
        ctx = mentions_by_slug.get(s.slug)
        ids = list(dict.fromkeys([e for e, _ in ctx] if ctx is not None else s.entities))
        ids = [e for e in ids if e in registry]
        for eid, snippet in ctx or ():
            snippets[eid].setdefault(s.slug, snippet)
        counts = counts_of.get(s.slug, {})
        r = rank[id(s)]
        for eid in ids:
            by_entity[eid].append(r)
            totals[eid] += counts.get(eid, 1)
        pairs.update(permutations(ids, 2))
    pair_counts: dict[str, dict[str, int]] = defaultdict(dict)
    for (eid, other), n in pairs.items():
        pair_counts[eid][other] = n
    article_counts = Counter({eid: len(arts) for eid, arts in by_entity.items()})
    escape = _Escaper()
    pages: dict[str, str] = {}
    for ent in registry.entities:
        co = sorted(pair_counts[ent.id].items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_COOCCURRING]
        articles = [newest[r] for r in sorted(by_entity.get(ent.id, ()))]
        pages[f"{ENTITY_DIR}/{ent.id}.md"] = _entity_page(
            ent, articles, snippets.get(ent.id, {}), totals[ent.id], co, registry, escape
        )
    pages[f"{ENTITY_DIR}/index.md"] = _index_page(registry, article_counts)
    return pages


def entity_href(entity_id: str, prefix: str = "../entities/") -> str:
    return f"{prefix}{entity_id}.md"
