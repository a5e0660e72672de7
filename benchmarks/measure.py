"""What every benchmark module measures with: a command timed as a subprocess (wall, CPU, peak RSS), the
machine and its load, a project folder laid out as a checkout's `make site` sees it."""

from __future__ import annotations

import hashlib
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
TIME = Path("/usr/bin/time")


def machine() -> dict:
    info: dict = {"nproc": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
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


def load() -> list[float]:
    """The 1, 5 and 15 minute load averages: on a shared machine, how much of a wall time was other work."""
    return [round(x, 2) for x in os.getloadavg()]


def timed(cmd: list[str], cwd: Path, *, check: bool = True) -> dict:
    """Run cmd, return wall seconds, CPU seconds, peak RSS (MiB) of the largest process, stdout and stderr."""
    use_time = TIME.exists()
    full = [str(TIME), "-v", *cmd] if use_time else cmd
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    t0 = time.perf_counter()
    proc = subprocess.run(full, cwd=cwd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    if check and proc.returncode != 0:
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
        err = re.sub(r"Command (exited with non-zero status|terminated by signal) \d+\s*$", "", err)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    warnings = [ln for ln in lines if ln.startswith("WARNING")]
    return {"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": rss_kb / 1024, "returncode": proc.returncode,
            "stderr_lines": len(lines), "stderr_head": lines[:12], "stderr_tail": lines[-12:],
            "rejected": sum(": rejected:" in ln for ln in lines), "warnings": len(warnings),
            "warnings_head": warnings[:6], "stdout": proc.stdout}


def tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def tree_files(path: Path, pattern: str = "*") -> int:
    return sum(1 for p in path.rglob(pattern) if p.is_file())


def tree_hash(path: Path) -> str:
    """Hash of the tree as published: links followed, dot folders left out (the build's docs/ links into
    .generated/g-<id>, whose name differs between two identical builds)."""
    h = hashlib.sha256()
    files = []
    for folder, dirs, names in os.walk(path, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        files += [Path(folder, name) for name in names if not name.startswith(".")]
    for p in sorted(files):
        h.update(str(p.relative_to(path)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def project(proj: Path) -> None:
    """A checkout's mkdocs.yml, theme/ and hand-written docs/, as `make site` sees them."""
    proj.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "mkdocs.yml", proj / "mkdocs.yml")
    shutil.copytree(ROOT / "theme", proj / "theme", dirs_exist_ok=True)
    (proj / "docs").mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "docs" / "about.md", proj / "docs" / "about.md")
    for sub in ("assets", "dev"):
        if (ROOT / "docs" / sub).is_dir():
            shutil.copytree(ROOT / "docs" / sub, proj / "docs" / sub, dirs_exist_ok=True)


def git_head() -> str | None:
    proc = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return proc.stdout.strip() or None


def pinned_venv(folder: Path, requirement: str, binary: str) -> tuple[Path | None, str]:
    """``folder/bin/binary`` from ``requirement`` installed into its own venv (never the project's), made on
    first use; (None, why) when it cannot be installed."""
    path = folder / "bin" / binary
    stamp = folder / ".requirement"
    if path.exists() and stamp.exists() and stamp.read_text().strip() == requirement:
        return path, ""
    made = subprocess.run([PY, "-m", "venv", "--clear", str(folder)], capture_output=True, text=True)
    pip = (subprocess.run([str(folder / "bin" / "pip"), "install", "--quiet", requirement], capture_output=True,
                          text=True) if made.returncode == 0 else made)
    if pip.returncode != 0 or not path.exists():
        return None, f"could not install {requirement}: {(pip.stderr or pip.stdout).strip()[-400:]}"
    stamp.write_text(requirement + "\n")
    return path, ""
