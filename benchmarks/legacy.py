"""The older measurements of `make bench` (issue 6), behind ``python -m benchmarks --legacy``: the build step
with ``--no-cache`` (and ``--jobs 1``: single-core throughput, determinism), cached build-step rebuilds (median
of 3 each: nothing changed, one dump touched / changed / added, entities.yml edited), a full ``mkdocs build``
and a cold search index with the first-query bytes, trafilatura on the same articles, ``cp -r`` (the I/O floor).

Issue 15's figures (benchmarks/site_cycle.py, the preview, the anchors) supersede the build, mkdocs and search
timings here: at 10k these repeat the cycle's cold run and add ~10 min, so they run only when asked.  Each
size generates its own dumps into its own folder (the rebuilds edit them).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import time
from pathlib import Path

from benchmarks.generate import generate
from benchmarks.measure import PY, ROOT, project, timed, tree_bytes, tree_files, tree_hash
from benchmarks.site_cycle import add_dump

MKDOCS = str(Path(PY).parent / "mkdocs")
REBUILD_REPEATS = 3
# Queries for the first-query bytes (entities and terms that occur in the synthetic text).
FIRST_QUERIES = ("黄仁勋", "英偉達", "推理模型", "出口管制", "Nvidia", "DeepSeek-R1", "算力")


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
    work.mkdir(parents=True, exist_ok=True)
    res: dict = {"n": n, "repeats": repeats, "rebuild_repeats": REBUILD_REPEATS}
    gen = generate(n, work, seed=0)
    raw = work / "raw"
    res["input"] = {**gen, "raw_mb": gen["raw_bytes"] / 1e6}
    entities = work / "entities.yml"
    shutil.copy2(ROOT / "entities.yml", entities)
    log(f"N={n}: generated {gen['articles']} dumps, {res['input']['raw_mb']:.2f} MB")
    _full_builds(res, work, raw, entities, log, jobs1=jobs1)
    _cached_rebuilds(res, work, raw, entities, log)
    _mkdocs_and_search(res, work, log)
    _baselines(res, work, raw, log, traf_max=traf_max)
    res["ratios"] = _ratios(res)
    return res


def _full_builds(res: dict, work: Path, raw: Path, entities: Path, log, *, jobs1: bool) -> None:
    n, repeats, mb = res["n"], res["repeats"], res["input"]["raw_mb"]
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


def _cached_rebuilds(res: dict, work: Path, raw: Path, entities: Path, log) -> None:
    n, wall = res["n"], res["build"]["median_s"]
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
    rb["added"] = _rebuilds(cmd, cproj, lambda k: add_dump(raw, k, seed_base=10_000, prefix=f"{n + k:05d}"), log,
                            "one dump added")
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


def _mkdocs_and_search(res: dict, work: Path, log) -> None:
    n, repeats = res["n"], res["repeats"]
    # (c) mkdocs build on the docs of the first full build, as `make site` runs it (without --strict)
    proj = work / "full0"
    project(proj)
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


def _baselines(res: dict, work: Path, raw: Path, log, *, traf_max: int) -> None:
    repeats, mb = res["repeats"], res["input"]["raw_mb"]
    html_dir = work / "html"
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


def _ratios(res: dict) -> dict:
    n, wall, rb = res["n"], res["build"]["median_s"], res["rebuild"]
    cps = res["cp"]["wall_s"]
    mk_wall, se_wall = res["mkdocs"]["median_s"], res["search"]["median_s"]
    total = wall + mk_wall + se_wall
    return {
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

