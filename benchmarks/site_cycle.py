"""The editor's loop at size N, as `make site` runs it (issue 15): cold, nothing changed, one dump added,
one dump edited — each time the command `make site` runs (``python -m build_tools site … -- …``), timed as a
whole: the build step, then the site step (the render, the HTML check and the search index in one process),
whose process starts beside the build, loads MkDocs and waits for the build (build_tools/make_site.py).  The
site step's figures (``--json``) carry the build's (its seconds from the command's start until it told the site
step to go, its CPU, its peak memory) and the search index's, so the table keeps a build / site render / search
split whose sum is exactly what `make site` took.

Also standalone: ``python -m benchmarks.site_cycle --n 2000`` (prints the table; ``--json FILE``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.generate import encode, generate, make_articles, render_dump
from benchmarks.measure import PY, ROOT, project

# "added"/"added2" carry a random date inside the archive's span (they land among old articles); an editor's
# new dump is usually the newest article: "newest" is one dated after every other, "newest_edited" its edit.
PHASES = ("cold", "noop", "added", "added2", "edited", "newest", "newest_edited")
STEPS = ("build", "site", "search")
LABELS = {"cold": "cold", "noop": "nothing changed", "added": "one dump added", "added2": "another dump added",
          "edited": "one dump edited", "newest": "newest dump added", "newest_edited": "newest dump edited"}


def _commands(raw: Path, entities: Path) -> dict[str, list[str]]:
    """`make site`'s command (``make_site``) and its two steps on their own (``build``, then ``site``), with the
    paths of a generated project; the build step prints its summary as `make site`'s does (no ``--quiet``)."""
    build = ["--raw", str(raw), "--docs", "docs", "--entities", str(entities),
             "--overrides", str(ROOT / "overrides.yml")]
    site = ["--site-dir", "site", "--docs", "docs", "--json"]
    return {"build": [PY, "-m", "build_tools", "build", *build], "site": [PY, "-m", "build_tools.site", *site],
            "make_site": [PY, "-m", "build_tools", "site", *build, "--", *site]}


def split_make_site(t: dict) -> dict:
    """`make site`'s process tree (``timed``'s figures) as {build, site, search}: the build's figures and the
    search index's as the site step's ``--json`` line gives them, the site render the rest of the wall and
    CPU time (the site step's start, imports, render, HTML check — less what it did beside the build)."""
    figures = _figures(t["stdout"])
    build = figures.get("build") or {}
    site, search, summary = split_site(t)
    built = {"wall_s": float(build.get("wall_s") or 0.0), "cpu_s": build.get("cpu_s"),
             "peak_rss_mib": build.get("peak_rss_mib") or t["peak_rss_mib"]}
    site["wall_s"] -= built["wall_s"]
    site["cpu_s"] = None if site["cpu_s"] is None or built["cpu_s"] is None else site["cpu_s"] - built["cpu_s"]
    site["peak_rss_mib"] = search["peak_rss_mib"] = figures.get("peak_rss_mib") or t["peak_rss_mib"]
    site["summary"] = summary
    return {"build": built, "site": site, "search": search}


def _figures(stdout: str) -> dict:
    lines = stdout.strip().splitlines()
    try:
        figures = json.loads(lines[-1])
    except (ValueError, IndexError):
        return {}
    return figures if isinstance(figures, dict) else {}


def split_site(t: dict) -> tuple[dict, dict, str]:
    """The site step's process (``timed``'s figures) as (site render, search index, the render's summary line):
    the search index's in-process wall and CPU seconds, read off the step's ``--json`` line, and the rest of
    the process (start, imports, render, HTML check).  Peak RSS is the process's for both (one process)."""
    lines = t["stdout"].strip().splitlines()
    figures = _figures(t["stdout"])
    search_s, search_cpu = float(figures.get("search_s") or 0.0), figures.get("search_cpu_s")
    cpu = t.get("cpu_s")
    site = {"wall_s": t["wall_s"] - search_s, "cpu_s": None if cpu is None or search_cpu is None else cpu - search_cpu,
            "peak_rss_mib": t["peak_rss_mib"], "process_wall_s": t["wall_s"],
            "nothing_changed": bool(figures.get("nothing_changed"))}
    search = {"wall_s": search_s, "cpu_s": search_cpu, "peak_rss_mib": t["peak_rss_mib"]}
    stats = figures.get("search") or {}
    search.update({k: stats.get(k) for k in ("shards", "shards_built", "pages_extracted", "seconds_shards",
                                             "seconds_merge")})
    return site, search, next((line for line in lines if line.startswith("site:")), "")


def add_dump(raw: Path, tag: int, seed_base: int = 20_000, prefix: str | None = None) -> Path:
    """One generated dump (a random date inside the archive's span) written into ``raw``."""
    a = make_articles(1, seed=seed_base + tag)[0]
    text, ext = render_dump(a, random.Random(tag))
    stem = f"{prefix}_added" if prefix is not None else f"cycle_added_{tag:03d}"
    path = raw / f"{stem}_{a.fmt}_{a.encoding.replace('-', '')}{ext}"
    path.write_bytes(encode(text, a.encoding, a.fmt))
    return path


def add_newest(raw: Path, edited: bool) -> Path:
    """One Jina-format UTF-8 dump dated after every generated one (2026-06-01); ``edited``: the same dump with
    one paragraph changed (written over the first)."""
    import dataclasses
    from datetime import datetime

    a = dataclasses.replace(make_articles(1, seed=30_000)[0], published=datetime(2026, 6, 1, 9), fmt="jina",
                            encoding="utf-8")
    if edited:
        paras = list(a.paragraphs)
        paras[len(paras) // 2] += "（编者按：修订补充了说明。）"
        a = dataclasses.replace(a, paragraphs=tuple(paras))
    text, ext = render_dump(a, random.Random(7))
    path = raw / f"cycle_newest_jina_utf8{ext}"
    path.write_bytes(encode(text, a.encoding, a.fmt))
    return path


def edit_dump(raw: Path, tag: int) -> Path:
    """One UTF-8 Markdown dump with one paragraph changed."""
    target = sorted(raw.glob("*_utf8.md"))[tag]
    paras = target.read_text(encoding="utf-8").split("\n\n")
    paras[len(paras) // 2] += f"（编者按：第{tag + 1}次修订补充了说明。）"
    target.write_text("\n\n".join(paras), encoding="utf-8")
    return target


def cycle(raw: Path, entities: Path, proj: Path, timed, log, after: dict | None = None) -> dict:
    """{phase: {step: seconds, peak RSS}} for the five phases, on ``proj`` (a fresh project folder).

    ``after`` maps a phase to a call made once it is measured (`make bench` times the anchors on the cold
    docs/ there, so that Hugo and Zensical render exactly the pages the cold render did)."""
    project(proj)
    commands = _commands(raw, entities)
    # Two additions in a row: at a round N (2,000) the first one also moves the cross-dump furniture threshold
    # (2% of the dumps: 40 → 41 lines), which re-cleans every article holding a line kept by exactly 40
    # dumps; the second one (2,001 → 2,002) shows an addition that moves no threshold (49 in 50 do not).
    edits = {"cold": lambda: None, "noop": lambda: None, "added": lambda: add_dump(raw, 0),
             "added2": lambda: add_dump(raw, 1), "edited": lambda: edit_dump(raw, 0),
             "newest": lambda: add_newest(raw, edited=False), "newest_edited": lambda: add_newest(raw, edited=True)}
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")  # the sitemap's date: one value for the run
    out: dict = {}
    for phase in PHASES:
        edits[phase]()
        row: dict = split_make_site(timed(commands["make_site"], cwd=proj))
        row["total_s"] = sum(row[s]["wall_s"] for s in STEPS)  # = the command's wall time
        cpus = [row[s]["cpu_s"] for s in STEPS]
        row["total_cpu_s"] = sum(cpus) if None not in cpus else None
        out[phase] = row
        log(f"  make site, {LABELS[phase]}: " + ", ".join(f"{s} {row[s]['wall_s']:.2f}" for s in STEPS)
            + f" = {row['total_s']:.2f} s (CPU {row['total_cpu_s']:.1f} s)")
        (after or {}).get(phase, lambda: None)()
    cold, cold_cpu = out["cold"]["total_s"], out["cold"]["total_cpu_s"]
    for phase in PHASES:
        out[phase]["vs_cold"] = out[phase]["total_s"] / cold
        # On a machine shared with other work the wall clock mostly measures the others; CPU seconds
        # (user + system, the process tree) are what this build spent, whatever the load.
        cpu = out[phase]["total_cpu_s"]
        out[phase]["cpu_vs_cold"] = cpu / cold_cpu if cpu is not None and cold_cpu else None
    return out


def render(n: int, c: dict) -> list[str]:
    """The markdown table of one size's cycle."""
    lines = [f"### `make site` cycle at N = {n} (issue 15; one run, subprocesses side by side)", "",
             "`make site`'s command timed as a whole: \"build step\" is its time from the start until the build "
             "told the site step (started beside it, MkDocs loaded) to go; \"site render\" the rest less the search "
             "index (the no-op check, render, HTML check), \"search index\" that index's seconds inside the site "
             "step's process.", "",
             "| phase | build step | site render | search index | whole `make site` | share of cold | CPU s "
             "(build + site + search) | CPU share of cold | notes |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for phase in (p for p in PHASES if p in c):
        r = c[phase]
        se = r["search"]
        note = (f"{se.get('shards_built')} of {se.get('shards')} shards built, {se.get('pages_extracted')} pages "
                f"extracted, merge {se.get('seconds_merge')} s; {r['site'].get('summary', '')}")
        cpu = (f"{r['build']['cpu_s']:.1f} + {r['site']['cpu_s']:.1f} + {se['cpu_s']:.1f} = {r['total_cpu_s']:.1f} | "
               f"{r['cpu_vs_cold']:.1%}") if r.get("cpu_vs_cold") is not None else "n/a | n/a"
        lines.append(f"| {LABELS[phase]} | {r['build']['wall_s']:.2f} s | {r['site']['wall_s']:.2f} s | "
                     f"{se['wall_s']:.2f} s | {r['total_s']:.2f} s | {r['vs_cold']:.1%} | {cpu} | {note} |")
    lines += ["", "Peak RSS, largest single process of each step (MiB):", "",
              "| phase | build step | site render | search index |", "|---|---:|---:|---:|"]
    lines += [f"| {LABELS[p]} | " + " | ".join(f"{c[p][s]['peak_rss_mib']:.0f}" for s in STEPS) + " |"
              for p in PHASES if p in c]
    added2 = f", another added {c['added2']['vs_cold']:.1%}" if "added2" in c else ""
    lines += ["", f"Targets (issue 15): one added or edited ≤ 3% of cold — added {c['added']['vs_cold']:.1%}"
              f"{added2}, edited {c['edited']['vs_cold']:.1%}; nothing changed ≤ 1% — {c['noop']['vs_cold']:.1%}.",
              ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    from benchmarks.measure import timed

    parser = argparse.ArgumentParser(prog="python -m benchmarks.site_cycle")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix=f"cycle-{args.n}-"))
    try:
        generate(args.n, work, seed=0)
        shutil.copy2(ROOT / "entities.yml", work / "entities.yml")
        (work / "proj").mkdir()
        started = time.perf_counter()
        result = cycle(work / "raw", work / "entities.yml", work / "proj", timed,
                       lambda m: print(m, file=sys.stderr, flush=True))
        result["elapsed_s"] = time.perf_counter() - started
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("\n".join(render(args.n, result)))
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
