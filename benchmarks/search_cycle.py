"""The search step alone over the editor's loop (issue 15), old code against new, side by side.

    python -m benchmarks.search_cycle prepare --n 2000 --work /tmp/wtA/cycle-2k
    python -m benchmarks.search_cycle run --work /tmp/wtA/cycle-2k --old /tmp/wtA/old --json out.json

``prepare`` generates N dumps (benchmarks.generate), then for each phase of benchmarks/site_cycle.py (cold,
nothing changed, one added, another added, one edited) runs the build step and the site render without
search, and keeps a copy of the built site (``site-<phase>``, mtimes kept).  ``run`` replays the phases
for each code tree (``--old``: an export of the branch point; the new one is this checkout): the snapshot
is synced into one site folder (files whose size or mtime differ are replaced, the others left alone, as
MkDocs' incremental render leaves unchanged pages) and ``python -m build_tools.search index`` runs on
it with that tree's code (PYTHONPATH) and its own cache, so old and new see the same pages in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from benchmarks.measure import project as _project
from benchmarks.site_cycle import PHASES, _commands, add_dump, add_newest, edit_dump

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


# site_cycle's phases, the newest dump added and edited among them.
ALL_PHASES = PHASES


def prepare(n: int, work: Path, phases: tuple[str, ...] = ALL_PHASES) -> None:
    from benchmarks.generate import generate

    work.mkdir(parents=True, exist_ok=True)
    if phases[0] == "cold":
        generate(n, work, seed=0)
    shutil.copy2(ROOT / "entities.yml", work / "entities.yml")
    proj = work / "proj"
    proj.mkdir(exist_ok=True)
    _project(proj)
    commands = _commands(work / "raw", work / "entities.yml")
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    edits = {"cold": lambda: None, "noop": lambda: None, "added": lambda: add_dump(work / "raw", 0),
             "added2": lambda: add_dump(work / "raw", 1), "edited": lambda: edit_dump(work / "raw", 0),
             "newest": lambda: add_newest(work / "raw", False), "newest_edited": lambda: add_newest(work / "raw", True)}
    for phase in phases:
        edits[phase]()
        for step in ("build", "site"):
            subprocess.run(commands[step], cwd=proj, check=True, capture_output=True)
        snap = work / f"site-{phase}"
        shutil.rmtree(snap, ignore_errors=True)
        subprocess.run(["cp", "-a", str(proj / "site"), str(snap)], check=True)
        subprocess.run(["cp", "-a", str(proj / "docs"), str(work / f"docs-{phase}")], check=True)
        print(f"prepared {phase}", file=sys.stderr, flush=True)


def _sync(src: Path, dst: Path) -> None:
    """rsync -a --delete without rsync (not on this machine); the search step's own output is left alone."""
    keep = {"pagefind", "assets/search"}
    seen = set()
    for dirpath, dirnames, filenames in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        rel = "" if rel == "." else rel
        dirnames[:] = [d for d in dirnames if os.path.join(rel, d) not in keep]
        (dst / rel).mkdir(parents=True, exist_ok=True)
        seen.add(rel)
        for name in filenames:
            s, d = Path(dirpath) / name, dst / rel / name
            seen.add(os.path.join(rel, name))
            a = s.stat()
            try:
                b = d.stat()
                if (a.st_size, a.st_mtime_ns) == (b.st_size, b.st_mtime_ns):
                    continue
            except OSError:
                pass
            tmp = d.with_name(f".{name}.sync")
            shutil.copy2(s, tmp)
            os.replace(tmp, d)
    for dirpath, _dirnames, filenames in os.walk(dst, topdown=False):
        rel = os.path.relpath(dirpath, dst)
        rel = "" if rel == "." else rel
        if any(rel == k or rel.startswith(k + "/") for k in keep):
            continue
        for name in filenames:
            if os.path.join(rel, name) not in seen:
                os.unlink(os.path.join(dirpath, name))
        if rel and rel not in seen and not os.listdir(dirpath):
            os.rmdir(dirpath)


def run(work: Path, trees: dict[str, Path]) -> dict:
    from benchmarks.run import timed

    out: dict = {name: {} for name in trees}
    for name in trees:
        dest = work / f"run-{name}"
        shutil.rmtree(dest, ignore_errors=True)
        (dest / "site").mkdir(parents=True)
    for phase in ALL_PHASES:  # old and new in turn, phase by phase: the same load for both
        for name, tree in trees.items():
            dest = work / f"run-{name}"
            os.environ["PYTHONPATH"] = str(tree)
            rows = out[name]
            _sync(work / f"site-{phase}", dest / "site")
            _sync(work / f"docs-{phase}", dest / "docs")
            cmd = [PY, "-m", "build_tools.search", "index", "--site", "site", "--docs", "docs", "--json"]
            t = timed(cmd, cwd=dest)
            stats = json.loads(t["stdout"].strip().splitlines()[-1])
            rows[phase] = {"wall_s": round(t["wall_s"], 2), "cpu_s": t["cpu_s"],
                           "peak_rss_mib": round(t["peak_rss_mib"]),
                           **{k: stats.get(k) for k in ("shards", "shards_built", "pages_extracted", "pages",
                                                         "seconds_shards", "seconds_merge", "bundles",
                                                         "bundles_merged")}}
            print(f"{name} {phase}: {rows[phase]}", file=sys.stderr, flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search_cycle")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--phases", nargs="+", default=list(ALL_PHASES), help="from the first (default: all)")
    r = sub.add_parser("run")
    r.add_argument("--work", type=Path, required=True)
    r.add_argument("--old", type=Path, required=True, help="the old code tree (git archive of the branch point)")
    r.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.cmd == "prepare":
        prepare(args.n, args.work, tuple(args.phases))
        return 0
    res = run(args.work, {"old": args.old, "new": ROOT})
    text = json.dumps(res, indent=2) + "\n"
    if args.json:
        args.json.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
