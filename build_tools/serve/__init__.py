"""Live preview for editors: ``python -m build_tools serve`` (``make serve``).

    build step → site render (only the changed pages) → search index → served from this process →
    watch raw/, entities.yml, overrides.yml → on a change: the same three steps, one update

Requests wait while an update writes the preview site, so a page listed on the home page is always
served too, and search finds what the pages say (static.py).  Nothing watches the site or docs/, so an
update's own writes never start a second one.  The build step is incremental through the content-hash
cache (.cache/build), the render and the search index through theirs (build_tools/site, build_tools/search).
A build that fails (invalid overrides.yml or entities.yml) leaves the last good preview in place; the
error is printed and the next save is tried again.  Each update prints how long each step took, how long
the change took to reach the preview (of which the wait for the change to settle, and the update's own
bookkeeping outside the three steps) and its CPU seconds.  The editor's desk is told after the update is
shown (~0.3 s at 10k articles that no page waits for).
The warm heap is walked by Python's garbage collector only while the preview is idle (update.py).

    address.py   the address: parsed and checked free
    static.py    the web server, the gate that holds requests during an update, live reload
    update.py    one update: build step, render, search index; the collector kept off the warm heap
    watch.py     the file watchers and how a burst of changes becomes one update
    rebuild.py   the build step, run in this process
    desk.py      the editor's desk (/_editor/): its state, saved after every build step outside docs/
    desk_page.py the desk's HTML;  desk_app.py  the WSGI app that answers /_editor/ from that state
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import tempfile
import threading
import time
from pathlib import Path

from build_tools.serve.address import ServeError, check_port_free, parse_addr
from build_tools.serve.desk import Desk
from build_tools.serve.desk_app import EditorDesk
from build_tools.serve.rebuild import Builder, say
from build_tools.serve.static import Gate, SiteServer
from build_tools.serve.update import Update
from build_tools.serve.watch import describe, next_batch, site_saved, start_site_watchers, start_watchers
from build_tools.settings import Settings

QUIET_PERIOD = 0.2  # seconds without further changes before a rebuild starts (a copy in progress)

__all__ = ["ServeError", "check_port_free", "parse_addr", "serve_main"]


class _Stop(BaseException):
    """SIGTERM: like Ctrl-C, not an error a build may swallow."""


_MAIN_PID = os.getpid()


def _on_sigterm(signum, frame):  # noqa: ARG001
    """The preview stops; a worker it forked (the render's, the build's) that inherited this handler dies as
    a worker should when its pool is terminated, instead of printing a traceback into the preview's log."""
    if os.getpid() != _MAIN_PID:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise _Stop()


def serve_main(args: argparse.Namespace) -> int:
    _check(args)  # a ServeError is a BuildError: the CLI prints it and exits 2
    os.environ.pop("SITE_URL", None)  # a public site_url would move the preview under its path
    settings = Settings(raw_dir=args.raw, docs_dir=args.docs, entities_path=args.entities,
                        overrides_path=args.overrides, keep_warm=True)
    if threading.current_thread() is threading.main_thread():
        global _MAIN_PID
        _MAIN_PID = os.getpid()
        signal.signal(signal.SIGTERM, _on_sigterm)
    with tempfile.TemporaryDirectory(prefix="cn-archive-serve-") as workdir:
        desk = Desk(Path(workdir) / "editor", settings.raw_dir, settings.max_dump_bytes)
        update = Update(Builder(settings, desk), args.config, args.docs)
        gate = Gate()
        try:
            update.run("first build")
            update.after_shown()
            update.builder.warm_readers()
            update.collect()
            server = SiteServer(update.site, *parse_addr(args.addr), gate, desk=EditorDesk(desk.folder))
        except (KeyboardInterrupt, _Stop):
            return 0
        server.start()
        return _preview_until_stopped(settings, update, gate, server, args.addr)


def _check(args: argparse.Namespace) -> None:
    if not args.raw.is_dir():
        raise ServeError(f"raw directory not found: {args.raw}")
    if not args.config.is_file():
        raise ServeError(f"mkdocs config not found: {args.config} (run from the project folder or pass --config)")
    check_port_free(*parse_addr(args.addr))


def _preview_until_stopped(settings: Settings, update: Update, gate: Gate, server: SiteServer, addr: str) -> int:
    """One update per burst of changes, requests held meanwhile; 0 on Ctrl-C/SIGTERM."""
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    start_watchers(settings, events, stop)
    start_site_watchers(update.config, update.custom_dir, settings.docs_dir, events, stop)
    say(f"watching {settings.raw_dir}/, {settings.entities_path} and {settings.overrides_path}; "
        f"preview at http://{addr}/, editor's desk at http://{addr}/_editor/ (Ctrl-C stops)")
    try:
        while True:
            batch = next_batch(events, 0.5, QUIET_PERIOD)
            if batch is None:
                update.collect()  # idle: the last updates' garbage, off the time an editor waits
                continue
            seen, changes = batch
            started = time.monotonic()
            with gate.writing():
                shown = update.run(describe(changes), site_saved=site_saved(changes, settings))
            done = time.monotonic()
            if shown:
                say(f"preview updated {done - seen:.1f} s after the change (waited {started - seen:.2f} s, "
                    f"{update.steps}; own {update.own(done - started):.2f} s)")
            update.after_shown()  # after the site: no page waits for the desk or the render's records
    except (KeyboardInterrupt, _Stop):
        say("stopping")
        return 0
    finally:
        stop.set()
        server.stop()
