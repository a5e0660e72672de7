"""The report of the older measurements (benchmarks/legacy.py, ``--legacy``): their ratios, the issue-6
targets, one table per size; a section of the `make bench` report."""

from __future__ import annotations

import os


def _yn(v: bool | None) -> str:
    return "n/a" if v is None else ("yes" if v else "NO")


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1%}"


def _x(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f}×"


def _kb(v: float | None) -> str:
    return "n/a" if v is None else f"{v / 1024:.0f} KiB"


def targets(results: list[dict]) -> list[dict]:
    by_n = {r["n"]: r for r in sorted(results, key=lambda r: r["n"])}
    big = max(by_n)
    rows = []

    def row(target, status, figures):
        rows.append({"target": target, "status": status, "figures": figures})

    def each(fmt) -> str:
        return "; ".join(f"N={n}: {fmt(x)}" for n, x in by_n.items())

    share = each(lambda x: f"{x['ratios']['build_share_of_make_site']:.1%} of {x['ratios']['make_site_s']:.1f} s "
                           f"(build {x['build']['median_s']:.1f} + mkdocs {x['mkdocs']['median_s']:.1f} "
                           f"+ search {x['search']['median_s']:.1f} s)")
    row("build step ≤ 10% of `make site` (build + mkdocs + search) at 5k",
        "not measured" if 5000 not in by_n else
        ("met" if by_n[5000]["ratios"]["build_share_of_make_site"] <= 0.10 else "missed"),
        ("5k not run; " if 5000 not in by_n else "") + share)
    ok = all(x["ratios"]["build_vs_trafilatura"] >= 5 for x in results)
    row("build step (process start incl.) ≥ 5× trafilatura throughput", "met" if ok else "missed",
        each(lambda x: f"{x['build']['articles_per_s']:.0f} vs {x['trafilatura']['articles_per_s']:.0f} art/s "
                       f"= {x['ratios']['build_vs_trafilatura']:.2f}× "
                       f"(jobs=1: {_x(x['ratios']['build_jobs1_vs_trafilatura'])})"))
    ok = all(x["ratios"]["rebuild_one_changed_vs_full"] <= 0.02 for x in results)
    row("rebuild after one changed dump ≤ 2% of full build step", "met" if ok else "missed",
        each(lambda x: f"{x['rebuild']['changed']['median_s']:.2f} s vs {x['build']['median_s']:.2f} s "
                       f"= {x['ratios']['rebuild_one_changed_vs_full']:.1%}"))
    row("rebuild after touching / adding one dump, editing entities.yml (no target; vs full build step)", "info",
        each(lambda x: f"touched {x['rebuild']['touched']['median_s']:.2f} s = "
                       f"{x['ratios']['rebuild_touched_vs_full']:.1%}, added {x['rebuild']['added']['median_s']:.2f} s"
                       f" = {x['ratios']['rebuild_one_added_vs_full']:.1%}, entities.yml "
                       f"{x['rebuild']['entities']['median_s']:.2f} s = {x['ratios']['rebuild_entities_vs_full']:.1%}"))
    det_vals = [v for x in results for v in x["deterministic"].values()]
    det = all(v is not False for v in det_vals)
    checked = any(v is not None for v in det_vals)
    speed = [x["ratios"]["parallel_speedup"] for x in results if x["ratios"]["parallel_speedup"] is not None]
    par = bool(speed) and all(s > 1.2 for s in speed)
    status = ("missed" if not det else "not measured" if not checked or not speed else
              "met" if par else "partly met (deterministic; parallel speed-up ≤ 1.2×)")
    row("parallel on all cores, deterministic output", status,
        each(lambda x: f"hash equal across repeats={_yn(x['deterministic']['repeat_hashes_equal'])}, "
                       f"jobs=1 vs jobs=auto equal={_yn(x['deterministic']['jobs1_equals_parallel'])}, "
                       f"speed-up {_x(x['ratios']['parallel_speedup'])} on {os.cpu_count()} cores"))
    rss = each(lambda x: f"build {x['build']['peak_rss_mib']:.0f}, mkdocs {x['mkdocs']['peak_rss_mib']:.0f}, "
                         f"search {x['search']['peak_rss_mib']:.0f} MiB")
    def peak(x: dict) -> float:
        return max(x[k]["peak_rss_mib"] for k in ("build", "mkdocs", "search"))

    row("peak RSS < 1 GB at 10k (largest single process of any `make site` step)",
        ("met" if peak(by_n[10000]) < 1024 else "missed") if 10000 in by_n else "not measured",
        ("" if 10000 in by_n else "10k not run; ") + rss)
    per = each(lambda x: f"make site {x['ratios']['make_site_per_article_ms']:.1f} ms/article (mkdocs "
                         f"{x['ratios']['mkdocs_per_article_ms']:.1f} + "
                         f"search {x['ratios']['search_per_article_ms']:.1f}"
                         f" + build {x['build']['median_s'] / x['n'] * 1000:.1f})")
    if 1000 in by_n and big > 1000:
        a, b = by_n[1000]["ratios"], by_n[big]["ratios"]
        q = b["make_site_per_article_ms"] / a["make_site_per_article_ms"]
        qs = b["site_build_per_article_ms"] / a["site_build_per_article_ms"]
        status = ("met" if q <= 1.5 else "missed") if big == 10000 else "not measured"
        row("site build per-article cost at 10k ≤ 1.5× of 1k", status,
            f"N={big} / N=1000: make site {q:.2f}×, mkdocs + search {qs:.2f}×"
            + ("" if big == 10000 else " (10k not run)") + "; " + per)
    else:
        row("site build per-article cost at 10k ≤ 1.5× of 1k", "not measured", "1k and 10k not both run; " + per)
    return rows


def ratio_table(results: list[dict]) -> list[str]:
    cols = [("make site", lambda x: f"{x['ratios']['make_site_s']:.1f} s"),
            ("build share", lambda x: _pct(x["ratios"]["build_share_of_make_site"])),
            ("mkdocs share", lambda x: _pct(x["ratios"]["mkdocs_share_of_make_site"])),
            ("search share", lambda x: _pct(x["ratios"]["search_share_of_make_site"])),
            ("build / trafilatura (art/s)", lambda x: _x(x["ratios"]["build_vs_trafilatura"])),
            ("jobs=1 / trafilatura", lambda x: _x(x["ratios"]["build_jobs1_vs_trafilatura"])),
            ("build time / cp -r", lambda x: f"{x['ratios']['build_vs_cp']:.0f}×"),
            ("parallel speed-up", lambda x: _x(x["ratios"]["parallel_speedup"])),
            ("rebuild touched / full", lambda x: _pct(x["ratios"]["rebuild_touched_vs_full"])),
            ("rebuild changed / full", lambda x: _pct(x["ratios"]["rebuild_one_changed_vs_full"])),
            ("rebuild added / full", lambda x: _pct(x["ratios"]["rebuild_one_added_vs_full"])),
            ("rebuild entities.yml / full", lambda x: _pct(x["ratios"]["rebuild_entities_vs_full"])),
            ("make site ms/article", lambda x: f"{x['ratios']['make_site_per_article_ms']:.1f}"),
            ("mkdocs + search ms/article", lambda x: f"{x['ratios']['site_build_per_article_ms']:.1f}"),
            ("site size", lambda x: f"{x['site']['mb']:.1f} MB"),
            ("first-query search bytes (median, gzip)",
             lambda x: _kb(x["search"]["first_query"].get("median_bytes")))]
    rs = sorted(results, key=lambda r: r["n"])
    out = ["| ratio | " + " | ".join(f"N={r['n']}" for r in rs) + " |",
           "|---|" + "---:|" * len(rs)]
    out += [f"| {name} | " + " | ".join(f(r) for r in rs) + " |" for name, f in cols]
    return out


def render_size(r: dict) -> list[str]:
    rep = "single run" if r["repeats"] == 1 else f"median of {r['repeats']}"
    b, mk, se, tr, cp, rb, ra = (r["build"], r["mkdocs"], r["search"], r["trafilatura"], r["cp"], r["rebuild"],
                                 r["ratios"])
    j1 = r["build_jobs1"]
    fq = se["first_query"]
    out = [f"## N = {r['n']} (full builds, mkdocs, search: {rep}; rebuilds: median of {r['rebuild_repeats']})", "",
           f"Benchmark time for this size: {r.get('elapsed_s', 0):.0f} s. "
           f"Input: {r['input']['articles']} dumps, {r['input']['raw_mb']:.2f} MB raw; "
           f"{b['docs_md_files']} Markdown files under docs/articles; {b['rejected']} dumps rejected, "
           f"{b['stderr_lines']} stderr lines from the build.", "",
           "| step | wall | throughput | peak RSS | notes |", "|---|---:|---:|---:|---|",
           f"| build --no-cache (jobs=auto) | {b['median_s']:.2f} s | {b['articles_per_s']:.0f} art/s, "
           f"{b['mb_per_s']:.2f} MB/s | {b['peak_rss_mib']:.0f} MiB | "
           f"runs {', '.join(f'{x:.2f}' for x in b['wall_s'])}; {ra['build_share_of_make_site']:.1%} of make site |",
           f"| build on empty raw dir (fixed cost) | {b['fixed_cost_s']:.2f} s | "
           f"{b['articles_per_s_excl_fixed']:.0f} art/s excl. fixed cost | | |"]
    if j1:
        out.append(f"| build --no-cache --jobs 1 | {j1['wall_s']:.2f} s | {j1['articles_per_s']:.0f} art/s | "
                   f"{j1['peak_rss_mib']:.0f} MiB | single run; parallel speed-up {_x(ra['parallel_speedup'])} |")
    else:
        out.append("| build --no-cache --jobs 1 | skipped | | | N > --jobs1-max |")
    out.append(f"| rebuild, cache cold | {rb['cold_cache_s']:.2f} s | | | single run |")
    for key, label in (("warm", "warm, nothing changed"), ("touched", "one dump touched (mtime only)"),
                       ("changed", "one dump changed (one paragraph)"), ("added", "one dump added"),
                       ("entities", "entities.yml edited (one alias added)")):
        x = rb[key]
        note = f"{x['vs_full']:.1%} of full build; " if "vs_full" in x else ""
        if key == "entities":
            note += f"alias on an entity page: {_yn(x.get('alias_in_output'))}; "
        out.append(f"| rebuild, {label} | {x['median_s']:.2f} s | | | {note}"
                   f"runs {', '.join(f'{w:.2f}' for w in x['wall_s'])} |")
    st = se.get("stats", {})
    out += [f"| mkdocs build | {mk['median_s']:.2f} s | {mk['per_article_ms']:.1f} ms/article | "
            f"{mk['peak_rss_mib']:.0f} MiB | {ra['mkdocs_share_of_make_site']:.1%} of make site; "
            f"{mk['warnings']} warnings, {mk['stderr_lines']} stderr lines |",
            f"| search index (Pagefind) | {se['median_s']:.2f} s | {se['per_article_ms']:.1f} ms/article | "
            f"{se['peak_rss_mib']:.0f} MiB | {ra['search_share_of_make_site']:.1%} of make site; "
            f"{st.get('pages', '?')} pages, {st.get('shards', '?')} shards; bundle "
            + (f"{se['bundle_mb']:.1f} MB, {se['bundle_files']} files" if se["bundle_mb"] is not None else "missing")
            + (f"; Pagefind process {st['pagefind_peak_mb']:.0f} MB" if st.get("pagefind_peak_mb") else "") + " |",
            f"| make site = build + mkdocs + search | {ra['make_site_s']:.2f} s | "
            f"{ra['make_site_per_article_ms']:.1f} ms/article | | site {r['site']['mb']:.1f} MB "
            f"({r['site']['mb_without_search']:.1f} MB without the search bundle), {r['site']['files']} files |",
            f"| trafilatura (1 core, {tr['articles']} articles) | {tr['median_s']:.2f} s | "
            f"{tr['articles_per_s']:.0f} art/s, {tr['mb_per_s']:.2f} MB/s | | {tr['html_mb']:.2f} MB HTML; "
            f"build step is {ra['build_vs_trafilatura']:.2f}× its art/s |",
            f"| cp -r raw | {cp['median_s']:.3f} s | {cp['mb_per_s']:.0f} MB/s | | I/O floor; "
            f"build step takes {ra['build_vs_cp']:.0f}× as long |", ""]
    if "error" in fq:
        out += [f"Search bytes for a first query: not measured ({fq['error']}).", ""]
    else:
        out += [f"Search bytes a browser loads for a first query (gzip as served, static estimate): median "
                f"{_kb(fq['median_bytes'])}, max {_kb(fq['max_bytes'])} over {len(fq['queries'])} queries "
                f"({', '.join(fq['queries'])}); of which {_kb(fq['fixed_bytes'])} fixed (Pagefind JS/WASM/entry/meta, "
                f"search.js/css, t2s table), the rest index chunks and one median fragment.", ""]
    if b["stderr_lines"]:
        out += ["Build stderr (first lines):", "", "```", *b["stderr_head"], "```", ""]
    if mk.get("warnings_head"):
        out += ["mkdocs warnings (first lines):", "", "```", *mk["warnings_head"], "```", ""]
    for key in ("warm", "touched", "changed", "added", "entities"):
        if rb[key].get("stderr_head"):
            out += [f"Rebuild ({key}) stderr (first lines):", "", "```", *rb[key]["stderr_head"], "```", ""]
    return out




METHOD = (
    "Build step = `python -m build_tools build --no-cache --quiet` with a copy of the repo's entities.yml "
    "(default jobs = one per core). mkdocs = `mkdocs build --site-dir <site>` with the repo's "
    "mkdocs.yml/theme, without `--strict` (the synthetic corpus is not warning-free). Search = "
    "`python -m build_tools.search index --site <site> --docs docs` on that site, search cache cleared first "
    "(cold). `make site` here = build + mkdocs + search. Rebuild = cached build step after a cold and warm run: "
    "warm with nothing changed; one dump's mtime touched; one dump rewritten with one changed paragraph; one "
    "dump added; one alias added to an entity in entities.yml — each the median of 3 successive edits. Search "
    "bytes for a first query = `benchmarks.search_bench.static_bytes` (no browser), gzip as served. "
    "trafilatura = `trafilatura.extract(with_metadata=True)` in-process on one core over plain-HTML twins of "
    "the first min(N, {traf}) articles (its throughput is compared, not its wall time). cp -r = copy of the "
    "raw dir (I/O floor).")


def render(results: list[dict], traf_max: int) -> list[str]:
    """The legacy section of the report: method, ratios, issue-6 targets, one table per size."""
    out = ["## Older measurements (`--legacy`, issue 6)", "", METHOD.format(traf=traf_max), "", "### Ratios", ""]
    out += ratio_table(results)
    out += ["", "### Targets (issue 6)", "", "| target | status | figures |", "|---|---|---|"]
    out += [f"| {t['target']} | **{t['status']}** | {t['figures']} |" for t in targets(results)]
    out.append("")
    for r in results:
        out += ["#" + line if line.startswith("## ") else line for line in render_size(r)]
    return out
