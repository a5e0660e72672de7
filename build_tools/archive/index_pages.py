"""Index pages, generated from :class:`~build_tools.model.Summary` records.

Everything here is a pure function of its arguments: no disk access, no clock,
no randomness.  The pipeline hands over the summaries of the articles it
published and writes whatever comes back (docs-relative path -> text).

Pages:

* ``index.md`` — the home page: counts, latest articles, top sources and entities.
* ``articles/index.md`` (the newest articles) and ``articles/months/<yyyy-mm>.md`` (every month, paged within
  the month when it holds more than ``page_size``): the timeline and its archive, and each source's pages
  (``articles/sources/<name>.md``, older ones by month) — :mod:`build_tools.archive.listings`.
* ``articles/sources.md`` — the sources, with counts and each source's feed.
* ``articles/tags.md`` — articles by tag, only when some article has tags (the dumps' own
  tags and keywords); the page is not in the fixed nav, the home page links it when it exists.

Every title, source, tag and entity name is escaped by :func:`~build_tools.archive.listings.shown`
(:func:`~build_tools.markup.escape_line`) before it reaches Markdown.  Headings that other
pages link to (sources, tags) carry explicit ids computed by :func:`anchor`, the same rule
the article header template uses to link ``articles/tags/#<tag>``.  The feed is in
:mod:`build_tools.archive.feed`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePosixPath

from build_tools.archive.feed import source_feed
from build_tools.archive.listings import (
    ARTICLES,
    ROOT,
    article_line,
    month_pages,
    shown,
    source_archived_pages,
    source_main,
    source_parts,
    timeline_parts,
)
from build_tools.archive.ordering import newest_first
from build_tools.archive.paging import Part, Parts, every_part, listed_keys
from build_tools.model import Summary
from build_tools.settings import SITE_TITLE

__all__ = ["anchor", "index_pages", "index_parts"]

NO_SOURCE = "来源未知"
LATEST_ON_HOME = 10
TOP_ON_HOME = 10
_UNKNOWN_STEM = "unknown"  # the articles without a source: no feed name (hashed_slug's always has a "-")

# --- escaping and anchors -----------------------------------------------------

_ANCHOR_DROP = re.compile(r"[^\w-]|_")  # "_" too: in a heading it would start emphasis

_shown = shown


def anchor(name: str) -> str:
    """The heading id for ``name``: trimmed, lower case, each space a hyphen.

    theme/partials/article-header.html builds the same id in Jinja
    (``name | lower | trim | replace(" ", "-")``) to link a tag or a source to its
    section.  Anything but letters, digits (any script) and ``-`` is dropped,
    so the id is safe both in a Markdown link and in an attr_list ``{#id}`` (for such
    names the template's link lands on the page, not the section).  Empty when
    nothing is left.
    """
    slug = name.strip().lower().replace(" ", "-")
    return _ANCHOR_DROP.sub("", slug)


def _unique_anchors(names: Iterable[str], prefix: str, reserved: Iterable[str] = ()) -> dict[str, str]:
    """Distinct ids for ``names`` in order; a name without a usable slug gets ``prefix-N``."""
    used = set(reserved)
    out: dict[str, str] = {}
    for n, name in enumerate(names, start=1):
        base = anchor(name) or f"{prefix}-{n}"
        candidate, k = base, 1
        while candidate in used:
            candidate = f"{base}_{k}"
            k += 1
        used.add(candidate)
        out[name] = candidate
    return out


# --- ordering -----------------------------------------------------------------


def _by_count(counter: Counter[str]) -> list[tuple[str, int]]:
    """Most frequent first, ties by name: deterministic."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def _count_line(n: int, unit: str = "篇") -> str:
    return f"共 {n} {unit}"


# --- pages --------------------------------------------------------------------


def _grouped_page(title: str, intro: str, groups: list[tuple[str, list[Summary]]], anchors: Mapping[str, str]) -> str:
    lines = [f"# {title}", "", intro, ""]
    if not groups:
        lines += ["暂无。", ""]
        return "\n".join(lines)
    # Overview: every group with its count, linking to its section.
    lines += [f"- [{_shown(name)}](#{anchors[name]}) · {len(members)} 篇" for name, members in groups]
    lines.append("")
    for name, members in groups:
        lines += [f"## {_shown(name)} {{#{anchors[name]}}}", "", _count_line(len(members)), ""]
        lines += [article_line(s, ARTICLES) for s in members]
        lines.append("")
    return "\n".join(lines)


def _sources_page(
    ordered: list[Summary], feed_paths: Mapping[str, str] | None, page_size: int, keys: Mapping[str, str] | None
) -> tuple[str, list[Parts], dict[str, str]]:
    """``articles/sources.md``, the sources with their counts and feeds (a heading each: the home page and the
    article header link ``sources/#<anchor>``), and each source's articles on pages of its own,
    ``articles/sources/<name>.md`` the newest, older ones archived as the timeline's: a new article rewrites
    its source's page and the short list, not every article of the archive.  (the list, the parts of the
    sources' pages: :func:`~build_tools.archive.listings.source_parts`, the anchors)."""
    members: dict[str, list[Summary]] = {}
    unknown: list[Summary] = []
    for s in ordered:
        if s.source and s.source.strip():
            members.setdefault(s.source, []).append(s)
        else:
            unknown.append(s)
    groups = sorted(members.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    names = [name for name, _ in groups] + ([NO_SOURCE] if unknown else [])
    anchors = _unique_anchors(names, "source", reserved=["按来源浏览"])
    lines = ["# 按来源浏览", "", f"共 {len(groups)} 个来源，按收录篇数从多到少排列；各来源的文章在其单独的页面上。", ""]
    if not names:
        lines += ["暂无。", ""]
    parts: dict[str, Part] = {}
    older_parts: dict[str, Part] = {}
    listed = [(name, arts, True) for name, arts in groups] + ([(NO_SOURCE, unknown, False)] if unknown else [])
    for name, arts, known in listed:
        # The page is named as the source's feed (an ASCII name, feeds/<name>.xml beside sources.md).
        feed = source_feed(name, known=feed_paths) if known else None
        stem = PurePosixPath(feed).stem if feed else _UNKNOWN_STEM
        label = _shown(name) if known else NO_SOURCE
        links = [_count_line(len(arts)), f"[浏览文章 →](sources/{stem}.md)"]
        if feed:
            links.append(f"[订阅（Atom）]({feed}){{ .archive-feed-link }}")
        lines += [f"## {label} {{#{anchors[name]}}}", "", " · ".join(links), ""]
        group = ("source:" if known else "unknown:") + name
        parts[group], older = source_parts(stem, label, arts, page_size, keys)
        older_parts.update((f"{group}/{page}", part) for page, part in older.items())
    return "\n".join(lines), [(source_main, parts), (source_archived_pages, older_parts)], anchors


def _tags_page(ordered: list[Summary]) -> str:
    members: dict[str, list[Summary]] = {}
    for s in ordered:
        for tag in dict.fromkeys(t for t in s.tags if t and t.strip()):
            members.setdefault(tag, []).append(s)
    groups = sorted(members.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    anchors = _unique_anchors([name for name, _ in groups], "tag", reserved=["标签"])
    intro = f"共 {len(groups)} 个标签，按文章数从多到少排列。"
    return _grouped_page("标签", intro, groups, anchors)


def _home_page(
    ordered: list[Summary],
    source_anchors: Mapping[str, str],
    entity_names: Mapping[str, str] | None,
    entity_count: int,
    site_title: str,
) -> str:
    sources = Counter(s.source for s in ordered if s.source and s.source.strip())
    n_entities = entity_count or (len(entity_names) if entity_names else 0)
    # The site's footer shows these counts on every page (theme/partials/footer.html reads them here).
    counts = {"articles": len(ordered), "sources": len(sources), "entities": n_entities}
    lines = ["---", "archive_counts:", *(f"  {k}: {v}" for k, v in counts.items()), "---", "",
             f"# {_shown(site_title)}", ""]
    stats = [f"**{len(ordered)}** 篇文章", f"**{len(sources)}** 个来源"]
    if n_entities:
        stats.append(f"**{n_entities}** 个实体")
    lines += ["本站收录 " + "，".join(stats) + "。", ""]

    lines += ["## 最新文章", ""]
    if ordered:
        lines += [article_line(s, ROOT) for s in ordered[:LATEST_ON_HOME]]
        lines += ["", "[浏览全部文章 →](articles/index.md) · [订阅（Atom）](feed.xml)", ""]
    else:
        lines += ["暂无文章。把存档文件放进 `raw/` 后重新构建即可。", ""]

    if sources:
        lines += ["## 主要来源", ""]
        for name, count in _by_count(sources)[:TOP_ON_HOME]:
            lines.append(f"- [{_shown(name)}](articles/sources.md#{source_anchors[name]}) · {count} 篇")
        lines += ["", "[全部来源 →](articles/sources.md)", ""]

    if entity_names:
        mentioned = Counter(e for s in ordered for e in dict.fromkeys(s.entities) if e in entity_names)
        if mentioned:
            lines += ["## 热门实体", ""]
            for entity_id, count in _by_count(mentioned)[:TOP_ON_HOME]:
                name = _shown(entity_names[entity_id]) or _shown(entity_id)
                lines.append(f"- [{name}](entities/{entity_id}.md) · {count} 篇")
            lines += ["", "[全部实体 →](entities/index.md)", ""]
    if any(s.tags for s in ordered):
        lines += ["[按标签浏览 →](articles/tags.md)", ""]
    return "\n".join(lines)


def index_parts(
    summaries: Sequence[Summary],
    *,
    page_size: int = 50,
    entity_names: Mapping[str, str] | None = None,
    entity_count: int = 0,
    site_title: str = SITE_TITLE,
    feed_paths: Mapping[str, str] | None = None,
    keys: Mapping[str, str] | None = None,
    ordered: bool = False,
) -> tuple[dict[str, str], list[Parts]]:
    """The index pages as a reduction: (the pages made every time: the home page, ``articles/index.md``,
    the sources list, each a small page or one pass over small records; the lists cut into parts: each month
    of the timeline, each source's pages, the tags page).  ``keys``: slug → the key naming the article's
    summary (:func:`~build_tools.archive.paging.listed_keys`); ``ordered``: the summaries are newest first
    already (:func:`~build_tools.archive.ordering.newest_first`).  The other arguments: :func:`index_pages`."""
    if page_size < 1:
        raise ValueError(f"page_size must be at least 1, got {page_size}")
    ordered = list(summaries) if ordered else newest_first(summaries)
    sources, source_passes, source_anchors = _sources_page(ordered, feed_paths, page_size, keys)
    pages = {"index.md": _home_page(ordered, source_anchors, entity_names, entity_count, site_title)}
    main, months = timeline_parts(ordered, page_size, keys)
    pages.update(main)
    pages["articles/sources.md"] = sources
    passes: list[Parts] = [(month_pages, months), *source_passes]
    tagged = [s for s in ordered if s.tags]
    if tagged:  # no tags anywhere: no empty "共 0 个标签" page
        passes.append((tags_page, {"tags": (listed_keys(tagged, keys), (tagged,))}))
    return pages, passes


def tags_page(tagged: list[Summary]) -> dict[str, str]:
    """``articles/tags.md`` from the articles that have tags, newest first."""
    return {"articles/tags.md": _tags_page(tagged)}


def index_pages(
    summaries: Sequence[Summary],
    *,
    page_size: int = 50,
    entity_names: Mapping[str, str] | None = None,
    entity_count: int = 0,
    site_title: str = SITE_TITLE,
    feed_paths: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """All generated index pages: docs-relative path -> Markdown text (every part of :func:`index_parts` made).

    ``entity_names`` maps entity id -> display name; with it the home page lists the
    most-mentioned entities, linking ``entities/<id>.md``.  ``entity_count`` is the
    number shown in the home page's counts (defaults to ``len(entity_names)``).  ``feed_paths``: each
    source's feed (:func:`~build_tools.archive.feed.source_feed_names`), when the caller kept them.
    """
    pages, passes = index_parts(summaries, page_size=page_size, entity_names=entity_names, entity_count=entity_count,
                                site_title=site_title, feed_paths=feed_paths)
    pages.update(every_part(passes))
    return pages
