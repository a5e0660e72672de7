"""Benchmark harness: build step, cached rebuilds, mkdocs, trafilatura, cp -r.

    python -m benchmarks --sizes 100,1000 [--out benchmarks/results] [--name latest]

For each size N: generate N synthetic dumps (benchmarks.generate) in a temp
dir and time
  (a) ``python -m build_tools build --no-cache`` as a subprocess (wall time incl.
      process start, articles/s, MB/s of raw input, peak RSS),
  (b) cached rebuilds: warm twice, then after rewriting one dump (one changed
      paragraph) and after adding one dump,
  (c) ``mkdocs build`` of the produced docs (site size),
  (d) trafilatura extracting the same articles from plain HTML, in-process, one core,
  (e) ``cp -r`` of the raw dir (I/O floor).
Timings are repeated (median) when N <= --repeat-max (default 100), once above.
Writes <out>/<name>.md and <out>/<name>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .generate import encode, generate, make_articles, render_dump

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TIME = Path("/usr/bin/time")


# --------------------------------------------------------------------------- machine


def machine() -> dict:
    info: dict = {"loadavg_1_5_15_at_end": os.getloadavg(), "nproc": os.cpu_count(),
                   "python": platform.python_version(), "platform": platform.platform()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(("MemTotal", "MemAvailable")):
                key, val = line.split(":", 1)
                info[key] = f"{int(val.split()[0]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    if hasattr(os, "sched_getaffinity"):
        info["nproc_available"] = len(os.sched_getaffinity(0))
    return info


# --------------------------------------------------------------------------- timing


def timed(cmd: list[str], cwd: Path) -> dict:
    """Run cmd, return wall seconds and peak RSS (MiB) of the largest process."""
    use_time = TIME.exists()
    full = [str(TIME), "-v", *cmd] if use_time else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run(full, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    rss_kb = None
    if use_time:
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        rss_kb = int(m.group(1)) if m else None
    if rss_kb is None:  # high-water mark over all children so far: an upper bound
        rss_kb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    lines = [ln for ln in proc.stderr.splitlines() if not ln.startswith("\t") and "Command being timed" not in ln]
    return {"wall_s": wall, "peak_rss_mib": rss_kb / 1024, "stderr_lines": len(lines), "stderr_head": lines[:8],
            "rejected": sum(": rejected:" in ln for ln in lines)}


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def tree_hash(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(q for q in path.rglob("*") if q.is_file()):
        h.update(str(p.relative_to(path)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def build_cmd(raw: Path, docs: Path, *, cache: bool, jobs: int = 0) -> list[str]:
    cmd = [PY, "-m", "build_tools", "build", "--raw", str(raw), "--docs", str(docs), "--quiet",
           "--entities", str(ROOT / "entities.yml"), "--overrides", str(ROOT / "overrides.yml")]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    if not cache:
        cmd.append("--no-cache")
    return cmd


def median(xs: list[float]) -> float:
    return statistics.median(xs)


# --------------------------------------------------------------------------- steps


def change_one_dump(raw: Path, k: int) -> Path:
    """Rewrite one UTF-8 Markdown dump with one paragraph changed."""
    target = sorted(p for p in raw.glob("*_utf8.md"))[k]
    text = target.read_text(encoding="utf-8")
    paras = text.split("\n\n")
    i = len(paras) // 2
    paras[i] = paras[i] + f"（编者按：本段于第{k + 1}次修订时补充了新的数据与说明。）"
    target.write_text("\n\n".join(paras), encoding="utf-8")
    return target


def add_one_dump(raw: Path, n: int, k: int) -> Path:
    import random

    a = make_articles(1, seed=10_000 + k)[0]
    text, ext = render_dump(a, random.Random(k))
    path = raw / f"{n + k:05d}_added_{a.fmt}_{a.encoding.replace('-', '')}{ext}"
    path.write_bytes(encode(text, a.encoding, a.fmt))
    return path


def make_mkdocs_project(proj: Path) -> None:
    shutil.copy2(ROOT / "mkdocs.yml", proj / "mkdocs.yml")
    shutil.copytree(ROOT / "overrides", proj / "overrides", dirs_exist_ok=True)
    docs = proj / "docs"
    docs.mkdir(exist_ok=True)
    shutil.copy2(ROOT / "docs" / "about.md", docs / "about.md")
    for sub in ("assets", "dev"):
        if (ROOT / "docs" / sub).is_dir():
            shutil.copytree(ROOT / "docs" / sub, docs / sub, dirs_exist_ok=True)


def trafilatura_rate(html_dir: Path) -> dict:
    import trafilatura

    files = sorted(html_dir.glob("*.html"))
    docs = [f.read_text(encoding="utf-8") for f in files]
    t0 = time.perf_counter()
    chars = 0
    for d in docs:
        out = trafilatura.extract(d, with_metadata=True)
        chars += len(out or "")
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "articles_per_s": len(docs) / wall, "out_chars": chars}


def bench_size(n: int, repeats: int, work: Path, log) -> dict:
    res: dict = {"n": n, "repeats": repeats}
    gen = generate(n, work, seed=0)
    raw, html_dir = work / "raw", work / "html"
    mb = gen["raw_bytes"] / 1e6
    res["input"] = {**gen, "raw_mb": mb}
    log(f"N={n}: generated {gen['articles']} dumps, {mb:.2f} MB")

    # (a) full build, no cache, default jobs (one per core)
    runs, hashes = [], []
    for r in range(repeats):
        proj = work / f"full{r}"
        proj.mkdir()
        runs.append(timed(build_cmd(raw, proj / "docs", cache=False), cwd=proj))
        hashes.append(tree_hash(proj / "docs"))
        log(f"  build --no-cache #{r + 1}: {runs[-1]['wall_s']:.2f}s")
    wall = median([x["wall_s"] for x in runs])
    res["build"] = {
        "wall_s": [x["wall_s"] for x in runs], "median_s": wall,
        "articles_per_s": n / wall, "mb_per_s": mb / wall,
        "peak_rss_mib": max(x["peak_rss_mib"] for x in runs),
        "stderr_lines": runs[0]["stderr_lines"], "rejected": runs[0]["rejected"], "stderr_head": runs[0]["stderr_head"],
    }
    articles_out = len(list((work / "full0" / "docs" / "articles").glob("**/*.md")))
    res["build"]["docs_md_files"] = articles_out

    # fixed cost: the same command on an empty raw dir (interpreter start, imports, index pages)
    empty = work / "empty"
    (empty / "raw").mkdir(parents=True)
    res["build"]["fixed_cost_s"] = timed(build_cmd(empty / "raw", empty / "docs", cache=False), cwd=empty)["wall_s"]
    res["build"]["articles_per_s_excl_fixed"] = n / max(wall - res["build"]["fixed_cost_s"], 1e-9)

    # single-process build: throughput per core and determinism across job counts
    proj1 = work / "jobs1"
    proj1.mkdir()
    one = timed(build_cmd(raw, proj1 / "docs", cache=False, jobs=1), cwd=proj1)
    res["build_jobs1"] = {"wall_s": one["wall_s"], "articles_per_s": n / one["wall_s"],
                          "peak_rss_mib": one["peak_rss_mib"]}
    res["deterministic"] = {"repeat_hashes_equal": len(set(hashes)) == 1 if repeats > 1 else None,
                            "jobs1_equals_parallel": tree_hash(proj1 / "docs") == hashes[0]}
    log(f"  build --jobs 1: {one['wall_s']:.2f}s; deterministic={res['deterministic']}")

    # (b) cached rebuilds (cache lives in <proj>/.cache/build, cwd-relative)
    cproj = work / "cached"
    cproj.mkdir()
    cmd = build_cmd(raw, cproj / "docs", cache=True)
    cold = timed(cmd, cwd=cproj)
    warm = timed(cmd, cwd=cproj)
    changed, added = [], []
    for r in range(repeats):
        change_one_dump(raw, r)
        changed.append(timed(cmd, cwd=cproj)["wall_s"])
    for r in range(repeats):
        add_one_dump(raw, n, r)
        added.append(timed(cmd, cwd=cproj)["wall_s"])
    res["rebuild"] = {
        "cold_cache_s": cold["wall_s"], "warm_nochange_s": warm["wall_s"],
        "one_changed_s": changed, "one_changed_median_s": median(changed),
        "one_added_s": added, "one_added_median_s": median(added),
        "changed_vs_full": median(changed) / wall,
    }
    log(f"  rebuild: warm {warm['wall_s']:.2f}s, one changed {median(changed):.2f}s, one added {median(added):.2f}s")

    # (c) mkdocs build on the docs of the first full build
    proj = work / "full0"
    make_mkdocs_project(proj)
    mk = []
    for r in range(repeats):
        site = proj / f"site{r}"
        mk.append(timed([str(Path(PY).parent / "mkdocs"), "build", "-q", "-f", str(proj / "mkdocs.yml"),
                         "-d", str(site)], cwd=proj))
        log(f"  mkdocs build #{r + 1}: {mk[-1]['wall_s']:.2f}s")
    mk_wall = median([x["wall_s"] for x in mk])
    site0 = proj / "site0"
    res["mkdocs"] = {
        "wall_s": [x["wall_s"] for x in mk], "median_s": mk_wall,
        "peak_rss_mib": max(x["peak_rss_mib"] for x in mk),
        "site_mb": tree_bytes(site0) / 1e6,
        "site_files": sum(1 for p in site0.rglob("*") if p.is_file()),
        "per_article_ms": mk_wall / n * 1000,
        "warnings": mk[0]["stderr_lines"],
    }

    # (d) trafilatura, in-process, one core
    tr = [trafilatura_rate(html_dir) for _ in range(repeats)]
    tr_wall = median([x["wall_s"] for x in tr])
    res["trafilatura"] = {"wall_s": [x["wall_s"] for x in tr], "median_s": tr_wall,
                          "articles_per_s": n / tr_wall, "html_mb": gen["html_bytes"] / 1e6}
    log(f"  trafilatura: {tr_wall:.2f}s")

    # (e) cp -r of the raw bytes
    cps = []
    for r in range(repeats):
        dst = work / f"cp{r}"
        cps.append(timed(["cp", "-r", str(raw), str(dst)], cwd=work)["wall_s"])
    res["cp"] = {"wall_s": cps, "median_s": median(cps), "mb_per_s": mb / median(cps)}

    res["ratios"] = {
        "make_site_s": wall + mk_wall,
        "build_share_of_make_site": wall / (wall + mk_wall),
        "build_vs_trafilatura": res["build"]["articles_per_s"] / res["trafilatura"]["articles_per_s"],
        "build_jobs1_vs_trafilatura": res["build_jobs1"]["articles_per_s"] / res["trafilatura"]["articles_per_s"],
        "rebuild_one_changed_vs_full": median(changed) / wall,
        "rebuild_one_added_vs_full": median(added) / wall,
        "build_vs_cp": wall / median(cps),
        "mkdocs_per_article_ms": mk_wall / n * 1000,
    }
    return res


# --------------------------------------------------------------------------- report


def _yn(v: bool | None) -> str:
    return "n/a (single run)" if v is None else ("yes" if v else "NO")


def targets(results: list[dict]) -> list[dict]:
    by_n = {r["n"]: r for r in results}
    big = max(by_n)
    rows = []

    def row(target, status, figures):
        rows.append({"target": target, "status": status, "figures": figures})

    share = ", ".join(f"N={n}: {x['ratios']['build_share_of_make_site']:.0%}" for n, x in sorted(by_n.items()))
    row("build step ≤ 10% of make site at 5k",
        "not measured" if 5000 not in by_n else
        ("met" if by_n[5000]["ratios"]["build_share_of_make_site"] <= 0.10 else "missed"),
        f"5k not run; measured {share}" if 5000 not in by_n else share)
    ok = all(x["ratios"]["build_vs_trafilatura"] >= 5 for x in results)
    row("build step ≥ 5× trafilatura throughput", "met" if ok else "missed",
        "; ".join(f"N={n}: {x['build']['articles_per_s']:.0f} vs {x['trafilatura']['articles_per_s']:.0f} art/s "
                  f"= {x['ratios']['build_vs_trafilatura']:.2f}× "
                  f"(jobs=1: {x['ratios']['build_jobs1_vs_trafilatura']:.2f}×)"
                  for n, x in sorted(by_n.items())))
    ok = all(x["ratios"]["rebuild_one_changed_vs_full"] <= 0.02 for x in results)
    row("rebuild after one changed dump ≤ 2% of full build", "met" if ok else "missed",
        "; ".join(f"N={n}: {x['rebuild']['one_changed_median_s']:.2f}s vs {x['build']['median_s']:.2f}s "
                  f"= {x['ratios']['rebuild_one_changed_vs_full']:.1%}" for n, x in sorted(by_n.items())))
    det = all(v is not False for x in results for v in x["deterministic"].values())
    par = all(x["build_jobs1"]["wall_s"] > x["build"]["median_s"] * 1.2 for x in results)
    row("parallel and deterministic",
        "met" if det and par else ("missed" if not det else "partly met (deterministic; parallel speed-up < 1.2×)"),
        "; ".join(f"N={n}: output hash equal across repeats="
                  f"{_yn(x['deterministic']['repeat_hashes_equal'])}, "
                  f"jobs=1 vs jobs=auto equal={_yn(x['deterministic']['jobs1_equals_parallel'])}, "
                  f"speed-up {x['build_jobs1']['wall_s'] / x['build']['median_s']:.2f}× on "
                  f"{os.cpu_count()} cores" for n, x in sorted(by_n.items())))
    rss = max(r["build"]["peak_rss_mib"] for r in results)
    row("peak RSS < 1 GB at 10k",
        ("met" if by_n[10000]["build"]["peak_rss_mib"] < 1024 else "missed") if 10000 in by_n else "not measured",
        f"largest process, build step: {rss:.0f} MiB at N={big}"
        + ("" if 10000 in by_n else " (10k not run)"))
    if 10000 in by_n and 1000 in by_n:
        q = by_n[10000]["ratios"]["mkdocs_per_article_ms"] / by_n[1000]["ratios"]["mkdocs_per_article_ms"]
        row("linear site build (per-article cost at 10k ≤ 1.5× of 1k)", "met" if q <= 1.5 else "missed", f"{q:.2f}×")
    else:
        per = ", ".join(f"N={n}: {x['ratios']['mkdocs_per_article_ms']:.1f} ms/article"
                        for n, x in sorted(by_n.items()))
        row("linear site build (per-article cost at 10k ≤ 1.5× of 1k)", "not measured",
            f"10k not run; {per}")
    return rows


def render_md(doc: dict) -> str:
    m = doc["machine"]
    out = ["# Benchmark results", "",
           f"Run {doc['started']} ({doc['total_s']:.0f} s total), "
           f"sizes {', '.join(str(r['n']) for r in doc['results'])}.",
           "", f"Code: git HEAD {doc.get('git_head', {}).get('start')} at start, "
           f"{doc.get('git_head', {}).get('end')} at end (others commit to the tree during a run).",
           "", "## Machine", ""]
    out += [f"- {k}: {v}" for k, v in m.items()]
    out += ["", "## Method", "",
            "Synthetic dumps from `benchmarks/generate.py` (seed 0): paragraphs of `raw/*` and the dev corpus "
            "reshuffled into NetEase-like text, Jina, Cubox and HTML dumps; ~70% UTF-8, ~15% GB18030, ~15% Big5 "
            "(Traditional via OpenCC s2t). Build step = `python -m build_tools build --no-cache --quiet` as a "
            "subprocess (wall time includes interpreter start; default jobs = one per core). Peak RSS is the largest "
            "single process (GNU time `-v` where present), not the sum over worker processes. mkdocs = `mkdocs build` "
            "of the produced docs with the repo's mkdocs.yml/overrides (no `--strict`). trafilatura = "
            "`trafilatura.extract(with_metadata=True)` in-process on one core over plain-HTML twins of the same "
            "articles. Rebuild = cached build after two warm-up runs, after rewriting one dump with one changed "
            "paragraph, and after adding one dump.", ""]
    for r in doc["results"]:
        rep = "single run" if r["repeats"] == 1 else f"median of {r['repeats']}"
        b, mk, tr, cp, rb, ra = r["build"], r["mkdocs"], r["trafilatura"], r["cp"], r["rebuild"], r["ratios"]
        out += [f"## N = {r['n']} ({rep})", "",
                f"Input: {r['input']['articles']} dumps, {r['input']['raw_mb']:.2f} MB raw; "
                f"{b['docs_md_files']} Markdown files under docs/articles; {b['rejected']} dumps rejected, "
                f"{b['stderr_lines']} stderr lines from the build.", "",
                "| step | wall | throughput | peak RSS | notes |", "|---|---:|---:|---:|---|",
                f"| build --no-cache (jobs=auto) | {b['median_s']:.2f} s | {b['articles_per_s']:.0f} art/s, "
                f"{b['mb_per_s']:.2f} MB/s | {b['peak_rss_mib']:.0f} MiB | "
                f"runs {', '.join(f'{x:.2f}' for x in b['wall_s'])} |",
                f"| build on empty raw dir (fixed cost) | {b['fixed_cost_s']:.2f} s | "
                f"{b['articles_per_s_excl_fixed']:.0f} art/s excl. fixed cost | | |",
                f"| build --no-cache --jobs 1 | {r['build_jobs1']['wall_s']:.2f} s | "
                f"{r['build_jobs1']['articles_per_s']:.0f} art/s | "
                f"{r['build_jobs1']['peak_rss_mib']:.0f} MiB | single run |",
                f"| rebuild, cache cold | {rb['cold_cache_s']:.2f} s | | | |",
                f"| rebuild, warm, nothing changed | {rb['warm_nochange_s']:.2f} s | | | |",
                f"| rebuild, one dump changed | {rb['one_changed_median_s']:.2f} s | | | "
                f"{ra['rebuild_one_changed_vs_full']:.1%} of full build |",
                f"| rebuild, one dump added | {rb['one_added_median_s']:.2f} s | | | "
                f"{ra['rebuild_one_added_vs_full']:.1%} of full build |",
                f"| mkdocs build | {mk['median_s']:.2f} s | {mk['per_article_ms']:.1f} ms/article | "
                f"{mk['peak_rss_mib']:.0f} MiB | site {mk['site_mb']:.1f} MB, {mk['site_files']} files, "
                f"{mk['warnings']} stderr lines |",
                f"| trafilatura (1 core) | {tr['median_s']:.2f} s | {tr['articles_per_s']:.0f} art/s | | "
                f"{tr['html_mb']:.2f} MB HTML |",
                f"| cp -r raw | {cp['median_s']:.3f} s | {cp['mb_per_s']:.0f} MB/s | | I/O floor |", "",
                f"Ratios: build share of make site {ra['build_share_of_make_site']:.1%} "
                f"(make site ≈ {ra['make_site_s']:.2f} s); build vs trafilatura {ra['build_vs_trafilatura']:.2f}× "
                f"(jobs=1: {ra['build_jobs1_vs_trafilatura']:.2f}×); rebuild one changed / full "
                f"{ra['rebuild_one_changed_vs_full']:.1%}; build / cp -r {ra['build_vs_cp']:.0f}×; "
                f"site build {ra['mkdocs_per_article_ms']:.1f} ms/article.", ""]
    out += ["## Targets", "", "| target | status | figures |", "|---|---|---|"]
    out += [f"| {t['target']} | **{t['status']}** | {t['figures']} |" for t in doc["targets"]]
    out.append("")
    return "\n".join(out)


def _git_head() -> str | None:
    proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return proc.stdout.strip() or None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description="Archive build benchmarks")
    parser.add_argument("--sizes", default="100,1000", help="comma-separated N (default 100,1000; 10000 is slow)")
    parser.add_argument("--repeat-max", type=int, default=100, help="repeat 3× (median) for N up to this")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--name", default="latest", help="report basename (latest.md/.json)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dirs")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    head_start = _git_head()
    t0 = time.perf_counter()
    results = []
    for n in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"bench-{n}-"))
        try:
            results.append(bench_size(n, 3 if n <= args.repeat_max else 1, work, log))
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
            else:
                log(f"  kept {work}")
    doc = {"started": started, "total_s": time.perf_counter() - t0, "machine": machine(),
           "git_head": {"start": head_start, "end": _git_head()}, "results": results}
    doc["targets"] = targets(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (args.out / f"{args.name}.md").write_text(render_md(doc), encoding="utf-8")
    log(f"wrote {args.out / (args.name + '.md')}")
    return 0
