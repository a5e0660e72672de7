"""Index pages (archive/index_pages.py), the Atom feed (archive/feed.py) and their order (archive/ordering.py)."""

from __future__ import annotations

import posixpath
import random
import re
from html import escape as _escape
from html import unescape
from html.parser import HTMLParser

import feedparser
import markdown
import pytest

from build_tools.archive.feed import feed_xml
from build_tools.archive.index_pages import anchor, index_pages
from build_tools.archive.ordering import given_date, newest_first
from build_tools.archive.paging import page_lengths
from build_tools.markup import escape_line
from build_tools.model import Slug, Summary

# The rules of escape_line each kind of page uses.
PAGE_RULES = {"index": {"escape_every_hash": True}, "entity": {"braces_as_references": True}}

# The extensions of mkdocs.yml, so the Markdown is checked the way the site renders it.
EXTENSIONS = [
    "toc",
    "tables",
    "attr_list",
    "md_in_html",
    "admonition",
    "footnotes",
    "pymdownx.details",
    "pymdownx.superfences",
]


def escape_html(text: str) -> str:
    return _escape(text, quote=False)


def render(text: str) -> str:
    from pymdownx.slugs import slugify

    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs={"toc": {"slugify": slugify(case="lower")}})
    return md.convert(text)


def summary(slug: str, date: str | None = None, **kw) -> Summary:
    kw.setdefault("title", f"标题 {slug}")
    return Summary(slug=Slug(slug), raw_path=f"raw/{slug}.txt", sha256="0" * 64, lang="zh-Hans", date=date, **kw)


def dated(n: int) -> list[Summary]:
    """n articles, one a day going back from 2025-03-31, over several months."""
    import datetime as dt

    start = dt.date(2025, 3, 31)
    return [summary(f"a{i:04d}", (start - dt.timedelta(days=i)).isoformat()) for i in range(n)]


class Links(HTMLParser):
    """Collects <a href> with their text, and every id."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.tags: list[str] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a":
            self._href, self._text = attrs.get("href"), []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text)))
            self._href = None


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def timeline(pages: dict[str, str]) -> list[str]:
    """The timeline's pages in reading order: articles/index.md (the newest), then the month pages from the
    newest month on, each month's newest page then its older ones, following each page's
    "较旧的文章" link (the chain must visit every month page exactly once)."""
    months = sorted(p for p in pages if p.startswith("articles/months/"))
    if not months:
        return ["articles/index.md"]
    first = re.search(r"^## \[[^\]]+\]\((months/[^)]+)\)$", pages["articles/index.md"], flags=re.M)
    order, path = ["articles/index.md"], "articles/" + first.group(1)
    while path is not None:
        assert path in pages and path not in order, path
        order.append(path)
        older = re.search(r"\[较旧的文章 →\]\(([^)]+)\)", pages[path])
        path = posixpath.normpath(posixpath.join(posixpath.dirname(path), older.group(1))) if older else None
    assert sorted(order[1:]) == months, "a month page out of the chain"
    return order


# --- escaping -------------------------------------------------------------------------------------


NASTY = [
    "普通标题",
    "[链接](x)",
    "*强调* _下划线_ **粗**",
    "<script>alert(1)</script>",
    "A & B &amp; &#x41;",
    "`code`",
    "C# | F#",
    "{: .cls}",
    "![img](x.png)",
    "脚注[^1]",
    "back\\slash \\[x\\]",
    "- 列表开头",
    "1. 数字开头",
    "# 井号开头",
    "以 # 结尾 #",
    "> 引用开头",
    "{{ jinja }} {% raw %}",
]


@pytest.mark.parametrize("rules", PAGE_RULES.values(), ids=PAGE_RULES)
@pytest.mark.parametrize("text", NASTY)
def test_escape_line_renders_literally(text, rules):
    """In a link, a list item and a heading with an id, the escaped text shows exactly as written."""
    e = escape_line(text, **rules)
    html = render(f"- [{e}](x.md)\n\n{e}\n\n- {e}\n\n## {e} {{#h}}\n")
    parsed = parse(html)
    assert parsed.links == [("x.md", text)]
    assert parsed.tags == ["ul", "li", "a", "p", "ul", "li", "h2"], html
    shown = unescape(html)  # the text as a reader sees it (tags are checked above)
    assert f"<p>{text}</p>" in shown
    assert f"<li>{text}</li>" in shown
    assert f'<h2 id="h">{text}</h2>' in shown


@pytest.mark.parametrize(
    ("text", "expected"),
    [("两行\n标题\t 合并", "两行 标题 合并"), ("  前后空白  ", "前后空白"), ("\n", "")],
)
def test_escape_line_collapses_whitespace(text, expected):
    for rules in PAGE_RULES.values():
        assert escape_line(text, **rules) == expected


@pytest.mark.parametrize(
    "title",
    [
        "[链接](http://evil.example)",
        "*星号* 和 _下划线_ 和 **粗体**",
        "<b>粗</b> <img src=x onerror=alert(1)>",
        "AT&T &amp; 实体 &#x41;",
        "`反引号` 与 {: #id } 与 [^1]",
        "C++ / C# | 管道",
        "以 # 结尾 #",
        "\\[已转义\\]",
    ],
)
def test_titles_render_literally(title):
    """Whatever the title holds, the rendered link text is exactly the title, and nothing else happens."""
    pages = index_pages([summary("x", "2025-02-22", title=title, source=title, tags=(title,))])
    plain = index_pages([summary("x", "2025-02-22", title="plain", source="plain", tags=("plain",))])
    source_page = next(p for p in pages if p.startswith("articles/sources/"))
    plain_source_page = next(p for p in plain if p.startswith("articles/sources/"))
    for path, plain_path in [("index.md",) * 2, ("articles/index.md",) * 2, ("articles/tags.md",) * 2,
                             (source_page, plain_source_page)]:
        html = render(pages[path])
        parsed = parse(html)
        article_links = [text for href, text in parsed.links if href in ("x.md", "articles/x.md", "../x.md")]
        assert article_links, path
        assert all(text == title for text in article_links), (path, article_links)
        # Same elements as with a plain title: the title added no markup.
        assert parsed.tags == parse(render(plain[plain_path])).tags, (path, html)
    assert parse(render(pages["articles/sources.md"])).tags == parse(render(plain["articles/sources.md"])).tags


# --- anchors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("澎湃新闻", "澎湃新闻"),
        ("36氪", "36氪"),
        ("DeepSeek R1", "deepseek-r1"),
        ("  IT之家 ", "it之家"),
        ("C++", "c"),
        ("snake_case 名", "snakecase-名"),
        ("Open[AI] (美国)", "openai-美国"),
        ("\\[已转义\\]", "已转义"),
        ('a{b}="c"#', "abc"),
        ("{}", ""),
    ],
)
def test_anchor(name, expected):
    assert anchor(name) == expected


@pytest.mark.parametrize("name", ["澎湃新闻", "DeepSeek R1", "IT之家", "人工智能", "AI"])
def test_anchor_matches_the_template_rule(name):
    """theme/partials/article-header.html: name | lower | trim | replace(" ", "-")."""
    import jinja2

    rule = jinja2.Environment().from_string('{{ name | string | lower | trim | replace(" ", "-") }}')
    assert rule.render(name=name) == anchor(name)


def test_every_anchor_link_resolves():
    items = [
        summary("a", "2025-01-01", source="澎湃新闻", tags=("AI", "人工智能")),
        summary("b", "2025-01-02", source="C++", tags=("c++", "C++ ")),
        summary("c", None, source="{}", tags=("{}", "##")),
        summary("d", "2024-12-01", source="按来源浏览"),
        summary("e", "2024-11-01"),
    ]
    pages = index_pages(items)
    rendered = {path: parse(render(text)) for path, text in pages.items()}
    for path, parsed in rendered.items():
        for href, _ in parsed.links:
            if "#" not in href or href.startswith("http"):
                continue
            target, frag = href.split("#", 1)
            if not target:
                target = path
            elif path.startswith("articles/"):
                target = "articles/" + target
            assert frag in rendered[target].ids, (path, href)


# --- timeline and pagination ----------------------------------------------------------------------


def _listed(text: str) -> list[str]:
    return re.findall(r"^- \[[^\n]*\]\((?:\.\./)*(a\d{4})\.md\)", text, flags=re.M)


@pytest.mark.parametrize(("n", "page_size"), [(0, 50), (1, 50), (49, 50), (50, 50), (51, 50), (100, 50),
                                              (101, 50), (7, 1), (90, 20)])
def test_the_timeline_is_its_newest_page_then_the_month_pages(n, page_size):
    """articles/index.md holds the newest page_size articles; the archive is the month pages, every month complete,
    a month of more than page_size cut from its oldest article; read in order every article comes once."""
    items = dated(n)
    pages = index_pages(items, page_size=page_size)
    order = timeline(pages)
    assert _listed(pages["articles/index.md"]) == [s.slug for s in items[:page_size]]
    seen: list[str] = []
    for k, path in enumerate(order[1:], start=1):
        text = pages[path]
        assert 1 <= len(_listed(text)) <= page_size
        seen += _listed(text)
        newer = re.search(r"\[← 较新的文章\]\(([^)]+)\)", text).group(1)
        assert posixpath.normpath(posixpath.join(posixpath.dirname(path), newer)) == order[k - 1]
        m = re.fullmatch(r"articles/months/(\d{4}-\d{2})(?:/(a\d{4}))?\.md", path)  # older pages: their oldest
        assert m, path
        assert ("共" in text) == (m.group(2) is None)  # a month's own count, on its own page only
        assert m.group(2) in (None, _listed(text)[-1])
    assert seen == [s.slug for s in items]  # newest first, every article exactly once
    assert "共" not in pages["articles/index.md"]  # no total: a new old article leaves the page alone
    if n == 0:
        assert "暂无文章" in pages["articles/index.md"]
    if n > page_size:
        older = re.search(r"\[较旧的文章 →\]\(([^)]+)\)", pages["articles/index.md"]).group(1)
        assert items[page_size].slug in _listed(pages["articles/" + older])  # the next article, where it goes on


def test_a_month_of_more_than_a_page_is_cut_into_pages_numbered_from_its_oldest():
    items = [summary(f"a{i:04d}", f"2025-03-{1 + i // 4:02d}") for i in range(120)]  # 120 in March, newest last
    pages = index_pages(items, page_size=50)
    ordered = [s.slug for s in newest_first(items)]
    lengths = page_lengths(ordered[::-1], 50)  # oldest page first
    assert len(lengths) > 2
    ends = [sum(lengths[::-1][: k + 1]) for k in range(len(lengths))]  # newest first: where each page ends
    paths = ["articles/months/2025-03.md"] + [f"articles/months/2025-03/{ordered[end - 1]}.md" for end in ends[1:]]
    assert {p for p in pages if p.startswith("articles/months/")} == set(paths)
    assert [slug for p in paths for slug in _listed(pages[p])] == ordered
    assert [len(_listed(pages[p])) for p in paths] == lengths[::-1]
    assert "本月共 120 篇" in pages["articles/months/2025-03.md"]
    assert "共" not in pages[paths[-1]] and "# 2025年3月 · 2025-03-01 至 " in pages[paths[-1]]


def _changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


@pytest.mark.parametrize("page_size", [1, 3, 50])
def test_a_new_article_changes_only_the_newest_page_and_its_month(page_size):
    """Adding the newest article rewrites articles/index.md and its month's pages; when the month starts its
    second page, the newer-link of the month before it follows.  Every other page keeps its bytes."""
    for n in range(0, 3 * page_size + 2):
        before = index_pages(dated(n + 1)[1:], page_size=page_size)  # the same articles, the newest missing
        after = index_pages(dated(n + 1), page_size=page_size)
        changed = {p for p in _changed(before, after) if p.startswith("articles/") and "sources" not in p}
        month = "articles/months/2025-03"
        allowed = {"articles/index.md", f"{month}.md"} | {p for p in after if p.startswith(month + "/")}
        allowed |= {"articles/months/2025-02.md"} if n % page_size == 0 else set()  # its newer-link
        assert changed <= allowed, (n, sorted(changed - allowed))
        assert "articles/index.md" in changed


@pytest.mark.parametrize("day", ["2024-11-02", "2024-11-15", "2024-11-30", "2024-09-01", "2024-12-31"])
def test_an_article_dated_among_old_ones_changes_only_its_months_pages(day):
    """Issue 15: one added dump dated in the middle of the archive used to shift every archived timeline page newer
    than it (the pages were numbered from the oldest article of the archive).  Now only its month's pages change,
    and of those only the ones from its place up (numbered from the oldest article of the month)."""
    import datetime as dt

    start = dt.date(2025, 3, 31)  # two a day for 240 days: months of ~60, each cut in two
    items = [summary(f"a{i:04d}", (start - dt.timedelta(days=i // 2)).isoformat()) for i in range(480)]
    before = index_pages(items, page_size=50)
    after = index_pages([*items, summary("a9999", day)], page_size=50)
    # They have no source: the source "unknown", archived by year.
    month, source = f"articles/months/{day[:7]}", f"articles/sources/unknown/{day[:4]}"
    outside = {p for p in _changed(before, after) if not p.startswith((month, source))}
    # And the page before the month's oldest, whose pager may now link a page of a new name: one per list.
    pagers = outside - {"index.md", "articles/sources.md"}
    assert len(pagers) <= 2 and all(re.fullmatch(r"articles/(months|sources/unknown)/[\d-]+\.md", p) for p in pagers)
    assert len(_changed(before, after) - outside) <= 6  # a page or a few, in the timeline and the source
    assert f"{month}.md" in _changed(before, after)  # the month counts its own articles
    assert "articles/index.md" not in _changed(before, after)


def test_page_size_must_be_positive():
    with pytest.raises(ValueError):
        index_pages([], page_size=0)


def test_months_group_newest_first():
    text = index_pages(dated(70), page_size=100)["articles/index.md"]
    headings = re.findall(r"^## \[(.+)\]\(months/[\d-]+\.md\)$", text, flags=re.M)
    assert headings == ["2025年3月", "2025年2月", "2025年1月"]


@pytest.mark.parametrize(
    ("dates", "order"),
    [
        # (slug -> date), expected slug order
        ({"b": "2025-02-22", "a": "2025-02-22", "c": "2025-03-01"}, ["c", "a", "b"]),
        ({"z": None, "a": None, "m": "2020-01-01"}, ["m", "a", "z"]),
        ({"x": "", "y": "not a date", "w": "2024-05-06"}, ["w", "x", "y"]),
        ({"p": "2025-02", "q": "2025-02-28", "r": "2025"}, ["q", "p", "r"]),
    ],
)
def test_order(dates, order):
    items = [summary(slug, date) for slug, date in dates.items()]
    assert [s.slug for s in newest_first(items)] == order


@pytest.mark.parametrize(
    ("dates", "order"),
    [
        # entity pages: any date string counts, sorted as text; ties by slug
        ({"b": "2025-02-22", "a": "2025-02-22", "c": "2025-03-01"}, ["c", "a", "b"]),
        ({"z": None, "a": None, "m": "2020-01-01"}, ["m", "a", "z"]),
        ({"x": "", "y": "not a date", "w": "2024-05-06"}, ["y", "w", "x"]),
        ({"p": "2025-02", "q": "2025-02-28", "r": "2025"}, ["q", "p", "r"]),
    ],
)
def test_order_by_given_date(dates, order):
    items = [summary(slug, date) for slug, date in dates.items()]
    assert [s.slug for s in newest_first(items, date=given_date)] == order


def test_undated_last():
    """Only an article with neither a date nor an added day (a caller that gives none) is listed last."""
    items = [
        summary("u1", None),
        summary("d1", "2025-01-05"),
        summary("u0", None),
        summary("d2", "2023-07-01"),
    ]
    pages = index_pages(items, page_size=1)
    assert timeline(pages) == ["articles/index.md", "articles/months/2025-01.md", "articles/months/2023-07.md",
                               "articles/months/undated.md", "articles/months/undated/u1.md"]
    assert "(../u0.md)" in pages["articles/months/undated.md"]
    assert "(../../u1.md)" in pages["articles/months/undated/u1.md"]
    assert "[日期未知](months/undated.md)" in pages["articles/index.md"]  # the months line ends with them


def test_article_line_format():
    pages = index_pages([summary("x", "2025-02-22", title="标题", source="澎湃新闻")])
    assert "- [标题](x.md) · 2025-02-22 · 澎湃新闻" in pages["articles/index.md"].splitlines()
    assert "- [标题](articles/x.md) · 2025-02-22 · 澎湃新闻" in pages["index.md"].splitlines()
    no_date = index_pages([summary("y", None, title="标题", source=None)])
    assert "- [标题](y.md)" in no_date["articles/index.md"].splitlines()


def test_deterministic_whatever_the_input_order():
    items = dated(30) + [summary(f"u{i}", None, source=f"源{i % 3}", tags=(f"t{i % 2}",)) for i in range(10)]
    expected = index_pages(items, page_size=7)
    for seed in range(5):
        shuffled = items[:]
        random.Random(seed).shuffle(shuffled)
        assert index_pages(shuffled, page_size=7) == expected
        assert feed_xml(shuffled, site_url="https://e.test/", title="T") == feed_xml(
            items, site_url="https://e.test/", title="T"
        )


# --- home, sources, tags --------------------------------------------------------------------------


def test_home_page():
    items = [summary(f"s{i:02d}", f"2025-01-{i + 1:02d}", source="甲" if i % 3 else "乙") for i in range(12)]
    items[0] = summary("s00", "2025-01-01", source="乙", entities=("nvidia", "openai", "ghost"))
    items[1] = summary("s01", "2025-01-02", source="甲", entities=("nvidia",))
    home = index_pages(items, entity_names={"nvidia": "英伟达", "openai": "Open[AI]"}, entity_count=42)["index.md"]
    assert "**12** 篇文章" in home and "**2** 个来源" in home and "**42** 个实体" in home
    latest = re.findall(r"^- \[[^\n]*\]\(articles/(s\d+)\.md\)", home, flags=re.M)
    assert latest == [f"s{i:02d}" for i in range(11, 1, -1)]  # the 10 newest
    assert "- [甲](articles/sources.md#甲) · 8 篇" in home
    assert "- [英伟达](entities/nvidia.md) · 2 篇" in home
    assert r"- [Open\[AI\]](entities/openai.md) · 1 篇" in home
    assert "ghost" not in home  # unknown entity ids are not linked
    assert home.index("英伟达") < home.index("Open")


def test_home_without_entities():
    home = index_pages([summary("a", "2025-01-01")])["index.md"]
    assert "实体" not in home.split("\n")[2]
    assert "热门实体" not in home


def test_sources_page_counts_and_unknown_last():
    items = [
        summary("a", "2025-01-01", source="乙"),
        summary("b", "2025-01-02", source="甲"),
        summary("c", "2025-01-03", source="甲"),
        summary("d", None, source=None),
    ]
    pages = index_pages(items)
    text = pages["articles/sources.md"]
    assert re.findall(r"^## (.+)$", text, flags=re.M) == ["甲 {#甲}", "乙 {#乙}", "来源未知 {#来源未知}"]
    section = text.split("## 甲 {#甲}")[1].split("## ")[0]
    assert "共 2 篇" in section
    page = re.search(r"\(sources/([^)]+\.md)\)", section).group(1)
    assert re.findall(r"\((?:\.\./)?(\w)\.md\)", pages[f"articles/sources/{page}"]) == ["c", "b"]
    assert "(sources/unknown.md)" in text and "(../d.md)" in pages["articles/sources/unknown.md"]


def test_tags_page():
    items = [
        summary("a", "2025-01-01", tags=("AI", "芯片")),
        summary("b", "2025-01-02", tags=("AI", "AI")),
        summary("c", None),
    ]
    text = index_pages(items)["articles/tags.md"]
    assert re.findall(r"^## (.+)$", text, flags=re.M) == ["AI {#ai}", "芯片 {#芯片}"]
    assert "- [AI](#ai) · 2 篇" in text
    assert "(c.md)" not in text


# --- feed -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "limit"), [(0, 50), (3, 50), (60, 50), (5, 2), (5, 0)])
def test_feed_parses_and_has_the_entries(n, limit):
    items = dated(n)
    xml = feed_xml(items, site_url="https://example.test/archive", title="中文文章存档", limit=limit)
    feed = feedparser.parse(xml)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "中文文章存档"
    assert len(feed.entries) == min(n, limit)
    for entry, item in zip(feed.entries, items[:limit], strict=True):
        assert entry.title == item.title
        assert entry.link == f"https://example.test/archive/articles/{item.slug}/"
        assert entry.id == entry.link
        assert entry.updated.startswith(item.date)
    # no entry, no date to give: the feed says nothing rather than 1970
    assert feed.feed.get("updated") == (f"{items[0].date}T00:00:00Z" if items and limit else None)


def test_feed_escapes_and_strips_control_characters():
    items = [
        summary(
            "x",
            "2025-02-22",
            title="<b>粗</b> & \x07铃",
            authors=("张三", "李四"),
            tags=("AI",),
            source="澎湃新闻",
            summary="摘要 <i>",
            url="https://example.com/a?b=1&c=2",
        ),
        summary("y", None, title="无日期", url="javascript:alert(1)", added="2025-01-01"),
    ]
    xml = feed_xml(items, site_url="https://example.test/", title="T")
    feed = feedparser.parse(xml)
    assert not feed.bozo
    first, second = feed.entries
    assert first.title == "<b>粗</b> & 铃"
    assert [a.name for a in first.authors] == ["张三", "李四"]
    assert {t.term for t in first.tags} == {"AI", "澎湃新闻"}
    assert first.summary == "摘要 <i>"
    assert any(link.href == "https://example.com/a?b=1&c=2" for link in first.links)
    assert second.updated == "2025-01-01T00:00:00Z"  # the day it was added, never 1970
    assert all("javascript" not in link.href for link in second.links)
    assert "\x07" not in xml
