"""The browser's reader of the Pagefind bundle (theme/assets/search/pfindex.js) and its phrase matcher
(match.js), run in Node on a bundle the indexer wrote: every token of every page must come back at the
positions the indexer gave it, and a phrase must be found exactly where its tokens follow each other."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from pathlib import Path

import pytest

from build_tools.search import index_site
from build_tools.search.indexer import iter_pages
from build_tools.search.pageorder import order_key
from build_tools.search.service import record_html
from tests.conftest import node_module
from tests.test_search_index import write_site

ASSETS = Path(__file__).resolve().parent.parent / "theme" / "assets" / "search"


def node_eval(body: str, inp: object) -> object:
    """Run ``body`` (JS; ``idx`` = a BundleSet over ``inp.bundle``, ``match`` = match.js, ``inp``) in node."""
    script = (
        "import { readFileSync } from 'node:fs';"
        f"const {{ BundleSet }} = await import({json.dumps((ASSETS / 'pfindex.js').as_uri())});"
        f"const match = await import({json.dumps((ASSETS / 'match.js').as_uri())});"
        "const inp = JSON.parse(readFileSync(0, 'utf8'));"
        "const bytes = async (url) => { const b = readFileSync(new URL(url)); "
        "  return b.buffer.slice(b.byteOffset, b.byteOffset + b.length); };"
        "const idx = inp.bundle ? await new BundleSet(new URL(inp.bundle), bytes).init() : null;"
        f"const out = await (async () => {{ {body} }})();"
        "process.stdout.write(JSON.stringify(out));"
    )
    return node_module(script, json.dumps(inp))


def index_form(word: str) -> str:
    """What Pagefind files a word under: without its diacritics (pagefind.js normalizeDiacritics)."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.category(c).startswith("M"))


def indexed_tokens(site: Path, docs: Path) -> dict[str, list[str]]:
    """url -> the tokens the indexer handed Pagefind, in order (the <h1> then the text): ground truth."""
    out = {}
    for page in iter_pages(site, docs):
        if page is None:
            continue
        rec = record_html(page)
        parts = re.findall(r"<(?:h1|p)[^>]*>(.*?)</(?:h1|p)>", rec, re.S)
        out[page.url] = [html.unescape(t) for part in parts for t in part.split()]
    return out


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory):
    # tiny chunks: many chunk boundaries, so every word is looked up through the prefix ranges
    site, docs = write_site(tmp_path_factory.mktemp("reader"))
    index_site(site, docs, chunk_units=12, cache_dir=False)
    return site, docs


@pytest.mark.slow  # Pagefind
def test_every_token_comes_back_at_its_positions(small_bundle):
    site, docs = small_bundle
    truth = indexed_tokens(site, docs)
    expected: dict[str, dict[str, list[int]]] = {}
    for url, toks in truth.items():
        for i, tok in enumerate(toks):
            expected.setdefault(index_form(tok), {}).setdefault(url, []).append(i)
    typed = sorted({t for toks in truth.values() for t in toks})
    got = node_eval(
        """const out = {};
        for (const w of inp.words) {
          const res = {};
          for (const [page, e] of await idx.postings(w)) res[(await idx.fragment(page)).url] = e.pos;
          out[w] = res;
        }
        out["\\u0000absent"] = Object.keys(Object.fromEntries(await idx.postings("absentǂ")));
        return out;""",
        {"bundle": (site / "pagefind").as_uri() + "/", "words": typed},
    )
    assert got.pop("\u0000absent") == []
    indexed = {url for per in expected.values() for url in per}
    assert len(indexed) >= 6 and len(typed) > 100 and any(index_form(t) != t for t in typed)
    # every token as typed (naïve too) comes back at every position the indexer gave it, and nowhere else
    assert {t: got[t] for t in typed} == {t: expected[index_form(t)] for t in typed}


@pytest.mark.slow  # Pagefind
def test_phrases_and_prefixes_on_the_bundle(small_bundle):
    site, _docs = small_bundle
    got = node_eval(
        """const urls = async (m) => Promise.all([...m.keys()].map(async (p) => (await idx.fragment(p)).url));
        const find = async (seq) => urls(match.phraseMatches(
          await Promise.all(seq.map((w) => idx.postings(w))), idx.counts, idx.avgCount));
        const pre = await idx.wordsWithPrefix("deeps", 2);
        return {
          phrase: (await find(["市场", "场对"])).sort(),
          apart: await find(["市场", "对d"]),
          split: await find(["出口", "管制"]),
          whole: await find(["出口", "口管", "管制"]),
          notAdjacent: await find(["黄仁", "回应"]),
          prefix: pre.words.sort(),
        };""",
        {"bundle": (site / "pagefind").as_uri() + "/"},
    )
    assert got["phrase"] == ["articles/a1/"]
    assert got["apart"] == []
    assert got["split"] == []  # 出口 and 管制 are two positions apart (口管 between)
    assert got["whole"] == ["articles/a3/"]
    assert got["notAdjacent"] == []
    assert got["prefix"] == ["deepseekǂ"]


def test_matcher_needs_successive_positions():
    got = node_eval(
        """const L = (o) => new Map(Object.entries(o).map(([p, pos]) =>
          [Number(p), { pos, weight: pos.map(() => 24) }]));
        const r = match.phraseMatches([L({0: [70, 90, 200], 1: [5, 80]}), L({0: [91, 150], 1: [81, 82]}),
                                       L({0: [92], 1: [83]})], [1000, 1000], 1000);
        const t = match.phraseMatches([L({0: [3, 70]}), L({0: [4, 71]})], [1000], 1000);
        return { pages: [...r.keys()], at: r.get(0).at, first: r.get(0).first, title: t.get(0).title,
                 more: t.get(0).score > r.get(0).score, starts: match.starts([{ pos: [1, 5] }, { pos: [2] }]) };""",
        {},
    )
    # page 1 has 80 81 but 83 is not 82: only page 0 (90 91 92)
    assert got == {"pages": [0], "at": [90], "first": 90, "title": True, "more": True, "starts": [0]}


@pytest.mark.slow  # Pagefind
def test_ties_rank_newest_first(tmp_path):
    """Issue 13: "ties newest first" in the default ranking. Articles that say the same thing score the same;
    the box's order (match.byRank over the bundles' page numbers) must put the newest first, whatever the
    shards; the same date in slot order (slots.py: a hash of the path), the same whatever the shards."""
    from tests.test_search_index import DATED, write_dated_site

    site = write_dated_site(tmp_path)
    index_site(site, None, shard_pages=3, cache_dir=False)
    got = node_eval(
        """const hits = match.phraseMatches([await idx.postings("芯片")], idx.counts, idx.avgCount);
        const results = [...hits].map(([page, h]) => ({ page, score: h.score, first: h.first }));
        results.sort((a, b) => match.byRank(a, b, () => 0));
        const urls = [];
        for (const r of results) urls.push((await idx.fragment(r.page)).url);
        return urls;""",
        {"bundle": (site / "pagefind").as_uri() + "/"},
    )
    articles = [u for u in got if u.startswith("articles/")]
    key = {s: order_key(f"articles/{s}/", d) for s, d in DATED.items()}
    assert articles == [f"articles/{s}/" for s in sorted(DATED, key=key.get, reverse=True)]
    dates = [DATED[u.split("/")[1]] for u in articles]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) < len(dates)  # ties of a day are tested


@pytest.mark.slow  # Pagefind
def test_a_frequent_word_is_read_only_on_the_pages_asked_for(small_bundle):
    """A word too big for one chunk is kept in runs of pages (layout.split_runs): asked for a few pages, the
    reader reads only the runs holding them, and gets exactly those pages' entries."""
    site, _docs = small_bundle
    got = node_eval(
        """const out = {};
        for (const part of idx.parts) {
          for (const [word, [, width]] of part.split) {
            const runs = Math.ceil(part.counts.length / width);
            if (runs < 2) continue;
            const full = await part.postings(word);
            const page = Math.max(...full.keys());
            part.chunks.clear();
            const one = await part.postings(word, [page]);
            out[word] = { runs, read: part.chunks.size,
                          same: JSON.stringify(one.get(page)) === JSON.stringify(full.get(page)),
                          pages: [...one.keys()].every((p) => full.has(p)), all: full.size };
          }
        }
        return out;""",
        {"bundle": (site / "pagefind").as_uri() + "/"},
    )
    assert got, "no word is split on this site"
    for word, fig in got.items():
        # one run read (of several), the page's entry exactly as in the whole list
        assert fig["read"] == 1 and fig["same"] and fig["pages"], (word, fig)
