"""The site render of two checkouts side by side on one generated project (issue 15): cold, nothing
changed, one dump added, one dump edited — each phase runs the build step once, then
``python -m build_tools.site --no-search`` of each checkout into its own site/ and state, timed in turn.
At the end the two site/ trees are compared byte for byte.

    python -m benchmarks.render_ab --n 2000 --old /tmp/old-checkout [--work DIR]

The build step and the generator are this checkout's; only the render differs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks.generate import generate
from benchmarks.measure import ROOT
from benchmarks.measure import project as _project
from benchmarks.run import timed
from benchmarks.site_cycle import add_dump, edit_dump

PY = sys.executable


def _render(tree: Path, name: str, proj: Path) -> dict:
    os.environ["PYTHONPATH"] = str(tree)
    try:
        t = timed([PY, "-m", "build_tools.site", "--site-dir", f"site-{name}", "--state", f".cache/site-{name}",
                   "--docs", "docs", "--no-search"], cwd=proj)
    finally:
        os.environ["PYTHONPATH"] = str(ROOT)
    t["summary"] = t["stdout"].strip().splitlines()[0] if t["stdout"].strip() else ""
    return t


def _differ(a: Path, b: Path) -> list[str]:
    files = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    other = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    return sorted(files ^ other) + sorted(r for r in files & other if (a / r).read_bytes() != (b / r).read_bytes())


def run(n: int, old: Path, work: Path, log) -> list[str]:
    if not (work / "raw").is_dir():
        generate(n, work, seed=0)
    shutil.copy2(ROOT / "entities.yml", work / "entities.yml")
    proj = work / "proj"
    proj.mkdir(exist_ok=True)
    _project(proj)
    raw = work / "raw"
    build = [PY, "-m", "build_tools", "build", "--raw", str(raw), "--docs", "docs", "--quiet", "--entities",
             str(work / "entities.yml"), "--overrides", str(ROOT / "overrides.yml")]
    edits = {"cold": lambda: None, "nothing changed": lambda: None, "one dump added": lambda: add_dump(raw, 0),
             "one dump edited": lambda: edit_dump(raw, 0)}
    lines = [f"### Site render at N = {n}: old ({old}) vs new (this checkout), one run, side by side", "",
             "| phase | old wall | old CPU | new wall | new CPU | new/old CPU | new peak RSS | new summary |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for phase, edit in edits.items():
        edit()
        timed(build, cwd=proj)
        a, b = _render(old, "old", proj), _render(ROOT, "new", proj)
        row = (f"| {phase} | {a['wall_s']:.2f} s | {a['cpu_s']:.2f} s | {b['wall_s']:.2f} s | {b['cpu_s']:.2f} s | "
               f"{b['cpu_s'] / a['cpu_s']:.1%} | {b['peak_rss_mib']:.0f} MiB | {b['summary']} |")
        log(row)
        lines.append(row)
    differ = _differ(proj / "site-old", proj / "site-new")
    lines += ["", f"site-old vs site-new after the run: {len(differ)} file(s) differ {differ[:5]}", ""]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.render_ab")
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--old", type=Path, required=True, help="the other checkout (its build_tools/site)")
    parser.add_argument("--work", type=Path, default=None, help="project folder (kept); default a temporary one")
    args = parser.parse_args(argv)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    os.environ.setdefault("SITE_URL", "https://example.test/archive/")  # a deployed site's sitemap lists every page
    work = args.work or Path(tempfile.mkdtemp(prefix=f"render-ab-{args.n}-"))
    work.mkdir(parents=True, exist_ok=True)
    print("\n".join(run(args.n, args.old.resolve(), work, lambda m: print(m, file=sys.stderr, flush=True))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
