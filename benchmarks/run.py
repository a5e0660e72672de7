"""``make bench`` / ``python -m benchmarks``: issue 15's figures in one run, one report.

    make bench                                               # N = 2,000 and 10,000 -> benchmarks/results/issue15.*
    make bench BENCH_ARGS="--sizes 200 --drops 5 --name try"  # a quick look
    make bench BENCH_ARGS="--sizes 2000,10000,50000"          # with the 50k per-article target
    make bench BENCH_ARGS="--legacy"                          # also the older issue-6 measurements (slow)

For each size N, in a fresh temp folder: N synthetic dumps (benchmarks/generate.py), then
  1. the `make site` cycle (benchmarks/site_cycle.py): cold, nothing changed, one added, another added, one
     edited; build step, site render and search index, wall + CPU + peak RSS each;
  2. right after the cold phase, on its docs/: Hugo (benchmarks/hugo_anchor.py) and Zensical
     (benchmarks/zensical_report.py) building the same pages, cold;
  3. the preview (benchmarks/preview_latency.py): ``--drops`` dumps dropped into a running
     ``python -m build_tools serve`` on the same project, each timed until served and indexed;
  4. with ``--legacy``, the older measurements (benchmarks/legacy.py) in their own folder.
Then issue 15's targets (benchmarks/targets.py), met / missed / not run, and the report
(benchmarks/report.py) in <out>/<name>.md and .json.  The harness drives the project only through its
command lines, so it keeps measuring whatever the build, the render and the index become.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import hugo_anchor, legacy, preview_latency, report, site_cycle, zensical_report
from benchmarks.generate import generate
from benchmarks.measure import ROOT, git_head, load, machine, timed
from benchmarks.targets import targets

__all__ = ["main", "timed"]  # timed: older callers import it from here


def _preview(proj: Path, work: Path, args: argparse.Namespace, log) -> dict:
    """The preview on the cycle's project: raw/, entities.yml and overrides.yml where `make serve` looks."""
    try:
        (proj / "raw").symlink_to(work / "raw")
        shutil.copy2(work / "entities.yml", proj / "entities.yml")
        if (ROOT / "overrides.yml").exists():  # as the cycle's build step reads it
            shutil.copy2(ROOT / "overrides.yml", proj / "overrides.yml")
        return preview_latency.measure(proj, args.drops, args.startup_limit, args.drop_limit, log)
    except Exception as exc:  # noqa: BLE001 - a preview that fails is a figure of the report, not the end of the run
        return {"error": f"{type(exc).__name__}: {str(exc)[-600:]}", "drops": args.drops}


def bench_size(n: int, work: Path, args: argparse.Namespace, log) -> dict:
    res: dict = {"n": n, "load_start": load()}
    started = time.perf_counter()
    res["input"] = generate(n, work, seed=0)
    shutil.copy2(ROOT / "entities.yml", work / "entities.yml")
    log(f"N={n}: generated {res['input']['articles']} dumps; load {res['load_start']}")
    proj = work / "proj"

    def anchors() -> None:
        if "hugo" not in args.skip:
            res["hugo"] = hugo_anchor.measure(proj / "docs", work / "hugo", log)
            shutil.rmtree(work / "hugo", ignore_errors=True)
        if "zensical" not in args.skip:
            res["zensical"] = zensical_report.anchor(proj / "docs", work / "zensical", log)
            shutil.rmtree(work / "zensical", ignore_errors=True)

    res["cycle"] = site_cycle.cycle(work / "raw", work / "entities.yml", proj, timed, log, after={"cold": anchors})
    if args.drops and "preview" not in args.skip:
        res["preview"] = _preview(proj, work, args, log)
    if args.legacy:
        res["legacy"] = legacy.bench_size(n, 3 if n <= 100 else 1, work / "legacy", log,
                                          jobs1=n <= args.jobs1_max, traf_max=args.trafilatura_max)
    res["load_end"] = load()
    res["elapsed_s"] = time.perf_counter() - started
    log(f"N={n}: done in {res['elapsed_s']:.0f} s; load {res['load_end']}")
    return res


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--sizes", default="2000,10000", help="comma-separated N (default 2000,10000; add 50000 "
                        "for the per-article target)")
    parser.add_argument("--drops", type=int, default=20, help="dumps dropped into the preview at each size "
                        "(default 20, as issue 15 asks at 10k; 0: no preview)")
    parser.add_argument("--drop-limit", type=float, default=60.0,
                        help="seconds a drop may take before it counts as not published (default 60)")
    parser.add_argument("--startup-limit", type=float, default=1800.0, help="seconds the preview may take to start")
    parser.add_argument("--skip", default="", help="comma-separated parts to leave out: hugo, zensical, preview")
    parser.add_argument("--legacy", action="store_true", help="also the older issue-6 measurements (benchmarks/"
                        "legacy.py: build --no-cache, --jobs 1, rebuilds, full mkdocs, trafilatura, cp -r)")
    parser.add_argument("--jobs1-max", type=int, default=5000, help="--legacy: the --jobs 1 build up to this N")
    parser.add_argument("--trafilatura-max", type=int, default=2000, help="--legacy: trafilatura's sample size")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--name", default="issue15", help="report basename (default issue15)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folders")
    parser.add_argument("--rerender", action="store_true",
                        help="measure nothing: write <out>/<name>.md again from <out>/<name>.json")
    args = parser.parse_args(argv)
    args.sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = args.skip - {"hugo", "zensical", "preview"}
    if unknown:
        parser.error(f"--skip: unknown part(s) {sorted(unknown)}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    if args.rerender:  # the report's layout changed, the figures did not
        doc = json.loads((args.out / f"{args.name}.json").read_text(encoding="utf-8"))
        doc["targets"] = targets(doc["results"])
        (args.out / f"{args.name}.md").write_text(report.render(doc), encoding="utf-8")
        return 0

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    doc: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "load_start": load(),
                 "command": "python -m benchmarks " + shlex.join(sys.argv[1:] if argv is None else argv),
                 "git_head": {"start": git_head()}, "machine": machine(),
                 "args": {"sizes": args.sizes, "drops": args.drops, "drop_limit": args.drop_limit,
                          "skip": sorted(args.skip), "legacy": args.legacy, "trafilatura_max": args.trafilatura_max}}
    t0 = time.perf_counter()
    results = []
    for n in args.sizes:
        work = Path(tempfile.mkdtemp(prefix=f"bench-{n}-"))
        try:
            results.append(bench_size(n, work, args, log))
        finally:
            if args.keep:
                log(f"  kept {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
    doc.update({"total_s": time.perf_counter() - t0, "load_end": load(), "results": results,
                "targets": targets(results)})
    doc["git_head"]["end"] = git_head()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n",
                                                encoding="utf-8")
    (args.out / f"{args.name}.md").write_text(report.render(doc), encoding="utf-8")
    log(f"wrote {args.out / (args.name + '.md')}")
    return 0
