"""The provenance view of one article (``articles/provenance/<slug>.md``): what the site shows instead of
the raw dump.

It names the dump and its SHA-256 (anyone holding the file can check it is the one we cleaned), says how
the counts are meant, and lists what the cleaner removed grouped by the rule that removed it, each group
collapsed, each block cut to a short excerpt.  Excerpts only: a dump can open with pages of spam or a
portal's whole front page, and republishing that is what this view replaces.  Every excerpt is dump text,
escaped like the article's own body; the page is kept out of search engines and out of site search.
"""

from __future__ import annotations

from collections import defaultdict

from build_tools.markup import dump_yaml, escape_inline
from build_tools.model import Article, Removed

EXCERPT_CHARS = 60
LISTED_PER_RULE = 50
# Why a rule removes a block, in the reader's words.  A rule not listed is shown by its name.
REASONS = {
    "head:breadcrumb": "面包屑导航",
    "head:above-title": "标题上方的页面杂项（导航、频道名等）",
    "head:title": "与标题重复的行",
    "head:byline": "标题下的作者、来源行（已记入文章信息）",
    "head:date": "标题下的日期（已记入文章信息）",
    "head:dateline": "标题下的日期行（已记入文章信息）",
    "head:author-card": "作者卡片",
    "head:placeholder": "占位文字",
    "head:image": "标题处的装饰图片",
    "tail:after-end": "文章结束标记（相关推荐、往期回顾、免责声明等）之后的全部内容",
    "tail:byline": "文末的署名、编辑行（已记入文章信息）",
    "tail:image": "文末的装饰图片、二维码",
    "tail-editor": "文末的责任编辑行",
    "account-card": "公众号账号卡片",
    "junk-line": "页面杂项（计数、分享按钮、提示语等）",
    "junk-line:image": "装饰图片、动图、二维码",
    "link-list": "成串的链接列表",
    "menu": "菜单",
    "outside-main-region": "正文区域以外的文字（文本存档中远离正文的行）",
    "repeated-line": "页内重复的行",
    "spam": "垃圾内容（与文章无关的广告、SEO 文字）",
    "timestamp-run": "带时间戳的相关文章列表",
    "title-repeat": "重复的标题",
    "cross-dump": "多个存档共有的行（整站共用的页面杂项）",
}


def reason(rule: str) -> str:
    """The reader's explanation of ``rule`` (``portal:<name>``: a rule written for that site)."""
    if rule in REASONS:
        return REASONS[rule]
    if rule.startswith("portal:"):
        return f"该网站特有的页面杂项（规则 {rule[len('portal:'):]}）"
    if rule.startswith("editor"):
        return "编辑手动删除"
    return f"规则 {rule}"


def _excerpt(text: str) -> str:
    one_line = " ".join(text.split())
    cut = one_line[:EXCERPT_CHARS] + ("…" if len(one_line) > EXCERPT_CHARS else "")
    return escape_inline(cut, line_start=False)


def _lines(removed: Removed) -> int:
    return 1 + removed.text.strip().count("\n")


def provenance_page(article: Article, raw_published: bool = False, raw_shown: str | None = None) -> str:
    """The Markdown of the article's provenance view."""
    slug, title = article.slug, escape_inline(article.meta.title, line_start=False)
    by_rule: dict[str, list[Removed]] = defaultdict(list)
    for r in article.removed:
        by_rule[r.rule].append(r)
    blocks, lines = len(article.removed), sum(_lines(r) for r in article.removed)
    front = {"title": f"来源与清理记录 · {article.meta.title}", "provenance_of": str(slug)}
    out = ["---\n" + dump_yaml(front) + "---", "# 来源与清理记录",
           f"[← 返回文章《{title}》](../{slug}.md)",
           "本站展示的是清理后的文章。这一页说明它从哪个原始存档得来、删去了什么、为什么删去。"
           "原始存档本身" + ("另附原样副本（不供搜索引擎收录）。" if raw_published else
                       "默认不公开：它常带有整页的导航、推荐列表、广告甚至垃圾内容。"),
           "\n".join([
               f"- **原始文件：** {escape_inline(raw_shown or article.raw_path, line_start=False)}",
               f"- **SHA-256：** `{article.sha256}`（可用 `sha256sum` 核对手中的文件是否就是这一份）",
               f"- **编码 · 格式：** {escape_inline(article.encoding or '未知', line_start=False)} · "
               f"{escape_inline(article.format or '未知', line_start=False)}",
               f"- **删去：** {blocks} 块，在原始存档中共 {lines} 行，涉及 {len(by_rule)} 条规则",
           ])]
    if raw_published:
        out.append(f"[查看原样副本](../raw/{slug}.html)")
    out.append("「块」是存档读取后的一个单位：一段文字、一个标题、一条列表项或一张图；"
               "「行」是这些块在原始存档里占的行数，一块可能有好几行（例如一整段被删去的推荐列表）。")
    if not by_rule:
        out.append("清理时没有删去任何内容。")
        return "\n\n".join(out) + "\n"
    out.append("## 删去的内容")
    out.append("按规则分组，点开查看每一块的开头（最多显示前 60 个字）。")
    for rule, members in sorted(by_rule.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        heading = f"{reason(rule)}（{rule}）：{len(members)} 块，{sum(_lines(r) for r in members)} 行"
        body = [f"    {n}. {_excerpt(r.text) or '（图片或空行）'}" for n, r in enumerate(members[:LISTED_PER_RULE], 1)]
        if len(members) > LISTED_PER_RULE:
            body.append(f"\n    另有 {len(members) - LISTED_PER_RULE} 块未列出。")
        out.append(f'??? note "{_quoted(heading)}"\n\n' + "\n".join(body))
    return "\n\n".join(out) + "\n"


def _quoted(text: str) -> str:
    """Text for a details title in double quotes: our reasons and rule names, never dump text."""
    return text.replace("\\", "").replace('"', "“")
