"""Where a cold first query spends its time and bytes (issue 13): a waterfall per query.

    python benchmarks/search_profile.py --site /path/to/site [--json out.json] [query ...]

For each query, cold (fresh page, empty cache), as `search_bench.py scale` measures it: press "/", type
the query, wait for the first result on screen. Printed per query: ms to the first result, then every
search request (Resource Timing: start and end in ms after the first keystroke, gzip bytes as a static
host sends them) and every Pagefind `search()` call the box made (start, end, results), so one sees which
requests run in series, how long the wasm searches take between them, and which files the bytes go to.
Not part of `make test`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.search_bench import TIMING_QUERIES  # noqa: E402
from tests.search_harness import SEARCH_RESOURCE, browser, open_page, open_search, serve, type_query, wire_bytes  # noqa: E402

# Wraps the engine's search() once it is loaded: every call's term, start, end and result count.
WRAP = """
() => {
  window.__prof = [];
  const root = document.querySelector('[data-archive-search]');
  root.archiveSearch.load().then((pf) => {
    window.__prof.push(['engine ready', '', performance.now(), performance.now(), 0]);
    const search = pf.search;
    pf.search = async (term, opts) => {
      const a = performance.now();
      const r = await search(term, opts);
      window.__prof.push(['search', term, a, performance.now(), r.results.length]);
      return r;
    };
  });
}
"""


def profile_query(ctx, base: str, site: Path, query: str, start_path: str) -> dict:
    page, _watch = open_page(ctx, base, site, start_path)
    try:
        open_search(page, "pagefind")
        page.evaluate(WRAP)
        t0 = page.evaluate("performance.now()")
        type_query(page, query)
        page.wait_for_function("() => window.__firstResultAt !== null", timeout=300_000)
        first = page.evaluate("window.__firstResultAt")
        page.wait_for_timeout(300)
        entries = page.evaluate(
            "() => performance.getEntriesByType('resource').map(e => [e.name, e.startTime, e.responseEnd])"
        )
        calls = page.evaluate("window.__prof")
    finally:
        page.close()
    requests = []
    for url, start, end in entries:
        if not SEARCH_RESOURCE["pagefind"].search(url):
            continue
        requests.append({"file": urlsplit(url).path, "start": round(start - t0), "end": round(end - t0),
                         "gzip": wire_bytes(site, url)[1], "before_first": start <= first})  # fmt: skip
    searches = [{"what": w, "term": term, "start": round(a - t0), "end": round(b - t0), "results": n}
                for w, term, a, b, n in calls]  # fmt: skip
    used = [r for r in requests if r["before_first"]]
    return {"query": query, "ms": round(first - t0), "gzip": sum(r["gzip"] for r in used), "requests": len(used),
            "waterfall": sorted(requests + searches, key=lambda r: r["start"])}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--site", type=Path, required=True)
    ap.add_argument("--start", default="articles/synth-00010/")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("queries", nargs="*")
    args = ap.parse_args()
    out = []
    with serve(args.site) as base, browser() as ctx:
        for q in args.queries or TIMING_QUERIES:
            row = profile_query(ctx, base, args.site, q, args.start)
            out.append(row)
            print(f"{q}: {row['ms']} ms, {row['gzip']} B gzip, {row['requests']} requests")
            for r in row["waterfall"]:
                what = r.get("file") or f"{r['what']} {r['term']!r} -> {r['results']}"
                size = f"{r['gzip']:>7}" if "gzip" in r else " " * 7
                print(f"  {r['start']:>6} {r['end']:>6} {size}  {what}")
            with contextlib.suppress(Exception):
                s = ctx.new_page()
                ctx.new_cdp_session(s).send("Network.clearBrowserCache")
                s.close()
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
