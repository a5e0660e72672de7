"""What readers get: the seeds built into a site (build step + `mkdocs build --strict`), checked in the HTML.

Home page with counts, latest articles, top entities and sources; timeline by month, sources and tags
indexes; per article a header (date, source, authors, original link), reading time, provenance panel
(platform, capture time, added date, sha256 of the raw file, junk removed and what the counts mean) and a
"查看清理记录" link to the provenance view (the raw dump is not published by default); a breadcrumb, related
articles with dates and sources, the neighbours by date and within the source; site-wide a footer with the
archive's counts and feeds; an Atom feed that parses cleanly, a sitemap, Open Graph/Twitter meta, a 404 page,
dark mode, print styles and system CJK fonts with no third-party web fonts.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

from build_tools.pipeline import build
from build_tools.runtime.emit import GENERATED
from build_tools.settings import Settings

pytestmark = pytest.mark.slow  # mkdocs build --strict of the seeds

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted(p for p in (ROOT / "raw").iterdir() if p.is_file())
SITE_URL = "https://example.org/archive/"
CORRECTED = "000_6b80b90a7abdcb64.txt"  # given a date, an author and a URL through overrides.yml
OVERRIDES = f"""\
{CORRECTED}:
  date: 2025-02-22
  authors: [王博]
  url: https://www.thepaper.cn/newsDetail_forward_30196524?from=a&b=1
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("site-pages")
    shutil.copytree(ROOT / "raw", tmp / "raw")
    shutil.copy(ROOT / "mkdocs.yml", tmp / "mkdocs.yml")
    shutil.copytree(ROOT / "theme", tmp / "theme")
    (tmp / "docs").mkdir()
    for item in (ROOT / "docs").iterdir():  # hand-written pages and assets, not generated output
        if item.name in GENERATED or item.name.startswith("."):
            continue
        (shutil.copytree if item.is_dir() else shutil.copy)(item, tmp / "docs" / item.name)
    (tmp / "overrides.yml").write_text(OVERRIDES, encoding="utf-8")
    settings = Settings(raw_dir=Path("raw"), docs_dir=Path("docs"), cache_dir=tmp / "cache", jobs=1,
                        entities_path=ROOT / "entities.yml", overrides_path=Path("overrides.yml"))
    with contextlib.chdir(tmp):
        report = build(settings)
    env = {**os.environ, "SITE_URL": SITE_URL, "NO_MKDOCS_2_WARNING": "1"}  # as the deploy workflow sets it
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    slugs = {Path(i.raw).name: i.slug for i in report.inputs if i.status == "ok"}
    assert set(slugs) == {p.name for p in SEEDS}, report.inputs
    return {"tmp": tmp, "site": tmp / "site", "slugs": slugs, "report": report}


def page(site: dict, path: str) -> str:
    file = site["site"] / path
    if file.is_dir() or not file.suffix:
        file = file / "index.html"
    return file.read_text(encoding="utf-8")


def article(site: dict, raw_name: str) -> str:
    return page(site, f"articles/{site['slugs'][raw_name]}/")


def content(html_text: str) -> str:
    found = re.search(r'<article class="md-content__inner[^"]*">(.*?)</article>', html_text, re.S)
    assert found
    return found.group(1)


def visible(html_text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", html_text))


def meta(html_text: str, key: str) -> str | None:
    found = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html_text)
    return html.unescape(found.group(1)) if found else None


# --- home and index pages -----------------------------------------------------------------


def test_home_page_counts_latest_top_entities_and_sources(site):
    home = content(page(site, "index.html"))
    text = re.sub(r"\s+", "", visible(home))
    assert re.search(r"本站收录5篇文章，4个来源，\d+个实体", text), text[:200]
    for heading in ("最新文章", "主要来源", "热门实体"):
        assert f">{heading}<" in home
    for slug in site["slugs"].values():
        assert f'href="articles/{slug}/"' in home
    assert 'href="entities/deepseek/"' in home
    assert 'href="articles/sources/#' in home


def test_timeline_is_grouped_by_month(site):
    timeline = content(page(site, "articles/"))
    assert re.search(r"<h2[^>]*>.*?2025年2月", timeline)  # the corrected date
    assert re.search(r"<h2[^>]*>.*?2025年1月", timeline)
    # Undated seeds are listed under the day their dump was added, saying so; nothing sinks to 日期未知.
    assert "日期未知" not in timeline and "收录于" in timeline
    assert 'href="months/2025-01/"' in timeline


def test_sources_index_with_feeds_and_no_empty_tags_page(site):
    sources = content(page(site, "articles/sources/"))
    for source in ("澎湃新闻", "半导体行业观察", "甲子光年"):
        assert re.search(rf'<h2 id="[^"]+">{source}', sources)
    feeds = re.findall(r'href="\.\./(feeds/[a-z0-9-]+\.xml)"', sources)
    assert len(feeds) == 4 and all((site["site"] / "articles" / f).is_file() for f in feeds)
    # No seed has tags: no "共 0 个标签" page, and no nav item leading to one.
    assert not (site["site"] / "articles" / "tags").exists()
    assert ">标签<" not in page(site, "index.html")


# --- article pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw_name", [p.name for p in SEEDS])
def test_article_header_reading_time_and_provenance(site, raw_name):
    body = content(article(site, raw_name))
    header = re.search(r'<header class="archive-meta".*?</header>', body, re.S)
    assert header, "no article header"
    header = header.group(0)
    assert re.search(r"约 \d+ 分钟", header), "no reading time"
    panel = re.search(r'<details class="archive-provenance">.*?</details>', header, re.S).group(0)
    digest = hashlib.sha256((ROOT / "raw" / raw_name).read_bytes()).hexdigest()
    assert digest in panel, "provenance must show the raw file's sha256"
    assert re.search(r"清理时删去</dt>\s*<dd>\d+ 块，在原始存档中共 \d+ 行", panel)
    assert "「块」是" in panel and "「行」是" in panel  # the counts are explained
    # Platform and capture time: the header panel shows them when known, the 存档信息 panel
    # under the article always (未知 when the dump does not say).
    assert re.search(r"平台(：)?</(dt|strong)>", body)
    assert re.search(r"(保存时间|抓取时间)(：)?</(dt|strong)>", body)


def test_a_full_header_has_date_source_authors_and_the_original(site):
    header = re.search(r'<header class="archive-meta".*?</header>', content(article(site, CORRECTED)), re.S).group(0)
    assert '<time datetime="2025-02-22">2025-02-22</time>' in header
    assert ">澎湃新闻</a>" in header and "王博" in header
    original = re.search(r'<a href="([^"]+)" rel="([^"]+)"[^>]*>查看原文</a>', header)
    assert original and html.unescape(original.group(1)).startswith("https://www.thepaper.cn/")
    assert "noopener" in original.group(2) and "nofollow" in original.group(2)


@pytest.mark.parametrize("raw_name", [p.name for p in SEEDS])
def test_provenance_view_replaces_the_raw_dump(site, raw_name):
    slug = site["slugs"][raw_name]
    body = content(article(site, raw_name))
    link = re.search(r'<a href="([^"]+)">查看清理记录</a>', body)
    assert link and link.group(1) == f"../provenance/{slug}/"
    assert "查看原始存档" not in body and not (site["site"] / "articles" / "raw").exists()
    view = page(site, f"articles/provenance/{slug}/")
    assert '<meta name="robots" content="noindex, nofollow">' in view
    digest = hashlib.sha256((ROOT / "raw" / raw_name).read_bytes()).hexdigest()
    shown = content(view)
    assert digest in shown and f"raw/{raw_name}" in shown
    assert "<details" in shown and "<details open" not in shown  # each rule's blocks collapsed
    assert re.search(r"删去：</strong> \d+ 块，在原始存档中共 \d+ 行，涉及 \d+ 条规则", shown)


@pytest.mark.parametrize("raw_name", [p.name for p in SEEDS])
def test_breadcrumb_neighbours_related_and_footer(site, raw_name):
    doc = article(site, raw_name)
    crumb = re.search(r'<nav class="archive-breadcrumb"[^>]*>(.*?)</nav>', doc, re.S).group(1)
    steps = re.findall(r'<a href="([^"]+)">([^<]+)</a>', crumb)
    assert [label for _, label in steps][:2] == ["首页", "文章"]
    assert re.fullmatch(r"\d{4}年\d{1,2}月", steps[2][1]) and steps[2][0].startswith("../months/")
    body = content(doc)
    assert re.search(r"<h2[^>]*>继续阅读", body)
    assert re.search(r"<li>(较新|较早)：<a href=\"\.\./[\w-]+/\">", body)
    related = re.search(r"<h2[^>]*>相关文章.*?</ul>", body, re.S)
    assert related and re.search(r"</a> · (收录于 )?\d{4}-\d{2}-\d{2}", related.group(0))
    footer = re.search(r'<div class="md-copyright archive-footer">(.*?)</div>', doc, re.S).group(1)
    # The counts only on the home page: every page would change with each new dump (incremental render).
    assert "篇文章</a>" not in footer and "feed.xml" in footer
    home = re.search(r'<div class="md-copyright archive-footer">(.*?)</div>', page(site, "index.html"), re.S).group(1)
    assert re.search(r"5 篇文章</a> ·\s*<a[^>]*>4 个来源</a>", home) and "feed.xml" in home


@pytest.mark.parametrize("raw_name", [p.name for p in SEEDS])
def test_open_graph_and_twitter_meta(site, raw_name):
    doc = article(site, raw_name)
    slug = site["slugs"][raw_name]
    title = re.search(r"<title>(.*?) - ", doc).group(1)
    assert meta(doc, "og:type") == "article"
    assert meta(doc, "og:title") == html.unescape(title)
    assert meta(doc, "og:url") == f"{SITE_URL}articles/{slug}/"
    assert meta(doc, "og:description")
    assert meta(doc, "og:locale") == "zh_CN"
    assert meta(doc, "twitter:card") == "summary"
    assert meta(doc, "twitter:title") == html.unescape(title)


# --- site-wide ------------------------------------------------------------------------------


def test_atom_feed_is_valid(site):
    raw = (site["site"] / "feed.xml").read_bytes()
    feed = feedparser.parse(raw)
    assert feed.bozo == 0, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert len(feed.entries) == len(SEEDS)
    assert b"1970" not in raw  # undated seeds carry the day they were added, not the epoch
    assert all(len(e.content[0].value) > 1000 for e in feed.entries)  # the full cleaned text, not a summary
    slugs = set(site["slugs"].values())
    assert {e.link.rstrip("/").rsplit("/", 1)[1] for e in feed.entries} == slugs
    assert 'type="application/atom+xml"' in page(site, "index.html")


def test_sitemap_lists_every_article(site):
    sitemap = (site["site"] / "sitemap.xml").read_text(encoding="utf-8")
    for slug in site["slugs"].values():
        assert f"<loc>{SITE_URL}articles/{slug}/</loc>" in sitemap


def test_404_page(site):
    missing = page(site, "404.html")
    assert "页面不存在" in missing and "返回首页" in missing


def test_dark_mode_toggle(site):
    home = page(site, "index.html")
    assert 'data-md-color-scheme="slate"' in home
    assert 'data-md-color-media="(prefers-color-scheme: dark)"' in home


def test_print_styles_and_system_cjk_fonts_without_web_fonts(site):
    css = (site["site"] / "assets" / "stylesheets" / "archive.css").read_text(encoding="utf-8")
    assert "@media print" in css
    for font in ("PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei"):
        assert font in css, font
    assert "@font-face" not in css
    home = page(site, "index.html")
    assert "assets/stylesheets/archive.css" in home
    for path in site["site"].rglob("*"):
        if path.suffix in (".html", ".css"):
            text = path.read_text(encoding="utf-8", errors="replace")
            assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, path


def test_pages_declare_chinese(site):
    assert re.search(r'<html lang="zh', page(site, "index.html"))
    assert 'lang="zh-Hant"' in article(site, "002_47f831a57ae4808f.txt")
