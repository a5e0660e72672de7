"""Render (build_tools/render.py, markdown_out.py): front matter that parses back, text that stays text."""

from __future__ import annotations

import re

import markdown
import pytest
from pymdownx.slugs import slugify

from build_tools.model import (
    Article,
    Code,
    CodeBlock,
    Emph,
    Figure,
    Heading,
    InlineImage,
    Link,
    ListBlock,
    Meta,
    Paragraph,
    Quote,
    Slug,
    Strong,
    Table,
    Text,
    Turn,
)
from build_tools.stages.front_matter import front_matter
from build_tools.stages.render.markdown import blocks_md
from build_tools.stages.render.page import render_article
from tests.pagetext import split_page

# The Markdown extensions of mkdocs.yml: pages are checked the way the site renders them.
EXTENSIONS = ["toc", "tables", "attr_list", "md_in_html", "admonition", "footnotes",
              "pymdownx.details", "pymdownx.superfences"]


def to_html(text: str) -> str:
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs={"toc": {"slugify": slugify(case="lower")}})
    return md.convert(text)


def make(*blocks, **meta) -> Article:
    meta.setdefault("title", "测试标题")
    return Article(raw_path="raw/test.txt", sha256="a" * 64, slug=Slug("test"), meta=Meta(**meta), blocks=blocks)


def page(*blocks, **meta) -> str:
    result = render_article(make(*blocks, **meta))
    assert isinstance(result, str), result
    return result


def blocks_html(*blocks) -> str:
    """HTML of the body blocks alone."""
    return to_html(blocks_md(blocks))


def body_html(*blocks, **meta) -> str:
    """HTML of the page body (front matter cut off, as MkDocs does)."""
    return to_html(split_page(page(*blocks, **meta))[1])


TITLES = [
    "黄仁勋首次回应DeepSeek冲击波:市场理解完全反了",
    "标题: 带冒号",
    "Prompt 制作方法：文字逻辑关系图",
    '他说"不"，又说\'是\'',
    "C# 与 #话题# 标签",
    "--- 三条横线 ---",
    "---",
    "- 以短横开头",
    "* 星号开头",
    "> 引用开头",
    "? 问号开头",
    "! 叹号 & 与号 % 百分号 @ at `反引号`",
    "{{ page.title }} 与 {% include 'x' %}",
    "[链接](javascript:alert(1))",
    "<script>alert('title')</script>",
    "key: value # 注释",
    "2025-01-27",
    "null",
    "yes",
    "1e3",
    "0x1F",
    "~",
    "  前后有空格  ",
    "第一行\n第二行",
    "反斜杠 \\ 与 \\n",
    "emoji 👆🌟 与全角　空格",
]


@pytest.mark.parametrize("title", TITLES)
def test_front_matter_parses_back_to_the_same_values(title):
    article = make(Paragraph((Text("正文。"),)), title=title, source=title[:100], authors=(title[:40],),
                   date="2025-01-27", url="https://example.com/a?b=1&c=2#d")
    front, _ = split_page(render_article(article))
    assert front == front_matter(article)
    assert front["title"] == title
    assert front["date"] == "2025-01-27" and isinstance(front["date"], str)


@pytest.mark.parametrize("title", TITLES)
def test_title_heading_shows_the_title_as_text(title):
    html = body_html(title=title)
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert h1, html[:300]
    visible = re.sub(r"<a class=\"headerlink\".*?</a>", "", h1.group(1))
    assert "<script" not in visible and "href" not in visible
    squash = lambda text: re.sub(r"\s+", " ", text).strip()  # noqa: E731
    assert squash(title) in squash(_unescape(visible))


def _unescape(html: str) -> str:
    import html as html_lib

    return html_lib.unescape(re.sub(r"<[^>]+>", "", html))


def test_front_matter_keys_in_fixed_order_and_only_set_values():
    article = make(Paragraph((Text("正文。"),)), title="T", date="2025-01-27", source="澎湃新闻",
                   authors=("王博", "王艺"), editors=("李曦",), url="https://example.com/a")
    front, _ = split_page(render_article(article))
    assert list(front) == ["title", "lang", "date", "source", "authors", "editors", "url", "raw", "sha256",
                           "entities", "reading_minutes", "removed_blocks", "removed_lines", "removed_rules"]


def test_an_invalid_optional_field_is_left_out_and_a_required_one_is_a_failure_naming_it():
    # Issue 12 item 3: a field error loses the field, not the article.
    rendered = page(Paragraph((Text("正文。"),)), url="javascript:alert(1)", source="长" * 101,
                    authors=("王博", "名" * 41))
    head = rendered.split("---")[1]
    assert "url:" not in head and "source:" not in head and "王博" in head and "名名" not in head
    result = render_article(make(Paragraph((Text("正文。"),)), lang="xx"))
    assert not isinstance(result, str)
    assert result.stage == "render" and "lang" in result.reason


SCRIPT = "<script>alert('x')</script>"


@pytest.mark.parametrize(
    "block",
    [
        pytest.param(Paragraph((Text(f"正文 {SCRIPT} 继续"),)), id="paragraph"),
        pytest.param(Heading(2, (Text(SCRIPT),)), id="heading"),
        pytest.param(Quote((Paragraph((Text(SCRIPT),)),)), id="quote"),
        pytest.param(ListBlock(False, ((Paragraph((Text(SCRIPT),)),),)), id="list"),
        pytest.param(Table(((Text(SCRIPT),),), (((Text("<img src=x onerror=alert(1)>"),),),)), id="table"),
        pytest.param(Figure("https://a.example/1.png", SCRIPT, (Text(SCRIPT),)), id="figure alt and caption"),
        pytest.param(Turn(SCRIPT, (Text(SCRIPT),), True), id="question turn"),
        pytest.param(Turn("黄仁勋", (Text(SCRIPT),), False), id="answer turn"),
        pytest.param(Paragraph((Strong((Text(SCRIPT),)), Code(SCRIPT))), id="strong and code"),
        pytest.param(Paragraph((Text('<iframe src="https://evil.example/"></iframe>'),)), id="iframe"),
        pytest.param(Paragraph((Text("<div markdown=\"1\">**x**</div>"),)), id="md_in_html div"),
        pytest.param(Paragraph((Text("<!-- 注释 --><style>body{display:none}</style>"),)), id="comment and style"),
    ],
)
def test_html_in_dump_text_is_shown_not_run(block):
    html = body_html(block)
    assert not re.search(r"<(script|iframe|style|img src=x|div markdown)", html), html
    assert "&lt;" in html


def test_code_block_content_stays_code():
    html = blocks_html(CodeBlock("```\n<script>alert(1)</script>\n```", "python"))
    assert "<script" not in html
    assert "```\n<script>alert(1)</script>\n```" in _unescape(html)


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "vbscript:msgbox(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "file:///etc/passwd",
    ],
)
def test_dangerous_links_are_dropped_text_kept(href):
    blocks = (
        Paragraph((Text("请"), Link(href, (Text("点这里"),)), Text("看。"))),
        Paragraph((InlineImage(href, "图"),)),
        Figure(href, "图", (Text("说明"),)),
    )
    md = page(*blocks)
    html = to_html(split_page(md)[1])
    assert "请点这里看。" in _unescape(html)
    for scheme in ("javascript", "vbscript", "data:", "file:"):
        assert scheme not in md.split("\n---\n", 1)[1].lower().replace("\t", "")
    assert not re.search(r"(href|src)=\"(?!https?://|\.\./|raw/|#)", html), html


S = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "inlines",
    [
        # a dropped link's bold beside a bold; an empty text, code span or unsafe image between two bolds
        (Emph((Link("javascript:alert(1)", (Strong((Text(S),)),)), Strong((Text(S),)))),
         Strong((Link("https://example.com/a", (Text("原文"),)),))),
        (Emph((Strong((Text(S),)), Text(""), Strong((Text(S),)))),
         Strong((InlineImage("https://example.com/i.png", ""),))),
        (Emph((Strong((Text(S),)), Code(""), Strong((Text(S),)))), InlineImage("https://example.com/i.png", "")),
        (Emph((Strong((Text(S),)), InlineImage("mailto:a@b.c", ""), Strong((Text(S),)))),
         Strong((Link("https://example.com/a", (Text("原文"),)),))),
        # bold code spans side by side once the bolds are one: their backticks must not run together
        (Strong((Code(S + "```html"),)), Text(""), Strong((Code(S),))),
    ],
)
def test_emphasis_runs_never_tangle(inlines):
    """Found by the fuzz test: "**a****b**" and its kin (bolds with nothing written between them) made
    Python-Markdown drop the attributes of a link or image after them and show "{ rel=… }" as text."""
    html = body_html(Paragraph(inlines))
    assert "<script" not in html and "{" not in html and "**" not in html, html
    for tag in re.findall(r"<a [^>]*>", html):
        assert 'rel="noopener noreferrer nofollow"' in tag, html
    for tag in re.findall(r"<img [^>]*>", html):
        assert 'referrerpolicy="no-referrer"' in tag, html


def test_safe_links_are_kept():
    html = body_html(Paragraph((Link("https://36kr.com/p/1?a=1&b=2", (Text("原文"),)),
                                Link("mailto:editor@example.com", (Text("来信"),)))))
    assert 'href="https://36kr.com/p/1?a=1&amp;b=2"' in html
    assert 'href="mailto:editor@example.com"' in html


@pytest.mark.parametrize(
    "text",
    [
        "{{ x }}",
        "{{ config.site_name }}",
        "{% include 'x.html' %}",
        "{# 注释 #}",
        "{ .evil onclick=alert(1) }",
        "{: #id }",
    ],
)
def test_template_and_attr_list_syntax_is_escaped(text):
    md = page(Paragraph((Text(f"正文 {text} 结尾"),)), Heading(2, (Text(text),)))
    body = split_page(md)[1]
    # nothing a template engine or attr_list would pick up: every brace from the dump is escaped
    assert text not in body
    assert not re.search(r"(?<!\\)\{(?:\{|%|#)", body)
    html = to_html(body)
    tags = re.findall(r"<[^>]+>", html)
    assert not [t for t in tags if re.search(r'\sonclick=|class="[^"]*evil|\sid="id"', t)]
    assert f"正文 {text} 结尾" in _unescape(html)  # the reader still sees the text as written


@pytest.mark.parametrize(
    "text",
    ["# 不是标题", "1. 不是列表", "2) 也不是", "- 不是列表", "+ 不是列表", "> 不是引用", "=== 不是标题下划线",
     "| 不是 | 表格 |", "*不是强调*", "_也不是_", "[不是链接](https://example.com)", "![不是图](https://x/1.png)",
     "`不是代码`", "\\ 反斜杠", "<https://example.com>", "    四个空格开头"],
)
def test_markdown_syntax_in_text_is_literal(text):
    html = blocks_html(Paragraph((Text(text),)))
    assert re.fullmatch(r"\s*<p>.*</p>\s*", html, re.S), html
    assert _unescape(html).strip() == text.strip()


def test_hard_break_and_emphasis_render():
    from build_tools.model import Break, Emph

    html = body_html(Paragraph((Text("第一行"), Break(), Strong((Text("粗"),)), Emph((Text("斜"),)))))
    assert "<br" in html and "<strong>粗</strong>" in html and "<em>斜</em>" in html


def test_turn_speaker_is_visible():
    html = body_html(Turn("主持人", (Text("你好吗？"),), True), Turn("黄仁勋", (Text("很好。"),), False))
    text = _unescape(html)
    assert "主持人：你好吗？" in text and "黄仁勋：" in text and "很好。" in text
    assert "qa-question" in html and "qa-answer" in html


def test_lost_image_caption_renders_without_an_image():
    html = body_html(Figure("", "", (Text("黄仁勋接受采访"),)))
    assert "<img" not in html and "黄仁勋接受采访" in html


def test_table_cells_with_pipes():
    html = body_html(Table(((Text("类型"),), (Text("a|b"),)), (((Text("面试"),), (Text("中|高"),)),)))
    assert "<table>" in html and "a|b" in html and "中|高" in html
