"""Issue 15's targets, each with its figures from one `make bench` run and met / missed / not run, and for a
missed one the figures that say why (the step that took the time).  Pure: results in, rows out.

A result is one size's dict from benchmarks/run.py: ``n``, ``cycle`` (benchmarks/site_cycle.py), ``preview``
(benchmarks/preview_latency.py), ``hugo`` (benchmarks/hugo_anchor.py), ``zensical``.
"""

from __future__ import annotations

SHARE_CHANGE = 0.03  # one added or edited dump: ≤ 3% of a cold `make site`
SECONDS_CHANGE_10K = 5.0  # ... and ≤ 5 s at 10k
SHARE_NOOP = 0.01  # nothing changed: ≤ 1%
PREVIEW_P95_S = 3.0  # preview p95 at 10k over 20 drops
PREVIEW_DROPS = 20
HUGO_FACTOR = 4.0  # cold `make site` at 10k within 4x of Hugo
PEAK_BYTES = 1.5e9  # < 1.5 GB in every step
PER_ARTICLE_FACTOR = 1.3  # cost per article at 50k within 1.3x of 2k
STEPS = ("build", "site", "search")
CHANGES = ("added", "added2", "edited", "newest", "newest_edited")
CHANGE_LABELS = {"added": "one added", "added2": "another added", "edited": "one edited",
                 "newest": "newest added", "newest_edited": "newest edited"}


def _row(target: str, status: str, figures: str, why: str = "") -> dict:
    return {"target": target, "status": status, "figures": figures, "why": why}


def _status(ok: bool) -> str:
    return "met" if ok else "missed"


def _step_why(n: int, phase: str, row: dict) -> str:
    """The step that took the most of one phase, with what the render and the index did."""
    step = max(STEPS, key=lambda s: row[s]["wall_s"])
    se = row["search"]
    detail = {"build": "the build step",
              "site": f"the site render ({row['site'].get('summary', '')})",
              "search": f"the search index ({se.get('shards_built')} of {se.get('shards')} shards, "
                        f"merge {se.get('seconds_merge')} s)"}[step]
    return (f"N={n} {CHANGE_LABELS.get(phase, phase)}: {detail} took {row[step]['wall_s']:.1f} s of "
            f"{row['total_s']:.1f} s")


def _change_rows(cycles: dict[int, dict]) -> list[dict]:
    rows = []
    figs, why, ok = [], [], True
    for n, c in cycles.items():
        worst = max((p for p in CHANGES if p in c), key=lambda p: c[p]["vs_cold"])
        figs.append(f"N={n}: " + ", ".join(f"{CHANGE_LABELS[p]} {c[p]['total_s']:.2f} s = {c[p]['vs_cold']:.1%}"
                                           for p in CHANGES if p in c))
        if c[worst]["vs_cold"] > SHARE_CHANGE:
            ok = False
            why.append(_step_why(n, worst, c[worst]))
    rows.append(_row("one added or edited dump: whole `make site` ≤ 3% of a cold one", _status(ok), "; ".join(figs),
                     "; ".join(why)))
    if 10000 in cycles:
        c = cycles[10000]
        worst = max((p for p in CHANGES if p in c), key=lambda p: c[p]["total_s"])
        good = c[worst]["total_s"] <= SECONDS_CHANGE_10K
        rows.append(_row("one added or edited dump: ≤ 5 s at 10k", _status(good),
                         ", ".join(f"{CHANGE_LABELS[p]} {c[p]['total_s']:.2f} s" for p in CHANGES if p in c),
                         "" if good else _step_why(10000, worst, c[worst])))
    else:
        rows.append(_row("one added or edited dump: ≤ 5 s at 10k", "not run", "10k not in this run"))
    figs, why, ok = [], [], True
    for n, c in cycles.items():
        figs.append(f"N={n}: {c['noop']['total_s']:.2f} s = {c['noop']['vs_cold']:.1%}")
        if c["noop"]["vs_cold"] > SHARE_NOOP:
            ok = False
            why.append(_step_why(n, "nothing changed", c["noop"]))
    rows.append(_row("nothing changed: `make site` ≤ 1% of a cold one", _status(ok), "; ".join(figs), "; ".join(why)))
    return rows


def _preview_figures(p: dict) -> str:
    if p.get("error"):
        return f"failed: {p['error']}"
    p95 = "n/a" if p.get("p95_s") is None else f"{p['p95_s']:.1f} s"
    p50 = "n/a" if p.get("p50_s") is None else f"{p['p50_s']:.1f} s"
    dropped = p.get("dropped", p.get("drops"))
    skipped = (f" ({dropped} dumps dropped, {p['not_published']} not published: a duplicate or a rejected dump, "
               f"or over the time limit; the preview's log says which)" if p.get("not_published") else "")
    return (f"{len(p.get('latency_s', []))} of {p.get('drops')} drops published{skipped}, p50 {p50}, p95 {p95}, "
            f"{p.get('missing_while_listed', 0)} missing-page moments, {p.get('updates')} updates for "
            f"{dropped} dumps dropped")


def _preview_row(previews: dict[int, dict]) -> dict:
    target = "preview: p95 ≤ 3 s at 10k over 20 drops, no missing-page moment, no second rebuild"
    figures = "; ".join(f"N={n}: {_preview_figures(p)}" for n, p in previews.items()) or "preview not run"
    p = previews.get(10000)
    if p is None:
        return _row(target, "not run", figures + "; 10k not in this run")
    if p.get("error"):
        return _row(target, "missed", figures, "the preview did not start or stopped")
    why = []
    published = len(p.get("latency_s", []))
    if p.get("p95_s") is None or p["p95_s"] > PREVIEW_P95_S:
        p95 = "n/a" if p.get("p95_s") is None else f"{p['p95_s']:.1f} s"
        why.append(f"p95 {p95} > {PREVIEW_P95_S:.0f} s" + (f" (slowest update: {p['slowest_update']})"
                                                            if p.get("slowest_update") else ""))
    if published < p["drops"]:
        why.append(f"{p['drops'] - published} of {p['drops']} drops never published")
    if p.get("missing_while_listed"):
        why.append(f"{p['missing_while_listed']} moments a listed page was missing")
    dropped = p.get("dropped", p["drops"])
    if (p.get("updates") or 0) > dropped:
        why.append(f"{p['updates'] - dropped} second rebuilds")
    status = _status(not why)
    if p["drops"] < PREVIEW_DROPS:
        status += f" (over {p['drops']} drops, not {PREVIEW_DROPS})"
    return _row(target, status, figures, "; ".join(why))


def _hugo_row(results: dict[int, dict]) -> dict:
    target = "cold `make site` at 10k within 4× of Hugo rendering the same pages"
    figs = []
    for n, r in results.items():
        h = r.get("hugo") or {}
        cold = r["cycle"]["cold"]
        if h.get("error") or not h.get("wall_s"):
            figs.append(f"N={n}: Hugo not measured ({h.get('error', 'not run')})")
            continue
        figs.append(f"N={n}: {cold['total_s']:.1f} s vs Hugo {h['wall_s']:.2f} s = "
                    f"{cold['total_s'] / h['wall_s']:.1f}× "
                    f"(site render alone {cold['site']['wall_s'] / h['wall_s']:.1f}×)")
    r = results.get(10000)
    if r is None:
        return _row(target, "not run", "; ".join(figs) + "; 10k not in this run")
    h = r.get("hugo") or {}
    if h.get("error") or not h.get("wall_s"):
        return _row(target, "not measured", "; ".join(figs), f"Hugo: {h.get('error', 'not run')}")
    cold = r["cycle"]["cold"]
    ratio = cold["total_s"] / h["wall_s"]
    why = "" if ratio <= HUGO_FACTOR else (
        f"build {cold['build']['wall_s']:.0f} s + render {cold['site']['wall_s']:.0f} s + search "
        f"{cold['search']['wall_s']:.0f} s against Hugo's {h['wall_s']:.1f} s: 4× Hugo is "
        f"{HUGO_FACTOR * h['wall_s']:.0f} s")
    return _row(target, _status(ratio <= HUGO_FACTOR), "; ".join(figs), why)


def _peaks(r: dict) -> dict[str, float]:
    """Largest single process (MiB) of each step over the cycle, and of the preview."""
    c = r["cycle"]
    out = {s: max(c[p][s]["peak_rss_mib"] for p in c if isinstance(c[p], dict) and s in c[p]) for s in STEPS}
    if (r.get("preview") or {}).get("peak_rss_mib"):
        out["preview"] = r["preview"]["peak_rss_mib"]
    return out


def _memory_row(results: dict[int, dict]) -> dict:
    limit = PEAK_BYTES / 2**20
    figs, why = [], []
    for n, r in results.items():
        peaks = _peaks(r)
        figs.append(f"N={n}: " + ", ".join(f"{s} {v:.0f}" for s, v in peaks.items()) + " MiB")
        why += [f"N={n} {s}: {v:.0f} MiB" for s, v in peaks.items() if v >= limit]
    return _row(f"peak memory < 1.5 GB ({limit:.0f} MiB) in every step", _status(not why), "; ".join(figs),
                "; ".join(why))


def _per_article_row(results: dict[int, dict]) -> dict:
    target = "cold `make site` cost per article at 50k within 1.3× of 2k"

    def per(r: dict) -> float:
        return r["cycle"]["cold"]["total_s"] / r["n"] * 1000

    figs = "; ".join(f"N={n}: {per(r):.1f} ms/article" for n, r in results.items())
    if 50000 not in results or 2000 not in results:
        return _row(target, "not run", figs + "; 50k not asked (--sizes ...,50000)")
    q = per(results[50000]) / per(results[2000])
    why = "" if q <= PER_ARTICLE_FACTOR else "; ".join(
        f"{s} {results[50000]['cycle']['cold'][s]['wall_s'] / 50:.1f} vs "
        f"{results[2000]['cycle']['cold'][s]['wall_s'] / 2:.1f} ms/article" for s in STEPS)
    return _row(target, _status(q <= PER_ARTICLE_FACTOR), f"{figs}; 50k / 2k = {q:.2f}×", why)


def targets(results: list[dict]) -> list[dict]:
    """One row per target of issue 15, over the sizes of one run."""
    by_n = {r["n"]: r for r in sorted(results, key=lambda r: r["n"]) if r.get("cycle")}
    cycles = {n: r["cycle"] for n, r in by_n.items()}
    previews = {n: r["preview"] for n, r in by_n.items() if r.get("preview")}
    return [*_change_rows(cycles), _preview_row(previews), _hugo_row(by_n), _memory_row(by_n),
            _per_article_row(by_n)]
