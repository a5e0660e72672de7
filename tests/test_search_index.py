"""The search indexer: page extraction, sharded Pagefind runs merged into a few bundles (tiers.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cbor2
import pytest

from build_tools.search import index_site, tiers
from build_tools.search.bundle import chunk_files, meta_file, page_files, page_slots, read_pf
from build_tools.search.extract import extract_page
from build_tools.search.normalize import encode_word, normalize
from build_tools.search.pageorder import order_key
from build_tools.search.tiers import bundle_dirs

ARTICLE = """<!doctype html><html lang="zh"><head><title>{title} - 存档</title></head><body>
<header class="md-header"><div class="md-search" data-archive-search></div></header>
<article class="md-content__inner md-typeset"><div class="archive-article" lang="{lang}">
<h1 id="t">{title}<a class="headerlink" href="#t">¶</a></h1>
<header class="archive-meta"><dl><dt>来源</dt><dd>某网站</dd></dl></header>
<p>{body}</p><p>第二段有<a href="#">产品</a>路线图。</p>
<h2 id="相关文章">相关文章<a class="headerlink" href="#x">¶</a></h2>
<ul><li><a href="../other/">邻居文章标题独有词汇</a></li></ul>
<details class="info"><summary>存档信息</summary><ul><li>SHA-256： abcdef</li></ul></details>
</div></article></body></html>"""

ENTITY = """<!doctype html><html lang="zh"><head><title>{title} - 存档</title></head><body>
<article class="md-content__inner md-typeset"><h1>{title}</h1><p>{desc}</p>
<h2>提及的文章（1）</h2><ul><li>某篇文章标题里的无关词</li></ul></article></body></html>"""

PAGES = {
    "a1": ("黄仁勋首次回应", "zh-Hans", "英伟达CEO黄仁勋称市场对DeepSeek-R1的反应存在误解。"),
    "a2": ("英偉達市值蒸發", "zh-Hant", "黃仁勛表示，算力需求仍在增長。Scaling Law 仍然有效。"),
    "a3": ("出口管制与芯片", "zh-Hans", "美国的出口管制促使中国企业在算法上创新。"),
    "a4": ("开源推理模型", "zh-Hans", "DeepSeek 开源了推理模型 R1，café naïve résumé。"),
    "a5": ("空白文章", "zh-Hans", "只有一点点内容。"),
}


def write_site(root: Path) -> tuple[Path, Path]:
    """The small test site: five articles, one entity page, the home page and listings."""
    site, docs = root / "site", root / "docs"
    for slug, (title, lang, body) in PAGES.items():
        (site / "articles" / slug).mkdir(parents=True)
        html = ARTICLE.format(title=title, lang=lang, body=body)
        (site / "articles" / slug / "index.html").write_text(html, encoding="utf-8")
    (site / "entities" / "jensen-huang").mkdir(parents=True)
    (site / "entities" / "jensen-huang" / "index.html").write_text(
        ENTITY.format(title="黄仁勋", desc="英伟达创始人。"), encoding="utf-8"
    )
    (docs / "entities").mkdir(parents=True)
    entity_md = "---\nentity: jensen-huang\ntitle: 黄仁勋\naliases: [Jensen Huang, 老黄, 黃仁勛]\n---\n# 黄仁勋\n"
    (docs / "entities" / "jensen-huang.md").write_text(entity_md, encoding="utf-8")
    (site / "index.html").write_text("<html><body><article class='md-content__inner'><h1>首页</h1>"
                                     "<p>首页不进索引</p></article></body></html>", encoding="utf-8")  # fmt: skip
    # The lists and their archived pages by month (issue 15): none of them is a search hit.
    for listing in ("articles/sources", "articles/tags", "articles/page-2", "entities",
                    "articles/months/2025-01/a-slug", "articles/sources/xin-hua-wang-b7b0e0/2025",
                    "entities/jensen-huang/2025", "entities/jensen-huang/2025/a-slug"):
        (site / listing).mkdir(parents=True, exist_ok=True)
        listing_html = "<article class='md-content__inner'><h1>列表</h1><p>黄仁勋首次回应</p></article>"
        (site / listing / "index.html").write_text(f"<html><body>{listing_html}</body></html>", encoding="utf-8")
    return site, docs


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """The same small site indexed unsharded and in shards of two pages."""
    out = {}
    for name, shard in (("single", 1000), ("sharded", 2)):
        site, docs = write_site(tmp_path_factory.mktemp(name))
        stats = index_site(site, docs, shard_pages=shard)
        out[name] = (site, stats)
    return out


def bundle_bytes(bundle: Path) -> dict[str, bytes]:
    return {str(p.relative_to(bundle)): p.read_bytes() for p in sorted(bundle.rglob("*")) if p.is_file()}


@pytest.mark.slow  # indexes a site three times
def test_cache_rebuilds_only_the_changed_shard_and_output_is_deterministic(tmp_path):
    site, docs = write_site(tmp_path / "a")
    cache = tmp_path / "cache"
    first = index_site(site, docs, shard_pages=2, cache_dir=cache)
    assert first.shards_built == first.shards >= 2 and first.pages_extracted == 6
    cold = bundle_bytes(site / "pagefind")
    again = index_site(site, docs, shard_pages=2, cache_dir=cache)
    assert again.shards_built == 0 and again.pages_extracted == 0
    assert bundle_bytes(site / "pagefind") == cold  # same input -> byte-identical bundle

    page = site / "articles" / "a3" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("算法上创新", "算法上大幅创新"), encoding="utf-8")
    changed = index_site(site, docs, shard_pages=2, cache_dir=cache)
    assert changed.shards_built == 1 and changed.pages_extracted == 1
    assert "articles/a3/" in word_map(site / "pagefind")["大幅"]
    # the incremental result is exactly what a build from scratch gives
    incremental = bundle_bytes(site / "pagefind")
    index_site(site, docs, shard_pages=2, cache_dir=False)
    assert bundle_bytes(site / "pagefind") == incremental


def fragments(out: Path) -> list[dict]:
    """Every page's fragment, in the browser's page order (bundle after bundle)."""
    docs = []
    for bundle in bundle_dirs(out):
        meta = cbor2.loads(read_pf(meta_file(bundle)))
        docs += [json.loads(read_pf(bundle / "fragment" / f"{h}.pf_fragment")) for h in page_files(meta)]
    return docs


def word_map(out: Path) -> dict[str, set[str]]:
    result: dict[str, set[str]] = {}
    for bundle in bundle_dirs(out):
        for word, urls in _bundle_word_map(bundle).items():
            result.setdefault(word, set()).update(urls)
    return result


def _bundle_word_map(bundle: Path) -> dict[str, set[str]]:
    meta = cbor2.loads(read_pf(meta_file(bundle)))
    urls = {slot: json.loads(read_pf(bundle / "fragment" / f"{h}.pf_fragment"))["url"]
            for slot, h in zip(page_slots(meta), page_files(meta), strict=True)}  # chunks number pages by slot
    out: dict[str, set[str]] = {}
    for chunk in chunk_files(meta, bundle):
        for word in cbor2.loads(read_pf(bundle / "index" / f"{chunk}.pf_index"))[0]:
            name = word[0]  # a frequent word's runs of pages (layout.split_runs) add up
            page = 0
            for p in word[1]:
                page += p[0]
                out.setdefault(name, set()).add(urls[page])
            for form, vpages in word[2]:
                page = 0
                for p in vpages:
                    page += p[0]
                    out.setdefault(f"{name}~{form}", set()).add(urls[page])
    return out


@pytest.mark.slow  # sites: Pagefind indexes a site twice
def test_stats(sites):
    for name, (site, stats) in sites.items():
        assert stats.articles == 5 and stats.entities == 1 and stats.pages == 6, (name, stats)
        assert (site / "assets" / "search" / "t2s.json").is_file()
        for bundle in bundle_dirs(site / "pagefind"):
            assert (bundle / "pagefind.js").stat().st_size > 0
            assert not list(bundle.glob("pagefind-*ui*"))
    # articles and the other pages (entities) are sharded apart: one shard each at most, unsharded
    assert sites["single"][1].shards == 2 and sites["sharded"][1].shards >= 3


@pytest.mark.slow  # sites: Pagefind indexes a site twice
def test_sharded_bundle_equals_unsharded(sites):
    single = word_map(sites["single"][0] / "pagefind")
    sharded = word_map(sites["sharded"][0] / "pagefind")
    assert single == sharded
    assert single["黄仁"] == {"articles/a1/", "articles/a2/", "entities/jensen-huang/"}
    assert single["伟达"] == {"articles/a1/", "articles/a2/", "entities/jensen-huang/"}


@pytest.mark.slow  # sites: Pagefind indexes a site twice
def test_furniture_is_not_indexed(sites):
    words = word_map(sites["single"][0] / "pagefind")
    for furniture in ("邻居", "独有", "无关", "abcdef", "某网"):
        assert furniture not in words, furniture
    assert "路线" in words  # text split by an inline link is joined again


@pytest.mark.slow  # sites: Pagefind indexes a site twice
def test_fragments_hold_original_text(sites):
    frags = fragments(sites["sharded"][0] / "pagefind")
    by_url = {f["url"]: f for f in frags}
    assert "黃仁勛表示" in by_url["articles/a2/"]["content"]
    assert by_url["articles/a2/"]["meta"]["title"] == "英偉達市值蒸發"
    assert by_url["entities/jensen-huang/"]["meta"]["kind"] == "entity"
    assert "老黄" in by_url["entities/jensen-huang/"]["meta"]["aliases"]


def test_entity_extraction_keeps_name_aliases_description():
    page = extract_page(ENTITY.format(title="黄仁勋", desc="英伟达创始人。"), "entities/x/index.html", None)
    assert page.kind == "entity" and page.title == "黄仁勋"
    assert "无关" not in page.text and "英伟达创始人" in page.text


@pytest.mark.slow  # the indexer CLI in subprocesses
def test_cli(tmp_path, sites):
    site = sites["single"][0]
    done = subprocess.run(
        [sys.executable, "-m", "build_tools.search", "index", "--site", str(site), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["pages"] == 6
    bad = subprocess.run(
        [sys.executable, "-m", "build_tools.search", "index", "--site", str(tmp_path)], capture_output=True, text=True
    )
    assert bad.returncode == 2


@pytest.mark.slow  # sites: Pagefind indexes a site twice
def test_normalised_index_terms(sites):
    words = word_map(sites["single"][0] / "pagefind")
    assert normalize("黃仁勛") == "黄仁勋"
    assert "articles/a2/" in words["仁勋"]  # Traditional text indexed as Simplified bigrams
    # words whole and escaped, so Pagefind neither stems them nor matches a longer word (H20 vs H200)
    assert encode_word("deepseek") in words and encode_word("r1") in words


ARTICLE_13 = """<!doctype html><html lang="zh"><head><title>T - 存档</title></head><body>
<article class="md-content__inner md-typeset"><div class="archive-article">
<h1 id="t">标题</h1>
<header class="archive-meta" aria-label="文章信息"><ul class="archive-meta__facts">
<li><span class="archive-meta__label">来源</span><a href="../sources/#x">半导体行业观察</a></li>
<li><span class="archive-meta__label">日期</span><time datetime="2025-01-27">2025年1月27日</time></li>
</ul></header>
<p class="article-entities"><strong>本文涉及：</strong> <a href="#">英伟达</a>、<a href="#">台积电</a></p>
<p>正文只说芯片。{tail}</p></div></article></body></html>"""


def test_entity_line_is_not_page_text_and_facts_are_kept():
    """Issue 13: "本文涉及" lists linked entities, it is not what the article says; date and source go to results."""
    page = extract_page(ARTICLE_13.format(tail=""), "articles/x/index.html", None)
    assert "台积电" not in page.text and "本文涉及" not in page.text and "正文只说芯片" in page.text
    assert (page.date, page.source) == ("2025-01-27", "半导体行业观察")


@pytest.mark.slow  # Pagefind
def test_whole_text_reaches_the_fragment(tmp_path):
    """An excerpt is drawn around the first match wherever it is: the fragment holds the whole article text."""
    site = tmp_path / "site"
    (site / "articles" / "x").mkdir(parents=True)
    tail = "填充文字。" * 8000 + "结尾处的独特短语。"
    (site / "articles" / "x" / "index.html").write_text(ARTICLE_13.format(tail=tail), encoding="utf-8")
    index_site(site, None, cache_dir=False)
    (frag,) = fragments(site / "pagefind")
    assert frag["content"].endswith("结尾处的独特短语。") and frag["meta"]["date"] == "2025-01-27"


DATED = {  # slug -> date: path order is not date order
    "zeta": "2023-05-01", "alpha": "2025-02-01", "mid": "2024-07-15", "beta": "2024-07-15", "omega": "2022-01-09",
    "gamma": "2025-11-30", "delta": "2023-05-01",
}


def write_dated_site(root: Path) -> Path:
    """Articles that all say the same thing, dated out of path order; one entity page."""
    site = root / "site"
    for slug, date in DATED.items():
        (site / "articles" / slug).mkdir(parents=True)
        html = ARTICLE_13.format(tail="").replace("2025-01-27", date).replace("正文只说芯片。", f"正文只说芯片。{slug}")
        (site / "articles" / slug / "index.html").write_text(html, encoding="utf-8")
    (site / "entities" / "chips").mkdir(parents=True)
    entity = ENTITY.format(title="芯片", desc="芯片。")
    (site / "entities" / "chips" / "index.html").write_text(entity, encoding="utf-8")
    return site


@pytest.mark.slow  # Pagefind
@pytest.mark.parametrize(("shard_pages", "recent", "old_part"),
                         [(1000, 8, 48), (2, 8, 48), (2, 2, 48), (3, 2, 48), (1, 2, 1)])
def test_page_numbers_follow_the_date(tmp_path, monkeypatch, shard_pages, recent, old_part):
    """Issue 13, ties newest first: the browser numbers pages bundle after bundle, and a tie goes to the
    higher number (search.js), so articles must be numbered in date order (a day's in their slots' order:
    pageorder.order_key), other pages before them.
    The renumbering inside a shard, and the old bundle merged from joined groups of shards (``recent`` 2:
    groups of two), must keep every word on its pages; so must the old articles cut into several bundles
    (``old_part`` 1: a bundle per group, tiers.OLD_PART_GROUPS)."""
    monkeypatch.setattr(tiers, "RECENT_SHARDS", recent)
    monkeypatch.setattr(tiers, "OLD_PART_GROUPS", old_part)
    site = write_dated_site(tmp_path)
    index_site(site, None, shard_pages=shard_pages, cache_dir=False)
    urls = [f["url"] for f in fragments(site / "pagefind")]
    want = ["entities/chips/"] + [f"articles/{s}/" for s in sorted(DATED, key=lambda s: (DATED[s], s))]
    assert urls == ["entities/chips/"] + sorted(want[1:], key=lambda u: order_key(u, DATED[u.split("/")[1]]))
    assert [DATED[u.split("/")[1]] for u in urls[1:]] == sorted(DATED.values())
    words = word_map(site / "pagefind")
    assert words["芯片"] == set(want)
    assert words[encode_word("gamma")] == {"articles/gamma/"}
    assert all(words[encode_word(slug)] == {f"articles/{slug}/"} for slug in DATED)
    bundles = {(1000, 8): 2, (2, 8): 2, (2, 2): 3, (3, 2): 3, (1, 2): 2 + (len(DATED) - 1) // 2}
    assert len(bundle_dirs(site / "pagefind")) == bundles[shard_pages, recent]


def test_an_entity_pages_mention_count_is_not_page_text():
    """Issue 15: every new article naming an entity changes its page's count line; what search indexes of the
    page (name, description, type, aliases) must not change with it, or each new article rebuilds the
    entities' shard and bundle. (And a search for 提及 or a number should not find every entity page.)"""
    def page(mentions: int, articles: int):
        html = ENTITY.format(title="英伟达", desc="美国芯片公司。").replace(
            "<h2>", f"<p>本存档中共提及 <strong>{mentions}</strong> 次，见于 <strong>{articles}</strong> 篇文章。"
            '<a class="archive-feed-link" href="../nvidia.xml">订阅这些文章（Atom）</a></p><h2>', 1)
        return extract_page(html, "entities/nvidia/index.html", None)

    before, after = page(3215, 1459), page(3216, 1460)
    assert "美国芯片公司" in before.text and "提及" not in before.text and "3215" not in before.text
    assert before == after
