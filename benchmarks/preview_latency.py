"""Live preview latency (issue 15): dumps dropped one at a time into the raw/ of a running ``make serve``,
each timed from the copy until the preview serves its page and counts it in the search bundle (the home
page lists only the newest ten; how many drops it listed is counted).  Also counted: moments the home page
listed a page that did not answer 200 (must be none) and updates beyond one per drop (second rebuilds).

    python -m benchmarks.preview_latency --project DIR --drops 20

DIR holds mkdocs.yml, entities.yml and raw/ (and overrides.yml if any; for instance a `make bench` project).
The preview process's peak RSS is read off /proc (VmHWM) just before it is stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from benchmarks.site_cycle import add_dump
from build_tools.archive.slugs import slugify


def _fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=600) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, ""
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, ""


def _pages(base: str) -> int:
    status, body = _fetch(f"{base}/pagefind/pagefind-entry.json")
    return json.loads(body)["languages"]["en"]["page_count"] if status == 200 else -1


def _peak_rss_mib(pid: int) -> float | None:
    """The process's high-water resident set (Linux), MiB; None where /proc does not say."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cpu_s(pid: int) -> float | None:
    """CPU seconds of the process and its reaped children (Linux /proc), the figure that compares two runs on a
    shared machine; None where /proc does not say."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def summary(latencies: list[float]) -> dict:
    """p50 / p95 / max of the drops' latencies (nearest rank); None for each when no drop was published."""
    lat = sorted(latencies)
    if not lat:
        return {"p50_s": None, "p95_s": None, "max_s": None}
    return {"p50_s": statistics.median(lat), "p95_s": lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))],
            "max_s": lat[-1]}


def _updates(log_path: Path) -> int:
    return log_path.read_text(encoding="utf-8", errors="replace").count("preview updated")


def _await(base: str, log_path: Path, slug: str, count: int, limit: float, result: dict) -> float | None:
    """Seconds until the dropped page is served and the search bundle counts one more page; None when the
    preview finished an update without it (a duplicate or a rejected dump: its log says which) or ``limit``
    passed.  Counts into ``result`` the moments the home page listed the page while it did not answer."""
    before = _updates(log_path)
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        updated = _updates(log_path) > before  # read before the fetches: an update done by then includes them
        # the home page lists the newest ten: a dump with an older date is listed on a later list page
        listed = f"articles/{slug}/" in _fetch(f"{base}/")[1]
        served = _fetch(f"{base}/articles/{slug}/")[0] == 200
        result["missing_while_listed"] += listed and not served
        if served and _pages(base) > count:
            result["listed_on_home"] = result.get("listed_on_home", 0) + listed
            return time.monotonic() - t0
        if updated and not served:
            return None
        time.sleep(0.1)
    return None


def measure(project: Path, drops: int, startup_limit: float, drop_limit: float, log) -> dict:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    out = open(project / "serve.log", "w")  # noqa: SIM115 - open for the server's whole life
    server = subprocess.Popen([sys.executable, "-m", "build_tools", "serve", "--raw", "raw", "--docs", "docs",
                               "--overrides", "overrides.yml", "--addr", f"127.0.0.1:{port}"], cwd=project, stdout=out,
                              stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                              start_new_session=True)
    started = time.monotonic()
    try:
        while _fetch(f"{base}/")[0] != 200:
            if server.poll() is not None or time.monotonic() - started > startup_limit:
                raise RuntimeError(f"preview did not start: {(project / 'serve.log').read_text()[-2000:]}")
            time.sleep(1)
        result = {"startup_s": time.monotonic() - started, "latency_s": [], "missing_while_listed": 0,
                  "dropped": 0, "not_published": 0, "cpu_s": []}
        log(f"  preview up after {result['startup_s']:.0f} s")
        tag = 500
        # A dropped dump the build rightly leaves out (the generator made a near-copy of an archived article:
        # a duplicate) measures nothing: another one is dropped, up to a few more than asked.
        while len(result["latency_s"]) < drops and result["dropped"] < drops + max(5, drops // 2):
            count = _pages(base)
            while any((project / "raw").glob(f"cycle_added_{tag:03d}_*")):  # a new dump, not one of an earlier run
                tag += 1
            cpu = _cpu_s(server.pid)
            path = add_dump(project / "raw", tag)
            result["dropped"] += 1
            seconds = _await(base, project / "serve.log", slugify(path.name), count, drop_limit, result)
            if seconds is not None and cpu is not None and (after := _cpu_s(server.pid)) is not None:
                result["cpu_s"].append(round(after - cpu, 2))
            if seconds is None:
                result["not_published"] += 1
                log(f"  drop {result['dropped']}: not published (the preview updated without it, or "
                    f"{drop_limit:.0f} s passed)")
                continue
            result["latency_s"].append(seconds)
            log(f"  drop {result['dropped']}: {seconds:.1f} s"
                + (f", preview CPU {result['cpu_s'][-1]:.1f} s" if len(result["cpu_s"]) == len(result["latency_s"])
                   else ""))
            time.sleep(2)
        time.sleep(3)
    finally:
        result_rss = _peak_rss_mib(server.pid)
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a preview that does not stop is killed, its children with it
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        out.close()
    text = (project / "serve.log").read_text()
    result.update({"updates": text.count("preview updated"), "drops": drops, "peak_rss_mib": result_rss,
                   "slowest_update": slowest_update(text), "splits": update_splits(text),
                   **summary(result["latency_s"])})
    return result


_STEP = {"build": re.compile(r"build step ([\d.]+) s"), "render": re.compile(r"(?:rendered|render)\b.* in ([\d.]+) s;"),
         "search": re.compile(r"search \d+ of \d+ shard\(s\) rebuilt in ([\d.]+) s"),
         "wait": re.compile(r"\(waited ([\d.]+) s"), "cpu": re.compile(r"CPU ([\d.]+) s[;)]"),
         "own": re.compile(r"; own ([\d.]+) s\)"),
         "total": re.compile(r"preview updated ([\d.]+) s")}


def update_splits(log_text: str) -> list[dict]:
    """Where each update's time went, as the preview logged it: wait (from the first change seen to the update's
    start), build step, render, search index and the total from the change to the preview updated (s; the rest of
    the total is the update's own bookkeeping), and the update's CPU seconds.  The first build is not an update."""
    splits, current, watching = [], {}, False
    for line in log_text.splitlines():
        watching = watching or line.startswith("serve: watching")  # printed once the first build is served
        for name, pattern in _STEP.items():
            if watching and (m := pattern.search(line)) and name not in current:
                current[name] = float(m.group(1))
        if "total" in current:
            splits.append(current)
            current = {}
    return splits


def slowest_update(log_text: str) -> str:
    """The preview's own account of its slowest update: the line before its "preview updated N s" line (what
    each step took), with N; empty when the log has no update."""
    lines = [ln.strip() for ln in log_text.splitlines() if ln.strip()]
    found = [(float(m.group(1)), i) for i, ln in enumerate(lines)
             if (m := re.search(r"preview updated ([\d.]+) s", ln))]
    if not found:
        return ""
    seconds, i = max(found)
    return f"{lines[i - 1] if i else ''} (updated {seconds:.1f} s after the change)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.preview_latency")
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--drops", type=int, default=20)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    result = measure(args.project.resolve(), args.drops, 3600, 120, lambda m: print(m, file=sys.stderr, flush=True))
    if result["cpu_s"]:
        print(f"preview CPU per drop: median {statistics.median(result['cpu_s']):.2f} s, "
              f"each {', '.join(f'{c:.1f}' for c in result['cpu_s'])}")
    print(f"preview: {args.drops} drops, p50 {result['p50_s']} s, p95 {result['p95_s']} s, "
          f"{result['updates']} updates, {result['missing_while_listed']} listed-but-missing; startup "
          f"{result['startup_s']:.0f} s")
    for n, split in enumerate(result["splits"], 1):
        print(f"  update {n}: " + ", ".join(f"{k} {v:.2f} s" for k, v in split.items()))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
