"""What readers get: the seeds built into a site (build step + `mkdocs build --strict`), checked in the HTML.

Home page with counts, latest articles, top entities and sources; timeline by month, sources and tags
indexes; per article a header (date, source, authors, original link), reading time, provenance panel
(platform, capture time, sha256 of the raw file, junk removed) and a "查看原始存档" link to the dump as
plain text; site-wide an Atom feed that parses cleanly, a sitemap, Open Graph/Twitter meta, a 404 page,
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
    shutil.copytree(ROOT / "overrides", tmp / "overrides")
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
    assert re.search(r"<h2[^>]*>2025年2月", timeline)  # the corrected date
    assert re.search(r"<h2[^>]*>2025年1月", timeline)
    assert re.search(r"<h2[^>]*>日期未知", timeline)
    assert timeline.index("2025年2月") < timeline.index("2025年1月") < timeline.index("日期未知")


def test_sources_and_tags_indexes(site):
    sources = content(page(site, "articles/sources/"))
    for source in ("澎湃新闻", "半导体行业观察", "甲子光年"):
        assert re.search(rf'<h2 id="[^"]+">{source}', sources)
    tags = page(site, "articles/tags/")
    assert "<h1" in tags and "标签" in tags


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
    assert re.search(r"清理掉的段落</dt><dd>\d+</dd>", panel)
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
def test_view_raw_dump_link_serves_the_dump_as_plain_text(site, raw_name):
    slug = site["slugs"][raw_name]
    body = content(article(site, raw_name))
    link = re.search(r'<a href="([^"]+)">[^<]*</a>（查看原始存档）|<a href="([^"]+)"[^>]*>查看原始存档</a>', body)
    assert link, "no 查看原始存档 link"
    href = link.group(1) or link.group(2)
    assert href == f"../raw/{slug}.txt"
    served = site["site"] / "articles" / "raw" / f"{slug}.txt"
    assert served.is_file() and not (site["site"] / "articles" / "raw" / slug).exists()
    text = served.read_text(encoding="utf-8")
    assert len(text) > 200 and "<html" not in text[:200].lower()


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
