"""Compare site-search engines on the same archives (figures for docs/dev/search.md).

    python benchmarks/search_bench.py recall               # real seed archive, both engines
    python benchmarks/search_bench.py scale --sizes 1000 5000
    python benchmarks/search_bench.py all --json benchmarks/search_results.json
    python benchmarks/search_bench.py query --site DIR [--all-queries]   # cold queries on a built site

Engines:
  lunr      mkdocs-material's built-in search plugin (lunr, `lang: zh`, jieba with a
            user dictionary made from the entity registry's names and aliases)
  pagefind  this project's search: build_tools.search (Pagefind extended, Han bigrams,
            OpenCC t2s on both sides)

Figures:
  recall            share of (query, expected page) pairs of tests/search_queries.yml the
                    engine lists, typing the query into the site's own search box
  index build       seconds and peak memory of the indexing step alone (lunr: mkdocs build
                    with the search plugin minus the same build without it)
  bytes to first    bytes of search resources (engine code, index, results) the browser
                    fetched from opening the page until the first result was on screen,
                    gzip-compressed as a static host serves them (Pagefind's binary files
                    are gzip already); also raw bytes
  time to first     ms from the first keystroke until the first result is on screen
                    (cold: fresh browser profile, nothing cached)

Not part of `make test` (the 5k runs take minutes). Needs Debian's chromium.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import search_synth  # noqa: E402

from build_tools.search import index_site  # noqa: E402
from tests.search_harness import (  # noqa: E402
    browser,
    build_real_archive,
    expected_urls,
    first_result,
    load_queries,
    open_page,
    open_search,
    raw_to_url,
    serve,
    ui_query,
)

QUERIES = ROOT / "tests" / "search_queries.yml"
# A spread of query kinds for the timing runs (cold page per query).
TIMING_QUERIES = [
    *("黄仁勋", "英偉達", "推理模型", "出口管制", "Nvidia"),
    *("DeepSeek-R1", "Scaling Law", "老黄", "AI芯片", "算力"),
]


# ---- process memory ---------------------------------------------------------------


def _tree_rss_mb(pid: int) -> float:
    """Current RSS (MB) of a process and all its descendants."""
    total = 0
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(d))
        except (OSError, ValueError, IndexError):
            continue
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
        stack.extend(children.get(p, []))
    return total / 2**20


@contextlib.contextmanager
def peak_memory(pid: int | None = None):
    """Sample the RSS of ``pid``'s process tree (default: this process) every 50 ms."""
    pid = pid or os.getpid()
    box = {"peak_mb": 0.0}
    stop = threading.Event()

    def run():
        while not stop.is_set():
            box["peak_mb"] = max(box["peak_mb"], _tree_rss_mb(pid))
            stop.wait(0.05)

    th = threading.Thread(target=run, daemon=True)
    th.start()
    try:
        yield box
    finally:
        stop.set()
        th.join()
        box["peak_mb"] = round(box["peak_mb"], 1)


def timed_subprocess(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(seconds, peak tree RSS MB) of a command."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_mb(proc.pid))
        time.sleep(0.05)
    secs = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"{cmd} failed: {proc.stderr.read().decode()[-2000:]}")
    return round(secs, 2), round(peak, 1)


# ---- archives -----------------------------------------------------------------------


def mkdocs_build(work: Path) -> tuple[float, float]:
    return timed_subprocess([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(work / "mkdocs.yml")], work)


def set_plugins(work: Path, plugins_yaml: str) -> None:
    cfg = (work / "mkdocs.yml").read_text(encoding="utf-8")
    cfg = re.sub(r"^plugins:.*\Z", plugins_yaml, cfg, flags=re.M | re.S)
    (work / "mkdocs.yml").write_text(cfg, encoding="utf-8")


def jieba_user_dict(path: Path) -> Path:
    words = set()
    for _eid, (name, _t, aliases) in search_synth.load_entities().items():
        words.update(w for w in [name, *aliases] if " " not in w and len(w) >= 2)
    path.write_text("".join(f"{w} 1000 n\n" for w in sorted(words)), encoding="utf-8")
    return path


def lunr_plugins(work: Path) -> str:
    user = jieba_user_dict(work / "jieba_user.txt")
    return f"plugins:\n  - search:\n      lang: zh\n      jieba_dict_user: {user}\n"


def build_engine(work: Path, engine: str, docs: Path) -> dict:
    """Build ``work/site`` for ``engine`` from ``docs``; return index figures."""
    cfg = (work / "mkdocs.yml").read_text(encoding="utf-8")
    cfg = re.sub(r"^(\s*)custom_dir:.*$", rf"\1custom_dir: {ROOT / 'theme'}", cfg, flags=re.M)
    (work / "mkdocs.yml").write_text(cfg, encoding="utf-8")
    if engine == "pagefind":
        set_plugins(work, "plugins: []\n")
        secs, _ = mkdocs_build(work)
        with peak_memory() as mem:
            stats = index_site(work / "site", docs, cache_dir=False)  # from scratch
        return {
            "mkdocs_build_s": secs,
            "index_build_s": stats.seconds,
            "index_peak_mb": mem["peak_mb"],
            "pagefind_process_peak_mb": stats.pagefind_peak_mb,
            "shards": stats.shards,
            "index_bytes": stats.bundle_bytes,
            "index_files": stats.bundle_files,
            "pages": stats.pages,
        }
    set_plugins(work, "plugins: []\n")
    base_s, base_mb = mkdocs_build(work)
    set_plugins(work, lunr_plugins(work))
    # Material's own header search box: the theme layer without our search partials
    lunr_theme = work / "theme-lunr"
    shutil.rmtree(lunr_theme, ignore_errors=True)
    shutil.copytree(ROOT / "theme", lunr_theme, ignore=shutil.ignore_patterns("search.html", "header.html"))
    cfg = (work / "mkdocs.yml").read_text(encoding="utf-8")
    cfg = re.sub(r"^(\s*)custom_dir:.*$", rf"\1custom_dir: {lunr_theme}", cfg, flags=re.M)
    (work / "mkdocs.yml").write_text(cfg, encoding="utf-8")
    secs, peak = mkdocs_build(work)
    idx = work / "site" / "search" / "search_index.json"
    import gzip

    data = idx.read_bytes()
    return {
        "mkdocs_build_s": secs,
        "index_build_s": round(secs - base_s, 2),
        "build_peak_mb": peak,
        "build_peak_mb_without_search": base_mb,
        "index_bytes": len(data),
        "index_gzip_bytes": len(gzip.compress(data, 6)),
    }


def write_synth(work: Path, n: int) -> Path:
    work.mkdir(parents=True, exist_ok=True)
    search_synth.write_archive(work, n, "pagefind")
    return work / "docs"


def write_real(work: Path) -> Path:
    """The real seed archive built by the project's pipeline into work/docs."""
    return build_real_archive(work, ROOT)


# ---- browser figures ------------------------------------------------------------------


def recall(site: Path, docs: Path, engine: str) -> dict:
    raw_map = raw_to_url(docs)
    queries = load_queries(QUERIES)
    found = total = 0
    misses = []
    with serve(site) as base, browser() as ctx:
        page, watch = open_page(ctx, base, site, sorted(raw_map.values())[0])
        open_search(page, engine)
        for q in queries:
            hrefs, _titles, _ms = ui_query(page, engine, q["query"], timeout=120_000, everything=True)
            got = {h.removeprefix(base).split("#")[0].split("?")[0] for h in hrefs}
            for url in expected_urls(q, raw_map):
                total += 1
                if url in got:
                    found += 1
                else:
                    misses.append(f"{q['query']} -> {url}")
        errors = list(watch.errors)
        foreign = list(watch.foreign)
    return {
        "recall": round(found / total, 4) if total else None,
        "found": found,
        "expected": total,
        "queries": len(queries),
        "misses": misses,
        "console_errors": errors[:5],
        "foreign_requests": foreign[:5],
    }


def first_result_figures(site: Path, engine: str, queries: list[str], start_path: str, timeout_s: float) -> dict:
    rows = []
    with serve(site) as base, browser() as ctx:
        for q in queries:
            page, watch = open_page(ctx, base, site, start_path)
            try:
                fig = first_result(page, engine, q, site, timeout=timeout_s * 1000)
                fig.pop("files")
                rows.append({"query": q, **fig})
            except Exception as exc:  # noqa: BLE001 - no result / a timeout is a figure too
                rows.append({"query": q, "error": f"{type(exc).__name__}: {str(exc)[:120]}"})
            page.close()
            # a fresh cache for the next query: no engine file may come from the cache
            for p in ctx.pages:
                p.close()
            with contextlib.suppress(Exception):
                s = ctx.new_page()
                cdp = ctx.new_cdp_session(s)
                cdp.send("Network.clearBrowserCache")
                s.close()
    ok = [r for r in rows if "ms" in r]

    def med(key):
        return round(statistics.median(r[key] for r in ok)) if ok else None

    return {
        "queries": len(rows),
        "ok": len(ok),
        "ms_median": med("ms"),
        "ms_max": max((r["ms"] for r in ok), default=None),
        "gzip_bytes_median": med("gzip"),
        "gzip_bytes_max": max((r["gzip"] for r in ok), default=None),
        "raw_bytes_median": med("raw"),
        "rows": rows,
    }


# ---- commands --------------------------------------------------------------------------------


def cmd_recall(work: Path) -> dict:
    out = {}
    real = work / "real"
    docs = write_real(real)
    for engine in ("lunr", "pagefind"):
        fig = build_engine(real, engine, docs)
        fig["recall"] = recall(real / "site", docs, engine)
        fig["first_result"] = first_result_figures(
            real / "site", engine, TIMING_QUERIES, sorted(raw_to_url(docs).values())[0], 60
        )
        out[engine] = fig
        print(engine, json.dumps({k: v for k, v in fig.items() if k != "first_result"}, ensure_ascii=False)[:600])
    return out


def cmd_scale(work: Path, sizes: list[int], engines: list[str], lunr_queries: int, all_queries: bool) -> dict:
    out: dict = {}
    for n in sizes:
        arch = work / f"synth{n}"
        docs = write_synth(arch, n)
        for engine in engines:
            fig = build_engine(arch, engine, docs)
            if engine == "pagefind":
                qs = [q["query"] for q in load_queries(QUERIES)] if all_queries else TIMING_QUERIES
            else:
                qs = TIMING_QUERIES[:lunr_queries]
            fig["first_result"] = first_result_figures(arch / "site", engine, qs, "articles/synth-00010/", 300)
            out[f"{engine}@{n}"] = fig
            print(f"{engine}@{n}", json.dumps({k: v for k, v in fig.items() if k != "first_result"}))
            print("  first result:", json.dumps({k: v for k, v in fig["first_result"].items() if k != "rows"}))
        shutil.rmtree(arch / "site", ignore_errors=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["recall", "scale", "all", "query"])
    ap.add_argument("--site", type=Path, default=ROOT / "site", help="for `query`")
    ap.add_argument("--start", default="articles/synth-00010/", help="`query`: the page the box is opened on")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--engines", nargs="+", default=["pagefind", "lunr"])
    ap.add_argument("--lunr-queries", type=int, default=3, help="cold timing queries for lunr (slow at 5k)")
    ap.add_argument("--all-queries", action="store_true", help="pagefind: time every query of the set")
    ap.add_argument("--work", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    if args.what == "query":  # the cold first-query figures alone, on a site built and indexed already
        qs = [q["query"] for q in load_queries(QUERIES)] if args.all_queries else TIMING_QUERIES
        fig = first_result_figures(args.site, "pagefind", qs, args.start, 300)
        print(json.dumps({k: v for k, v in fig.items() if k != "rows"}))
        if args.json:
            args.json.write_text(json.dumps(fig, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="search-bench-"))
    results: dict = {"machine": {"cores": os.cpu_count()}, "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    if args.what in ("recall", "all"):
        results["real"] = cmd_recall(work)
    if args.what in ("scale", "all"):
        results["scale"] = cmd_scale(work, args.sizes, args.engines, args.lunr_queries, args.all_queries)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
