"""Readers are never attacked through the site: no script from a dump runs in the published pages.

* Rendered with the Markdown extensions of mkdocs.yml, a hostile dump's page holds no
  script/iframe/object/form, no on* attribute, no javascript:/data:/vbscript: URL; and
  sanitising that HTML with nh3 (an allowlist of what articles may contain) changes
  nothing, i.e. the Markdown writer never lets HTML through at all.
* External links carry rel="noopener noreferrer nofollow"; remote images carry
  referrerpolicy="no-referrer" and loading="lazy" (hotlink-protected CDNs such as
  mmbiz.qpic.cn refuse foreign referrers).
* In Chromium, the built site's hostile pages open without a dialog, without an inline
  handler or javascript: URL in the article, and without any request to another host.
  The only remote requests an article page can make are its images: the browser test
  blocks and records them, and checks they are images (documented in
  docs/dev/hostile-inputs.md).
* mkdocs build is deterministic for fixed SOURCE_DATE_EPOCH (docs/dev/determinism.md).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

from build_tools.config.corrections import load_overrides
from build_tools.model import Figure, InlineImage, Link, Paragraph, Text
from build_tools.pipeline import prepare
from build_tools.settings import Settings
from build_tools.sitecheck.allowlist import sanitised
from build_tools.stages.render.markdown import blocks_md
from build_tools.stages.render.page import render_article
from tests.conftest import ROOT
from tests.fixtures.hostile.corpus import (
    HERE,
    article_text,
    fill,
    markdown_html,
    page_body,
    run_build,
    tree_bytes,
)

HOSTILE = ["hostile_page.html", "hostile_markdown.md", "hostile_text.txt"]
DANGEROUS_TAGS = ["script", "iframe", "frame", "object", "embed", "form", "input", "button", "style", "link", "meta",
                  "base", "svg", "math", "template", "textarea", "select", "noscript"]
BAD_SCHEME = re.compile(r"^\s*(javascript|data|vbscript|file):", re.I)
URL_ATTRS = ("href", "src", "action", "formaction", "srcset", "poster", "xlink:href", "background", "cite", "data")

def rendered(name: str, tmp_path: Path) -> tuple[str, str]:
    """(page Markdown, body HTML) of one hostile fixture, through prepare → render → Python-Markdown."""
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    path = raw / name
    path.write_text(fill((HERE / name).read_text(encoding="utf-8"), name), encoding="utf-8")
    article = prepare(path, Settings(raw_dir=raw), load_overrides(tmp_path / "none.yml", []))
    page = render_article(article)
    assert isinstance(page, str), page
    return page, markdown_html(page_body(page))


def dangers(html: str) -> list[str]:
    """Everything in an HTML fragment that could run script or load a foreign document."""
    soup = BeautifulSoup(html, "lxml")
    found = [f"<{tag.name}>" for tag in soup.find_all(DANGEROUS_TAGS)]
    for tag in soup.find_all(True):
        for attr, value in tag.attrs.items():
            values = value if isinstance(value, list) else [value]
            if attr.lower().startswith("on") or attr.lower() in ("srcdoc", "formaction"):
                found.append(f"<{tag.name} {attr}>")
            if attr.lower() in URL_ATTRS and any(BAD_SCHEME.match(str(v)) for v in values):
                found.append(f"<{tag.name} {attr}={values[0]!r}>")
            if attr.lower() == "style" and re.search(r"url\(|expression\(", str(value), re.I):
                found.append(f"<{tag.name} style>")
    return found


def shape(html: str) -> Counter:
    """The tags and attribute names of an HTML fragment (what sanitising could remove)."""
    soup = BeautifulSoup(html, "lxml")
    return Counter((tag.name, tuple(sorted(tag.attrs))) for tag in soup.find_all(True)
                   if tag.name not in ("html", "body"))


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_dump_renders_to_inert_html(name, tmp_path):
    page, html = rendered(name, tmp_path)
    assert dangers(html) == [], html
    # The attacks are still there for a reader to see, as text.
    assert "&lt;script&gt;" in html or "alert(" in html


@pytest.mark.parametrize("name", HOSTILE)
def test_nh3_finds_nothing_to_remove(name, tmp_path):
    """Sanitising with the article allowlist is a no-op: no tag or attribute outside it ever reaches a page."""
    _, html = rendered(name, tmp_path)
    assert shape(sanitised(html)) == shape(html)


def test_template_syntax_reaches_the_page_as_text_only(tmp_path):
    page, html = rendered("hostile_text.txt", tmp_path)
    body = page_body(page)
    assert not re.search(r"(?<!\\)\{[{%#]", body)  # nothing for a template engine to pick up in the source
    assert "{{ 7*7 }}" in html or "{{ x }}" in html  # …and the reader sees the braces as written


def test_front_matter_survives_lines_that_look_like_front_matter(tmp_path):
    page, _ = rendered("hostile_markdown.md", tmp_path)
    front = yaml.safe_load(page.split("---\n", 2)[1])
    assert set(front) >= {"title", "raw", "sha256"}
    assert front["title"].startswith('标题: 带冒号 "引号" 和 # 井号')
    assert "url" not in front  # the javascript: url from the dump's own front matter is dropped


def test_external_links_and_remote_images_get_safe_attributes():
    blocks = (
        Paragraph((Text("见"), Link("https://example.com/a?b=1&c=2", (Text("原文"),)), Text("。"),
                   InlineImage("https://mmbiz.qpic.cn/mmbiz_png/x/640?wx_fmt=png", "内联图"),
                   Link("mailto:editor@example.com", (Text("来信"),)))),
        Figure("https://mmbiz.qpic.cn/mmbiz_jpg/abc/640?wx_fmt=jpeg", "配图", (Text("图注"),)),
        Paragraph((Link("https://example.org/", (InlineImage("https://p3.toutiaoimg.com/a.jpg", "图中图"),)),)),
    )
    soup = BeautifulSoup(markdown_html(blocks_md(blocks)), "lxml")
    links = {a["href"]: a.get("rel") for a in soup.find_all("a")}
    assert links["https://example.com/a?b=1&c=2"] == ["noopener", "noreferrer", "nofollow"]
    assert links["https://example.org/"] == ["noopener", "noreferrer", "nofollow"]
    assert links["mailto:editor@example.com"] is None
    images = soup.find_all("img")
    assert len(images) == 3
    for img in images:
        assert img["referrerpolicy"] == "no-referrer" and img["loading"] == "lazy", img


def test_attr_list_is_enabled_in_mkdocs_yml():
    """The rel/referrerpolicy attributes are written as attr lists: without the extension they would show as text."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert re.search(r"^\s*-\s*attr_list\s*$", config, re.M)
    assert re.search(r"^plugins:\s*\[\]\s*$", config, re.M) or "macros" not in config  # nothing evaluates {{ }}


# --- the built site ------------------------------------------------------------------------------


def build_site(work: Path, raw: Path, site: Path, env: dict | None = None) -> None:
    """raw/ → docs/ (build CLI) → site/ (mkdocs build --strict), in ``work``, with the repository's theme."""
    docs = work / "docs"
    if not docs.exists():
        generated = {"articles", "entities", "index.md", "feed.xml"}
        shutil.copytree(ROOT / "docs", docs, ignore=lambda folder, names: (
            generated & set(names) if Path(folder) == ROOT / "docs" else set()))
        result = run_build(raw, docs, "--no-cache", "--entities", str(ROOT / "entities.yml"), cwd=work)
        assert result.returncode == 0, result.stderr
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = re.sub(r"^docs_dir:.*$", f"docs_dir: {docs}", config, flags=re.M)
    config = re.sub(r"^site_dir:.*$", f"site_dir: {site}", config, flags=re.M)
    config = re.sub(r"^(\s*)custom_dir:.*$", rf"\1custom_dir: {ROOT / 'theme'}", config, flags=re.M)
    (work / "mkdocs.yml").write_text(config, encoding="utf-8")
    environment = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(work / "mkdocs.yml")],
                          capture_output=True, text=True, env=environment, timeout=300, check=False)
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    work = tmp_path_factory.mktemp("hostile-site")
    raw = work / "raw"
    raw.mkdir()
    for name in HOSTILE:
        (raw / name).write_text(fill((HERE / name).read_text(encoding="utf-8"), name), encoding="utf-8")
    (raw / "plain.txt").write_text(article_text("plain"), encoding="utf-8")
    build_site(work, raw, work / "site", env={"SOURCE_DATE_EPOCH": "1700000000"})
    slugs = {}
    for page in (work / "docs" / "articles").glob("*.md"):
        front = page.read_text(encoding="utf-8").split("---\n", 2)
        if len(front) == 3 and "raw:" in front[1]:
            slugs[Path(yaml.safe_load(front[1])["raw"]).name] = page.stem
    return work, slugs


def article_content(html: str) -> BeautifulSoup:
    soup = BeautifulSoup(html, "lxml")
    content = soup.select_one("article.md-content__inner")
    assert content is not None
    return content


@pytest.mark.slow  # hostile_site: mkdocs build --strict
@pytest.mark.parametrize("name", HOSTILE)
def test_built_article_html_is_inert(hostile_site, name):
    work, slugs = hostile_site
    html = (work / "site" / "articles" / slugs[name] / "index.html").read_text(encoding="utf-8")
    assert dangers(str(article_content(html))) == []
    head = BeautifulSoup(html, "lxml").head
    assert dangers(str(head.title)) == [] and "<script>alert" not in str(head)


@pytest.mark.slow  # hostile_site: mkdocs build --strict
def test_mkdocs_build_is_deterministic_for_a_fixed_build_date(hostile_site, tmp_path):
    """Same input, same SOURCE_DATE_EPOCH: byte-identical site. Another date changes only the sitemap."""
    work, _ = hostile_site
    build_site(work, work / "raw", tmp_path / "again", env={"SOURCE_DATE_EPOCH": "1700000000"})
    first, again = tree_bytes(work / "site"), tree_bytes(tmp_path / "again")
    assert first == again
    build_site(work, work / "raw", tmp_path / "later", env={"SOURCE_DATE_EPOCH": "1800000000",
                                                            "SITE_URL": "https://example.test/"})
    later = tree_bytes(tmp_path / "later")
    changed = {k for k in first if first[k] != later.get(k)}
    assert {"sitemap.xml", "sitemap.xml.gz"} <= changed
    assert all(k.startswith("sitemap") or b"https://example.test/" in later[k] for k in changed), changed


# --- in a browser ----------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path):
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium (apt-get install -y "
                    "chromium; .ci/run and the CI workflow install it)")
def test_no_script_from_a_dump_runs_in_the_browser(hostile_site, tmp_path):
    playwright_api = pytest.importorskip("playwright.sync_api")
    work, slugs = hostile_site
    with serve(work / "site") as base, playwright_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run"],
        )
        try:
            dialogs: list[str] = []
            foreign: list[tuple[str, str]] = []
            errors: list[str] = []

            def route(r) -> None:
                host = urlsplit(r.request.url).hostname
                if host in ("127.0.0.1", "localhost"):
                    r.continue_()
                else:  # never leaves the machine: recorded, then refused
                    foreign.append((r.request.resource_type, r.request.url))
                    r.abort()

            context.route("**/*", route)
            for name in HOSTILE + ["plain.txt"]:
                page = context.new_page()
                page.on("dialog", lambda d: (dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(f"{base}/articles/{slugs[name]}/", wait_until="load")
                page.wait_for_timeout(300)  # timers, lazy images, late handlers
                found = page.evaluate(
                    """() => {
                        const bad = [];
                        const root = document.querySelector('article.md-content__inner');
                        for (const el of root.querySelectorAll('*')) {
                            for (const a of el.attributes) {
                                const n = a.name.toLowerCase(), v = a.value.trim().toLowerCase();
                                if (n.startsWith('on') || n === 'srcdoc') bad.push(el.tagName + ' ' + n);
                                if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(n)
                                    && /^(javascript|data|vbscript):/.test(v)) bad.push(el.tagName + ' ' + n + '=' + v);
                            }
                            if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'FORM', 'FRAME'].includes(el.tagName))
                                bad.push(el.tagName);
                        }
                        return bad;
                    }"""
                )
                assert found == [], (name, found)
                page.close()
        finally:
            context.close()
    assert dialogs == []
    assert errors == []
    # Remote images are the one kind of request an article may make (blocked here); nothing else.
    assert [(kind, url) for kind, url in foreign if kind != "image"] == []


# --- the second wall: the site check ------------------------------------------------------------


@pytest.mark.slow  # hostile_site: mkdocs build --strict
def test_sitecheck_passes_a_site_built_from_hostile_dumps(hostile_site, tmp_path):
    from build_tools.sitecheck import check_site

    work, _ = hostile_site
    checked, problems = check_site(work / "site", cache=None)
    assert checked >= len(HOSTILE) and problems == {}


@pytest.mark.slow  # hostile_site: mkdocs build --strict
def test_sitecheck_fails_naming_the_page_when_script_reaches_an_article(hostile_site, tmp_path):
    """Whatever the writer does, a page whose article holds script never gets past `make site`."""
    from build_tools.sitecheck import main

    work, slugs = hostile_site
    site = tmp_path / "site"
    shutil.copytree(work / "site", site)
    page = site / "articles" / slugs["hostile_page.html"] / "index.html"
    html = page.read_text(encoding="utf-8")
    marker = '<article class="md-content__inner md-typeset">'
    assert marker in html
    page.write_text(html.replace(marker, marker + "<p><script>alert(1)</script><img src=x onerror=alert(1)></p>", 1),
                    encoding="utf-8")
    cache = tmp_path / "verified.digests"
    assert main(["--site", str(site), "--cache", str(cache)]) == 1
    # A verified page is remembered by its bytes: the broken page is never remembered as verified.
    assert main(["--site", str(site), "--cache", str(cache)]) == 1
    page.write_text(html, encoding="utf-8")
    assert main(["--site", str(site), "--cache", str(cache)]) == 0


@pytest.mark.slow  # hostile_site: mkdocs build --strict
def test_sitecheck_reports_the_page_and_the_elements(hostile_site, tmp_path, capsys):
    from build_tools.sitecheck import main

    work, slugs = hostile_site
    site = tmp_path / "site"
    shutil.copytree(work / "site", site)
    page = site / "articles" / slugs["plain.txt"] / "index.html"
    marker = '<article class="md-content__inner md-typeset">'
    page.write_text(page.read_text(encoding="utf-8").replace(marker, marker + '<a href="javascript:x()">x</a>', 1),
                    encoding="utf-8")
    assert main(["--site", str(site), "--no-cache"]) == 1
    err = capsys.readouterr().err
    assert f"articles/{slugs['plain.txt']}/index.html" in err and "javascript:x()" in err
