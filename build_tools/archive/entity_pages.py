"""Entity pages ``docs/entities/<id>.md`` (the newest ``PAGE_SIZE`` articles naming the entity; older ones by
year on ``entities/<id>/<yyyy>.md``, see :mod:`build_tools.archive.paging`) and the index
``docs/entities/index.md`` (which counts them)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import chain, groupby

from build_tools.archive.ordering import listed_date, newest_first, when_shown
from build_tools.archive.paging import (
    PAGE_SIZE,
    ArchivePage,
    Bucket,
    Family,
    ListPlace,
    Parts,
    archive_pages,
    archive_parts,
    bucket_of_date,
    every_part,
    family_parts,
    first_older,
    listed_keys,
    months_line,
    pager_line,
)
from build_tools.entities.registry import ENTITY_TYPES, TYPE_LABELS, Entity, Registry
from build_tools.markup import dump_yaml, escape_line
from build_tools.model import Summary

ENTITY_DIR = "entities"
MAX_COOCCURRING = 12


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
    articles: Sequence[tuple[Summary, str]],
    snippets: Mapping[str, str],
    archived: Sequence[ArchivePage],
    cooccurring: Sequence[str],
    registry: Registry,
) -> str:
    """One entity's page: its newest ``PAGE_SIZE`` articles (``articles``: (summary, its list line) newest first),
    the years older ones are archived under, the entities it is named with.  No count of its articles (the
    index counts them): the page changes when its newest articles do, not with every article naming it."""
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
    out.append(f"[订阅提及它的文章（Atom）]({ent.id}.xml){{ .archive-feed-link }}\n\n")
    out.append("## 提及的文章\n\n")
    out.extend(_article_lines(articles[:PAGE_SIZE], snippets))
    place = ListPlace(folder=ent.id, main=f"{ent.id}.md")
    older = first_older(archived, PAGE_SIZE)
    if older is not None:
        out.append(f"\n本页为最新的 {PAGE_SIZE} 篇，更早的按年存档。[较旧的文章 →]({place.from_main(older)})\n"
                   f"{{: .archive-pager }}\n\n{months_line(archived, place)}\n")
    if cooccurring:
        out.append("\n## 常一起出现\n\n")
        out.extend(f"- [{_shown(registry.name(other))}]({other}.md)\n" for other in cooccurring)
    return "".join(out)


def _article_lines(articles: Sequence[tuple[Summary, str]], snippets: Mapping[str, str]) -> list[str]:
    out = []
    for s, head in articles:
        snippet = snippets.get(s.slug)
        out.append(head + (f"  \n  “{_shown(snippet)}”\n" if snippet else "\n"))
    return out


def _archived_page(ent: Entity, articles: Sequence[Summary], snippets: Mapping[str, str],
                   archived: Sequence[ArchivePage], k: int) -> str:
    """``entities/<id>/<yyyy>.md`` (or ``…/<yyyy>/<slug>.md``) for ``archived[k]``: articles older than the
    entity page's, by year (:mod:`build_tools.archive.paging`), newest first, kept out of search."""
    name = _shown(ent.name)
    place = ListPlace(folder=ent.id, main=f"{ent.id}.md")
    page = archived[k]
    up = place.up(page)
    # These pages sit one or two folders below entities/<id>.md.
    chunk = [(articles[i], _article_head(articles[i], f"{up}../articles/")) for i in page.members]
    where = page.heading
    fm = {"title": f"{ent.name} · {where}", "search": {"exclude": True}}
    out = [_front_matter(fm), f"# {name} · 提及的文章 · {where}\n\n",
           f"[← {name}]({up}{ent.id}.md)：按日期从新到旧排列。\n\n"]
    out.extend(_article_lines(chunk, snippets))
    out.append("\n" + pager_line(archived, k, place) + "\n")
    return "".join(out)


def _index_page(registry: Registry, article_counts: Counter[str], mentions: Counter[str]) -> str:
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
            count = f"（{n} 篇，提及 {mentions[e.id]} 次）" if n else "（尚无文章）"
            out.append(f"- [{_shown(e.name)}]({e.id}.md){count} — {_shown(e.description)}\n")
        out.append("\n")
    return "".join(out)


def entity_parts(
    summaries: Sequence[Summary],
    mentions_by_slug: Mapping[str, Sequence[tuple[str, str]]],
    registry: Registry,
    counts_by_slug: Mapping[str, Mapping[str, int]] | None = None,
    keys: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], list[Parts]]:
    """The entity pages as a reduction: (the index page, made every time: one small page of counts; the parts:
    each entity's page (:func:`entity_main_page`), each page of its archive (:func:`entity_archived_pages`)):
    every family of :func:`entity_families` laid out."""
    index, families = entity_families(summaries, mentions_by_slug, registry, counts_by_slug, keys)
    return index, family_parts(families)


def entity_families(
    summaries: Sequence[Summary],
    mentions_by_slug: Mapping[str, Sequence[tuple[str, str]]],
    registry: Registry,
    counts_by_slug: Mapping[str, Mapping[str, int]] | None = None,
    keys: Mapping[str, str] | None = None,
    ordered: bool = False,
) -> tuple[dict[str, str], dict[str, Family]]:
    """(the index page, each entity's pages as a :class:`~build_tools.archive.paging.Family`).

    One pass over the summaries finds each entity's articles, newest first; an entity's pages are a function of
    the entity, of its articles (and which entities they name, for the co-occurring ones) and of the registry's
    names, so its family's ``inputs`` are those: an article by ``keys`` (slug → a key naming everything its
    summary and contexts are made from).  Only a family laid out cuts its archive and keys its parts: at 10k
    articles naming ~11 entities each, laying out every entity on every build was ~1 s.  Without ``keys`` every
    family is laid out; ``ordered``: the summaries are newest first already.  The other arguments are in
    :func:`entity_pages`' docstring."""
    newest = list(summaries) if ordered else newest_first(summaries)
    by_entity: dict[str, list[int]] = defaultdict(list)  # entity -> ranks in newest
    named: list[tuple[str, ...]] = []  # rank -> the registry entities it names
    totals: Counter[str] = Counter()
    counts_of = counts_by_slug or {}
    known = {e.id for e in registry.entities}
    for r, s in enumerate(newest):
        ctx = mentions_by_slug.get(s.slug)
        ids = tuple(e for e in dict.fromkeys([e for e, _ in ctx] if ctx is not None else s.entities) if e in known)
        named.append(ids)
        counts = counts_of.get(s.slug, {})
        for eid in ids:
            by_entity[eid].append(r)
            totals[eid] += counts.get(eid, 1)
    article_counts = Counter({eid: len(arts) for eid, arts in by_entity.items()})
    every_name = "\0".join(f"{e.id}={e.name}" for e in registry.entities)
    dates = [listed_date(s) for s in newest]
    years = [bucket_of_date(d, True) for d in dates]
    layout = _Layout(newest, mentions_by_slug, named, listed_keys(newest, keys), dates, years,
                     [b.name for b in years], every_name, registry, keys is None)
    families = {}
    for ent in registry.entities:
        ranks = tuple(by_entity.get(ent.id, ()))
        listed = [layout.rank_keys[r] for r in ranks]  # once, sliced by its years' families
        inputs = "" if keys is None else "\0".join((repr(ent), every_name, *listed))
        families[ent.id] = Family(inputs, partial(layout.main_part, ent, ranks))
        families.update(layout.year_families(ent, ranks, listed))
    index = {f"{ENTITY_DIR}/index.md": _index_page(registry, article_counts, totals)}
    return index, families


@dataclass(frozen=True)
class _Layout:
    """What laying out an entity's pages reads: the archive newest first, what each article names, its listed
    date and the year it is archived under (by rank).  An entity's pages are families: its main page, and one
    family per year of its archive, so that an article added lays out its entities' main pages and the year it
    lands in, not every year of a common entity's archive (thousands of articles at 10k)."""

    newest: Sequence[Summary]
    mentions_by_slug: Mapping[str, Sequence[tuple[str, str]]]
    named: Sequence[tuple[str, ...]]
    rank_keys: Sequence[str]
    dates: Sequence[str | None]
    years: Sequence[Bucket]
    year_names: Sequence[str]  # each year's name, by rank (strings group faster than buckets)
    every_name: str
    registry: Registry
    snippets_in_inputs: bool  # no keys: a summary does not name its snippet, so the parts' inputs do
    _runs: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)  # entity -> its archive's years

    def year_families(self, ent: Entity, ranks: Sequence[int], listed: Sequence[str]) -> dict[str, Family]:
        """One family per year of the entity's archive (its articles after the newest ``PAGE_SIZE``).  A year's
        pages show its own articles and link, in the list's order (newest first), the last page of the newer
        year (cut from that year's articles) and the first page of the older one (named by its year alone): its
        inputs are those (``listed``: the
        keys of the entity's articles, by position)."""
        runs, at = [], PAGE_SIZE
        for name, group in groupby(ranks[PAGE_SIZE:], key=self.year_names.__getitem__):
            size = sum(1 for _ in group)
            runs.append((name, at, at + size))  # the year's positions in the entity's list
            at += size
        self._runs[ent.id] = runs
        families = {}
        for i, (name, start, stop) in enumerate(runs):
            newer = runs[i - 1] if i else ("", start, start)
            older = runs[i + 1][0] if i + 1 < len(runs) else ""
            inputs = "" if self.snippets_in_inputs else "\0".join(
                (repr(ent), newer[0], *listed[newer[1]:newer[2]], "", name, *listed[start:stop], "", older))
            families[f"{ent.id}\0{name}"] = Family(inputs, partial(self.year_parts, ent, ranks, i))
        return families

    def _listed(self, ent: Entity, ranks: Sequence[int]) -> tuple[tuple[Summary, ...], list[str], Mapping[str, str]]:
        """(the entity's articles, what names each in a part's inputs, its snippets of them)."""
        articles = tuple(self.newest[r] for r in ranks)  # ranks are in order
        listed = [self.rank_keys[r] for r in ranks]
        own = _Snippets(ent.id, self.mentions_by_slug)
        if self.snippets_in_inputs:
            listed = [f"{key}\0{own.get(s.slug)}" for key, s in zip(listed, articles, strict=True)]
        return articles, listed, own

    def main_part(self, ent: Entity, ranks: Sequence[int]) -> list[Parts]:
        """The entity's page, as a part (see :func:`entity_parts`): its newest articles, its archive's years
        and the entities named with it in any of its articles.  Of its archive the page shows each year's
        newest page (named by the year alone, where its "older" link leads too): not cut into pages here."""
        articles, listed, own = self._listed(ent, ranks)
        archived = [ArchivePage(self.years[ranks[start]], None, range(start, stop))
                    for _name, start, stop in self._runs[ent.id]]
        foot = [f"{p.stem}\0{p.heading}" for p in archived if p.name is None or PAGE_SIZE in p.members]
        main = {ent.id: ((repr(ent), self.every_name, *foot, "", *listed),
                         (ent, articles, own, archived, tuple(self.named[r] for r in ranks), self.registry))}
        return [(entity_main_page, main)]

    def year_parts(self, ent: Entity, ranks: Sequence[int], i: int) -> list[Parts]:
        """Each archived page of the entity's ``i``-th year, as a part: the year cut into pages, beside the last
        page of the newer year (cut too) and the first page of the older one."""
        runs = self._runs[ent.id]
        _year, start, stop = runs[i]
        pages = self._cut(ranks, *runs[i - 1][1:])[-1:] if i else []
        cut = self._cut(ranks, start, stop)
        mine = range(len(pages), len(pages) + len(cut))  # the year's first page at 0: none newer, the main page is
        pages += cut
        if i + 1 < len(runs):
            pages.append(ArchivePage(self.years[ranks[runs[i + 1][1]]], None, range(runs[i + 1][1], runs[i + 1][2])))
        articles, listed, own = self._listed(ent, ranks)
        older = {f"{ent.id}/{stem}": ((ent.id, ent.name, *inputs), (ent, articles, own, pages, ks))
                 for stem, (inputs, ks) in archive_parts(pages, listed).items() if ks[0] in mine}
        return [(entity_archived_pages, older)]

    def _cut(self, ranks: Sequence[int], start: int, stop: int) -> list[ArchivePage]:
        """The archived pages of one year (positions ``start`` to ``stop`` of the entity's list)."""
        cut = ranks[start:stop]
        pages = archive_pages([self.years[r] for r in cut], [self.newest[r].slug for r in cut], 0, PAGE_SIZE,
                              [self.dates[r] for r in cut])
        return [replace(p, members=range(p.members.start + start, p.members.stop + start)) for p in pages]


@dataclass(frozen=True)
class _Snippets(Mapping[str, str]):
    """slug → the first sentence naming the entity ``eid``, looked up when a page lists the article (a common
    entity names thousands of articles; a page made lists 50)."""

    eid: str
    mentions_by_slug: Mapping[str, Sequence[tuple[str, str]]]

    def __getitem__(self, slug: str) -> str:
        for eid, text in self.mentions_by_slug.get(slug) or ():
            if eid == self.eid:
                return text
        raise KeyError(slug)

    def __iter__(self) -> Iterator[str]:
        return (slug for slug in self.mentions_by_slug if slug in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def entity_main_page(ent: Entity, articles: Sequence[Summary], snippets: Mapping[str, str],
                     archived: Sequence[ArchivePage], named: Sequence[tuple[str, ...]],
                     registry: Registry) -> dict[str, str]:
    """``entities/<id>.md``, from the entity's articles (newest first), their snippets, the entities each names."""
    together = Counter(chain.from_iterable(named))
    del together[ent.id]
    cooccurring = [other for other, _n in sorted(together.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_COOCCURRING]]
    listed = [(s, _article_head(s)) for s in articles[:PAGE_SIZE]]
    return {f"{ENTITY_DIR}/{ent.id}.md": _entity_page(ent, listed, snippets, archived, cooccurring, registry)}


def entity_archived_pages(ent: Entity, articles: Sequence[Summary], snippets: Mapping[str, str],
                      archived: Sequence[ArchivePage], ks: Sequence[int]) -> dict[str, str]:
    """The archived pages ``archived[k]`` of an entity's list (one, as a part)."""
    return {f"{ENTITY_DIR}/{ent.id}/{archived[k].stem}.md": _archived_page(ent, articles, snippets, archived, k)
            for k in ks}


def entity_pages(
    summaries: Sequence[Summary],
    mentions_by_slug: Mapping[str, Sequence[tuple[str, str]]],
    registry: Registry,
    counts_by_slug: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, str]:
    """Docs-relative path → Markdown for every registry entity and the index (every part of :func:`entity_parts`
    made).

    ``mentions_by_slug``: slug → [(entity_id, one-sentence context)], as given by
    :func:`mention_contexts`.  ``counts_by_slug`` (slug → entity → mentions, from
    :func:`mention_counts`) gives the mention totals; without it each article
    counts once.  Which articles mention an entity comes from
    ``mentions_by_slug`` and, failing that, ``Summary.entities``.
    """
    index, passes = entity_parts(summaries, mentions_by_slug, registry, counts_by_slug)
    return {**every_part(passes), **index}
