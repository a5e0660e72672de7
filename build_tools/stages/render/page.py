"""Article → Markdown page with validated, deterministic YAML front matter."""

from __future__ import annotations

import re
from collections.abc import Mapping

from build_tools.markup import dump_yaml, escape_inline
from build_tools.model import Article, Failure
from build_tools.stages.front_matter import checked, front_matter
from build_tools.stages.render.markdown import blocks_md


def render_article(article: Article, entity_names: Mapping[str, str] | None = None,
                   raw_shown: str | None = None) -> str | Failure:
    data, _, fatal = checked(front_matter(article, raw_shown))  # (the metadata stage reported what is dropped)
    if fatal:
        return Failure(article.raw_path, "render", fatal)
    parts = ["---\n" + dump_yaml(data) + "---", "# " + escape_inline(article.meta.title)]
    parts.append(blocks_md(article.blocks))
    if article.entities and entity_names:
        names = [f"[{escape_inline(entity_names.get(e, e))}](../entities/{e}.md)" for e in article.entities]
        parts.append("**本文涉及：** " + "、".join(names) + "\n{ .article-entities }")
    if article.related:
        lines = ["## 相关文章", ""]
        for slug, title, same_story in article.related:
            mark = " （同一事件的其他报道）" if same_story else ""
            lines.append(f"- [{escape_inline(title)}]({slug}.md){mark}")
        parts.append("\n".join(lines))
    return "\n\n".join(p for p in parts if p) + "\n"


def raw_text_copy(article: Article) -> str:
    """The decoded dump, served as plain text: never parsed as HTML.

    It starts with a byte-order mark: static hosts often serve .txt without a charset,
    and browsers would then show UTF-8 Chinese as mojibake.
    """
    return "\ufeff" + re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", article.text)
