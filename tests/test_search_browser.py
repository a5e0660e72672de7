"""Site search in a real browser, as a reader uses it.

Builds the real archive (raw/ seeds -> docs/ with the project's pipeline ->
mkdocs with the repo's mkdocs.yml and theme -> ``python -m build_tools.search
index``), serves it on 127.0.0.1 from a thread, opens an article in Debian's
chromium, presses "/" and types every query of tests/search_queries.yml into
the header search box. Every expected article and entity page must be listed;
no console error, no failed request and no request to another host is allowed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from build_tools.search import index_site
from build_tools.search.indexer import iter_pages
from build_tools.search.normalize import normalize
from build_tools.search.tiers import bundle_dirs
from tests.search_harness import (
    CHROMIUM,
    browser,
    build_real_archive,
    ctrl_f,
    ctrl_f_folds,
    expected_urls,
    first_result,
    load_queries,
    missing_expected,
    open_page,
    open_search,
    page_folds,
    raw_to_url,
    serve,
    ui_query,
)

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ROOT / "tests" / "search_queries.yml"

pytestmark = pytest.mark.browser


def _need_chromium() -> None:
    # .ci/run installs Debian's chromium; like the other browser tests, skip where it could not.
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, Path]:
    """(site_dir, docs_dir) of the real seed archive, search index included."""

    _need_chromium()
    work = tmp_path_factory.mktemp("search-site")
    docs = build_real_archive(work, ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(work / "mkdocs.yml")],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    stats = index_site(work / "site", docs)
    assert stats.articles >= 5 and stats.entities > 0, stats
    return work / "site", docs


@pytest.fixture(scope="module")
def session(archive):
    site, docs = archive
    with serve(site) as base, browser() as ctx:
        raw_map = raw_to_url(docs)
        first_article = next(iter(sorted(raw_map.values())))
        page, watch = open_page(ctx, base, site, first_article)
        open_search(page, "pagefind")
        yield page, watch, base, raw_map


def test_material_search_plugin_is_gone(archive):
    site, _docs = archive
    assert not (site / "search" / "search_index.json").exists()
    html = (site / "index.html").read_text(encoding="utf-8")
    assert "data-archive-search" in html and 'for="__search"' in html
    assert (site / "pagefind" / "pagefind-entry.json").is_file() and (site / "assets" / "search" / "t2s.json").is_file()


def test_query_set_is_large_enough():
    queries = load_queries(QUERIES)
    assert len(queries) >= 40
    assert all(q.get("articles") or q.get("entities") for q in queries)


def test_every_query_finds_its_pages(session):
    page, watch, base, raw_map = session
    failures = []
    for q in load_queries(QUERIES):
        assert not missing_expected(q, raw_map), f"{q['query']}: no built page for {missing_expected(q, raw_map)}"
        hrefs, titles, _ms = ui_query(page, "pagefind", q["query"], everything=True)
        got = {h.removeprefix(base) for h in hrefs}
        missing = [u for u in expected_urls(q, raw_map) if u not in got]
        if missing:
            failures.append((q["query"], missing, titles))
    assert not failures, failures
    assert not watch.foreign, watch.foreign
    assert not watch.errors, watch.errors


def test_script_blind_and_original_text(session):
    page, watch, base, raw_map = session
    trad = raw_map["002_47f831a57ae4808f.txt"]  # a Traditional-script article
    hrefs, titles, _ = ui_query(page, "pagefind", "黄仁勋")
    assert base + trad in hrefs
    item = page.locator(f'[data-archive-search] a[href="{base + trad}"]')
    # title and highlight are the page's own (Traditional) text
    assert "英偉達" in item.locator("h1").inner_text()
    marks = item.locator("p mark").all_inner_texts()
    assert "黃仁勛" in marks or "黃仁勳" in marks, marks
    hrefs2, _, _ = ui_query(page, "pagefind", "英偉達")
    assert {h for h in hrefs2 if "/articles/" in h} >= {base + u for u in raw_map.values() if u != trad} & set(hrefs2)
    assert len([h for h in hrefs2 if "/articles/" in h]) >= 4


def test_entity_by_alias(session):
    page, _watch, base, _ = session
    for alias in ("Jensen Huang", "老黄"):
        hrefs, titles, _ = ui_query(page, "pagefind", alias)
        assert base + "entities/jensen-huang/" in hrefs, (alias, titles)


def test_keyboard(session):
    page, _watch, base, _ = session
    ui_query(page, "pagefind", "DeepSeek")
    page.keyboard.press("ArrowDown")
    first = page.evaluate("document.activeElement.href")
    assert first and first.startswith(base)
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.href") != first
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.name") == "query"
    page.keyboard.press("Escape")
    assert page.evaluate("document.getElementById('__search').checked") is False
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.name") == "query"
    assert page.evaluate("document.getElementById('__search').checked") is True
    # Enter opens the first result
    ui_query(page, "pagefind", "梁文锋")
    target = page.eval_on_selector("[data-archive-search] a.md-search-result__link", "a => a.href")
    page.keyboard.press("Enter")
    page.wait_for_url(target)
    page.go_back()
    open_search(page, "pagefind")


def test_no_foreign_requests_or_errors(session):
    _page, watch, _base, _ = session
    assert not watch.foreign, watch.foreign
    assert not watch.errors, watch.errors


# ---- issue 13: as exact as Ctrl+F ----------------------------------------------------------------


def test_exact_as_ctrl_f(session, archive):
    """Every page holding every phrase of the query is a result, and no other page is (tests/search_queries.yml
    `exact`); a phrase found nowhere gives no result and the box says which."""
    page, watch, base, _raw_map = session
    folds = page_folds([p for p in iter_pages(*archive) if p is not None and (p.title or p.text)])
    cases = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))["exact"]
    assert len(cases) >= 15 and sum(bool(c.get("absent")) for c in cases) >= 3
    failures = []
    for q in cases:
        hrefs, _titles, _ms = ui_query(page, "pagefind", q["query"], everything=True)
        got = {h.removeprefix(base) for h in hrefs} - via_alias(page, base)
        phrases = [ctrl_f_folds(p) for p in q["query"].split()]
        truth = {u for u, pf in folds.items() if all(ctrl_f(f, pf) for f in phrases)}
        if q.get("absent"):
            said = page.inner_text("[data-archive-search] .md-search-result__meta")
            if got or truth or f"没有找到包含「{q['query']}」" not in said:
                failures.append((q["query"], "absent", sorted(got), said))
        elif got != truth or len(got) < q["min"]:
            failures.append((q["query"], "extra", sorted(got - truth), "missed", sorted(truth - got)))
    assert not failures, failures
    assert not watch.errors, watch.errors


def via_alias(page, base: str) -> set[str]:
    """Results shown because they hold another name of the entity the query names (marked 别名匹配)."""
    return {
        h.removeprefix(base)
        for h in page.eval_on_selector_all(
            "[data-archive-search] a.md-search-result__link:has(.archive-search__via-alias)",
            "els => els.map(e => e.href)",
        )
    }


def test_alias_matches_are_marked_and_come_last(session, archive):
    """深度求索 names DeepSeek: pages that only say "DeepSeek" are listed after the exact results, marked 别名匹配."""
    page, _watch, base, _ = session
    folds = page_folds([p for p in iter_pages(*archive) if p is not None and (p.title or p.text)])
    hrefs, _titles, _ = ui_query(page, "pagefind", "深度求索", everything=True)
    extra = via_alias(page, base)
    exact = {u for u, pf in folds.items() if ctrl_f(ctrl_f_folds("深度求索"), pf)}
    assert extra and not extra & exact
    order = [h.removeprefix(base) for h in hrefs]
    assert set(order[-len(extra) :]) == extra and set(order[: -len(extra)]) == exact
    assert all(ctrl_f(ctrl_f_folds("deepseek"), folds[u]) for u in extra)
    assert "别名匹配" in page.inner_text("[data-archive-search] .md-search-result__meta")


def test_results_rank_excerpt_and_facts(session):
    page, _watch, base, _ = session
    hrefs, titles, _ = ui_query(page, "pagefind", "DeepSeek")
    # the page named exactly so first, then the pages whose title holds it
    assert hrefs[0] == base + "entities/deepseek/", titles[:3]
    n_titled = sum("deepseek" in t.lower() for t in titles)
    assert all("deepseek" in t.lower() for t in titles[:n_titled]), titles
    ui_query(page, "pagefind", "推理模型")
    marks = page.locator("[data-archive-search] .md-search-result__article > p mark").all_inner_texts()
    assert marks and all(normalize(m) == "推理模型" for m in marks), marks  # the phrase whole, never a part
    facts = page.locator("[data-archive-search] .archive-search__facts").all_inner_texts()
    assert facts and all(f.strip() for f in facts)


def test_results_box_is_named_and_focusable(session):
    page, _watch, _base, _ = session
    ui_query(page, "pagefind", "英伟达")
    wrap = page.locator("[data-archive-search] .md-search__scrollwrap")
    assert wrap.get_attribute("tabindex") == "0" and wrap.get_attribute("aria-label")
    results = page.locator("#archive-search-results")
    assert results.get_attribute("aria-label")
    # A plain list of links: a listbox would need options, and axe calls links in one critical.
    assert results.get_attribute("role") is None
    assert results.locator("> li a").count() > 0


def test_filters_by_source_year_entity_and_sort_by_date(session):
    page, _watch, _base, _ = session
    hrefs, _titles, _ = ui_query(page, "pagefind", "英伟达", everything=True)
    box = page.locator("[data-archive-search] .archive-search__filters")
    box.wait_for(state="visible")
    source = box.locator("select[name=source]")
    options = source.locator("option").all()
    assert len(options) >= 3, "several sources among the results"
    value, label = options[1].get_attribute("value"), options[1].inner_text()
    name, n = label.rsplit("（", 1)
    page.evaluate("() => { document.querySelector('[data-archive-search]').dataset.doneQuery = ''; }")
    source.select_option(value)
    page.wait_for_function("() => document.querySelector('[data-archive-search]').dataset.doneQuery === '英伟达'")
    facts = page.locator("[data-archive-search] .archive-search__facts").all_inner_texts()
    assert len(facts) == int(n.rstrip("）")) and all(name in f for f in facts), (label, facts)
    source.select_option("")
    page.evaluate("() => { document.querySelector('[data-archive-search]').dataset.doneQuery = ''; }")
    box.locator("select[name=sort]").select_option("date")
    page.wait_for_function("() => document.querySelector('[data-archive-search]').dataset.doneQuery === '英伟达'")
    facts = page.locator("[data-archive-search] .archive-search__facts").all_inner_texts()
    dates = [f[:10] for f in facts if f[:4].isdigit()]
    assert dates and dates == sorted(dates, reverse=True), facts
    entity = box.locator("select[name=entity]")
    assert entity.locator("option").count() > 2


def test_last_word_being_typed_may_be_a_prefix(session, archive):
    """Only while it is typed and is no whole word anywhere: "nvid" finds Nvidia, "nvid " (ended) nothing."""
    page, _watch, base, _ = session
    folds = page_folds([p for p in iter_pages(*archive) if p is not None and (p.title or p.text)])
    hrefs, _titles, _ = ui_query(page, "pagefind", "nvid")
    got = {h.removeprefix(base) for h in hrefs}
    assert got and all(any(re.search(r"(?<![a-z0-9_])nvid", f) for f in folds[u]) for u in got)
    hrefs, _titles, _ = ui_query(page, "pagefind", "nvid ")
    assert not hrefs and "没有找到包含「nvid」" in page.inner_text("[data-archive-search] .md-search-result__meta")


def test_a_cold_first_query_loads_its_chunks_and_one_fragment(session, archive):
    """What a first query costs (issue 13), counted in requests, not time: each bundle's meta file, one index
    chunk per token of the query (and the name end's) in each bundle, with the block of chunk ranges that
    says which (merge.RANGE_BLOCK), the first result's fragment; not Pagefind's own engine (pagefind.js and
    its wasm: the box reads the bundle itself) and no other result's fragment."""
    site, _docs = archive
    ctx, base = session[0].context, session[2]
    cdp = ctx.new_cdp_session(session[0])
    cdp.send("Network.clearBrowserCache")
    cdp.detach()
    page, watch = open_page(ctx, base, site, "")
    try:
        fig = first_result(page, "pagefind", "推理模型", site)
        assert not watch.errors
    finally:
        page.close()
    files = fig["files"]
    assert not [f for f in files if f.endswith((".pagefind", "/pagefind.js", "pagefind-worker.js"))], files
    bundles = {d.name for d in bundle_dirs(site / "pagefind")}  # read together (build_tools/search/tiers.py)
    chunks = [f for f in files if f.endswith(".pf_index") and "-r" not in f.rsplit("/", 1)[1]]
    blocks = [f for f in files if f.endswith(".pf_index") and "-r" in f.rsplit("/", 1)[1]]
    # 推理 理模 模型 and the name end, in each bundle (fewer when they share a chunk or a block)
    assert 1 <= len(chunks) <= 4 * len(bundles), files
    assert len(blocks) <= 4 * len(bundles), files  # none when every bundle keeps its ranges in its meta
    assert {f.split("/")[2] for f in chunks} <= bundles, files
    assert len([f for f in files if f.endswith(".pf_fragment")]) == 1, files
    assert len([f for f in files if f.endswith(".pf_meta")]) == len(bundles), files
