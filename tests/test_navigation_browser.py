"""Issue 14 in Chromium: a reader finds their way around the seeds' site and reaches the provenance view.

The seeds are built (build step + ``mkdocs build --strict``) and served locally; Debian's chromium, driven
by Playwright, follows the breadcrumb to the month page, the "继续阅读" links to the neighbouring article,
opens the collapsed provenance panel and the provenance view (whose removed blocks stay collapsed until
asked for), and reads the footer's counts and feed link.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from build_tools.pipeline import build
from build_tools.runtime.emit import GENERATED
from build_tools.settings import Settings
from tests.test_safe_html import CHROMIUM, serve

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium (apt-get install -y "
                       "chromium; .ci/run and the CI workflow install it)"),
]


def build_seed_site(tmp: Path) -> dict[str, str]:
    """raw/ seeds → tmp/site; raw file name → slug."""
    shutil.copytree(ROOT / "raw", tmp / "raw")
    shutil.copy(ROOT / "mkdocs.yml", tmp / "mkdocs.yml")
    shutil.copytree(ROOT / "theme", tmp / "theme")
    (tmp / "docs").mkdir()
    for item in (ROOT / "docs").iterdir():
        if item.name not in GENERATED and not item.name.startswith("."):
            (shutil.copytree if item.is_dir() else shutil.copy)(item, tmp / "docs" / item.name)
    added = tmp / "added.json"
    shutil.copy(ROOT / "tests" / "golden" / "added.json", added)
    settings = Settings(raw_dir=Path("raw"), docs_dir=Path("docs"), cache_dir=tmp / "cache", jobs=1,
                        entities_path=ROOT / "entities.yml", overrides_path=Path("none.yml"),
                        added_record=added, added_from_git=False, site_url="http://127.0.0.1:8000/")
    with contextlib.chdir(tmp):
        report = build(settings)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env.pop("SITE_URL", None)
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q"], cwd=tmp, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return {Path(i.raw).name: i.slug for i in report.inputs if i.status == "ok"}


@pytest.fixture(scope="module")
def browser_site(tmp_path_factory):
    playwright_api = pytest.importorskip("playwright.sync_api")
    tmp = tmp_path_factory.mktemp("nav-site")
    slugs = build_seed_site(tmp)
    with serve(tmp / "site") as base, playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            yield base, slugs, browser
        finally:
            browser.close()


def test_breadcrumb_leads_to_the_month_and_back_to_the_list(browser_site):
    base, slugs, browser = browser_site
    page = browser.new_page()
    page.goto(f"{base}/articles/{slugs['003_54e1f791036312f9.txt']}/")
    crumb = page.locator("nav.archive-breadcrumb a")
    assert crumb.all_inner_texts() == ["首页", "文章", "2025年1月"]
    separator = page.evaluate("getComputedStyle(document.querySelectorAll('nav.archive-breadcrumb a')[1], "
                              "'::before').content")
    assert "›" in separator  # drawn by the stylesheet, not read out as a link
    crumb.nth(2).click()
    page.wait_for_load_state()
    assert page.url.endswith("/articles/months/2025-01/")
    assert page.locator("article a", has_text="DeepSeek“刷屏”硅谷").count() == 1
    page.close()


def test_continue_reading_walks_the_archive_in_order(browser_site):
    base, slugs, browser = browser_site
    page = browser.new_page()
    page.goto(f"{base}/articles/{slugs['000_6b80b90a7abdcb64.txt']}/")
    older = page.locator("article li", has_text="较早：").locator("a")
    target = older.get_attribute("href")
    older.click()
    page.wait_for_load_state()
    assert page.url.endswith(target.lstrip("./"))
    # and the newer link of that page leads back
    page.locator("article li", has_text="较新：").locator("a").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/articles/{slugs['000_6b80b90a7abdcb64.txt']}/")
    page.close()


def test_provenance_panel_and_view(browser_site):
    base, slugs, browser = browser_site
    page = browser.new_page()
    page.goto(f"{base}/articles/{slugs['000_6b80b90a7abdcb64.txt']}/")
    link = page.locator("details.archive-provenance a", has_text="查看清理记录")
    assert not link.is_visible()  # the panel is collapsed
    page.locator("details.archive-provenance summary").click()
    assert link.is_visible()
    assert page.locator("details.archive-provenance", has_text="「块」是").count() == 1
    link.click()
    page.wait_for_load_state()
    assert page.locator('meta[name="robots"]').get_attribute("content") == "noindex, nofollow"
    first = page.locator("article details").first
    excerpt = first.locator("li").first
    assert not excerpt.is_visible()  # what was removed stays collapsed until asked for
    first.locator("summary").click()
    assert excerpt.is_visible()
    assert page.locator("article", has_text="SHA-256").count() == 1
    page.close()


def test_footer_counts_and_feed_link(browser_site):
    base, _slugs, browser = browser_site
    page = browser.new_page()
    page.goto(f"{base}/")
    counts = page.locator(".archive-footer").inner_text()
    assert "5 篇文章" in counts and "4 个来源" in counts
    page.goto(f"{base}/about/")  # elsewhere the feed links only: a count would change every page per new dump
    footer = page.locator(".archive-footer")
    assert "篇文章" not in footer.inner_text()
    feed = footer.locator("a", has_text="全部文章")
    response = page.request.get(f"{base}/about/" + feed.get_attribute("href"))
    assert response.ok and b"<feed" in response.body() and b"1970" not in response.body()
    page.close()


def test_print_shows_the_site_the_archive_date_and_the_original(browser_site):
    base, slugs, browser = browser_site
    page = browser.new_page()
    page.goto(f"{base}/articles/{slugs['001_61ec448298716ef9.txt']}/")
    source = page.locator(".archive-print-source")
    assert not source.is_visible()  # on screen the header says it already
    page.emulate_media(media="print")
    assert source.is_visible()
    text = " ".join(source.inner_text().split())
    assert "中文文章存档" in text and "收录于 2026-11-23" in text and "原文：https://mp.weixin.qq.com/" in text
    assert not page.locator("nav.archive-breadcrumb").is_visible()
    page.close()
