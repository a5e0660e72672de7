"""The build step's incremental cost, two code trees side by side (issue 15): nothing changed, one dump added,
another added, one edited, the newest dump added and edited, at size N — each tree on its own copy of the same
generated archive and its own cache, the two builds of a phase run back to back so both see the same machine load.

    git worktree add /tmp/old <branch point>
    python -m benchmarks.build_floor --old /tmp/old --new . --n 2000 --work /tmp/floor-2k --json out.json

Wall and CPU seconds (user + system of the build and the workers it waited for) per phase; ``--noop-runs``
repeats the no-op build (median; the first run is kept apart too: it is the one `make bench` times, right after
the cold build).  The docs/ trees of the two are compared after every phase (the files that differ are
counted: they differ where the two codes' outputs are meant to).  ``--site``: the whole `make site` of each
phase, as benchmarks/site_cycle.py runs it (the build step, ``python -m build_tools.site --no-search``, the
search index), each step timed, in projects made like the bench's (the checkout's mkdocs.yml and theme).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.generate import generate
from benchmarks.measure import project
from benchmarks.site_cycle import add_dump, add_newest, edit_dump

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("cold", "noop", "added", "added2", "edited", "newest", "newest_edited", "noop_after")


SITE_STEPS = {"site": ["-m", "build_tools.site", "--site-dir", "site", "--docs", "docs", "--no-search"],
              "search": ["-m", "build_tools.search", "index", "--site", "site", "--docs", "docs", "--json"]}


def build(tree: Path, proj: Path, step: str = "build") -> dict:
    cmd = [sys.executable, "-m", "build_tools", "build", "--raw", str(proj / "raw"), "--docs", "docs", "--quiet",
           "--entities", str(proj / "entities.yml"), "--overrides", str(tree / "overrides.yml"), "--timings"]
    if step != "build":
        cmd = [sys.executable, *SITE_STEPS[step]]
    env = {**os.environ, "PYTHONPATH": str(tree), "SOURCE_DATE_EPOCH": "1700000000", "NO_MKDOCS_2_WARNING": "1"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=proj, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{step} in {proj} failed:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    timings = next((ln for ln in proc.stderr.splitlines() if ln.startswith("timings:")), "")
    return {"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "timings": timings}


def tree_differences(a: Path, b: Path) -> int:
    def files(root: Path) -> dict[str, bytes]:
        out = {}
        for folder, dirs, names in os.walk(root, followlinks=True):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            for name in names:
                if not name.startswith("."):
                    p = Path(folder) / name
                    out[p.relative_to(root).as_posix()] = p.read_bytes()
        return out
    fa, fb = files(a), files(b)
    return sum(fa.get(k) != fb.get(k) for k in set(fa) | set(fb))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.build_floor")
    parser.add_argument("--old", type=Path, required=True)
    parser.add_argument("--new", type=Path, default=ROOT)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--noop-runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--site", action="store_true", help="time the whole make site (build, render, search)")
    parser.add_argument("--phases", default=",".join(PHASES), help=f"some of {','.join(PHASES)}")
    args = parser.parse_args(argv)
    steps = ("build", "site", "search") if args.site else ("build",)
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    shutil.rmtree(args.work, ignore_errors=True)
    generate(args.n, args.work / "gen", seed=0)
    for name in trees:
        proj = args.work / name
        proj.mkdir(parents=True)
        shutil.copytree(args.work / "gen" / "raw", proj / "raw")
        shutil.copy2(ROOT / "entities.yml", proj / "entities.yml")
        if args.site:
            project(proj)
    edits = {"added": lambda raw: add_dump(raw, 0), "added2": lambda raw: add_dump(raw, 1),
             "edited": lambda raw: edit_dump(raw, 0), "newest": lambda raw: add_newest(raw, edited=False),
             "newest_edited": lambda raw: add_newest(raw, edited=True)}
    out: dict = {"n": args.n}
    for phase in args.phases.split(","):
        if phase in edits:
            for name in trees:
                edits[phase](args.work / name / "raw")
        if phase == "noop_after":
            time.sleep(2.5)  # the dumps just written are older than the racy window (pipeline/unchanged.py)
        runs = args.noop_runs if phase.startswith("noop") else 1
        row = {}
        for name, tree in trees.items():
            results = [{step: build(tree, args.work / name, step) for step in steps} for _ in range(runs)]
            row[name] = {step: {"wall_s": statistics.median(r[step]["wall_s"] for r in results),
                                "cpu_s": statistics.median(r[step]["cpu_s"] for r in results),
                                "first_wall_s": results[0][step]["wall_s"], "first_cpu_s": results[0][step]["cpu_s"]}
                         for step in steps}
            row[name]["timings"] = results[-1]["build"]["timings"]
            row[name]["wall_s"] = sum(row[name][step]["wall_s"] for step in steps)
            row[name]["cpu_s"] = sum(row[name][step]["cpu_s"] for step in steps)
            row[name]["first_wall_s"] = sum(row[name][step]["first_wall_s"] for step in steps)
        row["docs_files_differing"] = tree_differences(args.work / "old" / "docs", args.work / "new" / "docs")
        out[phase] = row
        per_step = "; ".join(f"{name}: " + " + ".join(f"{step} {row[name][step]['wall_s']:.2f}" for step in steps)
                             + f" (first run {row[name]['first_wall_s']:.2f})" for name in trees)
        print(f"{args.n} {phase}: old {row['old']['wall_s']:.2f} s wall / {row['old']['cpu_s']:.2f} s CPU, "
              f"new {row['new']['wall_s']:.2f} s / {row['new']['cpu_s']:.2f} s; {per_step}; "
              f"{row['docs_files_differing']} docs files differ", file=sys.stderr, flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
