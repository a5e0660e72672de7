"""Article → Markdown page with validated, deterministic YAML front matter; the raw dump as a page apart."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from build_tools.markup import dump_yaml, escape_inline
from build_tools.model import Article, Failure, Neighbour
from build_tools.stages.front_matter import checked, front_matter
from build_tools.stages.render.markdown import blocks_md

ADDED_LABEL = "收录于"
_ROLES = (("newer", "较新"), ("older", "较早"),
          ("source-newer", "同一来源 · 较新"), ("source-older", "同一来源 · 较早"))


def render_article(article: Article, entity_names: Mapping[str, str] | None = None,
                   raw_shown: str | None = None, raw_published: bool = False) -> str | Failure:
    data, _, fatal = checked(front_matter(article, raw_shown, raw_published))  # (metadata reported the drops)
    if fatal:
        return Failure(article.raw_path, "render", fatal)
    parts = ["---\n" + dump_yaml(data) + "---", "# " + escape_inline(article.meta.title)]
    parts.append(blocks_md(article.blocks))
    if article.entities and entity_names:
        names = [f"[{escape_inline(entity_names.get(e, e))}](../entities/{e}.md)" for e in article.entities]
        parts.append("**本文涉及：** " + "、".join(names) + "\n{ .article-entities }")
    if article.related:
        lines = ["## 相关文章", ""]
        for link in article.related:
            mark = " （同一事件的其他报道）" if link.role == "same-story" else ""
            lines.append(_line(link, own_source=article.meta.source) + mark)
        parts.append("\n".join(lines))
    parts.append(_neighbours(article.neighbours, article.meta.source))
    return "\n\n".join(p for p in parts if p) + "\n"


def when_shown(link: Neighbour) -> str:
    """The date a link shows: the article's own, else the day it was added, saying so."""
    if link.date:
        return escape_inline(link.date, line_start=False)
    return f"{ADDED_LABEL} {link.added}" if link.added else ""


def _line(link: Neighbour, label: str = "", own_source: str | None = None) -> str:
    """One link with its date, and its source when that is not this page's own (the page's header names
    that: repeated on every link it is the site's name again and again, page chrome)."""
    source = link.source if link.source and link.source != own_source else ""
    facts = [f for f in (when_shown(link), escape_inline(source, line_start=False)) if f]
    head = f"- {label}：" if label else "- "
    return head + f"[{escape_inline(link.title, line_start=False)}]({link.slug}.md)" + "".join(f" · {f}" for f in facts)


def _neighbours(links: tuple[Neighbour, ...], own_source: str | None = None) -> str:
    """The articles before and after this one, in the archive and within its source.  A neighbour in the
    archive that is also the neighbour within the source is listed once, as the source's."""
    by_role = {link.role: link for link in links}
    for role in ("newer", "older"):
        same = by_role.get("source-" + role)
        if same is not None and role in by_role and by_role[role].slug == same.slug:
            del by_role[role]
    lines = [_line(by_role[role], label, own_source) for role, label in _ROLES if role in by_role]
    if not lines:
        return ""
    return "\n".join(["## 继续阅读", "", *lines])


def raw_copy_html(article: Article) -> str:
    """The decoded dump as it was saved, for archives that publish raw copies: a page of its own, UTF-8
    declared, kept out of search engines, every character escaped (never parsed as HTML)."""
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", article.text)
    return ("<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"robots\" content=\"noindex, nofollow\">\n"
            "<meta name=\"referrer\" content=\"no-referrer\">\n"
            f"<title>原始存档 · {html.escape(article.raw_path)}</title>\n</head>\n<body>\n"
            f"<p>原始存档 <code>{html.escape(article.raw_path)}</code>（SHA-256 <code>{article.sha256}</code>），"
            "按保存时的样子原样呈现，未经清理。</p>\n"
            f"<pre style=\"white-space: pre-wrap\">{html.escape(text)}</pre>\n</body>\n</html>\n")
