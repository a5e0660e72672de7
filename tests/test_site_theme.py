"""The site layer: mkdocs.yml + theme/ + docs/assets build a sample docs tree cleanly.

Builds a small hand-made docs/ (index pages from build_tools.indexes, two articles,
one with hostile front matter) with the real mkdocs.yml and theme, in strict mode,
and checks the HTML: escaping, article header, meta tags, no third-party requests,
a small fixed nav.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from build_tools.archive.feed import feeds
from build_tools.archive.index_pages import index_pages
from build_tools.model import Slug, Summary

pytestmark = pytest.mark.slow  # mkdocs build --strict of a sample site

ROOT = Path(__file__).resolve().parent.parent

HOSTILE = """---
title: '<script>alert("t")</script> & "引号" 标题'
lang: zh-Hant
date: '2025-02-22'
captured: '2025-02-23T10:00:00+08:00'
source: '<img src=x onerror=alert(1)>'
platform: 微信公众号
authors: ['张三', '<b>李四</b>']
url: 'javascript:alert(1)'
summary: '摘要 "quoted" <i>html</i>'
tags: ['AI', '<script>x</script>']
raw: 'raw/"evil".txt'
sha256: 'abc'
---

# &lt;script&gt;alert("t")&lt;/script&gt; &amp; "引号" 标题

正文第一段。
"""

PLAIN = """---
title: 黄仁勋谈 AI 计算需求
lang: zh-Hans
date: '2025-02-21'
source: 澎湃新闻
platform: 网易号
authors: [王博]
editors: [李曦]
url: https://example.com/a?b=1&c=2
summary: 英伟达CEO黄仁勋称市场对DeepSeek带来的影响存在误解。
tags: [AI]
raw: raw/000.txt
sha256: d4773530e04c682ea9a2678097bb0519027598bd9aa948929601c58b5cd9e0fc
reading_minutes: 7
removed_blocks: 12
---

# 黄仁勋谈 AI 计算需求

## 小标题

正文。
"""


def _summaries() -> list[Summary]:
    common = {"raw_path": "raw/x.txt", "sha256": "0", "lang": "zh-Hans"}
    return [
        Summary(slug=Slug("plain"), title="黄仁勋谈 AI 计算需求", date="2025-02-21", source="澎湃新闻",
                tags=("AI",), **common),
        Summary(slug=Slug("hostile"), title='<script>alert("t")</script> & "引号" 标题', date="2025-02-22",
                source="<img src=x onerror=alert(1)>", tags=("AI", "<script>x</script>"), **common),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("site")
    docs = work / "docs"
    generated = {"articles", "entities", "index.md", "feed.xml"}  # written by the build, not in git
    shutil.copytree(
        ROOT / "docs",
        docs,
        ignore=lambda folder, names: generated & set(names) if Path(folder) == ROOT / "docs" else (),
    )
    (docs / "articles").mkdir()
    (docs / "entities").mkdir()
    (docs / "articles" / "plain.md").write_text(PLAIN, encoding="utf-8")
    (docs / "articles" / "hostile.md").write_text(HOSTILE, encoding="utf-8")
    (docs / "entities" / "index.md").write_text("# 实体\n", encoding="utf-8")
    pages = {**index_pages(_summaries(), page_size=1), **feeds(_summaries(), {}, site_url="https://example.test/archive/",
                                                              title="T")}
    for path, text in pages.items():
        (docs / path).parent.mkdir(parents=True, exist_ok=True)
        (docs / path).write_text(text, encoding="utf-8")

    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = re.sub(r"^docs_dir:.*$", f"docs_dir: {docs}", config, flags=re.M)
    config = re.sub(r"^site_dir:.*$", f"site_dir: {work / 'site'}", config, flags=re.M)
    config = re.sub(r"^(\s*)custom_dir:.*$", rf"\1custom_dir: {ROOT / 'theme'}", config, flags=re.M)
    (work / "mkdocs.yml").write_text(config, encoding="utf-8")

    env = {**os.environ, "SITE_URL": "https://example.test/archive/", "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(work / "mkdocs.yml")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    return work / "site"


def page(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def test_hostile_front_matter_is_escaped(site):
    html = page(site, "articles/hostile/index.html")
    for raw in ("<script>alert", "<img src=x", "<b>李四", "<i>html", "<script>x"):
        assert raw not in html, raw
    assert not re.search(r"""(href|src|content)=["']?\s*javascript:""", html, flags=re.I)
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt; &amp; &#34;引号&#34; 标题" in html  # <title>, header, og
    assert "查看原文" not in html  # a javascript: url gets no link


def test_article_header(site):
    html = page(site, "articles/plain/index.html")
    header = html[html.index('<header class="archive-meta"') : html.index("</header>", html.index("archive-meta"))]
    assert '<time datetime="2025-02-21">2025-02-21</time>' in header
    assert "澎湃新闻" in header and "王博" in header and "李曦" in header
    assert "约 7 分钟" in header
    assert 'href="https://example.com/a?b=1&amp;c=2"' in header
    assert "网易号" in header and "raw/000.txt" in header and "d4773530e04c" in header and ">12 块" in header
    assert html.index("</h1>") < html.index('<header class="archive-meta"') < html.index('<h2 id="小标题"')
    assert 'href="../sources/#澎湃新闻"' in header.replace("%E6%BE%8E%E6%B9%83%E6%96%B0%E9%97%BB", "澎湃新闻")
    assert '<div class="archive-article" lang="zh-Hans">' in html


def test_tag_and_source_links_land_on_their_sections(site):
    html = page(site, "articles/plain/index.html")
    tags = page(site, "articles/tags/index.html")
    sources = page(site, "articles/sources/index.html")
    assert 'href="../tags/#ai"' in html and 'id="ai"' in tags
    assert 'id="澎湃新闻"' in sources


@pytest.mark.parametrize(
    "path", ["index.html", "articles/index.html", "articles/plain/index.html", "about/index.html", "404.html"]
)
def test_every_page_has_meta_and_no_third_party_requests(site, path):
    html = page(site, path)
    assert '<meta name="referrer" content="no-referrer">' in html
    assert '<meta property="og:title"' in html and '<meta name="twitter:card" content="summary">' in html
    assert "fonts.googleapis.com" not in html and "fonts.gstatic.com" not in html
    for url in re.findall(r"""(?:src|href)=["'](https?://[^"']+)""", html):
        # Only links a reader clicks may leave the site; nothing is loaded from elsewhere.
        assert not re.search(r"\.(js|css|woff2?|ttf)(\?|$)", url), url
    assert "assets/stylesheets/archive.css" in html


def test_open_graph_for_an_article(site):
    html = page(site, "articles/plain/index.html")
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:url" content="https://example.test/archive/articles/plain/">' in html
    assert '<meta property="og:description" content="英伟达CEO黄仁勋称市场对DeepSeek带来的影响存在误解。">' in html
    assert '<meta name="description" content="英伟达CEO黄仁勋称市场对DeepSeek带来的影响存在误解。">' in html
    assert '<meta property="article:published_time" content="2025-02-21">' in html


def test_nav_is_small_and_fixed(site):
    html = page(site, "articles/plain/index.html")
    nav = html[html.index('<nav class="md-nav md-nav--primary"') :]
    nav = nav[: nav.index("</nav>")]
    labels = re.findall(r'<span class="md-ellipsis">\s*([^<]+?)\s*</span>', nav)
    # No 标签 item: most archives have no tags, and the page is linked from the home page when they do.
    assert labels == ["首页", "文章", "按来源", "实体", "关于本站"]
    assert "hostile" not in nav


def test_dev_pages_build_but_stay_out_of_the_nav(site):
    assert (site / "dev" / "index.html").exists()
    assert "dev/" not in page(site, "index.html").split('<nav class="md-nav md-nav--primary"')[1].split("</nav>")[0]


def test_404_page(site):
    html = page(site, "404.html")
    assert "页面不存在" in html


def test_pagination_pages_build(site):
    # Two articles of February at one a page: the month's newest, then the older one's, named by its article.
    assert (site / "articles" / "months" / "2025-02" / "plain" / "index.html").exists()
    html = page(site, "articles/months/2025-02/plain/index.html")
    assert '<a href="../">← 较新的文章</a> · 2025年2月 · 2025-02-21' in html
