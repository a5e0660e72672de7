"""Live preview for editors: ``python -m build_tools serve`` (``make serve``).

    build step once → mkdocs serve (subprocess, live reload) → watch raw/, entities.yml,
    overrides.yml → on a change, re-run the build step in this process → mkdocs sees docs/
    change, rebuilds the site and reloads the browser.

The build step is incremental through the content-hash cache (.cache/build): only new or
changed dumps are cleaned again.  A build that fails (invalid overrides.yml or entities.yml)
leaves the last good docs/ in place; the error is printed and the next save is tried again.
Each rebuild prints how long the build step took and, when mkdocs reports the reload, how
long the whole change took to reach the browser.

    mkdocs.py    the mkdocs serve child process, its config and address
    watch.py     the file watchers and how a burst of changes becomes one rebuild
    rebuild.py   the build step, run in this process
    desk.py      the editor's desk (/_editor/): its state, saved after every build step outside docs/
    desk_page.py the desk's HTML;  desk_hook.py  the MkDocs hook that serves it inside mkdocs serve
"""

from __future__ import annotations

import argparse
import queue
import signal
import tempfile
import threading
from pathlib import Path

from build_tools.serve.desk import Desk
from build_tools.serve.mkdocs import Preview, ServeError, check_port_free, mkdocs_config_for, parse_addr
from build_tools.serve.rebuild import Builder, say
from build_tools.serve.watch import describe, next_batch, start_watchers
from build_tools.settings import Settings

DEFAULT_ADDR = "127.0.0.1:8000"
QUIET_PERIOD = 0.2  # seconds without further changes before a rebuild starts (a copy in progress)

__all__ = ["ServeError", "add_parser", "check_port_free", "mkdocs_config_for", "parse_addr", "serve_main"]


class _Stop(BaseException):
    """SIGTERM: like Ctrl-C, not an error a build may swallow."""


def _on_sigterm(signum, frame):  # noqa: ARG001
    raise _Stop()


def serve_main(args: argparse.Namespace) -> int:
    settings = Settings(raw_dir=args.raw, docs_dir=args.docs, entities_path=args.entities,
                        overrides_path=args.overrides)
    _check(args)  # a ServeError is a BuildError: the CLI prints it and exits 2
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    with tempfile.TemporaryDirectory(prefix="cn-archive-serve-") as workdir:
        desk = Desk(Path(workdir) / "editor", settings.raw_dir, settings.max_dump_bytes)
        builder = Builder(settings, desk)
        try:
            builder.run("first build")
        except (KeyboardInterrupt, _Stop):
            return 0
        config, watch_also = mkdocs_config_for(args.config, args.docs, Path(workdir))
        preview = Preview(config, args.addr, watch_also, cwd=args.config.resolve().parent, dirty=args.dirty,
                          desk=desk.folder)
        return _preview_until_stopped(settings, builder, preview, args.addr)


def _check(args: argparse.Namespace) -> None:
    if not args.raw.is_dir():
        raise ServeError(f"raw directory not found: {args.raw}")
    if not args.config.is_file():
        raise ServeError(f"mkdocs config not found: {args.config} (run from the project folder or pass --config)")
    check_port_free(*parse_addr(args.addr))


def _preview_until_stopped(settings: Settings, builder: Builder, preview: Preview, addr: str) -> int:
    """Rebuild on every burst of changes while mkdocs serve runs; its exit code, or 0 on Ctrl-C/SIGTERM."""
    events: queue.Queue = queue.Queue()
    stop = threading.Event()
    start_watchers(settings, events, stop)
    say(f"watching {settings.raw_dir}/, {settings.entities_path} and {settings.overrides_path}; "
        f"preview at http://{addr}/, editor's desk at http://{addr}/_editor/ (Ctrl-C stops)")
    try:
        while preview.alive():
            batch = next_batch(events, 0.5, QUIET_PERIOD)
            if batch is None:
                continue
            seen, changes = batch
            if builder.run(describe(changes), around=preview.paused) is not None:
                preview.changed_at = seen
        code = preview.process.returncode
        say(f"mkdocs serve exited with code {code}")
        return code or 1
    except (KeyboardInterrupt, _Stop):
        say("stopping")
        return 0
    finally:
        stop.set()
        preview.stop()


def add_parser(commands) -> argparse.ArgumentParser:
    """The ``serve`` subcommand's options (cli.py registers it)."""
    serve = commands.add_parser(
        "serve", help="实时预览：构建、启动 mkdocs serve，raw/、实体表或更正文件一变就增量重建")
    serve.add_argument("--raw", type=Path, default=Path("raw"), help="原始存档目录 (默认 raw/)")
    serve.add_argument("--docs", type=Path, default=Path("docs"), help="输出目录 (默认 docs/)")
    serve.add_argument("--entities", type=Path, default=Path("entities.yml"), help="实体登记表 (默认 entities.yml)")
    serve.add_argument("--overrides", type=Path, default=Path("overrides.yml"), help="人工更正 (默认 overrides.yml)")
    serve.add_argument("--addr", default=DEFAULT_ADDR, help=f"预览地址 (默认 {DEFAULT_ADDR})")
    serve.add_argument("--config", type=Path, default=Path("mkdocs.yml"), help="MkDocs 配置 (默认 mkdocs.yml)")
    serve.add_argument("--dirty", action="store_true",
                       help="mkdocs serve --dirty：只重建内容变了的页面（存档大时快得多，站内导航与搜索可能过时）")
    return serve
