"""Benchmark harness: the whole ``make site`` (build step, MkDocs, search index),
cached rebuilds, and side by side trafilatura and ``cp -r`` (the I/O floor).

    make bench                                   # N = 100 and 1,000 -> benchmarks/results/latest.*
    python -m benchmarks --sizes 100,1000 [--out benchmarks/results] [--name latest]

Large sizes are not part of ``make bench``'s default nor of ``make test``; run
them by hand (the 10k size alone takes on the order of 20-30 min on 2 cores,
most of it mkdocs and the search index; each size's time is in the report):

    nice -n 10 .venv/bin/python -m benchmarks --sizes 1000,5000,10000 --name run10k
    make bench BENCH_ARGS="--sizes 1000,5000,10000 --name run10k"     # the same

For each size N: generate N synthetic dumps (benchmarks.generate) in a temp dir
and time, each step as a subprocess (wall time incl. process start, peak RSS of
the largest process via GNU time):
  (a) ``python -m build_tools build --no-cache`` (articles/s, MB/s of raw input),
      the same on an empty raw dir (fixed cost) and with ``--jobs 1``
      (single-core throughput; output must be byte-identical: determinism);
  (b) cached rebuilds: cold, warm (nothing changed), and after touching one dump
      (mtime only), changing one dump (one paragraph), adding one dump and
      editing the entity registry (one alias added) -- median of 3 each, at every N;
  (c) ``mkdocs build --site-dir ...`` of the produced docs, as ``make site`` runs it
      (without ``--strict``: the synthetic corpus is not warning-free);
  (d) ``python -m build_tools.search index --site ... --docs ...`` on that site
      (Pagefind bundle; cold search cache), then the site size including the bundle
      and the bytes a browser fetches for a first query (static estimate from
      benchmarks.search_bench.static_bytes, gzip as served);
  (e) trafilatura extracting the same articles from plain HTML, in-process, one
      core, on the first min(N, --trafilatura-max) articles;
  (f) ``cp -r`` of the raw dir (I/O floor).
``make site`` = (a) + (c) + (d). Full builds, mkdocs and search are repeated 3×
(median) when N <= --repeat-max (default 100), run once above; ``--jobs 1`` is
skipped above --jobs1-max (default 5000: determinism across job counts is checked
up to 5k). Writes <out>/<name>.md and <out>/<name>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import site_cycle
from benchmarks.generate import encode, generate, make_articles, render_dump

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
MKDOCS = str(Path(PY).parent / "mkdocs")
TIME = Path("/usr/bin/time")
REBUILD_REPEATS = 3
# Queries for the first-query bytes (entities and terms that occur in the synthetic text).
FIRST_QUERIES = ("黄仁勋", "英偉達", "推理模型", "出口管制", "Nvidia", "DeepSeek-R1", "算力")


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
    """Run cmd, return wall seconds, peak RSS (MiB) of the largest process, stdout and stderr figures."""
    use_time = TIME.exists()
    full = [str(TIME), "-v", *cmd] if use_time else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    t0 = time.perf_counter()
    proc = subprocess.run(full, cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    rss_kb = None
    cpu = None  # user + system seconds of the command and every child it waited for (GNU time's rusage)
    if use_time:
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        rss_kb = int(m.group(1)) if m else None
        times = [re.search(rf"{what} time \(seconds\): ([\d.]+)", proc.stderr) for what in ("User", "System")]
        cpu = sum(float(t.group(1)) for t in times) if all(times) else None
    if rss_kb is None:  # high-water mark over all children so far: an upper bound
        rss_kb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    err = proc.stderr
    if use_time:  # drop GNU time's own report (from "Command being timed" on)
        cut = err.rfind("\tCommand being timed")
        err = err[:cut] if cut >= 0 else err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    warnings = [ln for ln in lines if ln.startswith("WARNING")]
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": rss_kb / 1024, "stderr_lines": len(lines),
            "stderr_head": lines[:12],
            "rejected": sum(": rejected:" in ln for ln in lines), "warnings": len(warnings),
            "warnings_head": warnings[:6], "stdout": proc.stdout}


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def tree_files(path: Path) -> int:
    return sum(1 for p in path.rglob("*") if p.is_file())


def tree_hash(path: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(q for q in path.rglob("*") if q.is_file()):
        h.update(str(p.relative_to(path)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def build_cmd(raw: Path, docs: Path, entities: Path, *, cache: bool, jobs: int = 0) -> list[str]:
    cmd = [PY, "-m", "build_tools", "build", "--raw", str(raw), "--docs", str(docs), "--quiet",
           "--entities", str(entities), "--overrides", str(ROOT / "overrides.yml")]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    if not cache:
        cmd.append("--no-cache")
    return cmd


def median(xs: list[float]) -> float:
    return statistics.median(xs)


# --------------------------------------------------------------------------- edits


def touch_one_dump(raw: Path, k: int) -> Path:
    """New mtime on one dump, content unchanged."""
    target = sorted(raw.iterdir())[k]
    t = time.time() + 10 + k
    os.utime(target, (t, t))
    return target


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
    a = make_articles(1, seed=10_000 + k)[0]
    text, ext = render_dump(a, random.Random(k))
    path = raw / f"{n + k:05d}_added_{a.fmt}_{a.encoding.replace('-', '')}{ext}"
    path.write_bytes(encode(text, a.encoding, a.fmt))
    return path


def edit_entities(path: Path, k: int) -> str:
    """Add one alias to the first entity with an ``aliases: [...]`` list; return the alias."""
    alias = f"基准测试别名{'甲乙丙丁戊己庚辛'[k % 8]}"
    text = path.read_text(encoding="utf-8")
    new, count = re.subn(r"^(\s+aliases:\s*\[)", rf"\g<1>{alias}, ", text, count=1, flags=re.M)
    if not count:
        raise RuntimeError(f"{path}: no `aliases: [...]` line to edit")
    path.write_text(new, encoding="utf-8")
    return alias


# --------------------------------------------------------------------------- other steps


def make_mkdocs_project(proj: Path) -> None:
    shutil.copy2(ROOT / "mkdocs.yml", proj / "mkdocs.yml")
    shutil.copytree(ROOT / "theme", proj / "theme", dirs_exist_ok=True)
    docs = proj / "docs"
    docs.mkdir(exist_ok=True)
    shutil.copy2(ROOT / "docs" / "about.md", docs / "about.md")
    for sub in ("assets", "dev"):
        if (ROOT / "docs" / sub).is_dir():
            shutil.copytree(ROOT / "docs" / sub, docs / sub, dirs_exist_ok=True)


def trafilatura_rate(files: list[Path]) -> dict:
    import trafilatura

    docs = [f.read_text(encoding="utf-8") for f in files]
    t0 = time.perf_counter()
    chars = 0
    for d in docs:
        out = trafilatura.extract(d, with_metadata=True)
        chars += len(out or "")
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "articles_per_s": len(docs) / wall, "out_chars": chars}


def first_query_bytes(site: Path) -> dict:
    """Gzip bytes a browser loads for a first query, read off the Pagefind bundle.

    benchmarks.search_bench.static_bytes: Pagefind entry/meta/JS/WASM, the site's
    search script and t2s table, the index chunks covering the query's terms and a
    median fragment. No browser; the browser figures are in search_bench.
    """
    try:
        from benchmarks.search_bench import static_bytes

        rows = [static_bytes(site, q) for q in FIRST_QUERIES]
        totals = [r["total"] for r in rows]
        first = rows[0]
        return {"queries": list(FIRST_QUERIES), "total_bytes": totals,
                "median_bytes": median(totals), "max_bytes": max(totals),
                "fixed_bytes": sum(first["fixed"].values()), "fixed": first["fixed"],
                "per_query": [{"query": r["query"], "total": r["total"], "chunks": r["chunks"],
                               "fragment": r["fragment"]} for r in rows]}
    except Exception as exc:  # noqa: BLE001 - a figure we could not take is reported, not fatal
        return {"error": f"{type(exc).__name__}: {str(exc)[:300]}"}


def _step(runs: list[dict], n: int, mb: float | None = None) -> dict:
    wall = median([x["wall_s"] for x in runs])
    out = {"wall_s": [x["wall_s"] for x in runs], "median_s": wall, "articles_per_s": n / wall,
           "peak_rss_mib": max(x["peak_rss_mib"] for x in runs)}
    if mb is not None:
        out["mb_per_s"] = mb / wall
    return out


def _rebuilds(cmd: list[str], cwd: Path, edit, log, label: str) -> dict:
    walls, heads = [], []
    for k in range(REBUILD_REPEATS):
        edit(k)
        t = timed(cmd, cwd=cwd)
        walls.append(t["wall_s"])
        heads += t["stderr_head"][:3] if t["stderr_lines"] else []
    log(f"  rebuild, {label}: {', '.join(f'{w:.2f}' for w in walls)} s")
    return {"wall_s": walls, "median_s": median(walls), "stderr_head": heads[:6]}


# --------------------------------------------------------------------------- one size


def bench_size(n: int, repeats: int, work: Path, log, *, jobs1: bool, traf_max: int) -> dict:
    res: dict = {"n": n, "repeats": repeats, "rebuild_repeats": REBUILD_REPEATS}
    gen = generate(n, work, seed=0)
    raw, html_dir = work / "raw", work / "html"
    mb = gen["raw_bytes"] / 1e6
    res["input"] = {**gen, "raw_mb": mb}
    entities = work / "entities.yml"
    shutil.copy2(ROOT / "entities.yml", entities)
    log(f"N={n}: generated {gen['articles']} dumps, {mb:.2f} MB")

    # (a) full build, no cache, default jobs (one per core)
    runs, hashes = [], []
    for r in range(repeats):
        proj = work / f"full{r}"
        proj.mkdir()
        runs.append(timed(build_cmd(raw, proj / "docs", entities, cache=False), cwd=proj))
        hashes.append(tree_hash(proj / "docs"))
        log(f"  build --no-cache #{r + 1}: {runs[-1]['wall_s']:.2f}s")
    res["build"] = {**_step(runs, n, mb), "stderr_lines": runs[0]["stderr_lines"],
                    "rejected": runs[0]["rejected"], "stderr_head": runs[0]["stderr_head"]}
    wall = res["build"]["median_s"]
    res["build"]["docs_md_files"] = len(list((work / "full0" / "docs" / "articles").glob("**/*.md")))

    # fixed cost: the same command on an empty raw dir (interpreter start, imports, index pages)
    empty = work / "empty"
    (empty / "raw").mkdir(parents=True)
    res["build"]["fixed_cost_s"] = timed(build_cmd(empty / "raw", empty / "docs", entities, cache=False),
                                         cwd=empty)["wall_s"]
    res["build"]["articles_per_s_excl_fixed"] = n / max(wall - res["build"]["fixed_cost_s"], 1e-9)

    # single-process build: throughput per core and determinism across job counts
    res["deterministic"] = {"repeat_hashes_equal": len(set(hashes)) == 1 if repeats > 1 else None,
                            "jobs1_equals_parallel": None}
    if jobs1:
        proj1 = work / "jobs1"
        proj1.mkdir()
        one = timed(build_cmd(raw, proj1 / "docs", entities, cache=False, jobs=1), cwd=proj1)
        res["build_jobs1"] = {"wall_s": one["wall_s"], "articles_per_s": n / one["wall_s"],
                              "peak_rss_mib": one["peak_rss_mib"]}
        res["deterministic"]["jobs1_equals_parallel"] = tree_hash(proj1 / "docs") == hashes[0]
        shutil.rmtree(proj1, ignore_errors=True)
        log(f"  build --jobs 1: {one['wall_s']:.2f}s; deterministic={res['deterministic']}")
    else:
        res["build_jobs1"] = None
        log("  build --jobs 1: skipped (N > --jobs1-max)")

    # (b) cached rebuilds (the cache lives in <proj>/.cache/build, cwd-relative)
    cproj = work / "cached"
    cproj.mkdir()
    cmd = build_cmd(raw, cproj / "docs", entities, cache=True)
    cold = timed(cmd, cwd=cproj)
    log(f"  rebuild, cold cache: {cold['wall_s']:.2f}s")
    rb: dict = {"cold_cache_s": cold["wall_s"]}
    rb["warm"] = _rebuilds(cmd, cproj, lambda k: None, log, "warm, nothing changed")
    rb["touched"] = _rebuilds(cmd, cproj, lambda k: touch_one_dump(raw, k), log, "one dump touched")
    rb["changed"] = _rebuilds(cmd, cproj, lambda k: change_one_dump(raw, k), log, "one dump changed")
    rb["added"] = _rebuilds(cmd, cproj, lambda k: add_one_dump(raw, n, k), log, "one dump added")
    aliases: list[str] = []
    rb["entities"] = _rebuilds(cmd, cproj, lambda k: aliases.append(edit_entities(entities, k)), log,
                               "entities.yml edited")
    ent_pages = cproj / "docs" / "entities"
    rb["entities"]["aliases_added"] = aliases
    rb["entities"]["alias_in_output"] = any(
        aliases[-1] in p.read_text(encoding="utf-8") for p in ent_pages.glob("*.md")) if ent_pages.is_dir() else None
    for key in ("touched", "changed", "added", "entities"):
        rb[key]["vs_full"] = rb[key]["median_s"] / wall
    res["rebuild"] = rb
    shutil.copy2(ROOT / "entities.yml", entities)

    # (c) mkdocs build on the docs of the first full build, as `make site` runs it (without --strict)
    proj = work / "full0"
    make_mkdocs_project(proj)
    mk, se, sites = [], [], []
    for r in range(repeats):
        site = f"site{r}"
        sites.append(proj / site)
        mk.append(timed([MKDOCS, "build", "--site-dir", site], cwd=proj))
        log(f"  mkdocs build #{r + 1}: {mk[-1]['wall_s']:.2f}s")
        # (d) search index, cold search cache (<site>/../.cache/search)
        shutil.rmtree(proj / ".cache" / "search", ignore_errors=True)
        se.append(timed([PY, "-m", "build_tools.search", "index", "--site", site, "--docs", "docs", "--json"],
                        cwd=proj))
        log(f"  search index #{r + 1}: {se[-1]['wall_s']:.2f}s")
    res["mkdocs"] = {**_step(mk, n), "per_article_ms": median([x["wall_s"] for x in mk]) / n * 1000,
                     "stderr_lines": mk[0]["stderr_lines"], "warnings": mk[0]["warnings"],
                     "warnings_head": mk[0]["warnings_head"]}
    stats: dict = {}
    try:
        stats = json.loads(se[0]["stdout"].strip().splitlines()[-1])
    except (ValueError, IndexError):
        stats = {"error": "no JSON on stdout", "stdout_head": se[0]["stdout"][:300]}
    site0 = sites[0]
    bundle = site0 / "pagefind"
    res["search"] = {**_step(se, n), "per_article_ms": median([x["wall_s"] for x in se]) / n * 1000,
                     "stats": {k: v for k, v in stats.items() if k != "output"},
                     "bundle_mb": tree_bytes(bundle) / 1e6 if bundle.is_dir() else None,
                     "bundle_files": tree_files(bundle) if bundle.is_dir() else None,
                     "first_query": first_query_bytes(site0), "stderr_head": se[0]["stderr_head"][:6]}
    res["site"] = {"mb": tree_bytes(site0) / 1e6, "files": tree_files(site0),
                   "mb_without_search": (tree_bytes(site0) - (tree_bytes(bundle) if bundle.is_dir() else 0)) / 1e6}
    for s in sites[1:]:
        shutil.rmtree(s, ignore_errors=True)

    # (d2) the editor's loop, as `make site` runs it: cold, nothing changed, one added, one edited (issue 15)
    (work / "cycle").mkdir()
    res["cycle"] = site_cycle.cycle(raw, entities, work / "cycle", timed, log)
    shutil.rmtree(work / "cycle", ignore_errors=True)

    # (e) trafilatura, in-process, one core, on a sample
    files = sorted(html_dir.glob("*.html"))[:traf_max]
    tr = [trafilatura_rate(files) for _ in range(repeats)]
    tr_wall = median([x["wall_s"] for x in tr])
    res["trafilatura"] = {"articles": len(files), "wall_s": [x["wall_s"] for x in tr], "median_s": tr_wall,
                          "articles_per_s": len(files) / tr_wall,
                          "html_mb": sum(f.stat().st_size for f in files) / 1e6}
    res["trafilatura"]["mb_per_s"] = res["trafilatura"]["html_mb"] / tr_wall
    log(f"  trafilatura ({len(files)} articles): {tr_wall:.2f}s")

    # (f) cp -r of the raw bytes
    cps = []
    for r in range(repeats):
        dst = work / f"cp{r}"
        cps.append(timed(["cp", "-r", str(raw), str(dst)], cwd=work)["wall_s"])
        shutil.rmtree(dst, ignore_errors=True)
    res["cp"] = {"wall_s": cps, "median_s": median(cps), "mb_per_s": mb / median(cps)}

    mk_wall, se_wall = res["mkdocs"]["median_s"], res["search"]["median_s"]
    total = wall + mk_wall + se_wall
    res["ratios"] = {
        "make_site_s": total,
        "build_share_of_make_site": wall / total,
        "mkdocs_share_of_make_site": mk_wall / total,
        "search_share_of_make_site": se_wall / total,
        "build_vs_trafilatura": res["build"]["articles_per_s"] / res["trafilatura"]["articles_per_s"],
        "build_jobs1_vs_trafilatura": (res["build_jobs1"]["articles_per_s"] / res["trafilatura"]["articles_per_s"]
                                       if res["build_jobs1"] else None),
        "parallel_speedup": res["build_jobs1"]["wall_s"] / wall if res["build_jobs1"] else None,
        "rebuild_touched_vs_full": rb["touched"]["vs_full"],
        "rebuild_one_changed_vs_full": rb["changed"]["vs_full"],
        "rebuild_one_added_vs_full": rb["added"]["vs_full"],
        "rebuild_entities_vs_full": rb["entities"]["vs_full"],
        "build_vs_cp": wall / median(cps),
        "make_site_per_article_ms": total / n * 1000,
        "site_build_per_article_ms": (mk_wall + se_wall) / n * 1000,
        "mkdocs_per_article_ms": mk_wall / n * 1000,
        "search_per_article_ms": se_wall / n * 1000,
    }
    return res


# --------------------------------------------------------------------------- report


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
    cyc = [x for x in results if x.get("cycle")]
    if cyc:
        c = {x["n"]: x["cycle"] for x in cyc}
        ok = all(v["added"]["vs_cold"] <= 0.03 and v["edited"]["vs_cold"] <= 0.03 for v in c.values())
        row("`make site` after one added / edited dump ≤ 3% of a cold one (issue 15)", "met" if ok else "missed",
            "; ".join(f"N={n}: added {v['added']['vs_cold']:.1%}, edited {v['edited']['vs_cold']:.1%}"
                      for n, v in c.items()))
        ok = all(v["noop"]["vs_cold"] <= 0.01 for v in c.values())
        row("`make site` with nothing changed ≤ 1% of a cold one (issue 15)", "met" if ok else "missed",
            "; ".join(f"N={n}: {v['noop']['total_s']:.2f} s = {v['noop']['vs_cold']:.1%}" for n, v in c.items()))
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
    if r.get("cycle"):
        out += site_cycle.render(r["n"], r["cycle"])
    if b["stderr_lines"]:
        out += ["Build stderr (first lines):", "", "```", *b["stderr_head"], "```", ""]
    if mk.get("warnings_head"):
        out += ["mkdocs warnings (first lines):", "", "```", *mk["warnings_head"], "```", ""]
    for key in ("warm", "touched", "changed", "added", "entities"):
        if rb[key].get("stderr_head"):
            out += [f"Rebuild ({key}) stderr (first lines):", "", "```", *rb[key]["stderr_head"], "```", ""]
    return out


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
            "(Traditional via OpenCC s2t). Every step runs as a subprocess; wall time includes interpreter start. "
            "Build step = `python -m build_tools build --no-cache --quiet` with a copy of the repo's entities.yml "
            "(default jobs = one per core). mkdocs = `mkdocs build --site-dir <site>` with the repo's "
            "mkdocs.yml/overrides, as `make site` runs it but without `--strict` (the synthetic corpus is not "
            "warning-free). Search = `python -m build_tools.search index --site <site> --docs docs` on that "
            "site, search cache cleared first (cold). `make site` = build + mkdocs + search. Peak RSS is the "
            "largest single process (GNU time `-v`), not the sum over worker processes. Rebuild = cached build "
            "after a cold and warm run: warm with nothing changed; one dump's mtime touched (content unchanged); "
            "one dump rewritten with one changed paragraph; one dump added; one alias added to an entity in "
            "entities.yml — each the median of 3 successive edits. Search bytes for a first query = "
            "`benchmarks.search_bench.static_bytes` (no browser): fixed search files + index chunks covering "
            "the query's terms + one median fragment, gzip as a static host serves them. trafilatura = "
            "`trafilatura.extract(with_metadata=True)` in-process on one core over plain-HTML twins of the "
            f"first min(N, {doc['args']['trafilatura_max']}) articles (a sample: its throughput is compared, "
            "not its wall time). cp -r = copy of the raw dir (I/O floor).", "",
            "## Ratios", ""]
    out += ratio_table(doc["results"])
    out += ["", "## Targets", "", "| target | status | figures |", "|---|---|---|"]
    out += [f"| {t['target']} | **{t['status']}** | {t['figures']} |" for t in doc["targets"]]
    out.append("")
    for r in doc["results"]:
        out += render_size(r)
    return "\n".join(out)


def _git_head() -> str | None:
    proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return proc.stdout.strip() or None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description="Archive build benchmarks (see benchmarks/run.py).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Large sizes (not in the default `make bench`, never in `make test`; 10k alone ~20-30 min\n"
               "on 2 cores):\n"
               "  nice -n 10 .venv/bin/python -m benchmarks --sizes 1000,5000,10000 --name run10k\n"
               "  make bench BENCH_ARGS=\"--sizes 1000,5000,10000 --name run10k\"")
    parser.add_argument("--sizes", default="100,1000", help="comma-separated N (default 100,1000)")
    parser.add_argument("--repeat-max", type=int, default=100,
                        help="repeat full builds, mkdocs and search 3× (median) for N up to this (default 100)")
    parser.add_argument("--jobs1-max", type=int, default=5000,
                        help="run the single-core (--jobs 1) build for N up to this (default 5000)")
    parser.add_argument("--trafilatura-max", type=int, default=2000,
                        help="trafilatura runs on the first min(N, this) articles (default 2000)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--name", default="latest", help="report basename (latest.md/.json)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dirs")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    os.environ["NO_MKDOCS_2_WARNING"] = "1"

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    head_start = _git_head()
    t0 = time.perf_counter()
    results = []
    for n in sizes:
        work = Path(tempfile.mkdtemp(prefix=f"bench-{n}-"))
        t_n = time.perf_counter()
        try:
            results.append(bench_size(n, 3 if n <= args.repeat_max else 1, work, log,
                                      jobs1=n <= args.jobs1_max, traf_max=args.trafilatura_max))
            results[-1]["elapsed_s"] = time.perf_counter() - t_n
            log(f"N={n}: done in {results[-1]['elapsed_s']:.0f} s")
        finally:
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
            else:
                log(f"  kept {work}")
    doc = {"started": started, "total_s": time.perf_counter() - t0, "machine": machine(),
           "git_head": {"start": head_start, "end": _git_head()},
           "args": {"sizes": sizes, "repeat_max": args.repeat_max, "jobs1_max": args.jobs1_max,
                    "trafilatura_max": args.trafilatura_max},
           "results": results}
    doc["targets"] = targets(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (args.out / f"{args.name}.md").write_text(render_md(doc), encoding="utf-8")
    log(f"wrote {args.out / (args.name + '.md')}")
    return 0
