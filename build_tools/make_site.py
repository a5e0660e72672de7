"""``python -m build_tools site [build options] [-- site options]``: what `make site` runs — the build step, then,
when it exits 0, the site step (``python -m build_tools.site``: render, HTML check, search index), as the two
commands one after the other would.

The site step's process is started beside the build rather than after it: it imports MkDocs, the theme's
Markdown extensions and the indexer and loads mkdocs.yml (~0.4 s of CPU, the same at any archive size) on the
core the build step leaves idle, then waits for one line on its stdin — ``go`` and the build's figures once the
build succeeded; anything else, or the end of input, and it exits without doing anything.  It reads docs/ only
after ``go``: nothing it loads early is written by the build step.  A build with nothing to do (its no-op
replay) starts no second process: the site step's own no-op check runs here, in this one, and imports nothing.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from build_tools.memory import peak_mib

_STARTED = time.perf_counter()


def make_site(site_args: list[str], replay: Callable[[], int | None], build: Callable[[], int],
              after_go: Callable[[], None] = lambda: None) -> int:
    """``replay``: the build's no-op replay (its exit code, or None when the build must run); ``build``: the build
    step (its exit code); ``after_go``: what this process does while the site step runs (it writes the records
    only the next build reads).  The exit code is the build's when it fails, else the site step's."""
    site_argv = site_args[1:] if site_args[:1] == ["--"] else list(site_args)
    replayed = replay()
    if replayed is not None:
        return replayed or _site_here(site_argv, _figures())
    # Born with Ctrl-C ignored (a disposition that survives exec): until told to go, the build answers for both.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        beside = subprocess.Popen([sys.executable, "-m", "build_tools.site", "--after-build", *site_argv],
                                  stdin=subprocess.PIPE)
    except OSError:  # no second process: the site step runs here, after the build
        signal.signal(signal.SIGINT, previous)
        code = build()
        if code:
            return code
        figures = _figures()
        after_go()
        return _site_here(site_argv, figures)
    signal.signal(signal.SIGINT, previous)
    try:
        code = build()
    except BaseException:
        _finish(beside, None)
        raise
    if code != 0:
        _finish(beside, None)
        return code
    return _finish(beside, _figures(), after_go)


def _site_here(site_argv: list[str], build: dict) -> int:
    from build_tools.site.__main__ import main as site_main

    return site_main(site_argv, build)


def _figures() -> dict:
    """The build step's figures, for the site step's ``--json`` line (``make bench`` splits one process tree)."""
    times = os.times()
    return {"wall_s": round(_age(), 3),
            "cpu_s": round(times.user + times.system + times.children_user + times.children_system, 3),
            "peak_rss_mib": peak_mib()}


def _age() -> float:
    """Seconds since this process started (Linux: from its start time, Python's own start included)."""
    try:
        with open("/proc/self/stat", "rb") as stat:
            start_ticks = int(stat.read().rsplit(b")", 1)[1].split()[19])
        return time.clock_gettime(time.CLOCK_BOOTTIME) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return time.perf_counter() - _STARTED


def _finish(beside: subprocess.Popen, figures: dict | None, meanwhile: Callable[[], None] = lambda: None) -> int:
    """Tell the waiting site step to go (``figures``) or to stop (None), do ``meanwhile``, and wait for the step;
    its exit code (a signal's as the shell gives it).  Ctrl-C reaches it too (one process group): it stops itself."""
    told = ("go " + json.dumps(figures) + "\n").encode() if figures is not None else b""
    try:
        if told:
            beside.stdin.write(told)
        beside.stdin.close()
    except OSError:  # it ended already (it could not start): its exit code says so
        pass
    try:
        meanwhile()
    except KeyboardInterrupt:  # the site step has it too, and answers for both
        pass
    except BaseException:
        _wait(beside)
        raise
    return _wait(beside)


def _wait(beside: subprocess.Popen) -> int:
    while True:
        try:
            code = beside.wait()
            break
        except KeyboardInterrupt:
            continue
    return 128 - code if code < 0 else code
