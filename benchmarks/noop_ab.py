"""Two checkouts' no-op `make site` side by side (issue 15's "nothing changed ≤ 1%"): on one warm project, the
two processes `make site` runs (the build step, then ``python -m build_tools.site``), each tree in turn,
``--runs`` times interleaved; wall and CPU (user + system, GNU time) per process, then the medians.

    python -m benchmarks.noop_ab --project DIR --trees OLD,NEW [--runs 5]

DIR holds raw/, entities.yml and proj/ (mkdocs.yml, theme/, docs/, site/ after one `make site`), as
``benchmarks.generate`` + the three steps leave it.  Both trees must leave the project's output as it is when
nothing changed (check that the site step says so), so the order of the runs does not matter.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path


def _timed(command: list[str], cwd: Path, tree: str) -> tuple[float, float, str]:
    env = {**os.environ, "PYTHONPATH": tree, "NO_MKDOCS_2_WARNING": "1"}
    env.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    done = subprocess.run(["/usr/bin/time", "-f", "TIMED %e %U %S", *command], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed in {tree}:\n{done.stderr[-2000:]}")
    wall, user, system = map(float, re.findall(r"TIMED ([\d.]+) ([\d.]+) ([\d.]+)", done.stderr)[-1])
    return wall, user + system, done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.noop_ab")
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--trees", required=True, help="comma-separated checkouts, e.g. /tmp/old,.")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    work, trees = args.project.resolve(), [str(Path(t).resolve()) for t in args.trees.split(",")]
    runs: dict[str, list[tuple[float, float, float, float]]] = {tree: [] for tree in trees}
    for _ in range(args.runs):
        for tree in trees:
            build = _timed([sys.executable, "-m", "build_tools", "build", "--raw", str(work / "raw"), "--docs", "docs",
                            "--entities", str(work / "entities.yml"), "--overrides", f"{tree}/overrides.yml"],
                           work / "proj", tree)
            site = _timed([sys.executable, "-m", "build_tools.site", "--site-dir", "site", "--docs", "docs"],
                          work / "proj", tree)
            runs[tree].append((build[0], build[1], site[0], site[1]))
            print(f"{tree}: build {build[0]:.2f} s (CPU {build[1]:.2f}), site {site[0]:.2f} s (CPU {site[1]:.2f}): "
                  f"{site[2].splitlines()[0][:70]}", file=sys.stderr, flush=True)
    for tree, rows in runs.items():
        b, bc, s, sc = (statistics.median(row[i] for row in rows) for i in range(4))
        print(f"{tree}: median build {b:.2f} s (CPU {bc:.2f}) + site {s:.2f} s (CPU {sc:.2f}) = {b + s:.2f} s, "
              f"CPU {bc + sc:.2f} s")
    print(f"load {[round(x, 2) for x in os.getloadavg()]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
