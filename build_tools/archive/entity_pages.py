"""Entity pages ``docs/entities/<id>.md`` and the index ``docs/entities/index.md``."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from itertools import permutations

from build_tools.archive.ordering import given_or_added, newest_first, when_shown
from build_tools.entities.registry import ENTITY_TYPES, TYPE_LABELS, Entity, Registry
from build_tools.markup import dump_yaml, escape_line
from build_tools.model import Summary

ENTITY_DIR = "entities"
MAX_COOCCURRING = 12
# Articles on an entity's page; older ones go to archived pages ``entities/<id>/page-N.md`` numbered from the
# oldest, as the timeline's (index_pages._timeline_pages): a new article rewrites the entity's page alone.
PAGE_SIZE = 50


def _shown(text: str) -> str:
    """``text`` shown literally in a line of an entity page (the entity pages' rules of :func:`escape_line`)."""
    return escape_line(text, braces_as_references=True)


def _front_matter(data: dict) -> str:
    return "---\n" + dump_yaml(data) + "---\n\n"


def _article_head(s: Summary, to_articles: str = "../articles/") -> str:
    meta = " · ".join(_shown(x) for x in (when_shown(s.date, s.added), s.source) if x)
    line = f"- [{_shown(s.title or s.slug)}]({to_articles}{s.slug}.md)"
    if meta:
        line += f" · {meta}"
    return line


def _entity_page(
    ent: Entity,
    articles: list[tuple[Summary, str]],
    snippets: Mapping[str, str],
    mentions: int,
    cooccurring: list[tuple[str, int]],
    registry: Registry,
) -> str:
    """One entity's page; ``articles``: (summary, its list line) newest first."""
    fm = {"entity": ent.id, "title": ent.name, "type": ent.type, "aliases": list(ent.all_names)}
    if ent.wikidata:
        fm["wikidata"] = ent.wikidata
    out = [_front_matter(fm), f"# {_shown(ent.name)}\n\n", f"{_shown(ent.description)}\n\n"]
    facts = [f"**类型：** {TYPE_LABELS.get(ent.type, ent.type)}"]
    if ent.all_names:
        facts.append("**别名：** " + "、".join(_shown(a) for a in ent.all_names))
    if ent.wikidata:
        facts.append(f"**Wikidata：** [{ent.wikidata}](https://www.wikidata.org/wiki/{ent.wikidata})")
    out.append("  \n".join(facts) + "\n\n")
    if not articles:
        out.append("本存档中尚无文章提及。\n")
        return "".join(out)
    out.append(f"本存档中共提及 **{mentions}** 次，见于 **{len(articles)}** 篇文章。"
               f"[订阅这些文章（Atom）]({ent.id}.xml){{ .archive-feed-link }}\n\n")
    out.append(f"## 提及的文章（{len(articles)}）\n\n")
    shown = articles[: _on_main_page(len(articles))]
    out.extend(_article_lines(shown, snippets))
    if len(shown) < len(articles):
        older = _archived_count(len(articles))
        out.append(f"\n本页为最新的 {len(shown)} 篇；更早的按页存档，页码从最早的文章数起。"
                   f"[较旧的文章 →]({ent.id}/page-{older}.md)\n{{: .archive-pager }}\n")
    if cooccurring:
        out.append("\n## 常一起出现\n\n")
        out.extend(
            f"- [{_shown(registry.name(other))}]({other}.md)（{n} 篇）\n" for other, n in cooccurring
        )
    return "".join(out)


def _article_lines(articles: Sequence[tuple[Summary, str]], snippets: Mapping[str, str]) -> list[str]:
    out = []
    for s, head in articles:
        snippet = snippets.get(s.slug)
        out.append(head + (f"  \n  “{_shown(snippet)}”\n" if snippet else "\n"))
    return out


def _archived_count(n: int) -> int:
    """Archived pages of an entity with ``n`` articles: every full ``PAGE_SIZE`` from the oldest but the
    newest articles, which stay on the entity's page (1 to ``PAGE_SIZE`` of them)."""
    return max(0, (n - 1) // PAGE_SIZE)


def _on_main_page(n: int) -> int:
    return n - _archived_count(n) * PAGE_SIZE


def _archived_pages(
    ent: Entity, articles: Sequence[tuple[Summary, str]], snippets: Mapping[str, str]
) -> dict[str, str]:
    """``entities/<id>/page-N.md``: page 1 the oldest ``PAGE_SIZE`` articles, each page newest first.  A page
    names no count from the newest, so it keeps its text when newer articles arrive."""
    oldest = list(articles[::-1])
    total = _archived_count(len(articles))
    name = _shown(ent.name)
    pages = {}
    for number in range(1, total + 1):
        # The heads were written for entities/<id>.md; these pages sit one folder deeper.
        members = oldest[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        chunk = [(s, _article_head(s, "../../articles/")) for s, _ in members]
        first = (number - 1) * PAGE_SIZE + 1
        fm = {"title": f"{ent.name} · 第 {number} 页", "search": {"exclude": True}}
        out = [_front_matter(fm), f"# {name} · 提及的文章 · 第 {number} 页\n\n",
               f"[← {name}](../{ent.id}.md)：按日期从新到旧排列；本页为从最早的文章数起的"
               f"第 {first}–{first + len(chunk) - 1} 篇。\n\n"]
        out.extend(_article_lines(chunk[::-1], snippets))
        newer = f"../{ent.id}.md" if number == total else f"page-{number + 1}.md"
        pager = [f"[← 较新的文章]({newer})", f"第 {number} 页"]
        if number > 1:
            pager.append(f"[较旧的文章 →](page-{number - 1}.md)")
        out.append("\n" + " · ".join(pager) + "\n{: .archive-pager }\n")
        pages[f"{ENTITY_DIR}/{ent.id}/page-{number}.md"] = "".join(out)
    return pages


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
            out.append(f"- [{_shown(e.name)}]({e.id}.md){count} — {_shown(e.description)}\n")
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
    # Articles newest first once for the archive, each with its list line: an entity's articles keep
    # that order, and an article listed under many entities is escaped once.
    newest = [(s, _article_head(s)) for s in newest_first(summaries, date=given_or_added)]
    by_entity: dict[str, list[int]] = defaultdict(list)  # entity -> ranks in newest
    snippets: dict[str, dict[str, str]] = defaultdict(dict)
    totals: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    counts_of = counts_by_slug or {}
    for r, (s, _head) in enumerate(newest):
        ctx = mentions_by_slug.get(s.slug)
        ids = list(dict.fromkeys([e for e, _ in ctx] if ctx is not None else s.entities))
        ids = [e for e in ids if e in registry]
        for eid, snippet in ctx or ():
            snippets[eid].setdefault(s.slug, snippet)
        counts = counts_of.get(s.slug, {})
        for eid in ids:
            by_entity[eid].append(r)
            totals[eid] += counts.get(eid, 1)
        pairs.update(permutations(ids, 2))
    pair_counts: dict[str, dict[str, int]] = defaultdict(dict)
    for (eid, other), n in pairs.items():
        pair_counts[eid][other] = n
    article_counts = Counter({eid: len(arts) for eid, arts in by_entity.items()})
    pages: dict[str, str] = {}
    for ent in registry.entities:
        co = sorted(pair_counts[ent.id].items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_COOCCURRING]
        articles = [newest[r] for r in by_entity.get(ent.id, ())]  # ranks were appended in order
        pages[f"{ENTITY_DIR}/{ent.id}.md"] = _entity_page(
            ent, articles, snippets.get(ent.id, {}), totals[ent.id], co, registry
        )
        pages.update(_archived_pages(ent, articles, snippets.get(ent.id, {})))
    pages[f"{ENTITY_DIR}/index.md"] = _index_page(registry, article_counts)
    return pages
