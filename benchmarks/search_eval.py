"""`make search-eval`: is site search as exact as Ctrl+F, in either script? (issue 13)

Builds an archive of the seeds, the dev corpus and the labelled corpus (../shared/corpus), indexes it, and
asks the site's own search code in headless Chromium (``archiveSearch.find``, the function the search box
renders from) for every query of these groups:

  han / s2t / s2tw / s2twp / s2hk   random substrings of 2-8 Han characters of article text, as sampled
                                    and converted with OpenCC's s2t, s2tw, s2twp, s2hk
  absent                            Han phrases found on no page (two sampled pieces glued together)
  latin                             Latin words and Latin+Han phrases of article text ("AI芯片", "H20")

The truth is computed here, independently of the index: a page contains a query when one of the query's
foldings is a substring of one of the page's foldings (title, aliases, text), where the foldings are NFKC
+ lower case + OpenCC's t2s, tw2s, hk2s, tw2sp (whole-string, phrase tables included) and the character
table; a space between a Han and a non-Han character is ignored; a Latin end of a query must be a word end.
A converted query is the sampled phrase typed in the other script, so the pages holding the sampled phrase
hold it too (s2twp makes 堆叠芯片 堆疊晶片, and no whole-string fold of that gives 堆叠芯片 back).
Queries are run as entered (followed by a space): while the last word is still being typed it may match as
a prefix (issue 13), which tests/test_search_browser.py checks; Ctrl+F's truth is for the finished query.

Per group: recall and precision (means over queries), the share of queries at 1.0 for both, and the share
of absent phrases that return nothing; then cold first-query latency and bytes. Writes
benchmarks/results/search-eval.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from build_tools.search.indexer import index_site, iter_pages  # noqa: E402
from tests.search_harness import (  # noqa: E402
    browser,
    build_real_archive,
    ctrl_f,
    ctrl_f_folds,
    first_result,
    open_page,
    serve,
)

SHARED = ROOT.parent / "shared" / "corpus"
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
HAN_RUN = re.compile(f"[{HAN}]+")
LATIN_WORD = re.compile(r"(?<![A-Za-z0-9_.])[A-Za-z][A-Za-z0-9]*(?:\+\+|#)?(?![A-Za-z0-9_])")
MIXED = re.compile(rf"(?<![A-Za-z0-9_])[A-Za-z][A-Za-z0-9]*[{HAN}]{{2,3}}")
CONVERTED = ("s2t", "s2tw", "s2twp", "s2hk")
QUERY_JS = """async (queries) => {
  const s = document.querySelector('[data-archive-search]').archiveSearch;
  const out = [];
  for (const q of queries) {
    if (s.find) { out.push((await s.find(q)).map((r) => r.url)); continue; }
    await s.run(q);  // the code before issue 13: the engine's own result list
    const pf = await s.load();
    const res = await pf.search(s.queryTerms(q).join(' '));
    out.push(await Promise.all(res.results.map((r) => r.data().then((d) => d.url))));
  }
  return out;
}"""


def folds(text: str) -> set[str]:
    return ctrl_f_folds(text)


def contains(query_folds: set[str], page_folds: set[str]) -> bool:
    return ctrl_f(query_folds, page_folds)


def build(work: Path, reuse: bool = False) -> tuple[Path, Path]:
    # --reuse: the archive as built last time, only mkdocs and the index again
    docs = work / "docs" if reuse and (work / "docs").is_dir() else _build_docs(work)
    subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(work / "mkdocs.yml")], check=True,
                   env={"NO_MKDOCS_2_WARNING": "1", **os.environ})  # fmt: skip
    index_site(work / "site", docs, cache_dir=False)
    return work / "site", docs


def _build_docs(work: Path) -> Path:
    raw = work / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for folder in ("seeds", "dev", "labelled"):
        for f in sorted((SHARED / folder).glob("*")):
            if f.is_file() and f.suffix in (".txt", ".md", ".html", ".htm") and f.name != "README.md":
                shutil.copyfile(f, raw / f"{folder}-{f.name}")
    return build_real_archive(work, ROOT, raw)


def queries(pages: list, n: int, rnd: random.Random) -> dict[str, list[str]]:
    texts = [p.text for p in pages if p.kind == "article"]
    runs = [r for t in texts for r in HAN_RUN.findall(t) if len(r) >= 2]
    han = []
    for _ in range(n):
        r = rnd.choice(runs)
        k = rnd.randint(2, min(8, len(r)))
        i = rnd.randint(0, len(r) - k)
        han.append(r[i : i + k])
    out = {"han": han}
    for conv in CONVERTED:
        cc = opencc.OpenCC(conv)
        out[conv] = [cc.convert(q) for q in han]
    all_folds = [folds(f"{p.title}\n{' '.join(p.aliases)}\n{p.text}") for p in pages]
    absent: list[str] = []
    while len(absent) < n // 20:
        a, b = rnd.choice(runs), rnd.choice(runs)
        q = a[: rnd.randint(2, 3)] + b[-rnd.randint(2, 3) :]
        if not any(contains(folds(q), pf) for pf in all_folds):
            absent.append(q)
    out["absent"] = absent
    words = sorted({m.group(0) for t in texts for m in LATIN_WORD.finditer(t) if len(m.group(0)) >= 2})
    mixed = sorted({m.group(0) for t in texts for m in MIXED.finditer(t)})
    out["latin"] = rnd.sample(words, min(60, len(words))) + rnd.sample(mixed, min(40, len(mixed)))
    return out, all_folds


def run_queries(site: Path, groups: dict[str, list[str]]) -> dict[str, list[list[str]]]:
    got: dict[str, list[list[str]]] = {}
    with serve(site) as base, browser() as ctx:
        page, watch = open_page(ctx, base, site, "")
        for name, qs in groups.items():
            got[name] = []
            for i in range(0, len(qs), 100):
                got[name] += page.evaluate(QUERY_JS, [f"{q} " for q in qs[i : i + 100]])
        if watch.errors:
            print("console errors:", watch.errors[:5], file=sys.stderr)
    return got


def score(groups, got, pages, all_folds) -> dict:
    urls = [p.url for p in pages]
    table = {}
    for name, qs in groups.items():
        rec, prec, perfect, empty, bad = [], [], 0, 0, []
        sampled = groups["han"] if name in CONVERTED else qs
        for q, src, res in zip(qs, sampled, got[name], strict=True):
            res = {u.lstrip("/").split("#")[0] for u in res}
            qf = folds(q) | folds(src)
            truth = {u for u, pf in zip(urls, all_folds, strict=True) if contains(qf, pf)}
            r = len(res & truth) / len(truth) if truth else (1.0 if not res else 0.0)
            p = len(res & truth) / len(res) if res else (1.0 if not truth else 0.0)
            rec.append(r)
            prec.append(p)
            perfect += r == 1.0 and p == 1.0
            empty += not res
            if (r < 1 or p < 1) and len(bad) < 8:
                bad.append({"query": q, "missed": sorted(truth - res)[:3], "extra": sorted(res - truth)[:3]})
        table[name] = {"queries": len(qs), "recall": round(statistics.mean(rec), 4),
                       "precision": round(statistics.mean(prec), 4), "share_at_1": round(perfect / len(qs), 4),
                       "no_results": round(empty / len(qs), 4), "examples": bad}  # fmt: skip
    return table


def latency(site: Path, qs: list[str]) -> dict:
    rows = []
    with serve(site) as base, browser() as ctx:
        for q in qs:
            page, _watch = open_page(ctx, base, site, "")
            try:
                rows.append(first_result(page, "pagefind", q, site, timeout=60_000))
            finally:
                page.close()
            cdp = ctx.new_cdp_session(ctx.new_page())
            cdp.send("Network.clearBrowserCache")

    def col(key: str) -> list:
        return [r[key] for r in rows]

    return {
        "queries": len(rows),
        "ms_median": statistics.median(col("ms")),
        "ms_max": max(col("ms")),
        "gzip_bytes_median": statistics.median(col("gzip")),
        "gzip_bytes_max": max(col("gzip")),
        "raw_bytes_median": statistics.median(col("raw")),
    }


def report_md(name: str, fig: dict) -> str:
    lines = [
        f"# Search exactness ({name})",
        "",
        f"Archive: {fig['pages']} indexed pages ({fig['articles']} articles) from the seeds, the dev corpus and "
        "the labelled corpus. Command: `make search-eval`.",
        "",
        "| group | queries | recall | precision | share at 1.0 | no results |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for g, row in fig["groups"].items():
        lines.append(f"| {g} | {row['queries']} | {row['recall']:.3f} | {row['precision']:.3f} | "
                     f"{row['share_at_1']:.3f} | {row['no_results']:.3f} |")  # fmt: skip
    lat = fig["latency"]
    lines += [
        "",
        f"Cold first query ({lat['queries']} queries, this machine, loaded): median {lat['ms_median']} ms, "
        f"max {lat['ms_max']} ms; {lat['gzip_bytes_median'] / 1000:.0f} kB gzip median, "
        f"{lat['gzip_bytes_max'] / 1000:.0f} kB max ({lat['raw_bytes_median'] / 1000:.0f} kB raw median).",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000, help="Han substrings sampled")
    ap.add_argument("--name", default="search-eval", help="benchmarks/results/<name>.{md,json}")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--reuse", action="store_true", help="keep the archive built in --work last time")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="search-eval-"))
    site, docs = build(work, args.reuse)
    pages = [p for p in iter_pages(site, docs) if p is not None and (p.title or p.text)]
    groups, all_folds = queries(pages, args.n, random.Random(args.seed))
    got = run_queries(site, groups)
    fig = {"pages": len(pages), "articles": sum(p.kind == "article" for p in pages),
           "groups": score(groups, got, pages, all_folds),
           "latency": latency(site, [q for q in groups["han"][:40] if len(q) >= 3][:5])}  # fmt: skip
    out = ROOT / "benchmarks" / "results"
    (out / f"{args.name}.json").write_text(json.dumps(fig, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    md = report_md(args.name, fig)
    (out / f"{args.name}.md").write_text(md, encoding="utf-8")
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
